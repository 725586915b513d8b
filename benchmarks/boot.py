"""Scenario C: time from start to the guest's first ping reply.

(a) by hand: a bridge and TAP made with `ip` commands, and a bare qemu command line (TCG, the
    same minimal kernel and initramfs), then ping until the guest answers;
(b) `ansible-playbook playbooks/nested_vm.yml` (image already cached, apt step skipped), pinging the
    guest from the host in parallel until it answers; also when QEMU started.
Both ping every 0.1 s with the guest's MAC in the bridge's neighbour table, so that the time is not rounded
to ARP's one-second retries. The floor: how soon any playbook's first task can start a process here.
Also the boot time of minimal x86_64 and aarch64 guests under TCG (start to the ready line on the
serial console). Prints numbers and ratios; asserts nothing. NAT goes out of a simulated uplink.

Run as root from the repository: `python3 benchmarks/boot.py [--repeat N]`.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, '.collections'))  # the clone's own collection (a symlink to it)
from ansible_collections.vnetlab.linux.plugins.module_utils.guest.qemu import stable_mac  # noqa: E402
CACHE = '/var/cache/vnetlab/images'
QEMU = {'x86_64': 'qemu-system-x86_64', 'aarch64': 'qemu-system-aarch64'}
GUEST = '10.66.0.5'
GUEST_NAME, BRIDGE = 'bmvm', 'bmbr0'
PIDFILE = '/run/vnetlab/guests/%s/qemu.pid' % GUEST_NAME
GUEST_MAC = stable_mac(GUEST_NAME, 0)  # the MAC the playbook's guest gets; the bare guest is given the same


def sh(script, check=True):
    return subprocess.run(['bash', '-c', script], check=check, capture_output=True, text=True)


def ping_until(address, start, timeout=300):
    """Seconds from start to the guest's first ping reply, to about 0.1 s. The guest's MAC goes into the
    bridge's neighbour table first (as soon as the bridge exists): without it each ping waits for ARP, which
    the kernel retries once a second, and every time measured came out a whole second late or early."""
    while not os.path.exists('/sys/class/net/' + BRIDGE):
        if time.perf_counter() - start > timeout:
            sys.exit('no bridge %s' % BRIDGE)
        time.sleep(0.01)
    sh('ip neigh replace %s lladdr %s dev %s nud permanent' % (address, GUEST_MAC, BRIDGE))
    while time.perf_counter() - start < timeout:
        if subprocess.run(['ping', '-c', '1', '-W', '0.1', address], capture_output=True,
                          check=False).returncode == 0:
            return time.perf_counter() - start
        time.sleep(0.02)
    sys.exit('no ping reply from %s' % address)


def image(arch):
    path = os.path.join(CACHE, 'minimal-' + arch)
    with open(os.path.join(path, 'manifest.json')) as f:
        return json.load(f)


def bare(img):
    sh('ip link add bmbr0 type bridge; ip addr add 10.66.0.1/24 dev bmbr0; ip link set bmbr0 up')
    work = tempfile.mkdtemp()
    start = time.perf_counter()
    sh('ip tuntap add dev bmtap0 mode tap; ip link set bmtap0 master bmbr0 up')
    # the guest as the role runs it (CPU model, kernel command line), so that only the orchestration differs
    qemu = subprocess.Popen(['qemu-system-x86_64', '-accel', 'tcg', '-cpu', 'max', '-m', '256', '-nodefaults',
                             '-display', 'none', '-kernel', img['kernel'], '-initrd', img['initrd'],
                             '-append', 'console=ttyS0 quiet no_timer_check vnetlab.ip=%s/24 vnetlab.gw=10.66.0.1 '
                             'vnetlab.hostname=%s' % (GUEST, GUEST_NAME),
                             '-netdev', 'tap,id=n0,ifname=bmtap0,script=no,downscript=no',
                             '-device', 'virtio-net-pci,netdev=n0,mac=' + GUEST_MAC,
                            '-serial', 'file:%s/serial.log' % work],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = ping_until(GUEST, start)
    qemu.kill()
    qemu.wait()
    sh('ip link del bmtap0; ip link del bmbr0', check=False)
    return elapsed


EXTRA = {'prerequisites_install_packages': False, 'nested_vm_bridge': 'bmbr0', 'nested_vm_bridge_address':
         '10.66.0.1/24', 'nested_vm_lab_network': '10.66.0.0/24', 'nested_vm_guest_name': 'bmvm',
         'nested_vm_guest_tap': 'bmtap0', 'nested_vm_guest_address': GUEST + '/24', 'nested_vm_guest_accel': 'tcg',
         'nested_vm_guest_memory': '256M', 'nested_vm_namespace': 'bmnavy', 'nested_vm_namespace_host_interface':
         'bmvb', 'nested_vm_namespace_interface': 'bmvn', 'nested_vm_namespace_address': '10.66.0.2/24',
         'nested_vm_uplink': 'bmup', 'nested_vm_guest_stop_timeout': 1}


def playbook(state='present'):
    extra = dict(EXTRA, vnetlab_state=state)
    return subprocess.Popen(['ansible-playbook', 'playbooks/nested_vm.yml', '-e', json.dumps(extra)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def with_playbook():
    """-> (first ping, QEMU started, whole playbook), seconds from the start of ansible-playbook."""
    sh('ip link add bmup type veth peer name bmupw; ip addr add 10.67.0.1/24 dev bmup; ip link set bmup up')
    wall, start = time.time(), time.perf_counter()
    proc = playbook()
    first_ping = ping_until(GUEST, start)
    out = proc.communicate()[0]
    total = time.perf_counter() - start
    if proc.returncode:
        sys.exit(out[-3000:])
    qemu_started = os.stat(PIDFILE).st_mtime - wall  # QEMU writes its pid file as it starts
    down = playbook('absent')
    down.communicate()
    sh('ip link del bmup', check=False)
    return first_ping, qemu_started, total


FLOOR_PLAY = """- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.command: date +%s.%N
      register: floor
      changed_when: false
    - ansible.builtin.debug:
        msg: "floor={{ floor.stdout }}"
"""


def ansible_floor():
    """The soonest any playbook can start a process such as QEMU on this machine: `ansible-playbook` until
    the command of its first task (one of the smallest modules, ansible.builtin.command) runs."""
    with tempfile.NamedTemporaryFile('w', suffix='.yml') as f:
        f.write(FLOOR_PLAY)
        f.flush()
        wall = time.time()
        out = subprocess.run(['ansible-playbook', f.name], cwd=ROOT, check=True, capture_output=True, text=True)
        return float(out.stdout.split('floor=')[1].split('"')[0]) - wall


def boot_time(arch, cpu=None):
    img = image(arch)
    work = tempfile.mkdtemp()
    log = os.path.join(work, 'serial.log')
    binary = QEMU[arch]
    machine = ['-M', 'virt', '-cpu', cpu] if arch == 'aarch64' else []
    start = time.perf_counter()
    qemu = subprocess.Popen([binary, '-accel', 'tcg', '-m', '256', '-nodefaults', '-display', 'none'] + machine +
                            ['-kernel', img['kernel'], '-initrd', img['initrd'], '-append',
                             'console=%s quiet' % img['console'], '-serial', 'file:' + log],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while time.perf_counter() - start < 300:
        if os.path.exists(log) and img['ready_regex'] in open(log, errors='replace').read():
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    qemu.kill()
    qemu.wait()
    return elapsed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--repeat', type=int, default=3)
    args = ap.parse_args()
    # What each part needs: the first-ping comparison an x86_64 guest, the boot times a guest of each arch.
    arches = [arch for arch in ('x86_64', 'aarch64') if shutil.which(QEMU[arch])]
    for arch in set(QEMU) - set(arches):
        print('skipped: the %s guest (%s is not installed; Debian: apt-get install %s)'
              % (arch, QEMU[arch], 'qemu-system-x86' if arch == 'x86_64' else 'qemu-system-arm'))
    if not shutil.which('ansible-playbook'):
        sys.exit('boot.py needs ansible-playbook on PATH (./run-lab or ./run-tests make .venv; then '
                 'PATH=.venv/bin:$PATH)')
    for arch in arches:
        subprocess.run(['ansible', 'localhost', '-m', 'vnetlab.linux.minimal_image', '-a',
                        'arch=%s dest=%s/minimal-%s' % (arch, CACHE, arch)], cwd=ROOT, check=True,
                       capture_output=True)
    if 'x86_64' in arches:
        first_ping(args.repeat)
    if arches:
        print('\nBoot to ready under TCG (median of %d, seconds)' % args.repeat)
    if 'x86_64' in arches:
        print('  %-40s %6.2f' % ('x86_64', statistics.median([boot_time('x86_64') for dummy in range(args.repeat)])))
    if 'aarch64' in arches:
        # aarch64: `-cpu max` emulates architected pointer authentication; vnetlab's default keeps the feature
        # with QEMU's cheap algorithm (qemu.default_cpu)
        slow, fast = [statistics.median([boot_time('aarch64', cpu) for dummy in range(args.repeat)])
                      for cpu in ('max', 'max,pauth-impdef=on')]
        print('  %-40s %6.2f' % ('aarch64, -cpu max', slow))
        print('  %-40s %6.2f   %.1fx faster' % ('aarch64, -cpu max,pauth-impdef=on (default)', fast, slow / fast))
    if not arches:
        sys.exit('nothing measured: no QEMU system emulator is installed')


def first_ping(repeat):
    """Scenario C by hand and by playbook, to the guest's first ping (x86_64)."""
    img = image('x86_64')
    rows = {'bare': [], 'playbook_first_ping': [], 'playbook_qemu': [], 'playbook_total': [], 'floor': []}
    for _ in range(repeat):
        rows['bare'].append(bare(img))
        rows['floor'].append(ansible_floor())
        first, qemu_started, total = with_playbook()
        rows['playbook_first_ping'].append(first)
        rows['playbook_qemu'].append(qemu_started)
        rows['playbook_total'].append(total)
    med = dict((k, statistics.median(v)) for k, v in rows.items())
    print('\nStart to first ping of the guest (TCG, minimal x86_64 image; median of %d, seconds)' % repeat)
    print('  (a) bare qemu + hand-made bridge/TAP : %6.2f' % med['bare'])
    print('  (b) playbooks/nested_vm.yml          : %6.2f   ratio b/a %.2f (goal <= 1.3)'
          % (med['playbook_first_ping'], med['playbook_first_ping'] / med['bare']))
    print('      QEMU started at                    : %6.2f' % med['playbook_qemu'])
    print('      whole playbook (verify, NAT incl.): %6.2f' % med['playbook_total'])
    # a playbook's first ping is at least the soonest its first task can start a process, then the boot
    print('  Ansible floor: first task\'s process at: %6.2f   (a) + floor = %.2fx of (a)'
          % (med['floor'], (med['bare'] + med['floor']) / med['bare']))


if __name__ == '__main__':
    main()
