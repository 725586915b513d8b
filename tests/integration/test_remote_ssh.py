"""Scenario B over real SSH to 127.0.0.1, with become, on the system Python (Debian's python3 and its
python3-pyroute2 0.7.x), as on any remote host: converge, re-run changed=0, teardown."""
import os
import shutil
import socket
import subprocess
import time

import pytest

from conftest import ROOT, ip, link

SSHD = '/usr/sbin/sshd'


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture
def sshd(tmp_path):
    if not os.path.exists(SSHD) or not shutil.which('sudo'):
        pytest.skip('needs openssh-server and sudo (./run-tests installs them)')
    key = tmp_path / 'id'
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', str(key)], check=True)
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', str(tmp_path / 'host')], check=True)
    (tmp_path / 'authorized_keys').write_text((tmp_path / 'id.pub').read_text())
    port = free_port()
    (tmp_path / 'sshd_config').write_text('\n'.join([
        'Port %d' % port, 'ListenAddress 127.0.0.1', 'HostKey %s' % (tmp_path / 'host'),
        'AuthorizedKeysFile %s' % (tmp_path / 'authorized_keys'), 'PermitRootLogin prohibit-password',
        'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no', 'StrictModes no',
        'PidFile %s' % (tmp_path / 'sshd.pid'), 'Subsystem sftp internal-sftp', '']))
    os.makedirs('/run/sshd', exist_ok=True)
    proc = subprocess.Popen([SSHD, '-D', '-e', '-f', str(tmp_path / 'sshd_config')],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 5
    while time.time() < deadline:  # until sshd listens
        try:
            socket.create_connection(('127.0.0.1', port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    inventory = tmp_path / 'inventory.yml'
    inventory.write_text('\n'.join([
        'all:', '  hosts:', '    labhost:', '      ansible_host: 127.0.0.1', '      ansible_port: %d' % port,
        '      ansible_user: root', '      ansible_ssh_private_key_file: %s' % key,
        # discovery would find the pyenv shims on this machine's PATH; a user's host has /usr/bin/python3
        '      ansible_python_interpreter: /usr/bin/python3',
        "      ansible_ssh_common_args: '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'", '']))
    yield str(inventory)
    proc.terminate()
    proc.wait(timeout=10)


def run_playbook(inventory, extra):
    import json
    proc = subprocess.run(['ansible-playbook', '-i', inventory, os.path.join(ROOT, 'playbooks', 'bridge.yml'),
                           '-e', json.dumps(extra)], cwd=ROOT, capture_output=True, text=True, check=False,
                          timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc.stdout


def test_scenario_b_over_ssh_with_become(sshd, names):
    members = [{'netns': names(c), 'host_interface': names('h' + c), 'netns_interface': names('n' + c),
                'address': '10.16.0.%d/24' % (i + 2)} for i, c in enumerate('rb')]
    extra = {'netns_bridge_name': names('br'), 'netns_bridge_members': members}
    out = run_playbook(sshd, extra)
    assert 'labhost' in out and 'Scenario B is up' in out
    assert 'pyroute2' not in out  # no missing-library failure on the 0.7 side
    assert link(names('br'))['linkinfo']['info_kind'] == 'bridge'
    again = run_playbook(sshd, extra)
    assert 'changed=0' in again.split('PLAY RECAP')[1]
    run_playbook(sshd, dict(extra, vnetlab_state='absent'))
    assert link(names('br')) is None
    assert not [n for n in ip('netns', 'list').split('\n') if n.startswith(names(''))]
