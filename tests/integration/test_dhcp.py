"""vnetlab.linux.dhcp (and a topology's dhcp: section) against the real kernel and a real dnsmasq: a
client in a namespace on the bridge gets its lease (busybox udhcpc) and resolves the lab's names."""
import os
import signal
import subprocess
import time

from conftest import ip

SUBNET = '10.219.%d.%d'


def client(names, br, run, suffix='c', mac=None):
    """A namespace with a veth end on the bridge (made by our modules), to ask for leases from."""
    ns, end = names(suffix), names(suffix + 'h')
    run.ok('netns', name=ns)
    run.ok('veth', name=end, peer='eth0', peer_netns=ns, master=br)
    if mac:
        ip('link', 'set', 'eth0', 'address', mac, netns=ns)
    return ns, end


def udhcpc(ns):
    """The address a DHCP client in ns is offered and acked (it does not configure it)."""
    out = subprocess.run(['ip', 'netns', 'exec', ns, 'busybox', 'udhcpc', '-i', 'eth0', '-n', '-q', '-f',
                          '-s', '/bin/true', '-t', '5', '-T', '1'],
                         capture_output=True, text=True, check=False, timeout=30)
    for line in (out.stdout + out.stderr).splitlines():
        if 'lease of' in line and 'obtained' in line:
            return line.split('lease of ')[1].split()[0]
    raise AssertionError('no lease: %s %s' % (out.stdout, out.stderr))


def resolve(ns, name, server):
    out = subprocess.run(['ip', 'netns', 'exec', ns, 'busybox', 'nslookup', name, server],
                         capture_output=True, text=True, check=False, timeout=30)
    return out.stdout


def listening(pid):
    """(proto, local address) of every socket the process listens on."""
    out = subprocess.run(['ss', '-lnupt', '-H'], capture_output=True, text=True, check=True).stdout
    return [(line.split()[0], line.split()[4]) for line in out.splitlines() if 'pid=%d,' % pid in line]


def test_module_lifecycle(run09, names):
    run = run09
    br = names('br')
    gw = SUBNET % (1, 1)
    run.ok('bridge', name=br)
    run.ok('address', interface=br, addresses=[gw + '/24'])
    ns, _end = client(names, br, run, mac='52:54:00:aa:00:10')
    args = dict(bridge=br, range_start=SUBNET % (1, 100), range_end=SUBNET % (1, 150),
                hosts=[{'name': 'vm0', 'ip': SUBNET % (1, 10), 'mac': '52:54:00:aa:00:10'}],
                records=[{'name': 'gw', 'ip': gw}])

    planned = run.ok('dhcp', check=True, **args)
    assert planned['changed'] and planned['dhcp']['pid'] is None and not os.path.exists('/run/vnetlab/dhcp/' + br)

    first = run.ok('dhcp', **args)
    pid = first['dhcp']['pid']
    assert first['changed'] and first['dhcp']['state'] == 'running' and pid
    assert 'dhcp-range=%s,%s,1h' % (SUBNET % (1, 100), SUBNET % (1, 150)) in first['diff']['after']['config']
    # bound to the bridge only: DNS on its address, DHCP on the bridge - never 0.0.0.0:53 or the loopback
    sockets = listening(pid)
    assert ('udp', '%s:53' % gw) in sockets and ('tcp', '%s:53' % gw) in sockets
    assert not [s for s in sockets if s[1].startswith(('0.0.0.0:53', '127.', '*:53', '[::]:53'))], sockets

    assert not run.ok('dhcp', **args)['changed']
    assert udhcpc(ns) == SUBNET % (1, 10)  # the static lease of its MAC
    ip('addr', 'add', SUBNET % (1, 10) + '/24', 'dev', 'eth0', netns=ns)
    assert SUBNET % (1, 10) in resolve(ns, 'vm0.lab', gw) and gw in resolve(ns, 'gw.lab', gw)
    leases = run.ok('dhcp', **args)['dhcp']['leases']
    assert [(x['mac'], x['ip']) for x in leases] == [('52:54:00:aa:00:10', SUBNET % (1, 10))]

    # a changed configuration restarts it, the leases kept
    changed = run.ok('dhcp', **dict(args, lease_time='2h'))
    assert changed['changed'] and changed['dhcp']['pid'] != pid and changed['dhcp']['leases'] == leases

    # a server that died is started again, with a warning
    os.kill(changed['dhcp']['pid'], signal.SIGKILL)
    time.sleep(0.2)
    again = run.ok('dhcp', **dict(args, lease_time='2h'))
    assert again['changed'] and again['dhcp']['state'] == 'running' and 'died' in str(again['warnings'])

    # the lease of an unknown client comes from the range
    other, _end2 = client(names, br, run, suffix='d')
    got = udhcpc(other)
    assert 100 <= int(got.split('.')[-1]) <= 150

    gone = run.ok('dhcp', bridge=br, state='absent')
    assert gone['changed'] and gone['dhcp']['state'] == 'absent' and not os.path.exists('/run/vnetlab/dhcp/' + br)
    assert not os.path.exists('/proc/%d' % again['dhcp']['pid'])
    assert not run.ok('dhcp', bridge=br, state='absent')['changed']
    for n in (ns, other):
        run.ok('netns', name=n, state='absent')
    run.ok('bridge', name=br, state='absent')


def test_refusals(run09, names):
    run = run09
    foreign, bare = names('fb'), names('nb')
    ip('link', 'add', foreign, 'type', 'bridge')  # not made by vnetlab
    ip('addr', 'add', SUBNET % (3, 1) + '/24', 'dev', foreign)
    run.ok('bridge', name=bare)
    rng = dict(range_start=SUBNET % (3, 100), range_end=SUBNET % (3, 110))
    assert 'adopt: true' in run.fails('dhcp', bridge=foreign, **rng)
    assert 'has no IPv4 address' in run.fails('dhcp', bridge=bare, **rng)
    assert 'range_end' in run.fails('dhcp', bridge=bare, range_start=SUBNET % (3, 100), range_end=SUBNET % (3, 90))
    assert 'lease_time' in run.fails('dhcp', bridge=bare, lease_time='soon', **rng)
    run.ok('address', interface=bare, addresses=[SUBNET % (4, 1) + '/24'])
    assert 'not inside a subnet' in run.fails('dhcp', bridge=bare, **rng)
    assert not os.path.exists('/run/vnetlab/dhcp/' + bare) and not os.path.exists('/run/vnetlab/dhcp/' + foreign)
    # adopted: served, and removed again (the bridge itself stays)
    assert run.ok('dhcp', bridge=foreign, adopt=True, **rng)['dhcp']['state'] == 'running'
    assert run.ok('dhcp', bridge=foreign, state='absent')['changed']
    ip('link', 'del', foreign)
    run.ok('bridge', name=bare, state='absent')


def test_topology_section(run09, names):
    run = run09
    lab, br, ns, end = names('lab'), names('br'), names('n'), names('nh')
    topo = {'lab': lab, 'namespaces': [ns],
            'bridges': [{'name': br, 'addresses': [SUBNET % (5, 1) + '/24']}],
            'veths': [{'name': end, 'master': br, 'peer': 'eth0', 'peer_netns': ns,
                       'peer_addresses': [SUBNET % (5, 7) + '/24']}],
            'dhcp': [{'bridge': br, 'range_start': SUBNET % (5, 100), 'range_end': SUBNET % (5, 120)}]}
    built = run.ok('topology', definition=topo)
    assert built['changed'] and any('dnsmasq' in a for a in built['actions'])
    with open('/run/vnetlab/dhcp/%s/lab' % br) as f:
        assert f.read().strip() == lab
    # the namespace's name resolves under the lab's domain
    assert SUBNET % (5, 7) in resolve(ns, '%s.%s' % (ns, lab), SUBNET % (5, 1))
    assert not run.ok('topology', definition=topo)['changed']
    # the module may not take over a lab's server
    assert "started by lab '%s'" % lab in run.fails('dhcp', bridge=br, state='absent')
    # dropped from the topology and pruned: stopped
    pruned = run.ok('topology', definition=dict(topo, dhcp=[]), prune=True)
    assert any('no longer declared' in a for a in pruned['actions']) and not os.path.exists('/run/vnetlab/dhcp/' + br)
    run.ok('topology', definition=topo)
    gone = run.ok('topology', definition=topo, state='absent')
    assert gone['changed'] and not os.path.exists('/run/vnetlab/dhcp/' + br)
