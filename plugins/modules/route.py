#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: route
short_description: Manage a route in the main table of the host or a network namespace
version_added: "0.1.0"
description:
  - Adds, replaces or removes one route, matched by O(destination) (and O(metric) when given).
  - A gateway must be on a subnet connected in that namespace; the module says which subnets are.
options:
  netns:
    description: Namespace; the host namespace when omitted.
    type: str
  destination:
    description: Destination network in CIDR form, or C(default).
    type: str
    required: true
  gateway:
    description: Next hop address. O(gateway) and/or O(device) is required with O(state=present).
    type: str
  device:
    description: Outgoing interface.
    type: str
  metric:
    description: Route metric (priority). When omitted any metric matches and new routes get the kernel's default.
    type: int
  state:
    description: Whether the route should exist.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - vnetlab.linux.common
  - vnetlab.linux.resource
seealso:
  - module: vnetlab.linux.address
  - module: vnetlab.linux.netns
  - module: vnetlab.linux.nat_masquerade
author:
  - vnetlab contributors (@vnetlab)
'''

EXAMPLES = r'''
- name: Default route of namespace navy via the bridge
  vnetlab.linux.route:
    netns: navy
    destination: default
    gateway: 10.16.0.1

- name: Remove it
  vnetlab.linux.route:
    netns: navy
    destination: default
    state: absent
'''

RETURN = r'''
route:
  description: The route as it is after the task.
  returned: always
  type: dict
  sample: {"netns": "navy", "destination": "default", "state": "present", "gateway": "10.16.0.1",
           "device": "veth-navy", "metric": 0}
actions:
  description: The changes made (or, in check mode, that would be made), in order.
  returned: always
  type: list
  elements: str
elapsed_ms:
  description: Time the module spent reading and changing kernel state, in milliseconds.
  returned: always
  type: float
'''

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import run_module
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.route import KIND


def main():
    run_module(KIND)


if __name__ == '__main__':
    main()
