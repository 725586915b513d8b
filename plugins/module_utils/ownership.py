# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What is ours, and how we recognise it: the only place that decides.

Every object vnetlab makes carries a mark naming its owner:
  * a link: its ifalias - `vnetlab` when a resource module made it, `vnetlab:<lab>` when a lab did;
  * a namespace: the mark on its loopback;
  * a guest started by a lab: a file `lab` in its runtime directory holding the lab's name;
  * NAT rules: the comment `vnetlab <source> <uplink>` (nftables: in our own table `ip vnetlab`).
Planners ask `owned(alias, owner)` before they replace or delete anything, and `foreign()` builds the
refusal that names the object and what makes it someone else's.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError

PREFIX = 'vnetlab'
GUEST_LAB_FILE = 'lab'  # in a guest's runtime directory: the name of the lab that started it


def mark(lab=None):
    """The owner mark of a lab (None: the resource modules)."""
    return PREFIX if lab is None else '%s:%s' % (PREFIX, lab)


def owned(alias, owner):
    """Does a link or namespace with this alias belong to `owner` (a mark())?"""
    return alias == owner


def is_vnetlab(alias):
    """Made by any vnetlab module or lab."""
    return bool(alias) and (alias == PREFIX or alias.startswith(PREFIX + ':'))


def lab_of(alias):
    """The lab named by a mark ('' for the resource modules), or None when it is not ours at all."""
    if not is_vnetlab(alias):
        return None
    return alias[len(PREFIX) + 1:]


def foreign(param, netns_text, name, what, how='remove it or choose another name'):
    """The refusal for an object in the way that is not ours."""
    return ParamError(param, "'%s' already exists in %s as %s that this lab does not own; %s"
                      % (name, netns_text, what, how))


def nat_tag(source, uplink):
    """The comment on every NAT rule of one source/uplink pair."""
    return '%s %s %s' % (PREFIX, source, uplink)


def guest_lab(run_dir):
    """The lab that started the guest whose runtime directory this is, or None."""
    try:
        with open(os.path.join(run_dir, GUEST_LAB_FILE)) as f:
            return f.read().strip() or None
    except OSError:
        return None


def mark_guest(run_dir, lab):
    write_atomic(os.path.join(run_dir, GUEST_LAB_FILE), lab + '\n')


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
