"""The topology format: validation with key paths and line numbers, normalisation, views (no kernel)."""
import ipaddress
import os

import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import (
    TopologyError, load_yaml, normalize, render_path)
from ansible_collections.vnetlab.linux.plugins.module_utils.lab import view as topology_view

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def check(text):
    data, positions = load_yaml(text, source='lab.yml')
    return normalize(data, positions, source='lab.yml')


def error(text):
    with pytest.raises(TopologyError) as e:
        check(text)
    return str(e.value)


GOOD = """\
lab: t1
namespaces: [red, {name: blue}]
bridges:
  - name: br0
    addresses: [10.16.0.1/24]
veths:
  - name: veth-red
    netns: red
    addresses: 10.16.0.2/24
    peer: vr-br
    peer_master: br0
routes:
  - netns: red
    destination: default
    gateway: 10.16.0.1
"""


def test_normalize_fills_every_key_and_parses_values():
    topo = check(GOOD)
    assert [n['name'] for n in topo['namespaces']] == ['red', 'blue']
    veth = topo['veths'][0]
    assert veth['addresses'] == [ipaddress.ip_interface('10.16.0.2/24')]  # a single string is a list of one
    assert veth['peer_netns'] is None and veth['peer_addresses'] is None  # None: not managed
    assert topo['routes'][0]['dst'] is None  # default
    assert topo['routes'][0]['gw'] == ipaddress.ip_address('10.16.0.1')


@pytest.mark.parametrize('path', ['scenario_a.yml', 'scenario_b.yml', 'scenario_c.yml'])
def test_examples_are_valid(path):
    with open(os.path.join(ROOT, 'examples', path)) as f:
        topo = check(f.read())
    assert topo['lab'].startswith('scenario-')


@pytest.mark.parametrize('text,where,what', [
    ('lab: Bad Name\n', 'lab.yml line 1: lab:', 'lower-case'),
    ('lab: x\nnamspaces: []\n', 'line 2: namspaces:', "unknown key 'namspaces'"),
    ('lab: x\nnamespaces: [a, a]\n', 'namespaces[1].name', 'declared twice'),
    ('lab: x\nnamespaces: [a]\nveths:\n  - name: v1\n    peer: v2\n    peer_netns: b\n',
     'line 6: veths[0].peer_netns', "'b' is not declared"),
    ('lab: x\nveths:\n  - name: v1\n    peer: vethnameistoolong\n', 'line 4: veths[0].peer', '17 bytes'),
    ('lab: x\nveths:\n  - name: v1\n', 'line 3: veths[0].peer', "'peer' is required"),
    ('lab: x\nveths:\n  - {name: v1, peer: v2, mtu: 20}\n', 'veths[0].mtu', 'out of range'),
    ('lab: x\nbridges: [{name: b}]\nveths:\n  - {name: b, peer: v2}\n', 'veths[0].name',
     'already declared at bridges[0].name'),
    ('lab: x\nveths:\n  - {name: v1, peer: v2, addresses: [10.0.0.1]}\n', 'veths[0].addresses', 'needs a prefix'),
    ('lab: x\nveths:\n  - {name: v1, peer: v2, addresses: [10.0.0.1/24], peer_addresses: [10.0.0.1/24]}\n',
     'veths[0].peer_addresses[0]', 'already declared'),
    ('lab: x\nnamespaces: [r]\nveths:\n  - {name: v1, netns: r, peer: v2, addresses: [10.0.0.1/24]}\n'
     'routes:\n  - {netns: r, destination: default, gateway: 10.9.0.1}\n',
     'line 6: routes[0].gateway', 'not on any subnet declared'),
    ('lab: x\nroutes:\n  - {destination: 10.1.0.0/16}\n', 'routes[0]', 'gateway and/or a device'),
    ('lab: x\nroutes:\n  - {destination: 10.1.0.1/16, device: d}\n', 'routes[0].destination', 'host bits'),
    ('lab: x\nlab: y\n', 'line 2: lab', "duplicate key 'lab'"),
    ('lab: x\nveths: {name: a}\n', 'veths', 'must be a list'),
    ('lab: [x\n', 'lab.yml line', 'not valid YAML'),
    ('', 'lab.yml', 'empty'),
    ('lab: x\nguests:\n  - name: vm0\n    memroy: 1G\n', 'line 4: guests[0].memroy',
     'options of vnetlab.linux.qemu_guest'),
    ('lab: x\nguests:\n  - name: vm0\n    smp: many\n', 'line 4: guests[0].smp', 'smp'),
    ('lab: x\nguests:\n  - {name: vm0, nics: [{tap: t0}]}\n', 'guests[0]', 'bridge'),
    ('lab: x\nguests:\n  - {name: vm0, state: stopped}\n', 'guests[0].state', 'unknown key'),
    ('lab: x\nnat:\n  - {source: 10.1.0.0/24}\n  - {source: 10.1.0.0/24}\n', 'line 4: nat[1]', 'already declared'),
    ('lab: x\nnat: {source: 10.1.0.0/24}\n', 'nat', 'must be a list'),
])
def test_errors_name_the_key_and_line(text, where, what):
    message = error(text) if text and not text.startswith('lab: [') else _any_error(text)
    assert where in message and what in message, message


def _any_error(text):
    with pytest.raises(Exception) as e:
        check(text)
    return str(e.value)


def test_dict_input_without_positions_names_the_key():
    with pytest.raises(TopologyError) as e:
        normalize({'lab': 'x', 'veths': [{'name': 'a', 'peer': 'b', 'master_bridge': 'br'}]}, source='definition')
    assert str(e.value).startswith('definition: veths[0].master_bridge: unknown key')


def test_guests_and_nat_get_their_modules_defaults():
    topo = check('lab: x\nguests:\n  - {name: vm0, kernel: /k, nics: [{bridge: br0}]}\nnat:\n  - source: 10.1.0.0/24\n')
    guest = topo['guests'][0]
    assert guest['memory'] == '512M' and guest['accel'] == 'auto' and guest['wait_for'] == 'qmp'
    assert guest['nics'] == [{'bridge': 'br0', 'tap': None, 'mac': None, 'model': 'virtio-net-pci',
                              'mtu': None}]
    assert guest['state'] == 'running'  # what a present lab wants of its guests
    nat = topo['nat'][0]
    want = ('10.1.0.0/24', None, 'auto', 'present')
    assert (nat['source'], nat['out_interface'], nat['backend'], nat['state']) == want


def test_render_path():
    assert render_path(('veths', 3, 'peer_netns')) == 'veths[3].peer_netns'


def test_views_predict_the_lab_after_a_build():
    topo = check(GOOD)
    before = topology_view.before(topo, {None: {'links': {}, 'addresses': {}, 'routes': None}}, set())
    after = topology_view.after(topo, before, 'present', prune=False)
    assert before['namespaces'] == [] and before['links'] == {}
    assert after['namespaces'] == ['blue', 'red']
    assert after['links']['red/veth-red'] == {'kind': 'veth', 'up': True, 'mtu': 1500, 'master': None,
                                              'owned': True, 'addresses': ['10.16.0.2/24']}
    assert after['links']['host/vr-br']['master'] == 'br0' and 'addresses' not in after['links']['host/vr-br']
    assert after['routes'] == {'red': ['default via 10.16.0.1 metric 0']}
    gone = topology_view.after(topo, after, 'absent', prune=False)
    assert gone['namespaces'] == [] and gone['links'] == {} and gone['routes'] == {}
