# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure validation of the names and addresses users give us (no kernel access, unit-tested).

Every check raises ParamError naming the offending parameter and saying how to fix it, so that a
module fails before it changes anything.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError

IFNAMSIZ = 15  # the kernel's IFNAMSIZ (16) minus the terminating NUL
# no leading '.': `ip netns list` (and we) hide such names, so the namespace could never be found again
_NETNS_RE = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]*$')


def check_ifname(param, name):
    if not name:
        raise ParamError(param, 'an interface name is required')
    size = len(name.encode('utf-8'))  # the kernel counts bytes, not characters
    if size > IFNAMSIZ:
        raise ParamError(param, "interface name '%s' is %d bytes long; Linux allows at most %d"
                         % (name, size, IFNAMSIZ))
    if name in ('.', '..'):
        raise ParamError(param, "'%s' is not a valid interface name" % name)
    for ch in name:
        if ch == '/' or ch == ':' or ch.isspace():
            raise ParamError(param, "interface name '%s' must not contain '/', ':' or whitespace" % name)
    return name


def check_netns(param, name):
    """None means the host (initial) namespace."""
    if name is None:
        return None
    if not name or not _NETNS_RE.match(name) or name in ('.', '..') or len(name) > 255:
        raise ParamError(param, "'%s' is not a valid namespace name; use letters, digits, '.', '_' and '-', "
                                "not starting with '.' or '-'" % name)
    return name


def parse_interface_cidr(param, text):
    """'10.0.0.2/24' -> ipaddress.ip_interface; the prefix is mandatory."""
    if not isinstance(text, str) or '/' not in text:
        raise ParamError(param, "'%s' needs a prefix length, for example 10.16.0.2/24" % (text,))
    try:
        return ipaddress.ip_interface(text.strip())
    except ValueError:
        raise ParamError(param, "'%s' is not a valid IPv4 or IPv6 address with prefix (CIDR)" % (text,))


def parse_host_cidr(param, text):
    """An address with prefix that an interface can carry: parse_interface_cidr, and not the network or
    broadcast address of an IPv4 subnet shorter than /31 (the kernel would take either, and nothing on the
    subnet could then reach it or be reached through it)."""
    iface = parse_interface_cidr(param, text)
    net = iface.network
    if iface.version == 4 and net.prefixlen < 31 and iface.ip in (net.network_address, net.broadcast_address):
        which = 'network' if iface.ip == net.network_address else 'broadcast'
        raise ParamError(param, "'%s' is the %s address of %s; give a host address inside it, for example %s/%d"
                         % (text, which, net, net.network_address + 1, net.prefixlen))
    return iface


def parse_network(param, text):
    """A network such as 10.16.0.0/24 (host bits must be zero) or 'default'."""
    if text == 'default':
        return None
    if not isinstance(text, str) or '/' not in text:
        raise ParamError(param, "'%s' is not a network in CIDR form (for example 10.16.0.0/24) or 'default'"
                         % (text,))
    try:
        return ipaddress.ip_network(text.strip(), strict=True)
    except ValueError as e:
        raise ParamError(param, "'%s' is not a valid network: %s" % (text, e))


def parse_address(param, text):
    try:
        return ipaddress.ip_address(str(text).strip())
    except ValueError:
        raise ParamError(param, "'%s' is not a valid IPv4 or IPv6 address" % (text,))


def check_mtu(param, mtu, minimum=68, maximum=65535):
    if mtu is None:
        return None
    if not minimum <= mtu <= maximum:
        raise ParamError(param, 'MTU %d is out of range (%d to %d)' % (mtu, minimum, maximum))
    return mtu


def check_distinct(pairs):
    """pairs: [(param, value)]; the same interface cannot be used twice in one request."""
    seen = {}
    for param, value in pairs:
        if value is None:
            continue
        if value in seen:
            raise ParamError(param, "'%s' is also given as %s; the two names must differ" % (value, seen[value]))
        seen[value] = param


def passes(check, value):
    """Whether check(param, value) - one of the parse_/check_ functions above - accepts value: for callers
    that want a yes or no (the collection's Jinja2 tests) instead of the ParamError."""
    try:
        check('value', value)
    except ParamError:
        return False
    return True


# ------------------------------------------------------------------------------------------------
# control characters: one rule for every string a module option or a topology holds
# ------------------------------------------------------------------------------------------------

# The ASCII control characters: C0 (NUL to US, 0x00-0x1f) and DEL (0x7f). None of them belongs in a name, an
# address, a path or a setting: a NUL cuts a name short in the kernel, a newline ends a /proc/sys write, a
# line of a generated configuration file or a line typed at a console, an escape sequence rewrites a terminal.
CONTROL_RE = re.compile('[\x00-\x1f\x7f]')
# What the few options that are text by nature may hold (their exception lists: Kind.TEXT_OPTIONS, the
# text_options of entry.new_module, schema.TEXT_KEYS; docs/design.md "Control characters"): never a NUL nor
# any other control character.
TEXT = '\t\n\r'  # text that spans lines - YAML, JSON, a shell script: tabs and line breaks
LINES = '\n\r'   # lines typed at a console (where a TAB is not typed as itself but completes a word)
TAB = '\t'       # one line whose words may be TAB-separated (how the kernel prints a multi-number sysctl)
_NAMES = {'\t': 'tabs', '\n': 'line breaks', '\r': 'line breaks'}


def visible(text):
    """text with each control character spelt as an escape (\\n, \\t, \\r, \\x00): safe in a message."""
    return CONTROL_RE.sub(lambda m: _escape(m.group()), text)


def _escape(ch):
    return {'\t': '\\t', '\n': '\\n', '\r': '\\r'}.get(ch, '\\x%02x' % ord(ch))


def control_problem(text, allowed='', what='value'):
    """None when the string text holds no ASCII control character outside `allowed`, else what is wrong:
    'contains a control character (\\n at position 1); give the value on one line' (positions from 0)."""
    if not CONTROL_RE.search(text):
        return None
    for pos, ch in enumerate(text):
        if (ch < ' ' or ch == '\x7f') and ch not in allowed:
            if ch in '\n\r':
                fix = 'give the %s on one line' % what
            elif allowed:
                fix = 'remove it (here only %s are allowed)' % ' and '.join(
                    sorted(set(_NAMES[c] for c in allowed), reverse=True))
            else:
                fix = 'remove it'
            return 'contains a control character (%s at position %d); %s' % (_escape(ch), pos, fix)
    return None


def control_characters(value, text_options=None, path=()):
    """Each string of value - a string, or lists and mappings of them at any depth, their keys too - that
    holds an ASCII control character: yields (path, message), path a tuple of keys and list indexes.

    text_options: {dotted option path without list indexes ('cloud_init.user_data'): the control characters
    its text may hold (TEXT, LINES, TAB)}; an entry is for the strings right there (the option's string, or
    each string of its list), not for those of a mapping below it. Keys are always names."""
    allowed = (text_options or {}).get('.'.join(str(p) for p in path if not isinstance(p, int)), '')
    if isinstance(value, str):
        problem = control_problem(value, allowed)
        if problem:
            yield path, problem
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str):
                problem = control_problem(key, what='key')
                if problem:
                    yield path + (key,), 'the key %s' % problem
                    continue
            yield from control_characters(item, text_options, path + (key,))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from control_characters(item, text_options, path + (i,))


def render_path(path):
    """('nics', 0, 'mac') -> 'nics[0].mac', with any control character in a key spelt visibly."""
    out = ''
    for part in path:
        out += '[%d]' % part if isinstance(part, int) else ('.' if out else '') + visible(str(part))
    return out


def check_params(params, text_options=None):
    """Refuse (ParamError naming the option: 'nics[1].mac') the first string of a module's parameters that
    holds an ASCII control character other than its text option allows. For every module, before anything
    else (entry.new_module)."""
    for path, message in control_characters(params, text_options):
        raise ParamError(render_path(path), message)
