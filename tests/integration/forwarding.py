"""What the port-forward tests share: a lab of our modules with a simulated WAN and a "guest" namespace
serving a word on TCP ports, and a client to fetch it (raw sockets: http.server's getfqdn() would wait on a
resolver a namespace cannot reach)."""
import contextlib
import subprocess
import sys
import time

SERVER = ('import socket, sys\n'
          's = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n'
          's.bind((sys.argv[2], int(sys.argv[3]))); s.listen(8)\n'
          'while True:\n'
          '    c, _ = s.accept(); c.sendall(sys.argv[1].encode()); c.close()\n')
FETCH = ('import socket, sys\n'
         'try:\n'
         '    c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)\n'
         '    print(c.recv(100).decode())\n'
         'except Exception as e:\n'
         '    print("failed: %s" % e)\n')


def fetch(address, port, netns=None):
    argv = (['ip', 'netns', 'exec', netns] if netns else []) + [sys.executable, '-c', FETCH, address, str(port)]
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=30).stdout.strip()


@contextlib.contextmanager
def forward_lab(run, names, up, lab, served):
    """An uplink veth (host end `up`, address up % 1) to a WAN namespace (up % 2), a bridge (lab % 1) with a
    guest namespace (lab % 5, default route to the bridge) serving {port: word}; all made by our modules,
    removed afterwards. -> {'wan', 'guest', 'up', 'br'}"""
    wan, guest, up_if, br, gend = names('wan'), names('g'), names('up'), names('br'), names('gh')
    run.ok('netns', name=wan)
    run.ok('netns', name=guest)
    run.ok('veth', name=up_if, peer='eth0', peer_netns=wan)
    run.ok('address', interface=up_if, addresses=[up % 1 + '/24'])
    run.ok('address', interface='eth0', netns=wan, addresses=[up % 2 + '/24'])
    run.ok('bridge', name=br)
    run.ok('address', interface=br, addresses=[lab % 1 + '/24'])
    run.ok('veth', name=gend, peer='eth0', peer_netns=guest, master=br)
    run.ok('address', interface='eth0', netns=guest, addresses=[lab % 5 + '/24'])
    run.ok('route', netns=guest, destination='default', gateway=lab % 1)
    servers = [subprocess.Popen(['ip', 'netns', 'exec', guest, sys.executable, '-c', SERVER, word, lab % 5,
                                 str(port)]) for port, word in served.items()]
    try:
        for port in served:
            deadline = time.time() + 20
            while time.time() < deadline and fetch(lab % 5, port, guest).startswith('failed'):
                time.sleep(0.1)
        yield {'wan': wan, 'guest': guest, 'up': up_if, 'br': br}
    finally:
        for s in servers:
            s.kill()
            s.wait()
        for ns in (wan, guest):
            run.ok('netns', name=ns, state='absent')
        run.ok('bridge', name=br, state='absent')


def forward_topology(names, up, lab, forward):
    """forward_lab's lab as one topology (no servers), with one `forwards:` entry to the guest's port 8080:
    `forward` gives its port and other keys. -> (topology, (lab, wan, guest, up, br) names)"""
    lab_name, wan, guest, up_if, br, gend = (names('lab'), names('wan'), names('g'), names('up'), names('br'),
                                             names('gh'))
    topo = {'lab': lab_name, 'namespaces': [wan, guest],
            'bridges': [{'name': br, 'addresses': [lab % 1 + '/24']}],
            'veths': [{'name': up_if, 'addresses': [up % 1 + '/24'], 'peer': 'eth0', 'peer_netns': wan,
                       'peer_addresses': [up % 2 + '/24']},
                      {'name': gend, 'master': br, 'peer': 'eth0', 'peer_netns': guest,
                       'peer_addresses': [lab % 5 + '/24']}],
            'routes': [{'netns': guest, 'destination': 'default', 'gateway': lab % 1}],
            'forwards': [dict({'to_address': lab % 5, 'to_port': 8080, 'in_interface': up_if}, **forward)]}
    return topo, (lab_name, wan, guest, up_if, br)
