# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Finding the processes we started (QEMU guests, dnsmasq servers) by their exact command line - never
by a substring, so that a stranger whose arguments merely mention our files is never taken for ours."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os


def find_pids(is_ours):
    """Pids of every live process whose /proc/<pid>/cmdline (bytes, NUL-separated) `is_ours` accepts."""
    pids = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % entry, 'rb') as f:
                if is_ours(f.read()):
                    pids.append(int(entry))
        except OSError:
            continue
    return sorted(pids)


def read_pid(pidfile, is_ours):
    """The pid in `pidfile` if that process lives and is ours; else the first of ours found in /proc
    (a pid file lost or overwritten must not orphan the process); else None."""
    try:
        with open(pidfile) as f:
            pid = int(f.read().strip())
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            if is_ours(f.read()):
                return pid
    except (OSError, ValueError):
        pass
    pids = find_pids(is_ours)
    return pids[0] if pids else None
