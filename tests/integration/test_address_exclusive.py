"""vnetlab.linux.address with exclusive: true strips addresses only from an interface vnetlab made, or one the
task adopts. Someone else's bridge (made here with `ip`, in a namespace made with `ip`) keeps its address."""
from conftest import addresses, ip, link

OWN = '10.77.0.1/24'


def foreign_bridge(names):
    """A namespace and a bridge in it with an address, made by hand: neither carries a vnetlab mark."""
    ns, br = names('ns'), names('br')
    ip('netns', 'add', ns)
    ip('link', 'add', 'name', br, 'type', 'bridge', netns=ns)
    ip('addr', 'add', OWN, 'dev', br, netns=ns)
    ip('link', 'set', 'dev', br, 'up', netns=ns)
    return ns, br


def test_exclusive_on_a_bridge_not_made_by_vnetlab_fails_unless_adopted(run, names):
    ns, br = foreign_bridge(names)
    args = dict(interface=br, netns=ns, addresses=['10.77.1.1/24'], exclusive=True)

    for check in (True, False):
        msg = run.fails('address', check=check, **args)
        assert msg.startswith("exclusive: interface '%s' in netns '%s' was not created by vnetlab" % (br, ns)), msg
        assert OWN in msg and 'its own addresses are not ours to remove' in msg
        assert 'set adopt: true to take the interface over, or drop exclusive' in msg
        assert addresses(br, ns) == [OWN]  # nothing changed, not even the listed address was added
    assert run.fails('address', check=True, adopt=False, **args).startswith('exclusive:')

    # not exclusive: the listed address is added, the bridge's own stays
    added = run.ok('address', interface=br, netns=ns, addresses=['10.77.2.1/24'])
    assert added['changed'] and addresses(br, ns) == sorted([OWN, '10.77.2.1/24'])

    planned = run.ok('address', check=True, adopt=True, **args)
    assert planned['changed'] and "remove %s from '%s' in netns '%s'" % (OWN, br, ns) in planned['actions']
    assert planned['addresses'] == ['10.77.1.1/24']
    assert addresses(br, ns) == sorted([OWN, '10.77.2.1/24'])  # check mode changed nothing

    taken = run.ok('address', adopt=True, **args)
    assert taken['changed'] and addresses(br, ns) == ['10.77.1.1/24'] == taken['addresses']
    assert not run.ok('address', adopt=True, **args)['changed']
    assert not run.ok('address', adopt=True, check=True, **args)['changed']
    assert not link(br, ns).get('ifalias')  # adopted, never marked


def test_exclusive_on_links_vnetlab_made_needs_no_adopt(run, names):
    ns, br, a, b = names('ns'), names('br'), names('a'), names('b')
    run.ok('netns', name=ns)
    run.ok('bridge', name=br, netns=ns)
    run.ok('veth', name=a, netns=ns, peer=b, peer_netns=ns)
    for name in (br, a):
        ip('addr', 'add', '10.78.0.9/24', 'dev', name, netns=ns)
        assert run.ok('address', interface=name, netns=ns, addresses=['10.78.1.1/24'], exclusive=True)['changed']
        assert addresses(name, ns) == ['10.78.1.1/24']

    # a link made by hand in a namespace vnetlab made is still not ours
    hand = names('h')
    ip('link', 'add', 'name', hand, 'type', 'bridge', netns=ns)
    ip('addr', 'add', OWN, 'dev', hand, netns=ns)
    assert run.fails('address', interface=hand, netns=ns, addresses=['10.78.2.1/24'],
                     exclusive=True).startswith('exclusive:')
    assert addresses(hand, ns) == [OWN]
    run.ok('netns', name=ns, state='absent')
