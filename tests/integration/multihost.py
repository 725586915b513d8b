"""Test hosts for labs across hosts: lightweight hosts that are separate to the collection, on one kernel.

Each host is a process tree in its own mount, network and UTS namespace (`unshare --mount --net --uts
--propagation private --fork`), with its own tmpfs on /run (so /run/netns, /run/vnetlab: its lab
namespaces, locks and intents are its own) and on /var/lib/vnetlab, its own hostname, and its own sshd
listening on port 22 of its only interface. The hosts and the controller meet on a test bridge of the real
host: host i is 10.69.13.i/24, the controller 10.69.13.254. Ansible reaches them over SSH as root with a
generated key and runs Debian's /usr/bin/python3 (python3-pyroute2 0.7) there, as on a real remote host.

Teardown kills the hosts' processes: their namespaces - and every lab namespace and link made inside
them - vanish with them; the test bridge goes last. Nothing is left on the real host.
"""
import os
import shutil
import signal
import socket
import subprocess
import time

SSHD = '/usr/sbin/sshd'
STATE_DIR = '/var/lib/vnetlab'
SUBNET = '10.69.13'
CONTROLLER = SUBNET + '.254'

# One play over the inventory applies the topology file -e topo=... (each host its part), as a user's would:
# the tests of labs across hosts (test hosts and host VMs) and benchmarks/multihost.py run it
TOPOLOGY_PLAY = """\
- hosts: all
  gather_facts: false
  tasks:
    - vnetlab.linux.topology:
        src: "{{ topo }}"
        state: "{{ lab_state | default('present') }}"
        prune: "{{ lab_prune | default(false) }}"
"""

# runs inside the unshared namespaces (the process is the host): private /run and /var/lib/vnetlab, then
# waits for its link (moved in from outside), configures it and becomes the host's sshd
HOST_SCRIPT = r'''
set -e
mount -t tmpfs -o mode=0755 vnetlab-test-run /run
mkdir -p /run/netns /run/sshd /run/lock
mount -t tmpfs -o mode=0755 vnetlab-test-state /var/lib/vnetlab
hostname "$1"
ip link set lo up
read go
ip addr add "$2/24" dev eth0
[ -z "$4" ] || ip addr add "$4/64" dev eth0 nodad
ip link set eth0 up
exec /usr/sbin/sshd -D -e -f "$3"
'''


class SshHost:
    def __init__(self, name, address, proc, port_link):
        self.name, self.address, self.proc, self.port_link = name, address, proc, port_link
        self.address6 = None

    @property
    def pid(self):
        return self.proc.pid

    def run(self, *cmd, check=True, timeout=30):
        """A command inside this host (its mount and network namespaces): `ip netns ...` sees its labs."""
        proc = subprocess.run(['nsenter', '-t', str(self.pid), '-m', '-n', '-u'] + list(cmd), capture_output=True,
                              text=True, timeout=timeout, check=False)
        if check and proc.returncode != 0:
            raise AssertionError('%s on %s: rc %d: %s' % (cmd, self.name, proc.returncode, proc.stderr))
        return proc.stdout


class SshHosts:
    """n test hosts on a test bridge; `inventory` is an Ansible inventory (YAML) of them."""

    def __init__(self, tmp_path, tag, n=3, ipv6=False):
        """ipv6: each host also has fd69:13::i/64 on its link (inside its own namespace), and that is its
        vnetlab_underlay_address: the lab's tunnels run over IPv6."""
        self.tmp, self.tag, self.hosts = tmp_path, tag, []
        self.ipv6 = ipv6
        self.bridge = tag + 'ul'
        key = tmp_path / 'id'
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', str(key)], check=True)
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', str(tmp_path / 'hostkey')], check=True)
        (tmp_path / 'authorized_keys').write_text((tmp_path / 'id.pub').read_text())
        self.key = key
        # the mount point of each host's own /var/lib/vnetlab (another test's teardown may have removed it)
        self.made_state_dir = not os.path.isdir(STATE_DIR)
        os.makedirs(STATE_DIR, exist_ok=True)
        _ip('link', 'add', self.bridge, 'type', 'bridge')
        _ip('addr', 'add', CONTROLLER + '/24', 'dev', self.bridge)
        _ip('link', 'set', self.bridge, 'up')
        try:
            for i in range(1, n + 1):
                self.hosts.append(self._start('%sh%d' % (tag, i), '%s.%d' % (SUBNET, i)))
            for h in self.hosts:
                _wait_port(h.address, 22)
        except BaseException:
            self.close()
            raise
        self.inventory = tmp_path / 'inventory.yml'
        lines = ['all:', '  vars:', '    ansible_user: root', '    ansible_ssh_private_key_file: %s' % key,
                 '    ansible_python_interpreter: /usr/bin/python3',
                 "    ansible_ssh_common_args: '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'",
                 '  hosts:']
        for h in self.hosts:
            lines += ['    %s:' % h.name, '      ansible_host: %s' % h.address,
                      '      vnetlab_underlay_address: %s' % (h.address6 or h.address)]
        self.inventory.write_text('\n'.join(lines) + '\n')

    def _start(self, name, address):
        address6 = 'fd69:13::%s' % address.rsplit('.', 1)[1] if self.ipv6 else None
        config = self.tmp / ('sshd_%s' % name)
        config.write_text('\n'.join([
            'Port 22', 'ListenAddress %s' % address, 'HostKey %s' % (self.tmp / 'hostkey'),
            'AuthorizedKeysFile %s' % (self.tmp / 'authorized_keys'), 'PermitRootLogin prohibit-password',
            'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no',
            'PidFile none', 'Subsystem sftp internal-sftp', '']))
        proc = subprocess.Popen(['unshare', '--mount', '--net', '--uts', '--propagation', 'private', '--fork',
                                 'sh', '-c', HOST_SCRIPT, 'sh', name, address, str(config), address6 or ''],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=open(self.tmp / ('%s.log' % name), 'wb'), start_new_session=True)
        port = '%sp%s' % (self.tag, name[-1])
        host = SshHost(name, address, proc, port)
        host.address6 = address6
        self.hosts.append(host)  # from here on, close() takes it down
        mine = os.readlink('/proc/self/ns/net')
        deadline = time.time() + 10
        while _netns_of(proc.pid) == mine:
            time.sleep(0.02)
            if time.time() > deadline or proc.poll() is not None:
                log = (self.tmp / ('%s.log' % name)).read_text()
                raise AssertionError('test host %s did not start: %s' % (name, log))
        _ip('link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', str(proc.pid))
        _ip('link', 'set', port, 'master', self.bridge, 'up')
        proc.stdin.write(b'go\n')
        proc.stdin.close()
        self.hosts.remove(host)
        return host

    def close(self):
        for h in self.hosts:
            # every process in the host's network namespace: unshare, sshd and the sessions sshd started
            # (each in a session of its own, so not in the process group)
            ns = _netns_of(h.pid)
            for pid in [h.pid] + (_pids_in(ns) if ns and ns != os.readlink('/proc/self/ns/net') else []):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            h.proc.wait(timeout=10)
        deadline = time.time() + 10
        while any(_has_link(h.port_link) for h in self.hosts) and time.time() < deadline:
            time.sleep(0.05)  # a veth goes when the kernel frees the namespace of its other end
        for h in self.hosts:
            _ip('link', 'del', h.port_link, check=False)
        _ip('link', 'del', self.bridge, check=False)
        self.hosts = []
        if self.made_state_dir:
            try:
                os.rmdir(STATE_DIR)
            except OSError:
                pass  # something else put files there meanwhile


def _ip(*args, check=True):
    return subprocess.run(['ip'] + list(args), capture_output=True, text=True, check=check, timeout=30).stdout


def _netns_of(pid):
    try:
        return os.readlink('/proc/%d/ns/net' % pid)
    except OSError:
        return None


def _pids_in(ns):
    out = []
    for pid in os.listdir('/proc'):
        if pid.isdigit():
            try:
                if os.readlink('/proc/%s/ns/net' % pid) == ns:
                    out.append(int(pid))
            except OSError:
                continue
    return out


def _has_link(name):
    return subprocess.run(['ip', 'link', 'show', name], capture_output=True, check=False).returncode == 0


def _wait_port(address, port, timeout=10):
    deadline = time.time() + timeout
    while True:
        try:
            socket.create_connection((address, port), timeout=0.5).close()
            return
        except OSError:
            if time.time() > deadline:
                raise AssertionError('no sshd on %s:%d' % (address, port))
            time.sleep(0.1)


def available():
    return os.path.exists(SSHD) and shutil.which('unshare') and shutil.which('nsenter')
