# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A kernel parameter under /proc/sys. net.* parameters are per network namespace: /proc/sys/net
shows the namespace of the thread that opens it, so they are read and written from a thread that has
entered the namespace."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op, Resource
from ansible_collections.vnetlab.linux.plugins.module_utils.names import ParamError, VnetlabError, check_netns
from ansible_collections.vnetlab.linux.plugins.module_utils.netlink import run_in_netns
from ansible_collections.vnetlab.linux.plugins.module_utils.resources.common import require_netns

_NAME_RE = re.compile(r'^[a-z0-9_][a-z0-9_.-]*$')
SAVED_DIR = '/run/vnetlab/sysctl'  # the value found before our first change, for state=absent


def saved_path(name, netns):
    return os.path.join(SAVED_DIR, '%s@%s' % (name, netns or 'host'))


def read_saved(name, netns):
    try:
        with open(saved_path(name, netns)) as f:
            return f.read()
    except (IOError, OSError):
        return None


def save_original(name, netns, value):
    """Remember the value we found, once: later changes must not overwrite the original."""
    if read_saved(name, netns) is None:
        if not os.path.isdir(SAVED_DIR):
            os.makedirs(SAVED_DIR, 0o700)
        with open(saved_path(name, netns), 'w') as f:
            f.write(value)


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


def sysctl_path(name):
    return '/proc/sys/' + name.replace('.', '/')


def read_sysctl(name, netns=None):
    """The value as the kernel prints it (whitespace squeezed), or None when it does not exist."""
    def read():
        try:
            with open(sysctl_path(name)) as f:
                return ' '.join(f.read().split())
        except (IOError, OSError):
            return None
    return run_in_netns(netns, read)


def write_sysctl(name, value, netns=None):
    def write():
        try:
            with open(sysctl_path(name), 'w') as f:
                f.write(str(value))
        except (IOError, OSError) as e:
            raise VnetlabError("writing %s=%s failed: %s" % (name, value, os.strerror(e.errno)))
    run_in_netns(netns, write)


class SysctlResource(Resource):
    module_name = 'sysctl'

    def validate(self):
        p = self.p
        if not _NAME_RE.match(p['name']) or '..' in p['name']:
            raise ParamError('name', "'%s' is not a kernel parameter name such as net.ipv4.ip_forward" % p['name'])
        check_netns('netns', p['netns'])
        if p['state'] == 'present' and p['value'] is None:
            raise ParamError('value', 'required with state: present')
        self.value = ' '.join(str(p['value']).split()) if p['value'] is not None else None

    def read(self, nl):
        p = self.p
        require_netns('netns', p['netns'])
        value = read_sysctl(p['name'], p['netns'])
        return {'name': p['name'], 'netns': p['netns'], 'value': value}

    def plan(self, nl, before):
        p = self.p
        name, netns = p['name'], p['netns']
        if before['value'] is None:
            if p['ignore_missing']:
                return [], before
            raise ParamError('name', '%s does not exist on this kernel (is its module loaded?); set '
                                     'ignore_missing: true to skip it' % name)
        old = before['value']
        if p['state'] == 'absent':
            saved = read_saved(name, netns)
            if saved is None:
                return [], before
            return ([Op('restore %s to %s' % (name, saved), lambda nl_: self._restore(saved), session=False)],
                    dict(before, value=saved))
        if old == self.value:
            return [], before

        def do(nl_):
            save_original(name, netns, old)
            write_sysctl(name, self.value, netns)
        return ([Op('set %s from %s to %s' % (name, old, self.value), do,
                    undo=lambda nl_: write_sysctl(name, old, netns), session=False)],
                dict(before, value=self.value))

    def _restore(self, saved):
        write_sysctl(self.p['name'], saved, self.p['netns'])
        forget_original(self.p['name'], self.p['netns'])

    def returns(self, view):
        return {'value': view['value']}
