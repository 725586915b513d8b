# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IPv4/IPv6 addresses on one interface; `exclusive` removes the ones not listed - only on an interface
vnetlab made, or one the task adopts (ownership.may_strip). In a topology, the `addresses:` of a bridge or veth
end are this kind with exclusive: true (false on an adopted link). IPv6 addresses are added without duplicate
address detection (IFA_F_NODAD): a lab's addresses are unique by construction, and a tentative address would
not answer for a second or so after the task returned (or after its link comes up)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vnetlab.linux.plugins.module_utils import ownership
from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op, managed_addresses
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import MissingError, ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import HOST, where
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.netlink import IFA_F_NODAD
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.base import PHASE_DELETE, Kind, phase_of
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import (
    check_ifname, check_netns, parse_host_cidr, parse_interface_cidr)

OPTIONS = dict(
    interface=dict(type='str', required=True),
    netns=dict(type='str'),
    addresses=dict(type='list', elements='str', default=[]),
    exclusive=dict(type='bool', default=False),
    adopt=dict(type='bool', default=False),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
)


def address_op(verb, interface, netns, iface, phase=None):
    """Add ('add') or remove ('del') one address; the undo does the opposite. Every address vnetlab adds is
    added here: IPv6 ones without DAD (usable when the task returns, even on a link that comes up later)."""
    def call(how):
        flags = {'flags': IFA_F_NODAD} if how == 'add' and iface.version == 6 else {}

        def do(visit):
            visit.ipr.addr(how, index=visit.index(interface), address=str(iface.ip), prefixlen=iface.network.prefixlen,
                           **flags)
        return do
    label = 'add %s on' % iface if verb == 'add' else 'remove %s from' % iface
    return Op("%s '%s' in %s" % (label, interface, where(netns)), call(verb),
              undo=call('del' if verb == 'add' else 'add'), netns=netns, phase=phase)


class Address(Kind):
    name = 'address'
    OPTIONS = OPTIONS

    def desired(self, params):
        d = dict(params)
        check_ifname('interface', d['interface'])
        check_netns('netns', d['netns'])
        # present: an address an interface can carry (not its subnet's network or broadcast address);
        # absent takes any, so that such an address found on a link can still be taken off
        parse = parse_host_cidr if d['state'] == 'present' else parse_interface_cidr
        d['wanted'] = set(a if not isinstance(a, str) else parse('addresses', a)
                          for a in d.get('addresses') or [])
        if d['state'] == 'present' and not d['wanted'] and not d['exclusive']:
            raise ParamError('addresses', 'list at least one address (or set exclusive: true to remove all)')
        return d

    def reads(self, d):
        return {HOST: (False, False), d['netns']: (True, False)}

    def view(self, d, snapshot, local):
        view = {'interface': d['interface'], 'netns': d['netns']}
        state = snapshot.get(d['netns'])
        link = state['links'].get(d['interface']) if state else None
        if link is None:
            view['state'] = 'absent'
            return view
        view['addresses'] = sorted(str(a) for a in managed_addresses(state['addresses'].get(link['index'], [])))
        return view

    def plan(self, plan, d):
        netns, name = d['netns'], d['interface']
        before = self.view(d, plan.snapshot, None)
        link = plan.link(netns, name)
        if link is None and (netns, name) not in plan.declared and (netns, name) not in plan.replaced:
            if d['state'] == 'absent':
                return before
            plan.require_netns('netns', netns)
            raise MissingError('interface', "'%s' does not exist in %s" % (name, where(netns)),
                               declare=((netns, name), 'link'))
        current = plan.addresses(netns, name)
        if d['state'] == 'present' and d['exclusive'] and link is not None and not ownership.may_strip(
                link['ifalias'], plan.owns(netns, name, link), d.get('adopt') or (netns, name) in plan.adopted):
            raise ownership.not_ours_to_strip(name, where(netns), sorted(str(a) for a in current))
        if d['state'] == 'absent':
            remove, add = current & d['wanted'], set()
        else:
            add = d['wanted'] - current
            remove = (current - d['wanted']) if d['exclusive'] else set()
        for a in sorted(remove, key=str):
            plan.add(address_op('del', name, netns, a, phase=PHASE_DELETE))
        for a in sorted(add, key=str):
            plan.add(address_op('add', name, netns, a, phase=phase_of(netns)))
        return dict(before, addresses=sorted(str(a) for a in (current - remove) | add))

    def returns(self, d, view, local):
        return {'addresses': view.get('addresses', [])}


KIND = Address()
