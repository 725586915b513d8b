"""The Jinja2 tests interface_cidr, network_cidr and ip_address (plugins/test): what they accept and refuse,
that they are the modules' own checks (validate.py), and that Ansible finds them by their FQCN."""
import json
import os
import subprocess

import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils.validate import (
    ParamError, parse_host_cidr, parse_interface_cidr, passes)
from ansible_collections.vnetlab.linux.plugins.test.interface_cidr import TestModule as InterfaceTests
from ansible_collections.vnetlab.linux.plugins.test.interface_cidr import interface_cidr
from ansible_collections.vnetlab.linux.plugins.test.ip_address import TestModule as AddressTests
from ansible_collections.vnetlab.linux.plugins.test.ip_address import ip_address
from ansible_collections.vnetlab.linux.plugins.test.network_cidr import TestModule as NetworkTests
from ansible_collections.vnetlab.linux.plugins.test.network_cidr import network_cidr

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOT_STRINGS = [None, 10, 10.5, True, [], {}, ['10.16.0.1/24']]


@pytest.mark.parametrize('good', ['10.16.0.1/24', '10.16.0.254/24', '10.16.0.5/8', '192.168.1.1/32',
                                  '10.16.0.0/31', '10.16.0.1/31', '10.16.0.0/32', 'fd00:16::1/64',
                                  'fd00:16::/64', '::1/128', ' 10.16.0.1/24 '])
def test_interface_cidr_accepts(good):
    assert interface_cidr(good) is True


@pytest.mark.parametrize('bad', ['10.16.0.1/33', '10.16.0.300/24', '10.16.0.1', '10.16.0.1/', '/24', 'x/24',
                                 '10.16.0.0/24', '10.16.0.255/24', '10.0.0.0/8', '10.255.255.255/8',
                                 'fd00:16::1/129', 'fd00:16::1', '', 'default'] + NOT_STRINGS)
def test_interface_cidr_refuses(bad):
    assert interface_cidr(bad) is False


@pytest.mark.parametrize('good', ['10.16.0.0/24', '10.0.0.0/8', '0.0.0.0/0', '10.16.0.1/32', 'fd00:16::/64',
                                  '::/0'])
def test_network_cidr_accepts(good):
    assert network_cidr(good) is True


@pytest.mark.parametrize('bad', ['10.16.0.1/24', '10.16.0.0', '10.16.0.0/33', '10.16.0.300/24', 'fd00:16::1/64',
                                 'default', '', 'lab'] + NOT_STRINGS)
def test_network_cidr_refuses(bad):
    assert network_cidr(bad) is False


@pytest.mark.parametrize('good', ['10.16.0.1', '10.16.0.0', '255.255.255.255', 'fd00:16::1', '::1'])
def test_ip_address_accepts(good):
    assert ip_address(good) is True


@pytest.mark.parametrize('bad', ['10.16.0.1/24', '10.16.0.300', '10.16.0', 'gateway.lab', '', 'fd00::g'] +
                         NOT_STRINGS)
def test_ip_address_refuses(bad):
    assert ip_address(bad) is False


def test_each_plugin_file_offers_its_test_under_its_own_name():
    """ansible-doc documents a test by its file's name: each file holds the test of that name only."""
    assert InterfaceTests().tests() == {'interface_cidr': interface_cidr}
    assert NetworkTests().tests() == {'network_cidr': network_cidr}
    assert AddressTests().tests() == {'ip_address': ip_address}


def test_host_cidr_says_which_address_and_what_to_give_instead():
    with pytest.raises(ParamError) as e:
        parse_host_cidr('nested_vm_bridge_address', '10.16.0.0/24')
    assert str(e.value) == ("nested_vm_bridge_address: '10.16.0.0/24' is the network address of 10.16.0.0/24; "
                            "give a host address inside it, for example 10.16.0.1/24")
    with pytest.raises(ParamError) as e:
        parse_host_cidr('a', '10.16.0.255/24')
    assert 'broadcast address of 10.16.0.0/24' in str(e.value)
    with pytest.raises(ParamError) as e:  # what parse_interface_cidr refuses, with its message
        parse_host_cidr('a', '10.16.0.1')
    assert 'needs a prefix length' in str(e.value)
    assert str(parse_host_cidr('a', '10.16.0.1/24')) == str(parse_interface_cidr('a', '10.16.0.1/24'))


def test_passes_turns_a_param_error_into_false_and_nothing_else():
    assert passes(parse_interface_cidr, '10.16.0.1/24') is True
    assert passes(parse_interface_cidr, '10.16.0.1') is False

    def broken(param, value):
        raise KeyError(value)
    with pytest.raises(KeyError):  # a bug is not a bad value: it must not read as one
        passes(broken, 'x')


def test_ansible_finds_the_tests_by_fqcn():
    """As a play names them (`is vnetlab.linux.interface_cidr`, select('vnetlab.linux.network_cidr')), through
    the clone's ansible.cfg (.collections), on the controller only (nothing runs on a host)."""
    expr = ("{{ [('10.16.0.1/24' is vnetlab.linux.interface_cidr), ('10.16.0.0/24' is vnetlab.linux.interface_cidr),"
            " ('10.16.0.0/24' is vnetlab.linux.network_cidr), ('10.16.0.1/24' is vnetlab.linux.network_cidr),"
            " ('10.16.0.1' is vnetlab.linux.ip_address), ('10.16.0.1/24' is vnetlab.linux.ip_address)]"
            " + (['10.16.0.5/24', '10.16.0.1/33'] | select('vnetlab.linux.interface_cidr') | list) }}")
    proc = subprocess.run(['ansible', 'localhost', '-c', 'local', '-o', '-m', 'ansible.builtin.debug',
                           '-a', json.dumps({'msg': expr})],
                          capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout.split('=>', 1)[1])
    assert result['msg'] == [True, False, True, False, True, False, '10.16.0.5/24']


def test_the_tests_documentation_renders():
    names = ['vnetlab.linux.' + n for n in ('interface_cidr', 'network_cidr', 'ip_address')]
    proc = subprocess.run(['ansible-doc', '-t', 'test', '--json'] + names,
                          capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    docs = json.loads(proc.stdout)
    for name in names:
        assert docs[name]['doc']['options']['_input']['required'] is True
        assert docs[name]['return']['_value']['type'] == 'boolean'
        assert 'is ' + name in docs[name]['examples']
