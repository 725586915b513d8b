# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""NAT for a lab subnet out of an uplink, and IPv4 forwarding, behind the engine's contract."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket

from ansible_collections.vnetlab.linux.plugins.module_utils import nat
from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op, Resource
from ansible_collections.vnetlab.linux.plugins.module_utils.names import ParamError, check_ifname, parse_network
from ansible_collections.vnetlab.linux.plugins.module_utils.netlink import get_links, get_routes
from ansible_collections.vnetlab.linux.plugins.module_utils.resources.sysctl import (
    forget_original, read_saved, read_sysctl, save_original, write_sysctl)

# The module's options: shared with the topology module's `nat:` entries.
ARGUMENT_SPEC = dict(
    source=dict(type='str', required=True),
    out_interface=dict(type='str'),
    backend=dict(type='str', choices=['auto', 'nftables', 'iptables'], default='auto'),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
)

FORWARD = 'net.ipv4.ip_forward'


class NatMasqueradeResource(Resource):
    module_name = 'nat_masquerade'

    def validate(self):
        p = self.p
        if p['source'] == 'default':
            raise ParamError('source', "'default' is not a lab network; give one such as 10.16.0.0/24")
        net = parse_network('source', p['source'])
        if net.version != 4:
            raise ParamError('source', 'only IPv4 networks are masqueraded')
        self.source = str(net)
        if p['out_interface']:
            check_ifname('out_interface', p['out_interface'])

    def read(self, nl):
        p = self.p
        links = nl.call(None, get_links)
        uplink = p['out_interface']
        if uplink is None:
            defaults = [r for r in nl.call(None, lambda ipr: get_routes(ipr, socket.AF_INET)) if r['dst'] == 'default']
            names = dict((v['index'], n) for n, v in links.items())
            uplink = names.get(defaults[0]['oif']) if defaults else None
            if uplink is None and p['state'] == 'present':
                raise ParamError('out_interface', 'the host has no IPv4 default route to take the uplink from; '
                                                  'name the uplink interface')
        elif uplink not in links and p['state'] == 'present':
            raise ParamError('out_interface', "'%s' does not exist on the host" % uplink)
        self.uplink = uplink
        self.backend = nat.pick_backend(p['backend'])
        cur = nat.current(self.source, uplink) if uplink else {'nftables': False, 'iptables': False,
                                                               'iptables_forward': False, 'iptables_any': False}
        self._cur = cur
        present = cur['nftables'] if self.backend == 'nftables' else cur['iptables']
        return {'source': self.source, 'out_interface': uplink, 'backend': self.backend,
                'state': 'present' if present else 'absent', 'iptables_forward_rules': cur['iptables_forward'],
                'ip_forward': read_sysctl(FORWARD)}

    def plan(self, nl, before):
        if self.p['state'] == 'absent':
            return self._plan_absent(before)
        source, uplink, cur = self.source, self.uplink, self._cur
        ops = []
        after = dict(before, state='present', ip_forward='1')
        if self.backend == 'nftables' and not cur['nftables']:
            ops.append(Op('add nftables masquerade and forward rules for %s out of %s' % (source, uplink),
                          lambda nl_: nat.nft_add(source, uplink), undo=lambda nl_: nat.nft_remove(source, uplink),
                          session=False))
        rules = nat.ipt_rules(source, uplink)
        if self.backend == 'iptables' and not cur['iptables']:
            ops.append(Op('add iptables masquerade and forward rules for %s out of %s' % (source, uplink),
                          lambda nl_: nat.ipt_add(rules), undo=lambda nl_: nat.ipt_remove(rules), session=False))
            after['iptables_forward_rules'] = True
        elif self.backend == 'nftables' and not cur['iptables_forward'] and nat.iptables_forward_refuses():
            forward = [r for r in rules if r[1] == 'FORWARD']
            ops.append(Op('insert forward accepts for %s ahead of the iptables FORWARD chain\'s DROP/REJECT'
                          % source, lambda nl_: nat.ipt_add(forward), undo=lambda nl_: nat.ipt_remove(forward),
                          session=False))
            after['iptables_forward_rules'] = True
        if before['ip_forward'] != '1':
            old = before['ip_forward']

            def enable(nl_):
                save_original(FORWARD, None, old)
                write_sysctl(FORWARD, '1')
            ops.append(Op('enable IPv4 forwarding (%s=1)' % FORWARD, enable,
                          undo=lambda nl_: write_sysctl(FORWARD, old), session=False))
        return ops, after

    def _plan_absent(self, before):
        source, uplink, cur = self.source, self.uplink, self._cur
        ops = []
        if uplink and cur['nftables']:
            ops.append(Op('delete nftables rules for %s out of %s' % (source, uplink),
                          lambda nl_: nat.nft_remove(source, uplink), session=False))
        if uplink and cur['iptables_any']:
            rules = nat.ipt_rules(source, uplink)
            ops.append(Op('delete iptables rules for %s out of %s' % (source, uplink),
                          lambda nl_: nat.ipt_remove(rules), session=False))
        saved = read_saved(FORWARD, None)
        if saved is not None and not (uplink and nat.others_remain(source, uplink)):
            def restore(nl_):
                write_sysctl(FORWARD, saved)
                forget_original(FORWARD, None)
            ops.append(Op('restore %s to %s (the value before vnetlab changed it)' % (FORWARD, saved), restore,
                          session=False))
        if not ops:
            return [], before
        return ops, dict(before, state='absent', iptables_forward_rules=False,
                         ip_forward=saved if saved is not None else before['ip_forward'])

    def returns(self, view):
        return {'nat': view}
