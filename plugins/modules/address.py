#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: address
short_description: Manage IPv4 and IPv6 addresses of an interface
version_added: "0.1.0"
description:
  - Adds (or removes) addresses on one interface, in the host or in a network namespace.
  - With O(exclusive=true), removes every address not listed. IPv6 link-local addresses (C(fe80::/10))
    are the kernel's and are never removed or reported.
  - O(exclusive=true) removes addresses only from an interface vnetlab created (by a module or a lab). On any
    other interface - the host's own C(br0), a link made by hand - the task fails before anything changes,
    unless O(adopt=true) says to take the interface over.
  - IPv6 addresses are added without duplicate address detection (C(nodad)), so they are usable when the task
    returns - never C(tentative), also after a link that was down comes up. An address that is already there
    is left as it is, with or without that flag.
options:
  interface:
    description: The interface. It must exist (except with O(state=absent), where a missing one is fine).
    type: str
    required: true
  netns:
    description: Namespace of the interface; the host namespace when omitted.
    type: str
  addresses:
    description: Addresses in CIDR form, for example C(10.16.0.2/24) or C(fd00:16::2/64).
    type: list
    elements: str
    default: []
  exclusive:
    description:
      - Remove the interface's addresses that are not in O(addresses).
      - Only on an interface vnetlab created; on anyone else's interface the task fails before anything
        changes, naming O(exclusive) and O(adopt).
    type: bool
    default: false
  adopt:
    description:
      - Take over an interface that vnetlab did not create, so that O(exclusive=true) may remove its own
        addresses that are not listed.
      - The interface is not marked as ours; without O(exclusive) this option changes nothing.
    type: bool
    default: false
    version_added: 1.0.0
  state:
    description: C(present) adds the addresses, C(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - vnetlab.linux.common
  - vnetlab.linux.resource
seealso:
  - module: vnetlab.linux.netns
  - module: vnetlab.linux.veth
  - module: vnetlab.linux.bridge
  - module: vnetlab.linux.route
author:
  - vnetlab contributors (@vnetlab)
'''

EXAMPLES = r'''
- name: Scenario A - address of veth-red in red
  vnetlab.linux.address:
    interface: veth-red
    netns: red
    addresses: [10.16.0.2/24]

- name: Exactly these addresses, nothing else (br0 was created by vnetlab.linux.bridge)
  vnetlab.linux.address:
    interface: br0
    addresses: [10.16.0.1/24, fd00:16::1/64]
    exclusive: true

- name: Exactly these addresses on a bridge made by hand - its own addresses go
  vnetlab.linux.address:
    interface: lanbr
    addresses: [10.16.0.1/24]
    exclusive: true
    adopt: true
'''

RETURN = r'''
addresses:
  description: The interface's addresses after the task (link-local IPv6 excluded).
  returned: always
  type: list
  elements: str
  sample: ["10.16.0.2/24"]
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
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.address import KIND


def main():
    run_module(KIND)


if __name__ == '__main__':
    main()
