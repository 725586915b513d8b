# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A whole declared lab in one process and one namespace walk: read -> plan -> apply.

Same contract as engine.py (check mode = plan only, diff = before/after views, `changed` = steps
planned, rollback newest first on failure), but sized for hundreds of namespaces: every namespace is
visited by one Walker thread (one socket open at a time, no fork), the plan is ordered so that each
namespace is visited once, and a veth is created from the namespace side with its peer already in
place (shared/netlink.md). Everything the lab creates carries the alias `vnetlab:<lab>` (for a
namespace: on its loopback), which is how `prune` and `state: absent` find it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import os
import socket
import time

from ansible_collections.vnetlab.linux.plugins.module_utils.names import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.netlink import (
    NETNS_RUN_DIR, RTPROT_BOOT, RTPROT_STATIC, NetlinkError, WalkError, Walker, explain, get_addresses,
    get_links, get_routes, list_netns, remove_netns)
from ansible_collections.vnetlab.linux.plugins.module_utils.resources.address import managed
from ansible_collections.vnetlab.linux.plugins.module_utils.resources.common import delete_link
from ansible_collections.vnetlab.linux.plugins.module_utils.resources.veth import is_pair, with_netns_fd
from ansible_collections.vnetlab.linux.plugins.module_utils.topology_schema import (
    interfaces, ip_version, lab_alias, route_dst)
from ansible_collections.vnetlab.linux.plugins.module_utils import topology_view
from ansible_collections.vnetlab.linux.plugins.module_utils.topology_services import Services

# Steps run phase by phase; within the namespace phases, namespace by namespace in declared order, so
# each namespace is visited once. PHASE_EARLY creates the namespaces that a veth from another
# namespace will reach into before that namespace's visit.
PHASE_DELETE, PHASE_EARLY, PHASE_NAMESPACES, PHASE_HOST = 0, 1, 2, 3


def where(netns):
    return 'the host namespace' if netns is None else "netns '%s'" % netns


class Step:
    """One change. `do(ipr, index)` runs inside `netns` (index(name) -> ifindex, cached per visit);
    `creates`/`removes` name a namespace created by the walk / removed outside any session."""

    def __init__(self, action, netns, do=None, undo=None, phase=PHASE_NAMESPACES, creates=None, removes=None):
        self.action, self.netns, self.do, self.undo = action, netns, do, undo
        self.phase, self.creates, self.removes = phase, creates, removes


# ------------------------------------------------------------------------------------------------
# read
# ------------------------------------------------------------------------------------------------

def _reader(want_addresses, want_routes):
    def read(ipr):
        state = {'links': get_links(ipr), 'addresses': {}, 'routes': None}
        if want_addresses:
            for a in get_addresses(ipr):
                state['addresses'].setdefault(a['index'], []).append(ipaddress.ip_interface(a['address']))
        if want_routes:
            state['routes'] = get_routes(ipr, socket.AF_INET) + get_routes(ipr, socket.AF_INET6)
        return state
    return read


def read(walker, topo, sweep, deep=True):
    """{netns: state} for the host (None) and every declared namespace that exists (None when not `deep`:
    a teardown only needs to know that it exists), plus the namespaces this lab owns but no longer
    declares when `sweep` (prune / absent)."""
    existing = set(list_netns())
    declared = [ns['name'] for ns in topo['namespaces']]
    host_addrs = any(i['netns'] is None and i['addresses'] is not None for i in interfaces(topo))
    host_routes = any(r['netns'] is None for r in topo['routes'])
    try:
        live = {None: walker.read(None, [_reader(host_addrs or host_routes, host_routes)])[0]}
    except WalkError as e:
        raise explain(e.error, 'reading the host namespace')
    present = [name for name in declared if name in existing]
    if not deep:  # a teardown only needs to know that they exist
        live.update((name, None) for name in present)
    else:
        routed = set(r['netns'] for r in topo['routes'])
        visits = [(name, [_reader(True, sweep or name in routed)]) for name in present]
        for (name, _fns), (ok, value) in zip(visits, walker.read_many(visits)):
            if ok:
                live[name] = value[0]
            elif os.path.exists(os.path.join(NETNS_RUN_DIR, name)):  # else: removed while we looked
                raise explain(value.error, 'reading %s' % where(name))
    owned = set()
    if sweep:
        alias = lab_alias(topo['lab'])
        others = [(name, [get_links]) for name in sorted(existing - set(declared))]
        for (name, _fns), (ok, value) in zip(others, walker.read_many(others)):
            lo = value[0].get('lo') if ok else None
            if lo is not None and lo['ifalias'] == alias:
                owned.add(name)
    return live, owned


# ------------------------------------------------------------------------------------------------
# plan
# ------------------------------------------------------------------------------------------------

class Planner:
    def __init__(self, topo, live, owned, prune):
        self.topo, self.live, self.owned, self.prune = topo, live, owned, prune
        self.alias = lab_alias(topo['lab'])
        self.steps = []
        self.vanishing = []  # host ends that disappear with their namespace (absent)
        self.replaced = set()  # (netns, ifname) of our links deleted to be made anew: nothing of them is kept
        self.ns_order = dict((ns['name'], i) for i, ns in enumerate(topo['namespaces']))
        self.bridges = set((b['netns'], b['name']) for b in topo['bridges'])

    # -- helpers --------------------------------------------------------------------------------
    def links(self, netns):
        state = self.live.get(netns)
        return state['links'] if state else {}

    def add(self, step):
        self.steps.append(step)

    def ordered(self):
        def sort_key(item):
            i, step = item
            if step.phase in (PHASE_EARLY, PHASE_NAMESPACES):
                return (step.phase, self.ns_order.get(step.netns, -1), i)
            return (step.phase, 0, i)
        return [s for _i, s in sorted(enumerate(self.steps), key=sort_key)]

    # -- state: present -------------------------------------------------------------------------
    def present(self):
        topo = self.topo
        if self.prune:
            self._prune()
        reached = set(self._creator(v)[1][0] for v in topo['veths']
                      if v['netns'] is not None and v['peer_netns'] is not None)
        for ns in topo['namespaces']:
            self._namespace(ns['name'], PHASE_EARLY if ns['name'] in reached else PHASE_NAMESPACES)
        for br in topo['bridges']:
            self._bridge(br)
        for veth in topo['veths']:
            self._veth(veth)
        for iface in interfaces(topo):
            self._addresses(iface['netns'], iface['name'], iface['addresses'])
        for route in topo['routes']:
            self._route(route)
        return self.ordered()

    def _namespace(self, name, phase):
        if name not in self.live:
            self.add(Step("create netns '%s'" % name, name, creates=name, phase=phase))  # undone by removal
            lo = None
        else:
            lo = self.links(name).get('lo')
        if lo is None or not lo['up'] or lo['ifalias'] != self.alias:
            alias = self.alias
            self.add(Step("set lo up in netns '%s'" % name, name,
                          lambda ipr, ix: ipr.link('set', index=1, state='up', ifalias=alias), phase=phase))

    def _phase(self, netns):
        return PHASE_HOST if netns is None else PHASE_NAMESPACES

    def _conflict(self, netns, ifname, link, wanted_kind, path):
        """An existing link in the way: ours (this lab's) is replaced, anyone else's is an error."""
        if link['ifalias'] == self.alias:
            self.add(Step("delete %s '%s' in %s (replaced)" % (link['kind'], ifname, where(netns)), netns,
                          _delete_link(ifname), phase=PHASE_DELETE))
            self.replaced.add((netns, ifname))
            return
        what = ('one end of another veth pair' if link['kind'] == wanted_kind == 'veth'
                else 'a %s link' % link['kind'])
        raise VnetlabError("%s: '%s' already exists in %s as %s that this lab does not own; remove it or choose "
                           "another name" % (path, ifname, where(netns), what))

    def _bridge(self, br):
        netns, name = br['netns'], br['name']
        link = self.links(netns).get(name)
        if link is not None and link['kind'] != 'bridge':
            self._conflict(netns, name, link, 'bridge', "bridges '%s'" % name)
            link = None
        if link is None:
            created = {'br_stp_state': int(bool(br['stp']))} if br['stp'] is not None else {}
            self.add(Step("create bridge '%s' in %s" % (name, where(netns)), netns,
                          lambda ipr, ix: ipr.link('add', ifname=name, kind='bridge', **created),
                          undo=_delete_link(name), phase=self._phase(netns)))
        elif br['stp'] is not None and link['stp'] != br['stp']:
            stp = int(br['stp'])
            self.add(Step("set stp on bridge '%s' in %s" % (name, where(netns)), netns,
                          lambda ipr, ix: ipr.link('set', ifname=name, kind='bridge', br_stp_state=stp),
                          phase=self._phase(netns)))
        self._link_attrs(netns, name, link, br['mtu'], None)

    def _link_attrs(self, netns, name, link, mtu, master):
        """alias, mtu, master and up in one request."""
        attrs = {}
        if link is None or link['ifalias'] != self.alias:
            attrs['ifalias'] = self.alias
        if mtu and (link is None or link['mtu'] != mtu):
            attrs['mtu'] = mtu
        if link is None or not link['up']:
            attrs['state'] = 'up'
        if master is not None:
            bridge = self.links(netns).get(master)
            if (netns, master) not in self.bridges and (bridge is None or bridge['kind'] != 'bridge'):
                raise VnetlabError("master: bridge '%s' is neither declared under bridges: nor present in %s"
                                   % (master, where(netns)))
            if link is None or bridge is None or link['master'] != bridge['index']:
                attrs['master'] = master
        if not attrs:
            return
        shown = ', '.join(sorted(k for k in attrs if k != 'ifalias')) or 'ownership'
        action = ("set '%s' up in %s" % (name, where(netns)) if shown == 'state'
                  else "set %s on '%s' in %s" % (shown.replace('state', 'up'), name, where(netns)))

        def do(ipr, ix):
            kwargs = dict(attrs)
            if 'master' in kwargs:
                kwargs['master'] = ix(kwargs['master'])
            ipr.link('set', ifname=name, **kwargs)
        self.add(Step(action, netns, do, phase=self._phase(netns)))

    def _veth(self, veth):
        a_ns, a_name, b_ns, b_name = veth['netns'], veth['name'], veth['peer_netns'], veth['peer']
        a, b = self.links(a_ns).get(a_name), self.links(b_ns).get(b_name)
        path = "veths '%s'" % a_name
        if not is_pair(a, b):
            for ns, name, link in ((a_ns, a_name, a), (b_ns, b_name, b)):
                if link is not None:
                    self._conflict(ns, name, link, 'veth', path)
            a = b = None
            self._create_veth(veth)
        self._link_attrs(a_ns, a_name, a, veth['mtu'], veth['master'])
        self._link_attrs(b_ns, b_name, b, veth['mtu'], veth['peer_master'])

    def _creator(self, veth):
        """((netns, name), (peer netns, peer name)) of the end whose namespace creates the pair: the
        namespace side (the host end then needs no visit of its own), and between two namespaces the
        one visited first, so that the other finds its end already there when its turn comes."""
        ends = [(veth['netns'], veth['name']), (veth['peer_netns'], veth['peer'])]
        if ends[0][0] is None or (ends[1][0] is not None and
                                  self.ns_order[ends[1][0]] < self.ns_order[ends[0][0]]):
            ends.reverse()
        return ends

    def _create_veth(self, veth):
        (ns, name), (peer_ns, peer) = self._creator(veth)
        extra = {'mtu': veth['mtu']} if veth['mtu'] else {}

        def create(ipr, ix):
            with_netns_fd(peer_ns, lambda fd: ipr.link('add', ifname=name, kind='veth',
                                                       peer=dict(ifname=peer, net_ns_fd=fd, **extra), **extra))
        self.add(Step("create veth '%s' in %s with peer '%s' in %s" % (name, where(ns), peer, where(peer_ns)),
                      ns, create, undo=_delete_link(name), phase=self._phase(ns)))

    def _addresses(self, netns, ifname, wanted):
        if wanted is None:
            return
        link = None if (netns, ifname) in self.replaced else self.links(netns).get(ifname)
        current = managed(self.live[netns]['addresses'].get(link['index'], [])) if link is not None else set()
        wanted = set(wanted)
        for addr in sorted(current - wanted, key=str):
            self.add(Step("remove %s from '%s' in %s" % (addr, ifname, where(netns)), netns,
                          _addr('del', ifname, addr), undo=_addr('add', ifname, addr), phase=PHASE_DELETE))
        for addr in sorted(wanted - current, key=str):
            self.add(Step("add %s on '%s' in %s" % (addr, ifname, where(netns)), netns,
                          _addr('add', ifname, addr), undo=_addr('del', ifname, addr), phase=self._phase(netns)))

    def _route(self, route):
        netns = route['netns']
        dst = route_dst(route)
        gateway = str(route['gateway']) if route['gateway'] else None
        state = self.live.get(netns)
        match = None
        if state is not None and state['routes'] is not None:
            names = dict((v['index'], n) for n, v in state['links'].items())
            for r in state['routes']:
                if r['dst'] == dst and (route['metric'] is None or r['metric'] == route['metric']):
                    match = r
                    break
            if match is not None and (gateway is None or match['gateway'] == gateway) and \
                    (route['device'] is None or names.get(match['oif']) == route['device']):
                return
        if netns is None and gateway is not None:
            self._check_host_gateway(route)
        verb = 'replace' if match is not None else 'add'
        metric = route['metric'] if route['metric'] is not None else (match['metric'] if match else None)
        spec = _route_spec(route, metric)
        device = route['device']

        def do(ipr, ix):
            kwargs = dict(spec)
            if device is not None:
                kwargs['oif'] = ix(device)
            ipr.route(verb, **kwargs)
        undo = (lambda ipr, ix: ipr.route('del', **spec)) if verb == 'add' else None
        self.add(Step("%s route to %s%s in %s" % (verb, dst, ' via %s' % gateway if gateway else '', where(netns)),
                      netns, do, undo=undo, phase=self._phase(netns)))

    def _check_host_gateway(self, route):
        gw = route['gateway']
        nets = [a.network for addrs in self.live[None]['addresses'].values() for a in addrs]
        nets += [a.network for i in interfaces(self.topo) if i['netns'] is None for a in i['addresses'] or []]
        if not gw.is_link_local and not any(gw in n for n in nets):
            raise VnetlabError('routes: gateway %s is not on any subnet connected to the host namespace or declared '
                               'there; add an address on its subnet' % gw)

    # -- prune / absent -------------------------------------------------------------------------
    def _prune(self):
        declared_links = set((i['netns'], i['name']) for i in interfaces(self.topo))
        self._remove_owned_namespaces()
        for netns, state in sorted(self.live.items(), key=lambda kv: kv[0] or ''):
            if state is None:
                continue
            for name, link in sorted(state['links'].items()):
                if link['ifalias'] == self.alias and name != 'lo' and (netns, name) not in declared_links:
                    self.add(Step("delete %s '%s' in %s (no longer declared)" % (link['kind'], name, where(netns)),
                                  netns, _delete_link(name), phase=PHASE_DELETE))
            if netns is not None and state['routes'] is not None:
                self._prune_routes(netns, state)

    def _prune_routes(self, netns, state):
        declared = set()
        for r in self.topo['routes']:
            if r['netns'] == netns:
                declared.add((route_dst(r), r['metric']))
        for r in state['routes']:
            if r['proto'] not in (RTPROT_BOOT, RTPROT_STATIC):
                continue
            if (r['dst'], r['metric']) in declared or (r['dst'], None) in declared:
                continue
            family = socket.AF_INET6 if ':' in (r['gateway'] or r['dst']) else socket.AF_INET
            spec = {'family': family, 'table': 254, 'priority': r['metric'],
                    'dst_len': 0 if r['dst'] == 'default' else int(r['dst'].split('/')[1])}
            if r['dst'] != 'default':
                spec['dst'] = r['dst'].split('/')[0]
            self.add(Step("delete route to %s in %s (no longer declared)" % (r['dst'], where(netns)), netns,
                          lambda ipr, ix, spec=spec: ipr.route('del', **spec), phase=PHASE_DELETE))

    def _remove_owned_namespaces(self):
        for name in sorted(self.owned):
            self.add(Step("delete netns '%s' (no longer declared)" % name, None, removes=name, phase=PHASE_DELETE))

    def absent(self):
        """Host links first (declared or ours), then the namespaces (their links go with them)."""
        removed_ns = set(ns['name'] for ns in self.topo['namespaces'] if ns['name'] in self.live) | self.owned
        host = self.links(None)
        in_host = [i for i in interfaces(self.topo) if i['netns'] is None]
        host_names = set(i['name'] for i in in_host)
        peer_of_host_end = dict((i['name'], i['other_netns']) for i in in_host if i['kind'] == 'veth')
        host_names.update(n for n, link in host.items() if link['ifalias'] == self.alias)
        for route in self.topo['routes']:
            if route['netns'] is None:
                self._host_route_absent(route)
        for name in sorted(host_names):
            link = host.get(name)
            if link is None:
                continue
            if link['kind'] == 'veth' and link['link_netnsid'] is not None and \
                    peer_of_host_end.get(name) in removed_ns:
                self.vanishing.append(name)  # its peer's namespace is removed below, and it goes with it
                continue
            self.add(Step("delete %s '%s' in the host namespace" % (link['kind'], name), None, _delete_link(name),
                          phase=PHASE_DELETE))
        for name in sorted(removed_ns):
            self.add(Step("delete netns '%s'" % name, None, removes=name, phase=PHASE_HOST))
        return self.ordered()

    def _host_route_absent(self, route):
        state = self.live[None]
        if state['routes'] is None:
            return
        dst = route_dst(route)
        for r in state['routes']:
            if r['dst'] == dst and (route['metric'] is None or r['metric'] == route['metric']) and \
                    (route['gateway'] is None or r['gateway'] == str(route['gateway'])):
                spec = _route_spec(route, r['metric'])
                self.add(Step("delete route to %s in the host namespace" % dst, None,
                              lambda ipr, ix: ipr.route('del', **spec), phase=PHASE_DELETE))
                return


def _delete_link(ifname):
    delete = delete_link(ifname)  # a missing link is fine: the other end of a veth deleted just before
    return lambda ipr, ix: delete(ipr)


def _addr(verb, ifname, iface):
    def do(ipr, ix):
        ipr.addr(verb, index=ix(ifname), address=str(iface.ip), prefixlen=iface.network.prefixlen)
    return do


def _route_spec(route, metric):
    dst = route['destination']
    spec = {'family': socket.AF_INET6 if ip_version(route) == 6 else socket.AF_INET, 'table': 254,
            'dst_len': dst.prefixlen if dst else 0}
    if dst is not None:
        spec['dst'] = str(dst.network_address)
    if route['gateway'] is not None:
        spec['gateway'] = str(route['gateway'])
    if metric is not None:
        spec['priority'] = metric
    return spec


# ------------------------------------------------------------------------------------------------
# apply
# ------------------------------------------------------------------------------------------------

class _Index:
    """ifname -> ifindex inside one visit (names of links created earlier in the same visit included)."""

    def __init__(self, ipr):
        self.ipr, self.cache = ipr, {}

    def __call__(self, name):
        if name not in self.cache:
            found = self.ipr.link_lookup(ifname=name)
            if not found:
                raise VnetlabError("'%s' does not exist" % name)
            self.cache[name] = found[0]
        return self.cache[name]


def _groups(steps):
    """Consecutive steps of one namespace -> one visit; a namespace creation starts its own visit;
    a removal runs alone."""
    group = []
    for step in steps:
        if group and (step.removes or group[0].removes or step.creates or step.netns != group[0].netns):
            yield group
            group = []
        group.append(step)
    if group:
        yield group


def _run_group(walker, group):
    """Run a group's steps: a namespace removal alone, or one visit (raises WalkError)."""
    first = group[0]
    if first.removes:
        try:
            remove_netns(first.removes)
        except VnetlabError as e:
            raise WalkError(0, e)
        return
    index = {}  # one _Index for the whole visit, so a name is looked up once

    def bind(fn):
        def call(ipr):
            if index.get('ipr') is not ipr:
                index.update(ipr=ipr, ix=_Index(ipr))
            return fn(ipr, index['ix'])
        return call
    walker.visit(first.netns, [bind(step.do) for step in group if not step.creates], create=bool(first.creates))


def apply(walker, steps):
    done = []
    for group in _groups(steps):
        try:
            _run_group(walker, group)
        except WalkError as e:
            if not isinstance(e.error, (VnetlabError, NetlinkError, OSError)):
                raise e.error
            work = [s for s in group if not s.creates]
            if e.entered:
                done.extend(group[:1] if group[0].creates else [])
                done.extend(work[:e.done])
                failed = work[e.done] if e.done < len(work) else group[0]
            else:
                failed = group[0]
            error = _reason(e.error, failed.action)
            rollback_errors = _rollback(walker, done)
            if rollback_errors:
                raise VnetlabError('%s failed: %s; rolling back also failed: %s'
                                   % (failed.action, error, '; '.join(rollback_errors)))
            raise VnetlabError('%s failed: %s%s' % (failed.action, error, ' (rolled back %d earlier change(s))'
                                                    % len(done) if done else ''))
        done.extend(group)
    return done


def _reason(error, action):
    text = str(error if isinstance(error, VnetlabError) else explain(error, action))
    return text.split(' failed: ', 1)[1] if ' failed: ' in text else text


def _rollback(walker, done):
    errors = []
    undo_steps = []
    for step in reversed(done):
        if step.creates:
            undo_steps.append(Step(step.action, None, removes=step.creates))
        elif step.undo is not None:
            undo_steps.append(Step(step.action, step.netns, do=step.undo))
    for group in _groups(undo_steps):
        try:
            _run_group(walker, group)
        except WalkError as e:
            errors.append('undo of %s: %s' % (group[min(e.done, len(group) - 1)].action, e.error))
    return errors


def wait_gone(names, timeout=10.0):
    """Host ends of veths whose namespace was removed vanish when the kernel frees it, a moment later;
    wait for that so that the task returns with the lab really gone. -> names still present."""
    deadline = time.time() + timeout
    left = list(names)
    while left:
        left = [n for n in left if _host_has(n)]
        if not left or time.time() > deadline:
            break
        time.sleep(0.02)
    return left


def _host_has(ifname):
    try:
        socket.if_nametoindex(ifname)  # an ioctl in the main thread's namespace: the host's
        return True
    except OSError:
        return False


# ------------------------------------------------------------------------------------------------
# the whole run
# ------------------------------------------------------------------------------------------------

def converge(topo, state, prune, check_mode, with_diff=True):
    """A normalised topology -> the module result; raises VnetlabError (after rolling back).
    Guests and NAT (topology_services) come after the network on the way up, before it on the way down."""
    started = time.time()
    services = Services(topo, state, prune, check_mode)
    with Walker() as walker:
        if state == 'absent':
            services.run(network_pending=False)
        live, owned = read(walker, topo, sweep=prune or state == 'absent', deep=state == 'present')
        planner = Planner(topo, live, owned, prune)
        steps = planner.present() if state == 'present' else planner.absent()
        before = topology_view.before(topo, live, owned)
        after = topology_view.after(topo, before, state, prune, planner.vanishing)
        warnings = []
        done = apply(walker, steps) if steps and not check_mode else []
        if planner.vanishing and done:
            left = wait_gone(planner.vanishing)
            if left:
                warnings.append('still present after their namespaces were removed: %s' % ', '.join(left))
        if state == 'present':
            try:
                services.run(network_pending=bool(steps))
            except VnetlabError as e:
                errors = services.undo() + _rollback(walker, done)
                raise VnetlabError('%s%s' % (e, '; rolling back also failed: %s' % '; '.join(errors) if errors else
                                             ' (this task\'s other changes were rolled back)' if done or services.started
                                             else ''))
    actions = [s.action for s in steps]
    actions = (services.actions + actions) if state == 'absent' else (actions + services.actions)
    if services.before or services.after:
        before.update(services.before)
        after.update(services.after)
    result = {'changed': bool(actions), 'actions': actions,
              'lab': {'name': topo['lab'], 'state': state, 'namespaces': after['namespaces'],
                      'links': len(after['links']), 'guests': [g['name'] for g in topo['guests']] if state == 'present'
                      else []},
              'elapsed_ms': round((time.time() - started) * 1000.0, 1)}
    if with_diff:  # hundreds of namespaces make a big diff: only when asked for
        result['diff'] = {'before': before, 'after': after}
    if warnings:
        result['warnings'] = warnings
    return result
