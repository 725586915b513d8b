# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IPv4/IPv6 addresses on one interface; `exclusive` removes the ones not listed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op, Resource
from ansible_collections.vnetlab.linux.plugins.module_utils.names import (
    ParamError, check_ifname, check_netns, parse_interface_cidr)
from ansible_collections.vnetlab.linux.plugins.module_utils.netlink import get_addresses
from ansible_collections.vnetlab.linux.plugins.module_utils.resources.common import (
    find_link, link_index, require_netns, where)


def managed(addresses):
    """Link-local IPv6 addresses belong to the kernel, not to the user: never listed, never removed."""
    return set(a for a in addresses if not (a.version == 6 and a.ip.is_link_local))


def address_op(verb, interface, netns, iface):
    def do(ipr):
        ipr.addr(verb, index=link_index(ipr, interface), address=str(iface.ip), prefixlen=iface.network.prefixlen)
    label = 'add' if verb == 'add' else 'remove'
    undo_verb = 'del' if verb == 'add' else 'add'

    def undo(ipr):
        ipr.addr(undo_verb, index=link_index(ipr, interface), address=str(iface.ip),
                 prefixlen=iface.network.prefixlen)
    return Op("%s %s on '%s' in %s" % (label, iface, interface, where(netns)), do, undo=undo, netns=netns)


class AddressResource(Resource):
    module_name = 'address'

    def validate(self):
        p = self.p
        check_ifname('interface', p['interface'])
        check_netns('netns', p['netns'])
        self.wanted = set(parse_interface_cidr('addresses', a) for a in p['addresses'] or [])
        if p['state'] == 'present' and not self.wanted and not p['exclusive']:
            raise ParamError('addresses', 'list at least one address (or set exclusive: true to remove all)')

    def read(self, nl):
        p = self.p
        self._link = find_link(nl, p['netns'], p['interface'])
        view = {'interface': p['interface'], 'netns': p['netns']}
        if self._link is None:
            self._current = set()
            view['state'] = 'absent'
            return view
        raw = nl.call(p['netns'], lambda ipr: get_addresses(ipr, self._link['index']))
        self._current = managed(ipaddress.ip_interface(a['address']) for a in raw)
        view['addresses'] = sorted(str(a) for a in self._current)
        return view

    def plan(self, nl, before):
        p = self.p
        if self._link is None:
            if p['state'] == 'absent':
                return [], before
            require_netns('netns', p['netns'])
            raise ParamError('interface', "'%s' does not exist in %s" % (p['interface'], where(p['netns'])))
        if p['state'] == 'absent':
            remove, add = self._current & self.wanted, set()
        else:
            add = self.wanted - self._current
            remove = (self._current - self.wanted) if p['exclusive'] else set()
        ops = [address_op('del', p['interface'], p['netns'], a) for a in sorted(remove, key=str)]
        ops += [address_op('add', p['interface'], p['netns'], a) for a in sorted(add, key=str)]
        after = dict(before, addresses=sorted(str(a) for a in (self._current - remove) | add))
        return ops, after

    def returns(self, view):
        return {'addresses': view.get('addresses', [])}
