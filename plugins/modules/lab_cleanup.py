#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: lab_cleanup
short_description: Remove everything that carries a lab's mark, or every vnetlab mark, without a topology file
version_added: "1.0.0"
description:
  - Finds, on the host, every object that carries the mark of lab O(lab) - or, with O(all=true), any
    vnetlab mark (every lab's, and the C(vnetlab) mark of the resource modules) - and removes it, through
    the same teardown as M(vnetlab.linux.topology) with O(vnetlab.linux.topology#module:state=absent).
  - "What is found: namespaces (the mark on their loopback) and the links in them; links in the host and in
    namespaces that stay; QEMU guests (their runtime and state directories, with the TAPs they recorded);
    DHCP servers (C(/run/vnetlab/dhcp/<bridge>)); NAT and port-forward rules (their comment starts with the
    mark); holds on kernel settings (the holder text starts with the mark; the original value is put back
    when the last holder goes); objects a run killed before it could mark them recorded in its intent; a
    persistent lab's boot-time systemd unit and saved definition (C(/var/lib/vnetlab/persistent/<lab>))."
  - With O(all=true) also the routes vnetlab added (protocol 118) that stay behind in the host or in
    namespaces that are not removed, and every hold on a kernel setting, whoever holds it.
  - Nothing is found by name. An object without a mark - a link or namespace made by hand, another lab's
    objects when O(lab) is given - is never touched.
  - Use it after a crash, or to take a lab down when its topology file is gone. Addresses a lab put on
    links it adopted carry no mark and stay; remove them with the topology file
    (M(vnetlab.linux.topology) O(vnetlab.linux.topology#module:state=absent)).
  - Check mode lists what would be removed (RV(actions), RV(found)) and changes nothing.
options:
  lab:
    description:
      - The lab whose objects are removed (the C(lab:) of its topology file).
      - Mutually exclusive with O(all).
    type: str
  all:
    description:
      - Remove every object that carries any vnetlab mark - every lab's and the resource modules'.
      - Mutually exclusive with O(lab).
    type: bool
    default: false
extends_documentation_fragment:
  - vnetlab.linux.common
  - vnetlab.linux.resource
seealso:
  - module: vnetlab.linux.topology
  - module: vnetlab.linux.lab_inspect
author:
  - vnetlab contributors (@vnetlab)
'''

EXAMPLES = r'''
- name: Take lab scenario-b down by its name alone
  vnetlab.linux.lab_cleanup:
    lab: scenario-b

- name: What would a cleanup after a crash remove?
  vnetlab.linux.lab_cleanup:
    all: true
  check_mode: true
  register: preview

- name: Remove every vnetlab object on the host
  vnetlab.linux.lab_cleanup:
    all: true
'''

RETURN = r'''
actions:
  description: The changes made (in check mode, that would be made), in order.
  returned: always
  type: list
  elements: str
  sample: ["delete nftables rules for 10.16.0.0/24 out of eth0", "stop guest 'vm1'", "delete netns 'red'"]
found:
  description: What was found, one entry per owner (a lab, or the resource modules with C(lab) null).
  returned: always
  type: list
  elements: dict
  contains:
    lab:
      description: The lab's name; null for the resource modules' objects.
      type: str
    mark:
      description: The owner's mark (C(vnetlab:<lab>), or C(vnetlab)).
      type: str
    persistent:
      description: The lab, when it has a boot-time unit or a saved definition (docs/reboot.md); they are removed.
      type: list
      elements: str
      version_added: 1.0.0
    namespaces:
      description: Names of the namespaces.
      type: list
      elements: str
    links:
      description: Links outside those namespaces (C(netns), C(name), C(kind)).
      type: list
      elements: dict
    guests:
      description: Guest names.
      type: list
      elements: str
    dhcp:
      description: Bridges whose DHCP server is the owner's.
      type: list
      elements: str
    nat:
      description: NAT rule sets (C(source), C(out_interface)).
      type: list
      elements: dict
    forwards:
      description: Port forwards (C(protocol), C(port), C(in_interface), C(to_address), C(to_port)).
      type: list
      elements: dict
    holds:
      description: Holds on kernel settings (C(name), C(netns), C(holder)).
      type: list
      elements: dict
    routes:
      description: Routes vnetlab added that stay behind (only with O(all=true)).
      type: list
      elements: dict
elapsed_ms:
  description: Time the module spent, in milliseconds.
  returned: always
  type: float
'''

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import run
from ansible_collections.vnetlab.linux.plugins.module_utils.entry import new_module
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.sweep import converge


def main():
    module = new_module(
        argument_spec=dict(
            lab=dict(type='str'),
            all=dict(type='bool', default=False),
        ),
        mutually_exclusive=[('lab', 'all')],
        supports_check_mode=True,
    )
    if module.params['lab'] is None and not module.params['all']:
        module.fail_json(msg='give lab: <name> (one lab), or all: true (every vnetlab object on the host)')
    run(module, lambda: converge(module.params['lab'], module.params['all'], module.check_mode,
                                 with_diff=module._diff))


if __name__ == '__main__':
    main()
