"""The lab planner is pure: a topology and a live snapshot in, ops out - checked against golden files,
with no kernel (in the style of netlab's tests/topology and tests/errors).

    golden/plan/<case>/topology.yml   the lab
    golden/plan/<case>/snapshot.yml   what the kernel shows (links with only the fields that matter)
    golden/plan/<case>/expected.txt   the ops, one action per line, then `warning: ...` lines - or `error: ...`
    golden/errors/<case>.yml          a bad topology; its first line is `# error: <expected message part>`

VNETLAB_GOLDEN_UPDATE=1 rewrites expected.txt from the planner (review the diff before committing).
"""
import glob
import ipaddress
import os

import pytest
import yaml

from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.plan import LabPlanner
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import TopologyError, load_yaml, normalize

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'golden')
LINK_DEFAULTS = {'up': True, 'mtu': 1500, 'master': None, 'link': None, 'link_netnsid': None, 'ifalias': None,
                 'operstate': 'UP', 'mac': '02:00:00:00:00:01', 'stp': False, 'vlan_filtering': False}


def snapshot_from(data):
    """The YAML snapshot -> engine's snapshot: 'host' is HOST (None), links get their defaults and
    indexes, `master: br0` and `peer` names become indexes, addresses become ip_interface."""
    snapshot = {}
    index = 100
    for ns, state in (data or {}).items():
        links = {}
        for name, link in (state.get('links') or {}).items():
            index += 1
            links[name] = dict(LINK_DEFAULTS, ifname=name, index=index)
            links[name].update(link)
        for link in links.values():
            if isinstance(link['master'], str):
                link['master'] = links[link['master']]['index']
        addrs = {}
        for name, cidrs in (state.get('addresses') or {}).items():
            addrs[links[name]['index']] = [ipaddress.ip_interface(c) for c in cidrs]
        routes = state.get('routes')
        for r in routes or []:
            r.setdefault('family', 10 if ':' in (r.get('gateway') or r['dst']) else 2)
            r.setdefault('metric', 0)
            r.setdefault('proto', 4)
            r.setdefault('scope', 0)
            r['oif'] = links[r.pop('device')]['index'] if r.get('device') else None
            r.setdefault('gateway', None)
        snapshot[None if ns == 'host' else ns] = {'links': links, 'addresses': addrs, 'routes': routes}
    for ns, state in snapshot.items():  # veth peers: `peer: <ns>/<name>`
        for link in state['links'].values():
            if isinstance(link.get('peer'), str):
                peer_ns, peer_name = link.pop('peer').split('/')
                peer = snapshot[None if peer_ns == 'host' else peer_ns]['links'][peer_name]
                link['link'] = peer['index']
                link['link_netnsid'] = None if (None if peer_ns == 'host' else peer_ns) == ns else 0
    snapshot.setdefault(None, {'links': {}, 'addresses': {}, 'routes': []})
    return snapshot


def plan_case(case):
    with open(os.path.join(case, 'topology.yml')) as f:
        data, positions = load_yaml(f.read(), 'topology.yml')
    options = data.pop('_test', {}) if isinstance(data, dict) else {}
    topo = normalize(data, positions, 'topology.yml')
    with open(os.path.join(case, 'snapshot.yml')) as f:
        snapshot = snapshot_from(yaml.safe_load(f))
    planner = LabPlanner(topo, snapshot, set(options.get('owned', [])), options.get('prune', False))
    try:
        ops = planner.present() if options.get('state', 'present') == 'present' else planner.absent()
    except VnetlabError as e:
        return 'error: %s\n' % e
    return ''.join(op.action + '\n' for op in ops) + ''.join('warning: %s\n' % w for w in planner.plan.warnings)


@pytest.mark.parametrize('case', sorted(glob.glob(os.path.join(HERE, 'plan', '*'))), ids=os.path.basename)
def test_plan(case):
    got = plan_case(case)
    path = os.path.join(case, 'expected.txt')
    if os.environ.get('VNETLAB_GOLDEN_UPDATE'):
        with open(path, 'w') as f:
            f.write(got)
    with open(path) as f:
        assert got == f.read()


@pytest.mark.parametrize('path', sorted(glob.glob(os.path.join(HERE, 'errors', '*.yml'))), ids=os.path.basename)
def test_error(path):
    with open(path) as f:
        text = f.read()
    expected = text.splitlines()[0].split('# error:', 1)[1].strip()
    with pytest.raises(TopologyError) as e:
        data, positions = load_yaml(text, os.path.basename(path))
        normalize(data, positions, os.path.basename(path))
    assert expected in str(e.value)
