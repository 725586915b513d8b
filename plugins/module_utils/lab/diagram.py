# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab facts (facts.gather) -> Graphviz DOT and Mermaid, drawn like the diagrams of docs/scenarios.md:
namespaces and guests as boxes holding their interfaces and addresses, bridges as hubs in the host,
veth pairs and TAPs as edges, the NAT uplink marked. Pure functions (unit-tested)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re


def node_id(space, name):
    return re.sub(r'[^A-Za-z0-9_]', '_', '%s__%s' % (space or 'host', name))


def guest_address(guest):
    m = re.search(r'vnetlab\.ip=(\S+)', guest.get('append') or '')
    return m.group(1) if m else None


def model(facts):
    """-> (groups, edges). groups: [(id, label, [(node, label, shape)])]; edges: [(a, b, label)]."""
    groups, edges, seen_pairs = [], [], set()
    uplinks = dict((n['out_interface'], n['source']) for n in facts.get('nat', []))
    spaces = [(None, facts['host'])] + sorted(facts['netns'].items())
    for ns, space in spaces:
        nodes = []
        for name, link in sorted(space['links'].items()):
            if name == 'lo':
                continue
            label = '\\n'.join([name] + link['addresses'])
            shape = 'hub' if link['kind'] == 'bridge' else 'iface'
            if link['kind'] == 'tun':
                label = name + '\\n(TAP)'
            nodes.append((node_id(ns, name), label, shape))
            if link.get('master'):
                edges.append((node_id(ns, name), node_id(ns, link['master']), ''))
            if link['kind'] == 'veth' and link.get('peer'):
                pair = tuple(sorted([(ns or '', name), (link['peer_netns'] or '', link['peer'])]))
                if pair not in seen_pairs:
                    seen_pairs.add(pair)
                    edges.append((node_id(ns, name), node_id(link['peer_netns'], link['peer']), 'veth'))
            if link['kind'] == 'tun' and link.get('guest'):
                edges.append((node_id(ns, name), node_id('guest_' + link['guest'], name), ''))
        for uplink, source in sorted(uplinks.items()):
            if ns is None:
                nodes.append((node_id(None, uplink), '%s (uplink)\\nNAT %s' % (uplink, source), 'uplink'))
        if nodes or ns is not None:
            groups.append((node_id(ns, 'cluster'), 'host' if ns is None else 'netns %s' % ns, nodes))
    for guest in facts.get('guests', []):
        gid = 'guest_' + guest['name']
        nodes = []
        for i, nic in enumerate(guest['nics']):
            address = guest_address(guest) if i == 0 else None
            nodes.append((node_id(gid, nic['tap']), '\\n'.join(['eth%d' % i] + ([address] if address else [])),
                          'iface'))
        groups.append((node_id(gid, 'cluster'), 'QEMU guest %s (%s, %s)' % (guest['name'], guest['arch'],
                                                                            guest['accel']), nodes))
    return groups, edges


SHAPES = {'hub': 'shape=ellipse, style=filled, fillcolor="#fff2b3"', 'iface': 'shape=box',
          'uplink': 'shape=box, style="bold,filled", fillcolor="#d6eaff"'}


def to_dot(facts):
    groups, edges = model(facts)
    out = ['graph vnetlab {', '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=10];',
           '  edge [fontname="Helvetica", fontsize=9];']
    for gid, label, nodes in groups:
        out.append('  subgraph cluster_%s {' % gid)
        out.append('    label="%s"; style=rounded;' % label)
        if not nodes:
            out.append('    %s_empty [label="", shape=point, style=invis];' % gid)
        for nid, nlabel, shape in nodes:
            out.append('    %s [label="%s", %s];' % (nid, nlabel, SHAPES[shape]))
        out.append('  }')
    for a, b, label in edges:
        out.append('  %s -- %s%s;' % (a, b, ' [label="%s"]' % label if label else ''))
    out.append('}')
    return '\n'.join(out) + '\n'


def to_mermaid(facts):
    groups, edges = model(facts)
    out = ['flowchart LR']
    for gid, label, nodes in groups:
        out.append('  subgraph %s["%s"]' % (gid, label))
        for nid, nlabel, shape in nodes:
            text = nlabel.replace('\\n', '<br/>')
            out.append('    %s%s' % (nid, '(["%s"])' % text if shape == 'hub' else '["%s"]' % text))
        out.append('  end')
    for a, b, label in edges:
        out.append('  %s ---%s %s' % (a, '|%s|' % label if label else '', b))
    return '\n'.join(out) + '\n'
