# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One route in the main table of a namespace."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import socket

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op, Resource
from ansible_collections.vnetlab.linux.plugins.module_utils.names import (
    ParamError, check_ifname, check_netns, parse_address, parse_network)
from ansible_collections.vnetlab.linux.plugins.module_utils.netlink import (
    get_addresses, get_links, get_routes, netns_exists)
from ansible_collections.vnetlab.linux.plugins.module_utils.resources.common import require_netns, where


class RouteResource(Resource):
    module_name = 'route'

    def validate(self):
        p = self.p
        check_netns('netns', p['netns'])
        self.dst = parse_network('destination', p['destination'])
        self.gateway = parse_address('gateway', p['gateway']) if p['gateway'] else None
        if p['device']:
            check_ifname('device', p['device'])
        if self.gateway and self.dst and self.gateway.version != self.dst.version:
            raise ParamError('gateway', '%s and destination %s are different IP versions' % (self.gateway, self.dst))
        self.version = (self.dst or self.gateway or ipaddress.ip_address('0.0.0.0')).version
        if p['state'] == 'present' and not (self.gateway or p['device']):
            raise ParamError('gateway', 'give a gateway and/or a device for the route to %s' % p['destination'])
        if p['metric'] is not None and not 0 <= p['metric'] <= 0xffffffff:
            raise ParamError('metric', 'must be between 0 and 4294967295')

    @property
    def family(self):
        return socket.AF_INET6 if self.version == 6 else socket.AF_INET

    def read(self, nl):
        p = self.p
        view = {'netns': p['netns'], 'destination': p['destination'], 'state': 'absent'}
        self._links, self._match = {}, None
        if not netns_exists(p['netns']):
            return view
        self._links, routes = nl.call(p['netns'], lambda ipr: (get_links(ipr), get_routes(ipr, self.family)))
        names = dict((v['index'], n) for n, v in self._links.items())
        want_dst = str(self.dst) if self.dst else 'default'
        for r in routes:
            if r['dst'] == want_dst and (p['metric'] is None or r['metric'] == p['metric']):
                self._match = r
                view.update(state='present', gateway=r['gateway'], device=names.get(r['oif']), metric=r['metric'])
                break
        return view

    def plan(self, nl, before):
        p = self.p
        if p['state'] == 'absent':
            if self._match is None:
                return [], before
            return [self._op('del', self._match['metric'], "delete route to %s" % p['destination'])], \
                dict(netns=p['netns'], destination=p['destination'], state='absent')
        require_netns('netns', p['netns'])
        oif = None
        if p['device']:
            if p['device'] not in self._links:
                raise ParamError('device', "'%s' does not exist in %s" % (p['device'], where(p['netns'])))
            oif = self._links[p['device']]['index']
        if self.gateway:
            self._check_gateway(nl, oif)
        gateway = str(self.gateway) if self.gateway else None
        m = self._match
        if m is not None and (gateway is None or m['gateway'] == gateway) and (oif is None or m['oif'] == oif):
            return [], before
        metric = p['metric'] if p['metric'] is not None else (m['metric'] if m else None)
        verb, label = ('replace', 'replace') if m else ('add', 'add')
        after = dict(before, state='present', gateway=gateway or (m and m['gateway']),
                     device=p['device'] or (before.get('device') if m else None),
                     metric=metric if metric is not None else before.get('metric', 0))
        return [self._op(verb, metric, '%s route to %s in %s' % (label, p['destination'], where(p['netns'])),
                         gateway, oif)], after

    def _check_gateway(self, nl, oif):
        """The kernel would say ENETUNREACH; say which subnets are connected instead."""
        if self.gateway.version == 6 and self.gateway.is_link_local:
            if oif is None:
                raise ParamError('device', 'a link-local gateway (%s) needs a device' % self.gateway)
            return
        addrs = nl.call(self.p['netns'], get_addresses)
        nets = [ipaddress.ip_interface(a['address']).network for a in addrs
                if oif is None or a['index'] == oif]
        if not any(self.gateway in n for n in nets):
            raise ParamError('gateway', '%s is not on any connected subnet in %s%s (connected: %s); add an address '
                             'on its subnet first' % (self.gateway, where(self.p['netns']),
                                                      " on '%s'" % self.p['device'] if oif else '',
                                                      ', '.join(sorted(set(str(n) for n in nets))) or 'none'))

    def _op(self, verb, metric, desc, gateway=None, oif=None):
        kwargs = {'family': self.family, 'dst_len': self.dst.prefixlen if self.dst else 0, 'table': 254}
        if self.dst:
            kwargs['dst'] = str(self.dst.network_address)
        if gateway:
            kwargs['gateway'] = gateway
        if oif:
            kwargs['oif'] = oif
        if metric is not None:
            kwargs['priority'] = metric

        def do(ipr):
            ipr.route(verb, **kwargs)
        undo = (lambda ipr: ipr.route('del', **kwargs)) if verb == 'add' else None
        return Op(desc, do, undo=undo, netns=self.p['netns'])

    def returns(self, view):
        return {'route': view}
