"""A real cloud-init guest end to end, through vnetlab.linux.topology: the Debian image built here
(tests/fixtures/debian_image.py) boots under TCG on a lab bridge, takes its address from the lab's dnsmasq,
applies its NoCloud seed (hostname, SSH key of the default user), is reached over SSH from a simulated WAN
namespace through a port forward of the host's "uplink", and answers Ansible; a re-run changes nothing and
the teardown leaves nothing behind."""
import os
import re
import subprocess
import time

from cloud_image import cloud_image, report  # noqa: F401 (cloud_image is a fixture)
from test_nested_vm import residue

LAB, WAN = '10.71.0.%d', '10.72.0.%d'
GUEST_IP = LAB % 10
SSH_OPTIONS = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes',
               '-o', 'ConnectTimeout=5', '-o', 'LogLevel=ERROR']
BOOT_TIMEOUT = 900  # TCG on a busy 2-core machine: a few minutes to SSH; give it room


def keypair(tmp_path):
    key = str(tmp_path / 'id_ed25519')
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'vnetlab-test', '-f', key], check=True)
    with open(key + '.pub') as f:
        return key, f.read().strip()


def topology(names, image, pubkey):
    guest, br, up = names('ci'), names('br'), names('up')
    user_data = '#cloud-config\nhostname: %s\nssh_authorized_keys:\n  - %s\n' % (names('-seeded'), pubkey)
    return {
        'lab': names('lab'),
        'namespaces': [names('wan')],
        'bridges': [{'name': br, 'addresses': [LAB % 1 + '/24']}],
        # the host's simulated uplink: a veth to a namespace playing the internet
        'veths': [{'name': up, 'addresses': [WAN % 1 + '/24'], 'peer': 'eth0', 'peer_netns': names('wan'),
                   'peer_addresses': [WAN % 2 + '/24']}],
        'dhcp': [{'bridge': br, 'hosts': [{'name': guest, 'ip': GUEST_IP}]}],
        'guests': [{'name': guest, 'accel': 'tcg', 'memory': '512M', 'image': image.disk,
                    'kernel': image.kernel, 'initrd': image.initrd, 'append': image.append,
                    'cloud_init': {'user_data': user_data}, 'nics': [{'bridge': br, 'tap': names('tap')}],
                    'wait_for': 'qmp', 'stop_timeout': 1}],
        'forwards': [{'port': 2222, 'to_address': GUEST_IP, 'to_port': 22, 'in_interface': up}],
    }


def ssh_from_wan(names, key, user, command, timeout=60):
    """`command` on the guest, over SSH from the WAN namespace to the uplink's port 2222 (the forward)."""
    argv = ['ip', 'netns', 'exec', names('wan'), 'ssh', '-p', '2222', '-i', key] + SSH_OPTIONS + \
        ['%s@%s' % (user, WAN % 1), command]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)


def wait_for_ssh(names, key, user, started):
    last = None
    while time.monotonic() - started < BOOT_TIMEOUT:
        last = ssh_from_wan(names, key, user, 'true', timeout=30)
        if last.returncode == 0:
            return time.monotonic() - started
        time.sleep(3)
    serial = '/run/vnetlab/guests/%s/serial.log' % names('ci')
    tail = open(serial, errors='replace').read()[-3000:] if os.path.exists(serial) else 'no serial log'
    raise AssertionError('no SSH through the forward within %ds: %s\n%s' % (BOOT_TIMEOUT, last.stderr, tail))


def ansible(tmp_path, key, user, *args):
    inventory = tmp_path / 'inventory.ini'
    inventory.write_text(
        '[lab]\nguest ansible_host=%s ansible_user=%s ansible_ssh_private_key_file=%s '
        'ansible_python_interpreter=/usr/bin/python3 ansible_ssh_common_args="%s"\n'
        % (GUEST_IP, user, key, ' '.join(SSH_OPTIONS)))
    proc = subprocess.run(['ansible', '-i', str(inventory), 'guest'] + list(args), capture_output=True,
                          text=True, timeout=300, check=False, env=dict(os.environ, ANSIBLE_HOST_KEY_CHECKING='False'))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return proc.stdout


def test_cloud_init_guest_end_to_end(run09, names, tmp_path, cloud_image, request):  # noqa: F811
    key, pubkey = keypair(tmp_path)
    topo = topology(names, cloud_image, pubkey)
    user, br = cloud_image.user, names('br')
    before = residue(names, names('ci'))
    try:
        started = time.monotonic()
        built = run09.ok('topology', definition=topo)
        assert built['changed'] and any('forward tcp port 2222' in a for a in built['actions'])
        up_in = wait_for_ssh(names, key, user, started)
        report(request.config, 'cloud-init guest under TCG: SSH through the forward %.0fs after the topology '
                               'task started' % up_in)

        # cloud-init applied the seed: the hostname of the user data, the key of the default user
        status = ssh_from_wan(names, key, user, 'cloud-init status --wait >/dev/null; cloud-init status; '
                                                'hostname; id -un', timeout=600)
        assert status.returncode == 0, status.stderr
        assert status.stdout.split() == ['status:', 'done', names('-seeded'), user], status.stdout

        # the address is the lab dnsmasq's lease (the static one the dhcp section gave the guest)
        inside = ssh_from_wan(names, key, user, 'ip -4 -o addr show scope global; ip route show default; '
                                                'cat /sys/class/net/*/address')
        assert ' %s/24 ' % GUEST_IP in inside.stdout and 'default via %s ' % (LAB % 1) in inside.stdout, inside.stdout
        with open('/run/vnetlab/dhcp/%s/leases' % br) as f:
            lease = [line.split() for line in f if ' %s ' % GUEST_IP in line]
        assert len(lease) == 1 and lease[0][1] in inside.stdout.split(), (lease, inside.stdout)
        with open('/run/vnetlab/dhcp/%s/dnsmasq.log' % br, errors='replace') as f:
            assert re.search(r'DHCPACK\(%s\) %s %s' % (br, re.escape(GUEST_IP), lease[0][1]), f.read())

        # Ansible reaches it (Debian's python3 in the guest), and sudo works without a password
        assert '"ping": "pong"' in ansible(tmp_path, key, user, '-m', 'ping')
        assert 'root' in ansible(tmp_path, key, user, '-b', '-m', 'command', '-a', 'whoami')

        again = run09.ok('topology', definition=topo)
        assert not again['changed'] and again['actions'] == [], again['actions']
    finally:
        gone = run09('topology', definition=topo, state='absent')
    assert not gone.get('failed'), gone.get('msg')
    assert gone['changed']
    assert set(residue(names, names('ci'))) <= set(before)
