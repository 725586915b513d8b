# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: interface_cidr
short_description: Is the value an address with prefix length that an interface can carry
version_added: "1.0.0"
author: vnetlab contributors
description:
  - True for an IPv4 or IPv6 address with its prefix length (CIDR), such as C(10.16.0.1/24) or
    C(fd00:16::1/64), the form the O(vnetlab.linux.address#module:addresses) of an interface take. Host
    bits are expected.
  - False for an address without prefix, a prefix length out of range (C(10.16.0.1/33)), an address that
    does not parse (C(10.16.0.300/24)), a value that is not a string, and the network or broadcast address
    of an IPv4 subnet shorter than /31 (C(10.16.0.0/24), C(10.16.0.255/24)).
  - The same check as the collection's modules and roles make (C(plugins/module_utils/validate.py)); the
    roles use it to refuse a bad address before they change anything.
options:
  _input:
    description: The value to test.
    type: raw
    required: true
seealso:
  - plugin: vnetlab.linux.network_cidr
    plugin_type: test
  - plugin: vnetlab.linux.ip_address
    plugin_type: test
'''

EXAMPLES = r'''
- name: Refuse a bad bridge address before anything changes
  ansible.builtin.assert:
    that: bridge_address is vnetlab.linux.interface_cidr
    fail_msg: "bridge_address: '{{ bridge_address }}' is not an address with prefix, for example 10.16.0.1/24"
    quiet: true

# '10.16.0.1/24' is vnetlab.linux.interface_cidr      -> true
# 'fd00:16::1/64' is vnetlab.linux.interface_cidr     -> true
# '10.16.0.1' is vnetlab.linux.interface_cidr         -> false (no prefix length)
# '10.16.0.1/33' is vnetlab.linux.interface_cidr      -> false
# '10.16.0.0/24' is vnetlab.linux.interface_cidr      -> false (the network address)
'''

RETURN = r'''
_value:
  description: Whether the value is an interface address with prefix length.
  type: boolean
'''

from ansible_collections.vnetlab.linux.plugins.module_utils.validate import parse_host_cidr, passes


def interface_cidr(value):
    return passes(parse_host_cidr, value)


class TestModule:
    def tests(self):
        return {'interface_cidr': interface_cidr}
