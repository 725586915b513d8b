#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: topology
short_description: Apply a whole declared lab (namespaces, bridges, veths, routes, DHCP, guests, NAT) in one task
version_added: "0.1.0"
description:
  - Reads a lab declared as data - namespaces, bridges, veth pairs with their addresses and bridge
    masters, routes - and makes the host match it in one process. Every namespace is read and changed
    from one thread that enters it in turn, with one netlink socket open at a time, so a lab of
    hundreds of namespaces converges in about the time of the equivalent C(ip -batch) commands.
  - The format is documented in C(docs/topology.md) of the collection and validated before anything
    changes; an error names the key (C(veths[3].peer_netns)) and, for O(src), the file and line.
  - Everything the lab creates or manages carries the interface alias C(vnetlab:<lab>) (a namespace
    carries it on its loopback). O(prune) and O(state=absent) use that mark, so they never touch
    anything of another lab or of the host.
  - Addresses listed for an interface are exclusive - others are removed (IPv6 link-local ones are
    never touched); an interface without an C(addresses) key keeps whatever it has. On an adopted
    interface (its entry has C(adopt=true)) the listed addresses are only added, its own stay.
  - IPv6 addresses are added without duplicate address detection (C(nodad)), so they are usable when the task
    returns, never C(tentative).
  - C(dhcp), C(guests), C(nat) and C(forwards) entries take the options of M(vnetlab.linux.dhcp),
    M(vnetlab.linux.qemu_guest), M(vnetlab.linux.nat_masquerade) and M(vnetlab.linux.port_forward) (all but
    C(state)) and run through the same engine as those modules, after the network on the way up
    (DHCP before the guests) and before it on the way down.
  - C(impairments) entries take the options of M(vnetlab.linux.impairment) (all but C(state) and C(adopt)) on a
    link the lab declares; C(vlans) entries those of M(vnetlab.linux.vlan) plus C(addresses); a veth end that is a
    port of a bridge with C(vlan_filtering) takes its VLANs as C(vlan) / C(peer_vlan)
    (C(access) with one VLAN ID, or C(trunk) with a list and an optional C(native), as M(vnetlab.linux.port_vlan)).
    A kernel without netem, 8021q or bridge VLAN filtering refuses the lab before any change, naming the key.
  - A C(dhcp) entry's domain is the lab's name; every declared guest with a NIC on its bridge gets a
    static lease (its C(hosts) entry, or the next free address of the range in declared order) and its
    name in DNS, and every namespace with an address in the bridge's subnet gets its name in DNS.
  - A failure half-way rolls back what the task had already changed.
options:
  src:
    description:
      - Path of a topology YAML file on the controller (searched like C(copy)'s O(src), including a
        role's C(files/)). Read and validated on the controller by the action plugin, which reports
        the line of a bad key. The file may be encrypted with C(ansible-vault) (whole file).
      - Mutually exclusive with O(definition).
    type: path
  definition:
    description:
      - The topology as data (the same keys as the file), or JSON text of it (what the action plugin
        passes for O(src), because Ansible hands text on as it is but walks every node of a big dict).
        Mutually exclusive with O(src).
      - "Top-level keys: C(lab) (required, the lab's name), C(description), C(namespaces), C(bridges),
        C(veths), C(vlans), C(routes), C(dhcp), C(guests), C(nat), C(forwards), C(vxlans), C(impairments), and for a
        lab across hosts
        C(default_host) and C(underlay_mtu)."
      - A lab across the hosts of an inventory names the host of its entries (C(host), C(hosts) on a bridge,
        C(default_host)); the action plugin then runs each host's part on it, a bridge on several hosts joined
        by VXLAN. See C(docs/multihost.md) of the collection.
    type: raw
  state:
    description:
      - V(present) builds or updates the lab; V(absent) removes the declared namespaces, the declared
        host links and everything else marked as this lab's.
    type: str
    choices: [present, absent]
    default: present
  prune:
    description:
      - With O(state=present), also remove this lab's namespaces, links and guests that are no longer
        declared, and routes added by hand or by an earlier run (protocol boot/static) in the lab's
        namespaces that are not declared, and vnetlab's impairments on the lab's links that no longer declare
        any. Routes in the host namespace, NAT and forwards are never pruned.
    type: bool
    default: false
  validate_only:
    description:
      - Only validate the topology, as a real run would before it changes anything (the schema,
        cross-references between entries, address ranges - DHCP ranges and leases in their bridge's subnet,
        gateways on a declared subnet, forward targets), and report C(changed=false) or the error.
      - The action plugin does this on the controller and does not run the module, so nothing on the host
        is read or changed. Checks that need the host (objects that exist there and are not ours, a bridge's
        live addresses) are left to the real run.
      - The C(vnetlab.linux.lab) role calls this first, so that a bad topology fails before the
        C(prerequisites) role installs packages or changes host settings.
    type: bool
    default: false
    version_added: 1.0.0
  persistent:
    description:
      - With O(state=present), make the host re-apply this lab at every boot, guests included (their disks
        are kept). A systemd unit C(vnetlab-lab-<lab>.service) (Type=oneshot, after the network and
        nftables, wanted by C(multi-user.target)) runs the collection's code saved with the lab's definition
        under C(/var/lib/vnetlab/persistent/<lab>/), with the Python interpreter this module runs under.
      - Needs systemd as the init system; on a host without it the task fails before changing anything.
        Guest files (C(image), C(kernel), C(initrd), C(firmware)) must be absolute paths.
      - V(false) (and O(state=absent)) disables and removes the unit and the saved files of a lab that had
        them. A unit file of that name that vnetlab did not write is never changed or removed.
      - Without it a reboot still leaves the lab rebuildable; the next run of this task makes it again and
        keeps the guests' disks. See C(docs/reboot.md) of the collection.
    type: bool
    default: false
    version_added: 1.0.0
attributes:
  action:
    support: full
    description: An action plugin reads O(src) on the controller, so the file never has to be on the host. It
      also prints the run's progress while guests boot (the step, what it waits for, for how long), on this
      machine or, through a background job polled over the host's connection, on a remote host.
  async:
    support: full
    description: C(async) runs the task as any async task (without progress lines).
  vault:
    support: full
    description: O(src) may be encrypted with C(ansible-vault); it is decrypted on the controller with the play's
      vault secrets.
extends_documentation_fragment:
  - vnetlab.linux.common
  - vnetlab.linux.resource
seealso:
  - module: vnetlab.linux.lab_facts
  - module: vnetlab.linux.lab_diagram
author:
  - vnetlab contributors (@vnetlab)
'''

EXAMPLES = r'''
- name: Scenario B from a file (examples/scenario_b.yml)
  vnetlab.linux.topology:
    src: examples/scenario_b.yml

- name: A lab declared inline
  vnetlab.linux.topology:
    definition:
      lab: pair
      namespaces: [red, blue]
      veths:
        - {name: veth-red, netns: red, addresses: [10.16.0.2/24],
           peer: veth-blue, peer_netns: blue, peer_addresses: [10.16.0.3/24]}

- name: Scenario C - a guest and a namespace on br0, NATed out (examples/scenario_c.yml)
  vnetlab.linux.topology:
    src: examples/scenario_c.yml

- name: Check a topology before anything on the host changes (on the controller; the module does not run)
  vnetlab.linux.topology:
    src: lab.yml
    validate_only: true

- name: Drop what the file no longer declares
  vnetlab.linux.topology:
    src: lab.yml
    prune: true

- name: Scenario C, built again at every boot of the host (guests keep their disks)
  vnetlab.linux.topology:
    src: examples/scenario_c.yml
    persistent: true

- name: Tear the lab down
  vnetlab.linux.topology:
    src: lab.yml
    state: absent
'''

RETURN = r'''
actions:
  description: The changes made (or, in check mode, that would be made), in order.
  returned: always
  type: list
  elements: str
  sample: ["create netns 'red'", "set lo up in netns 'red'",
           "create veth 'veth-red' in netns 'red' with peer 'veth-blue' in netns 'blue'"]
lab:
  description:
    - The lab's name, the state asked for, its namespaces, how many links it has and its guests afterwards.
    - With O(validate_only=true), only C(name) (the C(lab) role holds the host settings it changes in it).
    - C(guest_hosts) lists the guests with a static lease of a C(dhcp) entry, with the address Ansible
      reaches them at and their O(definition) C(ssh_user) (what the C(lab) role's C(add_host) uses).
    - With O(state=present), C(guest_details) gives each guest's accelerator (C(kvm) or C(tcg)), QEMU pid
      (null in check mode) and serial log, and C(nat) each NAT's uplink and backend as resolved on the
      host.
  returned: always
  type: dict
  sample: {"name": "c", "state": "present", "namespaces": ["navy"], "links": 3, "guests": ["vm0"],
           "guest_hosts": [{"name": "vm0", "address": "10.16.0.128", "ssh_user": "debian"}],
           "guest_details": [{"name": "vm0", "accel": "tcg", "pid": 4242,
                              "serial_log": "/run/vnetlab/guests/vm0/serial.log"}],
           "nat": [{"source": "10.16.0.0/24", "out_interface": "eth0", "backend": "nftables"}]}
elapsed_ms:
  description: Time the module spent reading and changing kernel state, in milliseconds.
  returned: always
  type: float
'''

import json

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import run
from ansible_collections.vnetlab.linux.plugins.module_utils.entry import new_module
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.hosts import is_multihost
# The boot-time entry point of a persistent lab: imported here so that Ansible ships it with this module,
# and the code this module saves for boot (lab/persist.py code_zip) holds it.
from ansible_collections.vnetlab.linux.plugins.module_utils.lab import restore  # noqa: F401 pylint: disable=unused-import
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.plan import converge
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import DEFINITION_TEXT, normalize


def main():
    module = new_module(
        argument_spec=dict(
            src=dict(type='path'),
            definition=dict(type='raw'),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            prune=dict(type='bool', default=False),
            persistent=dict(type='bool', default=False),
            validate_only=dict(type='bool', default=False),
        ),
        mutually_exclusive=[('src', 'definition')],
        required_one_of=[('src', 'definition')],
        text_options=DEFINITION_TEXT,  # JSON text, or the data with the schema's TEXT_KEYS
        supports_check_mode=True,
    )
    if module.params['src'] is not None:
        module.fail_json(msg='src: the file is read on the controller by the action plugin of '
                             'vnetlab.linux.topology; call the module by that name (not through a custom action)')
    definition = module.params['definition']
    if isinstance(definition, str):
        try:
            definition = json.loads(definition)
        except ValueError as e:
            module.fail_json(msg='definition: not a mapping, nor JSON text of one: %s' % e)
    if is_multihost(definition):
        module.fail_json(msg='definition: this lab names hosts (host, hosts, default_host); its part for each host is '
                             'made by the action plugin of vnetlab.linux.topology, in a play over those hosts')
    if module.params['validate_only']:  # normally handled by the action plugin, without the module
        try:
            topo = normalize(definition, source='definition')
        except VnetlabError as e:
            module.fail_json(msg=str(e))
        module.exit_json(changed=False, msg="topology '%s' is valid" % topo['lab'], lab={'name': topo['lab']})
    run(module, lambda: converge(normalize(definition, source='definition'),
                                 module.params['state'], module.params['prune'], module.check_mode,
                                 with_diff=module._diff,
                                 persistent={'wanted': module.params['persistent'], 'definition': definition}))


if __name__ == '__main__':
    main()
