# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Port forwards: a port of the host (arriving on the uplink, and if asked from the host itself) to a
guest's address and port - a DNAT plus forward accepts for exactly that flow, marked as ours.

A forward is identified by (protocol, host port, uplink): its comment `<mark> fwd <proto> <port> <uplink>
<to>:<to_port>[ host]` names its owner (`vnetlab`: the module, `vnetlab:<lab>`: a lab), then the key,
then where it points, so that the rules of a forward whose target changed are found and replaced, and a
lab's forwards are found by its name alone. Rules (nftables, our table `ip vnetlab`; iptables:
the same with `-m comment`):
  * prerouting: arriving on the uplink for a local address and the port -> DNAT to the guest;
  * forward: new DNATed connections to the guest's port, and that port's replies;
  * from the host (`host`): output DNAT for local destinations (127.0.0.1 included), and a masquerade of
    loopback sources towards the guest (with route_localnet on the guest's interface, objects/forward.py).
Where the iptables FORWARD chain refuses (policy DROP, a REJECT), the forward accepts also go at its top.
A forward to an IPv6 address has the same rules in its family (table `ip6 vnetlab`, ip6tables; the comment
writes the target `[<address>]:<port>`), except from the host: IPv6 has no route_localnet - the kernel
routes no packet with source ::1 out of the host - so the output DNAT leaves ::1 alone (a connection to it
stays the host's own) and takes the host's other addresses, whose packets need no masquerade.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import shutil

from ansible_collections.vnetlab.linux.plugins.module_utils import ownership
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import firewall

FWD = 'fwd'


def key_text(lab, proto, port, uplink):
    """The start of the comment of every rule of one owner's forward of one (protocol, port, uplink)."""
    return '%s %s %s %d %s' % (ownership.mark(lab), FWD, proto, port, uplink)


def target(f):
    """`address:port` of the guest, `[address]:port` for IPv6 (what nft and iptables' DNAT take). Pure."""
    return ('[%s]:%d' if family(f) == 'ip6' else '%s:%d') % (f['to_address'], f['to_port'])


def family(f):
    """The firewall family of a forward's rules: its target's ('ip', 'ip6')."""
    return firewall.family_of(f['to_address'])


def comment(f):
    return key_text(f.get('lab'), f['protocol'], f['port'], f['in_interface']) + ' %s%s' % (
        target(f), ' host' if f['from_host'] else '')


def _is_address(text):
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def parse_comment(text):
    """A forward's comment -> its settings (with 'lab': its owner, None for the module), or None when it is
    not a forward's."""
    words = (text or '').split(' ')
    if len(words) not in (6, 7) or words[1] != FWD or not ownership.is_vnetlab(words[0]) or ':' not in words[5] \
            or not words[3].isdigit():
        return None
    address, port = words[5].rsplit(':', 1)
    if address.startswith('[') and address.endswith(']'):  # an IPv6 target (target())
        address = address[1:-1]
    if not port.isdigit() or not _is_address(address):
        return None
    return {'protocol': words[2], 'port': int(words[3]), 'in_interface': words[4], 'to_address': address,
            'to_port': int(port), 'from_host': len(words) == 7 and words[6] == 'host',
            'lab': ownership.lab_of(words[0]) or None}


def nft_lines(f):
    """The `add rule` lines of a forward, in its target's family (table and match: `ip`, `ip6`). Pure."""
    fam, c, p = family(f), comment(f), f['protocol']
    t, to = '%s %s' % (fam, firewall.TABLE), target(f)
    lines = [
        'add rule %s prerouting iifname "%s" fib daddr type local %s dport %d dnat to %s comment "%s"'
        % (t, f['in_interface'], p, f['port'], to, c),
        'add rule %s forward %s daddr %s %s dport %d ct status dnat accept comment "%s"'
        % (t, fam, f['to_address'], p, f['to_port'], c),
        'add rule %s forward %s saddr %s %s sport %d ct state established,related accept comment "%s"'
        % (t, fam, f['to_address'], p, f['to_port'], c),
    ]
    if f['from_host'] and fam == 'ip6':  # not ::1: its packets cannot leave the host (module docstring)
        lines.append('add rule %s output ip6 daddr != ::1 fib daddr type local %s dport %d dnat to %s comment "%s"'
                     % (t, p, f['port'], to, c))
    elif f['from_host']:
        lines += [
            'add rule %s output fib daddr type local %s dport %d dnat to %s comment "%s"' % (t, p, f['port'], to, c),
            'add rule %s postrouting ip saddr 127.0.0.0/8 ip daddr %s %s dport %d masquerade comment "%s"'
            % (t, f['to_address'], p, f['to_port'], c),
        ]
    return lines


def ipt_rules(f, forward_only=False):
    """(table, chain, args, insert?) of a forward's iptables rules."""
    c = ['-m', 'comment', '--comment', comment(f)]
    p, to = ['-p', f['protocol']], target(f)
    forward = [
        ('filter', 'FORWARD', ['-d', f['to_address']] + p + ['--dport', str(f['to_port']), '-m', 'conntrack',
                                                             '--ctstate', 'DNAT'] + c + ['-j', 'ACCEPT'], True),
        ('filter', 'FORWARD', ['-s', f['to_address']] + p + ['--sport', str(f['to_port']), '-m', 'conntrack',
                                                             '--ctstate', 'ESTABLISHED,RELATED'] + c + ['-j', 'ACCEPT'],
         True),
    ]
    if forward_only:
        return forward
    rules = [('nat', 'PREROUTING', ['-i', f['in_interface'], '-m', 'addrtype', '--dst-type', 'LOCAL'] + p
              + ['--dport', str(f['port'])] + c + ['-j', 'DNAT', '--to-destination', to], False)] + forward
    if f['from_host'] and family(f) == 'ip6':  # not ::1, and no masquerade (nft_lines)
        rules.append(('nat', 'OUTPUT', ['!', '-d', '::1/128', '-m', 'addrtype', '--dst-type', 'LOCAL'] + p
                      + ['--dport', str(f['port'])] + c + ['-j', 'DNAT', '--to-destination', to], False))
    elif f['from_host']:
        rules += [
            ('nat', 'OUTPUT', ['-m', 'addrtype', '--dst-type', 'LOCAL'] + p + ['--dport', str(f['port'])] + c
             + ['-j', 'DNAT', '--to-destination', to], False),
            ('nat', 'POSTROUTING', ['-s', '127.0.0.0/8', '-d', f['to_address']] + p + ['--dport', str(f['to_port'])]
             + c + ['-j', 'MASQUERADE'], False),
        ]
    return rules


def installed(proto, port, uplink, comments=None):
    """{'nftables': [settings], 'iptables': [settings]} of the forwards installed for this key, whoever's
    (normally at most one each; more when a run was killed half-way through replacing one). comments:
    firewall.our_comments(), when read already."""
    comments = firewall.our_comments() if comments is None else comments
    key, found = (proto, port, uplink), {}
    for backend, texts in comments.items():
        parsed = [parse_comment(t) for t in sorted(texts)]
        found[backend] = [f for f in parsed if f and (f['protocol'], f['port'], f['in_interface']) == key]
    return found


def every(comments):
    """[(settings, backend)] of every forward of ours in firewall.our_comments()."""
    out = []
    for backend, texts in sorted(comments.items()):
        for text in sorted(texts):
            f = parse_comment(text)
            if f:
                out.append((f, backend))
    return out


def add(f, backend, forward_accepts):
    """Install a forward; forward_accepts: also at the top of the FORWARD chain of iptables (ip6tables for an
    IPv6 target), which refuses."""
    fam = family(f)
    if backend == 'nftables':
        firewall.nft_apply(nft_lines(f), fam)
        if forward_accepts:
            firewall.ipt_add(ipt_rules(f, forward_only=True), fam)
    else:
        firewall.ipt_add(ipt_rules(f), fam)


def remove(f):
    """Remove every rule of this forward, in both backends (of its target's family)."""
    fam = family(f)
    if shutil.which('nft'):
        firewall.nft_delete(comment(f), fam)
    if shutil.which(firewall.IPT[fam]):
        firewall.ipt_remove(ipt_rules(f), fam)
