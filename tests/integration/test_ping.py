"""vnetlab.linux.ping: real ICMP between namespaces."""


def test_reachable_and_unreachable(run, names):
    red, blue, a, b = names('r'), names('b'), names('a'), names('z')
    for ns in (red, blue):
        run.ok('netns', name=ns)
    run.ok('veth', name=a, netns=red, peer=b, peer_netns=blue)
    run.ok('address', interface=a, netns=red, addresses=['10.16.0.2/24', 'fd00:16::2/64'])
    run.ok('address', interface=b, netns=blue, addresses=['10.16.0.3/24', 'fd00:16::3/64'])

    ok = run.ok('ping', netns=red, targets=['10.16.0.3', '10.16.0.2/24', '127.0.0.1'], count=2)
    assert not ok['changed']
    assert [r['received'] for r in ok['results']] == [2, 2, 2]
    assert ok['results'][0]['rtt_avg_ms'] > 0
    # IPv6 (duplicate address detection may delay the first answers: allow a few tries)
    v6 = run.ok('ping', netns=blue, targets=['fd00:16::2'], count=5, timeout=1)
    assert v6['results'][0]['received'] >= 1

    # an address on no connected network: no route, no reply, nothing leaves the namespace
    msg = run.fails('ping', netns=red, targets=['10.16.0.99'], count=1, timeout=0.3)
    assert 'no reply from 10.16.0.99' in msg
    unreachable = run.ok('ping', netns=red, targets=['10.16.0.99'], count=1, timeout=0.3, expect='unreachable')
    assert unreachable['results'][0]['loss_percent'] == 100.0
    msg = run.fails('ping', netns=red, targets=['10.16.0.3'], count=1, expect='unreachable')
    assert 'expected to be unreachable' in msg
    for ns in (red, blue):
        run.ok('netns', name=ns, state='absent')


def test_bad_input(run09, names):
    assert run09.fails('ping', targets=['not-an-ip']).startswith('targets:')
    assert run09.fails('ping', netns=names('none'), targets=['127.0.0.1']).startswith('netns:')
