"""What is a guest's process and which image files are ours: decided without a kernel or a QEMU."""
import json
import os

from ansible_collections.vnetlab.linux.plugins.module_utils.guest import images
from ansible_collections.vnetlab.linux.plugins.module_utils.guest.qemu import Paths, build_argv, is_guest_process

PIDFILE = '/run/vnetlab/guests/vm0/qemu.pid'


def test_a_guest_is_a_qemu_system_binary_with_exactly_our_pidfile():
    ours = b'\0'.join([b'/usr/bin/qemu-system-x86_64', b'-name', b'vm0', b'-pidfile', PIDFILE.encode(), b''])
    assert is_guest_process(ours, PIDFILE)
    assert not is_guest_process(b'watch\0cat\0' + PIDFILE.encode() + b'\0', PIDFILE)  # merely mentions it
    assert not is_guest_process(ours.replace(b'qemu-system-x86_64', b'python3'), PIDFILE)
    assert not is_guest_process(ours.replace(b'vm0/qemu.pid', b'vm0/qemu.pid.old'), PIDFILE)
    assert not is_guest_process(ours, '/run/vnetlab/guests/vm1/qemu.pid')


def test_image_removal_takes_only_what_the_manifest_lists(tmp_path):
    dest = tmp_path / 'cache'
    dest.mkdir()
    for name in ('kernel', 'initrd.img', 'someone-elses.qcow2'):
        (dest / name).write_text(name)
    (dest / 'manifest.json').write_text(json.dumps({'files': ['kernel', 'initrd.img', 'manifest.json'],
                                                    'made_dest': True}))
    images.remove_image(str(dest))
    assert sorted(os.listdir(dest)) == ['someone-elses.qcow2']  # and dest stays, since it is not empty


def test_image_removal_removes_a_directory_it_made_once_empty(tmp_path):
    dest = tmp_path / 'cache'
    dest.mkdir()
    (dest / 'kernel').write_text('k')
    (dest / 'manifest.json').write_text(json.dumps({'files': ['kernel', 'manifest.json', '../../etc/passwd'],
                                                    'made_dest': True}))
    images.remove_image(str(dest))
    assert not dest.exists()


def test_a_nic_mtu_is_offered_to_a_virtio_guest():
    """QEMU's host_mtu: the guest's virtio_net driver takes it; another NIC model has no such property."""
    cfg = {'arch': 'x86_64', 'machine': 'pc', 'accel': 'tcg', 'cpu': 'max', 'memory_mib': 256, 'smp': 1,
           'image': None, 'cloud_init': None, 'kernel': '/k', 'initrd': None, 'append': None,
           'nics': [{'tap': 't0', 'mac': '52:54:00:00:00:01', 'model': 'virtio-net-pci', 'mtu': 1450},
                    {'tap': 't1', 'mac': '52:54:00:00:00:02', 'model': 'e1000', 'mtu': 1450},
                    {'tap': 't2', 'mac': '52:54:00:00:00:03', 'model': 'virtio-net-pci'}]}
    argv = build_argv('g', cfg, Paths('g'))
    devices = [argv[i + 1] for i, a in enumerate(argv) if a == '-device']
    assert devices == ['virtio-net-pci,netdev=net0,mac=52:54:00:00:00:01,host_mtu=1450',
                       'e1000,netdev=net1,mac=52:54:00:00:00:02', 'virtio-net-pci,netdev=net2,mac=52:54:00:00:00:03']
