# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r'''
requirements:
  - "Linux, run as root (use C(become: true))."
  - pyroute2 0.7 or later on the managed host (Debian/Ubuntu package C(python3-pyroute2); the
    C(vnetlab.linux.prerequisites) role installs it).
attributes:
  check_mode:
    support: full
    description: Reads the kernel state and reports what would change without changing it.
  diff_mode:
    support: full
    description: Shows the resource before and after the task.
  platform:
    platforms: linux
    support: full
    description: Linux network namespaces, links and addresses through netlink.
notes:
  - Links the collection creates carry the interface alias C(vnetlab), so teardown and
    facts can tell them from the host's own.
'''
