"""Scenario C: time from start to the guest's first ping reply.

(a) by hand: a bridge and TAP made with `ip` commands, and a bare qemu command line (TCG, the
    same minimal kernel and initramfs), then ping until the guest answers;
(b) `ansible-playbook playbooks/nested_vm.yml` (image already cached, apt step skipped), pinging the
    guest from the host in parallel until it answers.
Also the boot time of minimal x86_64 and aarch64 guests under TCG (start to the ready line on the
serial console). Prints numbers and ratios; asserts nothing. NAT goes out of a simulated uplink.

Run as root from the repository: `python3 benchmarks/boot.py [--repeat N]`.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = '/var/cache/vnetlab/images'
GUEST = '10.66.0.5'


def sh(script, check=True):
    return subprocess.run(['bash', '-c', script], check=check, capture_output=True, text=True)


def ping_until(address, start, timeout=300):
    while time.perf_counter() - start < timeout:
        if subprocess.run(['ping', '-c', '1', '-W', '1', address], capture_output=True, check=False).returncode == 0:
            return time.perf_counter() - start
        time.sleep(0.05)
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
    qemu = subprocess.Popen(['qemu-system-x86_64', '-accel', 'tcg', '-m', '256', '-nodefaults', '-display', 'none',
                             '-kernel', img['kernel'], '-initrd', img['initrd'],
                             '-append', 'console=ttyS0 quiet vnetlab.ip=%s/24 vnetlab.gw=10.66.0.1' % GUEST,
                             '-netdev', 'tap,id=n0,ifname=bmtap0,script=no,downscript=no',
                             '-device', 'virtio-net-pci,netdev=n0', '-serial', 'file:%s/serial.log' % work],
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
    sh('ip link add bmup type veth peer name bmupw; ip addr add 10.67.0.1/24 dev bmup; ip link set bmup up')
    start = time.perf_counter()
    proc = playbook()
    first_ping = ping_until(GUEST, start)
    out = proc.communicate()[0]
    total = time.perf_counter() - start
    if proc.returncode:
        sys.exit(out[-3000:])
    down = playbook('absent')
    down.communicate()
    sh('ip link del bmup', check=False)
    return first_ping, total


FLOOR_PLAY = """- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.ping:
"""


def ansible_floor():
    """The least any playbook costs before a module of ours could start QEMU: `ansible-playbook` with one
    task running the smallest module (ansible.builtin.ping) on this machine, start to exit."""
    with tempfile.NamedTemporaryFile('w', suffix='.yml') as f:
        f.write(FLOOR_PLAY)
        f.flush()
        start = time.perf_counter()
        subprocess.run(['ansible-playbook', f.name], cwd=ROOT, check=True, capture_output=True)
        return time.perf_counter() - start


def boot_time(arch, cpu=None):
    img = image(arch)
    work = tempfile.mkdtemp()
    log = os.path.join(work, 'serial.log')
    binary = 'qemu-system-aarch64' if arch == 'aarch64' else 'qemu-system-x86_64'
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
    for arch in ('x86_64', 'aarch64'):
        subprocess.run(['ansible', 'localhost', '-m', 'vnetlab.linux.minimal_image', '-a',
                        'arch=%s dest=%s/minimal-%s' % (arch, CACHE, arch)], cwd=ROOT, check=True,
                       capture_output=True)
    img = image('x86_64')
    rows = {'bare': [], 'playbook_first_ping': [], 'playbook_total': [], 'floor': []}
    for _ in range(args.repeat):
        rows['bare'].append(bare(img))
        rows['floor'].append(ansible_floor())
        first, total = with_playbook()
        rows['playbook_first_ping'].append(first)
        rows['playbook_total'].append(total)
    med = dict((k, statistics.median(v)) for k, v in rows.items())
    print('\nStart to first ping of the guest (TCG, minimal x86_64 image; median of %d, seconds)' % args.repeat)
    print('  (a) bare qemu + hand-made bridge/TAP : %6.2f' % med['bare'])
    print('  (b) playbooks/nested_vm.yml          : %6.2f   ratio b/a %.2f (goal <= 1.3)'
          % (med['playbook_first_ping'], med['playbook_first_ping'] / med['bare']))
    print('      whole playbook (verify, NAT incl.): %6.2f' % med['playbook_total'])
    # a playbook's first ping is at least its own start and one module run, then the guest's boot
    print('  Ansible floor: a play of one ping task : %6.2f   (a) + floor = %.2fx of (a)'
          % (med['floor'], (med['bare'] + med['floor']) / med['bare']))
    print('\nBoot to ready under TCG (median of %d, seconds)' % args.repeat)
    print('  %-40s %6.2f' % ('x86_64', statistics.median([boot_time('x86_64') for dummy in range(args.repeat)])))
    # aarch64: `-cpu max` emulates architected pointer authentication; vnetlab's default keeps the feature
    # with QEMU's cheap algorithm (qemu.default_cpu)
    slow, fast = [statistics.median([boot_time('aarch64', cpu) for dummy in range(args.repeat)])
                  for cpu in ('max', 'max,pauth-impdef=on')]
    print('  %-40s %6.2f' % ('aarch64, -cpu max', slow))
    print('  %-40s %6.2f   %.1fx faster' % ('aarch64, -cpu max,pauth-impdef=on (default)', fast, slow / fast))


if __name__ == '__main__':
    main()
