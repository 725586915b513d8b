# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""SIGINT, SIGTERM and SIGHUP roll a run back like a failure.

Ansible's Ctrl-C reaches a local module as SIGINT, a dropped SSH session as SIGHUP, a supervisor's stop as
SIGTERM. Python's default would end the run wherever it is, leaving half a lab unmarked. Instead the
signal is only noted; the engine looks at it between steps (and long waits look at it while they wait)
and fails the run there, which rolls back what it had done."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import signal

from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError

_SIGNALS = ('SIGINT', 'SIGTERM', 'SIGHUP')
_caught = []


class Interrupted(VnetlabError):
    """The run was asked to stop by a signal."""


def _note(signum, _frame):
    _caught.append(signum)


def catch():
    """From now on a stop signal is noted, not fatal (call once, in the main thread)."""
    for name in _SIGNALS:
        signal.signal(getattr(signal, name), _note)


def check(before=None):
    """Raise Interrupted if a stop signal arrived; `before` names the step that will not run."""
    if _caught:
        name = signal.Signals(_caught[0]).name
        raise Interrupted('interrupted by %s%s' % (name, ' before %s' % before if before else ''))
