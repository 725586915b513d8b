# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The executor: every change vnetlab makes - one module's object or a whole lab - runs through here.

    snapshot = read(walker, needs)       what exists, read in one walk over the namespaces involved
    plan = Plan(snapshot, owner)         objects/<kind>.plan(plan, desired) add Ops (pure: no I/O)
    apply(walker, plan.ops)              in order; a failure undoes what this run did, newest first

Check mode is "plan, do not apply"; `changed` is "the plan has ops"; the diff is the kind's (or the
lab's) view of the snapshot before, and after (re-read, or predicted in check mode).

An Op's `do` and `undo` take one argument, a Visit: `visit.ipr` is an IPRoute inside the op's
namespace (None for a local op: files, processes, nft), `visit.index(name)` an ifindex there.
Consecutive ops of one namespace share one visit of the Walker thread (one socket, no fork).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import os
import signal
import socket
import threading
import time

from ansible.module_utils.basic import missing_required_lib
from ansible_collections.vnetlab.linux.plugins.module_utils import interrupt, ownership, progress
from ansible_collections.vnetlab.linux.plugins.module_utils.entry import new_module
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import MissingError, ParamError, VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import locks
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import (
    HOST, NETNS_RUN_DIR, netns_exists, where)
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.netlink import (
    HAS_PYROUTE2, PYROUTE2_IMPORT_ERROR, NetlinkError, WalkError, Walker, explain, get_addresses, get_links,
    get_loopback, get_port_vlans, get_root_qdiscs, get_routes, remove_netns, settle_links)


# ------------------------------------------------------------------------------------------------
# ops
# ------------------------------------------------------------------------------------------------

class Visit:
    """What an op runs with: an IPRoute inside its namespace (None for local ops) and a name ->
    ifindex lookup cached for the whole visit (names of links created earlier in it included)."""

    def __init__(self, ipr):
        self.ipr, self._cache = ipr, {}

    def index(self, name, known=None):
        """known: the index the plan read, for a link it neither makes nor replaces - no lookup (a lookup is
        a request, ~0.7 ms on pyroute2 0.9: 200 impaired links would pay it 200 times)."""
        if known is not None:
            self._cache.setdefault(name, known)
        if name not in self._cache:
            found = self.ipr.link_lookup(ifname=name)
            if not found:
                raise VnetlabError("'%s' does not exist" % name)
            self._cache[name] = found[0]
        return self._cache[name]


class Op:
    """One change and its undo.

    netns   where a netlink op runs (HOST or a namespace name);
    local   True: runs in the module's own thread, not in a namespace (files, processes, nft, sysctl
            of the host); `do(visit)` then gets a Visit without ipr;
    creates a namespace this op creates (the Walker makes it and works in it; undone by removal);
    removes a namespace this op removes (outside any visit);
    phase   for the lab's ordering (lab/plan.py); modules keep the order of the plan;
    slow    True: may take minutes (an image build), so even a run of this one op records its progress."""

    def __init__(self, action, do=None, undo=None, netns=HOST, local=False, creates=None, removes=None,
                 phase=None, makes=(), slow=False):
        self.action, self.do, self.undo, self.netns = action, do, undo, netns
        self.local, self.creates, self.removes, self.phase = local, creates, removes, phase
        self.slow = slow
        # the (netns, link name) this op creates, for the intent record (ownership.py: crash safety)
        self.makes = list(makes) + ([(creates, None)] if creates else [])

    def __repr__(self):
        return 'Op(%r)' % self.action


def _groups(ops):
    """Consecutive netlink ops of one namespace -> one visit; a namespace creation starts its own
    visit; a removal and a local op run alone."""
    group = []
    for op in ops:
        if group and (op.removes or op.local or op.creates or group[0].removes or group[0].local
                      or op.netns != group[0].netns):
            yield group
            group = []
        group.append(op)
    if group:
        yield group


def _run_group(walker, group, undo=False):
    """Run one group (raises WalkError: `done` items of it completed)."""
    first = group[0]
    kill = None if undo else os.environ.get('VNETLAB_TEST_KILL_AFTER')
    if first.removes:
        try:
            remove_netns(first.removes)
        except VnetlabError as e:
            raise WalkError(0, e)
        _maybe_die(first.action, kill)
        return
    if first.local:
        try:
            (first.undo if undo else first.do)(Visit(None))
        except BaseException as e:
            raise WalkError(0, e)
        _maybe_die(first.action, kill)
        return
    visit = {}

    def bind(fn):
        def call(ipr):
            if visit.get('ipr') is not ipr:
                visit.update(ipr=ipr, v=Visit(ipr))
            return fn(visit['v'])
        return call
    fns = [bind(op.undo if undo else op.do) for op in group if not op.creates]
    if kill:
        fns = [_then_die(fn, op.action, kill) for fn, op in zip(fns, [op for op in group if not op.creates])]
    walker.visit(first.netns, fns, create=bool(first.creates))


def _then_die(fn, action, kill):
    def call(ipr):
        result = fn(ipr)
        _maybe_die(action, kill)
        return result
    return call


def _maybe_die(action, kill):
    """Fault injection for the crash tests (tests/integration/test_crash.py): with VNETLAB_TEST_KILL_AFTER
    set, the run SIGKILLs itself right after the first op whose action contains that text (`TERM:<text>`:
    sends itself SIGTERM instead, which the run notes and rolls back on)."""
    if kill and kill.startswith('TERM:'):
        if kill[len('TERM:'):] in action:  # as `kill <pid>` from outside: to the main thread
            signal.pthread_kill(threading.main_thread().ident, signal.SIGTERM)
    elif kill and kill in action:
        os.kill(os.getpid(), 9)


def apply(walker, ops, intent=None):
    """Run ops in order -> the ops done. On failure: roll back, then raise one VnetlabError that says
    what failed, why, and what was rolled back. With an intent key (the run's lock name: one run at a
    time per key), what the ops create is recorded first (ownership.write_intent), so that a run killed
    half-way is finished by the next."""
    makes = [m for op in ops for m in op.makes]
    if intent is not None and makes:
        ownership.write_intent(intent, makes)
    try:
        done = _apply(walker, ops, intent)
    except RolledBack:
        if intent is not None:
            ownership.clear_intent(intent)  # all undone: nothing of ours is left unmarked
        raise
    finally:
        if intent is not None:
            progress.finish(intent)
    # any other failure (a rollback that failed too, an interruption) keeps the intent, so that the
    # next run still knows what this one may have created and not marked
    if intent is not None:
        ownership.clear_intent(intent)  # this run's, and a killed one's that this run has finished
    settle(walker, done)
    return done


SETTLE_TIMEOUT = 2.5  # the kernel's link watch runs at most a second after a change: a port, then its bridge


def settle(walker, ops):
    """After the ops: return only when the links they brought up can send (kernel/netlink.py settle_links),
    so that the next task's ping or connection does not lose its first ARP or neighbour solicitation and wait
    a second for the retry. One read of each namespace the ops changed; a wait only where a carrier change is
    still pending."""
    removed = set(op.removes for op in ops if op.removes)
    spaces = []
    for op in ops:
        ns = op.netns  # a namespace's creation runs in it
        if not (op.local or op.removes) and ns not in spaces and ns not in removed and \
                (ns is HOST or netns_exists(ns)):
            spaces.append(ns)
    if not spaces:
        return
    deadline = time.time() + SETTLE_TIMEOUT
    walker.read_many([(ns, [lambda raw: settle_links(raw, deadline)]) for ns in spaces])  # gone meanwhile: fine


class RolledBack(VnetlabError):
    """A failure whose changes were all undone."""


def _apply(walker, ops, key=None):
    done = []
    groups = list(_groups(ops))
    for step, group in enumerate(groups):
        if key is not None and (len(groups) > 1 or group[0].slow):  # what a watcher of a long run sees (progress.py)
            progress.report(key, group[0].action, step + 1, len(groups))
        try:
            _interruption_point(group[0].action)
            _run_group(walker, group)
        except WalkError as e:
            _roll_back(walker, done, group, e)
        done.extend(group)
    try:
        _interruption_point(None)  # a signal during the last step rolls back too
    except WalkError as e:
        _roll_back(walker, done, [], e)
    return done


def _interruption_point(before):
    try:
        interrupt.check(before)
    except interrupt.Interrupted as e:
        raise WalkError(0, e, entered=False)


def _roll_back(walker, done, group, e):
    """Undo `done` (and what of the failed `group` completed), then raise what failed and what was undone."""
    if not isinstance(e.error, (VnetlabError, NetlinkError, OSError)):
        raise e.error
    work = [op for op in group if not op.creates]
    failed = group[0] if group else None
    if e.entered and group:
        done.extend(group[:1] if group[0].creates else [])
        done.extend(work[:e.done])
        failed = work[e.done] if e.done < len(work) else group[0]
    # a ParamError names the parameter to fix, an interruption the signal: they lead; anything else is
    # told as the action that failed
    error = str(e.error) if isinstance(e.error, (ParamError, interrupt.Interrupted)) else \
        '%s failed: %s' % (failed.action, _reason(e.error, failed.action))
    errors = rollback(walker, done)
    if errors:
        raise VnetlabError('%s; rolling back also failed: %s' % (error, '; '.join(errors)))
    undone = [op.action for op in done if op.undo is not None or op.creates]
    raise RolledBack('%s%s' % (error, ' (rolled back: %s)' % ', '.join(undone) if undone else ''))


def _reason(error, action):
    text = str(error if isinstance(error, VnetlabError) else explain(error, action))
    return text.split(' failed: ', 1)[1] if text.startswith(action + ' failed: ') else text


def rollback(walker, done):
    """Undo `done`, newest first; -> the undos that failed (the others still run)."""
    errors = []
    undo_ops = []
    for op in reversed(done):
        if op.creates:
            undo_ops.append(Op(op.action, removes=op.creates))
        elif op.undo is not None:
            undo_ops.append(Op(op.action, do=op.undo, netns=op.netns, local=op.local))
    for group in _groups(undo_ops):
        try:
            _run_group(walker, group)
        except WalkError as e:
            errors.append('undo of %s: %s' % (group[min(e.done, len(group) - 1)].action, e.error))
    return errors


# ------------------------------------------------------------------------------------------------
# reading: the snapshot planners work on
# ------------------------------------------------------------------------------------------------

# what a kind may read beyond links, addresses and routes (the third element of a need): one more dump
# per namespace, so only where a kind asks for it
EXTRA_READS = {'qdiscs': get_root_qdiscs, 'port_vlans': get_port_vlans}


def _reader(addresses, routes, extras=()):
    def read(ipr):
        state = {'links': get_links(ipr), 'addresses': None, 'routes': None}
        for extra in extras:
            state[extra] = EXTRA_READS[extra](ipr)
        if addresses:
            state['addresses'] = {}
            for a in get_addresses(ipr):
                state['addresses'].setdefault(a['index'], []).append(ipaddress.ip_interface(a['address']))
        if routes:
            state['routes'] = get_routes(ipr, socket.AF_INET) + get_routes(ipr, socket.AF_INET6)
        return state
    return read


def _lo_reader(raw):
    return {'links': get_loopback(raw), 'addresses': None, 'routes': None}


def read(walker, needs):
    """needs: {netns: (addresses?, routes?[, extras]) or 'lo'} -> snapshot {netns: state}: for the host always, for
    each namespace that exists (one that does not is simply not a key; with 'lo' only its loopback - the
    namespace's mark - is read). state: {'links': {name: link}, 'addresses': {ifindex: [ip_interface]}
    or None, 'routes': [route] or None}."""
    host = needs.get(HOST) or (False, False)
    try:
        snapshot = {HOST: walker.read(HOST, [_reader(*host)])[0]}
    except WalkError as e:
        raise explain(e.error, 'reading the host namespace')
    visits = []
    for ns, need in needs.items():
        if ns is not HOST and netns_exists(ns):
            visits.append((ns, [_lo_reader if need == 'lo' else _reader(*need)]))
    for (ns, _fns), (ok, value) in zip(visits, walker.read_many(visits)):
        if ok:
            snapshot[ns] = value[0]
        elif os.path.exists(os.path.join(NETNS_RUN_DIR, ns)):  # else: removed while we looked
            raise explain(value.error, 'reading %s' % where(ns))
    return snapshot


def merge_needs(*needs):
    out = {}
    for need in needs:
        for ns, wanted in need.items():
            old = out.get(ns, (False, False))
            extras = frozenset(old[2] if len(old) > 2 else ()) | frozenset(wanted[2] if len(wanted) > 2 else ())
            merged = (old[0] or wanted[0], old[1] or wanted[1])
            out[ns] = merged + (extras,) if extras else merged
    return out


def managed_addresses(addresses):
    """Link-local IPv6 addresses belong to the kernel, not to the user: never listed, never removed."""
    return set(a for a in addresses if not (a.version == 6 and a.ip.is_link_local))


class Plan:
    """What a planner reads and writes: the snapshot in, ops out. Planners are pure: they look only at
    this object (and the `local` facts read for them: processes, files, firewall rules).

    lab       the lab's name when a topology plans (None for a module); owner: its ownership mark;
    declared  {(netns, name): kind} of links this run will make (a topology's), so that one object can
              refer to another that does not exist yet (a master, a guest's bridge);
    replaced  {(netns, name)} links deleted to be made anew: nothing of the old link is kept.
    Both mark only what they create (ownership.py decides what is ours: Plan.owns); a lab replaces its own
    links that are in the way, a module refuses a link of the wrong kind."""

    def __init__(self, snapshot, lab=None, declared=None, planned_addresses=None, local=None, intended=()):
        self.snapshot, self.lab, self.owner = snapshot, lab, ownership.mark(lab)
        self.intended = set(intended)  # what a killed run of this owner was creating (ownership.py)
        self.declared = declared or {}
        self.planned_addresses = planned_addresses or {}  # {netns: [ip_interface]} this run will add
        self.local = local or {}
        self.ns_order = {}  # a lab's namespaces in declared order (lab/plan.py visits them in it)
        self.ops, self.replaced, self.warnings = [], set(), []
        self.adopted = set()  # (netns, name) of links, (name, None) of namespaces used but not ours

    def owns(self, netns, name, link):
        """Is this link (name None: this namespace, link its loopback) ours? Marked by us - or unmarked but
        named in the intent of a run of ours that was killed before it could mark it."""
        alias = link['ifalias'] if link else None
        return ownership.owned(alias, self.owner) or (not alias and (netns, name) in self.intended)

    def unmarked(self, netns, name, link):
        """Ours (from a killed run's intent) but not marked yet: to be marked now."""
        return link is not None and not link['ifalias'] and (netns, name) in self.intended

    def add(self, op):
        self.ops.append(op)
        return op

    def exists(self, netns):
        return netns is HOST or netns in self.snapshot

    def links(self, netns):
        state = self.snapshot.get(netns)
        return state['links'] if state else {}

    def link(self, netns, name):
        if (netns, name) in self.replaced:
            return None
        return self.links(netns).get(name)

    def ports(self, netns, link):
        return sorted(n for n, v in self.links(netns).items() if v['master'] == link['index'])

    def name_of(self, netns, index):
        for name, link in self.links(netns).items():
            if link['index'] == index:
                return name
        return None

    def addresses(self, netns, name):
        """The managed addresses on a link (a set of ip_interface); empty when it does not exist."""
        link = self.link(netns, name)
        state = self.snapshot.get(netns)
        if link is None or state is None or state['addresses'] is None:
            return set()
        return managed_addresses(state['addresses'].get(link['index'], []))

    def is_bridge(self, netns, name):
        """A bridge there now, or one this run makes."""
        link = self.link(netns, name)
        if self.declared.get((netns, name)) == 'bridge':
            return True
        return link is not None and link['kind'] == 'bridge'

    def require_netns(self, param, netns):
        if netns is not HOST and not self.exists(netns) and (netns, None) not in self.declared:
            raise MissingError(param, "network namespace '%s' does not exist; create it first "
                                      "(vnetlab.linux.netns)" % netns, declare=((netns, None), 'netns'))

    def require_bridge(self, param, netns, name):
        if self.is_bridge(netns, name):
            return
        link = self.link(netns, name)
        if link is None:
            self.require_netns(param, netns)
            raise MissingError(param, "bridge '%s' does not exist in %s; create it first (vnetlab.linux.bridge)"
                               % (name, where(netns)), declare=((netns, name), 'bridge'))
        raise ParamError(param, "'%s' in %s is a %s link, not a bridge" % (name, where(netns), link['kind']))


# ------------------------------------------------------------------------------------------------
# one object through a module
# ------------------------------------------------------------------------------------------------

def preflight(module):
    if not HAS_PYROUTE2:
        module.fail_json(msg=missing_required_lib('pyroute2 (Debian/Ubuntu: apt install python3-pyroute2)'),
                         exception=PYROUTE2_IMPORT_ERROR)
    if os.geteuid() != 0:
        module.fail_json(msg='%s changes kernel network state and must run as root: use become: true'
                         % module._name)


def converge(kind, params, check_mode):
    """validate -> read -> plan -> apply for one object; -> the module result (raises VnetlabError).

    In check mode a play's earlier tasks have made nothing, so what they would have made is missing: the
    plan assumes each missing namespace, link or bridge (MissingError.declare) as one made by an earlier
    task, with a warning; when the plan still cannot be made (a file to read, an address to serve) the
    task reports that it would change something, and why its changes cannot be listed yet."""
    started = time.time()
    desired = kind.desired(params)
    key = kind.lock(desired)
    assumed = {}
    with locks.hold(key, kind.name), Walker() as walker:
        snapshot = read(walker, kind.reads(desired))
        try:
            local = kind.read_local(desired, snapshot)
            before = kind.view(desired, snapshot, local)
            plan, after = _plan_assuming(kind, desired, snapshot, local, key, check_mode, assumed)
        except VnetlabError as e:
            if not check_mode or isinstance(e, interrupt.Interrupted) or not (assumed or isinstance(e, MissingError)):
                raise
            return _unplannable(kind, desired, e, assumed, started)
        if plan.ops and not check_mode:
            apply(walker, plan.ops, key)
            snapshot = read(walker, kind.reads(desired))
            local = kind.read_local(desired, snapshot)
            after = kind.view(desired, snapshot, local)
        elif plan.intended and not check_mode:
            ownership.clear_intent(key)  # a killed run's objects are all there and marked
    result = dict(changed=bool(plan.ops), actions=[op.action for op in plan.ops],
                  diff=dict(before=before, after=after))
    result.update(kind.returns(desired, after, local))
    warnings = [_assumption(k, v) for k, v in sorted(assumed.items(), key=str)] + plan.warnings
    if warnings:
        result['warnings'] = warnings
    result['elapsed_ms'] = round((time.time() - started) * 1000.0, 1)
    return result


def _plan_assuming(kind, desired, snapshot, local, key, check_mode, assumed):
    """kind.plan -> (plan, after); in check mode again with each missing prerequisite assumed (in
    `assumed`, {(netns, name): kind}) until it plans or what is missing cannot be assumed."""
    while True:
        plan = Plan(snapshot, declared=dict(assumed), local=local, intended=ownership.read_intent(key))
        try:
            return plan, kind.plan(plan, desired)
        except MissingError as e:
            if not check_mode or e.declare is None or e.declare[0] in assumed:
                raise
            assumed[e.declare[0]] = e.declare[1]


def _assumption(what, kind):
    netns, name = what
    thing = "network namespace '%s'" % netns if name is None else "%s '%s' in %s" % (
        'bridge' if kind == 'bridge' else 'interface', name, where(netns))
    return 'check mode: %s does not exist; planned as if an earlier task of the play had made it' % thing


def _identity(kind, d):
    for key in ('name', 'interface', 'bridge', 'destination', 'source', 'dest', 'port'):
        if d.get(key) is not None:
            return "%s '%s'" % (kind.name, d[key])
    return kind.name


def _unplannable(kind, desired, error, assumed, started):
    """The check-mode result of a task that depends on what an earlier task would make."""
    why = str(error)
    warnings = [_assumption(k, v) for k, v in sorted(assumed.items(), key=str)]
    warnings.append('check mode: %s cannot be planned before the play makes what it needs (%s); it would '
                    'change the host' % (_identity(kind, desired), why))
    return dict(changed=True, actions=['%s (planned when the play runs: %s)' % (_identity(kind, desired), why)],
                warnings=warnings, elapsed_ms=round((time.time() - started) * 1000.0, 1))


def run_module(kind):
    """The whole body of a resource module: its options are the kind's."""
    module = new_module(kind.OPTIONS, kind.TEXT_OPTIONS, supports_check_mode=True,
                        **getattr(kind, 'MODULE_KWARGS', {}))
    run(module, lambda: converge(kind, module.params, module.check_mode))


def run(module, work):
    """preflight, work() -> result dict, warnings and errors reported the Ansible way; exits."""
    interrupt.catch()
    preflight(module)
    try:
        result = work()
        for warning in result.pop('warnings', []):
            module.warn(warning)
    except VnetlabError as e:
        module.fail_json(msg=str(e))
    except (NetlinkError, OSError) as e:
        module.fail_json(msg=str(explain(e, 'reading kernel state')))
    module.exit_json(**result)
