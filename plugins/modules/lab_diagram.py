#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: lab_diagram
short_description: Draw the live lab as Graphviz (DOT, SVG, PNG) or Mermaid
version_added: "0.1.0"
description:
  - Gathers the lab's live state (as M(vnetlab.linux.lab_facts)) and draws it like the diagrams of
    docs/scenarios.md - namespaces and guests as boxes with their interfaces and addresses, bridges as hubs,
    veth pairs and TAPs as edges, the NAT uplink marked - and writes it to O(path) on the host.
  - The format follows the file name - C(.dot), C(.svg), C(.png) (these two need Graphviz's C(dot)),
    C(.mmd) or C(.md) (Mermaid, for Markdown). C(changed) only when the file's content changes.
  - With O(src) or O(definition) it draws a topology instead - the lab as it will be, before anything is
    built. Nothing is read from the kernel then, and neither root nor pyroute2 is needed. A topology that
    names hosts (docs/multihost.md) is drawn as the whole lab - a box per host, each with its own part and
    its tunnel links, joined across hosts by dashed VXLAN edges.
  - With O(hosts) (or O(facts)) it draws a lab over several hosts (docs/multihost.md) from the facts
    M(vnetlab.linux.lab_facts) gathered on each - one box per host holding its links, namespaces and guests,
    and the VXLAN tunnels between the hosts as dashed edges. Nothing is read from the kernel then; run it
    once for the play (C(run_once), C(delegate_to) C(localhost)) to write one diagram of the whole lab.
  - Labels are escaped for the format (an interface name may hold C(") or C(\)).
options:
  path:
    description:
      - File to write. Without it nothing is written; the diagram is returned (RV(dot), RV(mermaid)).
    type: path
  namespaces:
    description: Only these namespaces (and the host's lab links). All when omitted.
    type: list
    elements: str
  owned_only:
    description: Only what vnetlab made.
    type: bool
    default: true
  src:
    description:
      - A topology file on the controller (as for M(vnetlab.linux.topology)'s O(vnetlab.linux.topology#module:src)),
        read and validated there by the action plugin; draws the lab it declares.
      - Mutually exclusive with O(definition) and O(namespaces).
    type: path
    version_added: "1.0.0"
  definition:
    description:
      - A topology as data, or JSON text of it (as for M(vnetlab.linux.topology)); draws the lab it declares.
      - Mutually exclusive with O(src) and O(namespaces).
    type: raw
    version_added: "1.0.0"
  hosts:
    description:
      - Inventory hosts of a lab over several hosts (for instance C("{{ ansible_play_hosts }}")). The action
        plugin takes each one's C(vnetlab_lab) fact - run M(vnetlab.linux.lab_facts) on them first, in the
        same play - and passes them as O(facts). O(owned_only) applies to each host.
      - Mutually exclusive with O(src), O(definition), O(namespaces) and O(facts).
    type: list
    elements: str
    version_added: "1.0.0"
  facts:
    description:
      - The facts of several hosts - a mapping of each inventory name to its facts as
        M(vnetlab.linux.lab_facts) gathers them (its C(vnetlab_lab)) - or JSON text of that; draws the whole
        lab, a box per host.
      - Mutually exclusive with O(src), O(definition), O(namespaces) and O(hosts).
    type: raw
    version_added: "1.0.0"
attributes:
  diff_mode:
    support: partial
    details: A line diff of the file for the text formats (C(.dot), C(.svg), C(.mmd), C(.md)); for C(.png)
      only its size before and after.
    description: Shows how the file changes.
extends_documentation_fragment:
  - vnetlab.linux.common
  - vnetlab.linux.resource
seealso:
  - module: vnetlab.linux.topology
  - module: vnetlab.linux.lab_facts
author:
  - vnetlab contributors (@vnetlab)
'''

EXAMPLES = r'''
- name: Diagram of the running lab
  vnetlab.linux.lab_diagram:
    path: /tmp/lab.svg

- name: Gather each host's part of a lab over several hosts
  vnetlab.linux.lab_facts:

- name: One diagram of the whole lab, on the controller
  vnetlab.linux.lab_diagram:
    hosts: "{{ ansible_play_hosts }}"
    path: /tmp/whole-lab.svg
  run_once: true
  delegate_to: localhost

- name: Diagram of a topology file, before it is built
  vnetlab.linux.lab_diagram:
    src: examples/scenario_b.yml
    path: /tmp/scenario-b.dot
  delegate_to: localhost
'''

RETURN = r'''
dot:
  description: The Graphviz source.
  returned: always
  type: str
mermaid:
  description: The Mermaid source.
  returned: always
  type: str
path:
  description: The file written, or in check mode that would be (null without O(path)).
  returned: always
  type: str
'''

import json
import os

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import preflight
from ansible_collections.vnetlab.linux.plugins.module_utils.entry import new_module
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.command import run
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.diagram import (
    from_topology, to_dot, to_mermaid, whole_lab)
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.facts import gather
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.hosts import is_multihost, planned_parts
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import DEFINITION_TEXT, normalize
from ansible_collections.vnetlab.linux.plugins.module_utils.ownership import write_atomic
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import TEXT

FORMATS = {'.dot': 'dot', '.gv': 'dot', '.svg': 'svg', '.png': 'png', '.mmd': 'mermaid', '.md': 'mermaid'}


def render(fmt, dot, mermaid, module):
    if fmt == 'dot':
        return dot.encode()
    if fmt == 'mermaid':
        return mermaid.encode()
    binary = module.get_bin_path('dot')
    if binary is None:
        raise VnetlabError('path: drawing %s needs Graphviz (apt install graphviz); .dot and .mmd need nothing'
                           % fmt)
    return run([binary, '-T' + fmt], 'drawing the diagram', stdin=dot.encode(), binary=True, timeout=60).stdout


def file_diff(fmt, path, old, new):
    """Ansible's diff of the file: its lines for a text format, its size for PNG."""
    diff = dict(before_header=path if old is not None else '%s (absent)' % path, after_header=path)
    if fmt == 'png':
        diff.update(before='' if old is None else 'PNG, %d bytes\n' % len(old), after='PNG, %d bytes\n' % len(new))
    else:
        diff.update(before='' if old is None else old.decode(errors='replace'), after=new.decode(errors='replace'))
    return diff


def _data(value, param):
    """A mapping given as data or as JSON text of it."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as e:
            raise VnetlabError('%s: not a mapping, nor JSON text of one: %s' % (param, e))
    return value


def drawn(module):
    """The facts to draw: the topology's lab as it will be, the facts of several hosts, or the live lab."""
    if module.params['facts'] is not None:
        return whole_lab(_data(module.params['facts'], 'facts'), module.params['owned_only'])
    definition = module.params['definition']
    if definition is not None:
        data = _data(definition, 'definition')
        if is_multihost(data):  # a box per host, its tunnels joined across hosts
            return {'hosts': dict((host, from_topology(normalize(part, source='definition')))
                                  for host, part in planned_parts(data).items())}
        return from_topology(normalize(data, source='definition'))
    preflight(module)
    return gather(module.params['namespaces'], module.params['owned_only'])


def main():
    module = new_module(
        argument_spec=dict(
            path=dict(type='path'),
            namespaces=dict(type='list', elements='str'),
            owned_only=dict(type='bool', default=True),
            src=dict(type='path'),
            definition=dict(type='raw'),
            hosts=dict(type='list', elements='str'),
            facts=dict(type='raw'),
        ),
        mutually_exclusive=[('src', 'definition', 'hosts', 'facts'), ('namespaces', 'definition'),
                            ('namespaces', 'src'), ('namespaces', 'hosts'), ('namespaces', 'facts')],
        text_options=dict(DEFINITION_TEXT, facts=TEXT),  # JSON text (or a topology as data)
        supports_check_mode=True,
    )
    if module.params['src'] is not None:
        module.fail_json(msg='src: the file is read on the controller by the action plugin of '
                             'vnetlab.linux.lab_diagram; call the module by that name')
    if module.params['hosts'] is not None:
        module.fail_json(msg="hosts: the hosts' facts are read on the controller by the action plugin of "
                             'vnetlab.linux.lab_diagram; call the module by that name, or give facts')
    p = module.params
    try:
        fmt = FORMATS.get(os.path.splitext(p['path'])[1].lower()) if p['path'] else 'dot'
        if fmt is None:
            raise VnetlabError('path: name the file .svg, .png, .dot or .mmd/.md (the format follows the name)')
        lab = drawn(module)
        dot, mermaid = to_dot(lab), to_mermaid(lab)
        content = render(fmt, dot, mermaid, module) if p['path'] else None
    except VnetlabError as e:
        module.fail_json(msg=str(e))
    if p['path'] is None:
        module.exit_json(changed=False, dot=dot, mermaid=mermaid, path=None)
    old = None
    if os.path.exists(p['path']):
        with open(p['path'], 'rb') as f:
            old = f.read()
    changed = old != content
    if changed and not module.check_mode:
        try:
            write_atomic(p['path'], content, binary=True)  # never through a symlink, never half a file
        except OSError as e:
            module.fail_json(msg='path: cannot write %s: %s' % (p['path'], e.strerror))
    result = dict(changed=changed, dot=dot, mermaid=mermaid, path=p['path'])
    if module._diff:
        result['diff'] = file_diff(fmt, p['path'], old, content)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
