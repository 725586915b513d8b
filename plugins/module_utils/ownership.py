# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What is ours, and how we recognise it: the only place that decides.

Every object vnetlab makes carries a mark naming its owner:
  * a link: its ifalias - `vnetlab` when a resource module made it, `vnetlab:<lab>` when a lab did;
  * a namespace: the mark on its loopback;
  * a guest or DHCP server started by a lab: a file `lab` in its runtime directory holding the lab's name;
  * firewall rules (NAT, port forwards): a comment that starts with the mark - `vnetlab:<lab> <source>
    <uplink>`, `vnetlab:<lab> fwd <proto> <port> ...` (nftables: in our own table `ip vnetlab`, `ip6 vnetlab`
    for IPv6);
  * kernel settings held (objects/sysctl.py): a holder text that starts with the mark, for a lab's;
  * a root qdisc (objects/impairment.py): its handle, QDISC_HANDLE (`tc` shows `766c:`, "vl"). A qdisc has no
    text to carry a lab's name: the link it sits on is the lab's.
Planners ask `owned(alias, owner)` before they replace or delete anything, and `foreign()` builds the
refusal that names the object and what makes it someone else's. An exclusive address list removes addresses
only from a link vnetlab made, or one the task adopts (`may_strip`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os

from ansible_collections.vnetlab.linux.plugins.module_utils import boot
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError

PREFIX = 'vnetlab'
QDISC_HANDLE = 0x766C0000  # the handle of every root qdisc vnetlab adds; the kernel's defaults have 0:
STARTER_FILE = 'lab'  # in a guest's or DHCP server's runtime directory: the name of the lab that started it


def mark(lab=None):
    """The owner mark of a lab (None: the resource modules)."""
    return PREFIX if lab is None else '%s:%s' % (PREFIX, lab)


def owned(alias, owner):
    """Does a link or namespace with this alias belong to `owner` (a mark())?"""
    return alias == owner


def qdisc_is_ours(qdisc):
    """Our handle on a kind we make (a hand-made htb with that handle is someone else's)."""
    return qdisc is not None and qdisc['handle'] == QDISC_HANDLE and qdisc['kind'] in ('netem', 'tbf')


def qdisc_is_default(qdisc):
    """The qdisc the kernel attached by itself (noqueue, pfifo_fast, fq_codel, mq: handle 0): replaceable,
    and back by itself when ours is deleted."""
    return qdisc is None or qdisc['handle'] == 0


def is_vnetlab(alias):
    """Made by any vnetlab module or lab."""
    return bool(alias) and (alias == PREFIX or alias.startswith(PREFIX + ':'))


def lab_of(alias):
    """The lab named by a mark ('' for the resource modules), or None when it is not ours at all."""
    if not is_vnetlab(alias):
        return None
    return alias[len(PREFIX) + 1:]


def owner_text(alias):
    """Who made an object with this mark, for messages."""
    lab = lab_of(alias)
    if lab is None:
        return 'not made by vnetlab'
    return "made by vnetlab's modules" if lab == '' else "made by lab '%s'" % lab


ADOPT_HINT = ('set adopt: true to use it as it is (an adopted object is never deleted, and teardown removes '
              'only what vnetlab added to it), or choose another name')


def not_ours(param, what, name, netns_text, details, alias):
    """The refusal for an existing object of the right kind that another owner made."""
    return ParamError(param, "%s '%s' already exists%s (%s%s) and is not ours; %s"
                      % (what, name, ' in %s' % netns_text if netns_text else '', details + ', ' if details else '',
                         owner_text(alias), ADOPT_HINT))


def left_alone(what, name, netns_text, alias):
    """The warning for an object teardown was asked to remove that is not ours."""
    place = ' in %s' % netns_text if netns_text else ''
    return "%s '%s'%s is %s: left alone" % (what, name, place, owner_text(alias))


def may_strip(alias, ours, adopted):
    """May an exclusive address list take addresses off this link? Only when vnetlab made it (any module or
    lab: `ours` is Plan.owns, which also knows a killed run's unmarked links) or the task adopts it: the
    addresses of someone else's interface are theirs."""
    return bool(ours or adopted or is_vnetlab(alias))


def not_ours_to_strip(name, netns_text, addresses):
    """The refusal of `exclusive` on an interface that is not ours (may_strip), before anything changes."""
    return ParamError('exclusive', "interface '%s' in %s was not created by vnetlab%s; its own addresses are not "
                                   'ours to remove - set adopt: true to take the interface over, or drop exclusive'
                      % (name, netns_text, ' (addresses %s)' % ', '.join(addresses) if addresses else ''))


def foreign(param, netns_text, name, what, how='remove it or choose another name'):
    """The refusal for an object in the way that is not ours."""
    return ParamError(param, "'%s' already exists in %s as %s that is not ours; %s"
                      % (name, netns_text, what, how))


def nat_tag(source, uplink, lab=None):
    """The comment on every NAT rule of one source/uplink pair of one owner: its mark first, so that a
    lab's rules are found by the lab's name alone (and two labs NATing the same pair have their own)."""
    return '%s %s %s' % (mark(lab), source, uplink)


def parse_nat_tag(text):
    """A NAT rule's comment -> (lab or None for the modules, source, uplink); None when it is not one."""
    words = (text or '').split(' ')
    if len(words) != 3 or not is_vnetlab(words[0]) or not all(words[1:]):
        return None
    return lab_of(words[0]) or None, words[1], words[2]


def owner_of_text(text):
    """The lab named by the mark a text starts with (a rule comment, a sysctl holder): '' for the modules,
    None when the text does not start with a mark."""
    return lab_of((text or '').split(' ', 1)[0])


def started_by(paths):
    """The lab that started a process we supervise - a guest, a DHCP server - (None: its module), from
    its runtime directory or - after a reboot emptied /run - from its state directory (a guest's disk)."""
    for d in (paths.run, paths.state):
        try:
            with open(os.path.join(d, STARTER_FILE)) as f:
                return f.read().strip() or None
        except OSError:
            continue
    return None


def check_starter(param, what, started, lab, module):
    """A supervised process is managed only by what started it: its lab, or (started None) its module."""
    if started != lab:
        by = "lab '%s'" % started if started else module
        this = 'module' if lab is None else "lab '%s'" % lab
        raise ParamError(param, "%s was started by %s, not by this %s; manage it there, or choose another name"
                         % (what, by, this))


def mark_started(paths, lab):
    for d in (paths.run, paths.state):
        if os.path.isdir(d):
            write_atomic(os.path.join(d, STARTER_FILE), lab + '\n')


# Crash safety. The kernel ignores an alias in the request that creates a link, so a run killed between
# creating a link and marking it (the next request of the same visit) would leave a link that the next
# run must refuse as someone else's. Before a run creates anything it writes down what it is about to
# create (its intent); the next run of the same owner counts an unmarked object named in the intent as
# its own, marks it and goes on. A run that ends - done or rolled back - removes its intent.
INTENT_DIR = '/run/vnetlab/intents'


def _intent_path(key):
    return os.path.join(INTENT_DIR, hashlib.sha256(key.encode()).hexdigest()[:16] + '.json')


def _load_intent(path):
    """An intent record's data, or None. One of another boot (boot.py) is removed: the objects it names
    went with the kernel, and a same-named object of this boot is not ours."""
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or 'run' not in data or 'objects' not in data:
        return None
    if not boot.is_current(data.get('boot')):
        try:
            os.unlink(path)
        except OSError:
            pass
        prune_empty_dirs(INTENT_DIR, os.path.dirname(INTENT_DIR))
        return None
    return data


def read_intent(key):
    """{(netns, name)} a run (of a lab, or on one module object: key is its lock name) was about to create
    when it ended early (name None: a namespace)."""
    data = _load_intent(_intent_path(key))
    try:
        return set((ns, name) for ns, name in data['objects']) if data else set()
    except (ValueError, TypeError):
        return set()


def write_intent(key, objects):
    """Record (before creating them) the objects a run will create; kept with those of a killed run."""
    objects = set(objects) | read_intent(key)
    os.makedirs(INTENT_DIR, 0o700, exist_ok=True)
    write_atomic(_intent_path(key), json.dumps({'run': key, 'objects': sorted(objects, key=str),
                                                'boot': boot.current()}), 0o600)


def every_intent():
    """{key: {(netns, name)}} of every run's intent record on the host (what cleanup counts as ours)."""
    out = {}
    try:
        names = sorted(os.listdir(INTENT_DIR))
    except OSError:
        return out
    for leaf in names:
        data = _load_intent(os.path.join(INTENT_DIR, leaf))
        try:
            if data:
                out[data['run']] = set((ns, name) for ns, name in data['objects'])
        except (ValueError, TypeError):
            continue
    return out


def intent_owner(key):
    """The lab a run's intent key belongs to ('' for a module's run: its key is its object lock)."""
    return key[len('lab/'):] if key.startswith('lab/') else ''


def clear_intent(key):
    try:
        os.unlink(_intent_path(key))
    except OSError:
        return
    prune_empty_dirs(INTENT_DIR, os.path.dirname(INTENT_DIR))


def prune_empty_dirs(*dirs):
    """Remove `dirs` in order while they are empty (innermost first): leave no runtime directory behind,
    and stop at the first one that still holds something."""
    for d in dirs:
        try:
            os.rmdir(d)
        except OSError:
            break


def write_atomic(path, text, mode=0o644, binary=False):
    """Write a state file so that a reader (or a run killed half-way) sees the old or the new text,
    never a part: a temporary file in the same directory, fsync, rename."""
    tmp = '%s.tmp%d' % (path, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
    try:
        with os.fdopen(fd, 'wb' if binary else 'w') as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
