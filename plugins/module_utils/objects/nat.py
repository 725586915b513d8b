# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NAT for a lab subnet out of an uplink, and forwarding (kernel/firewall.py has the rules).

The rules carry their owner's mark (ownership.nat_tag): a lab's entry plans with d['lab'] set (lab/plan.py),
a module's without it. Each owner adds and removes only its own rules and its own hold on the forwarding
setting of the source's family: ip_forward for IPv4, net.ipv6.conf.all.forwarding for IPv6 (NAT66: the
`ip6 vnetlab` table, ip6tables). The view's `ip_forward` is the value of that setting."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vnetlab.linux.plugins.module_utils import ownership
from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import firewall
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import HOST
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.procsys import read_sysctl
from ansible_collections.vnetlab.linux.plugins.module_utils.objects import sysctl
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.base import PHASE_DELETE, PHASE_SERVICES, Kind
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import check_ifname, parse_network

OPTIONS = dict(
    source=dict(type='str', required=True),
    out_interface=dict(type='str'),
    backend=dict(type='str', choices=['auto', 'nftables', 'iptables'], default='auto'),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
)
FORWARD = firewall.FORWARDING['ip']
AF, IP_VERSION = firewall.AF, firewall.IP_VERSION


class Nat(Kind):
    name = 'nat'
    OPTIONS = OPTIONS

    def desired(self, params):
        d = dict(params)
        if d['source'] == 'default':
            raise ParamError('source', "'default' is not a lab network; give one such as 10.16.0.0/24")
        net = parse_network('source', d['source'])
        if net.version == 6 and (net.is_link_local or net.is_multicast):
            raise ParamError('source', "'%s' is never routed (link-local or multicast); give the lab's IPv6 "
                                       'network, such as fd00:16::/64' % d['source'])
        d['source'] = str(net)  # normalised: the rules' comments name it so (IPv6: compressed, lower case)
        if d['out_interface']:
            check_ifname('out_interface', d['out_interface'])
        return d

    def reads(self, d):
        return {HOST: (False, d['out_interface'] is None)}

    def read_local(self, d, snapshot):
        host = snapshot[HOST]
        uplink = d['out_interface']
        extra = []
        lab = d.get('lab')
        if uplink is None and d['state'] == 'absent':
            installed = firewall.installed_uplinks(d['source'], lab)  # what we installed, wherever it points
            uplink, extra = (installed[0], installed[1:]) if installed else (None, [])
        family = firewall.family_of(d['source'])
        if uplink is None and d['state'] == 'present':
            names = dict((v['index'], n) for n, v in host['links'].items())
            defaults = [r for r in host['routes'] if r['dst'] == 'default' and r['family'] == AF[family]]
            uplink = names.get(defaults[0]['oif']) if defaults else None
            if uplink is None:
                raise ParamError('out_interface', 'the host has no %s default route to take the uplink from; '
                                                  'name the uplink interface' % IP_VERSION[family])
        backend = firewall.pick_backend(d['backend'], family)
        cur = firewall.current(d['source'], uplink, lab) if uplink else {
            'nftables': False, 'iptables': False, 'iptables_forward': False, 'iptables_any': False}
        forwarding = firewall.FORWARDING[family]
        return {'uplink': uplink, 'backend': backend, 'current': cur, 'ip_forward': read_sysctl(forwarding),
                'saved': sysctl.read_saved(forwarding, None),
                # the default route moved between runs
                'also': [(u, firewall.current(d['source'], u, lab)) for u in extra],
                'held': sysctl.Held(forwarding, None).holders(),
                'refuses': firewall.iptables_forward_refuses(family) if d['state'] == 'present' else False,
                }

    def view(self, d, snapshot, local):
        cur = local['current']
        present = cur['nftables'] if local['backend'] == 'nftables' else cur['iptables']
        return {'source': d['source'], 'out_interface': local['uplink'], 'backend': local['backend'],
                'state': 'present' if present else 'absent', 'iptables_forward_rules': cur['iptables_forward'],
                'ip_forward': local['ip_forward']}

    def plan(self, plan, d):
        local = plan.local
        before = self.view(d, plan.snapshot, local)
        source, uplink, cur, lab = d['source'], local['uplink'], local['current'], d.get('lab')
        if d['state'] == 'absent':
            return self._plan_absent(plan, d, local, before)
        if plan.link(HOST, uplink) is None and (HOST, uplink) not in plan.declared:
            raise ParamError('out_interface', "'%s' does not exist on the host" % uplink)
        n = len(plan.ops)
        after = dict(before, state='present', ip_forward='1')
        family = firewall.family_of(source)
        tool, forwarding = firewall.IPT[family], firewall.FORWARDING[family]
        if local['backend'] == 'nftables' and not cur['nftables']:
            plan.add(Op('add nftables masquerade and forward rules for %s out of %s' % (source, uplink),
                        lambda v: firewall.nft_add(source, uplink, lab),
                        undo=lambda v: firewall.nft_remove(source, uplink, lab),
                        local=True, phase=PHASE_SERVICES))
        rules = firewall.ipt_rules(source, uplink, lab)
        if local['backend'] == 'iptables' and not cur['iptables']:
            plan.add(Op('add %s masquerade and forward rules for %s out of %s' % (tool, source, uplink),
                        lambda v: firewall.ipt_add(rules, family), undo=lambda v: firewall.ipt_remove(rules, family),
                        local=True, phase=PHASE_SERVICES))
            after['iptables_forward_rules'] = True
        elif local['backend'] == 'nftables' and not cur['iptables_forward'] and local['refuses']:
            accepts = [r for r in rules if r[1] == 'FORWARD']
            plan.add(Op("insert forward accepts for %s ahead of the %s FORWARD chain's DROP/REJECT" % (source, tool),
                        lambda v: firewall.ipt_add(accepts, family),
                        undo=lambda v: firewall.ipt_remove(accepts, family), local=True, phase=PHASE_SERVICES))
            after['iptables_forward_rules'] = True
        holder = ownership.nat_tag(source, uplink, lab)
        if local['ip_forward'] != '1' or (local['held'] and holder not in local['held']):
            action = 'enable %s forwarding (%s=1)' % (IP_VERSION[family], forwarding) \
                if local['ip_forward'] != '1' else None
            plan.add(sysctl.set_op(forwarding, local['ip_forward'], '1', holder=holder, action=action,
                                   phase=PHASE_SERVICES))
        return after if len(plan.ops) > n else before

    @staticmethod
    def _plan_absent(plan, d, local, before):
        source, lab = d['source'], d.get('lab')
        family = firewall.family_of(source)
        n = len(plan.ops)
        holders = []
        for uplink, cur in [(local['uplink'], local['current'])] + local['also']:
            if uplink and cur['nftables']:
                plan.add(Op('delete nftables rules for %s out of %s' % (source, uplink),
                            lambda v, u=uplink: firewall.nft_remove(source, u, lab), local=True, phase=PHASE_DELETE))
            if uplink and cur['iptables_any']:
                rules = firewall.ipt_rules(source, uplink, lab)
                plan.add(Op('delete %s rules for %s out of %s' % (firewall.IPT[family], source, uplink),
                            lambda v, r=rules: firewall.ipt_remove(r, family), local=True, phase=PHASE_DELETE))
            holder = ownership.nat_tag(source, uplink, lab) if uplink else None
            if holder in local['held']:
                # the last NAT to go puts the value found before the first one back
                plan.add(sysctl.release_op(firewall.FORWARDING[family], holder=holder, phase=PHASE_DELETE))
                holders.append(holder)
        if len(plan.ops) == n:
            return before
        original = local['saved']
        last = sorted(local['held']) == sorted(holders)
        return dict(before, state='absent', iptables_forward_rules=False,
                    ip_forward=original if last and original is not None else before['ip_forward'])

    def returns(self, d, view, local):
        return {'nat': view}


KIND = Nat()
