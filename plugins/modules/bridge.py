#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: bridge
short_description: Manage a Linux bridge and the ports enslaved to it
version_added: "0.1.0"
description:
  - Creates a Linux bridge (C(ip link add type bridge)), brings it up, sets STP, VLAN filtering and MTU,
    and enslaves the listed ports (bringing them up).
  - Ports not listed are left alone, so veth ends enslaved by M(vnetlab.linux.veth) stay where they are.
  - A link of another kind with the same name is an error; it is never replaced.
  - A bridge that vnetlab did not create is refused unless O(adopt=true); O(state=absent) deletes only a
    bridge vnetlab created (anything else stays, with a warning).
options:
  name:
    description: Name of the bridge (at most 15 characters).
    type: str
    required: true
  netns:
    description: Namespace of the bridge; the host namespace when omitted.
    type: str
  stp:
    description: Spanning tree on or off. Left as it is when omitted (new bridges have it off).
    type: bool
  vlan_filtering:
    description: VLAN filtering on or off. Left as it is when omitted (new bridges have it off).
    type: bool
  mtu:
    description: MTU of the bridge. Left as it is when omitted.
    type: int
  ports:
    description: Interfaces, in the bridge's namespace, to enslave to the bridge and bring up.
    type: list
    elements: str
    default: []
  adopt:
    description:
      - Use a bridge of that name that vnetlab did not create (the host's own C(br0), say). Without it such
        a bridge is refused before anything changes, with its ports and addresses named.
      - An adopted bridge is never marked as ours and never deleted; O(state=absent) leaves it in place.
    type: bool
    default: false
  state:
    description: Whether the bridge should exist. Removing it releases its ports (they are not deleted).
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - vnetlab.linux.common
  - vnetlab.linux.resource
seealso:
  - module: vnetlab.linux.veth
  - module: vnetlab.linux.address
  - module: vnetlab.linux.dhcp
  - module: vnetlab.linux.qemu_guest
author:
  - vnetlab contributors (@vnetlab)
'''

EXAMPLES = r'''
- name: Scenario B's bridge, no address, STP off
  vnetlab.linux.bridge:
    name: br0
    stp: false

- name: Enslave two existing interfaces
  vnetlab.linux.bridge:
    name: br0
    ports: [veth0-red, veth0-blue]

- name: Remove the bridge
  vnetlab.linux.bridge:
    name: br0
    state: absent
'''

RETURN = r'''
bridge:
  description: The bridge as it is after the task.
  returned: always
  type: dict
  sample: {"name": "br0", "netns": null, "kind": "bridge", "state": "present", "up": true, "mtu": 1500,
           "stp": false, "vlan_filtering": false, "ports": ["veth0-blue", "veth0-red"]}
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
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.bridge import KIND


def main():
    run_module(KIND)


if __name__ == '__main__':
    main()
