"""docs/use-from-your-repo.md, done: another repository installs the built collection and uses it.

The page's fenced blocks marked title="<path>" are that repository's files. The test writes them as they
are into an empty temporary directory, so the page cannot drift from what works. It adds one file of its
own, inventory/host_vars/localhost.yml, which renames the lab to this test's unique `vt` names (host vars
win over the page's group vars). Then it runs the page's commands there: it builds the tarball into
vendor/, installs it into ./collections, runs the playbook up, again (changed=0) and down, and runs
`molecule test` in a checkout without ./collections (its dependency step installs the collection). It also
installs the page's other requirements.yml, the one that names a clone by its path.

Nothing points at this clone except the tools. The commands run in the temporary repository with a
temporary ANSIBLE_HOME and no ANSIBLE_CONFIG, and without a variable that names this clone, other than
PATH's entry for the virtualenv that holds ansible-core and molecule. No copy of the collection may land in
~/.ansible/collections or in ANSIBLE_HOME.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

import pytest
import yaml
from conftest import ROOT, ip

DOC = os.path.join(ROOT, 'docs', 'use-from-your-repo.md')
FILE_BLOCK = re.compile(r'^```\w+ title="([^"]+)"\n(.*?)^```[ \t]*$', re.M | re.S)
ANY_YAML_BLOCK = re.compile(r'^( *)```yaml[^\n]*\n(.*?)^\1```[ \t]*$', re.M | re.S)
HOME_COPY = os.path.expanduser('~/.ansible/collections/ansible_collections/vnetlab')
# The page's commands, run as the page writes them.
INSTALL = ['ansible-galaxy', 'collection', 'install', '-r', 'requirements.yml', '-p', './collections']
UP = ['ansible-playbook', 'playbooks/lab.yml']
DOWN = UP + ['-e', 'vnetlab_state=absent']
MOLECULE = ['molecule', 'test']


def doc_files():
    with open(DOC) as f:
        text = f.read()
    return text, dict(FILE_BLOCK.findall(text))


def netns_list():
    return [n.split(' ')[0] for n in ip('netns', 'list').split('\n') if n]


def run(cmd, repo, env, timeout=300):
    proc = subprocess.run(cmd, cwd=str(repo), env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)
    assert proc.returncode == 0, '%s (rc %s):\n%s\n%s' % (
        ' '.join(cmd), proc.returncode, proc.stdout[-4000:], proc.stderr[-3000:])
    return proc


def recap(stdout):
    found = re.search(r'localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)', stdout)
    assert found, stdout[-3000:]
    return {'changed': int(found.group(2)), 'failed': int(found.group(4))}


def outside_env(repo, ansible_home):
    """os.environ without what names this clone or configures Ansible or molecule, plus the page's setup."""
    env = {k: v for k, v in os.environ.items()
           if ROOT not in v and not k.startswith(('ANSIBLE_', 'MOLECULE_')) and k not in ('PYTHONPATH', 'VIRTUAL_ENV')}
    tools = os.path.dirname(sys.executable)  # this virtualenv's ansible-core and molecule
    path = [p for p in os.environ.get('PATH', os.defpath).split(os.pathsep) if p and not p.startswith(ROOT)]
    env.update(PATH=os.pathsep.join([tools] + path), ANSIBLE_HOME=str(ansible_home),
               ANSIBLE_COLLECTIONS_PATH=str(repo / 'collections'), NO_COLOR='1', ANSIBLE_NOCOLOR='1',
               PY_COLORS='0')
    return env


@pytest.fixture
def workdir(tmp_path):
    """The temporary repository and ANSIBLE_HOME. The installed copies are removed afterwards, because pytest
    keeps the tmp_path of its last runs."""
    assert not str(tmp_path).startswith(ROOT + os.sep)  # else molecule would find this clone's .git
    yield tmp_path
    for path in ('repo/collections', 'clone-install', 'ansible-home'):
        shutil.rmtree(str(tmp_path / path), ignore_errors=True)


def test_a_repository_of_its_own_uses_the_built_collection(workdir, names):
    text, files = doc_files()
    for path in ('requirements.yml', 'ansible.cfg', 'inventory/hosts.yml', 'inventory/group_vars/labhosts.yml',
                 'playbooks/lab.yml', 'molecule/default/molecule.yml', 'molecule/default/converge.yml',
                 'molecule/default/verify.yml', 'molecule/default/destroy.yml'):
        assert path in files, 'docs/use-from-your-repo.md has no block with title="%s"' % path
    for cmd in (INSTALL, UP, DOWN, MOLECULE):
        assert ' '.join(cmd) in text, 'docs/use-from-your-repo.md no longer says `%s`' % ' '.join(cmd)

    repo, home = workdir / 'repo', workdir / 'ansible-home'
    home_copy_before = os.path.exists(HOME_COPY)
    for path, body in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(body)
    inventory = yaml.safe_load(files['inventory/hosts.yml'])
    assert 'localhost' in inventory['labhosts']['hosts']
    lab = {'veth_pair_a_netns': names('app'), 'veth_pair_a_interface': names('a'),
           'veth_pair_b_netns': names('db'), 'veth_pair_b_interface': names('b'),
           'lab_isolated_netns': names('iso')}
    page_vars = yaml.safe_load(files['inventory/group_vars/labhosts.yml'])
    assert set(lab) <= set(page_vars) and page_vars['prerequisites_install_packages'] is False
    (repo / 'inventory' / 'host_vars').mkdir()
    (repo / 'inventory' / 'host_vars' / 'localhost.yml').write_text(yaml.safe_dump(lab))
    env = outside_env(repo, home)

    # (1) the tarball, built where requirements.yml says it is
    tarball = yaml.safe_load(files['requirements.yml'])['collections'][0]['name']
    run(['ansible-galaxy', 'collection', 'build', ROOT, '--output-path', 'vendor'], repo, env)
    with open(os.path.join(ROOT, 'galaxy.yml')) as f:
        built = 'vendor/vnetlab-linux-%s.tar.gz' % yaml.safe_load(f)['version']
    assert (repo / built).exists()
    named = set(re.findall(r'vnetlab-linux-[^\s/]*\.tar\.gz', text)) | {os.path.basename(tarball)}
    assert tarball == built and named == {os.path.basename(built)}, (
        'docs/use-from-your-repo.md names %s (requirements.yml: %s), galaxy.yml builds %s: update the page'
        % (sorted(named), tarball, built))

    # (2) installed into the repository; its ansible.cfg alone (no ANSIBLE_COLLECTIONS_PATH) finds that copy
    run(INSTALL, repo, env)
    assert (repo / 'collections/ansible_collections/vnetlab/linux/plugins/modules/netns.py').exists()
    no_acp = {k: v for k, v in env.items() if k != 'ANSIBLE_COLLECTIONS_PATH'}
    listed = json.loads(run(['ansible-galaxy', 'collection', 'list', 'vnetlab.linux', '--format', 'json'],
                            repo, no_acp).stdout)
    found_in = [path for path, found in listed.items() if 'vnetlab.linux' in found]
    assert found_in == [str(repo / 'collections' / 'ansible_collections')], listed

    # (3) the playbook: up, again, down
    up = run(UP, repo, env).stdout
    assert recap(up)['changed'] > 0
    assert {names('app'), names('db'), names('iso')} <= set(netns_list())
    joined = '%s/%s (10.16.1.2/24) is joined to %s/%s; up: True' % (names('app'), names('a'), names('db'), names('b'))
    assert joined in up
    assert recap(run(UP, repo, env).stdout)['changed'] == 0
    assert recap(run(DOWN, repo, env).stdout)['changed'] > 0
    assert not [n for n in netns_list() if n.startswith(names.tag)]

    # (4) molecule test: dependency, destroy, syntax, converge, idempotence, verify, destroy - from a checkout
    # without ./collections, as in CI: its dependency step installs requirements.yml there
    shutil.rmtree(str(repo / 'collections'))
    proc = run(MOLECULE, repo, env, timeout=600)
    out = proc.stdout + proc.stderr  # molecule reports its steps on stderr
    for step in ('dependency', 'converge', 'idempotence', 'verify', 'destroy'):
        assert re.search(r'default\W+%s\W+Executed: Successful' % step, out), out[-4000:]
    assert "Installing 'vnetlab.linux:" in out
    assert (repo / 'collections/ansible_collections/vnetlab/linux/plugins/modules/netns.py').exists()
    assert not [n for n in netns_list() if n.startswith(names.tag)]

    # (5) the clone-path variant of requirements.yml installs too
    clone_variant = [textwrap.dedent(body) for _indent, body in ANY_YAML_BLOCK.findall(text) if 'type: dir' in body]
    assert len(clone_variant) == 1, 'docs/use-from-your-repo.md should show one requirements.yml of a clone by path'
    clone_requirements = yaml.safe_load(clone_variant[0])
    assert clone_requirements == {'collections': [{'name': '../vnetlab', 'type': 'dir'}]}, clone_requirements
    clone_requirements['collections'][0]['name'] = ROOT
    (workdir / 'clone-requirements.yml').write_text(yaml.safe_dump(clone_requirements))
    # outside the repository: there, the copy in its ./collections would count as installed already
    run(['ansible-galaxy', 'collection', 'install', '-r', 'clone-requirements.yml', '-p', 'clone-install'],
        workdir, no_acp)
    from_clone = workdir / 'clone-install/ansible_collections/vnetlab/linux'
    assert (from_clone / 'roles/veth_pair/tasks/main.yml').exists() and not (from_clone / '.collections').exists()

    # nothing was installed outside the repository
    assert not os.path.exists(home / 'collections/ansible_collections/vnetlab')
    if not home_copy_before:
        assert not os.path.exists(HOME_COPY), 'a copy of the collection appeared in %s' % HOME_COPY
