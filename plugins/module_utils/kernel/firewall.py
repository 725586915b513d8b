# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Masquerade a lab subnet out of an uplink, with nftables or iptables, marked as ours.

Rules (for each source/uplink pair):
  * masquerade source -> uplink;
  * forward: accept source -> uplink, and uplink -> source only for conntrack ESTABLISHED,RELATED
    (the hand-made `-o br0 -j ACCEPT` admitted anything from anywhere into the lab).
nftables: everything lives in table `ip vnetlab`, each rule commented `<mark> <source> <uplink>`, the
mark naming the owner (`vnetlab` for the module, `vnetlab:<lab>` for a lab: ownership.nat_tag).
iptables: the same rules with `-m comment --comment "<mark> <source> <uplink>"`.
An accept in our own nft table cannot override a DROP policy or a REJECT rule in the iptables FORWARD
chain (Docker, Oracle Cloud images): wherever that chain would refuse forwarded packets, the two
forward rules are also inserted at the top of it (with the comment), whatever the backend.
IPv6 (a source network or a forward's target that is IPv6) is the same in its own family: the nft table
`ip6 vnetlab` (the IPv4 table keeps its name and family: a host upgraded with rules in it finds them), and
ip6tables, whose FORWARD chain Docker also sets to DROP. A comment names an address or network, so the
family of a rule of ours is read from its comment (family_of).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import json
import re
import shutil

from ansible_collections.vnetlab.linux.plugins.module_utils import ownership
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import locks
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.command import run as _run

TABLE = 'vnetlab'
FAMILIES = ('ip', 'ip6')  # nft's families of our tables; also the key of IPT below
IPT = {'ip': 'iptables', 'ip6': 'ip6tables'}  # the iptables command of each family
# the setting that lets the host forward each family, held by every NAT and forward of it (objects/sysctl.py)
FORWARDING = {'ip': 'net.ipv4.ip_forward', 'ip6': 'net.ipv6.conf.all.forwarding'}
AF = {'ip': 2, 'ip6': 10}  # a route's family (AF_INET, AF_INET6): whose default route is the uplink
IP_VERSION = {'ip': 'IPv4', 'ip6': 'IPv6'}  # for messages


tag = ownership.nat_tag


def family_of(text):
    """'ip' for an IPv4 address or network, 'ip6' for an IPv6 one: the nft family (and keyword: `ip saddr`,
    `ip6 saddr`) of its rules, and which of iptables and ip6tables holds them. Pure."""
    return 'ip6' if ipaddress.ip_network(text, strict=False).version == 6 else 'ip'


def pick_backend(backend, family='ip'):
    if backend == 'auto':
        backend = 'nftables' if shutil.which('nft') else 'iptables'
    tool = 'nft' if backend == 'nftables' else IPT[family]
    if not shutil.which(tool):
        raise VnetlabError("backend: '%s' needs the %s command (apt install %s)" % (backend, tool, backend))
    return backend


# --------------------------------------------------------------------------------------------
# nftables
# --------------------------------------------------------------------------------------------

def nft_rules(family='ip'):
    """{comment: [(chain, handle), ...]} of the rules in our table of this family; None when there is no table."""
    proc = _run(['nft', '-j', 'list', 'table', family, TABLE], 'reading nft table', ok_codes=(0, 1))
    if proc.returncode != 0:
        _absent_or_raise(proc, 'No such file or directory', 'reading nft table %s %s' % (family, TABLE))
        return None
    found = {}
    for item in json.loads(proc.stdout).get('nftables', []):
        rule = item.get('rule')
        if rule and rule.get('comment'):
            found.setdefault(rule['comment'], []).append((rule['chain'], rule['handle']))
    return found


def _host_lock(fn):
    """Rules of every lab share the host's tables: one change at a time (kernel/locks.py)."""
    def locked(*args):
        with locks.host():
            return fn(*args)
    locked.__name__, locked.__doc__ = fn.__name__, fn.__doc__
    return locked


def nft_nat_lines(source, uplink, lab=None):
    """The `add rule` lines of one NAT pair, in the family of source (`ip`/`ip6`: table and match). Pure."""
    f, comment = family_of(source), tag(source, uplink, lab)
    return [
        'add rule %s %s postrouting %s saddr %s oifname "%s" masquerade comment "%s"'
        % (f, TABLE, f, source, uplink, comment),
        'add rule %s %s forward %s saddr %s oifname "%s" accept comment "%s"' % (f, TABLE, f, source, uplink, comment),
        'add rule %s %s forward %s daddr %s iifname "%s" ct state established,related accept comment "%s"'
        % (f, TABLE, f, source, uplink, comment)]


def nft_add(source, uplink, lab=None):
    nft_apply(nft_nat_lines(source, uplink, lab), family_of(source))


def nft_remove(source, uplink, lab=None):
    nft_delete(tag(source, uplink, lab), family_of(source))


# Our table's chains; `nft -f` adds what is missing and leaves what exists as it is.
CHAINS = [
    '  chain prerouting { type nat hook prerouting priority dstnat; policy accept; }',
    '  chain output { type nat hook output priority -100; policy accept; }',
    '  chain postrouting { type nat hook postrouting priority srcnat; policy accept; }',
    '  chain forward { type filter hook forward priority filter; policy accept; }',
]


@_host_lock
def nft_apply(rules, family='ip'):
    """Add rules (`add rule <family> vnetlab ...` lines) to our table of that family, its chains made first, in
    one transaction."""
    script = ['table %s %s {' % (family, TABLE)] + CHAINS + ['}'] + rules + ['']
    _run(['nft', '-f', '-'], 'adding nftables rules', stdin='\n'.join(script))


@_host_lock
def nft_delete(comment, family='ip'):
    """Delete every rule of our table of this family that carries this comment; the table too once nothing
    else is in it."""
    rules = nft_rules(family) or {}
    for chain, handle in rules.pop(comment, []):
        _run(['nft', 'delete', 'rule', family, TABLE, chain, 'handle', str(handle)], 'deleting an nftables rule')
    if not rules:  # nothing else of ours in the table: leave no table behind
        _run(['nft', 'delete', 'table', family, TABLE], 'deleting the nftables table', ok_codes=(0, 1))


# --------------------------------------------------------------------------------------------
# iptables
# --------------------------------------------------------------------------------------------

def ipt_rules(source, uplink, lab=None):
    """(table, chain, rule args, insert?) of our iptables rules for this pair."""
    c = ['-m', 'comment', '--comment', tag(source, uplink, lab)]
    return [
        ('nat', 'POSTROUTING', ['-s', source, '-o', uplink] + c + ['-j', 'MASQUERADE'], False),
        ('filter', 'FORWARD', ['-d', source, '-i', uplink, '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED']
         + c + ['-j', 'ACCEPT'], True),
        ('filter', 'FORWARD', ['-s', source, '-o', uplink] + c + ['-j', 'ACCEPT'], True),
    ]


def ipt_has(table, chain, args, family='ip'):
    proc = _run([IPT[family], '-w', '-t', table, '-C', chain] + args, 'checking an %s rule' % IPT[family],
                ok_codes=(0, 1))
    if proc.returncode != 0:
        _absent_or_raise(proc, 'does a matching rule exist', 'checking an %s rule in %s %s'
                         % (IPT[family], table, chain))
    return proc.returncode == 0


def _absent_or_raise(proc, absent_text, what):
    """An exit of 1 means 'not there' only when the tool says so; any other failure is an error, never
    read as an answer (a broken nft must not make us think our rules are gone)."""
    if absent_text not in (proc.stderr or ''):
        raise VnetlabError('%s failed: %s' % (what, (proc.stderr or proc.stdout).strip()[-400:]))


@_host_lock
def ipt_add(rules, family='ip'):
    """Add rules with iptables (family 'ip') or ip6tables ('ip6')."""
    for table, chain, args, insert in rules:
        if not ipt_has(table, chain, args, family):
            # forward accepts go first, ahead of a REJECT/DROP the host may already have
            op = ['-I', chain, '1'] if insert else ['-A', chain]
            _run([IPT[family], '-w', '-t', table] + op + args, 'adding an %s rule' % IPT[family])


@_host_lock
def ipt_remove(rules, family='ip'):
    for table, chain, args, _insert in rules:
        while ipt_has(table, chain, args, family):
            _run([IPT[family], '-w', '-t', table, '-D', chain] + args, 'deleting an %s rule' % IPT[family])


def iptables_forward_refuses(family='ip'):
    """True when the FORWARD chain of iptables (ip6tables: family 'ip6') has policy DROP or a REJECT/DROP rule
    of its own."""
    for line in ipt_listing('filter', 'FORWARD', family):
        words = line.split()
        if words[:3] == ['-P', 'FORWARD', 'DROP']:
            return True
        if words[:2] == ['-A', 'FORWARD'] and ('REJECT' in words or 'DROP' in words) and 'vnetlab' not in line:
            return True
    return False


# --------------------------------------------------------------------------------------------
# the pair as a whole
# --------------------------------------------------------------------------------------------

def current(source, uplink, lab=None):
    """What of this owner's exists for this pair: nftables rules; all iptables rules; the iptables forward
    rules; any iptables rule at all (a half-removed set still needs removing). Each rule is checked once.
    An IPv6 source's rules are looked for in its family: `ip6 vnetlab`, ip6tables."""
    family, nft = family_of(source), False
    if shutil.which('nft'):
        nft = tag(source, uplink, lab) in (nft_rules(family) or {})
    present = []
    if shutil.which(IPT[family]):
        present = [(chain, ipt_has(table, chain, args, family))
                   for table, chain, args, dummy in ipt_rules(source, uplink, lab)]
    return {'nftables': nft, 'iptables': bool(present) and all(p for dummy, p in present),
            'iptables_forward': bool(present) and all(p for chain, p in present if chain == 'FORWARD'),
            'iptables_any': any(p for dummy, p in present)}


def installed_uplinks(source, lab=None):
    """The uplinks this owner's rules for source were installed for, read from the rules' own comments -
    what a teardown removes, whatever the default route is today."""
    found = set()
    for comments in our_comments().values():
        for comment in comments:
            parsed = ownership.parse_nat_tag(comment)
            if parsed and parsed[0] == lab and parsed[1] == source:
                found.add(parsed[2])
    return sorted(found)


_IPT_COMMENT = re.compile(r'--comment "(%s[^"]*)"' % ownership.PREFIX)


def ipt_comments():
    """The comments of our iptables and ip6tables rules (nat and filter tables)."""
    found = set()
    for family in FAMILIES:
        for table in ('nat', 'filter'):
            for line in ipt_listing(table, family=family):
                found.update(c for c in _IPT_COMMENT.findall(line) if ownership.owner_of_text(c) is not None)
    return found


def our_comments():
    """{'nftables': comments, 'iptables': comments} of every rule of ours, whoever's (NAT, forwards), of both
    families (a comment says its family: family_of its address)."""
    nft = set()
    if shutil.which('nft'):
        for family in FAMILIES:
            nft.update(nft_rules(family) or {})
    return {'nftables': nft, 'iptables': ipt_comments()}


def ipt_listing(table, chain=None, family='ip'):
    """`iptables -S` (ip6tables: family 'ip6') of a table (or one chain) as lines; [] when the command is
    missing."""
    if not shutil.which(IPT[family]):
        return []
    argv = [IPT[family], '-w', '-t', table, '-S'] + ([chain] if chain else [])
    proc = _run(argv, 'reading %s' % IPT[family], ok_codes=(0, 1, 3))
    if proc.returncode != 0:  # only a table (or chain) that does not exist means "no rules"
        _absent_or_raise(proc, 'does not exist', 'reading %s table %s' % (IPT[family], table))
    return proc.stdout.splitlines()
