# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: network_cidr
short_description: Is the value a network in CIDR form, with no host bits
version_added: "1.0.0"
author: vnetlab contributors
description:
  - True for an IPv4 or IPv6 network with its prefix length whose host bits are all zero, such as
    C(10.16.0.0/24) or C(fd00:16::/64) (the O(vnetlab.linux.nat_masquerade#module:source) of a lab, the
    destination of a route).
  - False for an address with host bits set (C(10.16.0.1/24)), an address without prefix, a prefix length
    out of range, the word C(default), and a value that is not a string.
  - The same check as the collection's modules make (C(plugins/module_utils/validate.py)).
options:
  _input:
    description: The value to test.
    type: raw
    required: true
seealso:
  - plugin: vnetlab.linux.interface_cidr
    plugin_type: test
  - plugin: vnetlab.linux.ip_address
    plugin_type: test
'''

EXAMPLES = r'''
- name: Refuse a lab network with host bits before anything changes
  ansible.builtin.assert:
    that: lab_network is vnetlab.linux.network_cidr
    fail_msg: "lab_network: '{{ lab_network }}' is not a network with no host bits, for example 10.16.0.0/24"
    quiet: true

# '10.16.0.0/24' is vnetlab.linux.network_cidr   -> true
# '10.16.0.1/24' is vnetlab.linux.network_cidr   -> false (host bits set)
# '10.16.0.0' is vnetlab.linux.network_cidr      -> false (no prefix length)
'''

RETURN = r'''
_value:
  description: Whether the value is a network with no host bits.
  type: boolean
'''

from ansible_collections.vnetlab.linux.plugins.module_utils.validate import parse_network, passes


def network_cidr(value):
    # parse_network also takes 'default' (a route's destination); a network this test accepts has a prefix
    return value != 'default' and passes(parse_network, value)


class TestModule:
    def tests(self):
        return {'network_cidr': network_cidr}
