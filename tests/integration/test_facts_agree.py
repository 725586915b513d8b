"""lab_info (the engine of lab_facts too) agrees with iproute2's own view (`ip -j -d`) on every link of
the lab's namespaces and of the host: kind, MAC, MTU, master, state, addresses, bridge ports, veth peer
and peer namespace - a veth pair between two namespaces included (an end was once reported as its own
peer)."""
from conftest import ipj


def lab(names):
    red, blue, green = names('red'), names('blue'), names('green')
    return {'lab': names('lab'), 'namespaces': [red, blue, green],
            'bridges': [{'name': names('br')}, {'name': 'brg', 'netns': green}],
            'veths': [
                # scenario A: both ends in namespaces, and the same ifindex on each side is likely
                {'name': 'veth-red', 'netns': red, 'addresses': ['10.234.0.2/24'], 'peer': 'veth-blue',
                 'peer_netns': blue, 'peer_addresses': ['10.234.0.3/24']},
                {'name': 'eth0', 'netns': green, 'master': 'brg', 'peer': names('g'), 'peer_master': names('br')},
                {'name': names('h1'), 'peer': names('h2'), 'mtu': 1400}]}


def iproute_view(ns):
    """{ifname: {...}} from ip -j -d, peers resolved through ifindex/link_index only."""
    addrs = dict((a['ifname'], sorted('%s/%s' % (x['local'], x['prefixlen']) for x in a.get('addr_info', [])
                                      if x.get('scope') != 'link')) for a in ipj('addr', 'show', netns=ns))
    out = {}
    for x in ipj('-d', 'link', 'show', netns=ns):
        out[x['ifname']] = {'kind': x.get('linkinfo', {}).get('info_kind', 'device'), 'mac': x.get('address'),
                            'mtu': x['mtu'], 'master': x.get('master'), 'up': 'UP' in x['flags'],
                            'addresses': addrs.get(x['ifname'], []), 'ifindex': x['ifindex'],
                            'link_index': x.get('link_index'), 'link_netnsid': x.get('link_netnsid'),
                            'link': x.get('link')}
    return out


def test_facts_match_iproute2_link_by_link(run09, names):
    topo = lab(names)
    run09.ok('topology', definition=topo)
    try:
        facts = run09.ok('lab_info', namespaces=topo['namespaces'])['vnetlab_lab']
        views = dict((ns, iproute_view(ns)) for ns in topo['namespaces'])
        views[None] = iproute_view(None)
        spaces = dict((ns, facts['netns'][ns]) for ns in topo['namespaces'])
        spaces[None] = facts['host']
        checked = 0
        for ns, space in spaces.items():
            for name, fact in space['links'].items():
                real = views[ns][name]
                for key in ('kind', 'mtu', 'master', 'up', 'addresses'):
                    assert fact[key] == real[key], (ns, name, key, fact[key], real[key])
                assert fact['mac'] == real['mac'] or real['kind'] == 'device' and name == 'lo', (ns, name)
                if real['kind'] == 'bridge':
                    assert fact['ports'] == sorted(n for n, v in views[ns].items() if v['master'] == name)
                if real['kind'] == 'veth':
                    peer_ns = fact['peer_netns']
                    peer = views[peer_ns][fact['peer']]
                    assert (peer_ns, fact['peer']) != (ns, name), 'an end reported as its own peer'
                    if real['link_netnsid'] is None:  # same namespace: iproute2 names the peer itself
                        assert peer_ns == ns and real['link'] == fact['peer']
                    else:
                        assert peer_ns != ns
                    assert peer['kind'] == 'veth' and peer['ifindex'] == (real['link_index'] or peer['ifindex'])
                    assert peer['link_index'] in (real['ifindex'], None) or peer['link'] == name
                checked += 1
        assert checked >= 10
        red, blue = topo['namespaces'][:2]
        assert facts['netns'][red]['links']['veth-red']['peer'] == 'veth-blue'
        assert facts['netns'][red]['links']['veth-red']['peer_netns'] == blue
        assert facts['netns'][blue]['links']['veth-blue']['peer'] == 'veth-red'
    finally:
        run09.ok('topology', definition=topo, state='absent')
