# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The VLANs of one port of a VLAN-filtering bridge (`bridge vlan add dev X vid 10 pvid untagged`): an access
port (one VLAN, untagged) or a trunk (tagged VLANs, and an optional native VLAN that goes untagged).

The port gets exactly the VLANs asked: the kernel's default (VLAN 1, untagged) goes unless it is asked for.
A VLAN is one netlink request on the port (AF_BRIDGE RTM_SETLINK / RTM_DELLINK), each with its undo, so a
failure half-way puts the port's VLANs back as they were. state=absent gives the port the bridge's default
back (VLAN 1, untagged), as a port just enslaved has it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vnetlab.linux.plugins.module_utils import ownership
from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import MissingError, ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import where
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.netlink import (
    BRIDGE_VLAN_PVID, BRIDGE_VLAN_UNTAGGED, NetlinkError, port_vlan_write)
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.base import PHASE_HOST, Kind
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.vlan import check_vid
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import check_ifname, check_netns

OPTIONS = dict(
    port=dict(type='str', required=True),
    netns=dict(type='str'),
    access=dict(type='int'),
    trunk=dict(type='list', elements='int'),
    native=dict(type='int'),
    adopt=dict(type='bool', default=False),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
)
# the keys a topology's veth end takes for its port (`vlan:` / `peer_vlan:`)
PORT_SPEC = dict(type='dict', options=dict(access=dict(type='int'), trunk=dict(type='list', elements='int'),
                                           native=dict(type='int')))
UNTAGGED_PVID = BRIDGE_VLAN_PVID | BRIDGE_VLAN_UNTAGGED
DEFAULT = {1: UNTAGGED_PVID}  # a port as the kernel enslaves it to a bridge of default_pvid 1


def wanted_vlans(param, access=None, trunk=None, native=None):
    """{vid: flags} of an access port or a trunk; errors name `param` (an option, or a topology key)."""
    if (access is None) == (trunk is None):
        raise ParamError(param, 'give access (one VLAN, untagged) or trunk (tagged VLANs, with an optional native), '
                                'not %s' % ('both' if access is not None else 'neither'))
    if access is not None:
        if native is not None:
            raise ParamError(param, 'native belongs to a trunk; an access port has only its VLAN')
        return {check_vid(param, access): UNTAGGED_PVID}
    if not trunk:
        raise ParamError(param, 'a trunk carries at least one VLAN')
    vlans = dict((check_vid(param, vid), 0) for vid in trunk)
    if len(vlans) != len(trunk):
        raise ParamError(param, 'a VLAN is listed twice in trunk: %s' % trunk)
    if native is not None:
        vlans[check_vid(param, native)] = UNTAGGED_PVID
    return vlans


def describe(vlans):
    """{vid: flags} -> {'access': 10} or {'trunk': [10, 20], 'native': 30}: what a user wrote."""
    untagged = sorted(v for v, f in vlans.items() if f & BRIDGE_VLAN_UNTAGGED and f & BRIDGE_VLAN_PVID)
    tagged = sorted(v for v, f in vlans.items() if not f & BRIDGE_VLAN_UNTAGGED)
    if not tagged and len(untagged) == 1 and len(vlans) == 1:
        return {'access': untagged[0]}
    out = {'trunk': tagged}
    if untagged:
        out['native'] = untagged[0]
    return out


class PortVlan(Kind):
    name = 'port_vlan'
    OPTIONS = OPTIONS

    def lock(self, d):
        return 'port_vlan/%s/%s' % (d['netns'] or 'host', d['port'])

    def desired(self, params):
        d = dict(params)
        check_ifname('port', d['port'])
        check_netns('netns', d['netns'])
        if d['state'] == 'present':
            bad = 'access' if d['access'] is not None else 'trunk'
            d['vlans'] = wanted_vlans(bad, d['access'], d['trunk'], d['native'])
        else:
            for key in ('access', 'trunk', 'native'):
                if d[key] is not None:
                    raise ParamError(key, 'state: absent gives the port the default VLAN back; leave out %s' % key)
            d['vlans'] = dict(DEFAULT)
        return d

    def reads(self, d):
        return {d['netns']: (False, False, ('port_vlans',))}

    def view(self, d, snapshot, local):
        state = snapshot.get(d['netns'])
        link = state['links'].get(d['port']) if state else None
        view = {'port': d['port'], 'netns': d['netns']}
        if link is None:
            return dict(view, state='absent')
        vlans = (state.get('port_vlans') or {}).get(link['index'], {})
        return dict(view, state='present', vlans=describe(vlans) if vlans else {})

    def plan(self, plan, d):
        netns, port = d['netns'], d['port']
        link = plan.link(netns, port)
        before = self.view(d, plan.snapshot, None)
        if link is None:
            if d['state'] == 'absent':
                return before
            plan.require_netns('netns', netns)
            if (netns, port) not in plan.declared:
                raise MissingError('port', "interface '%s' does not exist in %s" % (port, where(netns)),
                                   declare=((netns, port), 'link'))
            current = dict(DEFAULT)  # enslaved by an earlier op of this run
        else:
            if not d.get('adopt') and not ownership.is_vnetlab(link['ifalias']) and (netns, port) not in plan.adopted:
                raise ownership.not_ours('port', 'interface', port, where(netns), '', link['ifalias'])
            master = plan.name_of(netns, link['master']) if link['master'] else None
            bridge = plan.link(netns, master) if master else None
            declared = d.get('bridge')  # a lab's: the bridge its topology enslaves the port to, filtering VLANs
            if declared is not None and (master != declared or bridge is None):
                bridge = {'kind': 'bridge', 'vlan_filtering': True}  # enslaved anew by an earlier op of this run
            if bridge is None or bridge['kind'] != 'bridge':
                if d['state'] == 'absent':
                    return before
                raise ParamError('port', "'%s' in %s is not a port of a bridge; enslave it to a bridge with "
                                         'vlan_filtering: true first' % (port, where(netns)))
            if not bridge['vlan_filtering'] and declared is None:
                if d['state'] == 'absent':
                    return before
                raise ParamError('port', "bridge '%s' in %s filters no VLANs; set vlan_filtering: true on it"
                                 % (master, where(netns)))
            current = (plan.snapshot[netns].get('port_vlans') or {}).get(link['index'], {})
            if declared is not None and master != declared:
                current = dict(DEFAULT)  # the kernel gives a port its bridge's default when enslaved
        wanted = d['vlans']
        known = link['index'] if link is not None and (netns, port) not in plan.replaced else None
        for vid in sorted(wanted, key=lambda v: -wanted[v]):  # the PVID first: the port always has one
            if current.get(vid) != wanted[vid]:
                plan.add(Op("VLAN %d on '%s' in %s%s" % (vid, port, where(netns), _flags_text(wanted[vid])),
                            _write('add', port, vid, wanted[vid], known),
                            undo=_back(port, vid, current.get(vid), known), netns=netns, phase=PHASE_HOST))
        for vid in sorted(set(current) - set(wanted)):
            plan.add(Op("remove VLAN %d from '%s' in %s" % (vid, port, where(netns)),
                        _write('del', port, vid, 0, known), undo=_back(port, vid, current[vid], known),
                        netns=netns, phase=PHASE_HOST))
        return {'port': port, 'netns': netns, 'state': 'present', 'vlans': describe(wanted)}

    def returns(self, d, view, local):
        return {'port_vlan': view}


def _flags_text(flags):
    return ' (untagged, PVID)' if flags == UNTAGGED_PVID else ' (tagged)' if not flags else ' (flags %d)' % flags


def _write(command, port, vid, flags=0, known=None):
    def do(visit):
        try:
            port_vlan_write(command, visit.index(port, known), vid, flags)
        except NetlinkError as e:
            # a default VLAN the kernel did not give (a bridge with another default_pvid) is gone as wanted
            if command != 'del' or e.code not in (2, 22):  # ENOENT, EINVAL
                raise
    return do


def _back(port, vid, flags, known=None):
    """The undo of a change of one VID: its flags as they were, or gone when it was not there."""
    return _write('del', port, vid, 0, known) if flags is None else _write('add', port, vid, flags, known)


KIND = PortVlan()
