# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attributes of a read-only module that returns its data as Ansible facts (under ansible_facts only)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r'''
attributes:
  check_mode:
    support: full
    description: Never changes anything, so it runs the same way in check mode.
  diff_mode:
    support: N/A
    details: Never changes anything, so there is nothing to show a difference of.
    description: Returns no diff.
  facts:
    support: full
    description: Returns an C(ansible_facts) dictionary that updates the host's facts.
  platform:
    platforms: linux
    support: full
    description: Linux hosts (network namespaces, netlink, C(/proc) and C(/run)).
'''
