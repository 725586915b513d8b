# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What carries a lab's mark - or any vnetlab mark - found without the lab's topology file, and removed
with the same kinds and executor as a teardown: `down` by a lab's name, `cleanup` after a crash.

    survey = read(walker, routes)     I/O: every namespace's links, the guests' and DHCP servers'
                                      directories, our firewall rules' comments, sysctl holds, intents
    found = find(survey, wanted)      pure: {owner: what it has}; owner is a lab's name, '' the modules'
    ops = SweepPlanner(survey, found).plan()
                                      each owner's objects through their kinds' teardown, with a Plan of
                                      that owner (ownership checks, starters: ownership.py), ordered like
                                      a lab's teardown: forwards, NAT, guests, DHCP, holds, routes, links,
                                      namespaces

Nothing is found by name: an object is the owner's when it carries the owner's mark (a link's or a
namespace's alias, a guest's or DHCP server's `lab` file, a rule comment's or a sysctl holder's first
word), or when a run of that owner that was killed recorded it in its intent before it could mark it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import time

from ansible_collections.vnetlab.linux.plugins.module_utils import engine, ownership
from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.guest import qemu
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import firewall, forwards, locks
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import HOST, list_netns, where
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.netlink import Walker
from ansible_collections.vnetlab.linux.plugins.module_utils.lab import persist
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import LAB_RE
from ansible_collections.vnetlab.linux.plugins.module_utils.objects import (
    dhcp, forward, guest, links, nat, netns, route, sysctl)
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.base import PHASE_DELETE, PHASE_HOST
from ansible_collections.vnetlab.linux.plugins.module_utils.services import dnsmasq

SECTIONS = ('persistent', 'namespaces', 'links', 'guests', 'dhcp', 'nat', 'forwards', 'holds', 'routes')


# ------------------------------------------------------------------------------------------------
# read
# ------------------------------------------------------------------------------------------------

def read(walker, routes=False):
    """The survey find() works on. routes: also every namespace's routes (a cleanup of every owner
    removes our routes - protocol 118 - from namespaces and links that stay)."""
    needs = dict((ns, (False, routes)) for ns in [HOST] + list_netns())
    guests = {}
    for name in qemu.guest_names():  # also a guest stopped by a reboot (only its disks left)
        paths = qemu.Paths(name)
        recorded = qemu.read_config(paths) or {}
        guests[name] = {'lab': ownership.started_by(paths) or '',
                        'taps': sorted(set(n.get('tap') for n in recorded.get('nics') or [] if n.get('tap')))}
    return {
        'snapshot': engine.read(walker, needs),
        'routes': routes,
        'guests': guests,
        'dhcp': dict((b, ownership.started_by(dnsmasq.Paths(b)) or '') for b in dnsmasq.server_names()),
        'comments': firewall.our_comments(),
        'holds': sysctl.every_hold(),
        'intents': ownership.every_intent(),
        'persistent': sorted(persist.persistent_labs()),
    }


# ------------------------------------------------------------------------------------------------
# find (pure)
# ------------------------------------------------------------------------------------------------

def wanted_labs(lab=None, every=False):
    """The selection: one lab's objects (by its name), or every owner's (every lab's and the modules')."""
    if every:
        return lambda owner: True
    return lambda owner: owner == lab


def _empty():
    return dict((section, []) for section in SECTIONS + ('intents',))


def find(survey, wanted):
    """-> {owner: {'persistent': [lab], 'namespaces': [name], 'links': [{netns, name, kind}], 'guests': [name],
    'dhcp': [bridge], 'nat': [{source, out_interface}],
    'forwards': [{protocol, port, in_interface, to_address, to_port}], 'holds': [{name, netns, holder}],
    'routes': [{netns, dst, metric, family}], 'intents': [key]}} of the owners `wanted` selects that have
    anything. Owner: a lab's name, '' for the resource modules."""
    snapshot, found = survey['snapshot'], {}

    def add(owner, section, item):
        if owner is not None and wanted(owner):
            entry = found.setdefault(owner, _empty())
            if item not in entry[section]:
                entry[section].append(item)
            return True
        return False

    unmarked = {}  # (netns, name) -> owner, from the intents of runs killed before they marked it
    for key, objects in sorted(survey['intents'].items()):
        for obj in objects:
            unmarked.setdefault(tuple(obj), ownership.intent_owner(key))
        if wanted(ownership.intent_owner(key)):
            found.setdefault(ownership.intent_owner(key), _empty())['intents'].append(key)

    def owner_of(ns, name, link):
        alias = link['ifalias'] if link else None
        if alias:
            return ownership.lab_of(alias)
        return unmarked.get((ns, name))

    removed = set()
    for ns in sorted(n for n in snapshot if n is not HOST):
        if add(owner_of(ns, None, snapshot[ns]['links'].get('lo')), 'namespaces', ns):
            removed.add(ns)

    taps = dict((tap, g['lab']) for g in survey['guests'].values() for tap in g['taps'])
    gone = set()  # (netns, ifindex) of the links deleted: their routes go with them
    for ns in [HOST] + sorted(n for n in snapshot if n is not HOST and n not in removed):
        for name, link in sorted(snapshot[ns]['links'].items()):
            if name == 'lo':
                continue
            if ns is HOST and link['kind'] == 'tun' and name in taps:
                continue  # a guest's TAP goes with its guest, whoever made it
            if add(owner_of(ns, name, link), 'links', {'netns': ns, 'name': name, 'kind': link['kind']}):
                gone.add((ns, link['index']))

    for lab in survey.get('persistent', []):
        add(lab, 'persistent', lab)  # its unit and saved definition: nothing else re-makes the lab at boot
    for name, g in sorted(survey['guests'].items()):
        add(g['lab'], 'guests', name)
    for bridge, owner in sorted(survey['dhcp'].items()):
        add(owner, 'dhcp', bridge)
    for comment in sorted(set().union(*survey['comments'].values())):
        parsed = ownership.parse_nat_tag(comment)
        if parsed:
            add(parsed[0] or '', 'nat', {'source': parsed[1], 'out_interface': parsed[2]})
            continue
        f = forwards.parse_comment(comment)
        if f:
            keys = ('protocol', 'port', 'in_interface', 'to_address', 'to_port')
            add(f['lab'] or '', 'forwards', dict((k, f[k]) for k in keys))
    for name, ns, holder in survey['holds']:
        # a holder that names no owner (a role's, a user's) is the modules': only a cleanup of every owner
        # releases it
        owner = ownership.owner_of_text(holder)
        add('' if owner is None else owner, 'holds', {'name': name, 'netns': ns, 'holder': holder})
    if survey['routes']:
        for ns in [HOST] + sorted(n for n in snapshot if n is not HOST and n not in removed):
            for r in snapshot[ns]['routes'] or []:
                # our protocol number says vnetlab added it, not who: only a cleanup of every owner takes it
                if route.is_ours(r) and (ns, r['oif']) not in gone:
                    add('', 'routes', {'netns': ns, 'dst': r['dst'], 'metric': r['metric'], 'family': r['family']})
    for entry in found.values():
        entry['forwards'].sort(key=lambda f: (f['protocol'], f['port'], f['in_interface']))
    return dict((owner, entry) for owner, entry in found.items() if any(entry[s] for s in SECTIONS + ('intents',)))


# ------------------------------------------------------------------------------------------------
# plan: each owner's objects through their kinds' teardown
# ------------------------------------------------------------------------------------------------

def _defaults(spec):
    return dict((k, v.get('default')) for k, v in spec.items())


class SweepPlanner:
    def __init__(self, survey, found):
        self.survey, self.found = survey, found
        self.plans = {}
        for owner in sorted(found):
            intended = set()
            for key in found[owner]['intents']:
                intended |= set(tuple(o) for o in survey['intents'].get(key, ()))
            self.plans[owner] = engine.Plan(survey['snapshot'], lab=owner or None, intended=intended)
        self.ops, self.warnings = [], []

    def plan(self):
        """-> the ops: every owner's services, then holds, routes, links, namespaces."""
        for step in (self._persistent, self._forwards, self._nat, self._guests, self._dhcp, self._holds,
                     self._routes, self._links, self._namespaces):
            for owner in sorted(self.found):
                plan = self.plans[owner]
                first = len(plan.ops)
                step(plan, self.found[owner], owner or None)
                self.ops.extend(plan.ops[first:])
        for plan in self.plans.values():
            self.warnings.extend(plan.warnings)
        return self.ops

    def _kind(self, plan, kind, params, label):
        """Plan the teardown of one object by its kind; a refusal (not its starter, a name it cannot have)
        leaves it, with a warning."""
        try:
            d = kind.desired(dict(_defaults(kind.OPTIONS), state='absent', **params))
            plan.local = kind.read_local(d, plan.snapshot)
            kind.plan(plan, d)
        except ParamError as e:
            self.warnings.append('%s left alone: %s' % (label, e))

    def _persistent(self, plan, found, lab):
        for name in found['persistent']:
            persist.plan(plan, name, False, None, None, persist.read_local(name), PHASE_DELETE)

    def _forwards(self, plan, found, lab):
        for f in found['forwards']:
            self._kind(plan, forward.KIND, dict(port=f['port'], protocol=f['protocol'], in_interface=f['in_interface'],
                                                lab=lab), 'forward of %s port %d' % (f['protocol'], f['port']))

    def _nat(self, plan, found, lab):
        for n in found['nat']:
            self._kind(plan, nat.KIND, dict(source=n['source'], out_interface=n['out_interface'], lab=lab),
                       'NAT of %s' % n['source'])

    def _guests(self, plan, found, lab):
        for name in found['guests']:
            self._kind(plan, guest.KIND, guest.gone_entry(name), "guest '%s'" % name)

    def _dhcp(self, plan, found, lab):
        for bridge in found['dhcp']:
            self._kind(plan, dhcp.KIND, dict(bridge=bridge), "DHCP server of bridge '%s'" % bridge)

    def _holds(self, plan, found, lab):
        released = set(getattr(op, 'releases', None) for p in self.plans.values() for op in p.ops)
        removed = set(found['namespaces'])
        for h in found['holds']:
            key = (h['name'], h['netns'], h['holder'])
            if key in released:
                continue
            if h['netns'] is not HOST and (h['netns'] in removed or h['netns'] not in plan.snapshot):
                plan.add(forget_op(*key))  # the namespace goes (or went): nothing to put back
            else:
                plan.add(sysctl.release_op(h['name'], h['netns'], h['holder'], phase=PHASE_DELETE))

    def _routes(self, plan, found, lab):
        for r in found['routes']:
            routes = plan.snapshot[r['netns']]['routes'] or []
            read = [x for x in routes if x['dst'] == r['dst'] and x['metric'] == r['metric']
                    and x['family'] == r['family'] and route.is_ours(x)]
            if read:
                route.delete_read_route(plan, r['netns'], read[0])

    def _links(self, plan, found, lab):
        for link in found['links']:  # a guest's TAPs are not among them: its teardown deletes them
            links.delete_op(plan, link['netns'], link['name'], link['kind'])

    def _namespaces(self, plan, found, lab):
        for name in found['namespaces']:
            netns.remove_op(plan, name, phase=PHASE_HOST)


def forget_op(name, ns, holder):
    """Drop a hold on a setting of a namespace that is being removed: there is nothing to put back."""
    def do(visit):
        with locks.host():
            held = sysctl.Held(name, ns)
            held.release(holder)
            if not held.holders():
                held.forget()
    return Op('forget the hold of %s on %s in %s (the namespace goes)' % (holder, name, where(ns)), do, local=True,
              phase=PHASE_DELETE)


# ------------------------------------------------------------------------------------------------
# the whole run
# ------------------------------------------------------------------------------------------------

def view(found):
    """found -> the module's `found` list (and its diff's before): one entry per owner."""
    out = []
    for owner in sorted(found):
        entry = {'lab': owner or None, 'mark': ownership.mark(owner or None)}
        for section in SECTIONS:
            entry[section] = [dict(item, netns=item['netns'] or 'host') if isinstance(item, dict) and 'netns' in item
                              else item for item in found[owner][section]]
        out.append(entry)
    return out


def converge(lab, every, check_mode, with_diff=True):
    """Remove everything of one lab (lab) or of every owner (every) -> the module result."""
    started = time.time()
    wanted = wanted_labs(lab, every)
    if lab is not None:
        if not LAB_RE.match(lab):
            raise ParamError('lab', "'%s' is not a lab name (1-32 characters: lower-case letters, digits, '.', "
                                    "'_' or '-')" % lab)
    with Walker() as walker:
        # a first look names the labs to lock: a run of one of them waits, or is waited for
        labs = [lab] if lab is not None else sorted(o for o in find(read(walker, every), wanted) if o)
        with contextlib.ExitStack() as stack:
            _locks(stack, labs)
            survey = read(walker, every)
            found = find(survey, wanted)
            planner = SweepPlanner(survey, found)
            ops = planner.plan()
            before = view(found)
            if ops and not check_mode:
                engine.apply(walker, ops, 'lab/' + lab if lab is not None else 'cleanup')  # progress.py
            if not check_mode:
                for entry in found.values():
                    for key in entry['intents']:
                        ownership.clear_intent(key)  # what those runs were making is gone now
    result = {'changed': bool(ops), 'actions': [op.action for op in ops], 'found': before,
              'elapsed_ms': round((time.time() - started) * 1000.0, 1)}
    if with_diff:
        result['diff'] = {'before': {'found': before}, 'after': {'found': []}}
    if planner.warnings:
        result['warnings'] = planner.warnings
    return result


def _locks(stack, labs):
    """Hold the locks of these labs (sorted: two sweeps take them in the same order)."""
    for name in sorted(set(labs)):
        stack.enter_context(locks.hold('lab/' + name, "lab '%s'" % name))
