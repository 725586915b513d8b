"""Diagrams from facts: the shape of scenario B and C as docs/scenarios.md draws them."""
import re

import yaml

import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.diagram import (
    from_topology, lab_model, model, to_dot, to_mermaid, whole_lab)
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.hosts import planned_parts
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import normalize


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
    assert host_nodes['host/br0'] == ('br0\n10.16.0.1/24', 'hub')
    assert host_nodes['host/eth0'][1] == 'uplink' and 'NAT 10.16.0.0/24' in host_nodes['host/eth0'][0]
    assert ('host/veth-br', 'netns:navy/veth-navy', 'veth') in edges  # the pair, drawn once
    assert len([e for e in edges if e[2] == 'veth']) == 1
    assert ('host/tap0', 'host/br0', '') in edges and ('host/tap0', 'guest:vm0/tap0', '') in edges
    assert groups[2][2][0][1] == 'eth0\n10.16.0.5/24'


def test_dot_and_mermaid_text():
    dot = to_dot(SCENARIO_C)
    assert dot.startswith('graph vnetlab {') and 'subgraph "cluster:netns:navy" {' in dot
    assert '"host/veth-br" -- "netns:navy/veth-navy" [label="veth"];' in dot
    assert '"host/br0" [label="br0\\n10.16.0.1/24", shape=ellipse' in dot
    mermaid = to_mermaid(SCENARIO_C)
    assert mermaid.startswith('flowchart LR') and '(["br0<br/>10.16.0.1/24"])' in mermaid
    ids = dict(re.findall(r'^    (n\d+)\W+"([^"<]+)', mermaid, re.M))
    ids = dict((v, k) for k, v in ids.items())
    assert '  %s ---|veth| %s' % (ids['veth-br'], ids['veth-navy']) in mermaid


def test_names_that_need_escaping():
    """Interface names may hold quotes and backslashes; names that differ only there stay two nodes."""
    facts = {'host': {'links': {
        'a"b\\c': link('veth', ['10.1.0.1/24'], peer='a_b', peer_netns=None),
        'a_b': link('veth', peer='a"b\\c', peer_netns=None),
        'a-b': link('bridge'),
    }, 'routes': []}, 'netns': {}}
    dot = to_dot(facts)
    assert '"host/a\\"b\\\\c" [label="a\\"b\\\\c\\n10.1.0.1/24", shape=box];' in dot
    assert '"host/a\\"b\\\\c" -- "host/a_b" [label="veth"];' in dot
    assert len(set(n[0] for n in model(facts)[0][0][2])) == 3
    assert_balanced_dot(dot)
    mermaid = to_mermaid(facts)
    assert '["a#quot;b\\c<br/>10.1.0.1/24"]' in mermaid


def assert_balanced_dot(dot):
    """Every quoted string in the DOT text ends where it should: quotes pair up once escapes are skipped."""
    inside, i = False, 0
    while i < len(dot):
        if inside and dot[i] == '\\':
            i += 2
            continue
        if dot[i] == '"':
            inside = not inside
        assert not (inside and dot[i] == '\n'), 'a newline inside a quoted string'
        i += 1
    assert not inside


def test_from_topology_draws_the_lab_before_it_exists():
    topo = normalize(yaml.safe_load(SCENARIO_C_FILE))
    facts = from_topology(topo)
    assert facts['namespaces'] == ['navy']
    assert facts['host']['links']['br0']['ports'] == ['veth-br', 'vqtap0']
    assert facts['netns']['navy']['links']['veth-navy']['addresses'] == ['10.16.0.2/24']
    assert facts['guests'][0]['address'] == '10.16.0.50'  # its static DHCP lease
    groups, edges = model(facts)
    assert [g[1] for g in groups] == ['host', 'netns navy', 'QEMU guest vm0 (x86_64, tcg)']
    assert ('host/veth-br', 'netns:navy/veth-navy', 'veth') in edges
    assert ('host/vqtap0', 'guest:vm0/vqtap0', '') in edges
    host_nodes = dict((n[0], n[1]) for n in groups[0][2])
    assert host_nodes['host/default route'] == 'default route (uplink)\nNAT 10.16.0.0/24'
    assert groups[2][2][0][1] == 'eth0\n10.16.0.50'
    assert_balanced_dot(to_dot(facts))


SCENARIO_C_FILE = """
lab: c
namespaces: [navy]
bridges:
  - {name: br0, addresses: [10.16.0.1/24]}
veths:
  - {name: veth-navy, netns: navy, addresses: [10.16.0.2/24], peer: veth-br, peer_master: br0}
dhcp:
  - {bridge: br0, range_start: 10.16.0.50, range_end: 10.16.0.99}
guests:
  - {name: vm0, kernel: /boot/vmlinuz, accel: tcg, nics: [{bridge: br0, tap: vqtap0}]}
nat:
  - {source: 10.16.0.0/24}
"""


def one_host(ns, address, vni_remotes, local, extra_links=None, owned=True):
    """The facts of one host of a lab over three: a namespace with a veth to the spanning bridge, its tunnel."""
    links = {
        'lan': link('bridge', ports=['v' + ns, 'vx7']),
        'v' + ns: link('veth', master='lan', peer='eth0', peer_netns=ns),
        'vx7': link('vxlan', master='lan', vni=7, local=local, port=4789, remotes=vni_remotes),
        'eth0': dict(link('device', ['10.69.13.9/24']), owned=False),
    }
    links.update(extra_links or {})
    return {'host': {'links': links, 'routes': []},
            'netns': {ns: {'links': {'lo': link('loopback', owned=False),
                                     'eth0': link('veth', [address], peer='v' + ns, peer_netns=None)},
                           'routes': []},
                      'theirs': {'links': {'lo': link('loopback', owned=False)}, 'routes': []}},
            'guests': [], 'nat': []}


THREE = {
    'h1': one_host('a', '10.77.0.1/24', ['10.69.13.2', '10.69.13.3'], '10.69.13.1'),
    'h2': one_host('b', '10.77.0.2/24', ['10.69.13.1', '10.69.13.3'], '10.69.13.2'),
    'h3': one_host('a', '10.77.0.3/24', ['10.69.13.1', '10.69.13.2'], '10.69.13.3'),  # the same name as h1's
}


def test_a_lab_over_hosts_is_a_box_per_host_and_its_tunnels():
    groups, edges = lab_model(whole_lab(THREE)['hosts'])
    assert [(g[0], g[1]) for g in groups] == [('cluster:h1/', 'host h1'), ('cluster:h2/', 'host h2'),
                                              ('cluster:h3/', 'host h3')]
    assert [(g[0], g[1]) for g in groups[0][3]] == [('cluster:h1/netns:a', 'netns a')]  # not `theirs`
    h1_nodes = dict((n[0], n[1:]) for n in groups[0][2])
    assert h1_nodes['h1/host/vx7'] == ('vx7\nVXLAN 7\n10.69.13.1', 'tunnel')
    assert 'h1/host/eth0' not in h1_nodes  # not vnetlab's
    tunnels = sorted(e for e in edges if e[2] == 'VXLAN 7')
    assert tunnels == [('h1/host/vx7', 'h2/host/vx7', 'VXLAN 7'), ('h1/host/vx7', 'h3/host/vx7', 'VXLAN 7'),
                       ('h2/host/vx7', 'h3/host/vx7', 'VXLAN 7')]
    # a namespace of one name on two hosts is two boxes, each host's veth pair its own
    assert ('h1/host/va', 'h1/netns:a/eth0', 'veth') in edges and ('h3/host/va', 'h3/netns:a/eth0', 'veth') in edges
    every = [n[0] for g in groups for n in g[2]] + [n[0] for g in groups for sub in g[3] for n in sub[2]]
    assert len(every) == len(set(every))


def test_tunnels_need_one_vni_and_a_flood_entry_to_each_other():
    hosts = {'h1': one_host('a', '10.77.0.1/24', ['10.69.13.2'], '10.69.13.1'),
             'h2': one_host('b', '10.77.0.2/24', ['10.69.13.1'], '10.69.13.2'),
             'h3': one_host('c', '10.77.0.3/24', [], '10.69.13.3')}  # floods to nobody, nobody to it
    hosts['h2']['host']['links']['vx8'] = link('vxlan', vni=8, local='10.69.13.2', remotes=['10.69.13.1'])
    _groups, edges = lab_model(whole_lab(hosts)['hosts'])
    assert [e for e in edges if e[2].startswith('VXLAN')] == [('h1/host/vx7', 'h2/host/vx7', 'VXLAN 7')]


def test_a_lab_over_hosts_as_dot_and_mermaid():
    lab = whole_lab(THREE)
    dot = to_dot(lab)
    assert '  subgraph "cluster:h1/" {\n    label="host h1"; style=rounded;' in dot
    assert '    subgraph "cluster:h1/netns:a" {' in dot  # nested in its host's box
    assert '"h1/host/vx7" -- "h2/host/vx7" [label="VXLAN 7", style=dashed];' in dot
    assert dot.count('subgraph') == 6 and dot.count('{') == dot.count('}')
    assert_balanced_dot(dot)
    mermaid = to_mermaid(lab)
    assert mermaid.count('subgraph') == 6 and mermaid.count('\n    subgraph ') == 3
    assert mermaid.count(' -.-|VXLAN 7| ') == 3
    assert mermaid.count('subgraph') == len(re.findall(r'^ *end$', mermaid, re.M))


def test_a_lab_over_hosts_escapes_host_names_and_labels():
    odd = 'h"1\\x'
    lab = whole_lab({odd: one_host('a', '10.77.0.1/24', [], '10.69.13.1'), 'h2': THREE['h2']})
    dot = to_dot(lab)
    assert '  subgraph "cluster:h\\"1\\\\x/" {' in dot and 'label="host h\\"1\\\\x";' in dot
    assert_balanced_dot(dot)
    assert '["host h#quot;1\\x"]' in to_mermaid(lab)


def test_whole_lab_checks_its_input_and_keeps_everything_on_request():
    with pytest.raises(VnetlabError, match='facts: give'):
        whole_lab({})
    with pytest.raises(VnetlabError, match="host 'h2' are not what lab_facts gathers"):
        whole_lab({'h1': THREE['h1'], 'h2': {'changed': False}})
    everything = whole_lab(THREE, owned_only=False)['hosts']
    assert 'eth0' in everything['h1']['host']['links'] and 'theirs' in everything['h1']['netns']


MULTIHOST = """
lab: mh
default_host: h2
namespaces: [{name: a, host: h1}, {name: c, host: h3}, b]
bridges: [{name: lan, hosts: [h1, h2, h3], addresses: [10.70.0.254/24]}]
veths:
  - {name: eth0, netns: a, addresses: [10.70.0.1/24], peer: va, peer_master: lan}
  - {name: eth0, netns: c, addresses: [10.70.0.3/24], peer: vc, peer_master: lan}
  - {name: eth0, netns: b, addresses: [10.70.0.2/24], peer: vb, peer_master: lan}
"""


def test_a_multihost_file_is_drawn_whole_before_it_is_built():
    parts = planned_parts(yaml.safe_load(MULTIHOST))
    assert sorted(parts) == ['h1', 'h2', 'h3']
    dot = to_dot({'hosts': dict((h, from_topology(normalize(p))) for h, p in parts.items())})
    for host, ns in (('h1', 'a'), ('h2', 'b'), ('h3', 'c')):
        assert 'subgraph "cluster:%s/netns:%s"' % (host, ns) in dot
    # the tunnels' addresses are unknown before the build: the hosts' links of one VNI are joined
    tunnels = re.findall(r'"(h\d)/host/vx\d+" -- "(h\d)/host/vx\d+" \[label="VXLAN', dot)
    assert sorted(tunnels) == [('h1', 'h2'), ('h1', 'h3'), ('h2', 'h3')]


def test_ports_vlans_links_and_impairments_on_the_edges():
    topo = normalize({'lab': 'v', 'namespaces': ['red', 'trunk'],
                      'bridges': [{'name': 'br0', 'vlan_filtering': True}],
                      'veths': [{'name': 'e0', 'netns': 'red', 'peer': 'p-red', 'peer_master': 'br0',
                                 'peer_vlan': {'access': 10}},
                                {'name': 'e0', 'netns': 'trunk', 'peer': 'p-trunk', 'peer_master': 'br0',
                                 'peer_vlan': {'trunk': [10, 20], 'native': 1}}],
                      'vlans': [{'name': 'e0.10', 'link': 'e0', 'id': 10, 'netns': 'trunk',
                                 'addresses': ['10.10.0.1/24']}],
                      'impairments': [{'netns': 'red', 'interface': 'e0', 'delay': '20ms', 'jitter': 5, 'loss': 1},
                                      {'interface': 'p-trunk', 'rate': '10mbit'}]})
    groups, edges = model(from_topology(topo))
    assert ('host/p-red', 'host/br0', 'VLAN 10') in edges
    assert ('host/p-trunk', 'host/br0', 'trunk 10,20 (native 1)') in edges
    assert ('host/p-red', 'netns:red/e0', 'veth\nred/e0: delay 20ms\u00b15ms, loss 1%') in edges
    assert ('host/p-trunk', 'netns:trunk/e0', 'veth\nhost/p-trunk: rate 10mbit') in edges
    assert ('netns:trunk/e0.10', 'netns:trunk/e0', '802.1Q') in edges
    nodes = dict((n[0], n[1]) for g in groups for n in g[2])
    assert nodes['netns:trunk/e0.10'] == 'e0.10\nVLAN 10\n10.10.0.1/24'
