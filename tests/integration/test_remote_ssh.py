"""Over real SSH to 127.0.0.1, on the system Python (Debian's python3 and its python3-pyroute2 0.7.x), as on
any remote host: scenario B (converge, re-run changed=0, teardown), and the progress of guests booting."""
import os
import re
import shutil
import socket
import subprocess
import time

import pytest

from conftest import MINIMAL_X86_64, ROOT, ip, link, processes

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


IMAGE = MINIMAL_X86_64
NEEDS_IMAGE = pytest.mark.usefixtures('minimal_x86_64')  # built when missing


def guest(name, tap, bridge, address):
    return {'name': name, 'accel': 'tcg', 'memory': '256M', 'kernel': IMAGE + '/kernel',
            'initrd': IMAGE + '/initrd.img', 'append': 'console=ttyS0 quiet vnetlab.ip=%s' % address,
            'nics': [{'bridge': bridge, 'tap': tap}],
            'wait_for': 'vnetlab-guest-ready', 'wait_timeout': 300, 'stop_timeout': 2}


def play(tmp_path, inventory, name, tasks, check=False):
    import json
    book = tmp_path / (name + '.yml')
    book.write_text(json.dumps([{'name': name, 'hosts': 'labhost', 'gather_facts': False, 'tasks': tasks}]))
    env = dict(os.environ, ANSIBLE_NOCOLOR='1', VNETLAB_TEST_PROGRESS_AFTER='1')  # a boot of a few seconds shows
    proc = subprocess.run(['ansible-playbook', '-i', inventory, str(book)] + (['--check'] if check else []),
                          cwd=ROOT, capture_output=True, text=True, check=False, timeout=900, env=env)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc.stdout


@NEEDS_IMAGE
def test_progress_of_guest_boots_over_ssh(sshd, names, tmp_path):
    """A guest booting under TCG takes a while: over SSH, the lab's and qemu_guest's progress lines are printed
    while the modules run (background jobs polled through the connection), not only when they return; check
    mode runs as usual; afterwards no job, temporary file or process is left on the host."""
    remote_tmp = tmp_path / 'remote-tmp'
    with open(sshd, 'a') as f:  # the host's temporary directory: this test's own, to see that it is left empty
        f.write('      ansible_remote_tmp: %s\n' % remote_tmp)
    lab, br, g1, g2 = names('h14l'), names('h14b'), names('h14g'), names('h14q')
    topo = {'lab': lab, 'bridges': [{'name': br, 'addresses': ['10.76.0.1/24']}],
            'guests': [guest(g1, names('h14t'), br, '10.76.0.11/24')]}
    second = guest(g2, names('h14u'), br, '10.76.0.12/24')
    up = [{'name': 'lab', 'vnetlab.linux.topology': {'definition': topo}},
          {'name': 'guest', 'vnetlab.linux.qemu_guest': second, 'register': 'booted'},
          {'name': 'result', 'ansible.builtin.assert': {'that': [
              'booted.changed', 'booted.pid > 0', 'booted.ansible_job_id is not defined']}}]
    down = [{'name': 'guest', 'vnetlab.linux.qemu_guest': {'name': g2, 'state': 'absent'}},
            {'name': 'lab', 'vnetlab.linux.topology': {'definition': topo, 'state': 'absent'}}]
    dry = play(tmp_path, sshd, 'dry', up[:1], check=True)
    assert 'changed=1' in dry.split('PLAY RECAP')[1] and link(br) is None and 'labhost: lab' not in dry
    try:
        out = play(tmp_path, sshd, 'up', up)
    finally:
        play(tmp_path, sshd, 'down', down)
    lines = re.findall(r"^labhost: lab %s: step (\d+)/(\d+), (\d+) s: guest '%s': wait for guest '%s' "
                       r"\('vnetlab-guest-ready' on its console, up to 300 s\)$" % (lab, g1, g1), out, re.M)
    assert lines, out[-3000:]
    assert re.search(r"^labhost: guest %s: step \d+/\d+, \d+ s: wait for guest '%s' " % (g2, g2), out, re.M), out
    assert link(br) is None
    deadline = time.time() + 15  # async_wrapper removes the module's directory within 5 s of its end
    while time.time() < deadline and os.listdir(remote_tmp):
        time.sleep(0.5)
    assert os.listdir(remote_tmp) == []
    assert not [p for p, cmdline in processes() if str(remote_tmp).encode() in cmdline]
