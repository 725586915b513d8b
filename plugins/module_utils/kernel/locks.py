# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Locks between concurrent vnetlab runs on one host: one per lab (or per object a module manages) and
one for shared host state (firewall rules, kernel settings).

A lock is an abstract unix socket bound to a name (`@vnetlab-lock/<name>`): binding is exclusive, the
kernel releases it when the process ends however it ends (SIGKILL included), and it leaves no file
behind. The wait is bounded; a run that times out says what it waited for. A lock already held by this
process is re-entered (a module's object lock, then the host lock inside one of its ops)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import errno
import hashlib
import socket
import time

from ansible_collections.vnetlab.linux.plugins.module_utils import interrupt
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError

WAIT = 600.0  # seconds: a lab run holding a lock may be booting guests
PREFIX = '\0vnetlab-lock/'
MAX_ADDRESS = 107  # sun_path is 108 bytes; the kernel refuses a longer abstract name (AF_UNIX path too long)
_held = {}


def address(name):
    """The abstract socket name of a lock. A name too long for sun_path (an image path under a deep
    directory) keeps a readable head and ends in a digest of the whole name, so it stays unique."""
    full = PREFIX + name
    if len(full.encode('utf-8')) <= MAX_ADDRESS:
        return full
    digest = hashlib.sha256(name.encode('utf-8')).hexdigest()[:32]
    head = full.encode('utf-8')[:MAX_ADDRESS - len(digest) - 1].decode('utf-8', 'ignore')
    return head + '#' + digest


def host():
    """The lock around changes of state every lab shares: firewall rules, kernel settings."""
    return hold('host', 'the host firewall and settings')


@contextlib.contextmanager
def hold(name, what=None, wait=WAIT):
    if name in _held:
        _held[name][1] += 1
        try:
            yield
        finally:
            _held[name][1] -= 1
        return
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    deadline = time.monotonic() + wait
    started = time.monotonic()
    try:
        while True:
            try:
                sock.bind(address(name))
                break
            except OSError as e:
                if e.errno != errno.EADDRINUSE:
                    raise
                if time.monotonic() > deadline:
                    raise VnetlabError('another vnetlab run is working on %s and did not finish within %d s; '
                                       'run again when it has' % (what or name, time.monotonic() - started))
                interrupt.check()
                time.sleep(0.05)
        _held[name] = [sock, 1]
        try:
            yield
        finally:
            del _held[name]
    finally:
        sock.close()
