# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ICMP echo over raw sockets (root), IPv4 and IPv6: ping without a subprocess per namespace.

A raw socket belongs to the network namespace of the thread that creates it, so the caller runs
ping() in a thread that has entered the namespace (netlink.run_in_netns)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import os
import select
import socket
import struct
import time

ICMP_ECHO_REQUEST, ICMP_ECHO_REPLY = 8, 0
ICMP6_ECHO_REQUEST, ICMP6_ECHO_REPLY = 128, 129


def checksum(data):
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xffff)
    total += total >> 16
    return ~total & 0xffff


def echo_request(version, ident, seq, payload):
    kind = ICMP_ECHO_REQUEST if version == 4 else ICMP6_ECHO_REQUEST
    header = struct.pack('!BBHHH', kind, 0, 0, ident, seq)
    if version == 6:  # the kernel fills in the ICMPv6 checksum (it needs the pseudo-header)
        return header + payload
    return struct.pack('!BBHHH', kind, 0, checksum(header + payload), ident, seq) + payload


def parse_reply(version, packet):
    """-> (ident, seq) of an echo reply, or None."""
    if version == 4:
        packet = packet[(packet[0] & 0x0f) * 4:]  # raw IPv4 sockets deliver the IP header too
    if len(packet) < 8:
        return None
    kind, _code, _sum, ident, seq = struct.unpack('!BBHHH', packet[:8])
    if kind != (ICMP_ECHO_REPLY if version == 4 else ICMP6_ECHO_REPLY):
        return None
    return ident, seq


def ping(target, count=3, timeout=1.0, interval=0.1):
    """Send `count` echo requests to `target`, waiting up to `timeout` s for each reply."""
    addr = ipaddress.ip_address(target)
    family, proto = ((socket.AF_INET, socket.IPPROTO_ICMP) if addr.version == 4
                     else (socket.AF_INET6, socket.IPPROTO_ICMPV6))
    ident = (os.getpid() ^ id(object())) & 0xffff
    rtts = []
    error = None
    sock = socket.socket(family, socket.SOCK_RAW, proto)
    try:
        for seq in range(1, count + 1):
            if seq > 1:
                time.sleep(interval)
            sent = time.time()
            try:
                sock.sendto(echo_request(addr.version, ident, seq, b'vnetlab-ping' * 4), (str(addr), 0))
            except OSError as e:  # e.g. ENETUNREACH: no route in this namespace
                error = os.strerror(e.errno) if e.errno else str(e)
                continue
            deadline = sent + timeout
            while True:
                left = deadline - time.time()
                if left <= 0 or not select.select([sock], [], [], left)[0]:
                    break
                packet, source = sock.recvfrom(2048)
                if ipaddress.ip_address(source[0].split('%')[0]) == addr and \
                        parse_reply(addr.version, bytearray(packet)) == (ident, seq):
                    rtts.append((time.time() - sent) * 1000.0)
                    break
    finally:
        sock.close()
    result = {'target': str(addr), 'transmitted': count, 'received': len(rtts),
              'loss_percent': round(100.0 * (count - len(rtts)) / count, 1),
              'rtt_min_ms': None, 'rtt_avg_ms': None, 'rtt_max_ms': None}
    if rtts:
        result.update(rtt_min_ms=round(min(rtts), 3), rtt_avg_ms=round(sum(rtts) / len(rtts), 3),
                      rtt_max_ms=round(max(rtts), 3))
    if error:
        result['error'] = error
    return result
