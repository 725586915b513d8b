# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A VXLAN link in the host namespace, enslaved to a lab bridge: one end of the tunnels that join the
bridges of the same name on several hosts into one L2 segment (docs/multihost.md).

Unicast only, no multicast group: head-end replication through one all-zeros FDB entry per remote host
(`bridge fdb append 00:00:00:00:00:00 dev vx.. dst <remote>`), so broadcast and unknown frames go to each
remote, and learning fills in the rest. Cloud networks carry no multicast.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import HOST, where
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.netlink import FLOOD_MAC
from ansible_collections.vnetlab.linux.plugins.module_utils.objects import links
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.base import PHASE_HOST, Kind
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import check_ifname, check_mtu, parse_address

VXLAN_PORT = 4789  # IANA's
VXLAN_OVERHEAD = 50  # outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8: what a port of a spanning bridge gives up
VXLAN6_OVERHEAD = 70  # the same over an IPv6 underlay (its header is 40 bytes)
VNI_MAX = (1 << 24) - 1

OPTIONS = dict(
    name=dict(type='str', required=True),
    vni=dict(type='int', required=True),
    local=dict(type='str'),
    remotes=dict(type='list', elements='str', default=[]),
    master=dict(type='str'),
    mtu=dict(type='int'),
    port=dict(type='int', default=VXLAN_PORT),
    adopt=dict(type='bool', default=False),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
)


def ifname(vni):
    """The link's name on every host: 'vx' and the VNI (two labs cannot both use a VNI on one host anyway:
    the kernel refuses a second VXLAN link with the same VNI and port)."""
    return 'vx%d' % vni


def check_vni(param, vni):
    if not isinstance(vni, int) or isinstance(vni, bool) or not 1 <= vni <= VNI_MAX:
        raise ParamError(param, 'a VNI is a number from 1 to %d; got %r' % (VNI_MAX, vni))
    return vni


def overhead(address):
    """What a port of a spanning bridge gives up to the tunnel, by the underlay's IP version."""
    return VXLAN6_OVERHEAD if ':' in str(address) else VXLAN_OVERHEAD


def underlay_ip(param, text):
    """An underlay address, IPv4 or IPv6, in the kernel's own spelling (compressed IPv6) so that what
    is read back compares equal."""
    ip = parse_address(param, text)
    if ip.is_multicast or ip.is_unspecified:
        raise ParamError(param, "'%s' is not a unicast address; the underlay is unicast (head-end replication)"
                         % text)
    return str(ip)


def _one_family(local, remotes):
    families = set(':' in a for a in ([local] if local else []) + remotes)
    if len(families) > 1:
        raise ParamError('remotes', 'the local address and the remotes are one IP version, IPv4 or IPv6; '
                                    'got %s' % ', '.join(([local] if local else []) + remotes))


class Vxlan(Kind):
    name = 'vxlan'
    OPTIONS = OPTIONS

    def desired(self, params):
        d = dict(params)
        check_ifname('name', d['name'])
        check_vni('vni', d['vni'])
        check_mtu('mtu', d['mtu'])
        if d['master'] is not None:
            check_ifname('master', d['master'])
        if not 1 <= d['port'] <= 65535:
            raise ParamError('port', 'a UDP port is 1-65535; got %d' % d['port'])
        d['local'] = None if d['local'] is None else underlay_ip('local', d['local'])
        d['remotes'] = sorted(set(underlay_ip('remotes', r) for r in d.get('remotes') or []))
        _one_family(d['local'], d['remotes'])
        if d['local'] is not None and d['local'] in d['remotes']:
            raise ParamError('remotes', '%s is this host\'s own underlay address (local)' % d['local'])
        d['netns'] = HOST
        return d

    def reads(self, d):
        return {HOST: (False, False)}

    @staticmethod
    def local_of(d, snapshot):
        """The underlay address: declared, else the source of the host's default route (read for the lab)."""
        return d['local'] or snapshot.get(HOST, {}).get('underlay_source')

    @staticmethod
    def remotes_of(snapshot, link):
        if link is None:
            return []
        return list(snapshot.get(HOST, {}).get('flood', {}).get(link['index'], []))

    def view(self, d, snapshot, local):
        link = (snapshot.get(HOST) or {}).get('links', {}).get(d['name'])
        if link is None:
            return {'name': d['name'], 'state': 'absent'}
        view = {'name': d['name'], 'state': 'present', 'kind': link['kind'], 'up': link['up'], 'mtu': link['mtu']}
        if link['kind'] == 'vxlan':
            view.update(vni=link['vni'], local=link['local'], port=link['port'],
                        remotes=self.remotes_of(snapshot, link))
        return view

    def plan(self, plan, d):
        name = d['name']
        link = plan.link(HOST, name)
        before = self.view(d, plan.snapshot, None)
        if d['state'] == 'absent':
            if link is None:
                return before
            links.require_kind('name', HOST, name, link, 'vxlan')
            if links.may_delete(plan, HOST, name, link, 'vxlan'):
                links.delete_op(plan, HOST, name, 'vxlan')
                return {'name': name, 'state': 'absent'}
            return before
        local = self.local_of(d, plan.snapshot)
        if local is None:
            raise ParamError('local', 'the host has no default route to take the underlay address from; give '
                                      'local (in a lab: the host variable vnetlab_underlay_address)')
        if local in d['remotes']:
            raise ParamError('remotes', "%s is this host's own underlay address" % local)
        if d['local'] is None and d['remotes'] and (':' in d['remotes'][0]) != (':' in local):
            raise ParamError('local', "the remotes are IPv%d and this host's default route leaves from %s: give "
                                      "local, this host's own IPv%d underlay address (in a lab: the host variable "
                                      "vnetlab_underlay_address)" % ((6, local, 6) if ':' in d['remotes'][0]
                                                                     else (4, local, 4)))
        if link is not None and link['kind'] != 'vxlan':
            links.in_the_way(plan, HOST, name, link, 'vxlan', 'name')
            link = None
        if link is not None:
            mine = links.claim(plan, d, HOST, name, link, 'vxlan link')
            differs = (link['vni'], link['local'], link['port']) != (d['vni'], local, d['port'])
            if differs and not mine:
                raise ParamError('vni', "vxlan link '%s' has VNI %s, local %s, port %s; an adopted link is used as "
                                        "it is" % (name, link['vni'], link['local'], link['port']))
            if differs:  # the kernel does not change these in place: make it anew
                links.delete_op(plan, HOST, name, 'vxlan', ' (VNI, local address or port changed)')
                plan.replaced.add((HOST, name))
                link = None
        if link is None:
            attrs = dict(vxlan_id=d['vni'], vxlan_port=d['port'], vxlan_learning=1)
            attrs['vxlan_local6' if ':' in local else 'vxlan_local'] = local
            if d['mtu']:
                attrs['mtu'] = d['mtu']
            what = (name, d['vni'], local, d['port'], where(HOST))
            plan.add(Op("create vxlan '%s' (VNI %d, local %s, port %d) in %s" % what,
                        lambda v: v.ipr.link('add', ifname=name, kind='vxlan', **attrs),
                        undo=links.delete_link(name), netns=HOST, phase=PHASE_HOST, makes=[(HOST, name)]))
        links.set_attrs(plan, HOST, name, link, mtu=d['mtu'], master=d['master'])
        current = self.remotes_of(plan.snapshot, link)
        for remote in d['remotes']:
            if remote not in current:
                plan.add(Op("flood to %s through vxlan '%s'" % (remote, name), _fdb('append', name, remote),
                            undo=_fdb('del', name, remote), netns=HOST, phase=PHASE_HOST))
        for remote in current:
            if remote not in d['remotes']:
                plan.add(Op("stop flooding to %s through vxlan '%s'" % (remote, name), _fdb('del', name, remote),
                            undo=_fdb('append', name, remote), netns=HOST, phase=PHASE_HOST))
        return {'name': name, 'state': 'present', 'kind': 'vxlan', 'up': True,
                'mtu': d['mtu'] or (link['mtu'] if link else 1500 - overhead(local)), 'vni': d['vni'], 'local': local,
                'port': d['port'], 'remotes': list(d['remotes'])}

    def returns(self, d, view, local):
        return {'vxlan': view}


def _fdb(command, name, remote):
    def do(visit):
        visit.ipr.fdb(command, ifindex=visit.index(name), lladdr=FLOOD_MAC, dst=remote)
    return do


KIND = Vxlan()
