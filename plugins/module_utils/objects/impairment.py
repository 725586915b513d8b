# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Impairments of one link end: delay, jitter, loss, duplication, reordering, corruption and rate, as the
link's root qdisc (what `tc qdisc add dev X root netem ...` does).

One qdisc per link end, with our handle (ownership.QDISC_HANDLE): netem when anything but the rate is
impaired (netem carries the rate too), tbf for a rate alone - tbf is in every kernel, netem (sch_netem) is
not, and a plan that needs it on a kernel without it fails before any change. A changed value is changed
in place (RTM_NEWQDISC without create: packets queued stay queued); a qdisc someone else added is never
replaced nor removed, and the kernel's default comes back by itself when ours is deleted.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import re

from ansible_collections.vnetlab.linux.plugins.module_utils import ownership
from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import MissingError, ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import where
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.netlink import (
    NETEM_PERCENT, NetlinkError, qdisc_kind_works, qdisc_write, reported_values)
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.base import PHASE_HOST, Kind
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import check_ifname, check_netns

# In a lab, after every namespace's links are made: a veth end may be made from its peer's namespace, visited
# later than its own.
PHASE = PHASE_HOST
PERCENTS = tuple(name for name, _attr, _field in NETEM_PERCENT)
OPTIONS = dict(
    interface=dict(type='str', required=True),
    netns=dict(type='str'),
    delay=dict(type='raw'),
    jitter=dict(type='raw'),
    rate=dict(type='raw'),
    limit=dict(type='int'),
    adopt=dict(type='bool', default=False),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
)
OPTIONS.update((name, dict(type='float')) for name in PERCENTS)
# what each correlation or probability needs beside it (netem ignores it otherwise)
NEEDS = {'delay_correlation': 'jitter', 'jitter': 'delay', 'loss_correlation': 'loss',
         'duplicate_correlation': 'duplicate', 'reorder': 'delay', 'reorder_correlation': 'reorder',
         'corrupt_correlation': 'corrupt'}
NETEM_LIMIT = 1000  # packets netem queues (its own default)
MAX_DELAY_US = 60 * 1000 * 1000
MAX_JITTER_US = 2147483  # INT_MAX nanoseconds: netem clamps a larger one, which would never compare equal
MAX_RATE = 2 ** 32 - 1  # bytes per second: the kernel's 32-bit field (34 Gbit/s)
_TIME = re.compile(r'^\s*(\d+(?:\.\d+)?)\s*(us|ms|s)?\s*$')
_RATE = re.compile(r'^\s*(\d+(?:\.\d+)?)\s*(bit|kbit|mbit|gbit)\s*$', re.I)
_TIME_UNITS = {'us': 1, 'ms': 1000, 's': 1000000, None: 1000}
_RATE_UNITS = {'bit': 1, 'kbit': 1000, 'mbit': 1000000, 'gbit': 1000000000}


def parse_time(param, value):
    """20, 1.5, '20ms', '500us', '1s' -> microseconds (a bare number is milliseconds, as tc's default)."""
    m = _TIME.match(str(value)) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else None
    if m is None:
        raise ParamError(param, "a time such as 20ms, 500us or 1s (a bare number is milliseconds); got %r" % (value,))
    us = int(round(float(m.group(1)) * _TIME_UNITS[m.group(2)]))
    if us > MAX_DELAY_US:
        raise ParamError(param, 'at most 60s; got %r' % (value,))
    return us


def parse_rate(param, value):
    """'1mbit', '500kbit', '10gbit', '64000bit' (decimal units, as tc's) -> bytes per second."""
    m = _RATE.match(value) if isinstance(value, str) else None
    if m is None:
        raise ParamError(param, "a rate in bit, kbit, mbit or gbit per second, such as 1mbit or 500kbit; got %r "
                                "(tc's kbps would be kilobytes)" % (value,))
    rate = int(float(m.group(1)) * _RATE_UNITS[m.group(2).lower()] / 8)
    if not 125 <= rate <= MAX_RATE:
        raise ParamError(param, 'from 1kbit to 34gbit; got %r' % (value,))
    return rate


def time_text(us):
    return '%gs' % (us / 1e6) if us >= 1000000 and us % 100000 == 0 else (
        '%gms' % (us / 1e3) if us >= 1000 and us % 10 == 0 else '%dus' % us)


def rate_text(rate):
    bits = rate * 8
    for unit in ('gbit', 'mbit', 'kbit'):
        if bits % _RATE_UNITS[unit] == 0:
            return '%d%s' % (bits // _RATE_UNITS[unit], unit)
    return '%dbit' % bits


def qdisc_kind(values):
    """netem for anything but a rate alone (tbf)."""
    return 'netem' if values['delay'] or any(values[p] for p in PERCENTS) else 'tbf'


def values_view(kind, values):
    """The impairments as a user writes them (what diff and facts show): only what is set."""
    view = {}
    if kind == 'netem':
        for key in ('delay', 'jitter'):
            if values[key]:
                view[key] = time_text(values[key])
        view.update((p, values[p]) for p in PERCENTS if values[p])
        if values['limit'] != NETEM_LIMIT:
            view['limit'] = values['limit']
    if values['rate']:
        view['rate'] = rate_text(values['rate'])
    return view


class Impairment(Kind):
    name = 'impairment'
    OPTIONS = OPTIONS

    def desired(self, params):
        d = dict(params)
        check_ifname('interface', d['interface'])
        check_netns('netns', d['netns'])
        values = {'delay': 0, 'jitter': 0, 'rate': 0, 'limit': d['limit'] or NETEM_LIMIT}
        for key in ('delay', 'jitter'):
            values[key] = parse_time(key, d[key]) if d[key] is not None else 0
        if values['jitter'] > MAX_JITTER_US:
            raise ParamError('jitter', 'at most 2.1s (netem keeps it in 31 bits of nanoseconds); got %r' % d['jitter'])
        values['rate'] = parse_rate('rate', d['rate']) if d['rate'] is not None else 0
        for p in PERCENTS:
            if d[p] is not None and not (d[p] == 0 or 0.0001 <= d[p] <= 100):
                raise ParamError(p, 'a percentage from 0.0001 to 100 (or 0); got %r' % d[p])
            values[p] = float(d[p] or 0)
        for key, needed in NEEDS.items():
            if values[key] and not values[needed]:
                raise ParamError(key, 'needs %s too (netem ignores it otherwise)' % needed)
        if d['limit'] is not None and not 1 <= d['limit'] <= 2 ** 31:
            raise ParamError('limit', 'the number of packets netem queues, at least 1; got %r' % d['limit'])
        if d['state'] == 'present' and not (values['delay'] or values['rate'] or any(values[p] for p in PERCENTS)):
            raise ParamError('delay', 'give at least one impairment (delay, loss, duplicate, reorder, corrupt or '
                                      'rate); to remove them, state: absent (a module task) or leave the link out '
                                      'of impairments (a lab, with prune)')
        d['kind'] = qdisc_kind(values)
        if d['kind'] == 'tbf' and d['limit'] is not None:
            raise ParamError('limit', "is netem's queue; a rate alone is shaped by tbf, which queues 50 ms")
        d['values'] = reported_values(d['kind'], values)
        return d

    def reads(self, d):
        return {d['netns']: (False, False, ('qdiscs',))}

    def read_local(self, d, snapshot):
        """Whether the kernel has netem - tried only when it is wanted and not already ours there."""
        if d['state'] != 'present' or d['kind'] != 'netem':
            return None
        qdisc = _root(snapshot, d)[1]
        if ownership.qdisc_is_ours(qdisc) and qdisc['kind'] == 'netem':
            return None
        return {'netem': qdisc_kind_works('netem', d['values'])}

    def view(self, d, snapshot, local):
        link, qdisc = _root(snapshot, d)
        view = {'interface': d['interface'], 'netns': d['netns'], 'state': 'absent'}
        if link is not None and ownership.qdisc_is_ours(qdisc):
            view.update(state='present', qdisc=qdisc['kind'], **values_view(qdisc['kind'], qdisc['values']))
        elif link is not None and not ownership.qdisc_is_default(qdisc):
            view['other_qdisc'] = '%s %x:' % (qdisc['kind'], qdisc['handle'] >> 16)
        return view

    def plan(self, plan, d):
        netns, name = d['netns'], d['interface']
        before = self.view(d, plan.snapshot, plan.local)
        link, qdisc = _root(plan.snapshot, d)
        if (netns, name) in plan.replaced:  # a lab makes the link anew in this run: bare, as a new link is
            link = qdisc = None
        if link is None:
            if d['state'] == 'absent':
                return before
            plan.require_netns('netns', netns)
            if (netns, name) not in plan.declared:
                raise MissingError('interface', "interface '%s' does not exist in %s" % (name, where(netns)),
                                   declare=((netns, name), 'link'))
        elif not ownership.qdisc_is_ours(qdisc) and not ownership.qdisc_is_default(qdisc):
            if d['state'] == 'absent':  # someone else's shaping: not ours to remove
                return before
            raise ParamError('interface', "the root qdisc of '%s' in %s is a %s (handle %x:) that vnetlab did not add; "
                                          'it is never replaced: remove it (tc qdisc del dev %s root) or impair '
                                          'another interface' % (name, where(netns), qdisc['kind'],
                                                                 qdisc['handle'] >> 16, name))
        ours = ownership.qdisc_is_ours(qdisc)
        known = link['index'] if link is not None and (netns, name) not in plan.replaced else None
        if d['state'] == 'absent':
            if ours:
                plan.add(Op("remove the impairments of '%s' in %s" % (name, where(netns)),
                            _delete(name, known), undo=_add(name, qdisc['kind'], qdisc['values'], known),
                            netns=netns, phase=PHASE))
            return {'interface': name, 'netns': netns, 'state': 'absent'}
        if plan.lab is not None and link is not None and not plan.owns(netns, name, link):
            # a lab's section takes no adopt: it impairs what it made, and its teardown takes that away
            raise ParamError('interface', "'%s' in %s is adopted, not made by this lab (%s); a lab impairs only "
                                          'links it made' % (name, where(netns), ownership.owner_text(link['ifalias'])))
        if link is not None and not ours and not d.get('adopt') and not ownership.is_vnetlab(link['ifalias']):
            raise ownership.not_ours('interface', 'interface', name, where(netns), '', link['ifalias'])
        kind, values = d['kind'], d['values']
        if kind == 'netem' and not (plan.local or {}).get('netem', True):
            first = next(k for k in ('delay',) + PERCENTS if d[k])
            raise ParamError(first, "needs the kernel's netem queueing discipline (module sch_netem, "
                                    'CONFIG_NET_SCH_NETEM), which this kernel does not have; a rate alone works '
                                    'without it (tbf)')
        what = ', '.join('%s %s' % kv for kv in sorted(values_view(kind, values).items()))
        if not ours:
            plan.add(Op("impair '%s' in %s: %s" % (name, where(netns), what), _add(name, kind, values, known),
                        undo=_delete(name, known), netns=netns, phase=PHASE))
        elif qdisc['kind'] != kind:  # tbf <-> netem: a kind is not changed in place; two ops, each with its undo
            plan.add(Op("remove the %s of '%s' in %s" % (qdisc['kind'], name, where(netns)), _delete(name, known),
                        undo=_add(name, qdisc['kind'], qdisc['values'], known), netns=netns, phase=PHASE))
            plan.add(Op("impair '%s' in %s: %s (%s instead of %s)" % (name, where(netns), what, kind, qdisc['kind']),
                        _add(name, kind, values, known), undo=_delete(name, known), netns=netns, phase=PHASE))
        elif _differs(kind, qdisc['values'], values):
            plan.add(Op("change the impairments of '%s' in %s: %s" % (name, where(netns), what),
                        _change(name, kind, values, known), undo=_change(name, kind, qdisc['values'], known),
                        netns=netns, phase=PHASE))
        return dict({'interface': name, 'netns': netns, 'state': 'present', 'qdisc': kind},
                    **values_view(kind, values))

    def returns(self, d, view, local):
        return {'impairment': view}


def _root(snapshot, d):
    """(link, its root qdisc) in the snapshot; (None, None) when the link is not there."""
    state = snapshot.get(d['netns'])
    link = state['links'].get(d['interface']) if state else None
    if link is None:
        return None, None
    return link, (state.get('qdiscs') or {}).get(link['index'])


def _differs(kind, have, want):
    keys = ('rate',) if kind == 'tbf' else ('delay', 'jitter', 'limit', 'rate') + PERCENTS
    return any(have.get(k) != want.get(k) for k in keys)


def _add(name, kind, values, known=None):
    def do(visit):
        qdisc_write('add', visit.index(name, known), ownership.QDISC_HANDLE, kind, values)
    return do


def _change(name, kind, values, known=None):
    def do(visit):
        qdisc_write('change', visit.index(name, known), ownership.QDISC_HANDLE, kind, values)
    return do


def _delete(name, known=None):
    """Gone with its link already (a link removed in the same run) is gone as wanted."""
    def do(visit):
        index = known
        if index is None:
            found = visit.ipr.link_lookup(ifname=name)
            if not found:
                return
            index = found[0]
        try:
            qdisc_write('del', index, ownership.QDISC_HANDLE)
        except NetlinkError as e:
            if e.code != errno.ENODEV:
                raise
    return do


KIND = Impairment()
