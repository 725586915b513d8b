# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The live state of a host's labs: namespaces, links, addresses, routes, bridges, TAPs, guests, NAT,
port forwards and DHCP servers, each with the lab that made it (`lab`: None for the modules' and others').

Read-only: one walk of the Walker over the namespaces (one socket open at a time, no fork).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import bisect
import itertools
import socket

from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.guest import qemu
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import firewall, forwards
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import HOST, list_netns, where
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.netlink import (
    WalkError, Walker, explain, get_addresses, get_flood_remotes, get_links, get_port_vlans, get_root_qdiscs,
    get_routes,
    netns_id)
from ansible_collections.vnetlab.linux.plugins.module_utils.ownership import (
    is_vnetlab, lab_of, parse_nat_tag, qdisc_is_ours, started_by)
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.impairment import values_view
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.port_vlan import describe
from ansible_collections.vnetlab.linux.plugins.module_utils.services import dnsmasq


def _read(ipr):
    links = get_links(ipr)
    addrs = get_addresses(ipr)
    routes = get_routes(ipr, socket.AF_INET) + get_routes(ipr, socket.AF_INET6)
    return links, addrs, routes, get_root_qdiscs(ipr), get_port_vlans(ipr)


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
        peers = _find_peers(walker, dict((ns, value[0]) for ns, value in raw.items()))
        flood = {}
        if any(link['kind'] == 'vxlan' for link in raw[HOST][0].values()):
            try:  # the tunnels' remotes: their flood entries (an FDB dump needs an IPRoute)
                flood = walker.visit(HOST, [get_flood_remotes])[0]
            except WalkError as e:
                raise VnetlabError(str(explain(e.error, 'reading the forwarding entries of the VXLAN links')))

    guests = gather_guests()
    tap_owner = dict((nic['tap'], g['name']) for g in guests for nic in g['nics'])

    spaces = {}
    for ns, (links, addrs, routes, qdiscs, port_vlans) in raw.items():
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
            if qdisc_is_ours(qdiscs.get(link['index'])):  # what its vnetlab root qdisc does to what it sends
                q = qdiscs[link['index']]
                entry['impairment'] = values_view(q['kind'], q['values'])
            if link['master'] and port_vlans.get(link['index']):  # a port of a bridge's VLANs
                entry['vlans'] = describe(port_vlans[link['index']])
            if link['kind'] == 'vlan':
                entry['vlan_id'], entry['link'] = link.get('vlan_id'), index_name.get(link['link'])
            if link['kind'] == 'veth':
                entry['peer'], entry['peer_netns'] = peers.get((ns, name), (None, None))
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


def _find_peers(walker, links_by_ns):
    """PeerFinder's peers, its questions asked in the namespaces it visits (one hand-over to the Walker)."""
    finder = PeerFinder(links_by_ns)
    visits = ((ns, [lambda raw, ns=ns: finder.settle(ns, lambda other: netns_id(raw, other))])
              for ns in finder.askers())
    for ns, (ok, value) in walker.read_each(visits):
        if not ok and (ns is HOST or ns in list_netns()):  # else: removed while we looked
            raise VnetlabError(str(explain(value.error, 'reading the namespace ids in %s' % where(ns))))
    return finder.peers


class PeerFinder:
    """Which veth end is whose peer: `peers` {(ns, name): (peer name, peer namespace)}, from the links of
    each namespace read ({ns: {name: link}}).

    A veth's IFLA_LINK is its peer's ifindex, and ifindexes are per namespace. Where the peer is in the
    same namespace (no IFLA_LINK_NETNSID) that names it. Where it is in another, any namespace may have a
    veth of that ifindex pointing back at ours: with pairs a-b and c-d each made from inside a and c,
    every end is ifindex 2 with peer ifindex 2, and a's end fits the ends in b, c and d alike. What names
    the peer's namespace is IFLA_LINK_NETNSID: the id that the link's namespace gives the peer's. So a
    candidate (by ifindexes) is the peer exactly when the link's namespace gives the candidate's namespace
    that id; settle() asks the kernel (RTM_GETNSID, in that namespace), never decides by ifindex alone.
    One confirmed pair settles both ends. An end whose peer is in no namespace read has none.

    The questions are few: candidates are asked nearest first (in the order the namespaces were read, the
    ones after the end's own first), ends already settled are no candidates, and askers() visits the
    namespaces with most ends first and only those with an end still unsettled (a bridge lab: the host
    only, one question a pair)."""

    def __init__(self, links_by_ns):
        self.links = links_by_ns
        self.peers = {}
        self.ends = {}  # (ns, name) -> its place in the order of reading, for the ends whose peer is elsewhere
        self.ends_in = {}  # ns -> [(ns, name)] of those ends
        self.by_index = {}  # (ifindex, peer ifindex) -> ([(ns, name)], [their places]) in order
        for ns, links in links_by_ns.items():
            by_index = dict((v['index'], n) for n, v in links.items())
            for name, link in links.items():
                if link['kind'] != 'veth' or not link['link']:
                    continue
                if link['link_netnsid'] is None:
                    self._same_ns(ns, name, link, by_index)
                else:
                    place = self.ends[(ns, name)] = len(self.ends)
                    self.ends_in.setdefault(ns, []).append((ns, name))
                    found, places = self.by_index.setdefault((link['index'], link['link']), ([], []))
                    found.append((ns, name))
                    places.append(place)

    def _same_ns(self, ns, name, link, by_index):
        peer = by_index.get(link['link'])
        other = self.links[ns].get(peer)
        if peer != name and other and other['kind'] == 'veth' and other['link'] == link['index'] and \
                other['link_netnsid'] is None:
            self.peers[(ns, name)] = (peer, ns)

    def candidates(self, end):
        """The ends that may be `end`'s peer by their ifindexes, not settled, nearest first."""
        link = self.links[end[0]][end[1]]
        found, places = self.by_index.get((link['link'], link['index']), ([], []))
        first = bisect.bisect_right(places, self.ends[end])
        for other in itertools.chain(found[first:], found[:first]):
            if other[0] != end[0] and other not in self.peers:
                yield other

    def _unsettled(self, ns):
        return [e for e in self.ends_in.get(ns, []) if e not in self.peers and next(self.candidates(e), None)]

    def askers(self):
        """The namespaces to ask in, most ends first; each is taken only when it still has an end to settle
        (settle() of the ones before may have settled them all)."""
        for ns in sorted(self.ends_in, key=lambda n: -len(self.ends_in[n])):
            if self._unsettled(ns):
                yield ns

    def settle(self, ns, nsid_of):
        """Settle the ends in ns: nsid_of(other namespace) -> the id ns gives it (None: none), asked once
        each."""
        answers = {}
        for end in self._unsettled(ns):
            want = self.links[ns][end[1]]['link_netnsid']
            for other in self.candidates(end):
                if other[0] not in answers:
                    answers[other[0]] = nsid_of(other[0])
                if answers[other[0]] == want:
                    self.peers[end] = (other[1], other[0])
                    self.peers[other] = (end[1], end[0])
                    break


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
