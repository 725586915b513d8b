# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: printable
short_description: Does the value hold no ASCII control character
version_added: "1.0.0"
author: vnetlab contributors
description:
  - True when no string in the value - the value itself, or the strings of its lists and mappings at any
    depth, their keys too - holds an ASCII control character (C(0x00)-C(0x1f), C(0x7f)), such as a line
    break, a tab, a NUL or an escape. Numbers, booleans and null are printable.
  - The rule every module of the collection applies to its options (C(plugins/module_utils/validate.py));
    the roles use it to refuse such a variable before they change anything, also where the value goes to
    an C(ansible.builtin) module (C(add_host), C(get_url), C(apt)) rather than to one of ours.
options:
  _input:
    description: The value to test.
    type: raw
    required: true
seealso:
  - plugin: vnetlab.linux.ip_address
    plugin_type: test
'''

EXAMPLES = r'''
- name: Refuse a bridge name with a line break in it before anything changes
  ansible.builtin.assert:
    that: bridge_name is vnetlab.linux.printable
    fail_msg: "bridge_name: {{ bridge_name | to_json }} holds a control character; give it on one line"
    quiet: true

# 'br0' is vnetlab.linux.printable                  -> true
# "br0\n" is vnetlab.linux.printable                -> false (a line break)
# {'name': "vm\u0000"} is vnetlab.linux.printable   -> false (a NUL, in a mapping)
'''

RETURN = r'''
_value:
  description: Whether the value holds no control character.
  type: boolean
'''

from ansible_collections.vnetlab.linux.plugins.module_utils.validate import control_characters


def printable(value):
    return next(control_characters(value), None) is None


class TestModule:
    def tests(self):
        return {'printable': printable}
