#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: lab_facts
short_description: Gather the live state of the host's virtual-network labs as facts
version_added: "0.1.0"
description:
  - Reads, without changing anything, the namespaces; every link (kind, veth peer and the peer's namespace,
    master, MAC, MTU, state, whether vnetlab made it); addresses and routes per namespace; bridges and
    their ports; TAPs and the guest that owns each; guests (state, pid, arch, accel, NICs); vnetlab's NAT.
  - Sets the fact C(vnetlab_lab) (returned under C(ansible_facts) only). To register the state as a task
    result instead, use M(vnetlab.linux.lab_info), which returns the same data.
  - Read the fact as C(ansible_facts.vnetlab_lab). Facts also appear as top-level variables, but there a
    play, task or extra variable C(vnetlab_lab) hides the fact, and the fact hides an inventory variable of
    that name (facts come after inventory variables in Ansible's variable precedence). The inventory plugin
    P(vnetlab.linux.topology#inventory) names the lab C(vnetlab_lab_name) for this reason.
extends_documentation_fragment:
  - vnetlab.linux.lab_state
  - vnetlab.linux.common
  - vnetlab.linux.facts
seealso:
  - module: vnetlab.linux.lab_info
  - module: vnetlab.linux.topology
  - module: vnetlab.linux.lab_diagram
author:
  - vnetlab contributors (@vnetlab)
'''

EXAMPLES = r'''
- name: What does the lab look like right now?
  vnetlab.linux.lab_facts:
    namespaces: [red, blue]

- name: Show red's links
  ansible.builtin.debug:
    var: ansible_facts.vnetlab_lab.netns.red.links
'''

RETURN = r'''
ansible_facts:
  description: Facts to add to the host's facts.
  returned: always
  type: dict
  contains:
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
    read_lab(lambda lab: dict(ansible_facts={'vnetlab_lab': lab}))


if __name__ == '__main__':
    main()
