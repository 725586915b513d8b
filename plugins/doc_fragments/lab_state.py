# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of the modules that read the live state of the labs (lab_facts, lab_info):
plugins/module_utils/lab/reader.py OPTIONS."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r'''
options:
  namespaces:
    description: Only these namespaces (and the host). All when omitted.
    type: list
    elements: str
  owned_only:
    description: Only what vnetlab made (links tagged C(vnetlab)), the namespaces holding them, guests and NAT.
    type: bool
    default: false
'''
