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

A port the host itself listens on is the host's own: forwarding it would cut the host's service off on the
uplink (`port: 22` on a cloud VM: its own SSH). Such a port is refused, naming the process, unless
take_over_host_port says to forward it anyway - as part of the plan, so check mode says the same. The
sockets are read in read_local (kernel/sockets.py); which of them the forward takes, and which are ours
(a DHCP server or guest of vnetlab), is decided here, purely. The forward's own DNAT holds no socket.

A to_address that is IPv6 makes a forward of IPv6 (kernel/forwards.py): its rules in the IPv6 family, the
uplink taken from the IPv6 default route, net.ipv6.conf.all.forwarding held instead of ip_forward, and
only IPv6 sockets can be the host's own port. from_host needs no route_localnet there (no ::1, see there).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import os

from ansible_collections.vnetlab.linux.plugins.module_utils import ownership
from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.guest import qemu
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import firewall, forwards, sockets
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import HOST
from ansible_collections.vnetlab.linux.plugins.module_utils.objects import sysctl
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.base import PHASE_DELETE, PHASE_SERVICES, Kind
from ansible_collections.vnetlab.linux.plugins.module_utils.services import dnsmasq
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import check_ifname, parse_address

OPTIONS = dict(
    port=dict(type='int', required=True),
    protocol=dict(type='str', choices=['tcp', 'udp'], default='tcp'),
    to_address=dict(type='str'),
    to_port=dict(type='int'),
    in_interface=dict(type='str'),
    from_host=dict(type='bool', default=False),
    take_over_host_port=dict(type='bool', default=False),
    backend=dict(type='str', choices=['auto', 'nftables', 'iptables'], default='auto'),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
)
MODULE_KWARGS = dict(required_if=[('state', 'present', ['to_address'])])
FORWARD = firewall.FORWARDING['ip']
AF, IP_VERSION = firewall.AF, firewall.IP_VERSION


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
        if iface.version != ip.version:  # an IPv6 target is checked against the IPv6 addresses
            continue
        net = iface.network
        if iface.ip == ip:
            raise ParamError('to_address', "%s is the host's own address on '%s'; give the address of the guest "
                                           'behind it (on %s)' % (ip, name, net))
        if iface.version == 4 and net.prefixlen < 31 and ip in (net.network_address, net.broadcast_address):
            raise ParamError('to_address', "%s is the %s address of %s (on '%s'), not a guest's; give a host "
                                           'address inside it' % (ip, 'network' if ip == net.network_address
                                                                  else 'broadcast', net, name))


def ours_process(cmdline):
    """Is this /proc/<pid>/cmdline a process vnetlab started - a lab bridge's dnsmasq (DHCP on 0.0.0.0:67),
    a QEMU guest - recognised exactly as their modules recognise them? Pure."""
    argv = cmdline.split(b'\0')
    for arg, following in zip(argv, argv[1:] + [b'']):
        if arg.startswith(b'--conf-file='):
            name = os.path.basename(os.path.dirname(arg[len(b'--conf-file='):])).decode('utf-8', 'replace')
            if name and dnsmasq.is_server_process(cmdline, dnsmasq.Paths(name).conf):
                return True
        elif arg == b'-pidfile':
            name = os.path.basename(os.path.dirname(following)).decode('utf-8', 'replace')
            if name and qemu.is_guest_process(cmdline, qemu.Paths(name).pidfile):
                return True
    return False


def _taken(address, uplink_addresses, from_host, family='ip'):
    """Would an IPv4 forward on the uplink take connections a socket bound to `address` waits for? Any
    address (0.0.0.0; :: too, which takes IPv4 unless the socket is IPv6-only, which /proc does not show),
    the uplink's own addresses, and with from_host every IPv4 address of the host (its output DNAT takes
    the connections the host makes to any of them, 127.0.0.1 included).
    An IPv6 forward (family 'ip6') takes only IPv6 connections: a socket bound to ::, to an IPv6 address of
    the uplink, and with from_host to any IPv6 address of the host but ::1 (its output DNAT leaves ::1)."""
    if family == 'ip6':
        if address.version == 4 or address.ipv4_mapped is not None:
            return False
        return address.is_unspecified or address in uplink_addresses or (from_host and not address.is_loopback)
    if address.version == 6:
        if address.is_unspecified:
            return True
        address = address.ipv4_mapped
        if address is None:
            return False
    return address.is_unspecified or from_host or address in uplink_addresses


def host_port_users(listening, uplink_addresses, from_host, family='ip'):
    """The listening sockets (kernel/sockets.listeners) whose connections the forward (of this family: its
    target's) would take from the host - not those of vnetlab's own processes. Pure."""
    return [s for s in listening if _taken(s['address'], uplink_addresses, from_host, family)
            and not any(ours_process(cmdline) for _pid, _comm, cmdline in s['processes'])]


def _holder(s):
    if s['processes']:
        by_name = {}
        for pid, comm, _cmdline in s['processes']:
            by_name.setdefault(comm or '?', []).append(str(pid))
        return ', '.join('%s (pid %s)' % (comm, ', '.join(pids)) for comm, pids in sorted(by_name.items()))
    return 'a socket of the kernel (no process)' if not s['inode'] else (
        'a socket (inode %d) of no process visible here' % s['inode'])


def describe_users(users):
    """'sshd (pid 812) listens on 0.0.0.0:22 and [::]:22': who holds the port, for messages. Pure."""
    where = {}
    for s in users:
        text = '%s:%d' % (('[%s]' if s['address'].version == 6 else '%s') % s['address'], s['port'])
        where.setdefault(_holder(s), []).append(text)
    return ', '.join('%s listens on %s' % (who, ' and '.join(addresses)) for who, addresses in where.items())


def _why(users, uplink_addresses, family='ip'):
    """Why a socket bound to neither any address nor the uplink's counts: from_host's output DNAT."""
    if all(_taken(s['address'], uplink_addresses, False, family) for s in users):
        return ''
    return " (with from_host, the host's own connections to any of its addresses go to the guest)"


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
        # a link-local IPv6 target would need a zone (which interface): a guest has a global or ULA one
        if ip.is_loopback or ip.is_unspecified or ip.is_multicast or (ip.version == 6 and ip.is_link_local) \
                or (ip.version == 6 and ip.ipv4_mapped is not None):
            raise ParamError('to_address', "'%s': give the guest's IPv4 or IPv6 address" % d['to_address'])
        d['to_address'] = str(ip)
        d['to_port'] = d['to_port'] or d['port']
        return d

    def reads(self, d):
        return {HOST: (True, True)}

    def read_local(self, d, snapshot):
        host = snapshot[HOST]
        uplink = d['in_interface']
        # the uplink of the target's family; removing without a target: IPv4's, else IPv6's
        family = firewall.family_of(d['to_address']) if d['state'] == 'present' else None
        if uplink is None:
            names = dict((v['index'], n) for n, v in host['links'].items())
            for fam in [family] if family else ['ip', 'ip6']:
                defaults = [r for r in host['routes'] if r['dst'] == 'default' and r['family'] == AF[fam]]
                uplink = names.get(defaults[0]['oif']) if defaults else None
                if uplink is not None:
                    break
            if uplink is None and d['state'] == 'present':
                raise ParamError('in_interface', 'the host has no %s default route to take the uplink from; '
                                                 'name the interface the port is reached on' % IP_VERSION[family])
        installed = forwards.installed(d['protocol'], d['port'], uplink) if uplink else {'nftables': [], 'iptables': []}
        lab = d.get('lab')
        others = [f for fs in installed.values() for f in fs if f['lab'] != lab]  # another owner's: not ours
        installed = dict((k, [f for f in v if f['lab'] == lab]) for k, v in installed.items())
        local = {'uplink': uplink, 'installed': installed, 'others': others,
                 'backend': firewall.pick_backend(d['backend'], family) if d['state'] == 'present' else None,
                 'refuses': firewall.iptables_forward_refuses(family) if d['state'] == 'present' else False,
                 'listening': sockets.listeners(d['protocol'], d['port']) if d['state'] == 'present' else []}
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
                raise ParamError('port', '%s is already forwarded to %s, %s; remove it there, or choose another '
                                         'port' % (what, forwards.target(f), owner))
        if d['state'] == 'absent':
            for f in self._all(local):
                self._remove(plan, f, PHASE_DELETE)
            gone = dict(before, state='absent', to_address=None, to_port=None, from_host=False, backend=None)
            return before if len(plan.ops) == n else gone
        uplink = local['uplink']
        if plan.link(HOST, uplink) is None and (HOST, uplink) not in plan.declared:
            raise ParamError('in_interface', "'%s' does not exist on the host" % uplink)
        family = firewall.family_of(d['to_address'])
        version = ipaddress.ip_address(d['to_address']).version
        check_target(d['to_address'], [(name, a) for name in sorted(plan.links(HOST))
                                       for a in plan.addresses(HOST, name) if a.version == version])
        uplink_addresses = set(a.ip for a in plan.addresses(HOST, uplink))
        users = host_port_users(local.get('listening', []), uplink_addresses, d['from_host'], family)
        if users and not d.get('take_over_host_port'):
            raise ParamError('port', "%d/%s is the host's own: %s%s; pick another port, or set take_over_host_port: "
                                     'true to forward it anyway' % (d['port'], d['protocol'], describe_users(users),
                                                                    _why(users, uplink_addresses, family)))
        want = {'protocol': d['protocol'], 'port': d['port'], 'in_interface': uplink, 'to_address': d['to_address'],
                'to_port': d['to_port'], 'from_host': d['from_host'], 'lab': d.get('lab')}
        backend = local['backend']
        current = local['installed'][backend]
        others = [f for f in self._all(local) if f != want or f not in current]
        localnet_needed = d['from_host'] and family == 'ip'  # IPv6 from_host needs no route_localnet
        for f in others:  # another target, or the other backend's: replaced (the settings it shares stay held)
            self._remove(plan, f, PHASE_SERVICES, forwarding=forwards.family(f) != family,
                         loopback=not localnet_needed)
        if want not in current or others:
            forward_accepts = backend == 'nftables' and local['refuses']
            text = 'forward %s port %d on %s to %s' % (d['protocol'], d['port'], uplink, forwards.target(want))
            plan.add(Op(text + (' (also from the host)' if d['from_host'] else ''),
                        lambda v: forwards.add(want, backend, forward_accepts), undo=lambda v: forwards.remove(want),
                        local=True, phase=PHASE_SERVICES))
            if users:
                plan.warnings.append("%d/%s is the host's own (%s); take_over_host_port: true forwards it to %s: "
                                     "the host's service is not reachable through '%s'%s while the forward exists"
                                     % (d['port'], d['protocol'], describe_users(users), forwards.target(want),
                                        uplink, ' nor from the host itself' if d['from_host'] else ''))
        holder, forwarding = holder_of(want), firewall.FORWARDING[family]
        if holder not in sysctl.Held(forwarding, None).holders():  # forwarding through the host
            sysctl.hold(plan, forwarding, '1', holder, PHASE_SERVICES,
                        'enable %s forwarding (%s=1)' % (IP_VERSION[family], forwarding))
        if localnet_needed:
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
        what = (f['protocol'], f['port'], f['in_interface'], forwards.target(f))
        plan.add(Op('remove the forward of %s port %d on %s to %s' % what,
                    lambda v: forwards.remove(f), local=True, phase=phase))
        holder, name = holder_of(f), firewall.FORWARDING[forwards.family(f)]
        if forwarding and holder in sysctl.Held(name, None).holders():
            plan.add(sysctl.release_op(name, holder=holder, phase=phase))
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
