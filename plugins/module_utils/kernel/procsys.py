# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kernel parameters under /proc/sys. net.* parameters are per network namespace: /proc/sys/net shows
the namespace of the thread that opens it, so they are read and written from a thread that has
entered the namespace (kernel.namespaces.run_in_netns)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import HOST, run_in_netns


def sysctl_path(name):
    return '/proc/sys/' + name.replace('.', '/')


def read_sysctl(name, netns=HOST):
    """The value as the kernel prints it (whitespace squeezed), or None when it does not exist."""
    def read():
        try:
            with open(sysctl_path(name)) as f:
                return ' '.join(f.read().split())
        except OSError:
            return None
    return run_in_netns(netns, read)


def write_sysctl(name, value, netns=HOST):
    def write():
        try:
            with open(sysctl_path(name), 'w') as f:
                f.write(str(value))
        except OSError as e:
            raise VnetlabError("writing %s=%s failed: %s" % (name, value, os.strerror(e.errno)))
    run_in_netns(netns, write)
