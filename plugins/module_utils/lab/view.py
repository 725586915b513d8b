# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Before/after views of a lab for --diff (pure: built from what was read and what was declared).

Only the lab's own objects appear: declared namespaces and links, and those marked as this lab's.
Keys are 'host/br0', 'red/veth-red' so that a diff of hundreds of namespaces stays readable.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.vnetlab.linux.plugins.module_utils import ownership
from ansible_collections.vnetlab.linux.plugins.module_utils.engine import managed_addresses as managed
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import interfaces, key, lab_alias
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.impairment import values_view
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.port_vlan import describe
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.route import dst_text, is_user_route


def _declared_links(topo):
    return dict(((i['netns'], i['name']), i) for i in interfaces(topo))


def _route_text(dst, gateway, device, metric):
    text = dst
    if gateway:
        text += ' via %s' % gateway
    if device:
        text += ' dev %s' % device
    return text + ' metric %s' % (metric or 0)


def before(topo, live, owned):
    alias = lab_alias(topo['lab'])
    declared = _declared_links(topo)
    view = {'lab': topo['lab'], 'namespaces': sorted(set(n for n in live if n is not None) | set(owned)),
            'links': {}, 'routes': {}}
    for netns, state in live.items():
        if state is None:
            continue
        names = dict((v['index'], n) for n, v in state['links'].items())
        for name, link in state['links'].items():
            ours = ownership.owned(link['ifalias'], alias)
            if (netns, name) not in declared and (not ours or name == 'lo'):
                continue
            entry = {'kind': link['kind'], 'up': link['up'], 'mtu': link['mtu'],
                     'master': names.get(link['master']), 'owned': ours}
            if state['addresses']:
                entry['addresses'] = sorted(str(a) for a in managed(state['addresses'].get(link['index'], [])))
            qdisc = (state.get('qdiscs') or {}).get(link['index'])
            if ownership.qdisc_is_ours(qdisc):
                entry['impairment'] = values_view(qdisc['kind'], qdisc['values'])
            vlans = (state.get('port_vlans') or {}).get(link['index'])
            if vlans and link['master']:  # a bridge port's (the bridge itself has VLANs of its own)
                entry['vlans'] = describe(vlans)
            view['links'][key(netns, name)] = entry
        if state['routes'] is not None:
            routes = [_route_text(r['dst'], r['gateway'], names.get(r['oif']), r['metric'])
                      for r in state['routes'] if is_user_route(r)]
            if routes:
                view['routes'][netns or 'host'] = sorted(routes)
    return view


def after(topo, view_before, state, prune, vanishing=()):
    """The view once the plan is applied (what check mode predicts)."""
    view = copy.deepcopy(view_before)
    declared = _declared_links(topo)
    ns_names = set(ns['name'] for ns in topo['namespaces'])
    if state == 'absent':
        gone = ns_names | set(view['namespaces'])
        view['namespaces'] = []
        view['links'] = dict((k, v) for k, v in view['links'].items()
                             if k.startswith('host/') and not v['owned'] and (None, k[5:]) not in declared)
        for k in list(view['links']):
            if k[5:] in vanishing:
                del view['links'][k]
        for ns in gone:
            view['routes'].pop(ns, None)
        host_routes = set(_route_text(dst_text(r['dst']), str(r['gw']) if r['gw'] else None, r['device'], r['metric'])
                          for r in topo['routes'] if r['netns'] is None)
        if 'host' in view['routes']:
            view['routes']['host'] = [r for r in view['routes']['host'] if r not in host_routes]
        return view
    if prune:
        keep = set(key(ns, name) for ns, name in declared)
        view['namespaces'] = [n for n in view['namespaces'] if n in ns_names]
        view['links'] = dict((k, v) for k, v in view['links'].items() if k in keep or not v['owned'])
        for ns in list(view['routes']):
            if ns != 'host':
                view['routes'][ns] = []
    view['namespaces'] = sorted(set(view['namespaces']) | ns_names)
    for (ns, name), want in declared.items():
        old = view['links'].get(key(ns, name), {})
        entry = {'kind': want['kind'], 'up': True, 'mtu': want['mtu'] or old.get('mtu') or 1500,
                 'master': want['master'] or old.get('master'), 'owned': True}
        if want['addresses'] is not None:
            entry['addresses'] = sorted(str(a) for a in want['addresses'])
        elif 'addresses' in old:
            entry['addresses'] = old['addresses']
        for extra in ('impairment', 'vlans'):
            if extra in old and not (prune and extra == 'impairment'):
                entry[extra] = old[extra]
        view['links'][key(ns, name)] = entry
    for m in topo['impairments']:
        view['links'][key(m['netns'], m['interface'])]['impairment'] = values_view(m['kind'], m['values'])
    for v in topo['veths']:
        for vlans, ns, end in (('vlans', 'netns', 'name'), ('peer_vlans', 'peer_netns', 'peer')):
            if v.get(vlans):
                view['links'][key(v[ns], v[end])]['vlans'] = describe(v[vlans])
    for r in topo['routes']:
        ns = r['netns'] or 'host'
        dst = dst_text(r['dst'])
        routes = [x for x in view['routes'].get(ns, []) if not x.startswith(dst + ' ')]
        routes.append(_route_text(dst, str(r['gw']) if r['gw'] else None, r['device'], r['metric']))
        view['routes'][ns] = sorted(routes)
    view['routes'] = dict((k, v) for k, v in view['routes'].items() if v)
    return view
