"""A lab over several hosts: placement of entries, each host's part, VNIs, MTUs, the underlay (no kernel)."""
import json

import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils.lab.hosts import (
    is_multihost, part_for, underlay_address, vni_of)
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import TopologyError, load_yaml, normalize

LAB = """\
lab: mh
default_host: h2
namespaces:
  - {name: a, host: h1}
  - {name: c, host: h3}
  - b
bridges:
  - {name: lan, hosts: [h1, h2, h3], addresses: [10.70.0.254/24]}
  - {name: only1, host: h1}
veths:
  - {name: eth0, netns: a, addresses: [10.70.0.1/24], peer: va, peer_master: lan}
  - {name: eth0, netns: c, addresses: [10.70.0.3/24], peer: vc, peer_master: lan, mtu: 1400}
  - {name: eth0, netns: b, addresses: [10.70.0.2/24], peer: vb, peer_master: lan}
routes:
  - {netns: a, destination: default, gateway: 10.70.0.254}
nat:
  - {source: 10.70.0.0/24}
"""
UNDERLAY = {'h1': '10.69.0.1', 'h2': '10.69.0.2', 'h3': '10.69.0.3'}


def data(text=LAB):
    return load_yaml(text, source='lab.yml')


def part(host, text=LAB, underlay=None):
    d, positions = data(text)
    return part_for(d, host, UNDERLAY if underlay is None else underlay, positions, source='lab.yml')


def fails(text, host='h1', underlay=None):
    with pytest.raises(TopologyError) as e:
        part(host, text, underlay)
    return str(e.value)


def test_a_lab_without_hosts_is_single_host():
    d, _positions = data("lab: x\nnamespaces: [a]\n")
    assert not is_multihost(d)
    assert not is_multihost(normalize(d))
    assert is_multihost(data()[0]) and is_multihost(normalize(data()[0]))


def test_each_host_gets_its_namespaces_veths_and_routes():
    p1, p2, p3 = part('h1'), part('h2'), part('h3')
    assert p1['namespaces'] == [{'name': 'a'}]
    assert p3['namespaces'] == [{'name': 'c'}]
    assert p2['namespaces'] == ['b']  # default_host
    assert [v['netns'] for v in p1['veths']] == ['a']
    assert p1['routes'] == [{'netns': 'a', 'destination': 'default', 'gateway': '10.70.0.254'}]
    assert 'routes' not in p2 and 'routes' not in p3
    assert [b['name'] for b in p1['bridges']] == ['lan', 'only1']
    assert [b['name'] for b in p3['bridges']] == ['lan']
    for p in (p1, p2, p3):
        assert 'default_host' not in p
        assert all('host' not in b and 'hosts' not in b for b in p['bridges'])
        assert p['nat'] == [{'source': '10.70.0.0/24'}]  # NAT without a host: on every host
        assert not is_multihost(p)
        normalize(json.loads(json.dumps(p)))  # a valid single-host topology, as the module gets it


def test_a_bridge_on_several_hosts_gets_a_tunnel_to_each_other_host():
    vni = vni_of('mh', 'lan')
    assert part('h1')['vxlans'] == [{'name': 'vx%d' % vni, 'vni': vni, 'master': 'lan', 'mtu': 1450, 'port': 4789,
                                     'local': '10.69.0.1', 'remotes': ['10.69.0.2', '10.69.0.3']}]
    assert part('h3')['vxlans'][0]['remotes'] == ['10.69.0.1', '10.69.0.2']
    assert part('h3')['vxlans'][0]['vni'] == vni  # the same on every host


def test_the_ports_of_a_spanning_bridge_lose_the_vxlan_overhead():
    p1, p3 = part('h1'), part('h3')
    assert p1['veths'][0]['mtu'] == 1450
    assert p3['veths'][0]['mtu'] == 1400  # a smaller declared MTU stays
    assert p1['bridges'][0]['mtu'] == 1450
    assert 'mtu' not in p1['bridges'][1]  # a bridge on one host keeps what it declares
    jumbo = part('h1', LAB.replace('default_host: h2', 'default_host: h2\nunderlay_mtu: 9000'))
    assert jumbo['veths'][0]['mtu'] == 8950 and jumbo['vxlans'][0]['mtu'] == 8950


GUESTS = LAB + """\
guests:
  - {name: g, host: h2, kernel: /k, nics: [{bridge: lan}, {bridge: only2}, {bridge: lan, tap: t2, mtu: 1400}]}
""".replace('  - {name: only1, host: h1}', '  - {name: only1, host: h1}\n  - {name: only2, host: h2}')


def test_a_guest_nic_on_a_spanning_bridge_gets_its_mtu():
    (g,) = part('h2', GUESTS)['guests']
    assert [n.get('mtu') for n in g['nics']] == [1450, None, 1400]  # a bridge on one host: as declared
    assert 'guests' not in part('h1', GUESTS)
    topo = normalize(part('h2', GUESTS))  # the part is a valid single-host topology
    assert [n.get('mtu') for n in topo['guests'][0]['nic_list']] == [1450, None, 1400]


def test_a_declared_vni_and_an_unknown_local_address():
    p = part('h1', LAB.replace('hosts: [h1, h2, h3]', 'hosts: [h1, h2, h3], vni: 4242'),
             underlay={'h2': '10.69.0.2', 'h3': '10.69.0.3'})
    assert p['vxlans'][0]['vni'] == 4242 and p['vxlans'][0]['name'] == 'vx4242'
    assert 'local' not in p['vxlans'][0]  # the module takes its default route's source address


def test_vni_is_deterministic_and_in_range():
    assert vni_of('mh', 'lan') == vni_of('mh', 'lan') != vni_of('mh2', 'lan')
    assert 1 <= vni_of('mh', 'lan') <= (1 << 24) - 1


def test_a_host_without_anything_gets_no_part():
    assert part('h9') is None


def test_a_remote_without_an_underlay_address_is_an_error():
    assert "host 'h3', whose underlay address is unknown" in fails(LAB, underlay={'h1': '10.69.0.1',
                                                                                  'h2': '10.69.0.2'})


def test_an_entry_without_a_host_needs_default_host():
    msg = fails(LAB.replace('default_host: h2\n', ''))
    assert 'lab.yml line 5: namespaces[2]: this lab names hosts' in msg


def test_a_veth_between_namespaces_on_two_hosts_is_refused():
    msg = fails(LAB.replace("veths:\n", "veths:\n  - {name: x1, netns: a, peer: x3, peer_netns: c}\n"))
    assert "veths[0]: its ends are in namespaces on hosts 'h1' and 'h3'" in msg


def test_a_port_on_a_host_the_bridge_is_not_on_is_refused():
    msg = fails(LAB.replace('hosts: [h1, h2, h3]', 'hosts: [h1, h2]'))
    assert "veths[1].peer_master: bridge 'lan' is not on host 'h3'" in msg


def test_a_host_that_differs_from_its_namespace_s_is_refused():
    msg = fails(LAB.replace("{netns: a, destination", "{netns: a, host: h2, destination"))
    assert "routes[0].host: host 'h2' differs from 'h1'" in msg


def test_a_spanning_bridge_in_a_namespace_is_refused():
    msg = fails(LAB.replace("{name: only1, host: h1}", "{name: only1, netns: a, hosts: [h1, h2]}"))
    assert "bridges[1].hosts: a bridge in namespace 'a' is on that namespace's host only" in msg


def test_bad_placement_values_name_the_key():
    assert 'bridges[0].vni: a VNI is a number' in fails(LAB.replace('hosts: [h1, h2, h3]', 'hosts: [h1], vni: 0'))
    assert 'bridges[0].hosts: a list of distinct' in fails(LAB.replace('hosts: [h1, h2, h3]', 'hosts: [h1, h1]'))
    assert 'default_host: the name of an inventory host' in fails(LAB.replace('default_host: h2', 'default_host: 3'))


def test_two_bridges_with_one_vni_are_refused():
    text = LAB.replace("{name: only1, host: h1}", "{name: only1, hosts: [h1, h2], vni: 7}").replace(
        'hosts: [h1, h2, h3]', 'hosts: [h1, h2, h3], vni: 7')
    assert "bridges[1].vni: VNI 7 is also bridge 'lan''s" in fails(text)


def test_a_placement_key_a_section_does_not_take_is_unknown():
    assert "unknown key 'hosts'" in fails(LAB.replace("{name: a, host: h1}", "{name: a, hosts: [h1]}"))


def test_underlay_address_from_host_variables():
    assert underlay_address({'vnetlab_underlay_address': '10.69.0.7', 'ansible_host': '10.1.1.1'}) == '10.69.0.7'
    assert underlay_address({'ansible_default_ipv4': {'address': '10.69.0.8'}, 'ansible_host': 'h'}) == '10.69.0.8'
    assert underlay_address({'ansible_host': '10.69.0.9'}) == '10.69.0.9'
    assert underlay_address({'ansible_host': 'lab1.example'}) is None
    assert underlay_address({'vnetlab_underlay_address': 'fd69:0::7'}) == 'fd69::7'  # the kernel's spelling
    with pytest.raises(TopologyError):
        underlay_address({'vnetlab_underlay_address': 'nope'})


UNDERLAY6 = {'h1': 'fd69::1', 'h2': 'fd69::2', 'h3': 'fd69::3'}


def test_an_ipv6_underlay_takes_20_more_bytes_of_the_mtu():
    p1 = part('h1', underlay=UNDERLAY6)
    (vx,) = p1['vxlans']
    assert (vx['local'], vx['remotes'], vx['mtu']) == ('fd69::1', ['fd69::2', 'fd69::3'], 1430)
    assert [v.get('mtu') for v in p1['veths']] == [1430]
    topo = normalize(p1)  # the part is a valid single-host topology
    assert topo['vxlans'][0]['remotes'] == ['fd69::2', 'fd69::3']


def test_underlay_addresses_of_both_versions_are_refused():
    assert 'of both IP versions' in fails(LAB, underlay=dict(UNDERLAY6, h3='10.69.0.3'))


def test_a_vxlan_entry_is_checked_like_the_other_links():
    base = "lab: x\nbridges: [{name: br0}]\nvxlans:\n"
    topo = normalize(load_yaml(base + "  - {name: vx7, vni: 7, master: br0, remotes: [10.69.0.3, 10.69.0.2]}\n")[0])
    assert topo['vxlans'][0]['remotes'] == ['10.69.0.2', '10.69.0.3'] and topo['vxlans'][0]['local'] is None
    for entry, message in (("{name: vx7, vni: 0}", 'vxlans[0].vni: a VNI is a number'),
                           ("{name: br0, vni: 7}", "interface 'br0' in the host namespace is already declared"),
                           ("{name: vx7, vni: 7, local: 10.0.0.1, remotes: [fd00::1]}", 'one IP version'),
                           ("{name: vx7, vni: 7, remotes: [239.1.1.1]}", 'not a unicast address'),
                           ("{name: vx7, vni: 7, local: 10.0.0.1, remotes: [10.0.0.1]}", "own underlay address")):
        with pytest.raises(TopologyError) as e:
            normalize(*load_yaml(base + "  - " + entry + "\n"))
        assert message in str(e.value)


def test_the_action_plugin_cuts_the_part_of_inventory_hostname():
    from ansible_collections.vnetlab.linux.plugins.action.topology import host_part
    d, positions = data()
    hostvars = {'h1': {'vnetlab_underlay_address': '10.69.0.1'}, 'h2': {'ansible_host': '10.69.0.2'},
                'h3': {'ansible_default_ipv4': {'address': '10.69.0.3'}}}
    p = host_part(d, {'inventory_hostname': 'h2', 'hostvars': hostvars}, positions, 'lab.yml')
    assert p['vxlans'][0]['local'] == '10.69.0.2' and p['vxlans'][0]['remotes'] == ['10.69.0.1', '10.69.0.3']
    assert host_part(d, {'inventory_hostname': 'other', 'hostvars': hostvars}) is None
    from ansible.errors import AnsibleActionFail
    with pytest.raises(AnsibleActionFail) as e:
        host_part(d, {'inventory_hostname': 'h1', 'hostvars': {'h1': {}, 'h2': {}}}, positions, 'lab.yml')
    assert "host 'h2', whose underlay address is unknown" in str(e.value)


def test_dhcp_on_a_spanning_bridge_covers_every_host():
    """The server runs on the bridge's first host; its static leases and DNS names are the whole lab's."""
    text = GUESTS + """\
dhcp:
  - {bridge: lan, range_start: 10.70.0.100, range_end: 10.70.0.200,
     hosts: [{name: fixed, ip: 10.70.0.9, mac: '52:54:00:aa:bb:cc'}]}
"""
    (served,) = part('h1', text)['dhcp']
    assert 'dhcp' not in part('h2', text) and 'dhcp' not in part('h3', text)
    assert served['hosts'][0] == {'name': 'fixed', 'ip': '10.70.0.9', 'mac': '52:54:00:aa:bb:cc', 'nic': 0}
    [guest] = [h for h in served['hosts'] if h['name'] == 'g']  # the guest on h2, its first NIC on lan
    whole = normalize(data(text)[0])
    assert guest['mac'] == whole['guests'][0]['nic_list'][0]['mac'] and guest['nic'] == 0
    assert guest['ip'] == whole['dhcp'][0]['hosts'][1]['ip']
    assert sorted((r['name'], r['ip']) for r in served['records']) == [
        ('a', '10.70.0.1'), ('b', '10.70.0.2'), ('c', '10.70.0.3')]  # namespaces of h1, h2 and h3
    # the part is a valid single-host topology, and completing it changes nothing
    again = normalize(part('h1', text))['dhcp'][0]
    assert again['hosts'] == whole['dhcp'][0]['hosts'] and again['records'] == whole['dhcp'][0]['records']


def test_impairments_and_vlan_links_go_with_their_link():
    """A host-namespace link's impairment and VLAN link run where its veth is, not on default_host."""
    text = """lab: x
default_host: h1
namespaces: [{name: red, host: h2}]
veths: [{name: e0, netns: red, peer: veth-red}]
vlans: [{name: veth-red.7, link: veth-red, id: 7}, {name: e0.7, link: e0, id: 7, netns: red}]
impairments: [{interface: veth-red, rate: 1mbit}, {interface: veth-red.7, rate: 2mbit}, {netns: red, interface: e0,
  delay: 5ms}]
"""
    assert part('h1', text) is None
    p2 = part('h2', text)
    assert [x['name'] for x in p2['vlans']] == ['veth-red.7', 'e0.7']
    assert [m['interface'] for m in p2['impairments']] == ['veth-red', 'veth-red.7', 'e0']
