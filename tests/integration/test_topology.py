"""vnetlab.linux.topology against the real kernel: build, re-run, check mode, diff, drift, prune, routes,
conflicts, rollback, teardown; and a lab of many namespaces. Checked with `ip -j`, not with our code."""
from conftest import addresses, ip, ipj, link

OWN = 'vnetlab:'


def lab_b(names, **extra):
    """Scenario B with unique names: two namespaces on a host bridge."""
    topo = {'lab': names('lab'), 'namespaces': [names('r'), names('b')], 'bridges': [{'name': names('br')}],
            'veths': [{'name': names('nr'), 'netns': names('r'), 'addresses': ['10.16.0.2/24'],
                       'peer': names('hr'), 'peer_master': names('br')},
                      {'name': names('nb'), 'netns': names('b'), 'addresses': ['10.16.0.3/24'],
                       'peer': names('hb'), 'peer_master': names('br')}]}
    topo.update(extra)
    return topo


def netns_list():
    return [n.split(' ')[0] for n in ip('netns', 'list').split('\n') if n]


def test_build_rerun_check_diff_teardown(run, names):
    topo = lab_b(names)
    planned = run.ok('topology', definition=topo, check=True)
    assert planned['changed'] and names('r') not in netns_list()  # check mode changed nothing
    assert planned['diff']['before']['namespaces'] == [] and sorted(planned['diff']['after']['namespaces']) == \
        sorted([names('r'), names('b')])

    built = run.ok('topology', definition=topo)
    assert built['actions'][:2] == ["create netns '%s'" % names('r'), "set lo up in netns '%s'" % names('r')]
    assert link(names('hr'))['master'] == names('br') and link(names('hb'))['master'] == names('br')
    assert addresses(names('nr'), netns=names('r')) == ['10.16.0.2/24']
    assert link(names('nr'), netns=names('r'))['ifalias'] == OWN + names('lab')
    assert link('lo', netns=names('r'))['ifalias'] == OWN + names('lab')  # the namespace's mark
    assert 'UP' in link(names('br'))['flags'] and 'UP' in link(names('nb'), netns=names('b'))['flags']
    run.ok('ping', netns=names('r'), targets=['10.16.0.3'])  # fails unless every target answers
    assert planned['diff']['after'] == built['diff']['after']  # check mode predicted the result

    again = run.ok('topology', definition=topo)
    assert not again['changed'] and again['actions'] == []
    assert again['diff']['before'] == again['diff']['after'] == built['diff']['after']

    assert run.ok('topology', definition=topo, state='absent', check=True)['changed']
    assert names('r') in netns_list()
    gone = run.ok('topology', definition=topo, state='absent')
    assert gone['changed'] and gone['diff']['after']['namespaces'] == []
    assert names('r') not in netns_list() and names('b') not in netns_list()
    assert [x['ifname'] for x in ipj('link', 'show') if x['ifname'].startswith(names(''))] == []  # host ends too
    assert not run.ok('topology', definition=topo, state='absent')['changed']


def test_drift_is_repaired_and_prune_removes_what_is_no_longer_declared(run09, names):
    topo = lab_b(names)
    run09.ok('topology', definition=topo)
    ip('addr', 'del', '10.16.0.2/24', 'dev', names('nr'), netns=names('r'))
    ip('addr', 'add', '10.99.0.2/24', 'dev', names('nr'), netns=names('r'))
    ip('link', 'set', names('hb'), 'down')
    ip('link', 'set', names('hb'), 'nomaster')
    fixed = run09.ok('topology', definition=topo)
    assert sorted(fixed['actions']) == sorted([
        "remove 10.99.0.2/24 from '%s' in netns '%s'" % (names('nr'), names('r')),
        "add 10.16.0.2/24 on '%s' in netns '%s'" % (names('nr'), names('r')),
        "set master, up on '%s' in the host namespace" % names('hb')])
    assert addresses(names('nr'), netns=names('r')) == ['10.16.0.2/24']
    assert link(names('hb'))['master'] == names('br')

    smaller = dict(topo, namespaces=topo['namespaces'][:1], veths=topo['veths'][:1])
    kept = run09.ok('topology', definition=smaller)  # without prune: nothing is removed
    assert not kept['changed'] and names('b') in netns_list()
    pruned = run09.ok('topology', definition=smaller, prune=True)
    assert pruned['changed'] and names('b') not in netns_list()
    assert link(names('hb')) is None and link(names('hr')) is not None
    assert not run09.ok('topology', definition=smaller, prune=True)['changed']
    run09.ok('topology', definition=smaller, state='absent')
    assert link(names('br')) is None and names('r') not in netns_list()


def test_routes_are_added_replaced_and_pruned(run09, names):
    ns = names('r')
    topo = {'lab': names('lab'), 'namespaces': [ns],
            'veths': [{'name': names('v'), 'netns': ns, 'addresses': ['10.16.0.2/24', '10.17.0.2/24'],
                       'peer': names('h')}],
            'routes': [{'netns': ns, 'destination': 'default', 'gateway': '10.16.0.1'},
                       {'netns': ns, 'destination': '10.30.0.0/16', 'device': names('v')}]}
    run09.ok('topology', definition=topo)
    routes = dict((r['dst'], r) for r in ipj('route', 'show', netns=ns))
    assert routes['default']['gateway'] == '10.16.0.1' and routes['10.30.0.0/16']['dev'] == names('v')
    assert not run09.ok('topology', definition=topo)['changed']

    topo['routes'][0]['gateway'] = '10.17.0.1'
    moved = run09.ok('topology', definition=topo)
    assert moved['actions'] == ["replace route to default via 10.17.0.1 in netns '%s'" % ns]
    assert [r['gateway'] for r in ipj('route', 'show', 'default', netns=ns)] == ['10.17.0.1']

    ip('route', 'add', '10.40.0.0/16', 'via', '10.16.0.9', netns=ns)  # by hand
    assert not run09.ok('topology', definition=topo)['changed']
    pruned = run09.ok('topology', definition=topo, prune=True)
    assert pruned['actions'] == ["delete route to 10.40.0.0/16 in netns '%s' (no longer declared)" % ns]
    assert '10.40.0.0/16' not in [r['dst'] for r in ipj('route', 'show', netns=ns)]
    run09.ok('topology', definition=topo, state='absent')


def test_a_link_the_lab_does_not_own_is_never_replaced(run09, names):
    ip('link', 'add', names('hr'), 'type', 'bridge')  # someone else's link, with the name the lab wants
    msg = run09.fails('topology', definition=lab_b(names))
    assert "'%s' already exists in the host namespace as a bridge link that is not ours" % names('hr') in msg
    assert names('r') not in netns_list()  # failed before changing anything
    assert link(names('hr'))['linkinfo']['info_kind'] == 'bridge'


def test_a_failure_half_way_rolls_back(run, names):
    ns = names('r')
    topo = {'lab': names('lab'), 'namespaces': [ns],
            'veths': [{'name': names('v'), 'netns': ns, 'mtu': 1000, 'peer': names('h'),
                       'addresses': ['fd00:16::2/64']}]}  # the kernel refuses IPv6 below MTU 1280
    msg = run.fails('topology', definition=topo)
    assert "add fd00:16::2/64 on '%s'" % names('v') in msg and 'rolled back' in msg
    assert ns not in netns_list() and link(names('h')) is None


def test_bad_definition_names_the_key(run09, names):
    bad = {'lab': names('lab'), 'namespaces': ['x'], 'veths': [{'name': 'a1', 'peer': 'b1', 'peer_netns': 'y'}]}
    msg = run09.fails('topology', definition=bad)
    assert msg.startswith("definition: veths[0].peer_netns: namespace 'y' is not declared")


def test_many_namespaces_in_one_task(run, names):
    count = 40
    topo = {'lab': names('lab'), 'namespaces': [names('n%d' % i) for i in range(count)],
            'bridges': [{'name': names('br'), 'addresses': ['10.18.0.1/16']}],
            'veths': [{'name': 'eth0', 'netns': names('n%d' % i), 'addresses': ['10.18.1.%d/16' % (i + 1)],
                       'peer': names('h%d' % i), 'peer_master': names('br')} for i in range(count)],
            'routes': [{'netns': names('n%d' % i), 'destination': 'default', 'gateway': '10.18.0.1'}
                       for i in range(count)]}
    built = run.ok('topology', definition=topo, diff=False)
    assert len(built['lab']['namespaces']) == count and 'diff' not in built
    assert addresses('eth0', netns=names('n%d' % (count - 1))) == ['10.18.1.%d/16' % count]
    run.ok('ping', netns=names('n0'), targets=['10.18.1.%d' % count])
    assert not run.ok('topology', definition=topo, diff=False)['changed']
    run.ok('topology', definition=topo, state='absent', diff=False)
    assert not [n for n in netns_list() if n.startswith(names(''))]


def test_definition_as_json_text(run09, names):
    import json
    topo = {'lab': names('lab'), 'namespaces': [names('r')]}
    assert run09.ok('topology', definition=json.dumps(topo), check=True)['actions'][0] == \
        "create netns '%s'" % names('r')
    assert run09.fails('topology', definition='{lab: x').startswith('definition: not a mapping, nor JSON text')
    assert 'a topology is a mapping' in run09.fails('topology', definition='[1, 2]')


def test_a_link_of_the_lab_in_the_way_is_replaced_with_its_addresses(run09, names):
    ns = names('r')
    topo = {'lab': names('lab'), 'namespaces': [ns],
            'bridges': [{'name': names('x'), 'netns': ns, 'addresses': ['10.19.0.1/24']}]}
    run09.ok('topology', definition=topo)
    # the same name is now one end of a veth, with another address: the old bridge goes, addresses and all
    topo = dict(topo, bridges=[], veths=[{'name': names('x'), 'netns': ns, 'addresses': ['10.19.0.2/24'],
                                          'peer': names('h')}])
    changed = run09.ok('topology', definition=topo)
    assert changed['actions'][0] == "delete bridge '%s' in netns '%s' (replaced)" % (names('x'), ns)
    assert link(names('x'), netns=ns)['linkinfo']['info_kind'] == 'veth'
    assert addresses(names('x'), netns=ns) == ['10.19.0.2/24']
    assert not run09.ok('topology', definition=topo)['changed']
    run09.ok('topology', definition=topo, state='absent')
