# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lab facts (facts.gather) -> Graphviz DOT and Mermaid, drawn like the diagrams of docs/scenarios.md:
namespaces and guests as boxes holding their interfaces and addresses, bridges as hubs in the host,
veth pairs and TAPs as edges, the NAT uplink marked. Pure functions (unit-tested).

A topology (lab/schema.normalize) is drawn the same way before anything is built: from_topology() turns
it into the facts the lab will have. Labels are plain text (lines joined by newlines) until each format
escapes them: an interface may be called `a"b\\c`.

A lab over several hosts (docs/multihost.md) is drawn from the facts of each host ({inventory name: facts},
whole_lab()): each host a box holding its host links and its namespaces' and guests' boxes, and an edge
between the VXLAN links of two hosts that tunnel to each other."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import lab_leases
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.impairment import values_view
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.port_vlan import describe


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
            if link['kind'] == 'vxlan':
                label = '\n'.join([name, 'VXLAN %s' % link.get('vni')] + ([link['local']] if link.get('local') else []))
                shape = 'tunnel'
            if link['kind'] == 'vlan':
                label = '\n'.join([name, 'VLAN %s' % link.get('vlan_id')] + link['addresses'])
            if link.get('impairment') and not link.get('master') and link['kind'] != 'veth':
                label += '\n' + impairment_text(link['impairment'])  # no edge of its own to carry it
            nodes.append((node_id(here, name), label, shape))
            if link.get('master'):
                # a port's VLANs, and its impairments unless it is a veth end (they go on the pair's edge)
                shown = [vlans_text(link.get('vlans'))]
                if link['kind'] != 'veth':
                    shown.append(impairment_text(link.get('impairment')))
                edges.append((node_id(here, name), node_id(here, link['master']), '\n'.join(t for t in shown if t)))
            if link['kind'] == 'vlan' and link.get('link'):
                edges.append((node_id(here, name), node_id(here, link['link']), '802.1Q'))
            if link['kind'] == 'veth' and link.get('peer') and _peer_agrees(facts, ns, name, link):
                pair = tuple(sorted([(ns or '', name), (link['peer_netns'] or '', link['peer'])]))
                if pair not in seen_pairs:
                    seen_pairs.add(pair)
                    edges.append((node_id(here, name), node_id(_space(link['peer_netns']), link['peer']),
                                  '\n'.join(['veth'] + _pair_impairments(facts, ns, name, link))))
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


def vlans_text(vlans):
    """'VLAN 10' (access) or 'trunk 10,20 (native 1)': what a port's edge says ('' for none)."""
    if not vlans:
        return ''
    if 'access' in vlans:
        return 'VLAN %d' % vlans['access']
    native = ' (native %d)' % vlans['native'] if vlans.get('native') else ''
    return 'trunk %s%s' % (','.join(str(v) for v in vlans['trunk']), native)


def impairment_text(impairment):
    """'delay 20ms±5ms, loss 1%, rate 10mbit': what an edge says of an impaired link end ('' for none)."""
    if not impairment:
        return ''
    parts = []
    for key, value in sorted(impairment.items(), key=lambda kv: _ORDER.index(kv[0]) if kv[0] in _ORDER else 99):
        if key == 'jitter':
            parts[-1] += '\u00b1' + value if parts and parts[-1].startswith('delay ') else ''
        elif isinstance(value, float):
            parts.append('%s %g%%' % (key.replace('_', ' '), value))
        else:
            parts.append('%s %s' % (key, value))
    return ', '.join(parts)


_ORDER = ['delay', 'jitter', 'delay_correlation', 'loss', 'loss_correlation', 'duplicate', 'duplicate_correlation',
          'reorder', 'reorder_correlation', 'corrupt', 'corrupt_correlation', 'rate', 'limit']


def _pair_impairments(facts, ns, name, link):
    """One line per impaired end of a veth pair: 'red/veth1-red: delay 20ms' (each end impairs what it sends)."""
    lines = []
    peer_space = facts['host'] if link.get('peer_netns') is None else facts['netns'].get(link['peer_netns'], {})
    peer = (peer_space or {}).get('links', {}).get(link['peer']) or {}
    for end_ns, end, data in sorted([(ns, name, link), (link.get('peer_netns'), link['peer'], peer)],
                                    key=lambda e: (e[0] or '', e[1])):
        if data.get('impairment'):
            lines.append('%s/%s: %s' % (end_ns or 'host', end, impairment_text(data['impairment'])))
    return lines


def _peer_agrees(facts, ns, name, link):
    """Does the peer that a veth end names, where the facts hold it, name that end back? A pair is an edge
    only then: facts in which two ends disagree about a pair draw neither (the other namespace's box would
    be joined to the wrong one)."""
    space = facts['host'] if link.get('peer_netns') is None else facts['netns'].get(link['peer_netns'])
    peer = (space or {}).get('links', {}).get(link['peer'])
    if peer is None or 'peer' not in peer:  # not in these facts (another namespace, not owned): the end's word
        return True
    return peer.get('kind') == 'veth' and peer['peer'] == name and peer.get('peer_netns') == ns


def whole_lab(hosts, owned_only=True):
    """The facts of a lab over several hosts: {inventory name: facts} (as facts.gather() or lab_facts give
    them) checked, and with owned_only only what vnetlab made -> {'hosts': ...}, which to_dot/to_mermaid
    draw with a box per host."""
    if not isinstance(hosts, dict) or not hosts:
        raise VnetlabError('facts: give {inventory name: the facts lab_facts gathered there} of one host at least')
    out = {}
    for name, facts in hosts.items():
        if not isinstance(facts, dict) or not isinstance(facts.get('host'), dict) \
                or not isinstance(facts.get('netns'), dict):
            raise VnetlabError("facts: the facts of host '%s' are not what lab_facts gathers (a mapping with host and "
                               "netns)" % name)
        out[str(name)] = _owned(facts) if owned_only else facts
    return {'hosts': out}


def _owned(facts):
    """Only the links vnetlab made, and the namespaces that hold one (as lab_facts' owned_only)."""
    def links(space, keep_lo):
        return dict((n, v) for n, v in space['links'].items() if v.get('owned') or (keep_lo and n == 'lo'))
    netns = dict((ns, dict(space, links=links(space, True))) for ns, space in facts['netns'].items()
                 if any(v.get('owned') for n, v in space['links'].items() if n != 'lo'))
    return dict(facts, host=dict(facts['host'], links=links(facts['host'], False)), netns=netns,
                namespaces=sorted(netns))


def lab_model(hosts):
    """{inventory name: facts} -> (groups, edges) as model(), with groups nested one level: each host is
    (id, label, its host links, [its namespaces' and guests' groups]). Node ids are the host's name, '/' and
    the id model() gives (which holds exactly one '/'), so nodes of two hosts never share one. A tunnel is an
    edge between two hosts' VXLAN links of one VNI where one floods to the other's address (or, with an
    address unknown, of one VNI)."""
    groups, edges, tunnels = [], [], []
    for host in sorted(hosts):
        facts = hosts[host]
        inner, top = [], []
        here_groups, here_edges = model(facts)
        for gid, label, nodes in here_groups:
            nodes = [('%s/%s' % (host, nid), nlabel, shape) for nid, nlabel, shape in nodes]
            if gid == 'cluster:host':
                top = nodes
            else:
                inner.append(('cluster:%s/%s' % (host, gid[len('cluster:'):]), label, nodes, []))
        groups.append(('cluster:%s/' % host, 'host %s' % host, top, inner))
        edges.extend(('%s/%s' % (host, a), '%s/%s' % (host, b), label) for a, b, label in here_edges)
        for name, link in sorted(facts['host']['links'].items()):
            if link['kind'] == 'vxlan':
                tunnels.append((host, '%s/%s' % (host, node_id(None, name)), link))
    for i, (host_a, a, link_a) in enumerate(tunnels):
        for host_b, b, link_b in tunnels[i + 1:]:
            if host_a != host_b and link_a.get('vni') == link_b.get('vni') and _tunnel(link_a, link_b):
                edges.append((a, b, 'VXLAN %s' % link_a.get('vni')))
    return groups, edges


def _tunnel(a, b):
    """Do two VXLAN links of one VNI on two hosts tunnel to each other?"""
    if not a.get('local') or not b.get('local'):
        return True
    return b['local'] in (a.get('remotes') or []) or a['local'] in (b.get('remotes') or [])


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
    for x in topo.get('vxlans') or []:
        host[x['name']] = _planned('vxlan', master=x['master'], vni=x['vni'], local=x['local'],
                                   remotes=x['remotes'])
    for x in topo.get('vlans') or []:
        links_of(x['netns'])[x['name']] = _planned('vlan', x['addresses'], vlan_id=x['id'], link=x['link'])
    for v in topo['veths']:
        for vlans, ns, end in (('vlans', 'netns', 'name'), ('peer_vlans', 'peer_netns', 'peer')):
            if v.get(vlans):
                links_of(v[ns])[v[end]]['vlans'] = describe(v[vlans])
    for m in topo.get('impairments') or []:
        links_of(m['netns'])[m['interface']]['impairment'] = values_view(m['kind'], m['values'])
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
          'tunnel': 'shape=box, style=dashed',
          'uplink': 'shape=box, style="bold,filled", fillcolor="#d6eaff"'}


def dot_text(text):
    """A label as a DOT quoted string's content: backslash and quote escaped, lines joined by DOT's \\n."""
    return '\\n'.join(line.replace('\\', '\\\\').replace('"', '\\"') for line in text.split('\n'))


def mermaid_text(text):
    """A label inside Mermaid's ["..."]: quotes as entities, lines as <br/>."""
    return '<br/>'.join(line.replace('"', '#quot;') for line in text.split('\n'))


def _model(facts):
    return lab_model(facts['hosts']) if 'hosts' in facts else model(facts)


def _dot_group(out, group, indent):
    gid, label, nodes = group[:3]
    out.append('%ssubgraph "%s" {' % (indent, dot_text(gid)))  # a subgraph whose name starts with cluster is a box
    out.append('%s  label="%s"; style=rounded;' % (indent, dot_text(label)))
    subgroups = group[3] if len(group) > 3 else []
    if not nodes and not subgroups:
        out.append('%s  "%s/" [label="", shape=point, style=invis];' % (indent, dot_text(gid)))
    for nid, nlabel, shape in nodes:
        out.append('%s  "%s" [label="%s", %s];' % (indent, dot_text(nid), dot_text(nlabel), SHAPES[shape]))
    for sub in subgroups:
        _dot_group(out, sub, indent + '  ')
    out.append('%s}' % indent)


def to_dot(facts):
    groups, edges = _model(facts)
    out = ['graph vnetlab {', '  rankdir=LR;', '  node [fontname="Helvetica", fontsize=10];',
           '  edge [fontname="Helvetica", fontsize=9];']
    for group in groups:
        _dot_group(out, group, '  ')
    for a, b, label in edges:
        style = ', style=dashed' if label.startswith('VXLAN ') else ''
        attrs = ' [label="%s"%s]' % (dot_text(label), style) if label else ''
        out.append('  "%s" -- "%s"%s;' % (dot_text(a), dot_text(b), attrs))
    out.append('}')
    return '\n'.join(out) + '\n'


def to_mermaid(facts):
    groups, edges = _model(facts)
    ids = {}

    def mid(node):  # Mermaid takes only plain identifiers: number the nodes
        return ids.setdefault(node, 'n%d' % len(ids))

    def group(g, indent):
        gid, label, nodes = g[:3]
        out.append('%ssubgraph %s["%s"]' % (indent, mid(gid), mermaid_text(label)))
        for nid, nlabel, shape in nodes:
            text = mermaid_text(nlabel)
            out.append('%s  %s%s' % (indent, mid(nid), '(["%s"])' % text if shape == 'hub' else '["%s"]' % text))
        for sub in (g[3] if len(g) > 3 else []):
            group(sub, indent + '  ')
        out.append('%send' % indent)
    out = ['flowchart LR']
    for g in groups:
        group(g, '  ')
    for a, b, label in edges:
        link = '-.-' if label.startswith('VXLAN ') else '---'
        out.append('  %s %s%s %s' % (mid(a), link, '|%s|' % mermaid_text(label) if label else '', mid(b)))
    return '\n'.join(out) + '\n'
