# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A named network namespace (`ip netns add/del`), with its loopback up and carrying the owner mark."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vnetlab.linux.plugins.module_utils import ownership
from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.base import PHASE_DELETE, PHASE_NAMESPACES, Kind
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import check_netns

OPTIONS = dict(
    name=dict(type='str', required=True),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    loopback=dict(type='bool', default=True),
    adopt=dict(type='bool', default=False),
)


def create_op(plan, name, phase=PHASE_NAMESPACES):
    return plan.add(Op("create netns '%s'" % name, netns=name, creates=name, phase=phase))


def remove_op(plan, name, why='', phase=PHASE_DELETE):
    return plan.add(Op("delete netns '%s'%s" % (name, why), removes=name, phase=phase))


class Netns(Kind):
    name = 'netns'
    OPTIONS = OPTIONS
    SECTION_OPTIONS = {}

    def desired(self, params):
        d = dict(params)
        d.setdefault('loopback', True)
        check_netns('name', d['name'])
        return d

    def reads(self, d):
        # a teardown needs only the namespace's mark (on lo); a build lists its links when it refuses it
        return {d['name']: 'lo' if d['state'] == 'absent' else (False, False)}

    def view(self, d, snapshot, local):
        state = snapshot.get(d['name'])
        if state is None:
            return {'name': d['name'], 'state': 'absent'}
        lo = state['links'].get('lo')
        return {'name': d['name'], 'state': 'present', 'loopback_up': bool(lo and lo['up'])}

    def plan(self, plan, d, phase=PHASE_NAMESPACES):
        name = d['name']
        before = self.view(d, plan.snapshot, None)
        lo = plan.link(name, 'lo')
        alias = lo['ifalias'] if lo else None
        if d['state'] == 'absent':
            if before['state'] == 'absent':
                return before
            if not plan.owns(name, None, lo):
                plan.warnings.append(ownership.left_alone('network namespace', name, '', alias))
                return before
            remove_op(plan, name)
            return {'name': name, 'state': 'absent'}
        after = dict(before, state='present')
        if before['state'] == 'absent':
            create_op(plan, name, phase)
            lo = None
        elif plan.unmarked(name, None, lo):
            lo = None  # ours, from a run killed before it marked it: mark it now
        elif not plan.owns(name, None, lo):
            if not d.get('adopt'):
                others = sorted(n for n in plan.links(name) if n != 'lo')
                raise ownership.not_ours('name', 'network namespace', name, '',
                                         'links %s' % ', '.join(others) if others else '', alias)
            plan.adopted.add((name, None))
        # the loopback carries the namespace's owner mark, set when we create it
        mark = lo is None
        up = d['loopback'] and (lo is None or not lo['up'])
        if mark or up:
            attrs = dict(ifalias=plan.owner) if mark else {}
            if d['loopback']:
                attrs['state'] = 'up'
            plan.add(Op(("set lo up in netns '%s'" if 'state' in attrs else "mark netns '%s' as ours") % name,
                        lambda v: v.ipr.link('set', index=1, **attrs), netns=name, phase=phase))
        after['loopback_up'] = bool(d['loopback'] or (lo and lo['up']))
        return after

    def returns(self, d, view, local):
        return {'netns': view}


KIND = Netns()
