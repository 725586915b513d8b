"""A forward of a port the host itself listens on is refused, naming the process (objects/forward.py):
the sockets from /proc/net/* (kernel/sockets.py), which of them a forward would take, and the plan that
refuses - or, with take_over_host_port, forwards and warns."""
import ipaddress
import sys

import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils import engine
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import sockets
from ansible_collections.vnetlab.linux.plugins.module_utils.objects import forward, sysctl

pytestmark = pytest.mark.skipif(sys.byteorder != 'little', reason='/proc/net addresses below are little-endian')

HEADER = ('  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode')
TCP = [
    '   0: 00000000:08FB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41234 1 0000 100 0',
    '   1: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41235 1 0000 100 0',
    # an established connection from port 2299: not a listener
    '   2: 0100007F:08FB 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 41236 1 0000 20 4',
]
TCP6 = [
    '   0: 00000000000000000000000000000000:08FB 00000000000000000000000000000000:0000 0A 00000000:00000000 '
    '00:00000000 00000000     0        0 51234 1 0000 100 0',
    '   1: 0000000000000000FFFF00000100007F:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 '
    '00:00000000 00000000     0        0 51235 1 0000 100 0',
    '   2: 00000000000000000000000001000000:0277 00000000000000000000000000000000:0000 0A 00000000:00000000 '
    '00:00000000 00000000     0        0 51236 1 0000 100 0',
]
UDP = [
    '  123: 00000000:0043 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 61234 2 0000 0',
    '  124: 0A10000A:EA60 08080808:0035 01 00000000:00000000 00:00000000 00000000     0        0 61235 2 0000 0',
    '  125: 00000000:12B5 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 0 2 0000 0',
]


def ip(text):
    return ipaddress.ip_address(text)


def test_tcp_v4_listeners_only():
    assert sockets.parse_line(HEADER, 'tcp') is None
    assert sockets.parse_line(TCP[0], 'tcp') == {'address': ip('0.0.0.0'), 'port': 2299, 'inode': 41234}
    assert sockets.parse_line(TCP[1], 'tcp') == {'address': ip('127.0.0.1'), 'port': 3306, 'inode': 41235}
    assert sockets.parse_line(TCP[2], 'tcp') is None  # ESTABLISHED
    assert sockets.parse_line('', 'tcp') is None
    assert sockets.parse_line('   0: garbage:08FB 00000000:0000 0A 0 0 0 0 0 0', 'tcp') is None


def test_tcp_v6_listeners():
    assert sockets.parse_line(TCP6[0], 'tcp') == {'address': ip('::'), 'port': 2299, 'inode': 51234}
    assert sockets.parse_line(TCP6[1], 'tcp') == {'address': ip('::ffff:127.0.0.1'), 'port': 80, 'inode': 51235}
    assert sockets.parse_line(TCP6[2], 'tcp') == {'address': ip('::1'), 'port': 631, 'inode': 51236}


def test_udp_bound_and_unconnected_only():
    assert sockets.parse_line(UDP[0], 'udp') == {'address': ip('0.0.0.0'), 'port': 67, 'inode': 61234}
    assert sockets.parse_line(UDP[1], 'udp') is None  # connected to 8.8.8.8:53: a client
    assert sockets.parse_line(UDP[2], 'udp') == {'address': ip('0.0.0.0'), 'port': 4789, 'inode': 0}  # kernel's
    # a UDP socket's state 07 is not TCP LISTEN: the protocol decides what listening means
    assert sockets.parse_line(UDP[0], 'tcp') is None


def test_listeners_reads_proc_and_finds_the_holders(tmp_path):
    proc = tmp_path
    (proc / 'self' / 'net').mkdir(parents=True)
    (proc / 'self' / 'net' / 'tcp').write_text('\n'.join([HEADER] + TCP) + '\n')
    (proc / 'self' / 'net' / 'tcp6').write_text('\n'.join([HEADER] + TCP6) + '\n')
    for pid, comm, inodes in ((812, 'sshd', [41234, 51234]), (900, 'bash', [])):
        (proc / str(pid) / 'fd').mkdir(parents=True)
        (proc / str(pid) / 'comm').write_text(comm + '\n')
        (proc / str(pid) / 'cmdline').write_bytes(b'/usr/sbin/' + comm.encode() + b'\0-D\0')
        for n, inode in enumerate(inodes):
            (proc / str(pid) / 'fd' / str(n + 3)).symlink_to('socket:[%d]' % inode)
        (proc / str(pid) / 'fd' / '0').symlink_to('/dev/null')
    found = sockets.listeners('tcp', 2299, proc=str(proc))
    holder = [(812, 'sshd', b'/usr/sbin/sshd\0-D\0')]
    assert found == [{'address': ip('0.0.0.0'), 'port': 2299, 'inode': 41234, 'processes': holder},
                     {'address': ip('::'), 'port': 2299, 'inode': 51234, 'processes': holder}]
    assert sockets.listeners('udp', 2299, proc=str(proc)) == []  # no udp files: nothing, no error
    assert sockets.listeners('tcp', 2300, proc=str(proc)) == []


def sock(address, processes=((812, 'sshd', b'/usr/sbin/sshd\0-D\0'),), inode=41234, port=2299):
    return {'address': ip(address), 'port': port, 'inode': inode, 'processes': list(processes)}


UPLINK = {ip('203.0.113.7'), ip('2001:db8::7')}


@pytest.mark.parametrize('address, from_host, taken', [
    ('0.0.0.0', False, True),
    ('203.0.113.7', False, True),        # the uplink's own address
    ('198.51.100.1', False, False),      # another interface's address: not reached through the uplink
    ('127.0.0.1', False, False),
    ('127.0.0.1', True, True),           # from_host takes the host's own connections to any of its addresses
    ('::', False, True),                 # may take IPv4 too (IPv6-only does not show in /proc)
    ('::ffff:203.0.113.7', False, True),
    ('2001:db8::7', False, False),       # an IPv4 forward does not take IPv6
    ('::1', True, False),
])
def test_which_sockets_a_forward_takes(address, from_host, taken):
    assert bool(forward.host_port_users([sock(address)], UPLINK, from_host)) == taken


def test_our_own_processes_are_not_the_hosts():
    dnsmasq = b'dnsmasq\0--conf-file=/run/vnetlab/dhcp/vtbr0/dnsmasq.conf\0'
    qemu = (b'qemu-system-x86_64\0-name\0vm0,process=vnetlab-vm0\0-daemonize\0-pidfile\0'
            b'/run/vnetlab/guests/vm0/qemu.pid\0')
    assert forward.ours_process(dnsmasq) and forward.ours_process(qemu)
    for stranger in (b'dnsmasq\0--conf-file=/etc/dnsmasq.conf\0',
                     b'dnsmasq\0--conf-file=/run/vnetlab/dhcp/vtbr0/other.conf\0',
                     b'/bin/sh\0-c\0dnsmasq --conf-file=/run/vnetlab/dhcp/vtbr0/dnsmasq.conf\0',
                     b'qemu-system-x86_64\0-pidfile\0/tmp/qemu.pid\0',
                     b'watch\0-pidfile\0/run/vnetlab/guests/vm0/qemu.pid\0', b'/usr/sbin/sshd\0-D\0', b''):
        assert not forward.ours_process(stranger), stranger
    ours = sock('0.0.0.0', processes=[(77, 'dnsmasq', dnsmasq)], port=67)
    assert forward.host_port_users([ours], UPLINK, False) == []


def test_the_message_names_the_processes():
    users = [sock('0.0.0.0'), sock('::', inode=51234),
             sock('203.0.113.7', processes=[(10, 'nginx', b'nginx\0'), (11, 'nginx', b'nginx\0')], inode=3),
             sock('0.0.0.0', processes=[], inode=0), sock('0.0.0.0', processes=[], inode=5)]
    assert forward.describe_users(users) == (
        'sshd (pid 812) listens on 0.0.0.0:2299 and [::]:2299, nginx (pid 10, 11) listens on 203.0.113.7:2299, '
        'a socket of the kernel (no process) listens on 0.0.0.0:2299, '
        'a socket (inode 5) of no process visible here listens on 0.0.0.0:2299')


def _plan(listening, from_host=False, take_over=False, monkeypatch=None, tmp_path=None):
    monkeypatch.setattr(sysctl, 'SAVED_DIR', str(tmp_path / 'sysctl'))
    monkeypatch.setattr(sysctl, 'read_sysctl', lambda name, netns=None: '0')
    snapshot = {None: {'links': {'vtup': {'index': 5, 'ifalias': None, 'kind': 'veth', 'master': None},
                                 'vtbr': {'index': 6, 'ifalias': None, 'kind': 'bridge', 'master': None}},
                       'addresses': {5: [ipaddress.ip_interface('203.0.113.7/24')],
                                     6: [ipaddress.ip_interface('10.220.9.1/24')]}, 'routes': []}}
    local = {'uplink': 'vtup', 'installed': {'nftables': [], 'iptables': []}, 'others': [], 'backend': 'nftables',
             'refuses': False, 'listening': listening}
    d = forward.KIND.desired(dict(port=2299, protocol='tcp', to_address='10.220.9.5', to_port=22,
                                  in_interface='vtup', from_host=from_host, take_over_host_port=take_over,
                                  backend='auto', state='present'))
    plan = engine.Plan(snapshot, local=local)
    return plan, forward.KIND.plan(plan, d)


def test_the_plan_refuses_the_hosts_port_before_any_op(monkeypatch, tmp_path):
    with pytest.raises(ParamError) as e:
        _plan([sock('0.0.0.0')], monkeypatch=monkeypatch, tmp_path=tmp_path)
    assert e.value.param == 'port'
    assert str(e.value) == ("port: 2299/tcp is the host's own: sshd (pid 812) listens on 0.0.0.0:2299; pick another "
                            'port, or set take_over_host_port: true to forward it anyway')
    with pytest.raises(ParamError, match=r'127\.0\.0\.1:2299 \(with from_host'):
        _plan([sock('127.0.0.1')], from_host=True, monkeypatch=monkeypatch, tmp_path=tmp_path)


def test_the_plan_forwards_a_free_port_or_one_taken_over(monkeypatch, tmp_path):
    plan, after = _plan([sock('127.0.0.1'), sock('2001:db8::7')], monkeypatch=monkeypatch, tmp_path=tmp_path)
    assert after['state'] == 'present' and not plan.warnings
    assert any(op.action.startswith('forward tcp port 2299 on vtup') for op in plan.ops)
    plan, after = _plan([sock('0.0.0.0')], take_over=True, monkeypatch=monkeypatch, tmp_path=tmp_path)
    assert any(op.action.startswith('forward tcp port 2299 on vtup') for op in plan.ops)
    assert plan.warnings == ["2299/tcp is the host's own (sshd (pid 812) listens on 0.0.0.0:2299); "
                             'take_over_host_port: true forwards it to 10.220.9.5:22: the host\'s service is not '
                             "reachable through 'vtup' while the forward exists"]
