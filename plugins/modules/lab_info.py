#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: lab_info
short_description: Read the live state of the host's virtual-network labs
version_added: "1.0.0"
description:
  - Reads, without changing anything, the namespaces; every link (kind, veth peer and the peer's namespace,
    master, MAC, MTU, state, whether vnetlab made it); addresses and routes per namespace; bridges and
    their ports; TAPs and the guest that owns each; guests (state, pid, arch, accel, NICs); vnetlab's NAT.
  - Returns it under C(vnetlab_lab), to register; M(vnetlab.linux.lab_facts) sets the same data as a fact.
extends_documentation_fragment:
  - vnetlab.linux.lab_state
  - vnetlab.linux.common
  - vnetlab.linux.info
seealso:
  - module: vnetlab.linux.lab_facts
  - module: vnetlab.linux.topology
  - module: vnetlab.linux.lab_diagram
author:
  - vnetlab contributors (@vnetlab)
'''

EXAMPLES = r'''
- name: What does the lab look like right now?
  vnetlab.linux.lab_info:
    namespaces: [red, blue]
  register: lab

- name: Show red's links
  ansible.builtin.debug:
    var: lab.vnetlab_lab.netns.red.links
'''

RETURN = r'''
vnetlab_lab:
  description: The live state.
  returned: always
  type: dict
  contains:
    namespaces:
      description: Namespace names.
      type: list
      elements: str
    host:
      description: The host namespace, C({links, routes}); each link has kind, mac, mtu, up, operstate, owned,
        lab (the lab whose mark it carries, null for the modules' and others'), master, addresses, and
        peer/peer_netns (veth), ports (bridge), guest (TAP), vni, local, port and remotes (VXLAN, remotes
        are the addresses of the hosts it floods to), and impairment (what vnetlab's root qdisc does to what it
        sends - delay, jitter, loss, rate... - as M(vnetlab.linux.impairment) takes them).
      type: dict
    netns:
      description: Per namespace, C({links, routes}) as for the host.
      type: dict
    bridges:
      description: Bridge names (C(ns/name) inside a namespace).
      type: list
      elements: str
    guests:
      description: QEMU guests (name, lab, state, pid, arch, accel, memory_mib, nics, serial_log).
      type: list
      elements: dict
    nat:
      description: vnetlab NAT rules (source, out_interface, backend, lab).
      type: list
      elements: dict
    forwards:
      description: vnetlab port forwards (protocol, port, in_interface, to_address, to_port, from_host,
        backend, lab).
      type: list
      elements: dict
      version_added: 1.0.0
    dhcp:
      description: vnetlab DHCP servers (bridge, lab, state, pid, hosts - the static leases, leases).
      type: list
      elements: dict
      version_added: 1.0.0
'''

from ansible_collections.vnetlab.linux.plugins.module_utils.lab.reader import read_lab


def main():
    read_lab(lambda lab: dict(vnetlab_lab=lab))


if __name__ == '__main__':
    main()
