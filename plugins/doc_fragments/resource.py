# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attributes of a module that makes one kind of object match its options (netns, veth, bridge, ...):
check mode plans without applying, the diff is the object before and after."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r'''
attributes:
  check_mode:
    support: full
    description: Reads the current state and reports what would change without changing it.
  diff_mode:
    support: full
    description: Returns the object as it was before and as it is (or, in check mode, would be) after the task.
  platform:
    platforms: linux
    support: full
    description: Linux hosts (network namespaces, netlink, C(/proc) and C(/run)).
'''
