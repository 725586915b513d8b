# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Linux bridge, up, with optional STP / VLAN filtering / MTU and the ports to enslave."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vnetlab.linux.plugins.module_utils import ownership
from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import MissingError, ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import HOST, where
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.netlink import link_kind_works
from ansible_collections.vnetlab.linux.plugins.module_utils.objects import links
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.base import Kind, phase_of
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import (
    check_distinct, check_ifname, check_mtu, check_netns)

OPTIONS = dict(
    name=dict(type='str', required=True),
    netns=dict(type='str'),
    stp=dict(type='bool'),
    vlan_filtering=dict(type='bool'),
    mtu=dict(type='int'),
    ports=dict(type='list', elements='str', default=[]),
    adopt=dict(type='bool', default=False),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
)
_KERNEL_ATTRS = (('stp', 'br_stp_state'), ('vlan_filtering', 'br_vlan_filtering'))


class Bridge(Kind):
    name = 'bridge'
    OPTIONS = OPTIONS
    SECTION_OPTIONS = dict(addresses=dict(type='list', elements='str'))

    def desired(self, params):
        d = dict(params)
        check_ifname('name', d['name'])
        check_netns('netns', d['netns'])
        check_mtu('mtu', d['mtu'])
        d['ports'] = list(d.get('ports') or [])
        for port in d['ports']:
            check_ifname('ports', port)
            if port == d['name']:
                raise ParamError('ports', "a bridge cannot be a port of itself ('%s')" % port)
        check_distinct([('ports', port) for port in d['ports']])
        return d

    def reads(self, d):
        # addresses: to say whose a bridge is when it refuses one (a build only)
        return {HOST: (False, False), d['netns']: (d['state'] == 'present', False)}

    def read_local(self, d, snapshot):
        """Whether the kernel filters VLANs on a bridge - tried only when it is to be turned on."""
        state = snapshot.get(d['netns'])
        link = state['links'].get(d['name']) if state else None
        if d['state'] != 'present' or not d['vlan_filtering'] or (link is not None and link.get('vlan_filtering')):
            return None
        return {'vlan_filtering': link_kind_works('bridge', br_vlan_filtering=1)}

    def view(self, d, snapshot, local):
        state = snapshot.get(d['netns'])
        link = state['links'].get(d['name']) if state else None
        if link is None:
            return {'name': d['name'], 'netns': d['netns'], 'state': 'absent'}
        view = {'name': d['name'], 'netns': d['netns'], 'kind': link['kind'], 'state': 'present',
                'up': link['up'], 'mtu': link['mtu']}
        if link['kind'] == 'bridge':
            view.update(stp=link['stp'], vlan_filtering=link['vlan_filtering'],
                        ports=sorted(n for n, v in state['links'].items() if v['master'] == link['index']))
        return view

    def plan(self, plan, d):
        name, netns = d['name'], d['netns']
        link = plan.link(netns, name)
        before = self.view(d, plan.snapshot, None)
        if d['state'] == 'absent':
            return links.plan_absent(plan, netns, name, link, 'bridge', 'bridge', before)
        plan.require_netns('netns', netns)
        if link is not None and link['kind'] != 'bridge':
            links.in_the_way(plan, netns, name, link, 'bridge', 'name')
            link = None
        if link is not None:
            links.claim(plan, d, netns, name, link, 'bridge')
        for port in d['ports']:
            if plan.link(netns, port) is None and (netns, port) not in plan.declared:
                raise MissingError('ports', "interface '%s' does not exist in %s" % (port, where(netns)),
                                   declare=((netns, port), 'link'))
        if not (plan.local or {}).get('vlan_filtering', True):
            raise ParamError('vlan_filtering', 'this kernel has no bridge VLAN filtering '
                                               '(CONFIG_BRIDGE_VLAN_FILTERING); use a kernel that has it')
        wanted = {}
        for key, attr in _KERNEL_ATTRS:
            if d[key] is not None and (link is None or link[key] != d[key]):
                wanted[attr] = int(d[key])
        if link is None:
            plan.add(Op("create bridge '%s' in %s" % (name, where(netns)),
                        lambda v: v.ipr.link('add', ifname=name, kind='bridge', **wanted),
                        undo=links.delete_link(name), netns=netns, phase=phase_of(netns), makes=[(netns, name)]))
        elif wanted:
            plan.add(Op("set %s on bridge '%s'" % (', '.join(sorted(k[3:] for k in wanted)), name),
                        lambda v: v.ipr.link('set', index=v.index(name), kind='bridge', **wanted),
                        netns=netns, phase=phase_of(netns)))
        links.set_attrs(plan, netns, name, link, mtu=d['mtu'])
        current_ports = before.get('ports', []) if link is not None else []
        for port in d['ports']:
            port_link = plan.link(netns, port)
            if port not in current_ports or port_link is None or not port_link['up']:
                old_master = _other_master(plan, netns, name, port, port_link)
                plan.add(Op("enslave '%s' to bridge '%s' and set it up" % (port, name),
                            _enslave(port, name), undo=_release(port, port_link, old_master, port in current_ports),
                            netns=netns, phase=phase_of(netns)))
        return {'name': name, 'netns': netns, 'kind': 'bridge', 'state': 'present', 'up': True,
                'mtu': d['mtu'] or (link['mtu'] if link else 1500),
                'stp': bool(d['stp']) if d['stp'] is not None else bool(link and link['stp']),
                'vlan_filtering': (bool(d['vlan_filtering']) if d['vlan_filtering'] is not None
                                   else bool(link and link['vlan_filtering'])),
                'ports': sorted(set(current_ports) | set(d['ports']))}

    def returns(self, d, view, local):
        return {'bridge': view}


def _other_master(plan, netns, bridge, port, port_link):
    """The bridge (or bond...) a port is enslaved to now, when it is not this one: it is put back there on
    rollback. A port of someone else's master is refused: enslaving it here would take it from there."""
    if port_link is None or not port_link['master']:
        return None
    master = plan.name_of(netns, port_link['master'])
    if master is None or master == bridge:
        return None
    found = plan.link(netns, master)
    if not plan.owns(netns, master, found):
        raise ParamError('ports', "'%s' is a port of '%s' in %s (%s); enslaving it to bridge '%s' would take it "
                                  'from there: release it there first, or leave it out of ports'
                         % (port, master, where(netns), ownership.owner_text(found and found['ifalias']), bridge))
    return master


def _enslave(port, bridge):
    """Two requests: the kernel applies the flags of a request before its master, so a port it refuses to
    enslave (EBUSY: the lower device of a macvlan) would be left up by one request that failed."""
    def do(visit):
        visit.ipr.link('set', index=visit.index(port), master=visit.index(bridge))
        visit.ipr.link('set', index=visit.index(port), state='up')
    return do


def _release(port, port_link, old_master, already):
    """The undo of an enslave: the port goes back to how it was found - its old master (none, another bridge
    of ours, or this one when it was a port already and only down) and down if it was down. A port that did
    not exist (one the same run made) goes with its own undo; a port that is gone by now is left gone."""
    if port_link is None:
        return None
    was_up = port_link['up']

    def undo(visit):
        found = visit.ipr.link_lookup(ifname=port)
        if not found:
            return
        kwargs = {} if already else {'master': visit.index(old_master) if old_master else 0}
        if not was_up:
            kwargs['state'] = 'down'
        visit.ipr.link('set', index=found[0], **kwargs)
    return undo


KIND = Bridge()
