# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A port of the host forwarded to a guest (kernel/forwards.py has the rules).

One forward per (protocol, port, uplink): a changed target replaces its rules. With from_host, the
host itself reaches the guest through the port too (`ssh -p 2222 localhost`): connections from a
loopback address need route_localnet on the guest's interface, held like every setting we change
(objects/sysctl.py) and put back when the last forward that needs it goes.

The rules carry their owner's mark (a lab's entry plans with d['lab'] set, lab/plan.py): a port that
another owner forwards is refused, and teardown removes only the owner's own forward.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.vnetlab.linux.plugins.module_utils import ownership
from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import firewall, forwards
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import HOST
from ansible_collections.vnetlab.linux.plugins.module_utils.objects import sysctl
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.base import PHASE_DELETE, PHASE_SERVICES, Kind
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import check_ifname, parse_address

OPTIONS = dict(
    port=dict(type='int', required=True),
    protocol=dict(type='str', choices=['tcp', 'udp'], default='tcp'),
    to_address=dict(type='str'),
    to_port=dict(type='int'),
    in_interface=dict(type='str'),
    from_host=dict(type='bool', default=False),
    backend=dict(type='str', choices=['auto', 'nftables', 'iptables'], default='auto'),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
)
MODULE_KWARGS = dict(required_if=[('state', 'present', ['to_address'])])
FORWARD = 'net.ipv4.ip_forward'


def holder_of(f):
    """Who holds the settings a forward needs: its owner and key, which a change of target keeps."""
    return forwards.key_text(f.get('lab'), f['protocol'], f['port'], f['in_interface'])


def localnet(ifname):
    return 'net.ipv4.conf.%s.route_localnet' % ifname


def check_target(address, interfaces):
    """The forward's target against the host's interfaces (pure): [(name, ip_interface)], live or declared.
    A target that is the host's own address, or the network or broadcast address of a subnet the host is
    on, is no guest: the forward could never reach one."""
    ip = ipaddress.ip_address(address)
    for name, iface in interfaces:
        net = iface.network
        if iface.ip == ip:
            raise ParamError('to_address', "%s is the host's own address on '%s'; give the address of the guest "
                                           'behind it (on %s)' % (ip, name, net))
        if iface.version == 4 and net.prefixlen < 31 and ip in (net.network_address, net.broadcast_address):
            raise ParamError('to_address', "%s is the %s address of %s (on '%s'), not a guest's; give a host "
                                           'address inside it' % (ip, 'network' if ip == net.network_address
                                                                  else 'broadcast', net, name))


class PortForward(Kind):
    name = 'port_forward'
    OPTIONS = OPTIONS
    MODULE_KWARGS = MODULE_KWARGS

    def lock(self, d):
        return 'port_forward/%s/%d' % (d['protocol'], d['port'])

    def desired(self, params):
        d = dict(params)
        for param in ('port', 'to_port'):
            if d[param] is not None and not 1 <= d[param] <= 65535:
                raise ParamError(param, '%d is not a port number (1 to 65535)' % d[param])
        if d['in_interface']:
            check_ifname('in_interface', d['in_interface'])
        if d['state'] == 'absent':
            return d
        ip = parse_address('to_address', d['to_address'])
        if ip.version != 4 or ip.is_loopback or ip.is_unspecified or ip.is_multicast:
            raise ParamError('to_address', "'%s': give the guest's IPv4 address" % d['to_address'])
        d['to_address'] = str(ip)
        d['to_port'] = d['to_port'] or d['port']
        return d

    def reads(self, d):
        return {HOST: (True, True)}

    def read_local(self, d, snapshot):
        host = snapshot[HOST]
        uplink = d['in_interface']
        if uplink is None:
            names = dict((v['index'], n) for n, v in host['links'].items())
            defaults = [r for r in host['routes'] if r['dst'] == 'default' and r['family'] == 2]
            uplink = names.get(defaults[0]['oif']) if defaults else None
            if uplink is None and d['state'] == 'present':
                raise ParamError('in_interface', 'the host has no IPv4 default route to take the uplink from; '
                                                 'name the interface the port is reached on')
        installed = forwards.installed(d['protocol'], d['port'], uplink) if uplink else {'nftables': [], 'iptables': []}
        lab = d.get('lab')
        others = [f for fs in installed.values() for f in fs if f['lab'] != lab]  # another owner's: not ours
        installed = dict((k, [f for f in v if f['lab'] == lab]) for k, v in installed.items())
        local = {'uplink': uplink, 'installed': installed, 'others': others,
                 'backend': firewall.pick_backend(d['backend']) if d['state'] == 'present' else None,
                 'refuses': firewall.iptables_forward_refuses() if d['state'] == 'present' else False}
        return local

    def view(self, d, snapshot, local):
        found = local['installed']['nftables'] + local['installed']['iptables']
        f = found[0] if found else None
        return {'protocol': d['protocol'], 'port': d['port'], 'in_interface': local['uplink'],
                'state': 'present' if f else 'absent', 'to_address': f and f['to_address'],
                'to_port': f and f['to_port'], 'from_host': bool(f and f['from_host']),
                'backend': ('nftables' if local['installed']['nftables'] else 'iptables') if f else None}

    def plan(self, plan, d):
        local = plan.local
        before = self.view(d, plan.snapshot, local)
        n = len(plan.ops)
        for f in local.get('others', [])[:1]:
            what = '%s port %d on %s' % (f['protocol'], f['port'], f['in_interface'])
            if d['state'] == 'absent':
                plan.warnings.append(ownership.left_alone('forward', what, '', ownership.mark(f['lab'])))
            else:
                owner = ownership.owner_text(ownership.mark(f['lab']))
                raise ParamError('port', '%s is already forwarded to %s:%d, %s; remove it there, or choose another '
                                         'port' % (what, f['to_address'], f['to_port'], owner))
        if d['state'] == 'absent':
            for f in self._all(local):
                self._remove(plan, f, PHASE_DELETE)
            gone = dict(before, state='absent', to_address=None, to_port=None, from_host=False, backend=None)
            return before if len(plan.ops) == n else gone
        uplink = local['uplink']
        if plan.link(HOST, uplink) is None and (HOST, uplink) not in plan.declared:
            raise ParamError('in_interface', "'%s' does not exist on the host" % uplink)
        check_target(d['to_address'], [(name, a) for name in sorted(plan.links(HOST))
                                       for a in plan.addresses(HOST, name) if a.version == 4])
        want = {'protocol': d['protocol'], 'port': d['port'], 'in_interface': uplink, 'to_address': d['to_address'],
                'to_port': d['to_port'], 'from_host': d['from_host'], 'lab': d.get('lab')}
        backend = local['backend']
        current = local['installed'][backend]
        others = [f for f in self._all(local) if f != want or f not in current]
        for f in others:  # another target, or the other backend's: replaced (the settings stay held)
            self._remove(plan, f, PHASE_SERVICES, forwarding=False, loopback=not d['from_host'])
        if want not in current or others:
            forward_accepts = backend == 'nftables' and local['refuses']
            text = 'forward %s port %d on %s to %s:%d' % (d['protocol'], d['port'], uplink, d['to_address'],
                                                          d['to_port'])
            plan.add(Op(text + (' (also from the host)' if d['from_host'] else ''),
                        lambda v: forwards.add(want, backend, forward_accepts), undo=lambda v: forwards.remove(want),
                        local=True, phase=PHASE_SERVICES))
        holder = holder_of(want)
        if holder not in sysctl.Held(FORWARD, None).holders():  # forwarding through the host
            sysctl.hold(plan, FORWARD, '1', holder, PHASE_SERVICES, 'enable IPv4 forwarding (%s=1)' % FORWARD)
        if d['from_host']:
            self._hold_localnet(plan, d, holder)
        after = dict(want, state='present', backend=backend)
        del after['lab']
        return after if len(plan.ops) > n else before

    @staticmethod
    def _all(local):
        out = []
        for f in local['installed']['nftables'] + local['installed']['iptables']:
            if f not in out:
                out.append(f)
        return out

    @staticmethod
    def _remove(plan, f, phase, forwarding=True, loopback=True):
        what = (f['protocol'], f['port'], f['in_interface'], f['to_address'], f['to_port'])
        plan.add(Op('remove the forward of %s port %d on %s to %s:%d' % what,
                    lambda v: forwards.remove(f), local=True, phase=phase))
        holder = holder_of(f)
        if forwarding and holder in sysctl.Held(FORWARD, None).holders():
            plan.add(sysctl.release_op(FORWARD, holder=holder, phase=phase))
        if loopback and f['from_host']:
            # the holds say which interface's route_localnet this forward set: its bridge may be gone already,
            # or be deleted by the same plan (a lab on its way down), so the address no longer leads to it
            for name, netns, held_by in sysctl.every_hold():
                if netns is None and held_by == holder and name.startswith('net.ipv4.conf.') \
                        and name.endswith('.route_localnet'):
                    plan.add(sysctl.release_op(name, holder=holder, phase=phase))

    def _hold_localnet(self, plan, d, holder):
        ifname = self._via(plan, d['to_address'], d)
        if ifname is None:
            raise ParamError('to_address', '%s is on no subnet of a host interface; from_host needs to know the '
                                           "guest's interface" % d['to_address'])
        if '.' in ifname:
            raise ParamError('from_host', "the guest's interface '%s' has a '.' in its name: its route_localnet "
                                          'setting cannot be named' % ifname)
        name = localnet(ifname)
        if holder not in sysctl.Held(name, None).holders():
            sysctl.hold(plan, name, '1', holder, PHASE_SERVICES, 'set %s to 1 (loopback sources to the guest)' % name)

    @staticmethod
    def _via(plan, address, d):
        """The host interface whose subnet holds address: a link there now, or a bridge the lab declares."""
        ip = ipaddress.ip_address(address)
        for name in sorted(plan.links(HOST)):
            if any(ip in a.network for a in plan.addresses(HOST, name) if a.version == 4):
                return name
        for name, addresses in (d.get('declared_subnets') or {}).items():
            if any(ip in a.network for a in addresses):
                return name
        return None

    def returns(self, d, view, local):
        return {'forward': view}


KIND = PortForward()
