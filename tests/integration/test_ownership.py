"""Touch only what is ours: hostile situations built for real, and the host left exactly as it was.

Each test makes an object the way someone else would (`ip` by hand, another lab, a stranger process,
a directory of someone's files) where vnetlab is asked to work, and checks with `ip -j`, `/proc` and the
file system - not with our own code - that it was refused or left alone, and that adopting it changes
only what we add."""
import os
import shutil
import subprocess
import sys
import threading
import time

from conftest import addresses, ip, link

LAB = '10.231.0'


def netns_list():
    return [n.split(' ')[0] for n in ip('netns', 'list').split('\n') if n]


def hosts_bridge(names):
    """A bridge as a KVM host has it: an uplink port and an address - not ours."""
    br, port, peer = names('hbr'), names('up'), names('upp')
    ip('link', 'add', br, 'type', 'bridge')
    ip('link', 'add', port, 'type', 'veth', 'peer', 'name', peer)
    ip('link', 'set', port, 'master', br)
    ip('addr', 'add', '10.231.9.10/24', 'dev', br)
    ip('link', 'set', br, 'up')
    return br, port


def state_of(br, port):
    entry = link(br)
    return (entry['linkinfo']['info_kind'], entry.get('ifalias'), link(port)['master'], addresses(br))


def test_the_hosts_bridge_is_refused_then_adopted_and_never_deleted(run, names):
    br, port = hosts_bridge(names)
    found = state_of(br, port)
    msg = run.fails('bridge', name=br)
    assert msg.startswith('name:') and 'adopt: true' in msg and port in msg and '10.231.9.10/24' in msg
    assert state_of(br, port) == found

    adopted = run.ok('bridge', name=br, adopt=True)
    assert not adopted['changed']  # it is up already: adopting it changes nothing, not even a mark
    run.ok('address', interface=br, addresses=[LAB + '.1/24'])
    gone = run.ok('bridge', name=br, state='absent')
    assert not gone['changed'] and link(br) is not None  # never deleted
    run.ok('address', interface=br, addresses=[LAB + '.1/24'], state='absent')
    assert state_of(br, port) == found  # as we found it


def test_scenario_c_on_a_host_whose_br0_is_not_ours(run09, names):
    """The role path: netns_bridge's bridge task refuses the host's bridge; adopted, teardown leaves it."""
    br, port = hosts_bridge(names)
    found = state_of(br, port)
    ns = names('navy')
    topo = {'lab': names('lab'), 'namespaces': [ns],
            'bridges': [{'name': br, 'addresses': [LAB + '.1/24']}],
            'veths': [{'name': names('vn'), 'netns': ns, 'addresses': [LAB + '.2/24'], 'peer': names('vb'),
                       'peer_master': br}]}
    msg = run09.fails('topology', definition=topo)
    assert msg.startswith('bridges[0]: name:') and 'adopt: true' in msg and port in msg
    assert ns not in netns_list() and state_of(br, port) == found  # refused before anything changed

    topo['bridges'][0]['adopt'] = True
    built = run09.ok('topology', definition=topo)
    assert built['changed'] and addresses(br) == sorted(['10.231.9.10/24', LAB + '.1/24'])  # only ours added
    assert link(br).get('ifalias') is None  # adopted: not marked
    run09.ok('ping', netns=ns, targets=[LAB + '.1'])
    assert not run09.ok('topology', definition=topo)['changed']

    down = run09.ok('topology', definition=topo, state='absent')
    assert down['changed'] and ns not in netns_list() and link(names('vb')) is None
    assert state_of(br, port) == found  # the host's bridge: its port, its address, no mark


def test_another_labs_namespace_is_neither_claimed_nor_removed(run09, names):
    ns = names('shared')
    other = {'lab': names('other'), 'namespaces': [ns]}
    run09.ok('topology', definition=other)
    mine = {'lab': names('mine'), 'namespaces': [ns]}
    msg = run09.fails('topology', definition=mine)
    assert "made by lab '%s'" % names('other') in msg and 'adopt: true' in msg
    gone = run09.ok('topology', definition=mine, state='absent')
    assert not gone['changed'] and ns in netns_list()
    assert 'left alone' in str(gone.get('warnings'))
    assert link('lo', netns=ns)['ifalias'] == 'vnetlab:' + names('other')
    run09.ok('topology', definition=other, state='absent')
    assert ns not in netns_list()


def test_a_hand_made_namespace_is_refused_then_adopted_and_kept(run09, names):
    ns = names('hand')
    ip('netns', 'add', ns)
    try:
        assert 'adopt: true' in run09.fails('netns', name=ns)
        assert 'UP' not in link('lo', netns=ns)['flags']  # nothing changed
        assert run09.ok('netns', name=ns, adopt=True)['changed'] and 'UP' in link('lo', netns=ns)['flags']
        assert link('lo', netns=ns).get('ifalias') is None
        gone = run09.ok('netns', name=ns, state='absent')
        assert not gone['changed'] and ns in netns_list()
    finally:
        ip('netns', 'del', ns, check=False)


def test_a_stranger_naming_the_pid_file_is_never_signalled(run09, names):
    guest = names('vm')
    run_dir = '/run/vnetlab/guests/' + guest
    pidfile = os.path.join(run_dir, 'qemu.pid')
    stranger = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)', '-pidfile', pidfile])
    try:
        os.makedirs(run_dir)
        with open(pidfile, 'w') as f:  # a stale pid file pointing at it, as after a reboot reused the pid
            f.write('%d\n' % stranger.pid)
        result = run09.ok('qemu_guest', name=guest, state='absent', stop_timeout=1)
        time.sleep(0.2)
        assert stranger.poll() is None, 'a process that is not our QEMU was killed'
        assert not any('stop' in a for a in result['actions'])
        assert not os.path.exists(run_dir)
    finally:
        stranger.kill()
        stranger.wait()
        shutil.rmtree(run_dir, ignore_errors=True)


def test_someones_directory_is_not_an_image_cache(run09, tmp_path):
    theirs = tmp_path / 'disks'
    theirs.mkdir()
    (theirs / 'prod.qcow2').write_text('precious')
    result = run09.ok('minimal_image', dest=str(theirs), state='absent')
    assert not result['changed'] and (theirs / 'prod.qcow2').read_text() == 'precious'
    assert 'not ours' in str(result.get('warnings'))


def test_a_multibyte_name_is_refused_before_anything_is_made(run09, names):
    br = names('br')
    run09.ok('bridge', name=br)
    try:
        tap = 'tap' + 'ä' * 7  # 10 characters, 17 bytes: more than the kernel's 15
        msg = run09.fails('qemu_guest', name=names('vm'), kernel='/proc/version', nics=[{'bridge': br, 'tap': tap}])
        assert msg.startswith('nics:') and 'bytes' in msg
        assert not [x for x in ip('-o', 'link').split('\n') if 'tap' in x and br in x]
        assert not os.path.exists('/run/vnetlab/guests/' + names('vm'))
    finally:
        run09.ok('bridge', name=br, state='absent')


def test_two_runs_at_once_both_succeed_and_leave_the_exact_lab(run09, names):
    """The same lab twice at once, and another lab beside it: a lock per lab, one for the host's shared
    state; without them the second run failed with EEXIST and its rollback deleted the first run's links."""
    def lab(tag):
        ns = [names(tag + str(i)) for i in range(12)]
        return {'lab': names(tag), 'namespaces': ns, 'bridges': [{'name': names(tag + 'br')}],
                'veths': [{'name': 'eth0', 'netns': n, 'addresses': ['10.232.%d.%d/24' % (len(tag), i + 2)],
                           'peer': names(tag + 'h%d' % i), 'peer_master': names(tag + 'br')} for i, n in enumerate(ns)]}
    one, two = lab('a'), lab('bb')
    results = {}

    def apply(key, topo):
        results[key] = run09('topology', definition=topo)
    threads = [threading.Thread(target=apply, args=(k, t))
               for k, t in (('1a', one), ('1b', one), ('1c', one), ('2', two))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert not [r.get('msg') for r in results.values() if r.get('failed')]
        assert sorted(results[k]['changed'] for k in ('1a', '1b', '1c')) == [False, False, True]  # one built it
        for topo in (one, two):
            assert not run09.ok('topology', definition=topo)['changed']
            for v in topo['veths']:
                assert link(v['peer'])['master'] == topo['bridges'][0]['name']
    finally:
        for topo in (one, two):
            run09.ok('topology', definition=topo, state='absent')


def test_a_guest_of_another_lab_is_not_removed_by_the_module(run09, names):
    guest = names('vm')
    run_dir = '/run/vnetlab/guests/' + guest
    os.makedirs(run_dir)
    try:
        with open(os.path.join(run_dir, 'lab'), 'w') as f:
            f.write('someone\n')
        msg = run09.fails('qemu_guest', name=guest, state='absent')
        assert msg.startswith('name:') and "started by lab 'someone'" in msg
        assert os.path.exists(os.path.join(run_dir, 'lab'))  # nothing removed
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
