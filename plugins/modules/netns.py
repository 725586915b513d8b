#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: netns
short_description: Manage a named Linux network namespace
version_added: "0.1.0"
description:
  - Creates or removes a named network namespace (the kind C(ip netns add) makes, under C(/var/run/netns)).
  - Brings the namespace's loopback interface up, which C(ip netns add) does not.
  - Talks to the kernel through pyroute2 (netlink); no C(ip) subprocess.
options:
  name:
    description: Name of the namespace.
    type: str
    required: true
  state:
    description:
      - Whether the namespace should exist. Removing a namespace removes every link inside it.
      - Only a namespace vnetlab created is removed; any other stays, with a warning.
    type: str
    choices: [present, absent]
    default: present
  loopback:
    description: Bring C(lo) up inside the namespace. When false, C(lo) is left as it is.
    type: bool
    default: true
  adopt:
    description:
      - Use a namespace of that name that vnetlab did not create (C(ip netns add) by hand). Without it such a
        namespace is refused before anything changes. A namespace is ours when its loopback carries our mark.
      - An adopted namespace is never marked as ours and never deleted; O(state=absent) leaves it in place.
    type: bool
    default: false
extends_documentation_fragment:
  - vnetlab.linux.common
  - vnetlab.linux.resource
seealso:
  - module: vnetlab.linux.veth
  - module: vnetlab.linux.address
  - module: vnetlab.linux.route
  - module: vnetlab.linux.topology
author:
  - vnetlab contributors (@vnetlab)
'''

EXAMPLES = r'''
- name: Create namespace red with its loopback up
  vnetlab.linux.netns:
    name: red

- name: Remove it (and everything inside it)
  vnetlab.linux.netns:
    name: red
    state: absent
'''

RETURN = r'''
netns:
  description: The namespace as it is after the task.
  returned: always
  type: dict
  sample: {"name": "red", "state": "present", "loopback_up": true}
actions:
  description: The changes made (or, in check mode, that would be made), in order.
  returned: always
  type: list
  elements: str
  sample: ["create netns 'red'", "set lo up in netns 'red'"]
elapsed_ms:
  description: Time the module spent reading and changing kernel state, in milliseconds.
  returned: always
  type: float
'''

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import run_module
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.netns import KIND


def main():
    run_module(KIND)


if __name__ == '__main__':
    main()
