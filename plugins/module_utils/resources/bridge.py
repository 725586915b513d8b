# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Linux bridge, up, with optional STP / VLAN filtering / MTU and the ports to enslave."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op, Resource
from ansible_collections.vnetlab.linux.plugins.module_utils.names import (
    ParamError, check_distinct, check_ifname, check_mtu, check_netns)
from ansible_collections.vnetlab.linux.plugins.module_utils.netlink import OWNER_ALIAS, get_links
from ansible_collections.vnetlab.linux.plugins.module_utils.resources.common import (
    delete_link, link_index, require_netns, where)
from ansible_collections.vnetlab.linux.plugins.module_utils.netlink import netns_exists


class BridgeResource(Resource):
    module_name = 'bridge'

    def validate(self):
        p = self.p
        check_ifname('name', p['name'])
        check_netns('netns', p['netns'])
        check_mtu('mtu', p['mtu'])
        for port in p['ports'] or []:
            check_ifname('ports', port)
            if port == p['name']:
                raise ParamError('ports', "a bridge cannot be a port of itself ('%s')" % port)
        check_distinct([('ports', port) for port in p['ports'] or []])

    def read(self, nl):
        p = self.p
        self._links = nl.call(p['netns'], get_links) if netns_exists(p['netns']) else {}
        link = self._links.get(p['name'])
        if link is None:
            return {'name': p['name'], 'netns': p['netns'], 'state': 'absent'}
        view = {'name': p['name'], 'netns': p['netns'], 'kind': link['kind'], 'state': 'present',
                'up': link['up'], 'mtu': link['mtu']}
        if link['kind'] == 'bridge':
            view.update(stp=link['stp'], vlan_filtering=link['vlan_filtering'],
                        ports=sorted(n for n, v in self._links.items() if v['master'] == link['index']))
        return view

    def plan(self, nl, before):
        p = self.p
        name, netns = p['name'], p['netns']
        link = self._links.get(name)
        if link is not None and link['kind'] != 'bridge':
            raise ParamError('name', "'%s' already exists in %s as a %s link, not a bridge; choose another "
                                     "name or remove that link" % (name, where(netns), link['kind']))
        if p['state'] == 'absent':
            if link is None:
                return [], before
            return ([Op("delete bridge '%s' in %s" % (name, where(netns)), delete_link(name), netns=netns)],
                    {'name': name, 'netns': netns, 'state': 'absent'})
        require_netns('netns', netns)
        for port in p['ports'] or []:
            if port not in self._links:
                raise ParamError('ports', "interface '%s' does not exist in %s" % (port, where(netns)))
        ops = []
        wanted = {}
        for key, attr in (('stp', 'br_stp_state'), ('vlan_filtering', 'br_vlan_filtering')):
            if p[key] is not None and (link is None or link[key] != p[key]):
                wanted[attr] = int(p[key])
        if link is None:
            ops.append(self._create_op(wanted))
        elif wanted:
            ops.append(Op("set %s on bridge '%s'" % (', '.join(sorted(k[3:] for k in wanted)), name),
                          self._setter(kind='bridge', **wanted), netns=netns))
        attrs = {}
        if p['mtu'] and (link is None or link['mtu'] != p['mtu']):
            attrs['mtu'] = p['mtu']
        if link is None or not link['up']:
            attrs['state'] = 'up'
        if attrs:
            ops.append(Op("set %s on bridge '%s'" % (', '.join(sorted(attrs)), name), self._setter(**attrs),
                          netns=netns))
        current_ports = before.get('ports', [])
        for port in p['ports'] or []:
            port_link = self._links[port]
            if port not in current_ports or not port_link['up']:
                ops.append(Op("enslave '%s' to bridge '%s' and set it up" % (port, name),
                              self._port_setter(port), netns=netns))
        after = {'name': name, 'netns': netns, 'kind': 'bridge', 'state': 'present', 'up': True,
                 'mtu': p['mtu'] or (link['mtu'] if link else 1500),
                 'stp': bool(p['stp']) if p['stp'] is not None else bool(link and link['stp']),
                 'vlan_filtering': (bool(p['vlan_filtering']) if p['vlan_filtering'] is not None
                                    else bool(link and link['vlan_filtering'])),
                 'ports': sorted(set(current_ports) | set(p['ports'] or []))}
        return ops, after

    def _create_op(self, wanted):
        name, netns = self.p['name'], self.p['netns']

        def create(ipr):
            ipr.link('add', ifname=name, kind='bridge', **wanted)
            ipr.link('set', index=link_index(ipr, name), ifalias=OWNER_ALIAS)
        return Op("create bridge '%s' in %s" % (name, where(netns)), create, undo=delete_link(name), netns=netns)

    def _setter(self, **attrs):
        name = self.p['name']

        def do(ipr):
            ipr.link('set', index=link_index(ipr, name), **attrs)
        return do

    def _port_setter(self, port):
        name = self.p['name']

        def do(ipr):
            ipr.link('set', index=link_index(ipr, port), master=link_index(ipr, name), state='up')
        return do

    def returns(self, view):
        return {'bridge': view}
