# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Named network namespaces (`ip netns` compatible: a bind mount under /run/netns) and entering them.

The host namespace is spelt `HOST` (None) everywhere in code - a parameter left out, a key of a
snapshot - and 'host' only where people read it (`host/br0` in a diff). setns(2) affects only the
calling thread, so namespaces are entered from threads (kernel/netlink.Walker, run_in_netns) and never
from the main thread, which stays in the namespace the module started in.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import ctypes.util
import os
import threading

HOST = None  # the namespace the module runs in (normally the host's)
NETNS_RUN_DIR = '/var/run/netns'
CLONE_NEWNET = 0x40000000
_libc = None


def where(netns):
    """How messages name a namespace."""
    return 'the host namespace' if netns is HOST else "netns '%s'" % netns


def list_netns():
    try:
        return sorted(n for n in os.listdir(NETNS_RUN_DIR) if not n.startswith('.'))
    except OSError:
        return []


def netns_exists(name):
    return name is HOST or os.path.exists(os.path.join(NETNS_RUN_DIR, name))


def netns_path(netns):
    """The file that stands for netns (for setns or IFLA_NET_NS_FD); HOST is the main thread's."""
    if netns is HOST:
        return '/proc/%d/ns/net' % os.getpid()
    return os.path.join(NETNS_RUN_DIR, netns)


def with_netns_fd(netns, fn):
    fd = os.open(netns_path(netns), os.O_RDONLY)
    try:
        return fn(fd)
    finally:
        os.close(fd)


def _get_libc():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library('c'), use_errno=True)
    return _libc


def _libc_ok(ret):
    """A libc call's -1 -> OSError with its errno."""
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def setns_fd(fd):
    _libc_ok(_get_libc().setns(fd, CLONE_NEWNET))


def enter(netns):
    """Move the calling thread into netns."""
    with_netns_fd(netns, setns_fd)


def unshare():
    """Give the calling thread a new, empty network namespace (the caller then binds it to a name)."""
    _libc_ok(_get_libc().unshare(CLONE_NEWNET))


def run_in_netns(netns, fn):
    """fn() in a thread that has entered netns (HOST: run here). For what is not netlink: /proc/sys/net,
    raw sockets."""
    if netns is HOST:
        return fn()

    def work():
        enter(netns)
        return fn()
    return run_in_thread(work)


def run_in_thread(fn):
    box = {}

    def target():
        try:
            box['value'] = fn()
        except BaseException as e:  # re-raised in the caller's thread
            box['error'] = e
    t = threading.Thread(target=target)
    t.daemon = True
    t.start()
    t.join()
    if 'error' in box:
        raise box['error']
    return box.get('value')
