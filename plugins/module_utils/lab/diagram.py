# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab facts (facts.gather) -> Graphviz DOT and Mermaid, drawn like the diagrams of docs/scenarios.md:
namespaces and guests as boxes holding their interfaces and addresses, bridges as hubs in the host,
veth pairs and TAPs as edges, the NAT uplink marked. Pure functions (unit-tested).

A topology (lab/schema.normalize) is drawn the same way before anything is built: from_topology() turns
it into the facts the lab will have. Labels are plain text (lines joined by newlines) until each format
escapes them: an interface may be called `a"b\\c`."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import lab_leases


def node_id(space, name):
    """A node's identity: its place (the host, a namespace, a guest) and its name. Neither contains '/'
    (names of links and namespaces cannot), so two nodes never share one - whatever their names."""
    return '%s/%s' % (space or 'host', name)


def _space(ns):
    return None if ns is None else 'netns:' + ns


def guest_address(guest):
    if guest.get('address'):
        return guest['address']
    m = re.search(r'vnetlab\.ip=(\S+)', guest.get('append') or '')
    return m.group(1) if m else None


def model(facts):
    """-> (groups, edges). groups: [(id, label, [(node, label, shape)])]; edges: [(a, b, label)]. Labels are
    plain text, lines joined by newlines."""
    groups, edges, seen_pairs = [], [], set()
    uplinks = dict((n['out_interface'], n['source']) for n in facts.get('nat', []))
    spaces = [(None, facts['host'])] + sorted(facts['netns'].items())
    for ns, space in spaces:
        nodes = []
        here = _space(ns)
        for name, link in sorted(space['links'].items()):
            if name == 'lo' or (ns is None and name in uplinks):
                continue
            label = '\n'.join([name] + link['addresses'])
            shape = 'hub' if link['kind'] == 'bridge' else 'iface'
            if link['kind'] == 'tun':
                label = name + '\n(TAP)'
            nodes.append((node_id(here, name), label, shape))
            if link.get('master'):
                edges.append((node_id(here, name), node_id(here, link['master']), ''))
            if link['kind'] == 'veth' and link.get('peer'):
                pair = tuple(sorted([(ns or '', name), (link['peer_netns'] or '', link['peer'])]))
                if pair not in seen_pairs:
                    seen_pairs.add(pair)
                    edges.append((node_id(here, name), node_id(_space(link['peer_netns']), link['peer']), 'veth'))
            if link['kind'] == 'tun' and link.get('guest'):
                edges.append((node_id(here, name), node_id('guest:' + link['guest'], name), ''))
        if ns is None:
            for uplink, source in sorted(uplinks.items()):
                nodes.append((node_id(None, uplink), '%s (uplink)\nNAT %s' % (uplink, source), 'uplink'))
        if nodes or ns is not None:
            groups.append(('cluster:' + (here or 'host'), 'host' if ns is None else 'netns %s' % ns, nodes))
    for guest in facts.get('guests', []):
        gid = 'guest:' + guest['name']
        nodes = []
        for i, nic in enumerate(guest['nics']):
            address = guest_address(guest) if i == 0 else None
            nodes.append((node_id(gid, nic['tap']), '\n'.join(['eth%d' % i] + ([address] if address else [])),
                          'iface'))
        groups.append(('cluster:' + gid, 'QEMU guest %s (%s, %s)' % (guest['name'], guest['arch'], guest['accel']),
                       nodes))
    return groups, edges


def from_topology(topo):
    """A normalised topology -> the facts (as facts.gather() gives them) of the lab it builds: its
    namespaces, bridges, veth pairs with their addresses and masters, the guests' TAPs on their bridges,
    the guests (address: their static DHCP lease), the NAT uplinks (None: the host's default route)."""
    host, spaces = {}, dict((ns['name'], {'links': {'lo': _planned('device')}, 'routes': []})
                            for ns in topo['namespaces'])

    def links_of(ns):
        return host if ns is None else spaces[ns]['links']
    for b in topo['bridges']:
        links_of(b['netns'])[b['name']] = _planned('bridge', b['addresses'])
    for v in topo['veths']:
        for end, ns, master, addrs, peer, peer_ns in (
                ('name', 'netns', 'master', 'addresses', 'peer', 'peer_netns'),
                ('peer', 'peer_netns', 'peer_master', 'peer_addresses', 'name', 'netns')):
            links_of(v[ns])[v[end]] = _planned('veth', v[addrs], v[master], peer=v[peer], peer_netns=v[peer_ns])
    guests = []
    leases = lab_leases(topo)
    for g in topo['guests']:
        for nic in g['nic_list']:
            host[nic['tap']] = _planned('tun', master=nic['bridge'], guest=g['name'])
        guests.append({'name': g['name'], 'arch': g['arch'], 'accel': g['accel'], 'append': g['append'],
                       'nics': [{'tap': n['tap'], 'bridge': n['bridge'], 'mac': n['mac']} for n in g['nic_list']],
                       'address': (leases.get(g['name']) or [None])[0]})
    for links in [host] + [s['links'] for s in spaces.values()]:
        for name, link in links.items():
            if link['kind'] == 'bridge':
                link['ports'] = sorted(n for n, x in links.items() if x['master'] == name)
    nat = [{'source': n['source'], 'out_interface': n['out_interface'] or 'default route', 'backend': None}
           for n in topo['nat']]
    return {'namespaces': sorted(spaces), 'host': {'links': host, 'routes': []}, 'netns': spaces,
            'bridges': sorted(b['name'] if b['netns'] is None else '%s/%s' % (b['netns'], b['name'])
                              for b in topo['bridges']),
            'guests': guests, 'nat': nat}


def _planned(kind, addresses=None, master=None, **extra):
    link = {'kind': kind, 'addresses': [str(a) for a in addresses or []], 'master': master, 'owned': True,
            'up': True}
    link.update(extra)
    return link


SHAPES = {'hub': 'shape=ellipse, style=filled, fillcolor="#fff2b3"', 'iface': 'shape=box',
          'uplink': 'shape=box, style="bold,filled", fillcolor="#d6eaff"'}


def dot_text(text):
    """A label as a DOT quoted string's content: backslash and quote escaped, lines joined by DOT's \\n."""
    return '\\n'.join(line.replace('\\', '\\\\').replace('"', '\\"') for line in text.split('\n'))


def mermaid_text(text):
    """A label inside Mermaid's ["..."]: quotes as entities, lines as <br/>."""
    return '<br/>'.join(line.replace('"', '#quot;') for line in text.split('\n'))


def to_dot(facts):
    groups, edges = model(facts)
    out = ['graph vnetlab {', '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=10];',
           '  edge [fontname="Helvetica", fontsize=9];']
    for gid, label, nodes in groups:
        out.append('  subgraph "%s" {' % dot_text(gid))  # a subgraph whose name starts with cluster is a box
        out.append('    label="%s"; style=rounded;' % dot_text(label))
        if not nodes:
            out.append('    "%s/" [label="", shape=point, style=invis];' % dot_text(gid))
        for nid, nlabel, shape in nodes:
            out.append('    "%s" [label="%s", %s];' % (dot_text(nid), dot_text(nlabel), SHAPES[shape]))
        out.append('  }')
    for a, b, label in edges:
        out.append('  "%s" -- "%s"%s;' % (dot_text(a), dot_text(b), ' [label="%s"]' % dot_text(label) if label else ''))
    out.append('}')
    return '\n'.join(out) + '\n'


def to_mermaid(facts):
    groups, edges = model(facts)
    ids = {}

    def mid(node):  # Mermaid takes only plain identifiers: number the nodes
        return ids.setdefault(node, 'n%d' % len(ids))
    out = ['flowchart LR']
    for gid, label, nodes in groups:
        out.append('  subgraph %s["%s"]' % (mid(gid), mermaid_text(label)))
        for nid, nlabel, shape in nodes:
            text = mermaid_text(nlabel)
            out.append('    %s%s' % (mid(nid), '(["%s"])' % text if shape == 'hub' else '["%s"]' % text))
        out.append('  end')
    for a, b, label in edges:
        out.append('  %s ---%s %s' % (mid(a), '|%s|' % mermaid_text(label) if label else '', mid(b)))
    return '\n'.join(out) + '\n'
