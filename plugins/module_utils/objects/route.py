# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One route in the main table of a namespace."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import socket

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op, Plan
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import MissingError, ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import HOST, where
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.netlink import (
    RT_TABLE_MAIN, RTPROT_BOOT, RTPROT_STATIC, RTPROT_VNETLAB)
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.base import PHASE_DELETE, Kind, phase_of
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import (
    check_ifname, check_netns, parse_address, parse_network)

OPTIONS = dict(
    destination=dict(type='str', required=True),
    netns=dict(type='str'),
    gateway=dict(type='str'),
    device=dict(type='str'),
    metric=dict(type='int'),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
)
METRIC_MAX = 0xffffffff


def dst_text(dst):
    """A destination as kernel reads show it: '10.30.0.0/16' or 'default'."""
    return str(dst) if dst else 'default'


def gateway_problem(gateway, networks):
    """Why the kernel would refuse this gateway (ENETUNREACH), or None: it must be on a connected subnet
    (a link-local IPv6 gateway is reached through its device)."""
    if gateway.version == 6 and gateway.is_link_local:
        return None
    if any(gateway in n for n in networks):
        return None
    return '%s is not on any connected subnet' % gateway


def route_spec(d, metric):
    """The netlink request's keys for d's destination/gateway/metric."""
    dst = d['dst']
    spec = {'family': socket.AF_INET6 if d['version'] == 6 else socket.AF_INET, 'table': RT_TABLE_MAIN,
            'dst_len': dst.prefixlen if dst else 0, 'proto': RTPROT_VNETLAB}
    if dst is not None:
        spec['dst'] = str(dst.network_address)
    if d['gw'] is not None:
        spec['gateway'] = str(d['gw'])
    if metric is not None:
        spec['priority'] = metric
    return spec


def is_user_route(r):
    """Routes someone added (not the kernel's, not from RA/DHCP): the only ones a lab may prune."""
    return r['proto'] in (RTPROT_BOOT, RTPROT_STATIC, RTPROT_VNETLAB)


def is_ours(r):
    return r['proto'] == RTPROT_VNETLAB


def delete_read_route(plan, netns, r, why=''):
    """Delete a route as it was read (prune)."""
    spec = {'family': r['family'], 'table': RT_TABLE_MAIN, 'priority': r['metric'],
            'dst_len': 0 if r['dst'] == 'default' else int(r['dst'].split('/')[1])}
    if r['dst'] != 'default':
        spec['dst'] = r['dst'].split('/')[0]
    plan.add(Op("delete route to %s in %s%s" % (r['dst'], where(netns), why), lambda v: v.ipr.route('del', **spec),
                netns=netns, phase=PHASE_DELETE))


class Route(Kind):
    name = 'route'
    OPTIONS = OPTIONS

    def desired(self, params):
        d = dict(params)
        check_netns('netns', d['netns'])
        d['dst'] = parse_network('destination', d['destination'])
        d['gw'] = parse_address('gateway', d['gateway']) if d['gateway'] else None
        if d['device']:
            check_ifname('device', d['device'])
        if d['gw'] and d['dst'] and d['gw'].version != d['dst'].version:
            raise ParamError('gateway', '%s and destination %s are different IP versions' % (d['gw'], d['dst']))
        d['version'] = (d['dst'] or d['gw'] or ipaddress.ip_address('0.0.0.0')).version
        if d['state'] == 'present' and not (d['gw'] or d['device']):
            raise ParamError('gateway', 'give a gateway and/or a device for the route to %s' % d['destination'])
        if d['metric'] is not None and not 0 <= d['metric'] <= METRIC_MAX:
            raise ParamError('metric', 'must be between 0 and %d' % METRIC_MAX)
        return d

    def reads(self, d):
        return {HOST: (False, False), d['netns']: (True, True)}

    def _match(self, plan, d):
        state = plan.snapshot.get(d['netns'])
        if state is None or state['routes'] is None:
            return None
        want, family = dst_text(d['dst']), route_spec(d, None)['family']
        for r in state['routes']:
            if r['family'] == family and r['dst'] == want and (d['metric'] is None or r['metric'] == d['metric']):
                return r
        return None

    def view(self, d, snapshot, local):
        plan = Plan(snapshot)
        view = {'netns': d['netns'], 'destination': d['destination'], 'state': 'absent'}
        m = self._match(plan, d)
        if m is not None:
            view.update(state='present', gateway=m['gateway'], device=plan.name_of(d['netns'], m['oif']),
                        metric=m['metric'])
        return view

    def plan(self, plan, d):
        netns = d['netns']
        before = self.view(d, plan.snapshot, None)
        m = self._match(plan, d)
        if d['state'] == 'absent':
            if m is None:
                return before
            if netns is HOST and not is_ours(m):  # the host's routes are never ours to delete
                plan.warnings.append("the route to %s in the host namespace was not added by vnetlab (proto %s): "
                                     "left alone" % (dst_text(d['dst']), m['proto']))
                return before
            spec = route_spec(d, m['metric'])
            del spec['proto']
            plan.add(Op("delete route to %s in %s" % (dst_text(d['dst']), where(netns)),
                        lambda v: v.ipr.route('del', **spec), netns=netns, phase=PHASE_DELETE))
            return dict(netns=netns, destination=d['destination'], state='absent')
        plan.require_netns('netns', netns)
        device = d['device']
        link = plan.link(netns, device) if device else None
        if device and link is None and (netns, device) not in plan.declared:
            raise MissingError('device', "'%s' does not exist in %s" % (device, where(netns)),
                               declare=((netns, device), 'link'))
        if d['gw'] is not None:
            self._check_gateway(plan, d, link)
        gateway = str(d['gw']) if d['gw'] else None
        if m is not None and (gateway is None or m['gateway'] == gateway) and \
                (device is None or plan.name_of(netns, m['oif']) == device):
            return before
        if m is not None and netns is HOST and not is_ours(m):
            raise ParamError('destination', "a route to %s already exists in the host namespace (via %s, not added "
                                            "by vnetlab); vnetlab does not replace the host's routes"
                             % (dst_text(d['dst']), m['gateway'] or plan.name_of(netns, m['oif'])))
        metric = d['metric'] if d['metric'] is not None else (m['metric'] if m else None)
        verb = 'replace' if m is not None else 'add'
        spec = route_spec(d, metric)

        def do(visit):
            kwargs = dict(spec)
            if device is not None:
                kwargs['oif'] = visit.index(device)
            visit.ipr.route(verb, **kwargs)
        undo = (lambda v: v.ipr.route('del', **dict((k, x) for k, x in spec.items() if k != 'proto'))) \
            if verb == 'add' else None
        plan.add(Op("%s route to %s%s in %s" % (verb, dst_text(d['dst']), ' via %s' % gateway if gateway else '',
                                                where(netns)), do, undo=undo, netns=netns, phase=phase_of(netns)))
        return dict(before, state='present', gateway=gateway or (m and m['gateway']),
                    device=device or (before.get('device') if m else None),
                    metric=metric if metric is not None else before.get('metric', 0))

    @staticmethod
    def _check_gateway(plan, d, link):
        """The kernel would say ENETUNREACH; say which subnets are connected instead."""
        gw, netns = d['gw'], d['netns']
        if gw.version == 6 and gw.is_link_local and not d['device']:
            raise ParamError('device', 'a link-local gateway (%s) needs a device' % gw)
        state = plan.snapshot.get(netns)
        nets = []
        if state is not None and state['addresses'] is not None:
            for index, addrs in state['addresses'].items():
                if link is None or index == link['index']:
                    nets.extend(a.network for a in addrs)
        nets.extend(a.network for a in plan.planned_addresses.get(netns, []))
        problem = gateway_problem(gw, nets)
        if problem:
            raise ParamError('gateway', '%s in %s%s (connected: %s); add an address on its subnet first'
                             % (problem, where(netns), " on '%s'" % d['device'] if link else '',
                                ', '.join(sorted(set(str(n) for n in nets))) or 'none'))

    def returns(self, d, view, local):
        return {'route': view}


KIND = Route()
