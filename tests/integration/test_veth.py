"""vnetlab.linux.veth against the real kernel."""
from conftest import ip, link


def peer_index(entry):
    return entry.get('link_index')


def test_pair_between_namespaces(run, names):
    red, blue, a, b = names('r'), names('b'), names('a'), names('z')
    for ns in (red, blue):
        run.ok('netns', name=ns)
    args = dict(name=a, netns=red, peer=b, peer_netns=blue)

    assert run.ok('veth', check=True, **args)['changed']
    assert link(a, netns=red) is None

    first = run.ok('veth', **args)
    assert first['changed'] and first['diff']['before']['state'] == 'absent'
    la, lb = link(a, netns=red), link(b, netns=blue)
    assert la['linkinfo']['info_kind'] == 'veth' and lb['linkinfo']['info_kind'] == 'veth'
    assert 'UP' in la['flags'] and 'UP' in lb['flags']
    assert la['ifalias'] == 'vnetlab'
    assert link(a) is None and link(b) is None  # never passed through the host
    # check mode predicted exactly what the real run then reported
    assert run.ok('veth', check=True, **args)['changed'] is False

    again = run.ok('veth', **args)
    assert not again['changed'] and again['diff']['before'] == again['diff']['after']

    # drift: an end brought down by hand is brought back up
    ip('link', 'set', b, 'down', netns=blue)
    assert run.ok('veth', **args)['changed']
    assert 'UP' in link(b, netns=blue)['flags']

    # drift: the pair deleted by hand is recreated
    ip('link', 'del', a, netns=red)
    assert run.ok('veth', **args)['changed'] and link(b, netns=blue) is not None

    assert run.ok('veth', check=True, name=a, netns=red, state='absent')['changed']
    assert link(a, netns=red) is not None
    assert run.ok('veth', name=a, netns=red, state='absent')['changed']
    assert link(a, netns=red) is None and link(b, netns=blue) is None
    assert not run.ok('veth', name=a, netns=red, state='absent')['changed']
    for ns in (red, blue):
        run.ok('netns', name=ns, state='absent')


def test_host_end_on_bridge_with_mtu(run, names):
    red, br, a, b = names('r'), names('br'), names('a'), names('z')
    run.ok('netns', name=red)
    run.ok('bridge', name=br)
    args = dict(name=a, master=br, peer=b, peer_netns=red, mtu=1400)
    run.ok('veth', **args)
    assert link(a)['master'] == br and link(a)['mtu'] == 1400 and link(b, netns=red)['mtu'] == 1400
    assert not run.ok('veth', **args)['changed']
    # drift: released from the bridge by hand -> enslaved again
    ip('link', 'set', a, 'nomaster')
    fixed = run.ok('veth', **args)
    assert fixed['changed'] and link(a)['master'] == br
    # an MTU change is applied in place
    assert run.ok('veth', **dict(args, mtu=1300))['changed'] and link(b, netns=red)['mtu'] == 1300
    run.ok('veth', name=a, state='absent')
    run.ok('bridge', name=br, state='absent')
    run.ok('netns', name=red, state='absent')


def test_hand_made_pair_is_moved_into_place(run09, names):
    red, a, b = names('r'), names('a'), names('z')
    run09.ok('netns', name=red)
    ip('link', 'add', a, 'type', 'veth', 'peer', 'name', b)  # both ends in the host, as by hand
    msg = run09.fails('veth', name=a, peer=b, peer_netns=red)  # not ours: refused unless adopted
    assert msg.startswith('peer:') or 'adopt: true' in msg
    assert link(b) is not None  # nothing moved
    result = run09.ok('veth', name=a, peer=b, peer_netns=red, adopt=True)
    assert result['changed'] and any('move' in x for x in result['actions'])
    assert link(b) is None and 'UP' in link(b, netns=red)['flags']
    assert not run09.ok('veth', name=a, peer=b, peer_netns=red, adopt=True)['changed']
    assert not run09.ok('veth', name=a, state='absent')['changed']  # adopted: never deleted
    run09.ok('netns', name=red, state='absent')
    assert link(a) is None  # deleting the namespace took the pair with it


def test_different_peer_needs_recreate(run, names):
    a, b, c = names('a'), names('b'), names('c')
    run.ok('veth', name=a, peer=b)
    msg = run.fails('veth', name=a, peer=c)
    assert msg.startswith('peer:') and 'recreate: true' in msg
    assert link(c) is None and link(b) is not None  # nothing changed
    replaced = run.ok('veth', name=a, peer=c, recreate=True)
    assert replaced['changed'] and link(b) is None and link(c) is not None
    run.ok('veth', name=a, state='absent')


def test_name_used_by_another_kind(run09, names):
    br, b = names('br'), names('b')
    run09.ok('bridge', name=br)
    msg = run09.fails('veth', name=br, peer=b)
    assert msg.startswith('name:') and 'bridge' in msg and link(b) is None
    msg = run09.fails('veth', name=br, state='absent')
    assert 'refusing' in msg and link(br) is not None
    run09.ok('bridge', name=br, state='absent')


def test_bad_input_changes_nothing(run09, names):
    a, b = names('a'), names('b')
    assert run09.fails('veth', name='x' * 16, peer=b).startswith('name:')
    assert run09.fails('veth', name=a, peer='bad name').startswith('peer:')
    assert run09.fails('veth', name=a, peer='b:1').startswith('peer:')
    assert run09.fails('veth', name=a, peer=b, peer_netns=names('nope')).startswith('peer_netns:')
    assert run09.fails('veth', name=a, peer=b, master=names('nobr')).startswith('master:')
    assert run09.fails('veth', name=a, peer=b, mtu=10).startswith('mtu:')
    assert link(a) is None and link(b) is None


def test_namespace_end_may_share_a_name_with_a_host_link(run09, names):
    """Calling the namespace end eth0 (as most labs do) while the host has its own eth0 uplink."""
    ns = names('ns')
    run09.ok('netns', name=ns)
    host_twin = names('twin')
    ip('link', 'add', host_twin, 'type', 'bridge')  # stands in for the host's eth0
    made = run09.ok('veth', name=host_twin, netns=ns, peer=names('h'))
    assert made['changed'] and link(host_twin, netns=ns)['linkinfo']['info_kind'] == 'veth'
    assert link(host_twin)['linkinfo']['info_kind'] == 'bridge'  # the host's own link untouched
    assert not run09.ok('veth', name=host_twin, netns=ns, peer=names('h'))['changed']
    run09.ok('veth', name=host_twin, netns=ns, state='absent')
    assert link(host_twin) is not None
