"""The CPU model a guest gets when none is asked for (qemu.default_cpu) and what a re-run keeps."""
from ansible_collections.vnetlab.linux.plugins.module_utils.guest import qemu
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.guest import Guest


def test_defaults():
    assert qemu.default_cpu('x86_64', 'kvm') == 'host'
    assert qemu.default_cpu('aarch64', 'kvm') == 'host'
    assert qemu.default_cpu('x86_64', 'tcg') == 'max'
    assert qemu.default_cpu('aarch64', 'tcg') == 'max,pauth-impdef=on'


def declared(**over):
    d = dict(arch='aarch64', accel='tcg', cpu=None, image=None, kernel=None, initrd=None, firmware=None,
             machine=None, memory_mib=256, smp=1, disk_size=None, append='', cloud_init=None, nic_list=[])
    d.update(over)
    return d


def test_a_new_aarch64_guest_under_tcg_gets_cheap_pointer_authentication():
    cfg, _reason = Guest._config(declared(), None)
    assert cfg['cpu'] == 'max,pauth-impdef=on'


def test_a_guest_started_with_the_old_default_keeps_it():
    cfg, _reason = Guest._config(declared(), {'arch': 'aarch64', 'accel': 'tcg', 'cpu': 'max'})
    assert cfg['cpu'] == 'max'  # else every re-run after an upgrade would want a restart


def test_an_asked_for_cpu_wins():
    assert Guest._config(declared(cpu='cortex-a57'), {'accel': 'tcg', 'cpu': 'max'})[0]['cpu'] == 'cortex-a57'
    assert Guest._config(declared(accel='kvm'), {'accel': 'tcg', 'cpu': 'max'})[0]['cpu'] == 'host'
