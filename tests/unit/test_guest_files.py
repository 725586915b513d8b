"""What is a guest's process and which image files are ours: decided without a kernel or a QEMU."""
import json
import os

from ansible_collections.vnetlab.linux.plugins.module_utils.guest import images
from ansible_collections.vnetlab.linux.plugins.module_utils.guest.qemu import is_guest_process

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
