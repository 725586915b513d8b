# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A lab over several hosts (pure, no kernel access): which inventory host each entry of a topology runs
on, and the single-host topology of one host - its part - with VXLAN tunnels joining the bridges that span
hosts. The action plugin runs each host's part there, so one play over the lab's hosts applies the whole
lab in parallel. docs/multihost.md describes the format.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import hashlib
import ipaddress

from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import HOST
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import (
    MULTIHOST_KEYS, PLACEMENT, SECTIONS, TopologyError, normalize)
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.vxlan import (
    VNI_MAX, VXLAN_PORT, ifname, overhead)

UNDERLAY_MTU = 1500


def is_multihost(data):
    """Does a topology (as written, or normalised) name hosts? Without any `host`, `hosts` or `default_host`
    it is a single-host lab, applied on every host it is run for, as always."""
    if not isinstance(data, dict):
        return False
    if 'placement' in data and 'lab' in data and isinstance(data['placement'], dict):
        return bool(data['placement']) or 'default_host' in data
    if 'default_host' in data:
        return True
    for section, keys in PLACEMENT.items():
        for item in data.get(section) or []:
            if isinstance(item, dict) and any(k in item for k in keys):
                return True
    return False


def vni_of(lab, bridge_name):
    """A bridge's VNI when it declares none: the same on every host and every run, from the lab and bridge
    names (a collision within the lab is an error that asks for `vni:`)."""
    digest = hashlib.sha256(('%s/%s' % (lab, bridge_name)).encode()).hexdigest()
    return int(digest, 16) % VNI_MAX + 1


class Placement:
    """Where each entry of a normalised multi-host topology runs: hosts[section][i] is a list of inventory
    names (one, or several for a bridge that spans hosts, or every host of the lab for NAT without a host);
    `all_hosts` in the order they first appear."""

    def __init__(self, topo, positions=None, source=None):
        self.topo = topo
        self.fail = lambda path, message: _raise(path, message, positions, source)
        self.default = topo.get('default_host')
        self.hosts = {}
        self.ns_host = {}
        self.bridge_hosts = {}  # host-namespace bridge name -> [hosts]
        self.link_host = {}  # (HOST, name) -> the one host of a host-namespace link (veth end, bridge, VLAN link)
        self._place()
        seen = []
        for section in SECTIONS:
            for hosts in self.hosts.get(section, []):
                seen.extend(h for h in hosts or () if h not in seen)
        self.all_hosts = seen
        for i, hosts in enumerate(self.hosts.get('nat', [])):
            if hosts is None:
                self.hosts['nat'][i] = list(seen)  # NAT per host: each host's guests leave through its uplink
        self.vnis = self._vnis()

    def given(self, section, i, key):
        return self.topo['placement'].get(section, {}).get(i, {}).get(key)

    def _host(self, section, i, inferred=None):
        """The host an entry names, else the one inferred from what it refers to, else default_host."""
        named = self.given(section, i, 'host')
        if named is not None and inferred is not None and named != inferred:
            self.fail((section, i, 'host'), "host '%s' differs from '%s', the host of the namespace this entry is in"
                      % (named, inferred))
        host = named or inferred or self.default
        if host is None:
            self.fail((section, i), 'this lab names hosts: give this entry `host:` (an inventory name) or set '
                                    'default_host at the top')
        return host

    def _place(self):
        topo, put = self.topo, self.hosts.setdefault
        for i, ns in enumerate(topo['namespaces']):
            self.ns_host[ns['name']] = self._host('namespaces', i)
            put('namespaces', []).append([self.ns_host[ns['name']]])
        for i, br in enumerate(topo['bridges']):
            listed = self.given('bridges', i, 'hosts')
            if listed is not None and self.given('bridges', i, 'host') is not None:
                self.fail(('bridges', i, 'hosts'), 'give host (one) or hosts (several), not both')
            if listed is not None and br['netns'] is not HOST and len(listed) > 1:
                self.fail(('bridges', i, 'hosts'), "a bridge in namespace '%s' is on that namespace's host only; a "
                                                   "bridge that spans hosts is in the host namespace" % br['netns'])
            if listed is None:
                listed = [self._host('bridges', i, self.ns_host.get(br['netns']))]
            elif br['netns'] is not HOST and listed != [self.ns_host[br['netns']]]:
                self.fail(('bridges', i, 'hosts'), "namespace '%s' is on host '%s'"
                          % (br['netns'], self.ns_host[br['netns']]))
            if br['netns'] is HOST:
                self.bridge_hosts[br['name']] = listed
                if len(listed) == 1:
                    self.link_host[(HOST, br['name'])] = listed[0]
            put('bridges', []).append(list(listed))
        for i, v in enumerate(topo['veths']):
            ends = [self.ns_host[n] for n in (v['netns'], v['peer_netns']) if n is not HOST]
            if len(set(ends)) > 1:
                self.fail(('veths', i), "its ends are in namespaces on hosts '%s' and '%s'; a veth pair joins two "
                                        "namespaces of one host (join hosts through a bridge on both)" % tuple(ends))
            host = self._host('veths', i, ends[0] if ends else None)
            for ns_key, master_key in (('netns', 'master'), ('peer_netns', 'peer_master')):
                self._check_bridge_on(('veths', i, master_key), v[ns_key], v[master_key], host)
            put('veths', []).append([host])
            self.link_host.update(((HOST, v[end]), host) for end, ns in (('name', 'netns'), ('peer', 'peer_netns'))
                                  if v[ns] is HOST)
        for i, r in enumerate(topo['routes']):
            put('routes', []).append([self._host('routes', i, self.ns_host.get(r['netns']))])
        for i, x in enumerate(topo['vlans']):  # with its parent: its namespace's host, or a host link's
            host = self._host('vlans', i, self._where_link(x['netns'], x['link']))
            put('vlans', []).append([host])
            if x['netns'] is HOST:
                self.link_host[(HOST, x['name'])] = host
        for i, m in enumerate(topo['impairments']):  # with its link
            put('impairments', []).append([self._host('impairments', i, self._where_link(m['netns'], m['interface']))])
        for i, g in enumerate(topo['guests']):
            host = self._host('guests', i)
            for nic in g['nic_list']:
                self._check_bridge_on(('guests', i, 'nics'), HOST, nic['bridge'], host)
            put('guests', []).append([host])
        for i, d in enumerate(topo['dhcp']):
            on = self.bridge_hosts.get(d['bridge'])
            host = self.given('dhcp', i, 'host') or (on[0] if on else None) or self._host('dhcp', i)
            self._check_bridge_on(('dhcp', i, 'host'), HOST, d['bridge'], host)
            put('dhcp', []).append([host])
        for i in range(len(topo['nat'])):
            named = self.given('nat', i, 'host')
            put('nat', []).append([named] if named else None)  # None: every host, once they are known
        for section in ('forwards', 'vxlans'):
            for i in range(len(topo[section])):
                put(section, []).append([self._host(section, i)])

    def _where_link(self, netns, name):
        """The host of a declared link: its namespace's, or for a host-namespace link the host of its veth,
        VLAN or single-host bridge (None: say `host:`, or default_host)."""
        return self.ns_host.get(netns) if netns is not HOST else self.link_host.get((HOST, name))

    def _check_bridge_on(self, path, netns, bridge, host):
        if netns is HOST and bridge is not None and bridge in self.bridge_hosts \
                and host not in self.bridge_hosts[bridge]:
            self.fail(path, "bridge '%s' is not on host '%s' (it is on %s); add the host to its hosts:"
                      % (bridge, host, ', '.join(self.bridge_hosts[bridge])))

    def _vnis(self):
        """{bridge name: VNI} of the host-namespace bridges on more than one host."""
        out, by_vni = {}, {}
        for i, br in enumerate(self.topo['bridges']):
            if br['netns'] is not HOST or len(self.hosts['bridges'][i]) < 2:
                continue
            vni = self.given('bridges', i, 'vni') or vni_of(self.topo['lab'], br['name'])
            if vni in by_vni:
                self.fail(('bridges', i, 'vni'), "VNI %d is also bridge '%s''s; give this bridge another vni:"
                          % (vni, by_vni[vni]))
            out[br['name']], by_vni[vni] = vni, br['name']
        return out


def _raise(path, message, positions, source):
    raise TopologyError(path, message, positions, source)


def part_for(data, host, underlay, positions=None, source=None):
    """The single-host topology (as written: JSON-able data for the topology module) of inventory host
    `host` in a multi-host topology `data`, or None when the lab has nothing on that host.

    underlay: {inventory name: IPv4 address on the network between the hosts} of the lab's hosts, or a
    function of the inventory name that returns it (asked only for the hosts this part needs); this
    host's may be missing: the module then takes the source address of its default route). Each bridge on
    several hosts gets a vxlan entry: its VNI, this host's address, the other hosts' addresses as remotes;
    its ports' MTU (the tunnel's, the veths', the guests' NICs') is the underlay MTU less the VXLAN overhead."""
    topo = normalize(data, positions, source)
    place = Placement(topo, positions, source)
    if host not in place.all_hosts:
        return None
    lookup = underlay if callable(underlay) else underlay.get
    part = dict((k, copy.deepcopy(v)) for k, v in data.items() if k not in SECTIONS and k not in MULTIHOST_KEYS)
    for section in SECTIONS:
        items = [_strip(section, item) for i, item in enumerate(data.get(section) or [])
                 if host in place.hosts[section][i]]
        if items:
            part[section] = items
    served = [topo['dhcp'][i] for i in range(len(topo['dhcp'])) if host in place.hosts['dhcp'][i]]
    for item, whole in zip(part.get('dhcp', []), served):
        _whole_segment(item, whole)
    underlay_mtu = topo.get('underlay_mtu', UNDERLAY_MTU)
    spanning = dict((name, vni) for name, vni in place.vnis.items() if host in place.bridge_hosts[name])
    port_mtus = {}
    for name, vni in sorted(spanning.items(), key=lambda kv: kv[1]):
        remotes = []
        for other in place.bridge_hosts[name]:
            if other == host:
                continue
            address = lookup(other)
            if not address:
                raise TopologyError(('bridges',), "bridge '%s' spans host '%s', whose underlay address is unknown: set "
                                                  "the host variable vnetlab_underlay_address for it (or gather its "
                                                  "facts)" % (name, other), positions, source)
            remotes.append(str(address))
        local = lookup(host)
        underlay = remotes + ([str(local)] if local else [])
        if len(set(':' in a for a in underlay)) > 1:
            raise TopologyError(('bridges',), "bridge '%s' spans hosts whose underlay addresses are of both IP "
                                              "versions (%s): give every host a vnetlab_underlay_address of one "
                                              "version" % (name, ', '.join(underlay)), positions, source)
        port_mtus[name] = port_mtu = underlay_mtu - overhead(underlay[0])  # 50 over IPv4, 70 over IPv6
        entry = {'name': ifname(vni), 'vni': vni, 'master': name, 'mtu': port_mtu, 'port': VXLAN_PORT,
                 'remotes': remotes}
        if local:
            entry['local'] = str(local)
        part.setdefault('vxlans', []).append(entry)

    def fit(item, bridge):
        item['mtu'] = min(item.get('mtu') or port_mtus[bridge], port_mtus[bridge])
    for br in part.get('bridges', []):
        if br.get('netns') is None and br['name'] in spanning:
            fit(br, br['name'])
    for v in part.get('veths', []):
        for ns, master in (('netns', 'master'), ('peer_netns', 'peer_master')):
            if v.get(ns) is None and v.get(master) in spanning:
                fit(v, v[master])
                break
    for g in part.get('guests', []):
        for nic in g.get('nics') or [] if isinstance(g, dict) else []:
            if isinstance(nic, dict) and nic.get('bridge') in spanning:  # its TAP and the guest's interface
                fit(nic, nic['bridge'])
    return part


def planned_parts(data):
    """{inventory name: its part} of a multi-host topology, for drawing the whole lab before it is built. The
    hosts' underlay addresses are not known on the controller: each tunnel keeps its VNI and bridge only,
    which is all a diagram needs to join the hosts' tunnel links."""
    out = {}
    for host in Placement(normalize(data)).all_hosts:
        part = part_for(data, host, lambda _name: 'unknown')
        for tunnel in part.get('vxlans', []):
            tunnel.pop('local', None)
            tunnel['remotes'] = []
        out[host] = part
    return out


def _whole_segment(item, whole):
    """A DHCP server serves its bridge's whole segment, over every host of a spanning bridge: its static
    leases and DNS names are those the whole topology gives it (schema: each guest with a NIC on the bridge,
    each namespace with an address in its subnet, whatever their host), written out in its part; the part
    completes its own host's guests and namespaces to the very same entries."""
    item['hosts'] = [dict((k, v) for k, v in h.items() if v is not None) for h in whole['hosts']]
    item['records'] = [dict(r) for r in whole['records']]


def _strip(section, item):
    if not isinstance(item, dict):
        return item
    return dict((k, copy.deepcopy(v)) for k, v in item.items() if k not in PLACEMENT[section])


def underlay_address(hostvars):
    """A host's underlay address from its variables: vnetlab_underlay_address (IPv4 or IPv6), else the IPv4
    address of its default route from gathered facts, else ansible_host when that is an IP address; None
    otherwise."""
    hostvars = hostvars or {}
    candidates = [hostvars.get('vnetlab_underlay_address'),
                  (hostvars.get('ansible_default_ipv4') or {}).get('address'),
                  hostvars.get('ansible_host')]
    for i, value in enumerate(candidates):
        if not value:
            continue
        try:
            ip = ipaddress.ip_address(str(value))
        except ValueError:
            if i == 0:
                raise TopologyError((), "vnetlab_underlay_address %r is not an IP address" % (value,))
            continue
        return str(ip)
    return None
