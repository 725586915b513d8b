"""topology's action plugin reads a vault-encrypted topology file on the controller through Ansible's loader:
a real play with --vault-password-file builds and removes the lab; without the password it fails first."""
import subprocess

from conftest import ROOT, ip, link

PLAY = """- hosts: localhost
  gather_facts: false
  tasks:
    - vnetlab.linux.topology:
        src: %s
        state: "{{ lab_state | default('present') }}"
"""


def netns_list():
    return [n.split(' ')[0] for n in ip('netns', 'list').split('\n') if n]


def play(tmp_path, *args):
    return subprocess.run(['ansible-playbook', str(tmp_path / 'play.yml')] + list(args), cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)


def test_vaulted_topology_file(names, tmp_path):
    red, blue = names('red'), names('blue')
    lab = tmp_path / 'lab.yml'
    lab.write_text('lab: %s\nnamespaces: [%s, %s]\nveths:\n'
                   '  - {name: %s, netns: %s, peer: %s, peer_netns: %s, addresses: [10.16.0.2/24]}\n'
                   % (names('lab'), red, blue, names('r'), red, names('b'), blue))
    secret = tmp_path / 'pass'
    secret.write_text('lab secret\n')
    subprocess.run(['ansible-vault', 'encrypt', '--vault-password-file', str(secret), str(lab)],
                   check=True, capture_output=True, timeout=60, cwd=ROOT)
    assert lab.read_text().startswith('$ANSIBLE_VAULT')
    (tmp_path / 'play.yml').write_text(PLAY % lab)

    locked = play(tmp_path)
    assert locked.returncode != 0 and 'vault' in (locked.stdout + locked.stderr).lower()
    assert red not in netns_list()  # failed before anything was built

    up = play(tmp_path, '--vault-password-file', str(secret))
    assert up.returncode == 0, up.stdout[-3000:] + up.stderr[-2000:]
    assert link(names('r'), netns=red)['ifalias'] == 'vnetlab:' + names('lab')

    down = play(tmp_path, '--vault-password-file', str(secret), '-e', 'lab_state=absent')
    assert down.returncode == 0, down.stdout[-3000:] + down.stderr[-2000:]
    assert red not in netns_list() and blue not in netns_list()
