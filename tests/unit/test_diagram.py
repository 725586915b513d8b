"""Diagrams from facts: the shape of scenario B and C as docs/scenarios.md draws them."""
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.diagram import model, to_dot, to_mermaid


def link(kind, addresses=(), master=None, **extra):
    entry = {'kind': kind, 'addresses': list(addresses), 'master': master, 'owned': True}
    entry.update(extra)
    return entry


SCENARIO_C = {
    'host': {'links': {
        'br0': link('bridge', ['10.16.0.1/24'], ports=['tap0', 'veth-br']),
        'tap0': link('tun', master='br0', guest='vm0'),
        'veth-br': link('veth', master='br0', peer='veth-navy', peer_netns='navy'),
    }, 'routes': []},
    'netns': {'navy': {'links': {'lo': link('loopback'),
                                 'veth-navy': link('veth', ['10.16.0.2/24'], peer='veth-br', peer_netns=None)},
                       'routes': []}},
    'guests': [{'name': 'vm0', 'arch': 'x86_64', 'accel': 'tcg', 'nics': [{'tap': 'tap0'}],
                'append': 'console=ttyS0 vnetlab.ip=10.16.0.5/24 vnetlab.gw=10.16.0.1'}],
    'nat': [{'source': '10.16.0.0/24', 'out_interface': 'eth0', 'backend': 'nftables'}],
}


def test_model_has_boxes_hubs_and_edges():
    groups, edges = model(SCENARIO_C)
    labels = [g[1] for g in groups]
    assert labels == ['host', 'netns navy', 'QEMU guest vm0 (x86_64, tcg)']
    host_nodes = dict((n[0], (n[1], n[2])) for n in groups[0][2])
    assert host_nodes['host__br0'] == ('br0\\n10.16.0.1/24', 'hub')
    assert host_nodes['host__eth0'][1] == 'uplink' and 'NAT 10.16.0.0/24' in host_nodes['host__eth0'][0]
    assert ('host__veth_br', 'navy__veth_navy', 'veth') in edges  # the pair, drawn once
    assert len([e for e in edges if e[2] == 'veth']) == 1
    assert ('host__tap0', 'host__br0', '') in edges and ('host__tap0', 'guest_vm0__tap0', '') in edges
    assert groups[2][2][0][1] == 'eth0\\n10.16.0.5/24'


def test_dot_and_mermaid_text():
    dot = to_dot(SCENARIO_C)
    assert dot.startswith('graph vnetlab {') and 'subgraph cluster_navy__cluster {' in dot
    assert 'host__veth_br -- navy__veth_navy [label="veth"];' in dot
    mermaid = to_mermaid(SCENARIO_C)
    assert mermaid.startswith('flowchart LR') and 'host__br0(["br0<br/>10.16.0.1/24"])' in mermaid
    assert 'host__veth_br ---|veth| navy__veth_navy' in mermaid
