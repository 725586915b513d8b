"""vnetlab.linux.impairment against the real kernel: the root qdisc read back with `tc -j`.

This machine's kernel may lack netem (sch_netem): the tests find out by trying, in a namespace of their own.
Where it is missing, a netem impairment must fail before any change, naming sch_netem; where it is there
(the kernel lane's Debian kernel: tests/kernel/test_impairment_lane.py), it must work."""
import json
import subprocess

from conftest import ip


def root_qdisc(dev, netns=None):
    cmd = ['tc'] + (['-n', netns] if netns else []) + ['-j', 'qdisc', 'show', 'dev', dev, 'root']
    found = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout or '[]')
    return found[0] if found else None


def netem_in_this_kernel(names):
    probe = names('probe')
    ip('netns', 'add', probe)
    try:
        return subprocess.run(['tc', '-n', probe, 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'],
                              capture_output=True, check=False).returncode == 0
    finally:
        ip('netns', 'del', probe)


def test_a_rate_alone_is_tbf_in_place_and_gone(run, names):
    a, b = names('a'), names('b')
    run.ok('veth', name=a, peer=b)
    planned = run.ok('impairment', check=True, interface=a, rate='1mbit')
    assert planned['changed'] and root_qdisc(a)['kind'] == 'noqueue'

    first = run.ok('impairment', interface=a, rate='1mbit')
    q = root_qdisc(a)
    assert first['changed'] and q['kind'] == 'tbf' and q['handle'] == '766c:'
    assert q['options']['rate'] == 125000  # bytes per second
    assert first['diff']['before']['state'] == 'absent'
    assert first['impairment'] == {'interface': a, 'netns': None, 'state': 'present', 'qdisc': 'tbf', 'rate': '1mbit'}
    assert not run.ok('impairment', interface=a, rate='1000kbit')['changed']  # the same rate, written otherwise

    changed = run.ok('impairment', interface=a, rate='2.5mbit')
    assert changed['changed'] and changed['actions'][0].startswith('change the impairments')
    assert root_qdisc(a)['options']['rate'] == 312500 and root_qdisc(a)['handle'] == '766c:'
    assert changed['diff']['before']['rate'] == '1mbit' and changed['diff']['after']['rate'] == '2500kbit'

    assert run.ok('impairment', check=True, interface=a, state='absent')['changed'] and root_qdisc(a)['kind'] == 'tbf'
    gone = run.ok('impairment', interface=a, state='absent')
    assert gone['changed'] and root_qdisc(a)['kind'] == 'noqueue'  # the kernel's default is back
    assert not run.ok('impairment', interface=a, state='absent')['changed']
    run.ok('veth', name=a, peer=b, state='absent')


def test_netem_where_the_kernel_has_it_and_a_refusal_before_any_change_where_not(run09, names):
    ns, a, b = names('ns'), names('a'), names('b')
    run09.ok('netns', name=ns)
    run09.ok('veth', name=a, peer=b, peer_netns=ns)
    run09.ok('impairment', netns=ns, interface=b, rate='10mbit')
    asked = dict(netns=ns, interface=b, delay='20ms', jitter='2ms', loss=1.5, rate='10mbit')
    if netem_in_this_kernel(names):
        done = run09.ok('impairment', **asked)
        q = root_qdisc(b, ns)
        assert done['changed'] and q['kind'] == 'netem' and q['handle'] == '766c:'
        assert done['impairment']['delay'] == '20ms' and done['impairment']['loss'] == 1.5
        assert not run09.ok('impairment', **asked)['changed']
    else:
        message = run09.fails('impairment', **asked)
        assert message.startswith('delay: ') and 'sch_netem' in message and 'rate alone' in message
        q = root_qdisc(b, ns)
        assert q['kind'] == 'tbf' and q['options']['rate'] == 1250000  # as it was
        assert 'sch_netem' in run09.fails('impairment', netns=ns, interface=b, loss=100)
    run09.ok('netns', name=ns, state='absent')


def test_a_qdisc_someone_else_added_is_never_replaced_nor_removed(run09, names):
    a, b = names('a'), names('b')
    run09.ok('veth', name=a, peer=b)
    ip('link', 'set', a, 'up')
    subprocess.run(['tc', 'qdisc', 'add', 'dev', a, 'root', 'handle', '8001:', 'tbf', 'rate', '1mbit',
                    'burst', '32kbit', 'latency', '400ms'], check=True)
    message = run09.fails('impairment', interface=a, rate='5mbit')
    assert message.startswith('interface: ') and 'tbf (handle 8001:)' in message and 'never replaced' in message
    left = run09.ok('impairment', interface=a, state='absent')
    assert not left['changed'] and left['impairment']['other_qdisc'] == 'tbf 8001:'
    q = root_qdisc(a)
    assert q['handle'] == '8001:' and q['options']['rate'] == 125000
    run09.ok('veth', name=a, peer=b, state='absent')


def test_an_interface_vnetlab_did_not_make_needs_adopt(run09, names):
    a, b = names('a'), names('b')
    ip('link', 'add', a, 'type', 'veth', 'peer', 'name', b)
    ip('link', 'set', a, 'up')
    message = run09.fails('impairment', interface=a, rate='1mbit')
    assert message.startswith('interface: ') and 'adopt: true' in message and root_qdisc(a)['kind'] == 'noqueue'
    assert run09.ok('impairment', interface=a, rate='1mbit', adopt=True)['changed'] and root_qdisc(a)['kind'] == 'tbf'
    assert run09.ok('impairment', interface=a, state='absent')['changed'] and root_qdisc(a)['kind'] == 'noqueue'
    ip('link', 'del', a)


def test_values_are_checked_before_anything(run09, names):
    a = names('a')
    for args, param in (({'delay': '20 parsecs'}, 'delay'), ({'jitter': '2ms'}, 'jitter'),
                        ({'loss': 101}, 'loss'), ({'rate': '10kbps'}, 'rate'), ({'rate': 1000}, 'rate'),
                        ({}, 'delay'), ({'rate': '1mbit', 'limit': 10}, 'limit'),
                        ({'delay': 5, 'reorder_correlation': 10}, 'reorder_correlation')):
        assert run09.fails('impairment', interface=a, **args).startswith(param + ': '), args
    assert 'does not exist' in run09.fails('impairment', interface=a, rate='1mbit')
