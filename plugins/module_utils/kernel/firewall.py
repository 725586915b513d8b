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
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import shutil

from ansible_collections.vnetlab.linux.plugins.module_utils import ownership
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import locks
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.command import run as _run

TABLE = 'vnetlab'


tag = ownership.nat_tag


def pick_backend(backend):
    if backend == 'auto':
        backend = 'nftables' if shutil.which('nft') else 'iptables'
    tool = 'nft' if backend == 'nftables' else 'iptables'
    if not shutil.which(tool):
        raise VnetlabError("backend: '%s' needs the %s command (apt install %s)" % (backend, tool, backend))
    return backend


# --------------------------------------------------------------------------------------------
# nftables
# --------------------------------------------------------------------------------------------

def nft_rules():
    """{comment: [(chain, handle), ...]} of the rules in our table; None when there is no table."""
    proc = _run(['nft', '-j', 'list', 'table', 'ip', TABLE], 'reading nft table', ok_codes=(0, 1))
    if proc.returncode != 0:
        _absent_or_raise(proc, 'No such file or directory', 'reading nft table ip %s' % TABLE)
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


def nft_add(source, uplink, lab=None):
    comment = tag(source, uplink, lab)
    nft_apply([
        'add rule ip %s postrouting ip saddr %s oifname "%s" masquerade comment "%s"'
        % (TABLE, source, uplink, comment),
        'add rule ip %s forward ip saddr %s oifname "%s" accept comment "%s"' % (TABLE, source, uplink, comment),
        'add rule ip %s forward ip daddr %s iifname "%s" ct state established,related accept comment "%s"'
        % (TABLE, source, uplink, comment)])


def nft_remove(source, uplink, lab=None):
    nft_delete(tag(source, uplink, lab))


# Our table's chains; `nft -f` adds what is missing and leaves what exists as it is.
CHAINS = [
    '  chain prerouting { type nat hook prerouting priority dstnat; policy accept; }',
    '  chain output { type nat hook output priority -100; policy accept; }',
    '  chain postrouting { type nat hook postrouting priority srcnat; policy accept; }',
    '  chain forward { type filter hook forward priority filter; policy accept; }',
]


@_host_lock
def nft_apply(rules):
    """Add rules (`add rule ip vnetlab ...` lines) to our table, its chains made first, in one transaction."""
    script = ['table ip %s {' % TABLE] + CHAINS + ['}'] + rules + ['']
    _run(['nft', '-f', '-'], 'adding nftables rules', stdin='\n'.join(script))


@_host_lock
def nft_delete(comment):
    """Delete every rule of our table that carries this comment; the table too once nothing else is in it."""
    rules = nft_rules() or {}
    for chain, handle in rules.pop(comment, []):
        _run(['nft', 'delete', 'rule', 'ip', TABLE, chain, 'handle', str(handle)], 'deleting an nftables rule')
    if not rules:  # nothing else of ours in the table: leave no table behind
        _run(['nft', 'delete', 'table', 'ip', TABLE], 'deleting the nftables table', ok_codes=(0, 1))


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


def ipt_has(table, chain, args):
    proc = _run(['iptables', '-w', '-t', table, '-C', chain] + args, 'checking an iptables rule', ok_codes=(0, 1))
    if proc.returncode != 0:
        _absent_or_raise(proc, 'does a matching rule exist', 'checking an iptables rule in %s %s' % (table, chain))
    return proc.returncode == 0


def _absent_or_raise(proc, absent_text, what):
    """An exit of 1 means 'not there' only when the tool says so; any other failure is an error, never
    read as an answer (a broken nft must not make us think our rules are gone)."""
    if absent_text not in (proc.stderr or ''):
        raise VnetlabError('%s failed: %s' % (what, (proc.stderr or proc.stdout).strip()[-400:]))


@_host_lock
def ipt_add(rules):
    for table, chain, args, insert in rules:
        if not ipt_has(table, chain, args):
            # forward accepts go first, ahead of a REJECT/DROP the host may already have
            op = ['-I', chain, '1'] if insert else ['-A', chain]
            _run(['iptables', '-w', '-t', table] + op + args, 'adding an iptables rule')


@_host_lock
def ipt_remove(rules):
    for table, chain, args, _insert in rules:
        while ipt_has(table, chain, args):
            _run(['iptables', '-w', '-t', table, '-D', chain] + args, 'deleting an iptables rule')


def iptables_forward_refuses():
    """True when the iptables FORWARD chain has policy DROP or a REJECT/DROP rule of its own."""
    for line in ipt_listing('filter', 'FORWARD'):
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
    rules; any iptables rule at all (a half-removed set still needs removing). Each rule is checked once."""
    nft = False
    if shutil.which('nft'):
        nft = tag(source, uplink, lab) in (nft_rules() or {})
    present = []
    if shutil.which('iptables'):
        present = [(chain, ipt_has(table, chain, args))
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
    """The comments of our iptables rules (nat and filter tables)."""
    found = set()
    for table in ('nat', 'filter'):
        for line in ipt_listing(table):
            found.update(c for c in _IPT_COMMENT.findall(line) if ownership.owner_of_text(c) is not None)
    return found


def our_comments():
    """{'nftables': comments, 'iptables': comments} of every rule of ours, whoever's (NAT, forwards)."""
    nft = set(nft_rules() or {}) if shutil.which('nft') else set()
    return {'nftables': nft, 'iptables': ipt_comments()}


def ipt_listing(table, chain=None):
    """`iptables -S` of a table (or one chain) as lines; [] when iptables is missing."""
    if not shutil.which('iptables'):
        return []
    argv = ['iptables', '-w', '-t', table, '-S'] + ([chain] if chain else [])
    proc = _run(argv, 'reading iptables', ok_codes=(0, 1, 3))
    if proc.returncode != 0:  # only a table (or chain) that does not exist means "no rules"
        _absent_or_raise(proc, 'does not exist', 'reading iptables table %s' % table)
    return proc.stdout.splitlines()
