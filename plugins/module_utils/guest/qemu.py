# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""QEMU guests as managed background services: spec -> argv, runtime files, start, stop, probe.

A guest's runtime files live in /run/vnetlab/guests/<name>/ (pid file, QMP socket mode 0600, serial
console socket and its log, the recorded configuration); its disks (qcow2 overlay, NoCloud seed) in
/var/lib/vnetlab/guests/<name>/. QEMU detaches itself (-daemonize), so it does not die with the task
and needs no systemd. It listens on nothing but unix sockets: no display, no VNC, no TCP.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import time

from ansible_collections.vnetlab.linux.plugins.module_utils import boot, interrupt
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError, VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.guest.qmp import QMP, QMPError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import processes
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.command import run as _run
from ansible_collections.vnetlab.linux.plugins.module_utils.ownership import write_atomic

RUN_DIR = '/run/vnetlab'
STATE_DIR = '/var/lib/vnetlab'
ARCHES = {
    'x86_64': {'binary': 'qemu-system-x86_64', 'machine': 'pc', 'console': 'ttyS0'},
    'aarch64': {'binary': 'qemu-system-aarch64', 'machine': 'virt', 'console': 'ttyAMA0'},
}
AARCH64_FIRMWARE = ['/usr/share/qemu-efi-aarch64/QEMU_EFI.fd', '/usr/share/AAVMF/AAVMF_CODE.fd']
_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$')
_SIZE_RE = re.compile(r'^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$', re.I)


def default_cpu(arch, accel):
    """The CPU model when none is asked for. Under TCG, `max` - except that an aarch64 `max` also brings
    architected pointer authentication (QARMA), whose emulation makes every boot about 2.7x slower (the
    minimal aarch64 guest: 15.1 s to ready against 5.6 s): `pauth-impdef=on` keeps the feature, with the
    cheap algorithm QEMU offers for it (QEMU 6.0 or later; set `cpu: max` on an older one)."""
    if accel == 'kvm':
        return 'host'
    return 'max,pauth-impdef=on' if arch == 'aarch64' else 'max'


def host_arch():
    machine = os.uname()[4]
    return {'arm64': 'aarch64', 'amd64': 'x86_64'}.get(machine, machine)


def check_guest_name(param, name):
    if not name or not _NAME_RE.match(name):
        raise ParamError(param, "'%s' is not a valid guest name; use up to 63 letters, digits, '.', '_', '-'"
                         % (name,))
    return name


def parse_size_mib(param, value):
    """512 / '512' / '512M' / '1G' / '1.5GiB' -> MiB (int). A bare number means MiB, as for qemu -m."""
    m = _SIZE_RE.match(str(value))
    if not m:
        raise ParamError(param, "'%s' is not a size; use a number of MiB or a value such as 512M or 2G" % (value,))
    number, unit = float(m.group(1)), m.group(2).upper()
    mib = number * {'': 1, 'K': 1.0 / 1024, 'M': 1, 'G': 1024, 'T': 1024 * 1024}[unit]
    if mib < 1 or mib != int(mib):
        raise ParamError(param, "'%s' is not a whole number of MiB" % (value,))
    return int(mib)


def stable_mac(name, index):
    """52:54:00 (QEMU's prefix) + three bytes derived from the guest name and NIC index."""
    digest = hashlib.sha256(('%s/%d' % (name, index)).encode()).digest()
    return '52:54:00:%02x:%02x:%02x' % (digest[0], digest[1], digest[2])


def file_id(path):
    """Changes when the file is replaced or rewritten (a rebuilt kernel means a restart)."""
    if not path or not os.path.exists(path):  # a minimal image not built yet (check mode)
        return None
    st = os.stat(path)
    return '%d-%d' % (st.st_size, int(st.st_mtime))


def guest_names():
    """Names of the guests that have a runtime or a state directory: running, stopped but not removed, or
    stopped by a host reboot (which empties /run and leaves only the disks in /var/lib)."""
    names = set()
    for base in (RUN_DIR, STATE_DIR):
        try:
            names.update(os.listdir(os.path.join(base, 'guests')))
        except OSError:
            continue
    return sorted(names)


class Paths:
    def __init__(self, name):
        self.run = os.path.join(RUN_DIR, 'guests', name)
        self.state = os.path.join(STATE_DIR, 'guests', name)
        self.pidfile = os.path.join(self.run, 'qemu.pid')
        self.qmp = os.path.join(self.run, 'qmp.sock')
        self.serial_sock = os.path.join(self.run, 'serial.sock')
        self.serial_log = os.path.join(self.run, 'serial.log')
        self.config = os.path.join(self.run, 'config.json')
        self.disk = os.path.join(self.state, 'disk.qcow2')
        # what the disk was made from, beside it (not in /run): a host reboot must never recreate it
        self.disk_record = os.path.join(self.state, 'disk.json')
        self.seed = os.path.join(self.state, 'seed.iso')


# ---------------------------------------------------------------------------------------------
# KVM or TCG: /dev/kvm existing is not proof that a guest will run (nested KVM may hang), so `auto`
# boots a real kernel under KVM and wants its banner on the serial console within a few seconds. The
# verdict is recorded with the guest's configuration, so re-runs of a running guest do not probe again.
# ---------------------------------------------------------------------------------------------

X86_BOOT_SECTOR = (bytes([0xBA, 0xF8, 0x03, 0xB0, 0x4B, 0xEE, 0xFA, 0xF4, 0xEB, 0xFD])
                   + b'\0' * 500 + b'\x55\xaa')  # mov dx,0x3f8; mov al,'K'; out dx,al; cli; hlt; jmp $-1
AARCH64_BLOB = struct.pack('<4I', 0xD2A12000, 0x52800961, 0xB9000001, 0x14000000)  # 'K' to the PL011


def kvm_usable(arch, kernel=None, timeout=10.0):
    """(usable, reason): can this host run a guest of `arch` under KVM?"""
    if arch != host_arch():
        return False, 'KVM cannot run a %s guest on a %s host' % (arch, host_arch())
    if not os.access('/dev/kvm', os.R_OK | os.W_OK):
        return False, '/dev/kvm is not available'
    return _probe(arch, kernel, timeout)


def _probe(arch, kernel, timeout):
    host_kernel = '/boot/vmlinuz-%s' % os.uname()[2]
    kernel = kernel if kernel and os.path.exists(kernel) else (host_kernel if os.path.exists(host_kernel) else None)
    conf = ARCHES[arch]
    argv = [conf['binary'], '-accel', 'kvm', '-nodefaults', '-no-user-config', '-display', 'none', '-m', '128',
            '-serial', 'stdio', '-no-reboot', '-machine', conf['machine']]
    if arch == 'aarch64':
        argv += ['-cpu', 'host']
    work = tempfile.mkdtemp(prefix='vnetlab-kvm-probe-')
    try:
        if kernel:
            argv += ['-kernel', kernel, '-append', 'console=%s earlyprintk panic=-1' % conf['console']]
            marker, what = b'Linux version', 'a Linux kernel'
        elif arch == 'x86_64':
            path = os.path.join(work, 'probe.img')
            with open(path, 'wb') as f:
                f.write(X86_BOOT_SECTOR)
            argv += ['-drive', 'file=%s,format=raw,if=ide' % path]
            marker, what = b'K', 'a boot sector'
        else:
            path = os.path.join(work, 'probe.bin')
            with open(path, 'wb') as f:
                f.write(AARCH64_BLOB)
            argv += ['-kernel', path]
            marker, what = b'K', 'a bare-metal probe'
        # read while it runs, until the marker or a deadline: run_command waits for the end
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,  # pylint: disable=ansible-bad-function
                                stdin=subprocess.DEVNULL)
        out = b''
        deadline = time.time() + timeout
        try:
            os.set_blocking(proc.stdout.fileno(), False)
            while time.time() < deadline and marker not in out and proc.poll() is None:
                time.sleep(0.05)
                out += proc.stdout.read() or b''
        finally:
            proc.kill()
            proc.wait()
        if marker in out:
            return True, 'KVM booted %s' % what
        return False, 'KVM did not boot %s within %ds (nested virtualisation?); using TCG' % (what, timeout)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def resolve_accel(arch, accel, kernel=None):
    if accel != 'auto':
        return accel, 'requested'
    usable, reason = kvm_usable(arch, kernel)
    return ('kvm' if usable else 'tcg'), reason


# ---------------------------------------------------------------------------------------------
# the command line
# ---------------------------------------------------------------------------------------------

def build_argv(name, cfg, paths):
    conf = ARCHES[cfg['arch']]
    argv = [conf['binary'], '-name', '%s,process=vnetlab-%s' % (name, name),
            '-machine', '%s,accel=%s' % (cfg['machine'], cfg['accel']),
            '-cpu', cfg['cpu'], '-m', str(cfg['memory_mib']), '-smp', str(cfg['smp']),
            '-nodefaults', '-no-user-config', '-display', 'none',
            '-daemonize', '-pidfile', paths.pidfile,
            '-qmp', 'unix:%s,server=on,wait=off' % paths.qmp,
            '-chardev', 'socket,id=serial0,path=%s,server=on,wait=off,logfile=%s,logappend=on'
            % (paths.serial_sock, paths.serial_log),
            '-serial', 'chardev:serial0']
    if cfg.get('firmware'):
        argv += ['-bios', cfg['firmware']]
    if cfg['image']:
        argv += ['-drive', 'file=%s,if=virtio,format=qcow2,cache=unsafe' % paths.disk]
    if cfg['cloud_init']:
        argv += ['-drive', 'file=%s,if=virtio,format=raw,readonly=on' % paths.seed]
    if cfg['kernel']:
        argv += ['-kernel', cfg['kernel']]
        if cfg['initrd']:
            argv += ['-initrd', cfg['initrd']]
        if cfg['append']:
            argv += ['-append', cfg['append']]
    for i, nic in enumerate(cfg['nics']):
        argv += ['-netdev', 'tap,id=net%d,ifname=%s,script=no,downscript=no' % (i, nic['tap']),
                 '-device', '%s,netdev=net%d,mac=%s%s' % (nic['model'], i, nic['mac'], _host_mtu(nic))]
    return argv


def _host_mtu(nic):
    """A virtio-net NIC's MTU for the guest: QEMU offers it (VIRTIO_NET_F_MTU) and the guest's virtio_net
    driver sets its interface to it when it probes - whatever the image, no guest configuration needed."""
    if nic.get('mtu') and nic['model'].startswith('virtio-net'):
        return ',host_mtu=%d' % nic['mtu']
    return ''


# ---------------------------------------------------------------------------------------------
# process state
# ---------------------------------------------------------------------------------------------

def is_guest_process(cmdline, pidfile):
    """Is this /proc/<pid>/cmdline (NUL-separated) a QEMU system emulator started with exactly our
    -pidfile? A process that merely mentions the path (`watch cat .../qemu.pid`) is not."""
    argv = cmdline.split(b'\0')
    if not argv or not os.path.basename(argv[0]).startswith(b'qemu-system-'):
        return False
    want = pidfile.encode()
    return any(a == b'-pidfile' and b == want for a, b in zip(argv, argv[1:]))


def find_pids(paths):
    """Every live QEMU process of this guest, found by its -pidfile argument - also one whose pid file
    is gone (so teardown can never orphan a guest)."""
    return processes.find_pids(lambda cmdline: is_guest_process(cmdline, paths.pidfile))


def read_pid(paths):
    """The pid of this guest's QEMU if it is alive (and really is ours), else None."""
    return processes.read_pid(paths.pidfile, lambda cmdline: is_guest_process(cmdline, paths.pidfile))


def read_config(paths):
    """The configuration the running guest was started with; None when there is none, or when it was
    recorded in another boot (boot.py): that QEMU is gone with the kernel that ran it."""
    try:
        with open(paths.config) as f:
            cfg = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(cfg, dict) or not boot.is_current(cfg.pop('boot', None)):
        return None
    cfg.pop('stop_timeout', None)
    return cfg


def write_config(paths, cfg, stop_timeout=None):
    """Record the configuration, with the stop timeout the guest was started with: teardown by the lab's
    mark alone (its guests no longer declared, `down` by name, cleanup) then waits for it as long as its
    declaration said, not the option's default (a guest without ACPI power-down would cost 30 s)."""
    record = dict(recordable(cfg), boot=boot.current())
    if stop_timeout is not None:
        record['stop_timeout'] = stop_timeout
    write_atomic(paths.config, json.dumps(record, indent=1, sort_keys=True))


def recorded_stop_timeout(paths, default):
    """The stop timeout recorded when the guest was started (write_config), else `default`."""
    try:
        with open(paths.config) as f:
            value = json.load(f).get('stop_timeout')
    except (OSError, ValueError, AttributeError):
        return default
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default


def recordable(cfg):
    """The configuration as recorded, compared and shown in diffs: user-data (it may hold secrets) only
    as its digest."""
    ci = cfg.get('cloud_init')
    if not ci or ci.get('user_data') is None:
        return cfg
    digest = 'sha256:' + hashlib.sha256(ci['user_data'].encode()).hexdigest()
    return dict(cfg, cloud_init=dict(ci, user_data=digest))


def prepare_disks(cfg, paths):
    os.makedirs(paths.state, mode=0o700, exist_ok=True)
    if cfg['image']:
        made_from = {'image': cfg['image'], 'image_id': cfg['image_id'], 'disk_size': cfg['disk_size']}
        try:
            with open(paths.disk_record) as f:
                recorded = json.load(f)
        except (OSError, ValueError):
            recorded = None  # none (a disk made before records, or none yet): an existing disk is kept
        if not os.path.exists(paths.disk) or (recorded is not None and (
                recorded.get('image_id') != cfg['image_id'] or recorded.get('disk_size') != cfg['disk_size'])):
            if os.path.exists(paths.disk):
                os.unlink(paths.disk)
            argv = ['qemu-img', 'create', '-q', '-f', 'qcow2', '-F', cfg['image_format'], '-b', cfg['image'],
                    paths.disk]
            if cfg['disk_size']:
                argv.append(cfg['disk_size'])
            _run(argv, 'creating the overlay disk')
        if recorded != made_from:
            write_atomic(paths.disk_record, json.dumps(made_from, sort_keys=True))
    if cfg['cloud_init']:
        build_seed(cfg['cloud_init'], paths.seed)


def image_format(path):
    out = _run(['qemu-img', 'info', '--output=json', path], "reading image '%s'" % path).stdout
    return json.loads(out)['format']


def build_seed(cloud_init, dest):
    """A NoCloud seed: an ISO 9660 volume labelled `cidata` with meta-data, user-data, network-config."""
    tool = next((t for t in ('genisoimage', 'mkisofs', 'xorrisofs') if shutil.which(t)), None)
    if tool is None:
        raise VnetlabError('cloud_init: building the seed needs genisoimage (apt install genisoimage)')
    work = tempfile.mkdtemp(prefix='vnetlab-seed-')
    try:
        files = []
        # cloud-init takes a NoCloud seed only with both meta-data and user-data: an empty cloud-config
        # when none is given (the SSH keys ride in the meta-data)
        contents = dict(cloud_init)
        if contents.get('user_data') is None:
            contents['user_data'] = '#cloud-config\n'
        for key, fname in (('meta_data', 'meta-data'), ('user_data', 'user-data'),
                           ('network_config', 'network-config')):
            if contents.get(key) is not None:
                with open(os.path.join(work, fname), 'w') as f:
                    f.write(contents[key])
                files.append(fname)
        _run([tool, '-quiet', '-output', dest, '-volid', 'cidata', '-joliet', '-rock'] + files,
             'building the cloud-init seed', cwd=work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def start(name, cfg, paths, stop_timeout=None):
    for stale in (paths.pidfile, paths.qmp, paths.serial_sock):
        if os.path.exists(stale):
            os.unlink(stale)
    os.makedirs(paths.run, mode=0o700, exist_ok=True)
    os.chmod(paths.run, 0o700)
    argv = build_argv(name, cfg, paths)
    _run(argv, "starting QEMU for guest '%s'" % name)
    deadline = time.time() + 10  # QEMU's parent may exit a moment before the pid file is complete
    while read_pid(paths) is None and time.time() < deadline:
        time.sleep(0.05)
    os.chmod(paths.qmp, 0o600)
    os.chmod(paths.serial_sock, 0o600)
    write_config(paths, cfg, stop_timeout)
    return read_pid(paths)


def wait_until(paths, wait_for, timeout):
    """Block until QMP answers or the serial log matches the regex `wait_for`; quote the log on failure."""
    if wait_for in (None, '', 'none'):
        return
    deadline = time.time() + timeout
    regex = None if wait_for == 'qmp' else re.compile(wait_for)
    while time.time() < deadline:
        interrupt.check()
        if read_pid(paths) is None:
            raise VnetlabError('QEMU exited while booting. End of the serial log:\n%s' % log_tail(paths))
        if regex is None:
            try:
                with QMP(paths.qmp, timeout=2):
                    return
            except (OSError, QMPError):
                pass
        elif regex.search(log_text(paths)):
            return
        time.sleep(0.2)
    raise ParamError('wait_for', '%s not seen within %ds (wait_timeout). End of the serial log:\n%s'
                     % ('QMP' if regex is None else "'%s' on the serial console" % wait_for, timeout,
                        log_tail(paths)))


def log_text(paths):
    try:
        with open(paths.serial_log, 'rb') as f:
            return f.read().decode('utf-8', 'replace')
    except OSError:
        return ''


def log_tail(paths, chars=1500):
    return log_text(paths)[-chars:] or '(empty)'


def stop(paths, timeout):
    """ACPI power-down, then QMP quit after `timeout` seconds, then SIGKILL (every process of the guest)."""
    pids = find_pids(paths)
    if not pids:
        return
    for command, wait in (('system_powerdown', timeout), ('quit', 5)):
        try:
            with QMP(paths.qmp, timeout=2) as qmp:
                qmp.execute(command)
        except (OSError, QMPError):
            pass
        if all(_wait_gone(pid, wait) for pid in pids):
            return
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for pid in pids:
        _wait_gone(pid, 5)


def _wait_gone(pid, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not os.path.exists('/proc/%d' % pid):
            return True
        time.sleep(0.1)
    return not os.path.exists('/proc/%d' % pid)


def remove_files(paths):
    for d in (paths.run, paths.state):
        shutil.rmtree(d, ignore_errors=True)
    # leave no empty directories behind once the last guest is gone
    for base in (RUN_DIR, STATE_DIR):
        guests = os.path.join(base, 'guests')
        try:
            os.rmdir(guests)
        except OSError:
            continue
        try:
            os.rmdir(base)
        except OSError:
            pass
