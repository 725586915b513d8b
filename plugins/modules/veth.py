#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: veth
short_description: Manage a veth pair whose ends may sit in different network namespaces
version_added: "0.1.0"
description:
  - Creates a veth pair with each end directly in its namespace (no move through the host), optionally
    enslaves either end to a bridge, sets the MTU and brings both ends up.
  - A re-run finds the ends in their namespaces and changes nothing. An end found in the host namespace
    instead of its requested one (a pair made by hand) is moved there.
  - An existing pair whose other end is not the requested O(peer) is an error unless O(recreate=true).
options:
  name:
    description: Name of the first end (at most 15 characters).
    type: str
    required: true
  peer:
    description: Name of the other end. Required when O(state=present).
    type: str
  netns:
    description: Namespace of the first end; the host namespace when omitted. It must already exist.
    type: str
  peer_netns:
    description: Namespace of the other end; the host namespace when omitted. It must already exist.
    type: str
  master:
    description: Bridge, in the first end's namespace, to enslave the first end to.
    type: str
  peer_master:
    description: Bridge, in the other end's namespace, to enslave the other end to.
    type: str
  mtu:
    description: MTU of both ends. Left as it is (new pairs get 1500) when omitted.
    type: int
  recreate:
    description:
      - Replace an existing pair of ours (or an end of another pair of ours) that conflicts with the request.
        A pair vnetlab did not create is never replaced.
    type: bool
    default: false
  adopt:
    description:
      - Use a pair of these names that vnetlab did not create (one made by hand with C(ip link add), also with
        its ends still in the host namespace, which are then moved where the request wants them). Without it such a
        pair is refused before anything changes.
      - An adopted pair is never marked as ours and never deleted; O(state=absent) leaves it in place.
    type: bool
    default: false
  state:
    description: Whether the pair should exist. Removing either end removes the pair.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - vnetlab.linux.common
  - vnetlab.linux.resource
seealso:
  - module: vnetlab.linux.bridge
  - module: vnetlab.linux.address
  - module: vnetlab.linux.netns
author:
  - vnetlab contributors (@vnetlab)
'''

EXAMPLES = r'''
- name: Scenario A - one pair between namespaces red and blue
  vnetlab.linux.veth:
    name: veth-red
    netns: red
    peer: veth-blue
    peer_netns: blue

- name: Scenario B - host end on bridge br0, other end in red
  vnetlab.linux.veth:
    name: veth0-red
    master: br0
    peer: veth1-red
    peer_netns: red

- name: Remove the pair
  vnetlab.linux.veth:
    name: veth-red
    netns: red
    state: absent
'''

RETURN = r'''
veth:
  description: Both ends as they are after the task (namespace, up, MTU, master).
  returned: always
  type: dict
  sample: {"state": "present", "name": "veth-red", "netns": "red", "name_up": true, "name_mtu": 1500,
           "master": null, "peer": "veth-blue", "peer_netns": "blue", "peer_up": true, "peer_mtu": 1500,
           "peer_master": null}
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
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.veth import KIND


def main():
    run_module(KIND)


if __name__ == '__main__':
    main()
