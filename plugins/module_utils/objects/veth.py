# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A veth pair whose two ends may live in different namespaces and be enslaved to bridges.

The pair is created with each end already in its namespace (no `ip link set ... netns` moves, which
cost ~15 ms each and leave a window where an end sits in the host). Ends found elsewhere (a hand-made
pair, an end left in the host) are moved to where the request wants them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vnetlab.linux.plugins.module_utils import ownership
from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op, Plan
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import HOST, where, with_netns_fd
from ansible_collections.vnetlab.linux.plugins.module_utils.objects import links
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.base import Kind, phase_of
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.port_vlan import PORT_SPEC
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import check_ifname, check_mtu, check_netns

OPTIONS = dict(
    name=dict(type='str', required=True),
    peer=dict(type='str'),
    netns=dict(type='str'),
    peer_netns=dict(type='str'),
    master=dict(type='str'),
    peer_master=dict(type='str'),
    mtu=dict(type='int'),
    recreate=dict(type='bool', default=False),
    adopt=dict(type='bool', default=False),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
)
ENDS = (('name', 'netns', 'master'), ('peer', 'peer_netns', 'peer_master'))


def is_pair(a, b):
    return (a is not None and b is not None and a['kind'] == 'veth' and b['kind'] == 'veth'
            and a['link'] == b['index'] and b['link'] == a['index'])


def create_veth(name, peer, peer_netns, mtu=None):
    """An op body: the pair, made from the op's namespace with the peer already in peer_netns."""
    extra = {'mtu': mtu} if mtu else {}

    def do(visit):
        with_netns_fd(peer_netns, lambda fd: visit.ipr.link('add', ifname=name, kind='veth',
                                                            peer=dict(ifname=peer, net_ns_fd=fd, **extra), **extra))
    return do


class Veth(Kind):
    name = 'veth'
    OPTIONS = OPTIONS
    MODULE_KWARGS = dict(required_if=[('state', 'present', ['peer'])])
    SECTION_OPTIONS = dict(addresses=dict(type='list', elements='str'),
                           peer_addresses=dict(type='list', elements='str'),
                           # the VLANs of an end that is a port of a VLAN-filtering bridge (objects/port_vlan.py)
                           vlan=PORT_SPEC, peer_vlan=PORT_SPEC)

    def desired(self, params):
        d = dict(params)
        for end, ns, master in ENDS:
            if d[end] is None and end == 'peer':
                if d['state'] == 'present':
                    raise ParamError('peer', 'the name of the other end is required with state: present')
                continue
            check_ifname(end, d[end])
            check_netns(ns, d[ns])
            if d[master] is not None:
                check_ifname(master, d[master])
        if d['name'] == d['peer'] and d['netns'] == d['peer_netns']:
            raise ParamError('peer', "'%s' is also the name of the other end in the same namespace; "
                                     "give the two ends different names" % d['peer'])
        check_mtu('mtu', d['mtu'])
        return d

    def reads(self, d):
        return {HOST: (False, False), d['netns']: (False, False), d['peer_netns']: (False, False)}

    @staticmethod
    def locate(plan, ifname, netns, adopt):
        """(namespace, link) of ifname: where it should be first, else - when adopting - a veth end of
        that name in the host (a hand-made pair, not moved yet). Any other host link of that name - the
        uplink 'eth0' when the namespace end is called eth0 - is not this pair's business."""
        link = plan.link(netns, ifname)
        if link is not None or netns is HOST:
            return netns, link
        host = plan.link(HOST, ifname)
        if host is not None and host['kind'] == 'veth' and plan.lab is None and adopt:
            return HOST, host
        return netns, None

    def _found(self, plan, d):
        return [self.locate(plan, d[end], d[ns], d.get('adopt')) if d[end] else (d[ns], None)
                for end, ns, _m in ENDS]

    @staticmethod
    def ours(plan, a, b):
        return any(x is not None and plan.owns(ns, x['ifname'], x) for ns, x in (a, b))

    def view(self, d, snapshot, local, plan=None):
        plan = plan or Plan(snapshot)
        found = self._found(plan, d)
        (_a_ns, a), (_b_ns, b) = found
        if a is None and b is None:
            return {'state': 'absent', 'name': d['name'], 'peer': d['peer']}
        view = {'state': 'present' if is_pair(a, b) else 'conflict'}
        for (end, ns_param, master_param), (ns, link) in zip(ENDS, found):
            view[end] = d[end]
            view[ns_param] = ns if link else None
            if link is not None:
                view[end + '_kind'] = link['kind']
                view[end + '_up'] = link['up']
                view[end + '_mtu'] = link['mtu']
                view[master_param] = plan.name_of(ns, link['master']) if link['master'] else None
        return view

    def plan(self, plan, d):
        before = self.view(d, plan.snapshot, None, plan)
        found = self._found(plan, d)
        (a_ns, a), (b_ns, b) = found
        if d['state'] == 'absent':
            if a is None:
                return before
            if a['kind'] != 'veth':
                raise ParamError('name', "'%s' in %s is a %s link, not a veth; refusing to delete it"
                                         % (d['name'], where(a_ns), a['kind']))
            if not links.may_delete(plan, a_ns, d['name'], a, 'veth'):
                return before
            links.delete_op(plan, a_ns, d['name'], 'veth')
            return {'state': 'absent', 'name': d['name'], 'peer': d['peer']}
        for _end, ns_param, _master in ENDS:
            plan.require_netns(ns_param, d[ns_param])
        for (end, _n, _m), (ns, link) in zip(ENDS, found):
            if link is not None and link['kind'] != 'veth':
                links.in_the_way(plan, ns, d[end], link, 'veth', end)
        if (a or b) and not is_pair(a, b):
            if plan.lab is None and not d['recreate']:
                raise ParamError('peer', self._mismatch(d, a_ns, a, b_ns))
            for (end, _n, _m), (ns, link) in zip(ENDS, found):
                if link is not None and (ns, d[end]) not in plan.replaced:
                    if plan.lab is None:
                        if not plan.owns(ns, link['ifname'], link):
                            raise ownership.foreign(end, where(ns), d[end], 'one end of a veth pair',
                                                    'recreate replaces only pairs vnetlab created; remove it by '
                                                    'hand or choose another name')
                        links.delete_op(plan, ns, link['ifname'], 'veth', ' (recreate)')
                    else:
                        links.in_the_way(plan, ns, d[end], link, 'veth', end)
            a = b = None
        elif a is not None and not self.ours(plan, (a_ns, a), (b_ns, b)):
            links.claim(plan, d, a_ns, d['name'], a, 'veth')
            # adopted: both ends, where they are and where they go - never marked, never exclusive
            for (end, ns_param, _m), (ns, _link) in zip(ENDS, found):
                plan.adopted.update([(ns, d[end]), (d[ns_param], d[end])])
        if a is None:
            self._create(plan, d)
            found = [(d['netns'], None), (d['peer_netns'], None)]
        after = {'state': 'present'}
        for (end, ns_param, master_param), (ns, link) in zip(ENDS, found):
            netns = d[ns_param]
            if link is not None and ns != netns:
                plan.add(Op("move '%s' from %s to %s" % (d[end], where(ns), where(netns)),
                            _move(d[end], netns), netns=ns, phase=phase_of(ns)))
                link = None  # a moved link comes up down, without its master
            links.set_attrs(plan, netns, d[end], link, mtu=d['mtu'], master=d[master_param],
                            master_param=master_param)
            kept = link if ns == netns else None  # a created or moved end starts bare
            after.update({end: d[end], ns_param: netns, end + '_kind': 'veth', end + '_up': True,
                          end + '_mtu': d['mtu'] or (kept['mtu'] if kept else 1500),
                          master_param: d[master_param] or (before.get(master_param) if kept else None)})
        return after

    def creator(self, plan, d):
        """((netns, name), (peer netns, peer name)) of the end whose namespace creates the pair. A lab
        creates it from the namespace side (the host end then needs no visit of its own), and between two
        namespaces from the one visited first, so that the other finds its end there when its turn comes."""
        ends = [(d['netns'], d['name']), (d['peer_netns'], d['peer'])]
        if plan.lab is not None and (ends[0][0] is HOST or (
                ends[1][0] is not HOST and plan.ns_order.get(ends[1][0], 0) < plan.ns_order.get(ends[0][0], 0))):
            ends.reverse()
        return ends

    def _create(self, plan, d):
        (ns, name), (peer_ns, peer) = self.creator(plan, d)
        plan.add(Op("create veth '%s' in %s with peer '%s' in %s" % (name, where(ns), peer, where(peer_ns)),
                    create_veth(name, peer, peer_ns, d['mtu']), undo=links.delete_link(name), netns=ns,
                    phase=phase_of(ns), makes=[(ns, name), (peer_ns, peer)]))

    @staticmethod
    def _mismatch(d, a_ns, a, b_ns):
        if a is not None:
            return ("veth '%s' already exists in %s but its other end is not '%s' in %s; set recreate: true "
                    "to replace the pair" % (d['name'], where(a_ns), d['peer'], where(d['peer_netns'])))
        return ("'%s' already exists in %s as one end of another veth pair; set recreate: true to replace "
                "it, or choose another name" % (d['peer'], where(b_ns)))

    def returns(self, d, view, local):
        return {'veth': view}


def _move(name, netns):
    def do(visit):
        with_netns_fd(netns, lambda fd: visit.ipr.link('set', index=visit.index(name), net_ns_fd=fd))
    return do


KIND = Veth()
