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

import os

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op, Resource
from ansible_collections.vnetlab.linux.plugins.module_utils.names import (
    ParamError, check_ifname, check_mtu, check_netns)
from ansible_collections.vnetlab.linux.plugins.module_utils.netlink import NETNS_RUN_DIR, OWNER_ALIAS
from ansible_collections.vnetlab.linux.plugins.module_utils.resources.common import (
    delete_link, find_link, link_index, require_bridge, require_netns, set_link, where)


def netns_path(netns):
    """A path for IFLA_NET_NS_FD; None is the namespace the module runs in (its main thread's)."""
    if netns is None:
        return '/proc/%d/ns/net' % os.getpid()
    return os.path.join(NETNS_RUN_DIR, netns)


def with_netns_fd(netns, fn):
    fd = os.open(netns_path(netns), os.O_RDONLY)
    try:
        return fn(fd)
    finally:
        os.close(fd)


def is_pair(a, b):
    return (a is not None and b is not None and a['kind'] == 'veth' and b['kind'] == 'veth'
            and a['link'] == b['index'] and b['link'] == a['index'])


class VethResource(Resource):
    module_name = 'veth'

    def ends(self):
        p = self.p
        return [('name', p['name'], 'netns', p['netns'], 'master', p['master']),
                ('peer', p['peer'], 'peer_netns', p['peer_netns'], 'peer_master', p['peer_master'])]

    def validate(self):
        p = self.p
        for name_param, name, ns_param, netns, master_param, master in self.ends():
            if name is None and name_param == 'peer':  # allowed for state=absent
                continue
            check_ifname(name_param, name)
            check_netns(ns_param, netns)
            if master is not None:
                check_ifname(master_param, master)
        if p['name'] == p['peer'] and p['netns'] == p['peer_netns']:
            raise ParamError('peer', "'%s' is also the name of the other end in the same namespace; "
                                     "give the two ends different names" % p['peer'])
        check_mtu('mtu', p['mtu'])

    def locate(self, nl, ifname, netns):
        """(namespace, link) of ifname: where it should be first, else a veth end of that name in the
        host (a hand-made pair, not moved yet). Any other host link of that name - the uplink 'eth0'
        when the namespace end is called eth0 - is not this pair's business."""
        link = find_link(nl, netns, ifname)
        if link is not None or netns is None:
            return netns, link
        host = find_link(nl, None, ifname)
        if host is not None and host['kind'] == 'veth':
            return None, host
        return netns, None

    def read(self, nl):
        found = [self.locate(nl, e[1], e[3]) if e[1] else (e[3], None) for e in self.ends()]
        self._found = found
        (a_ns, a), (b_ns, b) = found
        if a is None and b is None:
            return {'state': 'absent', 'name': self.p['name'], 'peer': self.p['peer']}
        view = {'state': 'present' if is_pair(a, b) else 'conflict'}
        for (name_param, name, ns_param, _ns, master_param, _m), (ns, link) in zip(self.ends(), found):
            view[name_param] = name
            view[ns_param] = ns if link else None
            if link is not None:
                view[name_param + '_kind'] = link['kind']
                view[name_param + '_up'] = link['up']
                view[name_param + '_mtu'] = link['mtu']
                view[master_param] = self._master_name(nl, ns, link)
        return view

    @staticmethod
    def _master_name(nl, ns, link):
        if not link['master']:
            return None
        return nl.call(ns, lambda ipr: ipr.get_links(link['master'])[0].get_attr('IFLA_IFNAME'))

    def plan(self, nl, before):
        (a_ns, a), (b_ns, b) = self._found
        p = self.p
        if p['state'] == 'absent':
            return self._plan_absent(a_ns, a, before)
        for _n, _name, ns_param, netns, master_param, master in self.ends():
            require_netns(ns_param, netns)
            if master is not None:
                require_bridge(nl, master_param, netns, master)
        for (name_param, name, _a, _b, _c, _d), (ns, link) in zip(self.ends(), self._found):
            if link is not None and link['kind'] != 'veth':
                raise ParamError(name_param, "'%s' already exists in %s as a %s link, not a veth; choose "
                                             "another name or remove that link" % (name, where(ns), link['kind']))
        ops = []
        if (a or b) and not is_pair(a, b):
            if not p['recreate']:
                raise ParamError('peer', self._mismatch(a_ns, a, b_ns, b))
            for ns, link in ((a_ns, a), (b_ns, b)):
                if link is not None:
                    ops.append(Op("delete veth '%s' in %s (recreate)" % (link['ifname'], where(ns)),
                                  delete_link(link['ifname']), netns=ns))
            a = b = None
        if a is None:
            ops.append(self._create_op())
            found = [(p['netns'], None), (p['peer_netns'], None)]
        else:
            found = self._found
        after = {'state': 'present'}
        for end, (ns, link) in zip(self.ends(), found):
            ops.extend(self._end_ops(nl, end, ns, link))
            name_param, name, ns_param, netns, master_param, master = end
            kept = link if ns == netns else None  # a created or moved end starts bare
            after.update({name_param: name, ns_param: netns, name_param + '_kind': 'veth',
                          name_param + '_up': True,
                          name_param + '_mtu': p['mtu'] or (kept['mtu'] if kept else 1500),
                          master_param: master or (before.get(master_param) if kept else None)})
        return ops, after

    def _mismatch(self, a_ns, a, b_ns, b):
        p = self.p
        if a is not None:
            return ("veth '%s' already exists in %s but its other end is not '%s' in %s; set recreate: true "
                    "to replace the pair" % (p['name'], where(a_ns), p['peer'], where(p['peer_netns'])))
        return ("'%s' already exists in %s as one end of another veth pair; set recreate: true to replace "
                "it, or choose another name" % (p['peer'], where(b_ns)))

    def _create_op(self):
        p = self.p
        name, peer, netns, peer_netns = p['name'], p['peer'], p['netns'], p['peer_netns']
        extra = {'mtu': p['mtu']} if p['mtu'] else {}

        def create(ipr):
            def add(fd):
                ipr.link('add', ifname=name, kind='veth', peer=dict(ifname=peer, net_ns_fd=fd, **extra), **extra)
            with_netns_fd(peer_netns, add)

        desc = "create veth '%s' in %s with peer '%s' in %s" % (name, where(netns), peer, where(peer_netns))
        return Op(desc, create, undo=delete_link(name), netns=netns)

    def _end_ops(self, nl, end, ns, link):
        """Move an end found elsewhere, then set alias/mtu/master/up in one request."""
        name_param, name, _ns_param, netns, master_param, master = end
        ops = []
        if link is not None and ns != netns:
            ops.append(Op("move '%s' from %s to %s" % (name, where(ns), where(netns)),
                          lambda ipr: with_netns_fd(netns, lambda fd: ipr.link(
                              'set', index=link_index(ipr, name), net_ns_fd=fd)), netns=ns))
            link = None  # a moved link comes up down, without its master
        attrs = {}
        if link is None:
            attrs['ifalias'] = OWNER_ALIAS
        if self.p['mtu'] and (link is None or link['mtu'] != self.p['mtu']):
            attrs['mtu'] = self.p['mtu']
        if master is not None:
            bridge = require_bridge(nl, master_param, netns, master)
            if link is None or link['master'] != bridge['index']:
                attrs['master'] = bridge['index']
        if link is None or not link['up']:
            attrs['state'] = 'up'
        if attrs:
            if set(attrs) == {'ifalias', 'state'}:
                desc = "set '%s' up in %s" % (name, where(netns))
            else:
                desc = "set %s on '%s' in %s" % (', '.join(sorted(k for k in attrs if k != 'ifalias')), name,
                                                 where(netns))
            ops.append(Op(desc, set_link(name, **attrs), netns=netns))
        return ops

    def _plan_absent(self, a_ns, a, before):
        p = self.p
        if a is None:
            return [], before
        if a['kind'] != 'veth':
            raise ParamError('name', "'%s' in %s is a %s link, not a veth; refusing to delete it"
                                     % (p['name'], where(a_ns), a['kind']))
        ops = [Op("delete veth '%s' in %s" % (p['name'], where(a_ns)), delete_link(p['name']), netns=a_ns)]
        return ops, {'state': 'absent', 'name': p['name'], 'peer': p['peer']}

    def returns(self, view):
        return {'veth': view}
