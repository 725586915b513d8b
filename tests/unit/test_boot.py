"""Records of kernel state are tied to the boot that wrote them (boot.py): one of another boot - a /run
that survived a reboot - is dropped when read. Records of files (guest disks) are not."""
import json
import os

from ansible_collections.vnetlab.linux.plugins.module_utils import boot, ownership
from ansible_collections.vnetlab.linux.plugins.module_utils.guest import qemu
from ansible_collections.vnetlab.linux.plugins.module_utils.objects import sysctl


def test_a_record_is_current_when_stamped_in_this_boot_or_not_stamped(monkeypatch):
    monkeypatch.setenv(boot.TEST_BOOT_ID_ENV, 'boot-b')
    assert boot.current() == 'boot-b'
    assert boot.is_current('boot-b') and boot.is_current('boot-b\n')
    assert not boot.is_current('boot-a')
    assert boot.is_current(None) and boot.is_current('')  # written before records carried a stamp


def test_the_kernels_boot_id_without_the_test_hook(monkeypatch):
    monkeypatch.delenv(boot.TEST_BOOT_ID_ENV, raising=False)
    with open(boot.BOOT_ID) as f:
        assert boot.current() == f.read().strip()


def test_a_sysctl_hold_of_another_boot_is_dropped(monkeypatch, tmp_path):
    monkeypatch.setattr(sysctl, 'SAVED_DIR', str(tmp_path / 'sysctl'))
    monkeypatch.setenv(boot.TEST_BOOT_ID_ENV, 'boot-a')
    sysctl.Held('net.ipv4.ip_forward', None).take('vnetlab:lab1 nat', '1', '1')  # found 1 (set by hand)
    assert sysctl.every_hold() == [('net.ipv4.ip_forward', None, 'vnetlab:lab1 nat')]
    assert sysctl.read_saved('net.ipv4.ip_forward', None) == '1'
    monkeypatch.setenv(boot.TEST_BOOT_ID_ENV, 'boot-b')  # the host rebooted; ip_forward is 0 again
    assert sysctl.read_saved('net.ipv4.ip_forward', None) is None
    assert sysctl.every_hold() == []
    assert not (tmp_path / 'sysctl').exists()
    held = sysctl.Held('net.ipv4.ip_forward', None)
    held.take('vnetlab:lab1 nat', '0', '1')  # this boot's original is recorded afresh
    assert held.original == '0'


def test_an_intent_of_another_boot_is_dropped(monkeypatch, tmp_path):
    monkeypatch.setattr(ownership, 'INTENT_DIR', str(tmp_path / 'intents'))
    monkeypatch.setenv(boot.TEST_BOOT_ID_ENV, 'boot-a')
    ownership.write_intent('lab/x', [('red', None), ('red', 'veth0')])
    assert ownership.read_intent('lab/x') == {('red', None), ('red', 'veth0')}
    monkeypatch.setenv(boot.TEST_BOOT_ID_ENV, 'boot-b')
    assert ownership.every_intent() == {}
    assert ownership.read_intent('lab/x') == set()
    assert not (tmp_path / 'intents').exists()


def test_an_intent_without_a_stamp_is_kept(monkeypatch, tmp_path):
    monkeypatch.setattr(ownership, 'INTENT_DIR', str(tmp_path / 'intents'))
    os.makedirs(ownership.INTENT_DIR)
    with open(ownership._intent_path('lab/x'), 'w') as f:
        json.dump({'run': 'lab/x', 'objects': [['red', None]]}, f)
    assert ownership.read_intent('lab/x') == {('red', None)}


def test_a_guest_configuration_of_another_boot_is_not_read(monkeypatch, tmp_path):
    monkeypatch.setattr(qemu, 'RUN_DIR', str(tmp_path / 'run'))
    monkeypatch.setattr(qemu, 'STATE_DIR', str(tmp_path / 'lib'))
    paths = qemu.Paths('vm0')
    os.makedirs(paths.run)
    monkeypatch.setenv(boot.TEST_BOOT_ID_ENV, 'boot-a')
    qemu.write_config(paths, {'arch': 'x86_64', 'accel': 'kvm'})
    assert qemu.read_config(paths) == {'arch': 'x86_64', 'accel': 'kvm'}  # the stamp is not part of it
    monkeypatch.setenv(boot.TEST_BOOT_ID_ENV, 'boot-b')
    assert qemu.read_config(paths) is None


def test_a_guest_stopped_by_a_reboot_is_found_by_its_disks(monkeypatch, tmp_path):
    monkeypatch.setattr(qemu, 'RUN_DIR', str(tmp_path / 'run'))
    monkeypatch.setattr(qemu, 'STATE_DIR', str(tmp_path / 'lib'))
    os.makedirs(qemu.Paths('vm0').state)  # /run was emptied: only /var/lib/vnetlab/guests/vm0 is left
    os.makedirs(qemu.Paths('vm1').run)
    assert qemu.guest_names() == ['vm0', 'vm1']
