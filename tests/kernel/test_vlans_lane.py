"""VLANs where the kernel has them (the lane's Debian kernel): a lab of four namespaces on one VLAN-filtering
bridge - two access ports on VLAN 10, one on VLAN 20, one trunk with an 802.1Q sub-interface for VLAN 10 - built
by the topology module. VLAN 10 reaches VLAN 10 (through the trunk too) and never VLAN 20, though all share one
bridge and one subnet. Memberships read back with `bridge -j vlan`; the port_vlan module moves a port; a re-run
repairs it; teardown leaves nothing."""
import pytest


def lab(tag):
    ends = [('a', 'access', 10, '10.198.10.1/24'), ('b', 'access', 10, '10.198.10.2/24'),
            ('c', 'access', 20, '10.198.10.3/24'), ('t', 'trunk', [10, 20], None)]
    return {'lab': tag, 'namespaces': [tag + e[0] for e in ends],
            'bridges': [{'name': tag + 'br', 'vlan_filtering': True}],
            'veths': [dict({'name': 'e0', 'netns': tag + ns, 'peer': tag + ns, 'peer_master': tag + 'br',
                            'peer_vlan': {mode: vlan}}, **({'addresses': [address]} if address else {}))
                      for ns, mode, vlan, address in ends],
            'vlans': [{'name': 'e0.10', 'link': 'e0', 'id': 10, 'netns': tag + 't', 'addresses': ['10.198.10.4/24']}]}


def reaches(lane, ns, address):
    return lane.run(['ip', 'netns', 'exec', ns, 'ping', '-n', '-c', '1', '-W', '1', address]).rc == 0


def memberships(lane, tag):
    return dict((p['ifname'], p['vlans']) for p in lane.json(['bridge', '-j', 'vlan', 'show'])
                if p['ifname'].startswith(tag) and p['ifname'] != tag + 'br')


@pytest.mark.kernel('vlan', 'vlan_filtering')
def test_vlan_10_reaches_vlan_10_and_not_vlan_20_over_one_bridge(lane, tag):
    topo = lab(tag)
    try:
        planned = lane.module('topology', definition=topo, check=True)
        assert planned['changed'] and not memberships(lane, tag), planned  # check mode made nothing
        assert planned['diff']['after']['links']['host/%sc' % tag]['vlans'] == {'access': 20}
        built = lane.module('topology', definition=topo)
        assert built['rc'] == 0 and built['changed'] and not built.get('failed'), built
        untagged = ['PVID', 'Egress Untagged']
        assert memberships(lane, tag) == {
            tag + 'a': [{'vlan': 10, 'flags': untagged}], tag + 'b': [{'vlan': 10, 'flags': untagged}],
            tag + 'c': [{'vlan': 20, 'flags': untagged}], tag + 't': [{'vlan': 10}, {'vlan': 20}]}
        [sub] = lane.json(['ip', '-n', tag + 't', '-j', '-d', 'link', 'show', 'e0.10'])
        assert (sub['linkinfo']['info_kind'], sub['linkinfo']['info_data']['id']) == ('vlan', 10)
        assert built['diff']['after'] == planned['diff']['after']  # check mode predicted it
        again = lane.module('topology', definition=topo)
        assert not again['changed'] and again['diff']['before'] == again['diff']['after'], again

        assert reaches(lane, tag + 'a', '10.198.10.2')  # access 10 -> access 10
        assert reaches(lane, tag + 't', '10.198.10.1')  # the trunk's VLAN 10 sub-interface -> access 10
        assert not reaches(lane, tag + 'a', '10.198.10.3')  # access 10 -> access 20: another broadcast domain
        assert not reaches(lane, tag + 't', '10.198.10.3')

        moved = lane.module('port_vlan', port=tag + 'c', access=10)
        assert moved['changed'] and moved['port_vlan']['vlans'] == {'access': 10}, moved
        assert reaches(lane, tag + 'a', '10.198.10.3')
        repaired = lane.module('topology', definition=topo)
        assert repaired['changed'] and memberships(lane, tag)[tag + 'c'] == [{'vlan': 20, 'flags': untagged}]
        assert not reaches(lane, tag + 'a', '10.198.10.3')

        gone = lane.module('topology', definition=topo, state='absent')
        assert gone['changed'] and not gone.get('failed'), gone
        assert not memberships(lane, tag)
        assert not [n for n in lane.json(['ip', '-j', 'netns', 'list']) if n['name'].startswith(tag)]
    finally:
        lane.run('for n in a b c t; do ip netns del %s$n; done; ip link del %sbr' % (tag, tag))


@pytest.mark.kernel('vlan')
def test_a_vlan_link_someone_else_made_is_left_alone(lane, tag):
    parent, peer, sub = tag + 'p', tag + 'q', tag + 'p.9'
    try:
        lane.ok('set -e; ip link add %s type veth peer name %s; ip link add link %s name %s type vlan id 9; '
                'ip link set %s up; ip link set %s up' % (parent, peer, parent, sub, parent, sub))
        refused = lane.module('vlan', name=sub, link=parent, id=9)
        assert refused.get('failed') and 'adopt: true' in refused['msg'], refused
        left = lane.module('vlan', name=sub, state='absent')
        assert not left['changed'] and not left.get('failed') and left['vlan']['state'] == 'present', left
        adopted = lane.module('vlan', name=sub, link=parent, id=9, adopt=True)
        assert adopted.get('changed') is False and adopted['vlan']['id'] == 9, adopted
        assert lane.json(['ip', '-j', '-d', 'link', 'show', sub])[0]['linkinfo']['info_data']['id'] == 9
    finally:
        lane.run('ip link del %s' % parent)
