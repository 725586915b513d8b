#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: qemu_guest
short_description: Run a QEMU guest as a managed background service on lab bridges
version_added: "0.1.0"
description:
  - Starts, stops or removes a QEMU guest. QEMU detaches itself (C(-daemonize)) with a pid file, a QMP
    socket (mode 0600) and its serial console on a unix socket logged to a file, all under
    C(/run/vnetlab/guests/<name>/). No display, no VNC, nothing listening on a network address. It does
    not need systemd.
  - Each NIC gets a persistent TAP device (tagged as ours with the interface alias C(vnetlab)), enslaved
    to its bridge and up; QEMU opens it with C(script=no,downscript=no). TAPs are removed with the guest.
  - The base O(image) is never written; the guest boots from a qcow2 overlay in
    C(/var/lib/vnetlab/guests/<name>/). Direct kernel boot (O(kernel), O(initrd), O(append)) and a
    cloud-init NoCloud seed (O(cloud_init)) are supported.
  - The requested configuration is recorded. A running guest with the same configuration is left alone
    (C(changed=false), same process). A different configuration is shown as a diff and applied only with
    O(restart_on_change=true). A guest whose process died is reported and started again.
options:
  name:
    description: Guest name (letters, digits, C(.), C(_), C(-)).
    type: str
    required: true
  state:
    description:
      - C(running) starts the guest if it is not running. C(stopped) stops it (ACPI power-down, then
        QMP C(quit) after O(stop_timeout)) and keeps its disks and TAPs. C(absent) also removes those.
    type: str
    choices: [running, stopped, absent]
    default: running
  arch:
    description: Guest architecture.
    type: str
    choices: [x86_64, aarch64]
    default: x86_64
  accel:
    description:
      - C(auto) uses KVM only when it works for this arch, proven by booting a kernel under KVM (the
        guest's O(kernel), else the host's) and seeing its banner within seconds; otherwise TCG.
        A C(/dev/kvm) that exists is not proof, since nested KVM may hang. The choice is recorded with the
        guest, so a re-run of a running guest does not probe again.
    type: str
    choices: [auto, kvm, tcg]
    default: auto
  machine:
    description: QEMU machine type. Default C(pc) for x86_64, C(virt) for aarch64.
    type: str
  cpu:
    description:
      - CPU model. Default C(host) under KVM and C(max) under TCG - for aarch64 under TCG
        C(max,pauth-impdef=on), which boots about 2.7 times faster than C(max) (pointer authentication
        with QEMU's cheap algorithm instead of the architected one; needs QEMU 6.0 or later).
      - A guest started with C(max) by an earlier release keeps it until it is restarted.
    type: str
  memory:
    description: Memory, as MiB (C(512)) or with a unit (C(512M), C(1G)).
    type: str
    default: 512M
  smp:
    description: Number of virtual CPUs.
    type: int
    default: 1
  image:
    description: Base disk image (qcow2 or raw). Never written; the guest uses an overlay.
    type: path
  minimal_image:
    description:
      - Boot vnetlab's minimal image (a distribution kernel and a busybox initramfs, see
        M(vnetlab.linux.minimal_image)) kept in this directory, for example
        C(/var/cache/vnetlab/images/minimal-x86_64). It sets O(kernel) and O(initrd), O(append) defaults
        to the image's console, and O(wait_for) to its ready line.
      - When the directory holds no complete image of this O(arch) made by this release's builder, it is
        built there (from the distribution's default kernel package, once) before the guest starts. An image
        made by M(vnetlab.linux.minimal_image) from another kernel package is booted as it is; one of another
        architecture is refused, never built over. The image is a cache that guests share; it stays when the
        guest goes (M(vnetlab.linux.minimal_image) removes it).
      - A persistent lab whose image was removed builds it again when the host boots (the packages are
        downloaded then).
      - Exclusive with O(image), O(kernel), O(initrd) and O(firmware).
    type: path
    version_added: "1.0.0"
  disk_size:
    description: Size of the overlay (for example C(10G)); default the base image's size.
    type: str
  firmware:
    description: Firmware passed as C(-bios). aarch64 disk images default to the distro's UEFI build.
    type: path
  kernel:
    description: Kernel for direct kernel boot.
    type: path
  initrd:
    description: Initramfs for direct kernel boot.
    type: path
  append:
    description: Kernel command line for direct kernel boot.
    type: str
  cloud_init:
    description:
      - Builds a NoCloud seed (ISO 9660 labelled C(cidata)) attached as a read-only virtio disk.
        C(meta_data) defaults to JSON with the guest name as C(instance-id) (JSON also suits CirrOS).
    type: dict
    suboptions:
      user_data:
        description: The C(user-data) file.
        type: str
      meta_data:
        description: The C(meta-data) file.
        type: str
      network_config:
        description: The C(network-config) file.
        type: str
      ssh_authorized_keys:
        description:
          - SSH public keys (lines of a C(.pub) file) the guest's default user accepts. They go into the
            meta-data as C(public-keys), which cloud-init gives to the image's default user (C(debian),
            C(ubuntu), ...) and CirrOS to C(cirros); the user-data is left as given.
          - With a C(meta_data) of your own, it must be a JSON object (the keys are added to it).
        type: list
        elements: str
  nics:
    description: Network interfaces, in order (eth0 first).
    type: list
    elements: dict
    default: []
    suboptions:
      bridge:
        description: Bridge (in the host namespace) the TAP is enslaved to. It must exist.
        type: str
        required: true
      tap:
        description: TAP name (at most 15 characters). Default derived from the guest name.
        type: str
      mac:
        description: MAC address. Default derived from the guest name and NIC index (stable across runs).
        type: str
      model:
        description: QEMU NIC model.
        type: str
        default: virtio-net-pci
      mtu:
        description:
          - MTU of the NIC's TAP and, for a C(virtio-net) model, of the guest's interface (QEMU's C(host_mtu),
            which the guest's virtio_net driver takes when it starts). Unset, the TAP keeps the kernel's 1500
            and the guest chooses its own.
          - In a topology over several hosts a NIC on a bridge that spans hosts gets the bridge's reduced MTU
            (the underlay MTU less the VXLAN overhead), unless a smaller one is given.
        type: int
        version_added: "1.0.0"
  ssh_user:
    description:
      - The user SSH logins to the guest use (with an image's default user, the one that receives
        O(cloud_init.ssh_authorized_keys)). Not used to run the guest - returned, and read by the roles'
        C(add_host) and the C(vnetlab.linux.topology) inventory plugin.
    type: str
  restart_on_change:
    description: Restart a running guest whose recorded configuration differs from the request.
    type: bool
    default: false
  wait_for:
    description:
      - After starting, wait for C(qmp) (QMP answers), C(none), or any other value as a regular
        expression to appear on the serial console log.
      - Default C(qmp); with O(minimal_image), the image's ready line C(vnetlab-guest-ready).
    type: str
  wait_timeout:
    description: Seconds to wait for O(wait_for); on timeout the task fails quoting the end of the serial log.
    type: int
    default: 300
  stop_timeout:
    description: Seconds to wait after the ACPI power-down before QMP C(quit).
    type: int
    default: 30
attributes:
  action:
    support: full
    description: An action plugin prints the run's progress while a guest boots (the step, what it waits
      for, for how long), on this machine or, through a background job polled over the host's connection,
      on a remote host.
  async:
    support: full
    description: C(async) runs the task as any async task (without progress lines).
extends_documentation_fragment:
  - vnetlab.linux.common
  - vnetlab.linux.resource
seealso:
  - module: vnetlab.linux.minimal_image
  - module: vnetlab.linux.guest_command
  - module: vnetlab.linux.dhcp
  - module: vnetlab.linux.bridge
author:
  - vnetlab contributors (@vnetlab)
'''

EXAMPLES = r'''
- name: A minimal guest at 10.16.0.5 on br0 (the image is built on first use, then reused)
  vnetlab.linux.qemu_guest:
    name: vm1
    accel: tcg
    memory: 256M
    minimal_image: /var/cache/vnetlab/images/minimal-x86_64
    append: console=ttyS0 vnetlab.ip=10.16.0.5/24 vnetlab.gw=10.16.0.1
    nics:
      - bridge: br0
        tap: tap0
    wait_timeout: 120

- name: A cloud image configured by cloud-init
  vnetlab.linux.qemu_guest:
    name: ubuntu1
    image: /var/cache/vnetlab/images/noble.img
    disk_size: 10G
    memory: 1G
    ssh_user: ubuntu
    cloud_init:
      ssh_authorized_keys: ["{{ lookup('ansible.builtin.file', '~/.ssh/id_ed25519.pub') }}"]
      user_data: |
        #cloud-config
        password: lab
    nics: [{bridge: br0}]

- name: Remove the guest, its TAPs, overlay and runtime files
  vnetlab.linux.qemu_guest:
    name: vm1
    state: absent
'''

RETURN = r'''
state:
  description: C(running), C(stopped) or C(absent) after the task.
  returned: always
  type: str
pid:
  description: Pid of the QEMU process (null when not running).
  returned: always
  type: int
ssh_user:
  description: The O(ssh_user) given (null when none).
  returned: always
  type: str
qmp:
  description: Path of the QMP socket.
  returned: when the guest exists
  type: str
serial_log:
  description: Path of the serial console log.
  returned: when the guest exists
  type: str
serial_socket:
  description: Path of the serial console socket (what vnetlab.linux.guest_command talks to).
  returned: when the guest exists
  type: str
taps:
  description: TAP device names, in NIC order.
  returned: when the guest exists
  type: list
  elements: str
macs:
  description: MAC addresses, in NIC order.
  returned: when the guest exists
  type: list
  elements: str
accel:
  description: The accelerator in use (kvm or tcg).
  returned: when the guest exists
  type: str
accel_reason:
  description: Why C(auto) chose it.
  returned: when accel is auto
  type: str
argv:
  description: The QEMU command line.
  returned: when the guest exists
  type: list
  elements: str
actions:
  description: The changes made (or, in check mode, that would be made), in order.
  returned: always
  type: list
  elements: str
elapsed_ms:
  description: Time the module spent, in milliseconds.
  returned: always
  type: float
'''

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import run_module
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.guest import KIND


def main():
    run_module(KIND)


if __name__ == '__main__':
    main()
