# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which boot a record belongs to: the one place that decides whether a record of kernel state is stale.

A reboot takes every kernel object of a lab with it (links, namespaces, nftables rules, sysctl values,
QEMU processes). Records that describe that state - the value a sysctl had before our first change, an
intent naming objects a killed run was creating, a guest's running configuration - live in /run, which
systemd and the FHS clear at boot. Where /run survives a reboot (no tmpfs on it: some containers, some
hand-made systems) such a record would describe a kernel that is gone: the "original" of a sysctl would
be a value from the previous boot, an intent could make a run count a same-named object made by someone
else as its own. So each such record carries the boot it was written in (the kernel's random boot id),
and a record of another boot is dropped when it is read, as if /run had been cleared.

Records in /var/lib/vnetlab (guest disks, what they were made from, who started them, a persistent
lab's definition) describe files, not the kernel: they are kept across boots on purpose.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

BOOT_ID = '/proc/sys/kernel/random/boot_id'
# Test-only: a boot id to use instead of the kernel's, so that a test can make a run believe the host was
# rebooted (tests/integration/test_reboot.py). Nothing else reads it.
TEST_BOOT_ID_ENV = 'VNETLAB_TEST_BOOT_ID'


def current():
    """This boot's id (text), or '' when the kernel does not say (no /proc)."""
    fake = os.environ.get(TEST_BOOT_ID_ENV)
    if fake:
        return fake
    try:
        with open(BOOT_ID) as f:
            return f.read().strip()
    except OSError:
        return ''


def is_current(recorded):
    """Was a record stamped `recorded` (its boot id) written in this boot? A record without a stamp
    (written before records carried one) is taken as current: it cannot be told apart, and /run is
    cleared at boot nearly everywhere."""
    now = current()
    return not recorded or not now or recorded.strip() == now
