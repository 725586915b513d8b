"""A lab over three hosts (tests/integration/multihost.py: separate mount, network and UTS namespaces, each
with its own sshd), applied by one play over SSH: a bridge on all three joined by VXLAN, a namespace on host
1 pings one on host 3 across the tunnels; one diagram of the whole lab on the controller; re-run changed=0
everywhere; prune of one host's part; teardown with nothing left on any host."""
import json
import os
import re
import subprocess

import pytest
import yaml

from conftest import MINIMAL_X86_64, ROOT
from multihost import TOPOLOGY_PLAY, SshHosts, available

IMAGE = MINIMAL_X86_64
NEEDS_IMAGE = pytest.mark.usefixtures('minimal_x86_64')  # built when missing

DIAGRAM_PLAY = """\
- hosts: all
  gather_facts: false
  tasks:
    - vnetlab.linux.lab_facts:
    - vnetlab.linux.lab_diagram:
        hosts: "{{ ansible_play_hosts }}"
        path: "{{ out }}"
      run_once: true
      delegate_to: localhost
"""


@pytest.fixture
def hosts(tmp_path, names):
    if not available():
        pytest.skip('needs openssh-server and util-linux (unshare, nsenter)')
    test_hosts = SshHosts(tmp_path, names(''))
    yield test_hosts
    test_hosts.close()


def topology(tag, with_c=True):
    h1, h2, h3 = tag + 'h1', tag + 'h2', tag + 'h3'
    topo = {
        'lab': tag,
        'namespaces': [{'name': tag + 'a', 'host': h1}] + ([{'name': tag + 'c', 'host': h3}] if with_c else []),
        'bridges': [{'name': tag + 'lan', 'hosts': [h1, h2, h3]}],
        'veths': [{'name': 'eth0', 'netns': tag + 'a', 'addresses': ['10.70.13.1/24'], 'peer': tag + 'va',
                   'peer_master': tag + 'lan'}],
    }
    if with_c:
        topo['veths'].append({'name': 'eth0', 'netns': tag + 'c', 'addresses': ['10.70.13.3/24'], 'peer': tag + 'vc',
                              'peer_master': tag + 'lan'})
    return topo


def play(hosts, topo, *options, text=TOPOLOGY_PLAY, **extra):
    path = hosts.tmp / 'lab.yml'
    path.write_text(yaml.safe_dump(topo))
    playbook = hosts.tmp / 'play.yml'
    playbook.write_text(text)
    proc = subprocess.run(['ansible-playbook', '-i', str(hosts.inventory), str(playbook), '-e',
                           json.dumps(dict(extra, topo=str(path)))] + list(options),
                          cwd=ROOT, capture_output=True, text=True, check=False, timeout=600,
                          env=dict(os.environ, ANSIBLE_FORKS='5'))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    recap = proc.stdout.split('PLAY RECAP')[1]
    return dict((h.name, int(re.search(r'%s\s*:.*changed=(\d+)' % re.escape(h.name), recap).group(1)))
                for h in hosts.hosts), proc.stdout


def vxlan_links(host):
    return [x for x in json.loads(host.run('ip', '-d', '-j', 'link', 'show')) if
            x.get('linkinfo', {}).get('info_kind') == 'vxlan']


def test_a_lab_across_three_hosts(hosts, names):
    tag = names('')
    h1, h2, h3 = hosts.hosts
    changed, _out = play(hosts, topology(tag))
    assert changed == {h1.name: 1, h2.name: 1, h3.name: 1}
    assert h1.run('ip', 'netns', 'list').split()[:1] == [tag + 'a']
    assert h3.run('ip', 'netns', 'list').split()[:1] == [tag + 'c']
    assert h2.run('ip', 'netns', 'list').strip() == ''

    # one tunnel link per host, enslaved to the lab bridge, marked as the lab's, flooding to the other two
    for host in hosts.hosts:
        (vx,) = vxlan_links(host)
        info = vx['linkinfo']['info_data']
        assert vx['master'] == tag + 'lan' and vx['ifalias'] == 'vnetlab:' + tag and vx['mtu'] == 1450
        assert info['local'] == host.address and info['port'] == 4789 and info.get('learning', True)
        flood = sorted(e['dst'] for e in json.loads(host.run('bridge', '-j', 'fdb', 'show', 'dev', vx['ifname']))
                       if e['mac'] == '00:00:00:00:00:00')
        assert flood == sorted(h.address for h in hosts.hosts if h is not host)
    assert json.loads(h1.run('ip', '-j', 'link', 'show', tag + 'va'))[0]['mtu'] == 1450

    # host 1's namespace reaches host 3's across the tunnels, with full-sized frames of the reduced MTU
    h1.run('ip', 'netns', 'exec', tag + 'a', 'ping', '-c', '2', '-W', '3', '10.70.13.3')
    h1.run('ip', 'netns', 'exec', tag + 'a', 'ping', '-c', '1', '-W', '3', '-M', 'do', '-s', '1422', '10.70.13.3')

    check_diagram(hosts, tag)

    changed, _out = play(hosts, topology(tag))
    assert changed == {h1.name: 0, h2.name: 0, h3.name: 0}
    changed, _out = play(hosts, topology(tag), '--check', '--diff')
    assert changed == {h1.name: 0, h2.name: 0, h3.name: 0}

    # prune: host 3's namespace goes; the bridge and its tunnels stay, the other hosts are untouched
    changed, _out = play(hosts, topology(tag, with_c=False), lab_prune=True)
    assert changed == {h1.name: 0, h2.name: 0, h3.name: 1}
    assert h3.run('ip', 'netns', 'list').strip() == ''
    assert len(vxlan_links(h3)) == 1

    changed, _out = play(hosts, topology(tag, with_c=False), lab_state='absent')
    assert changed == {h1.name: 1, h2.name: 1, h3.name: 1}
    for host in hosts.hosts:
        assert host.run('ip', 'netns', 'list').strip() == ''
        assert sorted(x['ifname'] for x in json.loads(host.run('ip', '-j', 'link', 'show'))) == ['eth0', 'lo']
        assert host.run('find', '/run/vnetlab', '-type', 'f', check=False).strip() == ''
    changed, _out = play(hosts, topology(tag, with_c=False), lab_state='absent')
    assert changed == {h1.name: 0, h2.name: 0, h3.name: 0}


def test_a_lab_over_an_ipv6_underlay(tmp_path, names):
    """The same lab with every host's vnetlab_underlay_address an IPv6 one: the tunnels run over IPv6 (local6,
    IPv6 flood entries), the ports give up 70 bytes, not 50, and full-sized frames cross."""
    if not available():
        pytest.skip('needs openssh-server and util-linux (unshare, nsenter)')
    tag = names('')
    hosts = SshHosts(tmp_path, tag, ipv6=True)
    try:
        changed, _out = play(hosts, topology(tag))
        assert changed == dict((h.name, 1) for h in hosts.hosts)
        for host in hosts.hosts:
            (vx,) = vxlan_links(host)
            info = vx['linkinfo']['info_data']
            assert info.get('local6', info.get('local')) == host.address6 and vx['mtu'] == 1430
            flood = sorted(e['dst'] for e in json.loads(host.run('bridge', '-j', 'fdb', 'show', 'dev', vx['ifname']))
                           if e['mac'] == '00:00:00:00:00:00')
            assert flood == sorted(h.address6 for h in hosts.hosts if h is not host)
        h1 = hosts.hosts[0]
        assert json.loads(h1.run('ip', '-j', 'link', 'show', tag + 'va'))[0]['mtu'] == 1430
        h1.run('ip', 'netns', 'exec', tag + 'a', 'ping', '-c', '1', '-W', '3', '-M', 'do', '-s', '1402', '10.70.13.3')
        changed, _out = play(hosts, topology(tag))
        assert sum(changed.values()) == 0
        changed, _out = play(hosts, topology(tag), lab_state='absent')
        for host in hosts.hosts:
            assert sorted(x['ifname'] for x in json.loads(host.run('ip', '-j', 'link', 'show'))) == ['eth0', 'lo']
    finally:
        hosts.close()


def check_diagram(hosts, tag):
    """lab_facts on each host, then one diagram of the whole lab written on the controller: a box per host
    with its namespaces inside, the tunnels between the hosts' VXLAN links as edges."""
    out = hosts.tmp / 'whole.dot'
    changed, _text = play(hosts, topology(tag), text=DIAGRAM_PLAY, out=str(out))
    assert sum(changed.values()) == 1  # the file, written once
    dot = out.read_text()
    h1, h2, h3 = hosts.hosts
    for host in hosts.hosts:
        assert '  subgraph "cluster:%s/" {\n    label="host %s";' % (host.name, host.name) in dot
    assert '    subgraph "cluster:%s/netns:%sa" {' % (h1.name, tag) in dot
    assert '    subgraph "cluster:%s/netns:%sc" {' % (h3.name, tag) in dot
    vx = [x['ifname'] for x in vxlan_links(h1)][0]
    tunnels = re.findall(r'^  "([^"]+)/host/%s" -- "([^"]+)/host/%s" \[label="VXLAN \d+", style=dashed\];$'
                         % (vx, vx), dot, re.M)
    assert sorted(tunnels) == [(h1.name, h2.name), (h1.name, h3.name), (h2.name, h3.name)]
    assert 'eth0\n%s' % h1.address not in dot  # the hosts' own links are not the lab's
    changed, _text = play(hosts, topology(tag), text=DIAGRAM_PLAY, out=str(out))
    assert sum(changed.values()) == 0


def test_a_host_the_lab_does_not_name_gets_nothing(hosts, names):
    tag = names('')
    h1, h2, h3 = hosts.hosts
    topo = {'lab': tag, 'default_host': h1.name, 'namespaces': [tag + 'a']}
    changed, out = play(hosts, topo)
    assert changed == {h1.name: 1, h2.name: 0, h3.name: 0}
    assert "the lab has nothing on host '%s'" % h2.name in out or 'ok: [%s]' % h2.name in out
    play(hosts, topo, lab_state='absent')
    assert h1.run('ip', 'netns', 'list').strip() == ''


def guest_lab(tag):
    """A namespace on host 1, one on host 3 and a guest on host 2 (the minimal image under TCG), on a bridge
    over all three; its DHCP server on host 1."""
    h1, h2, h3 = tag + 'h1', tag + 'h2', tag + 'h3'
    return {
        'lab': tag,
        'namespaces': [{'name': tag + 'a', 'host': h1}, {'name': tag + 'c', 'host': h3}],
        'bridges': [{'name': tag + 'lan', 'hosts': [h1, h2, h3], 'addresses': ['10.77.13.254/24']}],
        'veths': [{'name': 'eth0', 'netns': tag + 'a', 'addresses': ['10.77.13.1/24'], 'peer': tag + 'va',
                   'peer_master': tag + 'lan'},
                  {'name': 'eth0', 'netns': tag + 'c', 'addresses': ['10.77.13.3/24'], 'peer': tag + 'vc',
                   'peer_master': tag + 'lan'}],
        # on h1; a range that leaves out the bridge's own address (.254)
        'dhcp': [{'bridge': tag + 'lan', 'range_start': '10.77.13.100', 'range_end': '10.77.13.200',
                  'hosts': [{'name': tag + 'g', 'ip': '10.77.13.5'}]}],
        'guests': [{'name': tag + 'g', 'host': h2, 'accel': 'tcg', 'memory': '256M', 'kernel': IMAGE + '/kernel',
                    'initrd': IMAGE + '/initrd.img', 'append': 'console=ttyS0 quiet vnetlab.ip=10.77.13.5/24',
                    'nics': [{'bridge': tag + 'lan', 'tap': tag + 't'}], 'wait_for': 'vnetlab-guest-ready',
                    'wait_timeout': 240, 'stop_timeout': 2}],
    }


def guest_command(hosts, host, guest, command):
    """A command in a guest on its host's serial console (vnetlab.linux.guest_command over SSH) -> its output."""
    proc = subprocess.run(['ansible', host.name, '-i', str(hosts.inventory), '-m', 'vnetlab.linux.guest_command',
                           '-a', json.dumps({'name': guest, 'command': command, 'timeout': 60})],
                          cwd=ROOT, capture_output=True, text=True, check=False, timeout=300,
                          env=dict(os.environ, ANSIBLE_STDOUT_CALLBACK='minimal'))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    result = json.loads(proc.stdout.split(' => ', 1)[1])  # "host | CHANGED => {...}"
    assert result.get('rc') == 0, result
    return result['stdout']


def qemu_pids(host, program=b'qemu-system-'):
    """The QEMU (or another program's) processes in a test host's network namespace."""
    mine = os.readlink('/proc/%d/ns/net' % host.pid)
    found = []
    for pid in os.listdir('/proc'):
        try:
            if pid.isdigit() and os.readlink('/proc/%s/ns/net' % pid) == mine:
                with open('/proc/%s/cmdline' % pid, 'rb') as f:
                    if os.path.basename(f.read().split(b'\0')[0]).startswith(program):
                        found.append(int(pid))
        except OSError:
            continue
    return found


@NEEDS_IMAGE
def test_a_guest_on_host_2_from_host_1(hosts, names):
    tag = names('')
    h1, h2, h3 = hosts.hosts
    topo = guest_lab(tag)
    changed, _out = play(hosts, topo)
    assert changed == {h1.name: 1, h2.name: 1, h3.name: 1}
    assert len(qemu_pids(h2)) == 1 and qemu_pids(h1) == [] and qemu_pids(h3) == []
    tap = json.loads(h2.run('ip', '-j', 'link', 'show', tag + 't'))[0]
    assert tap['master'] == tag + 'lan' and tap['mtu'] == 1450  # a port of the spanning bridge like the others

    # host 1's namespace reaches the guest on host 2 across the tunnel, with full-sized frames: the guest's
    # interface has the bridge's MTU (QEMU's host_mtu), so its replies fit the tunnel too
    h1.run('ip', 'netns', 'exec', tag + 'a', 'ping', '-c', '3', '-W', '5', '10.77.13.5', timeout=60)
    assert guest_command(hosts, h2, tag + 'g', 'cat /sys/class/net/eth0/mtu').strip() == '1450'
    h1.run('ip', 'netns', 'exec', tag + 'a', 'ping', '-c', '2', '-W', '5', '-M', 'do', '-s', '1422', '10.77.13.5',
           timeout=60)

    # the DHCP server on host 1 serves the whole segment: the guest on host 2 gets its static lease through
    # the tunnel, and the names of host 2's guest and host 3's namespace resolve there
    conf = h1.run('cat', '/run/vnetlab/dhcp/%slan/dnsmasq.conf' % tag)
    assert ',10.77.13.5,%sg\n' % tag in conf and 'host-record=%sc.%s,%sc,10.77.13.3\n' % (tag, tag, tag) in conf
    lease = guest_command(hosts, h2, tag + 'g', 'udhcpc -i eth0 -n -q -t 5 -T 3 -s /bin/true 2>&1')
    assert 'lease of 10.77.13.5 obtained' in lease, lease
    for name, address in (('c', '10.77.13.3'), ('g', '10.77.13.5')):
        answer = h1.run('ip', 'netns', 'exec', tag + 'a', 'busybox', 'nslookup', '%s%s.%s' % (tag, name, tag),
                        '10.77.13.254')
        assert 'Address: %s' % address in answer or 'Address 1: %s' % address in answer, answer

    changed, _out = play(hosts, topo)
    assert changed == {h1.name: 0, h2.name: 0, h3.name: 0}

    changed, _out = play(hosts, topo, lab_state='absent')
    assert changed == {h1.name: 1, h2.name: 1, h3.name: 1}
    for host in hosts.hosts:  # the lab's teardown stopped the guest and dnsmasq, before the test hosts go
        assert qemu_pids(host) == [] and qemu_pids(host, b'dnsmasq') == []
        assert host.run('ip', 'netns', 'list').strip() == ''
        assert sorted(x['ifname'] for x in json.loads(host.run('ip', '-j', 'link', 'show'))) == ['eth0', 'lo']
        assert host.run('find', '/run/vnetlab', '/var/lib/vnetlab', '-type', 'f', check=False).strip() == ''
