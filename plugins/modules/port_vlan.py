#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: port_vlan
short_description: Set the VLANs of a port of a VLAN-filtering bridge - access or trunk
version_added: "1.1.0"
description:
  - Makes a bridge port an access port (one VLAN, untagged, its PVID) or a trunk (tagged VLANs and an optional
    native VLAN that goes untagged) - what C(bridge vlan add dev X vid 10 pvid untagged) does, with netlink.
  - The port gets exactly the VLANs asked; the kernel's default (VLAN 1, untagged) goes unless asked for.
  - The port must be enslaved to a bridge with C(vlan_filtering) on (M(vnetlab.linux.bridge)); a kernel without
    bridge VLAN filtering refuses that bridge option before any change.
  - The interface must be one vnetlab made, or the task says O(adopt=true).
  - A failure half-way puts the port's VLANs back as they were.
options:
  port:
    description: The bridge port (a veth end, a TAP).
    type: str
    required: true
  netns:
    description: Namespace of the port and its bridge; the host namespace when omitted.
    type: str
  access:
    description: The one VLAN of an access port (1-4094), untagged. Give O(access) or O(trunk).
    type: int
  trunk:
    description: The VLANs a trunk carries tagged (1-4094).
    type: list
    elements: int
  native:
    description: The VLAN a trunk carries untagged (its PVID). Only with O(trunk).
    type: int
  adopt:
    description: Set the VLANs of an interface that vnetlab did not create.
    type: bool
    default: false
  state:
    description: V(present) sets the VLANs asked; V(absent) gives the port the bridge's default back (VLAN 1,
      untagged).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - vnetlab.linux.common
  - vnetlab.linux.resource
seealso:
  - module: vnetlab.linux.bridge
  - module: vnetlab.linux.vlan
author:
  - vnetlab contributors (@vnetlab)
'''

EXAMPLES = r'''
- name: A bridge that filters VLANs
  vnetlab.linux.bridge:
    name: br0
    vlan_filtering: true

- name: red on VLAN 10
  vnetlab.linux.port_vlan:
    port: veth0-red
    access: 10

- name: A trunk with VLANs 10 and 20 tagged
  vnetlab.linux.port_vlan:
    port: veth0-router
    trunk: [10, 20]
'''

RETURN = r'''
port_vlan:
  description: The port's VLANs after the task.
  returned: always
  type: dict
  sample: {"port": "veth0-red", "netns": null, "state": "present", "vlans": {"access": 10}}
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
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.port_vlan import KIND


def main():
    run_module(KIND)


if __name__ == '__main__':
    main()
