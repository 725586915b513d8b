"""IPv6 addresses are usable the moment the task returns: added without DAD (`nodad`), never `tentative` - on a
bridge and veth ends of a topology, and on a link that was down when the address was added. Traffic only
between the test's own namespaces."""
import subprocess

from conftest import ipj, ip


def v6(name, netns):
    """{address: the flags `ip -j -6 addr` shows} of one link's global addresses."""
    out = {}
    for entry in ipj('-6', 'addr', 'show', 'dev', name, netns=netns):
        for a in entry.get('addr_info', []):
            if a.get('scope') == 'global':
                out['%s/%s' % (a['local'], a['prefixlen'])] = set(k for k, v in a.items() if v is True)
    return out


def ping6(netns, target):
    """One echo, one second: a tentative address would not answer in time (DAD takes about a second)."""
    proc = subprocess.run(['ip', 'netns', 'exec', netns, 'ping', '-6', '-n', '-c', '1', '-W', '1', target],
                          capture_output=True, text=True, timeout=10, check=False)
    return proc.returncode, proc.stdout + proc.stderr


def test_topology_ipv6_addresses_answer_at_once(run, names):
    a, b, br, va, vb = names('a'), names('b'), names('br'), names('va'), names('vb')
    topo = {'lab': names('lab'), 'namespaces': [a, b],
            'bridges': [{'name': br, 'netns': b, 'addresses': ['fd00:79::1/64']}],
            'veths': [{'name': va, 'netns': a, 'addresses': ['fd00:79::2/64'], 'peer': vb, 'peer_netns': b,
                       'peer_master': br}]}
    run.ok('topology', definition=topo)
    # right after the task: read the flags first, then ping, with nothing in between
    on_bridge, on_veth = v6(br, b), v6(va, a)
    assert on_bridge == {'fd00:79::1/64': {'nodad'}}, on_bridge
    assert on_veth == {'fd00:79::2/64': {'nodad'}}, on_veth
    for netns, target in ((a, 'fd00:79::1'), (b, 'fd00:79::2')):
        rc, out = ping6(netns, target)
        assert rc == 0, out
    assert not run.ok('topology', definition=topo)['changed']
    run.ok('topology', definition=topo, state='absent')


def test_an_address_added_to_a_down_link_is_usable_when_it_comes_up(run, names):
    a, b, va, vb = names('a'), names('b'), names('va'), names('vb')
    run.ok('netns', name=a)
    run.ok('netns', name=b)
    run.ok('veth', name=va, netns=a, peer=vb, peer_netns=b)
    ip('link', 'set', 'dev', va, 'down', netns=a)
    ip('link', 'set', 'dev', vb, 'down', netns=b)
    run.ok('address', interface=va, netns=a, addresses=['fd00:7a::1/64'])
    run.ok('address', interface=vb, netns=b, addresses=['fd00:7a::2/64'])
    ip('link', 'set', 'dev', va, 'up', netns=a)
    ip('link', 'set', 'dev', vb, 'up', netns=b)
    assert v6(va, a) == {'fd00:7a::1/64': {'nodad'}} and v6(vb, b) == {'fd00:7a::2/64': {'nodad'}}
    rc, out = ping6(b, 'fd00:7a::1')
    assert rc == 0, out

    # an address that is there without the flag (added by hand) is fine as it is: not added again
    ip('addr', 'add', 'fd00:7a::3/64', 'dev', va, netns=a)
    assert 'nodad' not in v6(va, a)['fd00:7a::3/64']
    assert not run.ok('address', interface=va, netns=a, addresses=['fd00:7a::1/64', 'fd00:7a::3/64'])['changed']
    assert not run.ok('address', interface=va, netns=a, addresses=['fd00:7a::1/64', 'fd00:7a::3/64'],
                      exclusive=True)['changed']
    run.ok('netns', name=a, state='absent')
    run.ok('netns', name=b, state='absent')


def test_the_settle_reads_links_as_pyroute2_does(run09, names):
    """kernel/netlink.py reads the links' flags, operational state and kind from the dump's bytes itself."""
    from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.netlink import (
        IFF_LOWER_UP, IFF_UP, Walker, _linkinfo)
    ns, br, a, b = names('ns'), names('br'), names('a'), names('b')
    run09.ok('netns', name=ns)
    run09.ok('bridge', name=br, netns=ns)
    run09.ok('veth', name=a, netns=ns, peer=b, peer_netns=ns, peer_master=br)
    ip('link', 'set', 'dev', a, 'down', netns=ns)
    oper = {'UNKNOWN': 0, 'DOWN': 2, 'LOWERLAYERDOWN': 3, 'UP': 6}
    with Walker() as walker:
        mine, theirs = walker.read(ns, [lambda raw: raw.link_states(), lambda raw: raw.get_links()])
    assert mine == [(m['index'], m['flags'], oper[m.get_attr('IFLA_OPERSTATE')], _linkinfo(m)[0]) for m in theirs]
    kinds = dict((kind, flags & (IFF_UP | IFF_LOWER_UP)) for _i, flags, _state, kind in mine)
    assert kinds['bridge'] == IFF_UP  # its one port has no carrier, nor has the bridge: nothing to settle
    assert sorted(k for k in kinds if k) == ['bridge', 'veth']
    run09.ok('netns', name=ns, state='absent')
