"""VLANs in the kernel lane: an 802.1Q sub-interface, and a VLAN-filtering bridge with an access port and a
trunk port - each made, seen as iproute2 shows it (`ip -j -d link`, `bridge -j vlan`), and removed."""
import pytest


def link(lane, name):
    found = [x for x in lane.json(['ip', '-j', '-d', 'link', 'show']) if x['ifname'] == name]
    return found[0] if found else None


@pytest.mark.kernel('vlan')
def test_vlan_sub_interface(lane, tag):
    parent, peer, sub = tag + 'p', tag + 'q', tag + 'p.100'
    try:
        lane.ok(['ip', 'link', 'add', parent, 'type', 'veth', 'peer', 'name', peer])
        lane.ok(['ip', 'link', 'add', 'link', parent, 'name', sub, 'type', 'vlan', 'id', '100'])
        seen = link(lane, sub)
        assert seen['linkinfo']['info_kind'] == 'vlan', seen
        assert seen['linkinfo']['info_data']['id'] == 100, seen
        assert seen['linkinfo']['info_data']['protocol'] == '802.1Q', seen
        assert seen['link'] == parent, seen

        lane.ok(['ip', 'link', 'del', sub])
        assert link(lane, sub) is None and link(lane, parent) is not None
        lane.ok(['ip', 'link', 'del', parent])
        assert link(lane, parent) is None and link(lane, peer) is None
    finally:
        lane.run('ip link del %s; ip link del %s' % (sub, parent))


@pytest.mark.kernel('vlan_filtering')
def test_bridge_vlan_filtering_with_an_access_and_a_trunk_port(lane, tag):
    br, access, trunk = tag + 'br', tag + 'a', tag + 't'
    script = ['ip link add {br} type bridge vlan_filtering 1',
              'ip link add {a} type veth peer name {a}x', 'ip link add {t} type veth peer name {t}x',
              'ip link set {a} master {br}', 'ip link set {t} master {br}',
              # access port: VLAN 10 only, untagged, its PVID; trunk: 10 and 20 tagged (no native VLAN)
              'bridge vlan del dev {a} vid 1', 'bridge vlan add dev {a} vid 10 pvid untagged',
              'bridge vlan del dev {t} vid 1', 'bridge vlan add dev {t} vid 10', 'bridge vlan add dev {t} vid 20']
    try:
        lane.ok('set -e; ' + '; '.join(script).format(br=br, a=access, t=trunk))
        seen = link(lane, br)
        assert seen['linkinfo']['info_kind'] == 'bridge', seen
        assert seen['linkinfo']['info_data']['vlan_filtering'] == 1, seen
        ports = {p['ifname']: p['vlans'] for p in lane.json(['bridge', '-j', 'vlan', 'show'])}
        assert ports[access] == [{'vlan': 10, 'flags': ['PVID', 'Egress Untagged']}], ports
        assert ports[trunk] == [{'vlan': 10}, {'vlan': 20}], ports

        lane.ok('set -e; ip link del {a}; ip link del {t}; ip link del {br}'.format(br=br, a=access, t=trunk))
        assert not {br, access, trunk} & {p['ifname'] for p in lane.json(['bridge', '-j', 'vlan', 'show'])}
        assert link(lane, br) is None and link(lane, access) is None and link(lane, trunk) is None
    finally:
        lane.run('ip link del {a}; ip link del {t}; ip link del {br}'.format(br=br, a=access, t=trunk))
