"""vnetlab.linux.netns against the real kernel."""
from conftest import ip, link


def netns_list():
    return [n.split(' ')[0] for n in ip('netns', 'list').split('\n') if n]


def test_lifecycle(run, names):
    ns = names('ns')
    check = run.ok('netns', check=True, name=ns)
    assert check['changed'] and ns not in netns_list()  # check mode predicts, changes nothing

    first = run.ok('netns', name=ns)
    assert first['changed']
    assert first['diff']['before']['state'] == 'absent'
    assert first['diff']['after'] == {'name': ns, 'state': 'present', 'loopback_up': True}
    assert ns in netns_list()
    assert 'UP' in link('lo', netns=ns)['flags']

    again = run.ok('netns', name=ns)
    assert not again['changed'] and again['actions'] == []
    assert not run.ok('netns', check=True, name=ns)['changed']

    # drift: loopback taken down by hand comes back up
    ip('link', 'set', 'lo', 'down', netns=ns)
    repaired = run.ok('netns', name=ns)
    assert repaired['changed'] and 'UP' in link('lo', netns=ns)['flags']

    assert run.ok('netns', check=True, name=ns, state='absent')['changed']
    assert ns in netns_list()
    gone = run.ok('netns', name=ns, state='absent')
    assert gone['changed'] and ns not in netns_list()
    assert not run.ok('netns', name=ns, state='absent')['changed']


def test_loopback_false_leaves_lo_down(run09, names):
    ns = names('ns')
    run09.ok('netns', name=ns, loopback=False)
    assert 'UP' not in link('lo', netns=ns)['flags']
    run09.ok('netns', name=ns, state='absent')


def test_bad_name(run09):
    assert run09.fails('netns', name='a/b').startswith('name:')
