# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A kernel parameter under /proc/sys (net.* ones per namespace), with the value found before our
first change kept so that state: absent puts it back."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import re
import shutil

from ansible_collections.vnetlab.linux.plugins.module_utils import boot
from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import locks
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import HOST
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.procsys import read_sysctl, write_sysctl
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.base import Kind
from ansible_collections.vnetlab.linux.plugins.module_utils.ownership import prune_empty_dirs, write_atomic
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import TAB, check_netns

OPTIONS = dict(
    name=dict(type='str', required=True),
    value=dict(type='str'),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    netns=dict(type='str'),
    ignore_missing=dict(type='bool', default=False),
    holder=dict(type='str', default='vnetlab'),
)
MODULE_KWARGS = dict(required_if=[('state', 'present', ['value'])])
_NAME_RE = re.compile(r'^[a-z0-9_][a-z0-9_.-]*$')
SAVED_DIR = '/run/vnetlab/sysctl'  # per parameter: the value found first, the value we set, the holders


class Held:
    """The record of one parameter in one namespace that vnetlab changed: `original` (found before our
    first change), `ours` (the value we set) and one file per holder under `holders/`. The original is
    put back when the last holder lets go - and only if the value is still ours. A record of another boot
    (boot.py: a /run that survived a reboot) is dropped: the kernel it describes is gone, and its
    `original` is not what this boot started with."""

    def __init__(self, name, netns):
        self.dir = os.path.join(SAVED_DIR, '%s@%s' % (name, netns or 'host'))
        if not boot.is_current(self._read('boot')):
            shutil.rmtree(self.dir, ignore_errors=True)
            prune_empty_dirs(SAVED_DIR, os.path.dirname(SAVED_DIR))

    def _read(self, leaf):
        try:
            with open(os.path.join(self.dir, leaf)) as f:
                return f.read()
        except OSError:
            return None

    @property
    def original(self):
        return self._read('original')

    @property
    def ours(self):
        return self._read('ours')

    def holders(self):
        try:
            return sorted(self._read(os.path.join('holders', h)) for h in os.listdir(os.path.join(self.dir, 'holders')))
        except OSError:
            return []

    @staticmethod
    def _key(holder):
        return hashlib.sha256(holder.encode()).hexdigest()[:16]

    def take(self, holder, found, value):
        """holder holds the parameter at value (found: what it was before this change, or None)."""
        os.makedirs(os.path.join(self.dir, 'holders'), 0o700, exist_ok=True)
        if self._read('boot') is None:
            write_atomic(os.path.join(self.dir, 'boot'), boot.current(), 0o600)
        if self.original is None and found is not None:
            write_atomic(os.path.join(self.dir, 'original'), found, 0o600)
        write_atomic(os.path.join(self.dir, 'ours'), value, 0o600)
        write_atomic(os.path.join(self.dir, 'holders', self._key(holder)), holder, 0o600)

    def release(self, holder):
        try:
            os.unlink(os.path.join(self.dir, 'holders', self._key(holder)))
        except OSError:
            pass

    def forget(self):
        for leaf in ('original', 'ours', 'boot'):
            try:
                os.unlink(os.path.join(self.dir, leaf))
            except OSError:
                pass
        prune_empty_dirs(os.path.join(self.dir, 'holders'), self.dir, SAVED_DIR, os.path.dirname(SAVED_DIR))


def read_saved(name, netns):
    """The value found before vnetlab first changed name (None: we never did)."""
    return Held(name, netns).original


def set_op(name, old, value, netns=HOST, holder='vnetlab', action=None, phase=None):
    """Set name to value for holder, remembering the original once; the undo puts `old` back."""
    def do(visit):
        with locks.host():
            if old != value:
                write_sysctl(name, value, netns)
            Held(name, netns).take(holder, old, value)

    def undo(visit):
        with locks.host():
            held = Held(name, netns)
            held.release(holder)
            if old != value:
                write_sysctl(name, old, netns)
            if not held.holders():
                held.forget()
    text = 'set %s from %s to %s' % (name, old, value) if old != value else 'hold %s=%s' % (name, value)
    return Op(action or '%s for %s' % (text, holder), do, undo=undo, local=True, phase=phase)


def hold(plan, name, value, holder, phase, action=None):
    """Plan holding name=value for holder (in the host namespace): set it if it differs, else only join the
    holders so that the last one to let go puts the original back."""
    current, held = read_sysctl(name) or '0', Held(name, HOST).holders()  # '0': an interface made later
    if current != value or (held and holder not in held):
        plan.add(set_op(name, current, value, holder=holder, phase=phase,
                        action=action if current != value else None))


def release_op(name, netns=HOST, holder='vnetlab', why='', phase=None):
    """holder lets go; the last one puts the original back if the value is still ours (else leaves it,
    with a warning). -> Op"""
    def do(visit):
        with locks.host():
            held = Held(name, netns)
            held.release(holder)
            if held.holders():
                return
            original, ours = held.original, held.ours
            if original is not None and read_sysctl(name, netns) == ours:
                write_sysctl(name, original, netns)
            held.forget()
    op = Op('release %s for %s%s' % (name, holder, why), do, local=True, phase=phase)
    op.releases = (name, netns, holder)  # what a sweep (lab/sweep.py) need not release again
    return op


def every_hold():
    """[(name, netns, holder)] of every hold recorded on the host."""
    out = []
    try:
        records = sorted(os.listdir(SAVED_DIR))
    except OSError:
        return out
    for record in records:
        name, _sep, netns = record.rpartition('@')
        if name:
            netns = None if netns == 'host' else netns
            out.extend((name, netns, holder) for holder in Held(name, netns).holders())
    return out


class Sysctl(Kind):
    name = 'sysctl'
    OPTIONS = OPTIONS
    MODULE_KWARGS = MODULE_KWARGS
    # one line, but a value read back from the kernel separates its numbers with tabs (ip_local_port_range:
    # "32768\t60999"); desired() squeezes them to spaces. A line break never: the kernel would take part of it.
    TEXT_OPTIONS = {'value': TAB}

    def desired(self, params):
        d = dict(params)
        if not _NAME_RE.match(d['name']) or '..' in d['name']:
            raise ParamError('name', "'%s' is not a kernel parameter name such as net.ipv4.ip_forward" % d['name'])
        check_netns('netns', d['netns'])
        if d['state'] == 'present' and d['value'] is None:
            raise ParamError('value', 'required with state: present')
        d['wanted'] = ' '.join(str(d['value']).split()) if d['value'] is not None else None
        return d

    def reads(self, d):
        return {d['netns']: (False, False)}

    def read_local(self, d, snapshot):
        if d['netns'] not in snapshot:
            return {'value': None, 'held': [], 'ours': None, 'original': None}
        held = Held(d['name'], d['netns'])
        return {'value': read_sysctl(d['name'], d['netns']), 'held': held.holders(), 'ours': held.ours,
                'original': held.original}

    def view(self, d, snapshot, local):
        return {'name': d['name'], 'netns': d['netns'], 'value': local['value']}

    def plan(self, plan, d):
        name, netns, local = d['name'], d['netns'], plan.local
        plan.require_netns('netns', netns)
        before = self.view(d, plan.snapshot, local)
        old = local['value']
        if old is None:
            if d['ignore_missing']:
                return before
            raise ParamError('name', '%s does not exist on this kernel (is its module loaded?); set '
                                     'ignore_missing: true to skip it' % name)
        holder = d['holder']
        if d['state'] == 'absent':
            if holder not in local['held']:
                return before
            plan.add(release_op(name, netns, holder))
            last = local['held'] == [holder]
            if last and local['original'] is not None and old == local['ours']:
                return dict(before, value=local['original'])
            if last and local['original'] is not None:
                plan.warnings.append('%s is %s, not the %s vnetlab set: someone changed it since, so it is left as '
                                     'it is' % (name, old, local['ours']))
            return before
        # already so: nothing to do unless other holders hold it (then this one joins them, so that the
        # first to leave does not put the original back under it)
        if old == d['wanted'] and (holder in local['held'] or not local['held']):
            return before
        plan.add(set_op(name, old, d['wanted'], netns, holder))
        return dict(before, value=d['wanted'])

    def returns(self, d, view, local):
        return {'value': view['value']}


KIND = Sysctl()
