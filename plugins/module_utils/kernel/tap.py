# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Persistent TAP devices (what `ip tuntap add mode tap` does), created with the TUNSETIFF /
TUNSETPERSIST ioctls on /dev/net/tun: the same on every pyroute2 version. QEMU later opens the device
by name (`-netdev tap,ifname=...,script=no,downscript=no`); master/up/alias are set over netlink."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fcntl
import os
import struct

TUNSETIFF = 0x400454ca
TUNSETPERSIST = 0x400454cb
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000


def create_tap(name):
    fd = os.open('/dev/net/tun', os.O_RDWR)
    try:
        fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH22x', name.encode(), IFF_TAP | IFF_NO_PI))
        fcntl.ioctl(fd, TUNSETPERSIST, 1)
    finally:
        os.close(fd)
