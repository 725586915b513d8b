# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The live state of a host's labs: namespaces, links, addresses, routes, bridges, TAPs, guests, NAT.

Read-only. One netlink session per namespace (closed before the next, so open sockets stay constant).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import shutil
import socket

from ansible_collections.vnetlab.linux.plugins.module_utils import nat, qemu
from ansible_collections.vnetlab.linux.plugins.module_utils.netlink import (
    get_addresses, is_owned, get_links, get_routes, list_netns)

HOST = ''  # the key of the host namespace in the facts (namespaces have non-empty names)


def _read_ns(nl, netns):
    def read(ipr):
        links = get_links(ipr)
        addrs = get_addresses(ipr)
        routes = get_routes(ipr, socket.AF_INET) + get_routes(ipr, socket.AF_INET6)
        return links, addrs, routes
    try:
        return nl.call(netns, read)
    finally:
        nl.release(netns)


def _mac(value):
    return value if isinstance(value, str) else None


def gather(nl, namespaces=None, owned_only=False):
    names = list_netns()
    wanted = [n for n in names if namespaces is None or n in namespaces]
    raw = {HOST: _read_ns(nl, None)}
    for ns in wanted:
        raw[ns] = _read_ns(nl, ns)

    # index -> (ns, name) for veth peer resolution across namespaces
    by_ns_index = {}
    for ns, (links, dummy, dummy2) in raw.items():
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
                'operstate': link['operstate'], 'owned': is_owned(link['ifalias']),
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
            out_links[name] = entry
        spaces[ns] = {
            'links': out_links,
            'routes': [_route(r, index_name) for r in routes
                       if r['dst'] == 'default' or r['proto'] != 2],  # keep static/boot routes, not kernel ones
        }
    if owned_only:
        spaces = _owned(spaces)
    bridges = sorted((ns + '/' if ns else '') + n for ns, space in spaces.items()
                     for n, v in space['links'].items() if v['kind'] == 'bridge')
    return {
        'namespaces': sorted(n for n in spaces if n != HOST),
        'host': spaces.pop(HOST),
        'netns': spaces,
        'bridges': bridges,
        'guests': guests,
        'nat': gather_nat(),
    }


def _route(route, index_name):
    """The route with its outgoing interface by name instead of index."""
    out = dict(route, device=index_name.get(route['oif']))
    del out['oif']
    return out


def _veth_peer(raw, ns, link, by_ns_index):
    """The peer's (name, namespace): the link in any namespace whose index is our IFLA_LINK and whose
    IFLA_LINK is our index. `None` for the namespace means the host."""
    candidates = [raw_ns for raw_ns in raw if raw_ns == ns] if link['link_netnsid'] is None else list(raw)
    for other in candidates:
        name = by_ns_index.get((other, link['link']))
        if name is None:
            continue
        peer = raw[other][0][name]
        if peer['kind'] == 'veth' and peer['link'] == link['index']:
            return name, (other or None)
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
        guests.append({'name': name, 'state': 'running' if pid else 'stopped', 'pid': pid,
                       'arch': cfg.get('arch'), 'accel': cfg.get('accel'), 'memory_mib': cfg.get('memory_mib'),
                       'nics': cfg.get('nics', []), 'append': cfg.get('append'),
                       'serial_log': paths.serial_log})
    return guests


def gather_nat():
    """Our NAT rules: [{'source', 'out_interface', 'backend'}] from rule comments 'vnetlab SRC UPLINK'."""
    found = {}
    if shutil.which('nft'):
        for comment in nat.nft_rules() or {}:
            parts = comment.split()
            if len(parts) == 3:
                found[(parts[1], parts[2])] = 'nftables'
    if shutil.which('iptables'):
        for table in ('nat', 'filter'):
            out = nat._run(['iptables', '-w', '-t', table, '-S'], 'reading iptables', ok_codes=(0, 1, 3)).stdout
            for line in out.splitlines():
                if '"vnetlab ' in line:
                    parts = line.split('"vnetlab ')[1].split('"')[0].split()
                    if len(parts) == 2 and table == 'nat':
                        found.setdefault((parts[0], parts[1]), 'iptables')
    return [{'source': s, 'out_interface': o, 'backend': b} for (s, o), b in sorted(found.items())]
