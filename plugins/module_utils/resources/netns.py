# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A named network namespace (`ip netns add/del`), with its loopback up."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op, Resource
from ansible_collections.vnetlab.linux.plugins.module_utils.names import check_netns
from ansible_collections.vnetlab.linux.plugins.module_utils.netlink import (
    create_netns, netns_exists, remove_netns)
from ansible_collections.vnetlab.linux.plugins.module_utils.resources.common import find_link, set_link


class NetnsResource(Resource):
    module_name = 'netns'

    def validate(self):
        check_netns('name', self.p['name'])

    def read(self, nl):
        name = self.p['name']
        if not netns_exists(name):
            return {'name': name, 'state': 'absent'}
        lo = find_link(nl, name, 'lo')
        return {'name': name, 'state': 'present', 'loopback_up': bool(lo and lo['up'])}

    def plan(self, nl, before):
        name = self.p['name']
        if self.p['state'] == 'absent':
            if before['state'] == 'absent':
                return [], before
            return [remove_op(name)], {'name': name, 'state': 'absent'}
        ops = []
        after = dict(before, state='present')
        if before['state'] == 'absent':
            ops.append(Op("create netns '%s'" % name, lambda nl_: create_netns(name),
                          undo=lambda nl_: _release_and_remove(nl_, name), session=False))
            after['loopback_up'] = False
        if self.p['loopback'] and not after['loopback_up']:
            ops.append(Op("set lo up in netns '%s'" % name, set_link('lo', state='up'), netns=name))
            after['loopback_up'] = True
        return ops, after

    def returns(self, view):
        return {'netns': view}


def _release_and_remove(nl, name):
    # A session thread inside the namespace would keep it (and its links) alive after the unmount.
    nl.release(name)
    remove_netns(name)


def remove_op(name):
    return Op("delete netns '%s'" % name, lambda nl: _release_and_remove(nl, name), session=False)
