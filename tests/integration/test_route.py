"""vnetlab.linux.route against the real kernel."""
from conftest import ip, ipj


def routes(ns, family='-4'):
    return ipj(family, 'route', 'show', netns=ns)


def default_route(ns):
    found = [r for r in routes(ns) if r['dst'] == 'default']
    return found[0] if found else None


def test_lifecycle(run, names):
    ns, a, b = names('ns'), names('a'), names('b')
    run.ok('netns', name=ns)
    run.ok('veth', name=a, netns=ns, peer=b)
    run.ok('address', interface=a, netns=ns, addresses=['10.16.0.2/24', '10.17.0.2/24'])
    args = dict(netns=ns, destination='default', gateway='10.16.0.1')

    assert run.ok('route', check=True, **args)['changed'] and default_route(ns) is None
    first = run.ok('route', **args)
    assert first['changed'] and default_route(ns)['gateway'] == '10.16.0.1'
    assert first['diff']['after']['device'] == a
    assert not run.ok('route', **args)['changed']

    # a different gateway replaces the route (one default route, not two)
    assert run.ok('route', netns=ns, destination='default', gateway='10.17.0.1')['changed']
    assert [r['gateway'] for r in routes(ns) if r['dst'] == 'default'] == ['10.17.0.1']

    # drift: deleted by hand -> restored
    ip('route', 'del', 'default', netns=ns)
    assert run.ok('route', **args)['changed'] and default_route(ns)['gateway'] == '10.16.0.1'

    # a network route with a device and a metric
    net = dict(netns=ns, destination='10.20.0.0/16', device=a, metric=50)
    assert run.ok('route', **net)['changed']
    assert [r for r in routes(ns) if r['dst'] == '10.20.0.0/16'][0]['metric'] == 50
    assert not run.ok('route', **net)['changed']
    assert run.ok('route', state='absent', **net)['changed']

    # IPv6
    run.ok('address', interface=a, netns=ns, addresses=['fd00:16::2/64'])
    v6 = dict(netns=ns, destination='fd00:99::/64', gateway='fd00:16::1')
    assert run.ok('route', **v6)['changed'] and not run.ok('route', **v6)['changed']
    assert any(r['dst'] == 'fd00:99::/64' for r in routes(ns, '-6'))

    assert run.ok('route', netns=ns, destination='default', state='absent')['changed']
    assert default_route(ns) is None
    assert not run.ok('route', netns=ns, destination='default', state='absent')['changed']
    run.ok('netns', name=ns, state='absent')
    assert not run.ok('route', netns=ns, destination='default', state='absent')['changed']


def test_bad_input(run09, names):
    ns, a, b = names('ns'), names('a'), names('b')
    run09.ok('netns', name=ns)
    run09.ok('veth', name=a, netns=ns, peer=b)
    run09.ok('address', interface=a, netns=ns, addresses=['10.16.0.2/24'])
    msg = run09.fails('route', netns=ns, destination='default', gateway='10.99.0.1')
    assert msg.startswith('gateway:') and '10.16.0.0/24' in msg
    assert run09.fails('route', netns=ns, destination='10.20.0.1/16', gateway='10.16.0.1').startswith('destination:')
    assert run09.fails('route', netns=ns, destination='default').startswith('gateway:')
    assert run09.fails('route', netns=ns, destination='default', device=names('x')).startswith('device:')
    assert run09.fails('route', netns=ns, destination='10.20.0.0/16', gateway='fd00::1').startswith('gateway:')
    assert run09.fails('route', netns=ns, destination='default', gateway='10.16.0.1', metric=-1).startswith('metric:')
    assert default_route(ns) is None
    run09.ok('netns', name=ns, state='absent')
