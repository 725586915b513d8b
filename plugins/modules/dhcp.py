#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: dhcp
short_description: DHCP and DNS for the guests on a lab bridge (a supervised dnsmasq)
version_added: "1.0.0"
description:
  - Runs one C(dnsmasq) for O(bridge), so that guests booted from stock cloud images get an address by
    themselves, and guests and namespaces of the lab can be reached by name (C(vm0.lab)).
  - The server binds only to the bridge (never to the uplink, the loopback or C(0.0.0.0:53) of the host)
    and reads only the configuration vnetlab writes for it. Its configuration, pid file, lease file and
    log live in C(/run/vnetlab/dhcp/<bridge>/).
  - A server that died is started again (with a warning); a changed configuration restarts it, keeping
    its leases. O(state=absent) stops it and removes its files.
  - It serves the subnet of the bridge's own IPv4 address, which the bridge must have.
  - Only a bridge vnetlab created is served, unless O(adopt=true). A DHCP server on a bridge that reaches
    a real network would hand out addresses there.
  - A server started by a lab (the C(topology) module) is managed only by that lab, and one started by this
    module only by this module.
options:
  bridge:
    description: The bridge in the host namespace to serve.
    type: str
    required: true
  state:
    description: C(present) runs the server with this configuration; C(absent) stops and removes it.
    type: str
    choices: [present, absent]
    default: present
  range_start:
    description: First address of the dynamic range; inside the subnet of the bridge's address. Default
      (with O(range_end)) the upper half of that subnet, leaving the lower half for fixed addresses.
    type: str
  range_end:
    description: Last address of the dynamic range; given together with O(range_start).
    type: str
  lease_time:
    description: Lease time - seconds, or a number with C(s), C(m), C(h), C(d) or C(w), or C(infinite).
    type: str
    default: 1h
  router:
    description: The default gateway given to clients. Default the bridge's own address (where the
      host routes and masquerades, see M(vnetlab.linux.nat_masquerade)).
    type: str
  dns:
    description: Also answer DNS on the bridge's address, for the names of O(hosts) and O(records) under
      O(domain). With V(false), DHCP only.
    type: bool
    default: true
  domain:
    description: The DNS domain of the lab's names. Default C(lab); a topology uses the lab's name.
    type: str
  upstream:
    description: Resolvers to forward other names to. Default none - the server answers only the lab's
      own names, and nothing leaves the host on a guest's behalf unless asked.
    type: list
    elements: str
    default: []
  hosts:
    description: Static leases - each guest gets its fixed address, and its name in DNS.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The host's name (a DNS label), usually the guest's name.
        type: str
        required: true
      ip:
        description: Its IPv4 address, inside the bridge's subnet (it may lie outside the dynamic range).
        type: str
        required: true
      mac:
        description: Its MAC address. Default the MAC vnetlab gives NIC O(hosts[].nic) of the guest named
          O(hosts[].name) (see M(vnetlab.linux.qemu_guest)), so that a declared guest needs no MAC here.
        type: str
      nic:
        description: Which NIC of that guest (0 is the first), when O(hosts[].mac) is not given.
        type: int
        default: 0
  records:
    description: More DNS names under O(domain) (for example namespaces on the bridge).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The name (a DNS label).
        type: str
        required: true
      ip:
        description: Its IPv4 address.
        type: str
        required: true
  adopt:
    description: Serve a bridge vnetlab did not create.
    type: bool
    default: false
extends_documentation_fragment:
  - vnetlab.linux.common
  - vnetlab.linux.resource
notes:
  - Needs C(dnsmasq) on the host (Debian/Ubuntu C(dnsmasq-base); the C(vnetlab.linux.prerequisites) role
    installs it).
  - A host firewall that drops DHCP (UDP 67) or DNS (53) arriving on the bridge stops it from working.
seealso:
  - module: vnetlab.linux.bridge
  - module: vnetlab.linux.address
  - module: vnetlab.linux.qemu_guest
  - module: vnetlab.linux.port_forward
author:
  - vnetlab contributors (@vnetlab)
'''

EXAMPLES = r'''
- name: Addresses for the guests on br0, their names under .lab
  vnetlab.linux.dhcp:
    bridge: br0
    range_start: 10.16.0.100
    range_end: 10.16.0.200
    hosts:
      - name: vm0          # the MAC of guest vm0's first NIC: no mac needed
        ip: 10.16.0.10
  become: true

- name: DHCP only, a 12 hour lease, names resolved upstream too
  vnetlab.linux.dhcp:
    bridge: br0
    range_start: 10.16.0.100
    range_end: 10.16.0.200
    lease_time: 12h
    upstream: [10.16.0.1]
  become: true

- name: Stop it
  vnetlab.linux.dhcp:
    bridge: br0
    state: absent
  become: true
'''

RETURN = r'''
dhcp:
  description: The server.
  returned: always
  type: dict
  contains:
    bridge:
      description: The bridge served.
      type: str
    state:
      description: C(running), C(stopped) (files left, no process) or C(absent).
      type: str
    pid:
      description: The pid of its dnsmasq, or null.
      type: int
    config_file:
      description: Its configuration file.
      type: str
      returned: unless absent
    log:
      description: Its log file (every DHCP exchange is logged).
      type: str
      returned: unless absent
    lease_file:
      description: Its lease file.
      type: str
      returned: unless absent
    leases:
      description: The current leases.
      type: list
      elements: dict
      returned: unless absent
      sample: [{mac: "52:54:00:12:34:56", ip: 10.16.0.10, hostname: vm0, expires: 1767225600}]
actions:
  description: What was (or in check mode would be) done.
  returned: always
  type: list
  elements: str
'''

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import run_module
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.dhcp import KIND


def main():
    run_module(KIND)


if __name__ == '__main__':
    main()
