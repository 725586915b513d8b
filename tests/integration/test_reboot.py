"""What a host reboot does to a lab, simulated on this host (docs/reboot.md): the kernel objects and QEMU go,
/var/lib/vnetlab stays. Two kinds of reboot: one that empties /run (tmpfs, nearly everywhere), and one
where /run survives - its records then describe the previous boot, which a new boot id
(VNETLAB_TEST_BOOT_ID, boot.py) makes the run see. Either way the next plain run rebuilds the lab exactly,
starts the guest on the disk it had (the same overlay file, with what the guest wrote), and a teardown
after a reboot leaves nothing."""
import os
import shutil
import signal
import subprocess
import time

import pytest
from conftest import ip, ipj, link

MARKER = ['-c', 'write -P 0x5a 1M 64k']  # what "the guest" wrote before the reboot


def lab(names, image):
    ns, br, guest = names('n'), names('br'), names('vm')
    return {'lab': names('lab'), 'namespaces': [ns],
            'bridges': [{'name': br, 'addresses': ['10.238.0.1/24']}],
            'veths': [{'name': 'eth0', 'netns': ns, 'addresses': ['10.238.0.2/24'], 'peer': names('h'),
                       'peer_master': br}],
            'guests': [{'name': guest, 'accel': 'tcg', 'memory': '64M', 'image': image, 'wait_for': 'qmp',
                        'wait_timeout': 60, 'stop_timeout': 1, 'nics': [{'bridge': br, 'tap': names('t')}]}]}


def view(topo):
    ns = topo['namespaces'][0]
    out = {'netns': ns in ip('netns', 'list').split()}
    names = [(topo['bridges'][0]['name'], None), (topo['veths'][0]['peer'], None),
             (topo['guests'][0]['nics'][0]['tap'], None)] + ([('eth0', ns)] if out['netns'] else [])
    for name, netns in names:
        x = link(name, netns)
        out[name] = x and (x.get('ifalias'), x.get('master'), 'UP' in x['flags'])
    out['addresses'] = sorted(a['local'] for e in (ipj('addr', 'show', netns=ns) if out['netns'] else [])
                              for a in e.get('addr_info', []) if a.get('scope') == 'global')
    return out


def qemu_pids(guest):
    pidfile = ('/run/vnetlab/guests/%s/qemu.pid' % guest).encode()
    out = []
    for pid in os.listdir('/proc'):
        try:
            with open('/proc/%s/cmdline' % pid, 'rb') as f:
                argv = f.read().split(b'\0')
        except OSError:
            continue
        if os.path.basename(argv[0]).startswith(b'qemu-system-') and pidfile in argv:
            out.append(int(pid))
    return out


def reboot(topo, keep_run):
    """What a reboot does to this lab: QEMU and the kernel objects gone; /run emptied unless keep_run."""
    guest = topo['guests'][0]['name']
    for pid in qemu_pids(guest):
        os.kill(pid, signal.SIGKILL)
    deadline = time.time() + 10
    while qemu_pids(guest) and time.time() < deadline:
        time.sleep(0.05)
    ip('netns', 'del', topo['namespaces'][0], check=False)
    for name in (topo['bridges'][0]['name'], topo['guests'][0]['nics'][0]['tap']):
        ip('link', 'del', name, check=False)
    if not keep_run:
        shutil.rmtree('/run/vnetlab/guests/%s' % guest)
    assert not qemu_pids(guest) and not view(topo)['netns']


@pytest.mark.parametrize('keep_run', [False, True], ids=['run-emptied', 'run-kept'])
def test_the_next_run_after_a_reboot_rebuilds_the_lab_on_the_same_disks(run09, names, tmp_path, keep_run):
    base = tmp_path / 'base.qcow2'
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', str(base), '16M'], check=True)
    topo = lab(names, str(base))
    guest = topo['guests'][0]['name']
    disk = '/var/lib/vnetlab/guests/%s/disk.qcow2' % guest
    try:
        run09.ok('topology', definition=topo)
        reference = view(topo)
        assert reference['netns'] and all(reference.values())
        record = open('/var/lib/vnetlab/guests/%s/disk.json' % guest).read()

        reboot(topo, keep_run)
        subprocess.run(['qemu-io', '-f', 'qcow2'] + MARKER + [disk], check=True, capture_output=True)
        before = os.stat(disk)
        if keep_run:  # the records in /run are of the previous boot
            run09.env = dict(run09.env, VNETLAB_TEST_BOOT_ID='a-new-boot-%s' % names.tag)
        rebuilt = run09.ok('topology', definition=topo)
        assert any("start guest '%s' (x86_64, tcg)" % guest in a for a in rebuilt['actions']), rebuilt['actions']
        assert view(topo) == reference
        after = os.stat(disk)
        assert (after.st_ino, after.st_dev) == (before.st_ino, before.st_dev), 'the overlay was made again'
        assert open('/var/lib/vnetlab/guests/%s/disk.json' % guest).read() == record
        check = subprocess.run(['qemu-io', '-r', '-U', '-f', 'qcow2', '-c', 'read -P 0x5a 1M 64k', disk],
                               capture_output=True, text=True, check=True)
        assert 'Pattern verification failed' not in check.stdout + check.stderr, 'what the guest wrote is gone'
        assert not run09.ok('topology', definition=topo)['changed']

        reboot(topo, keep_run)
        if keep_run:
            run09.env = dict(run09.env, VNETLAB_TEST_BOOT_ID='another-boot-%s' % names.tag)
        gone = run09.ok('topology', definition=topo, state='absent')
        assert any("remove runtime files and disks of guest '%s'" % guest in a for a in gone['actions']), \
            gone['actions']
        assert not os.path.exists('/var/lib/vnetlab/guests/%s' % guest)
        assert not os.path.exists('/run/vnetlab/guests/%s' % guest)
    finally:
        run09('topology', definition=topo, state='absent')
    assert view(topo) == {'netns': False, topo['bridges'][0]['name']: None, topo['veths'][0]['peer']: None,
                          topo['guests'][0]['nics'][0]['tap']: None, 'addresses': []}
