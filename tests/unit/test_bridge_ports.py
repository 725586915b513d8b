"""bridge ports: each enslave has an undo that puts the port back as it was found (pure: the plan's ops);
a port of someone else's bridge is refused before anything changes."""
import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Plan
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.objects import bridge


def snapshot(**links):
    out = {}
    for i, (name, attrs) in enumerate(sorted(links.items())):
        out[name] = dict({'index': 10 + i, 'kind': 'veth', 'up': False, 'mtu': 1500, 'master': None,
                          'ifalias': None, 'stp': False, 'vlan_filtering': False}, **attrs)
    for link in out.values():
        if isinstance(link['master'], str):
            link['master'] = out[link['master']]['index']
    return {None: {'links': out, 'addresses': {}, 'routes': []}}


def plan_for(snap, ports, name='h10br'):
    d = bridge.KIND.desired(dict(name=name, netns=None, stp=None, vlan_filtering=None, mtu=None, ports=ports,
                                 adopt=False, state='present'))
    plan = Plan(snap)
    bridge.KIND.plan(plan, d)
    return plan


def test_every_enslave_has_an_undo_and_a_port_already_there_and_up_has_no_op():
    snap = snapshot(h10br={'kind': 'bridge', 'up': True, 'ifalias': 'vnetlab'},
                    h10p0={'master': 'h10br', 'up': True}, h10p1={}, h10p2={'up': True})
    ops = plan_for(snap, ['h10p0', 'h10p1', 'h10p2']).ops
    assert [op.action for op in ops] == ["enslave 'h10p1' to bridge 'h10br' and set it up",
                                         "enslave 'h10p2' to bridge 'h10br' and set it up"]
    assert all(op.undo is not None for op in ops)


def test_a_port_of_someone_elses_bridge_is_refused():
    snap = snapshot(h10fb={'kind': 'bridge', 'up': True}, h10p0={'master': 'h10fb', 'up': True})
    with pytest.raises(ParamError) as e:
        plan_for(snap, ['h10p0'])
    assert e.value.param == 'ports' and "a port of 'h10fb'" in e.value.message
    assert 'not made by vnetlab' in e.value.message and 'release it there first' in e.value.message


def test_a_port_of_another_bridge_of_ours_moves_with_an_undo():
    snap = snapshot(h10ob={'kind': 'bridge', 'up': True, 'ifalias': 'vnetlab'}, h10p0={'master': 'h10ob', 'up': True})
    ops = plan_for(snap, ['h10p0']).ops
    assert ops[-1].action.startswith("enslave 'h10p0'") and ops[-1].undo is not None
