"""vnetlab.linux.address against the real kernel."""
from conftest import addresses, ip


def test_lifecycle(run, names):
    ns, a, b = names('ns'), names('a'), names('b')
    run.ok('netns', name=ns)
    run.ok('veth', name=a, netns=ns, peer=b, peer_netns=ns)
    args = dict(interface=a, netns=ns, addresses=['10.16.0.2/24', 'fd00:16::2/64'])

    assert run.ok('address', check=True, **args)['changed'] and addresses(a, ns) == []
    first = run.ok('address', **args)
    assert first['changed'] and addresses(a, ns) == ['10.16.0.2/24', 'fd00:16::2/64']
    assert first['diff']['after']['addresses'] == ['10.16.0.2/24', 'fd00:16::2/64']
    assert not run.ok('address', **args)['changed']

    # drift: an address deleted by hand is restored
    ip('addr', 'del', '10.16.0.2/24', 'dev', a, netns=ns)
    assert run.ok('address', **args)['changed'] and '10.16.0.2/24' in addresses(a, ns)

    # not exclusive: extra addresses stay; exclusive: they go (link-local stays)
    ip('addr', 'add', '10.99.0.9/24', 'dev', a, netns=ns)
    assert not run.ok('address', **args)['changed']
    assert run.ok('address', check=True, exclusive=True, **args)['changed']
    assert '10.99.0.9/24' in addresses(a, ns)
    assert run.ok('address', exclusive=True, **args)['changed']
    assert addresses(a, ns) == ['10.16.0.2/24', 'fd00:16::2/64']

    # prefix change counts as a different address
    assert run.ok('address', interface=a, netns=ns, addresses=['10.16.0.2/25'], exclusive=True)['changed']
    assert addresses(a, ns) == ['10.16.0.2/25']

    assert run.ok('address', interface=a, netns=ns, addresses=['10.16.0.2/25'], state='absent')['changed']
    assert addresses(a, ns) == []
    assert not run.ok('address', interface=a, netns=ns, addresses=['10.16.0.2/25'], state='absent')['changed']
    run.ok('netns', name=ns, state='absent')
    # teardown of an already-gone lab succeeds
    assert not run.ok('address', interface=a, netns=ns, addresses=['10.16.0.2/25'], state='absent')['changed']


def test_bad_input(run09, names):
    ns, a = names('ns'), names('a')
    assert run09.fails('address', interface='lo', addresses=['10.16.0.2']).startswith('addresses:')
    assert run09.fails('address', interface='lo', addresses=['10.16.0.300/24']).startswith('addresses:')
    assert run09.fails('address', interface=a, addresses=['10.16.0.2/24']).startswith('interface:')
    assert run09.fails('address', interface='lo', netns=ns, addresses=['10.16.0.2/24']).startswith('netns:')
