"""The collection as another repository uses it: build the tarball, install it into a temporary
path, and run a small playbook from outside this repository by FQCN."""
import os
import shutil
import subprocess
import textwrap

import pytest
import yaml
from conftest import ROOT, link


@pytest.fixture
def collections_path(tmp_path):
    """The only collections path of the test: the installed copy is removed afterwards (pytest keeps the
    tmp_path of its last runs), and ~/.ansible/collections is neither written nor searched."""
    path = tmp_path / 'collections'
    yield path
    shutil.rmtree(str(path), ignore_errors=True)


def test_build_install_and_use_by_fqcn(tmp_path, collections_path, names):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections_path))
    env.pop('ANSIBLE_CONFIG', None)
    subprocess.run(['ansible-galaxy', 'collection', 'build', ROOT, '--output-path', str(tmp_path)],
                   cwd=str(tmp_path), env=env, check=True, capture_output=True)
    with open(os.path.join(ROOT, 'galaxy.yml')) as f:
        version = yaml.safe_load(f)['version']
    tarball = tmp_path / ('vnetlab-linux-%s.tar.gz' % version)
    assert tarball.exists()
    subprocess.run(['ansible-galaxy', 'collection', 'install', str(tarball), '-p', str(collections_path)],
                   cwd=str(tmp_path), env=env, check=True, capture_output=True)
    installed = collections_path / 'ansible_collections' / 'vnetlab' / 'linux'
    assert (installed / 'plugins' / 'modules' / 'veth.py').exists()
    assert not (installed / '.collections').exists()  # the clone-only symlink is not shipped

    ns, a, b = names('ns'), names('a'), names('b')
    (tmp_path / 'play.yml').write_text(textwrap.dedent('''
        - hosts: localhost
          connection: local
          gather_facts: false
          vars:
            ansible_python_interpreter: "{{{{ ansible_playbook_python }}}}"
          tasks:
            - vnetlab.linux.netns: {{name: {ns}}}
            - vnetlab.linux.veth: {{name: {a}, peer: {b}, peer_netns: {ns}}}
            - vnetlab.linux.address: {{interface: {b}, netns: {ns}, addresses: [10.16.0.9/24]}}
            - vnetlab.linux.ping: {{netns: {ns}, targets: [10.16.0.9], count: 1}}
            - vnetlab.linux.netns: {{name: {ns}, state: absent}}
        ''').format(ns=ns, a=a, b=b))
    proc = subprocess.run(['ansible-playbook', '-i', 'localhost,', 'play.yml'], cwd=str(tmp_path), env=env,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    listed = subprocess.run(['ansible-doc', '-l', 'vnetlab.linux'], cwd=str(tmp_path), env=env,
                            capture_output=True, text=True, check=True).stdout
    assert all('vnetlab.linux.%s' % m in listed for m in ('netns', 'veth', 'bridge', 'address', 'route', 'ping'))
    assert link(a) is None
