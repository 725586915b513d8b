# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The live state of a host's labs: namespaces, links, addresses, routes, bridges, TAPs, guests, NAT,
port forwards and DHCP servers, each with the lab that made it (`lab`: None for the modules' and others').

Read-only: one walk of the Walker over the namespaces (one socket open at a time, no fork).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket

from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.guest import qemu
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import firewall, forwards
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import HOST, list_netns
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.netlink import (
    WalkError, Walker, explain, get_addresses, get_flood_remotes, get_links, get_routes)
from ansible_collections.vnetlab.linux.plugins.module_utils.ownership import (
    is_vnetlab, lab_of, parse_nat_tag, started_by)
from ansible_collections.vnetlab.linux.plugins.module_utils.services import dnsmasq


def _read(ipr):
    links = get_links(ipr)
    addrs = get_addresses(ipr)
    routes = get_routes(ipr, socket.AF_INET) + get_routes(ipr, socket.AF_INET6)
    return links, addrs, routes


def _mac(value):
    return value if isinstance(value, str) else None


def gather(namespaces=None, owned_only=False):
    wanted = [n for n in list_netns() if namespaces is None or n in namespaces]
    with Walker() as walker:
        raw = {HOST: walker.read(HOST, [_read])[0]}
        visits = [(ns, [_read]) for ns in wanted]
        for (ns, _fns), (ok, value) in zip(visits, walker.read_many(visits)):
            if ok:
                raw[ns] = value[0]
            elif ns in list_netns():  # else: removed while we looked
                raise VnetlabError(str(explain(value.error, "reading netns '%s'" % ns)))
        flood = {}
        if any(link['kind'] == 'vxlan' for link in raw[HOST][0].values()):
            try:  # the tunnels' remotes: their flood entries (an FDB dump needs an IPRoute)
                flood = walker.visit(HOST, [get_flood_remotes])[0]
            except WalkError as e:
                raise VnetlabError(str(explain(e.error, 'reading the forwarding entries of the VXLAN links')))

    # index -> (ns, name) for veth peer resolution across namespaces
    by_ns_index = {}
    for ns, (links, _addrs, _routes) in raw.items():
        for name, link in links.items():
            by_ns_index[(ns, link['index'])] = name
    guests = gather_guests()
    tap_owner = dict((nic['tap'], g['name']) for g in guests for nic in g['nics'])

    spaces = {}
    for ns, (links, addrs, routes) in raw.items():
        index_name = dict((v['index'], n) for n, v in links.items())
        out_links = {}
        for name, link in links.items():
            if name == 'lo' and ns == HOST:
                continue
            entry = {
                'kind': link['kind'], 'mac': _mac(link['mac']), 'mtu': link['mtu'], 'up': link['up'],
                'operstate': link['operstate'], 'owned': is_vnetlab(link['ifalias']),
                'lab': lab_of(link['ifalias']) or None,
                'master': index_name.get(link['master']) if link['master'] else None,
                'addresses': sorted(a['address'] for a in addrs if a['index'] == link['index']
                                    and not a['address'].lower().startswith('fe80')),
            }
            if link['kind'] == 'veth':
                entry['peer'], entry['peer_netns'] = _veth_peer(raw, ns, link, by_ns_index)
            if link['kind'] == 'bridge':
                entry['ports'] = sorted(n for n, v in links.items() if v['master'] == link['index'])
            if link['kind'] == 'tun':
                entry['guest'] = tap_owner.get(name)
            if link['kind'] == 'vxlan' and ns == HOST:
                entry.update(vni=link.get('vni'), local=link.get('local'), port=link.get('port'),
                             remotes=sorted(flood.get(link['index'], [])))
            out_links[name] = entry
        spaces[ns] = {
            'links': out_links,
            'routes': [_route(r, index_name) for r in routes
                       if r['dst'] == 'default' or r['proto'] != 2],  # keep static/boot routes, not kernel ones
        }
    if owned_only:
        spaces = _owned(spaces)
    comments = firewall.our_comments()
    bridges = sorted((ns + '/' if ns is not HOST else '') + n for ns, space in spaces.items()
                     for n, v in space['links'].items() if v['kind'] == 'bridge')
    return {
        'namespaces': sorted(n for n in spaces if n is not HOST),
        'host': spaces.pop(HOST),
        'netns': spaces,
        'bridges': bridges,
        'guests': guests,
        'nat': gather_nat(comments),
        'forwards': gather_forwards(comments),
        'dhcp': gather_dhcp(),
    }


def _route(route, index_name):
    """The route with its outgoing interface by name instead of index."""
    out = dict(route, device=index_name.get(route['oif']))
    del out['oif']
    return out


def _veth_peer(raw, ns, link, by_ns_index):
    """The peer's (name, namespace): the link in any namespace whose index is our IFLA_LINK and whose
    IFLA_LINK is our index. `None` for the namespace means the host."""
    # IFLA_LINK_NETNSID is set exactly when the peer lives in another namespace: never look for it in
    # our own then (both ends often have the same ifindex in their namespaces)
    other_ns = link['link_netnsid'] is not None
    candidates = [raw_ns for raw_ns in raw if (raw_ns != ns) == other_ns]
    for other in candidates:
        name = by_ns_index.get((other, link['link']))
        if name is None:
            continue
        peer = raw[other][0][name]
        if peer['kind'] == 'veth' and peer['link'] == link['index'] and \
                (peer['link_netnsid'] is not None) == other_ns:
            return name, other
    return None, None


def _owned(spaces):
    """Only what vnetlab made: owned links, plus namespaces holding one and the bridges they join."""
    out = {}
    for ns, space in spaces.items():
        links = dict((n, v) for n, v in space['links'].items()
                     if v['owned'] or (ns != HOST and n == 'lo'))
        if ns != HOST and not [n for n in links if n != 'lo']:
            continue
        out[ns] = {'links': links, 'routes': space['routes'] if ns != HOST else
                   [r for r in space['routes'] if r['device'] in links]}
    out.setdefault(HOST, {'links': {}, 'routes': []})
    return out


def gather_guests():
    guests = []
    for name in qemu.guest_names():
        paths = qemu.Paths(name)
        cfg = qemu.read_config(paths) or {}
        pid = qemu.read_pid(paths)
        guests.append({'name': name, 'lab': started_by(paths), 'state': 'running' if pid else 'stopped', 'pid': pid,
                       'arch': cfg.get('arch'), 'accel': cfg.get('accel'), 'memory_mib': cfg.get('memory_mib'),
                       'nics': cfg.get('nics', []), 'append': cfg.get('append'),
                       'serial_log': paths.serial_log})
    return guests


def gather_nat(comments=None):
    """Our NAT rules: [{'source', 'out_interface', 'backend', 'lab'}] from the rules' comments
    (ownership.nat_tag); nftables where both backends have them."""
    comments = firewall.our_comments() if comments is None else comments
    found = {}
    for backend in ('iptables', 'nftables'):
        for comment in comments[backend]:
            parsed = parse_nat_tag(comment)
            if parsed:
                found[(parsed[1], parsed[2], parsed[0] or '')] = backend
    return [{'source': s, 'out_interface': o, 'backend': b, 'lab': lab or None}
            for (s, o, lab), b in sorted(found.items())]


def gather_forwards(comments=None):
    """Our port forwards: [{'protocol', 'port', 'in_interface', 'to_address', 'to_port', 'from_host',
    'backend', 'lab'}] from the rules' comments (kernel/forwards.py); nftables where both have them."""
    comments = firewall.our_comments() if comments is None else comments
    found = {}
    for f, backend in forwards.every(comments):
        key = forwards.comment(f)
        if backend == 'nftables' or key not in found:
            found[key] = dict(f, backend=backend)
    return [found[k] for k in sorted(found)]


def gather_dhcp():
    """Our DHCP servers: [{'bridge', 'lab', 'state', 'pid', 'hosts': static leases, 'leases'}]."""
    out = []
    for bridge in dnsmasq.server_names():
        paths = dnsmasq.Paths(bridge)
        pid = dnsmasq.read_pid(paths)
        out.append({'bridge': bridge, 'lab': started_by(paths), 'state': 'running' if pid else 'stopped',
                    'pid': pid, 'hosts': dnsmasq.static_hosts(dnsmasq.read_conf(paths) or ''),
                    'leases': dnsmasq.leases(paths)})
    return out
