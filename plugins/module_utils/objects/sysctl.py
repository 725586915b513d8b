# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A kernel parameter under /proc/sys (net.* ones per namespace), with the value found before our
first change kept so that state: absent puts it back."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import HOST
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.procsys import read_sysctl, write_sysctl
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.base import Kind
from ansible_collections.vnetlab.linux.plugins.module_utils.ownership import write_atomic
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import check_netns

OPTIONS = dict(
    name=dict(type='str', required=True),
    value=dict(type='str'),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
    netns=dict(type='str'),
    ignore_missing=dict(type='bool', default=False),
)
MODULE_KWARGS = dict(required_if=[('state', 'present', ['value'])])
_NAME_RE = re.compile(r'^[a-z0-9_][a-z0-9_.-]*$')
SAVED_DIR = '/run/vnetlab/sysctl'  # the value found before our first change, for state=absent


def saved_path(name, netns):
    return os.path.join(SAVED_DIR, '%s@%s' % (name, netns or 'host'))


def read_saved(name, netns):
    try:
        with open(saved_path(name, netns)) as f:
            return f.read()
    except OSError:
        return None


def save_original(name, netns, value):
    """Remember the value we found, once: later changes must not overwrite the original."""
    if read_saved(name, netns) is None:
        os.makedirs(SAVED_DIR, 0o700, exist_ok=True)
        write_atomic(saved_path(name, netns), value, 0o600)


def forget_original(name, netns):
    try:
        os.unlink(saved_path(name, netns))
    except OSError:
        pass
    for d in (SAVED_DIR, os.path.dirname(SAVED_DIR)):
        try:
            os.rmdir(d)  # only when empty: leave no runtime directory behind
        except OSError:
            break


def set_op(name, old, value, netns=HOST):
    """Set name to value, remembering the original once; the undo puts `old` back."""
    def do(visit):
        save_original(name, netns, old)
        write_sysctl(name, value, netns)
    return Op('set %s from %s to %s' % (name, old, value), do,
              undo=lambda v: write_sysctl(name, old, netns), local=True)


def restore_op(name, saved, netns=HOST, why=''):
    def do(visit):
        write_sysctl(name, saved, netns)
        forget_original(name, netns)
    return Op('restore %s to %s%s' % (name, saved, why), do, local=True)


class Sysctl(Kind):
    name = 'sysctl'
    OPTIONS = OPTIONS
    MODULE_KWARGS = MODULE_KWARGS

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
            return {'value': None, 'saved': None, 'netns_missing': True}
        return {'value': read_sysctl(d['name'], d['netns']), 'saved': read_saved(d['name'], d['netns'])}

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
        if d['state'] == 'absent':
            if local['saved'] is None:
                return before
            plan.add(restore_op(name, local['saved'], netns))
            return dict(before, value=local['saved'])
        if old == d['wanted']:
            return before
        plan.add(set_op(name, old, d['wanted'], netns))
        return dict(before, value=d['wanted'])

    def returns(self, d, view, local):
        return {'value': view['value']}


KIND = Sysctl()
