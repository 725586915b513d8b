# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sockets that listen on a port, and the processes that hold them, from /proc.

/proc/<pid>/net/{tcp,tcp6,udp,udp6} list the sockets of the network namespace of process <pid>: read
through /proc/self/net they are those of the namespace the module's main thread is in - the host's, where
a port forward's DNAT goes (a Walker thread that entered another namespace does not change it). A socket's
inode there is the one `/proc/<pid>/fd/<n>` links to as `socket:[<inode>]`; inode 0 is a socket of the
kernel itself (a VXLAN or WireGuard port), held by no process.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import os
import struct

TCP_LISTEN = 0x0A
UDP_UNCONNECTED = 0x07  # TCP_CLOSE: a bound UDP socket that is not connected receives from anyone


def _address(text):
    """An address of /proc/net/*: 32-bit words, each printed as the host-order number of its bytes."""
    raw = b''.join(struct.pack('=I', int(text[i:i + 8], 16)) for i in range(0, len(text), 8))
    return ipaddress.ip_address(raw)


def parse_line(line, protocol):
    """One line of /proc/net/{tcp,tcp6,udp,udp6} (protocol 'tcp' or 'udp') -> {'address': ip_address,
    'port': int, 'inode': int} of a socket that listens (TCP in LISTEN; UDP bound and not connected), or None
    for anything else: the header, a connection, a line that does not parse. Pure."""
    words = line.split()
    if len(words) < 10 or not words[0].endswith(':'):
        return None
    try:
        local, local_port = words[1].split(':')
        _remote, remote_port = words[2].split(':')
        state, inode = int(words[3], 16), int(words[9])
        address, port = _address(local), int(local_port, 16)
        remote_port = int(remote_port, 16)
    except (ValueError, struct.error):
        return None
    listening = state == TCP_LISTEN if protocol == 'tcp' else (state == UDP_UNCONNECTED and remote_port == 0)
    if not listening or port == 0:
        return None
    return {'address': address, 'port': port, 'inode': inode}


def _fd_links(fd_dir):
    """What the open files of one process link to (a process gone meanwhile has none)."""
    try:
        fds = os.listdir(fd_dir)
    except OSError:
        return set()
    links = set()
    for fd in fds:
        try:
            links.add(os.readlink(os.path.join(fd_dir, fd)))
        except OSError:  # closed between listing and reading it
            continue
    return links


def listeners(protocol, port, proc='/proc'):
    """[{'address': ip_address, 'port', 'inode', 'processes': [(pid, comm, cmdline bytes)]}] of the sockets
    of `protocol` (IPv4 and IPv6) that listen on `port` in the module's network namespace, with the
    processes that hold them (none: a socket of the kernel, or one whose holder went away meanwhile)."""
    found = []
    for leaf in (protocol, protocol + '6'):
        try:
            with open(os.path.join(proc, 'self', 'net', leaf)) as f:
                lines = f.read().splitlines()
        except OSError:  # no IPv6 in this kernel
            continue
        found += [s for s in (parse_line(line, protocol) for line in lines[1:]) if s and s['port'] == port]
    holders = dict(('socket:[%d]' % s['inode'], []) for s in found if s['inode'])
    if holders:
        for pid in sorted((int(p) for p in os.listdir(proc) if p.isdigit())):
            fd_dir = os.path.join(proc, str(pid), 'fd')
            hits = [link for link in _fd_links(fd_dir) if link in holders]
            if not hits:
                continue
            try:
                with open(os.path.join(proc, str(pid), 'comm')) as f:
                    comm = f.read().strip()
                with open(os.path.join(proc, str(pid), 'cmdline'), 'rb') as f:
                    cmdline = f.read()
            except OSError:  # gone meanwhile
                continue
            for link in hits:
                holders[link].append((pid, comm, cmdline))
    return [dict(s, processes=holders.get('socket:[%d]' % s['inode'], [])) for s in found]
