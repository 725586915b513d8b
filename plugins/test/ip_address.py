# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: ip_address
short_description: Is the value a plain IPv4 or IPv6 address, without prefix length
version_added: "1.0.0"
author: vnetlab contributors
description:
  - True for an IPv4 or IPv6 address with no prefix length, such as C(10.16.0.1) or C(fd00:16::1) (a
    gateway, a DHCP range's first or last address, a target to ping).
  - False for an address with a prefix length (C(10.16.0.1/24)), a name, and an address that does not parse
    (C(10.16.0.300)).
  - The same check as the collection's modules make (C(plugins/module_utils/validate.py)).
options:
  _input:
    description: The value to test.
    type: raw
    required: true
seealso:
  - plugin: vnetlab.linux.interface_cidr
    plugin_type: test
  - plugin: vnetlab.linux.network_cidr
    plugin_type: test
'''

EXAMPLES = r'''
- name: Refuse a bad gateway before anything changes
  ansible.builtin.assert:
    that: gateway is vnetlab.linux.ip_address
    fail_msg: "gateway: '{{ gateway }}' is not an IP address, for example 10.16.0.1"
    quiet: true

# '10.16.0.1' is vnetlab.linux.ip_address       -> true
# '10.16.0.1/24' is vnetlab.linux.ip_address    -> false (a prefix length)
# 'gateway.lab' is vnetlab.linux.ip_address     -> false (a name)
'''

RETURN = r'''
_value:
  description: Whether the value is a plain IP address.
  type: boolean
'''

from ansible_collections.vnetlab.linux.plugins.module_utils.validate import parse_address, passes


def ip_address(value):
    return passes(parse_address, value)


class TestModule:
    def tests(self):
        return {'ip_address': ip_address}
