# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One dnsmasq per lab bridge: DHCP and DNS for the guests and namespaces on it, supervised like a guest.

Everything of one server lives in /run/vnetlab/dhcp/<bridge>/: its configuration (the only one it
reads: `--conf-file` keeps /etc/dnsmasq.conf and /etc/dnsmasq.d out), pid file, lease file and log.
It binds only to the bridge (`interface=` + `bind-dynamic`, and `except-interface=lo`, which dnsmasq
would otherwise add): never the uplink, never 0.0.0.0:53 of the host. A process is ours when it is
dnsmasq started with exactly our `--conf-file=` argument (not when it merely mentions the path).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import pwd
import shutil
import signal
import time

from ansible_collections.vnetlab.linux.plugins.module_utils import ownership
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import processes
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.command import run as _run

RUN_DIR = '/run/vnetlab'
BASE = os.path.join(RUN_DIR, 'dhcp')
HEADER = '# written by vnetlab: DHCP and DNS for one lab bridge; a change here is undone by the next run\n'


class Paths:
    def __init__(self, bridge):
        self.dir = os.path.join(BASE, bridge)
        self.run = self.state = self.dir  # where ownership.started_by() looks
        self.conf = os.path.join(self.dir, 'dnsmasq.conf')
        self.pidfile = os.path.join(self.dir, 'dnsmasq.pid')
        self.leases = os.path.join(self.dir, 'leases')
        self.log = os.path.join(self.dir, 'dnsmasq.log')


def server_names():
    """Bridges that have a server directory (running or not)."""
    try:
        return sorted(os.listdir(BASE))
    except OSError:
        return []


def render(cfg, paths):
    """The configuration file of a server (pure): cfg is the normalised desired state of objects/dhcp.py."""
    lines = [
        'interface=%s' % cfg['bridge'],
        'except-interface=lo',
        'bind-dynamic',
        'no-hosts',
        'strict-order',
        'dhcp-authoritative',
        'dhcp-range=%s,%s,%s' % (cfg['range_start'], cfg['range_end'], cfg['lease_time']),
        'dhcp-leasefile=%s' % paths.leases,
        'pid-file=%s' % paths.pidfile,
        'log-facility=%s' % paths.log,
        'log-dhcp',
        'user=%s' % drop_to(),
    ]
    if cfg['router']:
        lines.append('dhcp-option=option:router,%s' % cfg['router'])
    if cfg['dns']:
        lines += ['domain=%s' % cfg['domain'], 'local=/%s/' % cfg['domain']]
        lines += ['server=%s' % s for s in cfg['upstream']] or ['no-resolv']
    else:
        lines.append('port=0')  # no DNS at all: DHCP only
    for h in cfg['hosts']:
        lines.append('dhcp-host=%s,%s,%s' % (h['mac'], h['ip'], h['name']))
    for r in cfg['records']:
        lines.append('host-record=%s.%s,%s,%s' % (r['name'], cfg['domain'], r['name'], r['ip']))
    return HEADER + '\n'.join(lines) + '\n'


def static_hosts(conf):
    """[{mac, ip, name}] of the static leases (dhcp-host= lines) of a configuration this module rendered (pure)."""
    out = []
    for line in conf.splitlines():
        if line.startswith('dhcp-host='):
            parts = line[len('dhcp-host='):].split(',')
            if len(parts) == 3:
                out.append({'mac': parts[0], 'ip': parts[1], 'name': parts[2]})
    return out


def drop_to():
    """The user dnsmasq runs as after binding: Debian's `dnsmasq` user when it exists, else nobody."""
    for user in ('dnsmasq', 'nobody'):
        try:
            pwd.getpwnam(user)
            return user
        except KeyError:
            continue
    return 'nobody'


def read_conf(paths):
    try:
        with open(paths.conf) as f:
            return f.read()
    except OSError:
        return None


def is_server_process(cmdline, conf):
    """Is this /proc/<pid>/cmdline a dnsmasq started with exactly our --conf-file?"""
    argv = cmdline.split(b'\0')
    if not argv or os.path.basename(argv[0]) != b'dnsmasq':
        return False
    return ('--conf-file=%s' % conf).encode() in argv


def find_pids(paths):
    return processes.find_pids(lambda cmdline: is_server_process(cmdline, paths.conf))


def read_pid(paths):
    """The pid of this bridge's dnsmasq if it runs (and really is ours), else None."""
    return processes.read_pid(paths.pidfile, lambda cmdline: is_server_process(cmdline, paths.conf))


def start(paths, text, lab):
    """Write the configuration (atomically) and start dnsmasq; it daemonises once it has bound."""
    if not shutil.which('dnsmasq'):
        raise VnetlabError('DHCP needs dnsmasq on the lab host (Debian/Ubuntu: apt install dnsmasq-base; the '
                           'vnetlab.linux.prerequisites role installs it)')
    os.makedirs(paths.dir, mode=0o755, exist_ok=True)
    ownership.write_atomic(paths.conf, text)
    if lab is not None:
        ownership.mark_started(paths, lab)
    # dnsmasq writes its log after dropping privileges: the file is made for that user beforehand
    if not os.path.exists(paths.log):
        with open(paths.log, 'a'):
            pass
    user = pwd.getpwnam(drop_to())
    os.chown(paths.log, user.pw_uid, user.pw_gid)
    if os.path.exists(paths.pidfile):
        os.unlink(paths.pidfile)
    _run(['dnsmasq', '--conf-file=%s' % paths.conf], "starting dnsmasq for bridge '%s'" % os.path.basename(paths.dir))
    deadline = time.time() + 5
    while read_pid(paths) is None:
        if time.time() > deadline:
            raise VnetlabError("dnsmasq for bridge '%s' did not start. Its log:\n%s"
                               % (os.path.basename(paths.dir), log_tail(paths)))
        time.sleep(0.02)
    return read_pid(paths)


def stop(paths, timeout=5.0):
    """SIGTERM every process of this server, then SIGKILL what is left."""
    pids = find_pids(paths)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except OSError:
                pass
        deadline = time.time() + timeout
        while pids and time.time() < deadline:
            pids = [p for p in pids if os.path.exists('/proc/%d' % p)]
            time.sleep(0.02)
        if not pids:
            return


def remove_files(paths):
    shutil.rmtree(paths.dir, ignore_errors=True)
    ownership.prune_empty_dirs(BASE, RUN_DIR)


def leases(paths):
    """[{mac, ip, hostname, expires}] from the lease file."""
    out = []
    try:
        with open(paths.leases) as f:
            for line in f:
                words = line.split()
                if len(words) >= 4:
                    out.append({'expires': int(words[0]) if words[0].isdigit() else 0, 'mac': words[1],
                                'ip': words[2], 'hostname': None if words[3] == '*' else words[3]})
    except OSError:
        pass
    return out


def log_tail(paths, chars=1500):
    try:
        with open(paths.log, 'rb') as f:
            return f.read().decode('utf-8', 'replace')[-chars:] or '(empty)'
    except OSError:
        return '(no log)'
