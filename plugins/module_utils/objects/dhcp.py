# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""DHCP and DNS on a lab bridge: one supervised dnsmasq (services/dnsmasq.py has the process).

Running, with exactly the configuration rendered from the options, or absent. A server that died is
started again (with a warning); a changed configuration restarts it (leases are kept in its lease
file). It serves the subnet of the bridge's own IPv4 address, so the bridge needs one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.vnetlab.linux.plugins.module_utils import ownership
from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.guest.qemu import stable_mac
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import locks
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import HOST
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.base import PHASE_DELETE, PHASE_SERVICES, Kind
from ansible_collections.vnetlab.linux.plugins.module_utils.services import dnsmasq
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import check_distinct, check_ifname, parse_address

OPTIONS = dict(
    bridge=dict(type='str', required=True),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    range_start=dict(type='str'),
    range_end=dict(type='str'),
    lease_time=dict(type='str', default='1h'),
    router=dict(type='str'),
    dns=dict(type='bool', default=True),
    domain=dict(type='str'),
    upstream=dict(type='list', elements='str', default=[]),
    hosts=dict(type='list', elements='dict', default=[], options=dict(
        name=dict(type='str', required=True),
        ip=dict(type='str', required=True),
        mac=dict(type='str'),
        nic=dict(type='int', default=0),
    )),
    records=dict(type='list', elements='dict', default=[], options=dict(
        name=dict(type='str', required=True),
        ip=dict(type='str', required=True),
    )),
    adopt=dict(type='bool', default=False),
)
MODULE_KWARGS = dict(required_together=[('range_start', 'range_end')])
DEFAULT_DOMAIN = 'lab'
_LABEL_RE = re.compile(r'^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$', re.I)
_LEASE_RE = re.compile(r'^(\d+[smhdw]?|infinite)$')
_MAC_RE = re.compile(r'^([0-9a-f]{2}:){5}[0-9a-f]{2}$')


def check_label(param, name):
    if not _LABEL_RE.match(name or ''):
        raise ParamError(param, "'%s' is not a DNS name: use letters, digits and '-' (not first or last), at "
                                "most 63 characters" % name)
    return name.lower()


def check_domain(param, domain):
    for label in domain.split('.'):
        check_label(param, label)
    return domain.lower()


def _ipv4(param, text):
    ip = parse_address(param, text)
    if ip.version != 4:
        raise ParamError(param, "'%s': DHCP here serves IPv4 only" % text)
    return ip


def default_range(nets):
    """The upper half of the first subnet, without its broadcast address: room below for fixed addresses."""
    net = nets[0]
    if net.num_addresses < 4:
        raise ParamError('range_start', '%s is too small for a DHCP range' % net)
    start = net.network_address + net.num_addresses // 2
    return {'range_start': str(start), 'range_end': str(net.broadcast_address - 1)}


def _ends(net):
    """The network and broadcast addresses of an IPv4 subnet shorter than /31: never a client's."""
    return (net.network_address, net.broadcast_address) if net.prefixlen < 31 else ()


def check_subnets(d, bridge, nets, own, defaulted=False):
    """The addresses a server hands out against the subnets of its bridge (pure; a module checks the bridge's
    live addresses, a topology those it declares): the range inside one subnet, without its network or
    broadcast address or the bridge's own address (`own`); each static lease and the router on a subnet,
    a lease neither the bridge's address nor an end of its subnet. A static lease inside the dynamic range
    is no conflict: dnsmasq never leases an address reserved by a `dhcp-host` line to another client."""
    shown = ', '.join(str(n) for n in nets)
    start, end = ipaddress.ip_address(d['range_start']), ipaddress.ip_address(d['range_end'])
    home = [n for n in nets if start in n and end in n]
    which = 'the default range %s-%s (the upper half of the subnet)' % (start, end) if defaulted \
        else '%s-%s' % (start, end)
    if not home:
        example = default_range([n for n in nets if start in n] or nets)
        raise ParamError('range_start', '%s is not inside a subnet of bridge %s (%s); give range_start and '
                                        'range_end inside one of them, for example %s-%s'
                         % (which, bridge, shown, example['range_start'], example['range_end']))
    net = home[0]
    for ip in sorted(set(_ends(net)) | set(own)):
        if start <= ip <= end:
            what = ('the address of bridge %s itself' % bridge if ip in own else
                    'the %s address of %s' % ('network' if ip == net.network_address else 'broadcast', net))
            raise ParamError('range_end' if ip == net.broadcast_address and ip not in own else 'range_start',
                             '%s includes %s, %s: dnsmasq would offer it to a client; give range_start and '
                             'range_end that leave it out' % (which, ip, what))
    for param, text, label in [('router', d['router'], 'router')] + [
            ('hosts', h['ip'], "the static lease of '%s'" % h['name']) for h in d['hosts']]:
        if not text:
            continue
        ip = ipaddress.ip_address(text)
        subnet = [n for n in nets if ip in n]
        if not subnet:
            raise ParamError(param, '%s: %s is not inside a subnet of bridge %s (%s); give an address there'
                             % (label, ip, bridge, shown))
        if param == 'hosts' and (ip in own or ip in _ends(subnet[0])):
            what = 'the address of bridge %s itself' % bridge if ip in own else \
                'the %s address of %s' % ('network' if ip == subnet[0].network_address else 'broadcast', subnet[0])
            raise ParamError(param, '%s: %s is %s; give a free host address of %s' % (label, ip, what, subnet[0]))


class Dhcp(Kind):
    name = 'dhcp'
    OPTIONS = OPTIONS
    MODULE_KWARGS = MODULE_KWARGS

    def lock(self, d):
        return 'dhcp/' + d['bridge']

    def desired(self, params):
        d = dict(params)
        check_ifname('bridge', d['bridge'])
        if ',' in d['bridge'] or '#' in d['bridge']:
            raise ParamError('bridge', "'%s': a bridge served by dnsmasq cannot have ',' or '#' in its name"
                             % d['bridge'])
        d['paths'] = dnsmasq.Paths(d['bridge'])
        d['domain'] = check_domain('domain', d['domain'] or DEFAULT_DOMAIN)
        if d['state'] == 'absent':
            return d
        if (d['range_start'] is None) != (d['range_end'] is None):
            raise ParamError('range_start', 'give range_start and range_end together (or neither: the upper half '
                                            "of the bridge's subnet)")
        if d['range_start'] is not None:
            start, end = _ipv4('range_start', d['range_start']), _ipv4('range_end', d['range_end'])
            if end < start:
                raise ParamError('range_end', '%s comes before range_start %s; give the lower address as range_start'
                                 % (end, start))
            d['range_start'], d['range_end'] = str(start), str(end)
        if not _LEASE_RE.match(d['lease_time']):
            raise ParamError('lease_time', "'%s': give seconds, or a number with s, m, h, d or w (1h), or "
                                           "infinite" % d['lease_time'])
        if d['router']:
            d['router'] = str(_ipv4('router', d['router']))
        d['upstream'] = [str(parse_address('upstream', s)) for s in d['upstream']]
        hosts = []
        for h in d['hosts']:
            mac = h.get('mac')
            if mac is not None and not _MAC_RE.match(mac.lower()):
                raise ParamError('hosts', "mac '%s' is not a MAC address such as 52:54:00:12:34:56" % mac)
            if (h.get('nic') or 0) < 0:
                raise ParamError('hosts', "nic of '%s' must be 0 or more" % h['name'])
            # mac None: the MAC vnetlab gives NIC `nic` of the guest of that name (resolved when planning)
            hosts.append({'name': check_label('hosts', h['name']), 'ip': str(_ipv4('hosts', h['ip'])),
                          'mac': mac.lower() if mac else None, 'nic': h.get('nic') or 0})
        d['hosts'] = hosts
        d['records'] = [{'name': check_label('records', r['name']), 'ip': str(_ipv4('records', r['ip']))}
                        for r in d['records']]
        check_distinct([('hosts', h['name']) for h in hosts] + [('records', r['name']) for r in d['records']])
        check_distinct([('hosts', h['ip']) for h in hosts])
        return d

    def reads(self, d):
        return {HOST: (True, False)}

    def read_local(self, d, snapshot):
        paths = d['paths']
        return {'pid': dnsmasq.read_pid(paths), 'pids': dnsmasq.find_pids(paths), 'conf': dnsmasq.read_conf(paths),
                'lab': ownership.started_by(paths), 'dir': dnsmasq.os.path.isdir(paths.dir),
                'pidfile': dnsmasq.os.path.exists(paths.pidfile)}

    def view(self, d, snapshot, local):
        state = 'running' if local['pid'] else ('stopped' if local['dir'] else 'absent')
        conf = local['conf']
        return {'bridge': d['bridge'], 'state': state, 'config': conf.splitlines()[1:] if conf else None}

    def plan(self, plan, d):
        local = plan.local
        before = self.view(d, plan.snapshot, local)
        if before['state'] != 'absent':
            ownership.check_starter('bridge', "the DHCP server of bridge '%s'" % d['bridge'], local['lab'], plan.lab,
                                    'the dhcp module')
        if d['state'] == 'absent':
            return self._plan_absent(plan, d, local, before)
        nets = self._check_bridge(plan, d)
        defaulted = d['range_start'] is None
        if defaulted:
            d = dict(d, **default_range(nets))
        own = set(a.ip for a in plan.addresses(HOST, d['bridge'])) | set(a.ip for a in d.get('bridge_addresses') or [])
        check_subnets(d, d['bridge'], nets, own, defaulted)
        cfg = dict(d, hosts=[dict(h, mac=h['mac'] or stable_mac(h['name'], h['nic'])) for h in d['hosts']])
        text = dnsmasq.render(cfg, d['paths'])
        after = {'bridge': d['bridge'], 'state': 'running', 'config': text.splitlines()[1:]}
        if local['pid'] and text == local['conf']:
            return before
        if not local['pid'] and local['pidfile']:
            plan.warnings.append("the DHCP server of bridge '%s' had died; starting it again" % d['bridge'])
        paths, lab, old = d['paths'], plan.lab, local['conf'] if local['pid'] else None
        fresh = not local['dir']

        def start(visit):
            with locks.hold('dhcp/' + d['bridge'], "DHCP server of bridge '%s'" % d['bridge']):
                dnsmasq.stop(paths)
                dnsmasq.start(paths, text, lab)

        def undo(visit):
            dnsmasq.stop(paths)
            if old is not None:  # it ran before with another configuration: back to that one
                dnsmasq.start(paths, old, lab)
            elif fresh:
                dnsmasq.remove_files(paths)
        what = 'restart' if local['pid'] else 'start'
        plan.add(Op("%s dnsmasq on bridge '%s' (DHCP %s-%s%s)" % (what, d['bridge'], d['range_start'], d['range_end'],
                                                                  ', DNS .%s' % d['domain'] if d['dns'] else ''),
                    start, undo=undo, local=True, phase=PHASE_SERVICES))
        return after

    @staticmethod
    def _check_bridge(plan, d):
        """Served only on a bridge of ours (or one the user adopts), in the subnet of its address."""
        bridge = d['bridge']
        plan.require_bridge('bridge', HOST, bridge)
        link = plan.link(HOST, bridge)
        if (HOST, bridge) not in plan.declared and not (link and ownership.is_vnetlab(link['ifalias'])) \
                and not d['adopt']:
            raise ownership.foreign('bridge', 'the host namespace', bridge, 'a bridge vnetlab did not create',
                                    'set adopt: true to serve DHCP on it anyway (a DHCP server on a bridge that '
                                    'reaches a real network hands out addresses there)')
        nets = set(a.network for a in plan.addresses(HOST, bridge) if a.version == 4)
        nets.update(a.network for a in d.get('bridge_addresses') or [] if a.version == 4)
        if not nets:
            raise ParamError('bridge', "bridge '%s' has no IPv4 address; give it one (vnetlab.linux.address, or "
                                       "addresses: in a topology): dnsmasq serves the subnet of that address" % bridge)
        return sorted(nets)

    @staticmethod
    def _plan_absent(plan, d, local, before):
        paths, n = d['paths'], len(plan.ops)
        if local['pids']:
            plan.add(Op("stop dnsmasq on bridge '%s'" % d['bridge'], lambda v: dnsmasq.stop(paths), local=True,
                        phase=PHASE_DELETE))
        if local['dir']:
            plan.add(Op("remove the DHCP server files of bridge '%s'" % d['bridge'],
                        lambda v: dnsmasq.remove_files(paths), local=True, phase=PHASE_DELETE))
        return before if len(plan.ops) == n else {'bridge': d['bridge'], 'state': 'absent', 'config': None}

    def returns(self, d, view, local):
        paths = d['paths']
        out = {'bridge': d['bridge'], 'state': view['state'], 'pid': dnsmasq.read_pid(paths)}
        if view['state'] != 'absent':
            out.update(config_file=paths.conf, log=paths.log, lease_file=paths.leases, leases=dnsmasq.leases(paths))
        return {'dhcp': out}


KIND = Dhcp()
