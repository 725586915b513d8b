#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: minimal_image
short_description: Build a minimal guest (distro kernel + busybox initramfs) from Debian/Ubuntu packages
version_added: "0.1.0"
description:
  - Downloads the architecture's kernel package and C(busybox-static) with apt into a private state
    directory (a cross-architecture download changes nothing in the host's dpkg/apt configuration),
    unpacks them without installing, and writes a kernel and a gzip'd initramfs.
  - The initramfs loads the virtio modules in dependency order (read from each module's own
    C(depends=)), configures C(eth0) from the kernel command line (C(vnetlab.ip=ADDR/PREFIX),
    C(vnetlab.gw=GATEWAY), C(vnetlab.hostname=NAME)), prints C(vnetlab-guest-ready) and runs a root
    shell on the console - no login, no disk.
  - Built once and cached in O(dest); a re-run builds nothing.
options:
  arch:
    description: Guest architecture (the image may differ from the host's).
    type: str
    choices: [x86_64, aarch64]
    default: x86_64
  dest:
    description: Cache directory for C(kernel), C(initrd.img) and C(manifest.json).
    type: path
    required: true
  kernel_package:
    description: Kernel package to unpack. Default C(linux-image-cloud-amd64) / C(linux-image-cloud-arm64).
    type: str
  force:
    description: Rebuild even when the cache is current.
    type: bool
    default: false
  state:
    description:
      - C(absent) removes the files a build wrote (those its C(manifest.json) lists), and O(dest) itself
        only when the build created it and nothing else is left in it.
      - A directory without our manifest is not ours and is left alone, with a warning.
    type: str
    choices: [present, absent]
    default: present
attributes:
  action:
    support: full
    description: An action plugin prints the run's progress while the image is built (the step and for
      how long), on this machine or, through a background job polled over the host's connection, on a
      remote host.
  async:
    support: full
    description: C(async) runs the task as any async task (without progress lines).
extends_documentation_fragment:
  - vnetlab.linux.common
  - vnetlab.linux.resource
seealso:
  - module: vnetlab.linux.qemu_guest
  - module: vnetlab.linux.guest_command
author:
  - vnetlab contributors (@vnetlab)
'''

EXAMPLES = r'''
- name: An aarch64 guest image, built on an x86_64 host
  vnetlab.linux.minimal_image:
    arch: aarch64
    dest: /var/cache/vnetlab/images/minimal-aarch64
  register: img
'''

RETURN = r'''
kernel:
  description: Path of the kernel.
  returned: when present
  type: str
initrd:
  description: Path of the initramfs.
  returned: when present
  type: str
console:
  description: The guest's serial console device (C(ttyS0) or C(ttyAMA0)), for the kernel command line.
  returned: when present
  type: str
ready_regex:
  description: What the guest prints on its console once its network is configured.
  returned: when present
  type: str
kernel_version:
  description: The kernel's version.
  returned: when present
  type: str
modules:
  description: Kernel modules in the initramfs, in load order.
  returned: when present
  type: list
  elements: str
'''

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import run_module
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.image import KIND


def main():
    run_module(KIND)


if __name__ == '__main__':
    main()
