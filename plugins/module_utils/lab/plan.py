# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A whole declared lab: gather the same kinds the modules use, plan each entry with its kind, order
the ops so that every namespace is visited once, and hand them to the one executor (engine.apply).

Sized for hundreds of namespaces: one read of every namespace in one walk, a veth created from the
namespace side with its peer already in place, host work last (docs/design.md). Everything the lab
makes carries its mark `vnetlab:<lab>` (a namespace: on its loopback; a guest: a file), which is how
`prune` and `state: absent` find what is the lab's.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import time

from ansible_collections.vnetlab.linux.plugins.module_utils import engine, ownership
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import MissingError, ParamError, VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.guest import qemu
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import firewall, forwards, locks
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import HOST, list_netns, where
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.netlink import (
    WalkError, Walker, default_source, explain, get_flood_remotes, get_links)
from ansible_collections.vnetlab.linux.plugins.module_utils.lab import persist, view
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import declared_links, guest_hosts, interfaces
from ansible_collections.vnetlab.linux.plugins.module_utils.objects import (
    address, bridge, dhcp, forward, guest, impairment, links, nat, netns, port_vlan, route, veth, vlan, vxlan)
from ansible_collections.vnetlab.linux.plugins.module_utils.services import dnsmasq
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.base import (
    PHASE_DELETE, PHASE_EARLY, PHASE_HOST, PHASE_NAMESPACES, PHASE_SERVICES)


# ------------------------------------------------------------------------------------------------
# read
# ------------------------------------------------------------------------------------------------

# what services read of the host (the uplink NAT takes from the default route, a bridge's subnet)
SERVICE_KINDS = (('dhcp', dhcp.KIND), ('guests', guest.KIND), ('nat', nat.KIND), ('forwards', forward.KIND))


def needs(topo, sweep, deep):
    """What of the kernel the plan looks at: the host, and every declared namespace (only whether it
    exists for a teardown, which removes it whole)."""
    host_addrs = any(i['netns'] is HOST and i['addresses'] is not None for i in interfaces(topo))
    host_routes = any(r['netns'] is HOST for r in topo['routes'])
    out = engine.merge_needs({HOST: (host_addrs or host_routes, host_routes)},
                             *[kind.reads(d) for section, kind in SERVICE_KINDS for d in topo[section]])
    routed = set(r['netns'] for r in topo['routes'])
    for ns in topo['namespaces']:
        # a teardown removes our namespaces whole: their mark (on lo) is all it reads of them; in an
        # adopted one it removes only what we made, so it reads that one in full
        out[ns['name']] = (True, sweep or ns['name'] in routed) if deep or ns['adopt'] else 'lo'
    # root qdiscs where the lab impairs a link, and with prune wherever it has links (one more dump each)
    impaired = set(m['netns'] for m in topo['impairments'])
    if sweep:
        impaired.update(i['netns'] for i in interfaces(topo))
    extra = dict((ns, ('qdiscs',)) for ns in impaired)
    for _i, ns, _end, _vlans, _bridge in vlan_ports(topo):  # and the VLANs of the ports that have them
        extra[ns] = extra.get(ns, ()) + ('port_vlans',)
    for ns, reads in extra.items():
        if deep and out.get(ns) != 'lo':
            out[ns] = engine.merge_needs({ns: out.get(ns, (False, False))}, {ns: (False, False, reads)})[ns]
    return out


def vlan_ports(topo):
    """(veths index, netns, end, {vid: flags}, bridge) of every veth end that declares its VLANs on its bridge."""
    return [(i, v[ns], v[end], v[key + 's'], v[master]) for i, v in enumerate(topo['veths'])
            for key, ns, end, master in (('vlan', 'netns', 'name', 'master'),
                                         ('peer_vlan', 'peer_netns', 'peer', 'peer_master'))
            if v.get(key) is not None]


def read(walker, topo, sweep, deep=True):
    """-> (snapshot, owned): owned are the namespaces this lab marked but no longer declares (sweep)."""
    snapshot = engine.read(walker, needs(topo, sweep, deep))
    if topo['vxlans'] and deep:
        # the tunnels' flood lists (FDB entries) and, for one without `local`, the default route's source
        try:
            snapshot[HOST]['flood'], snapshot[HOST]['underlay_source'] = walker.visit(
                HOST, [get_flood_remotes, default_source])
        except WalkError as e:
            raise explain(e.error, 'reading the forwarding entries of the VXLAN links')
    owned = set()
    if sweep:
        mark = ownership.mark(topo['lab'])
        intended = ownership.read_intent(lock_name(topo))
        declared = set(ns['name'] for ns in topo['namespaces'])
        others = [(name, [get_links]) for name in list_netns() if name not in declared]
        for (name, _fns), (ok, value) in zip(others, walker.read_many(others)):
            lo = value[0].get('lo') if ok else None
            if lo is not None and (ownership.owned(lo['ifalias'], mark)
                                   or not lo['ifalias'] and (name, None) in intended):
                owned.add(name)
    return snapshot, owned


def lock_name(topo):
    """One run of a lab at a time; also the key of its intent record (ownership.py)."""
    return 'lab/' + topo['lab']


def owned_guests(lab):
    """Names of the guests this lab started (by the mark in their runtime directories)."""
    return [name for name in qemu.guest_names() if ownership.started_by(qemu.Paths(name)) == lab]


def owned_servers(lab):
    """Bridges whose DHCP server this lab started."""
    return [name for name in dnsmasq.server_names() if ownership.started_by(dnsmasq.Paths(name)) == lab]


# ------------------------------------------------------------------------------------------------
# plan
# ------------------------------------------------------------------------------------------------

class LabPlanner:
    def __init__(self, topo, snapshot, owned, prune, check_mode=False):
        self.topo, self.owned, self.prune, self.check_mode = topo, owned, prune, check_mode
        planned = {}
        for i in interfaces(topo):
            planned.setdefault(i['netns'], []).extend(i['addresses'] or [])
        self.plan = engine.Plan(snapshot, lab=topo['lab'], declared=declared_links(topo), planned_addresses=planned,
                                intended=ownership.read_intent(lock_name(topo)))
        self.plan.ns_order = dict((ns['name'], i) for i, ns in enumerate(topo['namespaces']))
        self.vanishing = []  # host ends that disappear with their namespace (absent)
        self.services_before, self.services_after = {}, {}

    def _entry(self, section, index, kind, d, label=None, local=None):
        """Plan one entry with its kind; errors name the entry, service ops their object."""
        plan = self.plan
        plan.local = local
        first = len(plan.ops)
        try:
            after = kind.plan(plan, d)
        except ParamError as e:
            raise VnetlabError('%s: %s' % ('%s[%d]' % (section, index) if index is not None else section, e))
        if label is not None:
            for op in plan.ops[first:]:
                op.action = '%s: %s' % (label, op.action)
            self.services_before[label] = kind.view(d, plan.snapshot, local)
            self.services_after[label] = after
        return after

    def ordered(self):
        def sort_key(item):
            i, op = item
            if op.phase in (PHASE_EARLY, PHASE_NAMESPACES):
                return (op.phase, self.plan.ns_order.get(op.netns, -1), i)
            return (op.phase or 0, 0, i)
        return [op for _i, op in sorted(enumerate(self.plan.ops), key=sort_key)]

    # -- services: guests and NAT, their own local reads ----------------------------------------
    def services(self, present):
        """DHCP servers, guests, NAT and port forwards: after the network on the way up (DHCP before the
        guests that ask it for an address), before it on the way down."""
        topo = self.topo
        entries = self._gone('guests', guest.KIND, owned_guests(topo['lab']), [g['name'] for g in topo['guests']],
                             present, guest.gone_entry, "guest '%s'")
        entries += self._gone('dhcp', dhcp.KIND, owned_servers(topo['lab']), [d['bridge'] for d in topo['dhcp']],
                              present, lambda name: dict(bridge=name), "DHCP on bridge '%s'")
        entries += self._gone_rules(present)
        if not present:
            declared = set(g['name'] for g in topo['guests'])
            for name in sorted(declared - set(owned_guests(topo['lab']))):
                if qemu.read_pid(qemu.Paths(name)) or qemu.read_config(qemu.Paths(name)):
                    self.plan.warnings.append("guest '%s' is declared but was not started by lab '%s'; left alone"
                                              % (name, topo['lab']))
        labels = {'dhcp': lambda d: "DHCP on bridge '%s'" % d['bridge'], 'guests': lambda d: "guest '%s'" % d['name'],
                  'nat': lambda d: 'nat for %s' % d['source'],
                  'forwards': lambda d: 'forward of %s port %d' % (d['protocol'], d['port'])}
        kinds = {'dhcp': dhcp.KIND, 'guests': guest.KIND, 'nat': nat.KIND, 'forwards': forward.KIND}
        for section in (('dhcp', 'guests', 'nat', 'forwards') if present else ('forwards', 'nat')):
            for i, d in enumerate(topo[section]):
                d = dict(d, lab=topo['lab'])  # NAT and forward rules carry the lab's mark
                if not present:
                    d['state'] = 'absent'
                entries.append((section, i, kinds[section], d, labels[section](d)))
        for section, i, kind, d, label in entries:
            try:
                local = kind.read_local(d, self.plan.snapshot)
            except MissingError as e:  # a guest's image file that an earlier task would build
                if not self.check_mode:
                    raise
                self.plan.warnings.append('check mode: %s cannot be planned before the play makes what it needs '
                                          '(%s); it would change the host' % (label, e))
                self.plan.add(engine.Op('%s: planned when the play runs (%s)' % (label, e), local=True,
                                        phase=PHASE_SERVICES))
                continue
            self._entry(section, i, kind, d, label, local)

    def _gone(self, section, kind, owned, declared, present, ident, label):
        """Entries that stop what the lab started: all of it on the way down, what it no longer declares
        when pruning."""
        out = []
        if present and not self.prune:
            return out
        for name in owned:
            if name not in declared or not present:
                d = kind.desired(dict(_defaults(kind.OPTIONS), state='absent', **ident(name)))
                gone = '' if name in declared else ' (no longer declared)'
                out.append((section, None, kind, d, label % name + gone))
        return out

    def _gone_rules(self, present):
        """NAT and forward rules that carry the lab's mark but are no longer declared: removed when pruning
        and on the way down (the declared ones go through their entries)."""
        if present and not self.prune:
            return []
        lab, out = self.topo['lab'], []
        nat_declared = set(n['source'] for n in self.topo['nat'])
        fwd_declared = set((f['protocol'], f['port'], f['in_interface'] or '*') for f in self.topo['forwards'])
        comments = firewall.our_comments()
        pairs = set(ownership.parse_nat_tag(c) for cs in comments.values() for c in cs)
        for _owner, source, uplink in sorted(p for p in pairs if p and p[0] == lab and p[1] not in nat_declared):
            d = nat.KIND.desired(dict(_defaults(nat.KIND.OPTIONS), state='absent', source=source,
                                      out_interface=uplink))
            out.append(('nat', None, nat.KIND, dict(d, lab=lab), 'nat for %s (no longer declared)' % source))
        keys = set((f['protocol'], f['port'], f['in_interface']) for f, _backend in forwards.every(comments)
                   if f['lab'] == lab)
        for proto, port, uplink in sorted(keys):
            if (proto, port, uplink) not in fwd_declared and (proto, port, '*') not in fwd_declared:
                d = forward.KIND.desired(dict(_defaults(forward.KIND.OPTIONS), state='absent', protocol=proto,
                                              port=port, in_interface=uplink))
                out.append(('forwards', None, forward.KIND, dict(d, lab=lab),
                            'forward of %s port %d (no longer declared)' % (proto, port)))
        return out

    # -- state: present -------------------------------------------------------------------------
    def present(self):
        topo, plan = self.topo, self.plan
        if self.prune:
            self._prune()
        reached = set(veth.KIND.creator(plan, v)[1][0] for v in topo['veths']
                      if v['netns'] is not HOST and v['peer_netns'] is not HOST)
        for i, ns in enumerate(topo['namespaces']):
            phase = PHASE_EARLY if ns['name'] in reached else PHASE_NAMESPACES
            try:
                netns.KIND.plan(plan, ns, phase=phase)
            except ParamError as e:
                raise VnetlabError('namespaces[%d]: %s' % (i, e))
        for i, br in enumerate(topo['bridges']):  # whether the kernel filters VLANs, when asked: tried first
            self._entry('bridges', i, bridge.KIND, br, local=bridge.KIND.read_local(br, plan.snapshot))
        for i, v in enumerate(topo['veths']):
            self._entry('veths', i, veth.KIND, v)
        for i, x in enumerate(topo['vxlans']):
            self._entry('vxlans', i, vxlan.KIND, x)
        for i, x in enumerate(topo['vlans']):  # whether the kernel has 8021q: tried first
            self._entry('vlans', i, vlan.KIND, x, local=vlan.KIND.read_local(x, plan.snapshot))
        for i, ns, end, vlans, bridge_name in vlan_ports(topo):
            self._entry('veths', i, port_vlan.KIND, {'port': end, 'netns': ns, 'vlans': vlans, 'bridge': bridge_name,
                                                     'state': 'present'})
        for iface in interfaces(topo):
            if iface['addresses'] is not None:
                # exactly the declared addresses on our links; on an adopted one only ours are added
                adopted = (iface['netns'], iface['name']) in plan.adopted or (iface['netns'], None) in plan.adopted
                d = {'interface': iface['name'], 'netns': iface['netns'], 'wanted': set(iface['addresses']),
                     'exclusive': not adopted, 'state': 'present'}
                self._entry('addresses', None, address.KIND, d)
        for i, r in enumerate(topo['routes']):
            self._entry('routes', i, route.KIND, r)
        for i, m in enumerate(topo['impairments']):  # whether the kernel has netem: read (tried) first
            self._entry('impairments', i, impairment.KIND, m, local=impairment.KIND.read_local(m, plan.snapshot))
        self.services(present=True)
        return self.ordered()

    # -- prune / absent -------------------------------------------------------------------------
    def _prune(self):
        plan = self.plan
        declared = set((i['netns'], i['name']) for i in interfaces(self.topo))
        for name in sorted(self.owned):
            netns.remove_op(plan, name, ' (no longer declared)')
        for ns, state in sorted(plan.snapshot.items(), key=lambda kv: kv[0] or ''):
            if state is None:
                continue
            for name, link in sorted(state['links'].items()):
                if plan.owns(ns, name, link) and name != 'lo' and (ns, name) not in declared:
                    links.delete_op(plan, ns, name, link['kind'], ' (no longer declared)')
            if ns is not HOST and state['routes'] is not None and plan.owns(ns, None, state['links'].get('lo')):
                self._prune_routes(ns, state)
        impaired = set((m['netns'], m['interface']) for m in self.topo['impairments'])
        for ns, name in sorted(declared - impaired, key=str):  # our qdisc off a link that keeps no impairment
            state = plan.snapshot.get(ns)
            link = state['links'].get(name) if state is not None else None
            if link is not None and state.get('qdiscs') is not None and plan.owns(ns, name, link):
                impairment.KIND.plan(plan, {'interface': name, 'netns': ns, 'state': 'absent'})

    def _prune_routes(self, ns, state):
        kept = set()
        for r in self.topo['routes']:
            if r['netns'] == ns:
                kept.add((route.dst_text(r['dst']), r['metric']))
        for r in state['routes']:
            if not route.is_user_route(r):
                continue
            if (r['dst'], r['metric']) in kept or (r['dst'], None) in kept:
                continue
            route.delete_read_route(self.plan, ns, r, ' (no longer declared)')

    def absent(self):
        """Guests and NAT first, then the lab's host links, then its namespaces (their links go with
        them). Only what carries the lab's mark is removed; from what it adopted, only the addresses it
        declared; anything else declared stays, with a warning."""
        plan, topo = self.plan, self.topo
        self.services(present=False)
        removed_ns = set(self.owned)
        for ns in topo['namespaces']:
            name = ns['name']
            if not plan.exists(name):
                continue
            lo = plan.link(name, 'lo')
            alias = lo['ifalias'] if lo else None
            if plan.owns(name, None, lo):
                removed_ns.add(name)
            elif ns['adopt']:
                for link_name, link in sorted(self._undo_in(name).items()):
                    links.delete_op(plan, name, link_name, link['kind'])
            else:
                plan.warnings.append(ownership.left_alone('network namespace', name, '', alias))
        for i, r in enumerate(topo['routes']):
            if r['netns'] is HOST:
                self._entry('routes', i, route.KIND, dict(r, state='absent'))
        peer_ns = dict((i['name'], i['other_netns']) for i in interfaces(topo)
                       if i['netns'] is HOST and i['kind'] == 'veth')
        for name, link in sorted(self._undo_in(HOST).items()):
            if link['kind'] == 'veth' and link['link_netnsid'] is not None and peer_ns.get(name) in removed_ns:
                self.vanishing.append(name)  # its peer's namespace is removed below, and it goes with it
                continue
            links.delete_op(plan, HOST, name, link['kind'])
        for name in sorted(removed_ns):
            netns.remove_op(plan, name, phase=PHASE_HOST)
        return self.ordered()

    def _undo_in(self, ns):
        """In a namespace that stays (the host, an adopted one): the declared addresses come off adopted
        links, foreign declared links get a warning; -> {name: link} of the links of ours to delete."""
        plan = self.plan
        state = plan.snapshot.get(ns)
        if state is None:
            return {}
        ours = dict((n, v) for n, v in state['links'].items()
                    if n != 'lo' and plan.owns(ns, n, v))
        for iface in interfaces(self.topo):
            if iface['netns'] != ns or iface['name'] in ours:
                continue
            link = state['links'].get(iface['name'])
            if link is None:
                continue
            if not self._adopted(iface):  # not ours, not adopted: not even our addresses are taken off it
                plan.warnings.append(ownership.left_alone(link['kind'], iface['name'], where(ns), link['ifalias']))
                continue
            if iface['addresses'] and state['addresses'] is not None:
                d = {'interface': iface['name'], 'netns': ns, 'wanted': set(iface['addresses']), 'exclusive': False,
                     'state': 'absent'}
                self._entry('addresses', None, address.KIND, d)
        return ours

    def _adopted(self, iface):
        for section in ('bridges', 'veths', 'vlans'):
            for d in self.topo[section]:
                if d['adopt'] and iface['name'] in (d['name'], d.get('peer')):
                    return True
        return False


def _defaults(spec):
    return dict((k, v.get('default')) for k, v in spec.items())


# ------------------------------------------------------------------------------------------------
# the whole run
# ------------------------------------------------------------------------------------------------

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


def services_summary(topo, after):
    """What a play reports after bringing the lab up: each guest's accelerator, pid and serial log, and each
    NAT's uplink and backend as resolved on this host (its default route, the backend found)."""
    guests = []
    for g in topo['guests']:
        config = (after.get("guest '%s'" % g['name']) or {}).get('config') or {}
        paths = qemu.Paths(g['name'])
        guests.append({'name': g['name'], 'accel': config.get('accel'), 'pid': qemu.read_pid(paths),
                       'serial_log': paths.serial_log})
    nats = []
    for n in topo['nat']:
        view = after.get('nat for %s' % n['source']) or {}
        nats.append({'source': n['source'], 'out_interface': view.get('out_interface'),
                     'backend': view.get('backend')})
    return {'guest_details': guests, 'nat': nats}


def converge(topo, state, prune, check_mode, with_diff=True, persistent=None):
    """A normalised topology -> the module result; raises VnetlabError (after rolling back).

    persistent: None leaves the lab's boot-time unit alone (the boot-time run itself, lab/restore.py);
    else {'wanted': bool, 'definition': what the module was given} - installed after the rest of the lab
    when wanted with state present, removed first otherwise (lab/persist.py)."""
    started = time.time()
    with locks.hold(lock_name(topo), "lab '%s'" % topo['lab']), Walker() as walker:
        snapshot, owned = read(walker, topo, sweep=prune or state == 'absent', deep=state == 'present')
        planner = LabPlanner(topo, snapshot, owned, prune, check_mode)
        boot_local = persist.read_local(topo['lab']) if persistent is not None else None
        if boot_local is not None and not (persistent['wanted'] and state == 'present'):
            boot_after = persist.plan(planner.plan, topo['lab'], False, None, topo, boot_local, PHASE_DELETE)
        ops = planner.present() if state == 'present' else planner.absent()
        if boot_local is not None and persistent['wanted'] and state == 'present':
            # last: a lab that failed to build is not installed to be rebuilt at every boot
            first = len(planner.plan.ops)
            boot_after = persist.plan(planner.plan, topo['lab'], True, persistent['definition'], topo, boot_local,
                                      PHASE_SERVICES)
            ops += planner.plan.ops[first:]
        before = view.before(topo, snapshot, owned)
        after = view.after(topo, before, state, prune, planner.vanishing)
        if boot_local is not None:
            before['boot'], after['boot'] = persist.view(boot_local), boot_after
        warnings = list(planner.plan.warnings)
        done = engine.apply(walker, ops, lock_name(topo)) if ops and not check_mode else []
        if not ops and not check_mode and planner.plan.intended:
            ownership.clear_intent(lock_name(topo))  # a killed run's objects are all there and marked
        if planner.vanishing and done:
            left = wait_gone(planner.vanishing)
            if left:
                warnings.append('still present after their namespaces were removed: %s' % ', '.join(left))
    before.update(planner.services_before)
    after.update(planner.services_after)
    result = {'changed': bool(ops), 'actions': [op.action for op in ops],
              'lab': {'name': topo['lab'], 'state': state, 'namespaces': after['namespaces'],
                      'links': len(after['links']), 'guests': [g['name'] for g in topo['guests']] if state == 'present'
                      else [], 'guest_hosts': guest_hosts(topo) if state == 'present' else []},
              'elapsed_ms': round((time.time() - started) * 1000.0, 1)}
    if state == 'present':
        result['lab'].update(services_summary(topo, planner.services_after))
    if with_diff:  # hundreds of namespaces make a big diff: only when asked for
        result['diff'] = {'before': before, 'after': after}
    if warnings:
        result['warnings'] = warnings
    return result
