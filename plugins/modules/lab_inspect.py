#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: lab_inspect
short_description: List the labs on a host - namespaces, links, guests, DHCP, NAT and forwards - as a table
version_added: "1.0.0"
description:
  - Reads the live state of the host (as M(vnetlab.linux.lab_facts) does, without changing anything) and
    groups what vnetlab made by the lab whose mark it carries - a namespace by the mark on its loopback,
    every link in a lab's namespaces, links elsewhere by their own mark, a TAP by its guest, guests and DHCP
    servers by the lab that started them, NAT and forward rules by the mark in their comment, a persistent
    lab's boot-time unit by the lab it re-applies. What the
    resource modules made (the plain C(vnetlab) mark) is one more group, with C(lab) null.
  - Returns the groups as data (RV(labs)) and as the lines of a table (RV(lines)), one row per object with
    the columns LAB, KIND, NAME, NETNS, STATE, PID, ACCEL, ADDRESS and DETAILS (a column nobody fills is
    left out). A guest's address is its DHCP lease (static or dynamic) on one of our DHCP servers, else the
    C(vnetlab.ip=) of its kernel command line.
  - The C(vnetlab.linux.inspect) playbook prints them.
options:
  lab:
    description: Only this lab. All labs (and the modules' objects) when omitted.
    type: str
extends_documentation_fragment:
  - vnetlab.linux.common
  - vnetlab.linux.info
seealso:
  - module: vnetlab.linux.lab_facts
  - module: vnetlab.linux.lab_cleanup
author:
  - vnetlab contributors (@vnetlab)
'''

EXAMPLES = r'''
- name: The labs on this host
  vnetlab.linux.lab_inspect:
  register: inspect

- name: Print them as a table
  ansible.builtin.debug:
    msg: "{{ inspect.lines }}"
'''

RETURN = r'''
labs:
  description: One entry per lab, sorted by name; the resource modules' objects last, with C(lab) null.
  returned: always
  type: list
  elements: dict
  contains:
    lab:
      description: The lab's name.
      type: str
    persistent:
      description:
        - Whether the lab is re-applied at boot by its systemd unit
          (O(vnetlab.linux.topology#module:persistent) of M(vnetlab.linux.topology)).
        - A persistent lab is listed even when a reboot took its kernel objects and its unit has not run yet.
      type: bool
      version_added: 1.0.0
    unit:
      description: Its boot-time unit (C(name), C(enabled)), when it has one; the table shows it as a row of kind
        C(unit).
      type: dict
      version_added: 1.0.0
    namespaces:
      description: Its namespaces (C(name), C(links) - the names of the links in it).
      type: list
      elements: dict
    links:
      description: Its links (C(netns), C(name), C(kind), C(state), C(addresses), C(master); C(peer) of a veth
        as C(netns/name), C(ports) of a bridge, C(guest) of a TAP).
      type: list
      elements: dict
    guests:
      description: Its guests (C(name), C(state), C(pid), C(arch), C(accel), C(address), C(taps)).
      type: list
      elements: dict
    dhcp:
      description: Its DHCP servers (C(bridge), C(state), C(pid), C(leases) - how many).
      type: list
      elements: dict
    nat:
      description: Its NAT rule sets (C(source), C(out_interface), C(backend)).
      type: list
      elements: dict
    forwards:
      description: Its port forwards (C(protocol), C(port), C(in_interface), C(to_address), C(to_port),
        C(from_host), C(backend)).
      type: list
      elements: dict
  sample: [{"lab": "scenario-a", "namespaces": [{"name": "blue", "links": ["veth-blue"]}], "links": [],
            "guests": [], "dhcp": [], "nat": [], "forwards": []}]
lines:
  description: The table, a header line first.
  returned: always
  type: list
  elements: str
  sample: ["LAB         KIND   NAME       NETNS  STATE  ADDRESS       DETAILS",
           "scenario-a  netns  blue                                    1 link",
           "scenario-a  veth   veth-blue  blue   UP     10.16.0.3/24  peer red/veth-red"]
'''

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import run
from ansible_collections.vnetlab.linux.plugins.module_utils.entry import new_module
from ansible_collections.vnetlab.linux.plugins.module_utils.lab import overview, persist
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.facts import gather


def inspect(lab):
    labs = overview.labs(gather(), only=lab, persistent=persist.persistent_labs())
    return {'changed': False, 'labs': labs, 'lines': overview.table(overview.rows(labs))}


def main():
    module = new_module(
        argument_spec=dict(lab=dict(type='str')),
        supports_check_mode=True,
    )
    run(module, lambda: inspect(module.params['lab']))


if __name__ == '__main__':
    main()
