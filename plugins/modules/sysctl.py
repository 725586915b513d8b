#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: sysctl
short_description: Set a kernel parameter at run time, in the host or in a network namespace
version_added: "0.1.0"
description:
  - Writes a value under C(/proc/sys) when it differs, like C(sysctl -w). Nothing is written to
    C(/etc/sysctl.d), so the setting lasts until reboot, like the lab itself.
  - C(net.*) parameters are per network namespace; O(netns) selects one.
  - Used by the roles for C(net.ipv4.ip_forward) and C(net.bridge.bridge-nf-call-iptables).
options:
  name:
    description: Dotted parameter name, for example C(net.ipv4.ip_forward).
    type: str
    required: true
  value:
    description: The value to set. Required with O(state=present).
    type: str
  state:
    description:
      - C(present) sets O(value), first saving the value it finds under C(/run/vnetlab/sysctl).
      - C(absent) releases O(holder)'s hold; when it was the last holder, the value saved when vnetlab first
        changed the parameter is put back. This is how a lab's teardown leaves the host as it was.
    type: str
    choices: [present, absent]
    default: present
  netns:
    description: Namespace for C(net.*) parameters; the host namespace when omitted.
    type: str
  holder:
    description:
      - Who holds the setting (a lab, a role). Several holders may hold one parameter at one value; the value
        found before the first change is put back when the last holder releases it (O(state=absent)), and
        only if the parameter still has the value vnetlab set - otherwise it is left as it is, with a warning.
    type: str
    default: vnetlab
  ignore_missing:
    description:
      - Succeed without change when the parameter does not exist, for example
        C(net.bridge.bridge-nf-call-iptables) while C(br_netfilter) is not loaded.
    type: bool
    default: false
extends_documentation_fragment:
  - vnetlab.linux.common
  - vnetlab.linux.resource
seealso:
  - module: vnetlab.linux.nat_masquerade
  - module: vnetlab.linux.route
author:
  - vnetlab contributors (@vnetlab)
'''

EXAMPLES = r'''
- name: Bridged frames bypass iptables (where br_netfilter is loaded)
  vnetlab.linux.sysctl:
    name: net.bridge.bridge-nf-call-iptables
    value: "0"
    holder: lab-b
    ignore_missing: true

- name: Teardown - put back the value found before
  vnetlab.linux.sysctl:
    name: net.bridge.bridge-nf-call-iptables
    state: absent
    holder: lab-b
    ignore_missing: true
'''

RETURN = r'''
value:
  description: The value after the task; null when the parameter does not exist.
  returned: always
  type: str
  sample: "0"
actions:
  description: The changes made (or, in check mode, that would be made).
  returned: always
  type: list
  elements: str
elapsed_ms:
  description: Time the module spent, in milliseconds.
  returned: always
  type: float
'''

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import run_module
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.sysctl import KIND


def main():
    run_module(KIND)


if __name__ == '__main__':
    main()
