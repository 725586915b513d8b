# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one engine every resource module runs through: validate -> read -> plan -> apply.

A resource describes itself as a small class (see resources/); this file gives every module the same
check mode (plan without apply), diff (before/after views), `changed` (true exactly when the plan has
operations) and rollback (a failure half-way undoes what this task already did, newest first).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

from ansible.module_utils.basic import missing_required_lib
from ansible_collections.vnetlab.linux.plugins.module_utils.names import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.netlink import (
    HAS_PYROUTE2, PYROUTE2_IMPORT_ERROR, Netlink, NetlinkError, explain)


class Op:
    """One change. `do`/`undo` take an IPRoute bound to `netns`, or the Netlink object itself when
    session=False (for work that is not a netlink request, such as creating a namespace)."""

    def __init__(self, action, do, undo=None, netns=None, session=True):
        self.action = action
        self.do = do
        self.undo = undo
        self.netns = netns
        self.session = session

    def run(self, nl, fn):
        if self.session:
            return nl.call(self.netns, fn)
        return fn(nl)


def apply(nl, ops):
    done = []
    for op in ops:
        try:
            op.run(nl, op.do)
        except (NetlinkError, OSError) as e:
            error = explain(e, op.action)
        except VnetlabError as e:
            error = e
        else:
            done.append(op)
            continue
        rollback_errors = _rollback(nl, done)
        if rollback_errors:
            error = VnetlabError('%s; rolling back also failed: %s' % (error, '; '.join(rollback_errors)))
        elif done:
            error = VnetlabError('%s (rolled back: %s)' % (error, ', '.join(o.action for o in done if o.undo)))
        raise error


def _rollback(nl, done):
    errors = []
    for op in reversed(done):
        if op.undo is None:
            continue
        try:
            op.run(nl, op.undo)
        except Exception as e:  # keep undoing the rest; report everything that stayed
            errors.append('undo of %s: %s' % (op.action, e))
    return errors


class Resource:
    """Base class. Subclasses set `module_name` and implement validate/read/plan."""

    module_name = 'resource'

    def __init__(self, params):
        self.p = params
        self.warnings = []

    def validate(self):
        """Pure checks of self.p; raise ParamError."""

    def read(self, nl):
        """The current state as a small dict of what the user asked about (the diff's 'before')."""
        raise NotImplementedError

    def plan(self, nl, before):
        """-> (list of Op, predicted view after applying them). Raise ParamError on conflicts."""
        raise NotImplementedError

    def returns(self, view):
        """Extra keys for the module's result."""
        return {}


def preflight(module):
    if not HAS_PYROUTE2:
        module.fail_json(msg=missing_required_lib('pyroute2 (Debian/Ubuntu: apt install python3-pyroute2)'),
                         exception=PYROUTE2_IMPORT_ERROR)
    if os.geteuid() != 0:
        module.fail_json(msg='%s changes kernel network state and must run as root: use become: true'
                         % module._name)


def converge(resource, check_mode):
    """validate/read/plan/apply one resource; returns the result dict or raises VnetlabError."""
    started = time.time()
    resource.validate()
    with Netlink() as nl:
        before = resource.read(nl)
        ops, after = resource.plan(nl, before)
        if ops and not check_mode:
            apply(nl, ops)
            after = resource.read(nl)
    result = dict(changed=bool(ops), actions=[op.action for op in ops],
                  diff=dict(before=before, after=after))
    result.update(resource.returns(after))
    if resource.warnings:
        result['warnings'] = resource.warnings
    result['elapsed_ms'] = round((time.time() - started) * 1000.0, 1)
    return result


def run_module(module, resource_cls):
    """The whole body of a resource module."""
    run(module, lambda: converge(resource_cls(module.params), module.check_mode))


def run(module, work):
    """preflight, work() -> result dict, warnings and errors reported the Ansible way; exits."""
    preflight(module)
    try:
        result = work()
        for warning in result.pop('warnings', []):
            module.warn(warning)
    except VnetlabError as e:
        module.fail_json(msg=str(e))
    except (NetlinkError, OSError) as e:
        module.fail_json(msg=str(explain(e, 'reading kernel state')))
    module.exit_json(**result)
