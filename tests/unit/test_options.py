"""Each kind's OPTIONS is the one declaration of its options: the module's argument_spec is OPTIONS itself,
its documentation must describe exactly those options, and the topology section takes them too."""
import ast
import os

import pytest
import yaml

from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import SECTIONS, section_spec
from ansible_collections.vnetlab.linux.plugins.module_utils.objects import (
    address, bridge, dhcp, forward, guest, image, impairment, nat, netns, port_vlan, route, sysctl, veth, vlan)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULES = {'netns': netns, 'bridge': bridge, 'veth': veth, 'address': address, 'route': route, 'sysctl': sysctl,
           'qemu_guest': guest, 'nat_masquerade': nat, 'minimal_image': image, 'dhcp': dhcp,
           'port_forward': forward, 'impairment': impairment, 'vlan': vlan, 'port_vlan': port_vlan}


def documented(module):
    with open(os.path.join(ROOT, 'plugins', 'modules', module + '.py')) as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == 'DOCUMENTATION':
            return yaml.safe_load(node.value.value)['options']
    raise AssertionError('no DOCUMENTATION in %s' % module)


def compare(spec, docs, where):
    assert sorted(spec) == sorted(docs), where
    for name, option in spec.items():
        doc = docs[name]
        for key in ('type', 'default', 'choices', 'elements'):
            assert option.get(key) == doc.get(key), '%s.%s: %s' % (where, name, key)
        assert bool(option.get('required')) == bool(doc.get('required')), '%s.%s: required' % (where, name)
        if 'options' in option:
            compare(option['options'], doc['suboptions'], '%s.%s' % (where, name))


@pytest.mark.parametrize('module', sorted(MODULES))
def test_documentation_describes_the_kinds_options(module):
    compare(MODULES[module].KIND.OPTIONS, documented(module), module)


@pytest.mark.parametrize('section', sorted(SECTIONS))
def test_topology_sections_take_the_kinds_options(section):
    kind = SECTIONS[section][0]
    spec = section_spec(section)
    assert set(spec) - set(kind.SECTION_OPTIONS) <= set(kind.OPTIONS) - {'state'}
    for name in spec:
        if name in kind.OPTIONS:
            assert spec[name] is kind.OPTIONS[name]  # the very same declaration, not a copy
