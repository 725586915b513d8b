"""playbooks/nested_vm_guest_play.yml on the Debian cloud-init test image: the nested_vm role gives the
guest an SSH key through the NoCloud seed and adds it to the inventory, and the playbook's second play
reaches it over SSH (hostname set by cloud-init, a module run with the guest's Python). A re-run changes
nothing on the lab host; the teardown leaves nothing behind."""
import json
import os
import re
import subprocess

# cloud_image is a fixture: imported so that pytest finds it here
from cloud_image import cloud_image, debian_image  # noqa: F401  # pylint: disable=unused-import
from conftest import ROOT
from test_nested_vm import residue


def playbook(extra):
    proc = subprocess.run(['ansible-playbook', os.path.join(ROOT, 'playbooks', 'nested_vm_guest_play.yml'),
                           '-e', json.dumps(extra)], cwd=ROOT, capture_output=True, text=True, check=False,
                          timeout=1800)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    return proc.stdout


def recap(out, host):
    line = next(x for x in out.split('PLAY RECAP')[1].splitlines() if x.startswith(host + ' '))
    return dict((k, int(v)) for k, v in re.findall(r'(\w+)=(\d+)', line))


def test_a_later_play_configures_the_guest(run09, names, tmp_path, cloud_image):  # noqa: F811
    key = str(tmp_path / 'id_ed25519')
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', key], check=True, timeout=30)
    with open(key + '.pub') as f:
        pubkey = f.read().strip()
    guest = names('gp')
    extra = {
        'prerequisites_install_packages': False, 'nested_vm_bridge': names('br'),
        'nested_vm_bridge_address': '10.73.0.1/24', 'nested_vm_lab_network': '10.73.0.0/24',
        'nested_vm_guest_name': guest, 'nested_vm_guest_tap': names('tap'),
        'nested_vm_guest_address': '10.73.0.5/24', 'nested_vm_guest_accel': 'tcg', 'nested_vm_guest_memory': '512M',
        'nested_vm_namespace': names('navy'), 'nested_vm_namespace_host_interface': names('vb'),
        'nested_vm_namespace_interface': names('vn'), 'nested_vm_namespace_address': '10.73.0.2/24',
        'nested_vm_nat': False, 'nested_vm_verify': False, 'nested_vm_guest_stop_timeout': 1,
        'nested_vm_image_type': 'path', 'guest_image_path': cloud_image.disk,
        'guest_image_kernel': cloud_image.kernel, 'guest_image_initrd': cloud_image.initrd,
        'guest_image_append': cloud_image.append, 'guest_image_ready_regex': debian_image.READY_REGEX,
        'nested_vm_guest_wait_timeout': 900,
        'nested_vm_guest_ssh_keys': [pubkey], 'nested_vm_guest_ssh_user': cloud_image.user,
        'nested_vm_guest_private_key_file': key, 'guest_has_python': True, 'guest_ssh_timeout': 900,
    }
    try:
        out = playbook(extra)
        assert recap(out, guest)['failed'] == 0 and recap(out, guest)['ok'] >= 4, out[-3000:]
        assert 'answers over SSH, kernel Linux' in out
        again = playbook(extra)
        assert recap(again, 'localhost')['changed'] == 0, again[-3000:]
    finally:
        playbook(dict(extra, vnetlab_state='absent'))
    assert residue(names, guest) == []
