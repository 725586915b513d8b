# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every vnetlab module needs on the managed host. The attributes are per kind of module:
vnetlab.linux.resource, .info, .facts or .action (one of them, next to this one)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # no options of its own (Ansible wants the key in every fragment)
    DOCUMENTATION = r'''
options: {}
requirements:
  - "Linux, run as root (use C(become: true))."
  - pyroute2 0.7 or later on the managed host (Debian/Ubuntu package C(python3-pyroute2); the
    C(vnetlab.linux.prerequisites) role installs it).
notes:
  - Links the collection creates carry the interface alias C(vnetlab), so teardown and
    facts can tell them from the host's own.
'''
