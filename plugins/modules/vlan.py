#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: vlan
short_description: Manage an 802.1Q VLAN sub-interface
version_added: "1.1.0"
description:
  - Creates a VLAN sub-interface on a parent link of the same namespace (C(ip link add link eth0 name eth0.10 type
    vlan id 10)) and brings it up. What it sends leaves the parent tagged with O(id); it receives only that VLAN.
  - Reach a VLAN of a VLAN-filtering bridge through a trunk port (M(vnetlab.linux.port_vlan)) with one of these on
    the far end of the port's link.
  - The kernel needs its C(8021q) module. A kernel without it fails the task before anything changes.
  - The kernel does not change a VLAN link's parent or ID in place; a different one is refused (remove the link
    first). A link of another kind with the same name is an error; it is never replaced.
  - A VLAN link that vnetlab did not create is refused unless O(adopt=true); O(state=absent) deletes only one
    vnetlab created.
options:
  name:
    description: Name of the VLAN link (at most 15 characters), such as C(eth0.10).
    type: str
    required: true
  link:
    description: The parent link, in the same namespace. Required with O(state=present).
    type: str
  id:
    description: The VLAN ID, 1-4094. Required with O(state=present).
    type: int
  netns:
    description: Namespace of the link and its parent; the host namespace when omitted.
    type: str
  mtu:
    description: MTU of the VLAN link. Left as the kernel makes it (the parent's) when omitted.
    type: int
  adopt:
    description:
      - Use a VLAN link of that name that vnetlab did not create. It is never marked as ours and never deleted.
    type: bool
    default: false
  state:
    description: Whether the VLAN link should exist.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - vnetlab.linux.common
  - vnetlab.linux.resource
seealso:
  - module: vnetlab.linux.port_vlan
  - module: vnetlab.linux.bridge
  - module: vnetlab.linux.address
author:
  - vnetlab contributors (@vnetlab)
'''

EXAMPLES = r'''
- name: VLAN 10 on the far end of a trunk
  vnetlab.linux.vlan:
    netns: red
    name: veth1-red.10
    link: veth1-red
    id: 10

- name: Its address
  vnetlab.linux.address:
    netns: red
    interface: veth1-red.10
    addresses: [10.10.0.2/24]
'''

RETURN = r'''
vlan:
  description: The VLAN link as it is after the task.
  returned: always
  type: dict
  sample: {"name": "veth1-red.10", "netns": "red", "state": "present", "kind": "vlan", "up": true, "mtu": 1500,
           "link": "veth1-red", "id": 10}
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
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.vlan import KIND


def main():
    run_module(KIND)


if __name__ == '__main__':
    main()
