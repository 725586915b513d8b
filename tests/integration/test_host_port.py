"""A port the host itself listens on is not forwarded without being told to (vnetlab.linux.port_forward,
topology `forwards:`): a real listener of this test process on 0.0.0.0 makes the forward fail, in check mode
too, naming the process, with nothing installed; take_over_host_port: true forwards it (the simulated WAN
then reaches the guest instead of the host's listener) and the forward is removed again. A listener of
vnetlab's own (a lab bridge's dnsmasq) is not the host's."""
import os
import shutil
import socket
import subprocess
import sys
import threading
import time

import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import sockets
from forwarding import SERVER, fetch, forward_lab, forward_topology
from ansible_collections.vnetlab.linux.plugins.module_utils.objects import forward

UP, LAB = '10.220.17.%d', '10.220.18.%d'


def ours(port):
    """The rules of forwards of `port` (of any owner), in nftables and both iptables tables."""
    out = subprocess.run(['nft', 'list', 'ruleset'], capture_output=True, text=True, check=False).stdout \
        if shutil.which('nft') else ''
    for table in ('nat', 'filter'):
        if shutil.which('iptables'):
            out += subprocess.run(['iptables', '-w', '-t', table, '-S'], capture_output=True, text=True,
                                  check=False).stdout
    return [line for line in out.splitlines() if 'fwd tcp %d ' % port in line or 'fwd udp %d ' % port in line]


class HostListener:
    """A TCP server of this test process on 0.0.0.0:<a free high port> answering 'host' - the host's own
    service - plus an unconnected UDP socket on 0.0.0.0 (another free port)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(('0.0.0.0', 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(('0.0.0.0', 0))
        self.udp_port = self.udp.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _peer = self.sock.accept()
            except OSError:
                return
            c.sendall(b'host')
            c.close()

    def close(self):
        self.sock.close()
        self.udp.close()


def me():
    """How the refusal names this process: its command name and pid."""
    with open('/proc/self/comm') as f:
        return '%s (pid %d)' % (f.read().strip(), os.getpid())


@pytest.fixture
def host_listener():
    listener = HostListener()
    yield listener
    listener.close()


@pytest.fixture
def net(run09, names):
    """uplink veth (host end 10.220.17.1) to a WAN namespace; a bridge with a guest namespace answering
    'guest' on 10.220.18.5:8080."""
    with forward_lab(run09, names, UP, LAB, {8080: 'guest'}) as made:
        yield made


def test_port_forward_refuses_the_hosts_port(run, run09, net, host_listener):
    port = host_listener.port
    args = dict(port=port, to_address=LAB % 5, to_port=8080, in_interface=net['up'])
    assert fetch(UP % 1, port, net['wan']) == 'host'  # the host's own service, reached through the uplink
    try:
        for check in (True, False):
            msg = run.fails('port_forward', check=check, **args)
            assert msg == ("port: %d/tcp is the host's own: %s listens on 0.0.0.0:%d; pick another port, or set "
                           'take_over_host_port: true to forward it anyway' % (port, me(), port)), msg
            assert not ours(port)
        msg = run.fails('port_forward', check=True, **dict(args, port=host_listener.udp_port, protocol='udp'))
        assert "%d/udp is the host's own: %s" % (host_listener.udp_port, me()) in msg
        assert fetch(UP % 1, port, net['wan']) == 'host'

        planned = run.ok('port_forward', check=True, take_over_host_port=True, **args)
        assert planned['changed'] and not ours(port)
        taken = run.ok('port_forward', take_over_host_port=True, **args)
        assert taken['changed'] and taken['forward']['state'] == 'present' and ours(port)
        assert "is the host's own (%s listens on 0.0.0.0:%d)" % (me(), port) in str(taken.get('warnings'))
        assert fetch(UP % 1, port, net['wan']) == 'guest'  # taken over: the WAN reaches the guest
        assert not run.ok('port_forward', take_over_host_port=True, **args)['changed']
        # without the flag, the forward in place is still refused: the port is the host's
        assert 'take_over_host_port: true' in run.fails('port_forward', **args)
    finally:
        gone = run09.ok('port_forward', port=port, in_interface=net['up'], state='absent')
    assert gone['changed'] and not ours(port)
    assert fetch(UP % 1, port, net['wan']) == 'host'  # the host's service is back


def test_our_own_listener_is_not_the_hosts(run09, net, names):
    """A process recognised as a lab bridge's dnsmasq (its exact command line) listening on 0.0.0.0."""
    probe = socket.socket()
    probe.bind(('0.0.0.0', 0))
    port = probe.getsockname()[1]
    probe.close()
    conf = '--conf-file=/run/vnetlab/dhcp/%s/dnsmasq.conf' % names('br')
    code = ('import socket, sys, time\n'
            's = socket.socket(); s.bind(("0.0.0.0", %d)); s.listen(1)\n'
            'print("up", flush=True)\n'
            'time.sleep(120)\n' % port)
    fake = subprocess.Popen(['bash', '-c', 'exec -a dnsmasq %s -c "$0" "$1"' % sys.executable, code, conf],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert fake.stdout.readline().strip() == 'up'
        seen = sockets.listeners('tcp', port)  # the module sees the listener, and takes it for ours
        assert seen and all(s['processes'] and all(forward.ours_process(c) for _p, _n, c in s['processes'])
                            for s in seen), seen
        made = run09.ok('port_forward', port=port, to_address=LAB % 5, to_port=8080, in_interface=net['up'])
        assert made['changed'] and not made.get('warnings'), made.get('warnings')
    finally:
        run09.ok('port_forward', port=port, in_interface=net['up'], state='absent')
        fake.kill()
        fake.wait()
    assert not ours(port)


def test_topology_forward_refuses_the_hosts_port(run09, names, host_listener):
    run = run09
    port = host_listener.port
    topo, (lab, wan, guest, up, br) = forward_topology(names, UP, LAB, {'port': port})
    for check in (True, False):
        msg = run.fails('topology', check=check, definition=topo)
        assert ("forwards[0]: port: %d/tcp is the host's own: %s listens on 0.0.0.0:%d; pick another port, or set "
                'take_over_host_port: true to forward it anyway' % (port, me(), port)) in msg, msg
        assert not ours(port)
        assert not [n for n in subprocess.run(['ip', 'netns', 'list'], capture_output=True, text=True,
                                              check=True).stdout.split('\n') if n.startswith(names.tag)]

    topo['forwards'][0]['take_over_host_port'] = True
    server = None
    try:
        assert run.ok('topology', check=True, definition=topo)['changed'] and not ours(port)
        built = run.ok('topology', definition=topo)
        assert any('forward tcp port %d' % port in a for a in built['actions']) and ours(port)
        assert "is the host's own (%s" % me() in str(built.get('warnings'))
        server = subprocess.Popen(['ip', 'netns', 'exec', guest, sys.executable, '-c', SERVER, 'lab', LAB % 5,
                                   '8080'])
        deadline = time.time() + 20
        while time.time() < deadline and fetch(LAB % 5, 8080, guest).startswith('failed'):
            time.sleep(0.1)
        assert fetch(UP % 1, port, wan) == 'lab'
        assert not run.ok('topology', definition=topo)['changed']
    finally:
        if server:
            server.kill()
            server.wait()
        gone = run.ok('topology', definition=topo, state='absent')
    assert any('remove the forward' in a for a in gone['actions']) and not ours(port)
