"""The address kind, pure: an exclusive list strips addresses only from a link vnetlab made (or one the task
adopts), refused before any op otherwise; IPv6 addresses are added without DAD (IFA_F_NODAD), IPv4 ones
and removals carry no flag."""
import ipaddress

import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Plan
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.netlink import IFA_F_NODAD
from ansible_collections.vnetlab.linux.plugins.module_utils.objects import address

OWN_ADDR = '192.168.77.10/24'


def snapshot(alias, netns=None):
    link = {'ifname': 'h10br', 'index': 10, 'kind': 'bridge', 'up': True, 'mtu': 1500, 'master': None,
            'ifalias': alias}
    state = {'links': {'h10br': link}, 'addresses': {10: [ipaddress.ip_interface(OWN_ADDR)]}, 'routes': None}
    snap = {None: {'links': {}, 'addresses': {}, 'routes': None}}
    snap[netns] = state
    return snap


def plan_for(alias, netns=None, intended=(), **params):
    p = dict(interface='h10br', netns=netns, addresses=['10.16.0.1/24'], exclusive=True, adopt=False,
             state='present')
    p.update(params)
    d = address.KIND.desired(p)
    plan = Plan(snapshot(alias, netns), intended=intended)
    after = address.KIND.plan(plan, d)
    return plan, after


@pytest.mark.parametrize('alias', [None, '', 'libvirt-net', 'vnetlabx', 'my vnetlab:lab'])
@pytest.mark.parametrize('netns', [None, 'h10ns'])
def test_exclusive_on_an_interface_not_made_by_vnetlab_is_refused_before_any_op(alias, netns):
    with pytest.raises(ParamError) as e:
        plan_for(alias, netns)
    assert e.value.param == 'exclusive'
    msg = str(e.value)
    assert msg.startswith("exclusive: interface 'h10br' in ")
    assert 'was not created by vnetlab' in msg and OWN_ADDR in msg
    assert 'its own addresses are not ours to remove' in msg
    assert 'set adopt: true to take the interface over, or drop exclusive' in msg


def test_exclusive_with_adopt_strips_the_interfaces_own_addresses():
    plan, after = plan_for(None, adopt=True)
    assert [op.action for op in plan.ops] == ["remove %s from 'h10br' in the host namespace" % OWN_ADDR,
                                              "add 10.16.0.1/24 on 'h10br' in the host namespace"]
    assert after['addresses'] == ['10.16.0.1/24']


@pytest.mark.parametrize('alias', ['vnetlab', 'vnetlab:lab1'])
def test_exclusive_on_a_link_vnetlab_made_needs_no_adopt(alias):
    plan, after = plan_for(alias)
    assert len(plan.ops) == 2 and after['addresses'] == ['10.16.0.1/24']


def test_an_unmarked_link_a_killed_run_of_ours_made_is_ours():
    plan, _after = plan_for(None, intended=[(None, 'h10br')])
    assert len(plan.ops) == 2


def test_without_exclusive_or_when_removing_a_foreign_interface_is_fine():
    plan, after = plan_for(None, exclusive=False)
    assert [op.action for op in plan.ops] == ["add 10.16.0.1/24 on 'h10br' in the host namespace"]
    assert after['addresses'] == sorted(['10.16.0.1/24', OWN_ADDR])
    plan, after = plan_for(None, addresses=[OWN_ADDR], state='absent')  # naming the address is the request
    assert [op.action for op in plan.ops] == ["remove %s from 'h10br' in the host namespace" % OWN_ADDR]


def test_a_lab_strips_only_its_own_links():
    """lab/plan.py passes exclusive only for links it did not adopt; a link it adopted keeps its addresses."""
    d = {'interface': 'h10br', 'netns': None, 'wanted': {ipaddress.ip_interface('10.16.0.1/24')},
         'exclusive': True, 'state': 'present'}
    plan = Plan(snapshot('vnetlab:lab1'), lab='lab1')
    address.KIND.plan(plan, d)
    assert len(plan.ops) == 2
    plan = Plan(snapshot(None), lab='lab1')
    with pytest.raises(ParamError) as e:
        address.KIND.plan(plan, d)
    assert e.value.param == 'exclusive'
    plan = Plan(snapshot(None), lab='lab1')
    plan.adopted.add((None, 'h10br'))
    address.KIND.plan(plan, dict(d, exclusive=False))
    assert [op.action for op in plan.ops] == ["add 10.16.0.1/24 on 'h10br' in the host namespace"]


class _Ipr:
    def __init__(self):
        self.calls = []

    def addr(self, how, **kwargs):
        self.calls.append((how, kwargs))

    def link_lookup(self, ifname):
        return [7]


class _Visit:
    def __init__(self):
        self.ipr = _Ipr()

    def index(self, name):
        return 7


@pytest.mark.parametrize('cidr,flags', [('fd00:16::1/64', {'flags': IFA_F_NODAD}), ('10.16.0.1/24', {})])
def test_ipv6_addresses_are_added_without_dad(cidr, flags):
    iface = ipaddress.ip_interface(cidr)
    visit = _Visit()
    op = address.address_op('add', 'h10br', None, iface)
    op.do(visit)
    op.undo(visit)
    removal = address.address_op('del', 'h10br', None, iface)
    removal.do(visit)
    removal.undo(visit)  # a rollback puts a removed address back: usable at once too
    base = {'index': 7, 'address': str(iface.ip), 'prefixlen': iface.network.prefixlen}
    assert visit.ipr.calls == [('add', dict(base, **flags)), ('del', base), ('del', base), ('add', dict(base, **flags))]


def test_an_address_that_is_there_without_the_flag_is_not_added_again():
    """Addresses are compared as ip_interface: the flag is never part of the compare."""
    plan, after = plan_for('vnetlab', addresses=[OWN_ADDR])
    assert plan.ops == [] and after['addresses'] == [OWN_ADDR]
