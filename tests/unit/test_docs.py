"""Every module's documentation renders with ansible-doc, declares what it supports through exactly one
kind of doc fragment (resource, info, facts, action), and its `seealso` names modules that exist."""
import ast
import json
import os
import subprocess

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE_DIR = os.path.join(ROOT, 'plugins', 'modules')
MODULES = sorted(f[:-3] for f in os.listdir(MODULE_DIR) if f.endswith('.py'))
KINDS = {'vnetlab.linux.resource', 'vnetlab.linux.info', 'vnetlab.linux.facts', 'vnetlab.linux.action'}


def raw_documentation(module):
    with open(os.path.join(MODULE_DIR, module + '.py')) as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == 'DOCUMENTATION':
            return yaml.safe_load(node.value.value)
    raise AssertionError('no DOCUMENTATION in %s' % module)


@pytest.fixture(scope='module')
def rendered():
    """ansible-doc's view (fragments merged), through the clone's ansible.cfg (.collections)."""
    proc = subprocess.run(['ansible-doc', '--json'] + ['vnetlab.linux.' + m for m in MODULES],
                          capture_output=True, text=True, cwd=ROOT, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.mark.parametrize('module', MODULES)
def test_renders_with_attributes(rendered, module):
    doc = rendered['vnetlab.linux.' + module]['doc']
    assert {'check_mode', 'diff_mode', 'platform'} <= set(doc['attributes'])
    assert doc['attributes']['platform']['platforms'] == 'linux'


@pytest.mark.parametrize('module', MODULES)
def test_one_kind_of_fragment(module):
    fragments = raw_documentation(module)['extends_documentation_fragment']
    assert len(KINDS.intersection(fragments)) == 1, fragments


@pytest.mark.parametrize('module', MODULES)
def test_seealso_names_existing_modules(rendered, module):
    doc = rendered['vnetlab.linux.' + module]['doc']
    targets = [s['module'] for s in doc.get('seealso', []) if 'module' in s]
    assert targets, 'link %s to its related modules (seealso)' % module
    for target in targets:
        assert target.startswith('vnetlab.linux.') and target[len('vnetlab.linux.'):] in MODULES, target


def test_facts_module_declares_facts(rendered):
    attributes = rendered['vnetlab.linux.lab_facts']['doc']['attributes']
    assert attributes['facts']['support'] == 'full'
    assert attributes['diff_mode']['support'] == 'N/A'


def test_topology_declares_its_action_plugin(rendered):
    doc = rendered['vnetlab.linux.topology']['doc']
    assert doc['has_action'] and doc['attributes']['action']['support'] == 'full'
