# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Packet capture on one link, without a capture program: an AF_PACKET socket bound to the link, the classic
pcap format written here.

The socket is opened in a thread that entered the link's namespace (a socket keeps the namespace it was made
in), then read in the module's own process: a run that is killed takes its capture with it, and a stop signal
(interrupt.py) ends the capture at once. A filter (tcpdump syntax) is compiled by `tcpdump -ddd` - the one
program involved, only when a filter is given - and attached to the socket before it is bound, so that no
packet the filter refuses is ever queued.

The pure part - `link` parsing, the pcap headers, tcpdump's output to a `struct sock_fprog` - is unit-tested
(tests/unit/test_capture_pcap.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import os
import select
import shutil
import socket
import struct
import time
import uuid

from ansible_collections.vnetlab.linux.plugins.module_utils import interrupt
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import MissingError, ParamError, VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.command import run as run_command
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import (
    HOST, netns_exists, run_in_netns, where)
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import check_ifname, check_netns

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_STATISTICS = 6
PACKET_OUTGOING = 4
# Not in Python's socket module. The values of asm-generic, which x86, Arm, RISC-V, PowerPC, s390 and MIPS use;
# alpha, PA-RISC and SPARC number them differently (OTHER_NUMBERING: refused rather than set wrong options).
SO_TIMESTAMP = 29  # SO_TIMESTAMP_OLD: a struct timeval of longs
SO_ATTACH_FILTER = 26
SO_RCVBUFFORCE = 33
OTHER_NUMBERING = ('alpha', 'parisc', 'sparc')
MAX_SNAPLEN = 262144  # tcpdump's and libpcap's largest
RCVBUF = 4 << 20  # a burst of a busy link waits here while Python writes the file
BATCH = 256  # packets read at most between two looks at the clock

PCAP_MAGIC = 0xa1b2c3d4  # microsecond timestamps
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101  # an IPv4 or IPv6 packet, no link header
# the link's hardware type (ARPHRD_*) -> (pcap link type, tcpdump's name of it for -y)
ARPHRD_LOOPBACK = 772
LINKTYPES = {1: (LINKTYPE_ETHERNET, 'EN10MB'), ARPHRD_LOOPBACK: (LINKTYPE_ETHERNET, 'EN10MB'),
             65534: (LINKTYPE_RAW, 'RAW'),  # ARPHRD_NONE: TUN, WireGuard
             768: (LINKTYPE_RAW, 'RAW'), 769: (LINKTYPE_RAW, 'RAW'), 776: (LINKTYPE_RAW, 'RAW')}  # ipip, ip6tnl, sit

TCPDUMP_FIX = 'install tcpdump on the managed host (Debian/Ubuntu: apt install tcpdump) or leave filter out'


# ------------------------------------------------------------------------------------------------
# pure: options, pcap, filters
# ------------------------------------------------------------------------------------------------

def parse_link(text, param='link'):
    """'netns/interface' -> (netns, interface); 'interface' and 'host/interface' -> (HOST, interface): the
    names as a topology and inspect write them."""
    if not text:
        raise ParamError(param, "give the link as 'netns/interface' (or 'interface' in the host namespace)")
    if text.count('/') > 1:
        raise ParamError(param, "'%s' is not 'netns/interface': names hold no '/'" % text)
    netns, _slash, ifname = text.rpartition('/')
    if not netns and '/' in text:
        raise ParamError(param, "'%s' names no namespace before '/'" % text)
    netns = HOST if netns in ('', 'host') else check_netns(param, netns)
    return netns, check_ifname(param, ifname)


def link_text(netns, ifname):
    return '%s/%s' % ('host' if netns is HOST else netns, ifname)


def check_limits(seconds, count, timeout, snaplen):
    """The stop conditions and snaplen; raises ParamError naming the option to change."""
    if seconds is None and count is None:
        raise ParamError('seconds', 'give seconds or count (or both): when the capture stops')
    if seconds is not None and seconds <= 0:
        raise ParamError('seconds', 'must be greater than 0')
    if count is not None and count < 1:
        raise ParamError('count', 'must be at least 1')
    if timeout <= 0:
        raise ParamError('timeout', 'must be greater than 0')
    if seconds is not None and seconds > timeout:
        raise ParamError('seconds', '%g s is longer than timeout (%g s), the longest a capture runs; raise '
                                    'timeout too' % (seconds, timeout))
    if not 1 <= snaplen <= MAX_SNAPLEN:
        raise ParamError('snaplen', 'must be between 1 and %d bytes' % MAX_SNAPLEN)


def pcap_header(snaplen, linktype):
    """The file's global header: classic pcap 2.4, little-endian (readers take either byte order)."""
    return struct.pack('<IHHiIII', PCAP_MAGIC, 2, 4, 0, 0, snaplen, linktype)


def pcap_record(stamp, data, length):
    """One packet: stamp (seconds, microseconds), the captured bytes, its length on the link."""
    return struct.pack('<IIII', stamp[0], stamp[1], len(data), length) + bytes(data)


def parse_ddd(text):
    """tcpdump -ddd's output (the count, then one 'code jt jf k' line per instruction) -> [(code, jt, jf, k)]."""
    lines = [line.split() for line in text.strip().splitlines() if line.strip()]
    try:
        count = int(lines[0][0])
        program = [tuple(int(w) for w in line) for line in lines[1:]]
    except (IndexError, ValueError):
        raise VnetlabError('filter: tcpdump printed no BPF program: %r' % text[:200])
    if count != len(program) or not program or any(len(i) != 4 for i in program):
        raise VnetlabError('filter: tcpdump printed no BPF program: %r' % text[:200])
    return program


def pack_program(program):
    """[(code, jt, jf, k)] -> the array of struct sock_filter the kernel reads (host byte order)."""
    return b''.join(struct.pack('=HBBI', code, jt, jf, k & 0xffffffff) for code, jt, jf, k in program)


def sock_fprog(address, length):
    """struct sock_fprog {unsigned short len; struct sock_filter *filter;} with the C layout (padding)."""
    return struct.pack('@HP', length, address)


# ------------------------------------------------------------------------------------------------
# the kernel and the file
# ------------------------------------------------------------------------------------------------

def compile_filter(expression, tcpdump_name, timeout=30.0):
    """A tcpdump expression -> [(code, jt, jf, k)], compiled for this link type (raises ParamError)."""
    tcpdump = shutil.which('tcpdump') or next((p for p in ('/usr/sbin/tcpdump', '/usr/bin/tcpdump')
                                               if os.path.exists(p)), None)
    if tcpdump is None:  # sbin is not on every PATH a module gets
        raise ParamError('filter', 'compiling a filter needs tcpdump, which is not installed; ' + TCPDUMP_FIX)
    # -s: the filter keeps whole packets; snaplen is applied when the file is written (lengths stay true)
    proc = run_command([tcpdump, '-ddd', '-y', tcpdump_name, '-s', str(MAX_SNAPLEN), '--', expression],
                       'compiling the filter', ok_codes=(0, 1), timeout=timeout)
    if proc.returncode != 0:
        said = [line for line in proc.stderr.splitlines() if line.strip()] or ['exit status 1']
        raise ParamError('filter', "tcpdump cannot compile '%s': %s" % (expression, said[-1].replace('tcpdump: ', '')))
    return parse_ddd(proc.stdout)


def open_socket(netns, ifname, program_for, listen=True):
    """An AF_PACKET socket on ifname in netns, opened from a thread in it -> (socket, hardware type).
    program_for(hatype) -> the filter program or None; it is attached before the socket is bound to receive
    (listen False: never bound to receive anything)."""
    if os.uname()[4].startswith(OTHER_NUMBERING):
        raise VnetlabError('capture does not support %s hosts (their socket options are numbered differently)'
                           % os.uname()[4])
    if not netns_exists(netns):
        raise MissingError('link', "network namespace '%s' does not exist" % netns)

    def make():
        try:
            index = socket.if_nametoindex(ifname)
        except OSError:
            raise MissingError('link', "interface '%s' does not exist in %s" % (ifname, where(netns)))
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)  # protocol 0: receives nothing yet
        try:
            hatype = _hardware_type(sock, ifname, index)
            program = program_for(hatype)
            if program:
                attach_filter(sock, program)
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMP, 1)
            try:
                sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RCVBUF)  # root may exceed rmem_max
            except OSError:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
            if listen:
                sock.bind((ifname, ETH_P_ALL))
            return sock, hatype
        except BaseException:
            sock.close()
            raise
    return run_in_netns(netns, make)


def probe(netns, ifname, expression=None):
    """What a capture checks before it starts, without capturing: the link exists and the filter compiles
    for its type (check mode)."""
    sock, _hatype = open_socket(netns, ifname, lambda hatype: expression and compile_filter(
        expression, LINKTYPES[hatype][1]), listen=False)
    sock.close()


def _hardware_type(sock, ifname, index):
    """The link's ARPHRD_* type, from an unbound packet socket's address after binding to protocol 0."""
    sock.bind((ifname, 0))
    hatype = sock.getsockname()[3]
    if hatype not in LINKTYPES:
        raise ParamError('link', "'%s' (ifindex %d) has hardware type %d; capture takes Ethernet links (veth, "
                                 "bridge, TAP, VXLAN, loopback) and IP-only ones (TUN, ipip, sit)"
                         % (ifname, index, hatype))
    return hatype


def attach_filter(sock, program):
    code = pack_program(program)
    buf = ctypes.create_string_buffer(code, len(code))  # the kernel copies it during the call
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, sock_fprog(ctypes.addressof(buf), len(program)))


def drops(sock):
    """Packets the kernel dropped because the socket's queue was full (struct tpacket_stats)."""
    try:
        return struct.unpack('=II', sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8))[1]
    except OSError:
        return 0


def receive(sock, writer, hatype, snaplen, count, until):
    """Write packets into writer until count of them or the clock reaches until -> (packets, bytes, why).
    A stop signal raises interrupt.Interrupted."""
    buf = bytearray(snaplen)
    view = memoryview(buf)
    ancillary = socket.CMSG_SPACE(struct.calcsize('@ll'))
    packets = octets = 0
    sock.setblocking(False)
    while count is None or packets < count:
        interrupt.check()
        left = until - time.time()
        if left <= 0:
            return packets, octets, 'time'
        if not select.select([sock], [], [], min(left, 0.2))[0]:  # a signal is seen within 0.2 s
            continue
        for _batch in range(BATCH):  # then the clock and signals again, however busy the link
            if count is not None and packets >= count:
                break
            try:
                length, anc, _flags, address = sock.recvmsg_into([view], ancillary, socket.MSG_TRUNC)
            except (BlockingIOError, InterruptedError):
                break
            if hatype == ARPHRD_LOOPBACK and address[2] == PACKET_OUTGOING:
                continue  # loopback hands every packet over twice, as sent and as received: keep one
            writer.write(pcap_record(_stamp(anc), view[:min(length, snaplen)], length))
            packets += 1
            octets += length
    return packets, octets, 'count'


def _stamp(ancillary):
    """The kernel's time of reception (seconds, microseconds) - kept as integers, which a float would round."""
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMP and len(data) >= struct.calcsize('@ll'):
            return struct.unpack('@ll', data[:struct.calcsize('@ll')])
    now = time.time()
    return int(now), int((now - int(now)) * 1e6)


class PcapFile:
    """A pcap file written unseen and put at `path` whole when it is complete: an unnamed file in the target
    directory (O_TMPFILE), linked there at the end - a run killed before that leaves no file. Where the file
    system has no O_TMPFILE, a hidden named file is used and removed on failure. Mode 0600 either way."""

    def __init__(self, directory):
        self.directory, self.temp = directory, None
        try:
            fd = os.open(directory, os.O_TMPFILE | os.O_WRONLY, 0o600)
        except (AttributeError, OSError):  # EOPNOTSUPP, EISDIR (a kernel without it)
            self.temp = os.path.join(directory, '.vnetlab-capture-%s.tmp' % uuid.uuid4().hex[:12])
            fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.fchmod(fd, 0o600)  # whatever the umask
        self.file = os.fdopen(fd, 'wb')

    def write(self, data):
        self.file.write(data)

    def publish(self, path=None):
        """Put the file at path (replacing what is there), or at a fresh vnetlab-capture-*.pcap in the
        directory when path is None -> the path."""
        self.file.flush()
        os.fsync(self.file.fileno())
        while path is None:
            fresh = os.path.join(self.directory, 'vnetlab-capture-%s.pcap' % uuid.uuid4().hex[:12])
            if self._link(fresh):
                return fresh
        if not self._link(path):  # exists: link beside it, then rename over it (atomic)
            side = os.path.join(self.directory, '.%s.vnetlab-%s' % (os.path.basename(path), uuid.uuid4().hex[:8]))
            self._link(side)
            os.rename(side, path)
        return path

    def _link(self, target):
        try:
            if self.temp is not None:
                os.link(self.temp, target)
                return True
            # linkat(AT_SYMLINK_FOLLOW) of the open file: a dir fd makes Python call linkat, and follow the
            # /proc link (link(2) would link the symlink itself: EXDEV)
            directory = os.open(os.path.dirname(target), os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.link('/proc/self/fd/%d' % self.file.fileno(), os.path.basename(target), dst_dir_fd=directory,
                        follow_symlinks=True)
            finally:
                os.close(directory)
            return True
        except FileExistsError:
            return False

    def close(self):
        self.file.close()
        if self.temp is not None:
            try:
                os.unlink(self.temp)
            except OSError:
                pass


def capture(netns, ifname, path, seconds=None, count=None, timeout=60.0, expression=None, snaplen=MAX_SNAPLEN,
            directory='/tmp'):
    """Capture on ifname in netns into a pcap file at path (None: a fresh file in directory) -> a result dict:
    path, packets, bytes, seconds, stopped_by ('count', 'seconds' or 'timeout'), dropped."""
    def program_for(hatype):
        return None if expression is None else compile_filter(expression, LINKTYPES[hatype][1])
    try:
        return _capture(netns, ifname, path, seconds, count, timeout, snaplen, directory, program_for)
    except OSError as e:  # the socket's or the file's: say which link and file
        raise VnetlabError('capturing on %s into %s failed: %s' % (link_text(netns, ifname), path or directory,
                                                                   e.strerror or e))


def _capture(netns, ifname, path, seconds, count, timeout, snaplen, directory, program_for):
    sock, hatype = open_socket(netns, ifname, program_for)
    try:
        out = PcapFile(os.path.dirname(path) if path else directory)
        try:
            started = time.time()
            out.write(pcap_header(snaplen, LINKTYPES[hatype][0]))
            limit = min(seconds, timeout) if seconds is not None else timeout
            packets, octets, why = receive(sock, out, hatype, snaplen, count, started + limit)
            duration = time.time() - started
            dropped = drops(sock)
            sock.close()
            written = out.publish(path)
        finally:
            out.close()
    finally:
        sock.close()
    if why == 'time':  # check_limits holds seconds within timeout
        why = 'timeout' if seconds is None else 'seconds'
    return {'path': written, 'packets': packets, 'bytes': octets, 'seconds': round(duration, 3),
            'stopped_by': why, 'dropped': dropped}
