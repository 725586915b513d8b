# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attributes of a module that performs an action every time it runs (a command, not a desired state),
so it cannot predict its effect: in check mode it validates its target and runs nothing."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r'''
attributes:
  check_mode:
    support: partial
    details: Validates its options and reports C(changed) without running anything.
    description: Runs nothing in check mode.
  diff_mode:
    support: none
    description: Returns no diff (what a command changes is not known to the module).
  platform:
    platforms: linux
    support: full
    description: Linux hosts (network namespaces, netlink, C(/proc) and C(/run)).
'''
