"""A run SIGKILLed at any point is finished by the next plain run, with nothing orphaned - checked with
`ip -j` against a lab built without interruption.

The kill comes from inside the run, right after the named step (VNETLAB_TEST_KILL_AFTER, fault
injection in engine.apply): the most hostile moments are right after a link or namespace is created and
before the next request marks it as ours."""
import json
import os
import signal
import subprocess
import sys
import time

from conftest import COLLECTIONS, ROOT, ip, ipj, processes

BUILD_KILLS = ["set lo up in netns", "create veth", "create bridge", "set master", "add 10.233.0.3/24",
               "add route"]
TEARDOWN_KILLS = ["delete bridge", "delete netns"]


def lab(names):
    ns = [names('r'), names('b')]
    return {'lab': names('lab'), 'namespaces': ns, 'bridges': [{'name': names('br')}],
            'veths': [{'name': 'eth0', 'netns': n, 'addresses': ['10.233.0.%d/24' % (i + 2)], 'peer': names('h%d' % i),
                       'peer_master': names('br')} for i, n in enumerate(ns)] +
                     [{'name': names('x'), 'netns': ns[0], 'peer': names('y'), 'peer_netns': ns[1]}],
            'routes': [{'netns': ns[0], 'destination': '10.240.0.0/16', 'gateway': '10.233.0.3'}]}


def killed_run(topo, point, state='present'):
    env = dict(os.environ, PYTHONPATH=COLLECTIONS, VNETLAB_TEST_KILL_AFTER=point)
    args = {'ANSIBLE_MODULE_ARGS': {'definition': topo, 'state': state}}
    proc = subprocess.run([sys.executable, os.path.join(ROOT, 'plugins', 'modules', 'topology.py')],
                          input=json.dumps(args), capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode == -9, 'the run was not killed after %r: %s %s' % (point, proc.stdout, proc.stderr)


def view(topo):
    """The lab as iproute2 shows it: per namespace (and the host's lab links) kind, master, alias,
    state and addresses; plus routes."""
    out = {}
    host_links = [v['peer'] for v in topo['veths'] if v.get('peer_netns') is None]
    host_links += [b['name'] for b in topo['bridges']]
    for ns in [None] + topo['namespaces']:
        if ns is not None and ns not in ip('netns', 'list'):
            continue
        addrs = dict((a['ifname'], sorted(x['local'] for x in a.get('addr_info', []) if x.get('scope') != 'link'))
                     for a in ipj('addr', 'show', netns=ns))
        for x in ipj('-d', 'link', 'show', netns=ns):
            if ns is None and x['ifname'] not in host_links:
                continue
            out['%s/%s' % (ns or 'host', x['ifname'])] = (
                x.get('linkinfo', {}).get('info_kind'), x.get('master'), x.get('ifalias'), 'UP' in x['flags'],
                addrs.get(x['ifname'], []))
        if ns is not None:
            routes = ipj('route', 'show', netns=ns)
            out['%s routes' % ns] = sorted(r['dst'] for r in routes if r.get('protocol') == 'static')
    return out


def test_a_killed_build_or_teardown_is_finished_by_the_next_run(run09, names):
    topo = lab(names)
    run09.ok('topology', definition=topo)
    reference = view(topo)
    run09.ok('topology', definition=topo, state='absent')
    assert view(topo) == {}
    for point in BUILD_KILLS:
        killed_run(topo, point)
        finished = run09.ok('topology', definition=topo)
        assert finished['changed'], point
        assert view(topo) == reference, 'after a kill at %r' % point
        assert not run09.ok('topology', definition=topo)['changed'], point
        assert not os.path.exists('/run/vnetlab/intents'), point
        run09.ok('topology', definition=topo, state='absent')
        assert view(topo) == {}, point
    for point in TEARDOWN_KILLS:
        run09.ok('topology', definition=topo)
        killed_run(topo, point, state='absent')
        run09.ok('topology', definition=topo, state='absent')
        assert view(topo) == {}, 'after a kill at %r' % point
        assert not os.path.exists('/run/vnetlab/intents'), point


def module_process(topo, state='present', kill=None):
    env = dict(os.environ, PYTHONPATH=COLLECTIONS)
    if kill:
        env['VNETLAB_TEST_KILL_AFTER'] = kill
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, 'plugins', 'modules', 'topology.py')],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    proc.stdin.write(json.dumps({'ANSIBLE_MODULE_ARGS': {'definition': topo, 'state': state}}))
    proc.stdin.close()
    return proc


def failure(proc):
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.wait(timeout=120)
    assert proc.returncode == 1, (proc.returncode, out, err)
    result = json.loads(out.strip().splitlines()[-1])
    assert result['failed'], result
    return result['msg']


def test_sigterm_during_a_build_rolls_it_back(run09, names):
    """SIGTERM (a supervisor's stop; SIGINT and SIGHUP alike) fails the run at the next step and rolls
    back what it had made: nothing of the lab is left, and no intent for a next run to finish."""
    topo = lab(names)
    for point in BUILD_KILLS:
        msg = failure(module_process(topo, kill='TERM:' + point))
        # before the next step, or (after the last) as the run ends: rolled back either way
        assert msg.startswith('interrupted by SIGTERM') and 'rolled back' in msg, msg
        assert view(topo) == {}, 'after SIGTERM at %r' % point
        assert not os.path.exists('/run/vnetlab/intents'), point


def test_sigterm_while_a_guest_boots_stops_it_and_rolls_back(run09, names, tmp_path):
    """A real signal from outside while the run waits for a guest: QEMU stopped, TAP, bridge and files gone."""
    disk = str(tmp_path / 'blank.qcow2')  # nothing to boot: the firmware keeps waiting, QEMU keeps running
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', disk, '16M'], check=True, timeout=30)
    guest = names('vm')
    topo = {'lab': names('lab'), 'bridges': [{'name': names('br'), 'addresses': ['10.234.0.1/24']}],
            'guests': [{'name': guest, 'image': disk, 'accel': 'tcg', 'memory': '64M', 'wait_for': 'never-printed',
                        'wait_timeout': 120, 'nics': [{'bridge': names('br'), 'tap': names('tap')}]}]}
    proc = module_process(topo)
    pidfile = '/run/vnetlab/guests/%s/qemu.pid' % guest
    for _attempt in range(600):
        if os.path.exists(pidfile):
            break
        time.sleep(0.1)
    assert os.path.exists(pidfile), 'the guest never started'
    proc.send_signal(signal.SIGTERM)
    msg = failure(proc)
    assert msg.startswith('interrupted by SIGTERM') and 'rolled back' in msg, msg
    assert not os.path.exists('/run/vnetlab/guests/%s' % guest)
    assert not [pid for pid, cmdline in processes() if pidfile.encode() in cmdline]
    assert names('br') not in ip('-br', 'link') and names('tap') not in ip('-br', 'link')
