# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""An 802.1Q VLAN sub-interface (`ip link add link eth0 name eth0.10 type vlan id 10`), up, on a parent link of
the same namespace: what it sends leaves the parent tagged with its VLAN ID, and it receives only that VLAN.

The kernel needs its 8021q module: a kernel without it is refused before any change (tried in a namespace of
its own, objects/impairment.py does the same for netem). The parent and the VLAN ID of a link are not changed
in place by the kernel: a different one makes ours anew (a lab) or is refused (a module)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import MissingError, ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import where
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.netlink import link_kind_works
from ansible_collections.vnetlab.linux.plugins.module_utils.objects import links
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.base import Kind, phase_of
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import check_ifname, check_mtu, check_netns

OPTIONS = dict(
    name=dict(type='str', required=True),
    link=dict(type='str'),
    id=dict(type='int'),
    netns=dict(type='str'),
    mtu=dict(type='int'),
    adopt=dict(type='bool', default=False),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
)
NO_8021Q = ("this kernel has no 802.1Q VLAN links (module 8021q, CONFIG_VLAN_8021Q); load it, or use a kernel "
            "that has it")


def check_vid(param, vid):
    if isinstance(vid, bool) or not isinstance(vid, int) or not 1 <= vid <= 4094:
        raise ParamError(param, 'a VLAN ID is 1-4094; got %r' % (vid,))
    return vid


class Vlan(Kind):
    name = 'vlan'
    OPTIONS = OPTIONS
    SECTION_OPTIONS = dict(addresses=dict(type='list', elements='str'))
    MODULE_KWARGS = dict(required_if=[('state', 'present', ['link', 'id'])])

    def desired(self, params):
        d = dict(params)
        check_ifname('name', d['name'])
        check_netns('netns', d['netns'])
        check_mtu('mtu', d['mtu'])
        if d['state'] == 'present':
            check_ifname('link', d['link'])
            check_vid('id', d['id'])
            if d['link'] == d['name']:
                raise ParamError('link', "a VLAN link cannot be its own parent ('%s')" % d['name'])
        return d

    def reads(self, d):
        return {d['netns']: (False, False)}

    def read_local(self, d, snapshot):
        """Whether the kernel has 8021q - tried only when a VLAN link is to be made."""
        state = snapshot.get(d['netns'])
        link = state['links'].get(d['name']) if state else None
        if d['state'] != 'present' or (link is not None and link['kind'] == 'vlan'):
            return None
        return {'8021q': link_kind_works('vlan')}

    def view(self, d, snapshot, local):
        state = snapshot.get(d['netns'])
        link = state['links'].get(d['name']) if state else None
        if link is None:
            return {'name': d['name'], 'netns': d['netns'], 'state': 'absent'}
        view = {'name': d['name'], 'netns': d['netns'], 'state': 'present', 'kind': link['kind'], 'up': link['up'],
                'mtu': link['mtu']}
        if link['kind'] == 'vlan':
            parent = [n for n, v in state['links'].items() if v['index'] == link['link']]
            view.update(link=parent[0] if parent else None, id=link.get('vlan_id'))
        return view

    def plan(self, plan, d):
        name, netns = d['name'], d['netns']
        link = plan.link(netns, name)
        before = self.view(d, plan.snapshot, plan.local)
        if d['state'] == 'absent':
            return links.plan_absent(plan, netns, name, link, 'vlan', 'vlan link', before)
        plan.require_netns('netns', netns)
        parent = plan.link(netns, d['link'])
        if parent is None and (netns, d['link']) not in plan.declared:
            raise MissingError('link', "the parent '%s' does not exist in %s" % (d['link'], where(netns)),
                               declare=((netns, d['link']), 'link'))
        if link is not None and link['kind'] != 'vlan':
            links.in_the_way(plan, netns, name, link, 'vlan', 'name')
            link = None
        if link is not None and (netns, d['link']) in plan.replaced:  # the kernel deletes it with its parent
            plan.replaced.add((netns, name))
            link = None
        if link is not None:
            mine = links.claim(plan, d, netns, name, link, 'vlan link')
            same = before.get('link') == d['link'] and before.get('id') == d['id']
            if not same and not mine:
                raise ParamError('id', "vlan link '%s' is VLAN %s on '%s'; an adopted link is used as it is"
                                 % (name, before.get('id'), before.get('link')))
            if not same:
                if plan.lab is None:
                    raise ParamError('id', "vlan link '%s' is VLAN %s on '%s'; the kernel does not change that in "
                                           'place: remove it first (state: absent)'
                                     % (name, before.get('id'), before.get('link')))
                links.delete_op(plan, netns, name, 'vlan link', ' (VLAN ID or parent changed)')
                plan.replaced.add((netns, name))
                link = None
        if link is None:
            if not (plan.local or {}).get('8021q', True):
                raise ParamError('id', NO_8021Q)
            parent_name, vid = d['link'], d['id']
            plan.add(Op("create vlan '%s' (VLAN %d on '%s') in %s" % (name, vid, parent_name, where(netns)),
                        lambda v: v.ipr.link('add', ifname=name, kind='vlan', link=v.index(parent_name), vlan_id=vid),
                        undo=links.delete_link(name), netns=netns, phase=phase_of(netns), makes=[(netns, name)]))
        links.set_attrs(plan, netns, name, link, mtu=d['mtu'])
        return {'name': name, 'netns': netns, 'state': 'present', 'kind': 'vlan', 'up': True,
                'mtu': d['mtu'] or (link['mtu'] if link else (parent or {}).get('mtu', 1500)),
                'link': d['link'], 'id': d['id']}

    def returns(self, d, view, local):
        return {'vlan': view}


KIND = Vlan()
