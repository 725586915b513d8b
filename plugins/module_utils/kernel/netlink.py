# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The only file that imports pyroute2: the namespace Walker (every read and write of every object
goes through it), fast dumps, and netlink messages turned into plain dicts.

Works with both API generations: 0.7.x (Debian 12 / Ubuntu 24.04 system Python) and 0.9.x (PyPI).
Namespaces are entered from one thread (setns(2) affects only the calling thread), so there is no
fork per socket and each socket lives in the thread that uses it, which 0.9.x requires (its sockets
are thread-local). docs/design.md has the measurements behind this shape.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import queue
import socket
import struct
import threading
import time
import traceback

from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import namespaces
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import HOST

PYROUTE2_IMPORT_ERROR = None
try:
    from pyroute2 import IPRoute
    from pyroute2 import netns as _pr_netns
    from pyroute2.netlink.exceptions import NetlinkError
    from pyroute2.netlink.rtnl.marshal import MarshalRtnl
except ImportError:
    PYROUTE2_IMPORT_ERROR = traceback.format_exc()
    IPRoute = None
    _pr_netns = None

    class NetlinkError(Exception):
        code = 0

HAS_PYROUTE2 = PYROUTE2_IMPORT_ERROR is None

IFF_UP = 0x1
IFF_LOWER_UP = 0x10000  # the link has carrier
RT_TABLE_MAIN = 254
RTPROT_BOOT, RTPROT_STATIC = 3, 4  # routes someone added (not the kernel's, not from RA/DHCP)
RTPROT_VNETLAB = 118  # the protocol of every route vnetlab adds: a route's owner mark (`ip route` shows "proto 118")
IFA_F_NODAD = 0x02  # an IPv6 address added without duplicate address detection: usable at once, never `tentative`

_ERRNO_TEXT = {
    errno.EEXIST: 'it already exists',
    errno.ENODEV: 'no such device',
    errno.ENOENT: 'no such object',
    errno.EPERM: 'operation not permitted (run as root: use become: true)',
    errno.EACCES: 'permission denied (run as root: use become: true)',
    errno.ENETUNREACH: 'network unreachable: the gateway is not on a connected subnet',
    errno.EBUSY: 'the device is busy',
    errno.EINVAL: 'the kernel rejected a value as invalid',
    errno.EADDRNOTAVAIL: 'address not available on this interface',
    errno.EOPNOTSUPP: 'not supported by this kernel',
    errno.ERANGE: 'a value is out of range',
}


def explain(exc, action):
    """A NetlinkError/OSError raised while doing `action` -> VnetlabError with a plain sentence."""
    code = getattr(exc, 'code', None) or getattr(exc, 'errno', None) or 0
    text = (_ERRNO_TEXT.get(code) or os.strerror(code)) if code else str(exc)
    return VnetlabError('%s failed: %s (errno %s)' % (action, text, code))


def create_netns(name):
    """Create a named namespace from the calling thread (which then is in it): unshare the thread's
    network namespace and bind-mount /proc/thread-self/ns/net (pyroute2's create() would fork)."""
    namespaces.unshare()
    _pr_netns.attach(name, 'thread-self')


def remove_netns(name):
    try:
        _pr_netns.remove(name)
    except OSError as e:
        raise explain(e, "removing network namespace '%s'" % name)


# --------------------------------------------------------------------------------------------
# the Walker: one thread that visits namespaces in turn
# --------------------------------------------------------------------------------------------

class _Worker(threading.Thread):
    """A thread that serves requests in order: each request is serve(request)."""

    def __init__(self, serve):
        super().__init__()
        self.daemon = True
        self.serve = serve
        self.requests = queue.Queue()
        self.replies = queue.Queue()

    def run(self):
        while True:
            request = self.requests.get()
            if request is None:
                break
            try:
                self.replies.put((True, self.serve(request)))
            except BaseException as e:
                self.replies.put((False, e))

    def call(self, fn):
        self.requests.put(fn)
        return _unwrap(self.replies.get())


def _unwrap(reply):
    ok, value = reply
    if not ok:
        raise value
    return value


class WalkError(Exception):
    """A visit failed: `entered` is false when the namespace could not be entered (or created);
    otherwise work item number `done` failed and the ones before it completed."""

    def __init__(self, done, error, entered=True):
        super().__init__(str(error))
        self.done = done
        self.error = error
        self.entered = entered


class Walker:
    """One thread that visits namespaces in turn: enter (setns), open one IPRoute, run the work, close it,
    go back to the host namespace. No fork, one socket open at a time however many namespaces there are
    (docs/design.md: the fast shape). `visit(..., create=True)` creates the namespace from the thread
    (unshare + bind of /proc/thread-self/ns/net) and works in it straight away."""

    def __init__(self):
        self._host_fd = os.open('/proc/%d/ns/net' % os.getpid(), os.O_RDONLY)  # the main thread's
        self._worker = _Worker(self._serve)
        self._worker.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _serve(self, request):
        if request[0] == 'many':  # read_many: one hand-over between threads for the whole list
            out = []
            for netns, fns in request[1]:
                try:
                    out.append((True, self._serve((netns, fns, False, True))))
                except WalkError as e:
                    out.append((False, e))
            return out
        netns, fns, create, raw = request
        done = 0
        try:
            try:
                if create:
                    create_netns(netns)
                elif netns is not HOST:
                    namespaces.enter(netns)  # else: already parked in the host
            except BaseException as e:
                raise WalkError(0, e, entered=False)
            ipr = (RawDumps() if raw else IPRoute()) if fns else None
            try:
                results = []
                for fn in fns:
                    results.append(fn(ipr))
                    done += 1
                return results
            finally:
                if ipr is not None:
                    ipr.close()
        except WalkError:
            raise
        except BaseException as e:
            raise WalkError(done, e)
        finally:
            namespaces.setns_fd(self._host_fd)  # never hold a namespace alive (a removed one lingers while entered)

    def visit(self, netns, fns, create=False):
        """[fn(ipr) for fn in fns] inside netns (None: the host); raises WalkError."""
        return self._worker.call((netns, list(fns), create, False))

    def read(self, netns, fns):
        """Like visit, for reading only: fns get a RawDumps (get_links/get_addr/get_routes), not an IPRoute."""
        return self._worker.call((netns, list(fns), False, True))

    def read_many(self, visits):
        """read() of each (netns, fns) in one request -> [(True, results) or (False, WalkError)]."""
        return self._worker.call(('many', [(netns, list(fns)) for netns, fns in visits]))

    def read_each(self, visits):
        """Like read_many, but the Walker thread takes each (netns, fns) from the iterable `visits` only once
        the visits before it are done, so which namespace comes next may depend on what they found
        -> [(netns, (True, results) or (False, WalkError))]."""
        taken = []

        def each():
            for netns, fns in visits:
                taken.append(netns)
                yield netns, list(fns)
        return list(zip(taken, self._worker.call(('many', each()))))

    def close(self):
        if self._worker is not None:
            self._worker.requests.put(None)
            self._worker.join()
            self._worker = None
            os.close(self._host_fd)


class NetlinkDumpInterrupted(NetlinkError):
    """RawDumps' interrupted dump, named like pyroute2 0.7's so that _dump() retries it."""


class RawDumps:
    """Dumps of links, addresses and routes over a bare rtnetlink socket, decoded by pyroute2's own
    parser (MarshalRtnl). Why not IPRoute: on pyroute2 0.9 each IPRoute request goes through an asyncio
    loop and costs ~0.7 ms, ten times the kernel's work, and an idempotent re-run of a lab is one read
    of every namespace (500 namespaces: 1.6 s with IPRoute, 0.5 s this way; benchmarks/scaling.py).
    Offers the read methods of IPRoute that get_links/get_addresses/get_routes/get_root_qdiscs below use."""

    RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE, RTM_GETQDISC = 18, 22, 26, 38
    NLMSG_ERROR, NLMSG_DONE, NLM_F_DUMP_INTR = 2, 3, 0x10
    # The link attributes link_view() reads: ADDRESS, IFNAME, MTU, LINK, MASTER, OPERSTATE, LINKINFO,
    # IFALIAS, LINK_NETNSID. The rest of a link message (per-family settings, counters: ~1.8 KB) is
    # dropped before pyroute2 decodes it, which makes reading a namespace about twice as fast.
    LINK_ATTRS = frozenset((1, 3, 4, 5, 10, 16, 18, 20, 37))

    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)  # 0: NETLINK_ROUTE
        self.sock.bind((0, 0))
        self.marshal = MarshalRtnl()
        self.seq = 0

    def close(self):
        self.sock.close()

    def get_links(self):
        # IFLA_EXT_MASK = RTEXT_FILTER_SKIP_STATS: the counters are a third of each message and never used
        return self._dump(self.RTM_GETLINK, struct.pack('=BxHiIIHHI', 0, 0, 0, 0, 0, 8, 29, 1 << 3))

    def get_loopback(self):
        """The loopback's link message alone (a teardown only needs the namespace's mark): one request,
        not a dump."""
        self.seq += 1
        body = struct.pack('=BxHiIIHHI', 0, 0, 1, 0, 0, 8, 29, 1 << 3)  # ifi_index 1, SKIP_STATS
        self.sock.send(struct.pack('=IHHII', 16 + len(body), self.RTM_GETLINK, 0x1, self.seq, 0) + body)
        data = self.sock.recv(1 << 16)
        kind = struct.unpack_from('=H', data, 4)[0]
        if kind == self.NLMSG_ERROR:
            code = -struct.unpack_from('=i', data, 16)[0]
            raise NetlinkError(code, os.strerror(code))
        data = _keep_attrs(data, 16 + 16, self.LINK_ATTRS)
        return [m for m in self.marshal.parse(data) if m['header']['type'] == self.RTM_GETLINK - 2]

    RTM_NEWNSID, RTM_GETNSID = 88, 90
    NETNSA_NSID, NETNSA_FD = 1, 3

    def get_nsid(self, fd):
        """The id that this socket's namespace gives the namespace of `fd` (RTM_GETNSID with NETNSA_FD; what
        `ip link` shows as a veth's link-netnsid), None when it has given that namespace none. Only reads (the
        kernel itself gives an id to the namespace of a veth's peer). The reply is one 4-byte attribute: read
        here, not by pyroute2's parser, which would cost ten times the kernel's work."""
        self.seq += 1
        body = struct.pack('=Bxxx', socket.AF_UNSPEC) + struct.pack('=HHI', 8, self.NETNSA_FD, fd)  # rtgenmsg
        self.sock.send(struct.pack('=IHHII', 16 + len(body), self.RTM_GETNSID, 0x1, self.seq, 0) + body)
        while True:
            data = self.sock.recv(1 << 16)
            length, kind, _flags, seq = struct.unpack_from('=IHHI', data, 0)
            if seq == self.seq:
                break
        if kind == self.NLMSG_ERROR:
            code = -struct.unpack_from('=i', data, 16)[0]
            raise NetlinkError(code, os.strerror(code))
        pos = 16 + 4  # nlmsghdr, rtgenmsg
        while kind == self.RTM_NEWNSID and pos + 4 <= length:
            attr_len, attr_type = struct.unpack_from('=HH', data, pos)
            if attr_len < 4:
                break
            if attr_type & 0x3fff == self.NETNSA_NSID and attr_len >= 8:
                return nsid_value(struct.unpack_from('=i', data, pos + 4)[0])
            pos += (attr_len + 3) & ~3
        return None

    def sync_link(self, index):
        """RTM_GETLINK of one link, the reply dropped. Since Linux 6.8 the kernel first applies a carrier
        change of that link still waiting for its link watch (linkwatch_sync_dev), as for ethtool's and
        sysfs' carrier. A link gone meanwhile is no error."""
        self.seq += 1
        body = struct.pack('=BxHiIIHHI', 0, 0, index, 0, 0, 8, 29, 1 << 3)  # SKIP_STATS
        self.sock.send(struct.pack('=IHHII', 16 + len(body), self.RTM_GETLINK, 0x1, self.seq, 0) + body)
        while True:
            data = self.sock.recv(1 << 16)
            if len(data) < 16 or struct.unpack_from('=I', data, 8)[0] == self.seq:
                return

    def link_states(self):
        """[(index, flags, operstate, kind)] of every link, read straight from the dump's bytes: what
        settle_links checks after every run that changed something, without pyroute2's parse (which costs
        twice the kernel's work)."""
        self.seq += 1
        body = struct.pack('=BxHiIIHHI', 0, 0, 0, 0, 0, 8, 29, 1 << 3)  # SKIP_STATS
        self.sock.send(struct.pack('=IHHII', 16 + len(body), self.RTM_GETLINK, 0x301, self.seq, 0) + body)
        data, interrupted = self._receive()
        if interrupted:
            raise NetlinkDumpInterrupted(errno.EINTR, 'the dump was interrupted by changes')
        out, offset = [], 0
        while offset + 32 <= len(data):
            length, msg_type = struct.unpack_from('=IH', data, offset)
            if length < 32:
                break
            if msg_type == self.RTM_GETLINK - 2:
                index, flags = struct.unpack_from('=iI', data, offset + 20)  # in the ifinfomsg
                operstate = kind = None
                pos, end = offset + 32, offset + length
                while pos + 4 <= end:
                    attr_len, attr_type = struct.unpack_from('=HH', data, pos)
                    if attr_len < 4:
                        break
                    if attr_type & 0x3fff == 16:  # IFLA_OPERSTATE
                        operstate = data[pos + 4]
                    elif attr_type & 0x3fff == 18:  # IFLA_LINKINFO: its IFLA_INFO_KIND
                        kind = _nested_text(data, pos + 4, pos + attr_len, 1)
                    pos += (attr_len + 3) & ~3
                out.append((index, flags, operstate, kind))
            offset += (length + 3) & ~3
        return out

    def get_addr(self, index=None):
        msgs = self._dump(self.RTM_GETADDR, struct.pack('=BBBBI', 0, 0, 0, 0, 0))
        return [m for m in msgs if index is None or m['index'] == index]

    def get_routes(self, family, table=RT_TABLE_MAIN):
        return self._dump(self.RTM_GETROUTE, struct.pack('=BBBBBBBBI', family, 0, 0, 0, table, 0, 0, 0, 0))

    def get_qdiscs(self):
        return self._dump(self.RTM_GETQDISC, struct.pack('=BxHiIII', 0, 0, 0, 0, 0, 0))

    def get_bridge_vlans(self):
        """The bytes of an AF_BRIDGE link dump with each port's VLANs (RTEXT_FILTER_BRVLAN): parsed by
        get_port_vlans below, the same on every pyroute2 (whose decoding of IFLA_AF_SPEC differs)."""
        body = struct.pack('=BxHiIIHHI', socket.AF_BRIDGE, 0, 0, 0, 0, 8, 29, 1 << 1)  # IFLA_EXT_MASK BRVLAN
        return self._dump_bytes(self.RTM_GETLINK, body)

    def _dump_bytes(self, msg_type, body):
        """The messages of one dump, as bytes."""
        self.seq += 1
        header = struct.pack('=IHHII', 16 + len(body), msg_type, 0x301, self.seq, 0)  # REQUEST|DUMP
        self.sock.send(header + body)
        data, interrupted = self._receive()
        if interrupted:  # retried by _dump() below, like pyroute2 0.7's own exception
            raise NetlinkDumpInterrupted(errno.EINTR, 'the dump was interrupted by changes')
        return data

    def _dump(self, msg_type, body):
        data = self._dump_bytes(msg_type, body)
        if msg_type == self.RTM_GETLINK:
            data = _keep_attrs(data, 16 + 16, self.LINK_ATTRS)  # after nlmsghdr + ifinfomsg
        return [m for m in self.marshal.parse(data) if m['header']['type'] == msg_type - 2]  # RTM_NEW*

    def _receive(self):
        chunks, interrupted = [], False
        while True:
            data = self.sock.recv(1 << 20)
            offset = 0
            while offset + 16 <= len(data):
                length, kind, flags = struct.unpack_from('=IHH', data, offset)
                interrupted = interrupted or bool(flags & self.NLM_F_DUMP_INTR)
                if kind == self.NLMSG_ERROR:
                    code = -struct.unpack_from('=i', data, offset + 16)[0]
                    if code:
                        raise NetlinkError(code, os.strerror(code))
                if kind == self.NLMSG_DONE:
                    chunks.append(data[:offset])
                    return b''.join(chunks), interrupted
                offset += (length + 3) & ~3
                if length == 0:
                    break
            chunks.append(data)


def nsid_value(nsid):
    """A namespace id as the kernel means it: NETNSA_NSID_NOT_ASSIGNED (-1, or 2**32 - 1 read as unsigned)
    is None."""
    if nsid is None or nsid < 0 or nsid >= 1 << 31:
        return None
    return nsid


def netns_id(raw, netns):
    """The id that the namespace being read (RawDumps' socket's) gives netns (HOST: the main thread's
    namespace), or None: none given, or netns removed meanwhile."""
    try:
        fd = os.open(namespaces.netns_path(netns), os.O_RDONLY)
    except OSError as e:
        if e.errno != errno.ENOENT:
            raise
        return None
    try:
        return raw.get_nsid(fd)
    finally:
        os.close(fd)


def _keep_attrs(data, head, keep):
    """Netlink messages with only the top-level attributes whose type is in `keep`."""
    out, offset = [], 0
    while offset + 16 <= len(data):
        length = struct.unpack_from('=I', data, offset)[0]
        if length < head:
            break
        msg = data[offset:offset + length]
        parts, pos = [msg[16:head]], head
        while pos + 4 <= length:
            attr_len, attr_type = struct.unpack_from('=HH', msg, pos)
            if attr_len < 4:
                break
            aligned = (attr_len + 3) & ~3
            if attr_type & 0x3fff in keep:  # without the NESTED / NET_BYTEORDER flag bits
                parts.append(msg[pos:pos + aligned].ljust(aligned, b'\0'))
            pos += aligned
        body = b''.join(parts)
        out.append(struct.pack('=I', 16 + len(body)) + msg[4:16] + body)
        offset += (length + 3) & ~3
    return b''.join(out)


# --------------------------------------------------------------------------------------------
# reading: netlink messages -> plain dicts (the same keys on 0.7 and 0.9)
# --------------------------------------------------------------------------------------------

def _linkinfo(msg):
    info = msg.get_attr('IFLA_LINKINFO')
    if info is None:
        return None, None
    return info.get_attr('IFLA_INFO_KIND'), info.get_attr('IFLA_INFO_DATA')


def link_view(msg):
    kind, data = _linkinfo(msg)
    view = {
        'index': msg['index'],
        'ifname': msg.get_attr('IFLA_IFNAME'),
        'kind': kind or 'device',
        'up': bool(msg['flags'] & IFF_UP),
        'operstate': msg.get_attr('IFLA_OPERSTATE'),
        'mtu': msg.get_attr('IFLA_MTU'),
        'master': msg.get_attr('IFLA_MASTER'),
        'link': msg.get_attr('IFLA_LINK'),
        'link_netnsid': msg.get_attr('IFLA_LINK_NETNSID'),
        'ifalias': msg.get_attr('IFLA_IFALIAS'),
        'mac': msg.get_attr('IFLA_ADDRESS'),
    }
    if kind == 'bridge' and data is not None:
        view['stp'] = bool(data.get_attr('IFLA_BR_STP_STATE'))
        view['vlan_filtering'] = bool(data.get_attr('IFLA_BR_VLAN_FILTERING'))
    if kind == 'vlan' and data is not None:
        view['vlan_id'] = data.get_attr('IFLA_VLAN_ID')
    if kind == 'vxlan' and data is not None:
        view['vni'] = data.get_attr('IFLA_VXLAN_ID')
        view['local'] = data.get_attr('IFLA_VXLAN_LOCAL') or data.get_attr('IFLA_VXLAN_LOCAL6')
        view['port'] = data.get_attr('IFLA_VXLAN_PORT')
    return view


def get_links(ipr):
    """{ifname: link_view} for every link in the session's namespace."""
    return dict((v['ifname'], v) for v in (link_view(m) for m in _dump(ipr.get_links)))


def get_loopback(raw):
    """{'lo': link_view} of a namespace, from RawDumps."""
    return dict((v['ifname'], v) for v in (link_view(m) for m in raw.get_loopback()))


def get_link(ipr, ifname):
    idx = ipr.link_lookup(ifname=ifname)
    if not idx:
        return None
    return link_view(ipr.get_links(idx[0])[0])


def _attrs(data, pos, end):
    """(type, start, end) of each attribute in data[pos:end]: its value is data[start:end]."""
    while pos + 4 <= end:
        length, kind = struct.unpack_from('=HH', data, pos)
        if length < 4:
            return
        yield kind & 0x3FFF, pos + 4, pos + length  # without NLA_F_NESTED / NLA_F_NET_BYTEORDER
        pos += (length + 3) & ~3


def _nested_text(data, pos, end, wanted):
    """The NUL-terminated string attribute `wanted` among the attributes in data[pos:end], or None."""
    for kind, start, stop in _attrs(data, pos, end):
        if kind == wanted:
            return data[start:stop].split(b'\0', 1)[0].decode('ascii', 'replace')
    return None


# The kinds of link whose carrier a run changes: a veth end has carrier once both ends are up, a bridge once a
# port forwards, a TAP once QEMU has opened it.
SETTLE_KINDS = frozenset(('veth', 'bridge', 'tun', 'vxlan'))
IF_OPER_DOWN, IF_OPER_LOWERLAYERDOWN = 2, 3


def _unsettled(raw):
    """Indexes of links up with carrier whose operational state still says down: their carrier change waits
    for the kernel's link watch, which runs up to a second later (a bridge's, a veth end's whose peer has the
    same ifindex). Until it has run, the link drops what it sends. Ports before bridges: a port that settles
    gives its bridge carrier."""
    out = []
    for index, flags, operstate, kind in _dump(raw.link_states):
        if flags & IFF_UP and flags & IFF_LOWER_UP and operstate in (IF_OPER_DOWN, IF_OPER_LOWERLAYERDOWN) \
                and kind in SETTLE_KINDS:
            out.append((kind == 'bridge', index))
    return [index for _bridge, index in sorted(out)]


def settle_links(raw, deadline):
    """Return when every link of the namespace that has carrier can send (or at `deadline`, a time.time()):
    an address is usable when the task returns, not a second later, when the first ARP or neighbour
    solicitation has been dropped. Asks the kernel to apply each pending change now (Linux 6.8 and later),
    else waits for its link watch. -> indexes of links still unsettled."""
    pending = _unsettled(raw)
    while pending and time.time() < deadline:
        for index in pending:
            raw.sync_link(index)
        left = _unsettled(raw)
        if left == pending:
            time.sleep(0.01)
            left = _unsettled(raw)
        pending = left
    return pending


FLOOD_MAC = '00:00:00:00:00:00'  # a VXLAN FDB entry for this MAC: send broadcast and unknown frames there too


def get_flood_remotes(ipr):
    """{ifindex: [remote address]} of the all-zeros FDB entries (`bridge fdb append 00:00:00:00:00:00 dev vx
    dst <remote>`): the head-end replication list of each VXLAN link. Needs an IPRoute (not RawDumps)."""
    out = {}
    for m in _dump(lambda: ipr.fdb('dump')):
        dst = m.get_attr('NDA_DST')
        if dst and m.get_attr('NDA_LLADDR') == FLOOD_MAC:
            out.setdefault(m['ifindex'], []).append(dst)
    return dict((k, sorted(v)) for k, v in out.items())


def default_source(ipr):
    """The IPv4 address this namespace's traffic along its default route leaves from (the route's preferred
    source, else the first global address of its interface); None without a default route."""
    for m in _dump(lambda: ipr.get_routes(family=socket.AF_INET, table=RT_TABLE_MAIN)):
        if m['dst_len'] != 0 or m['type'] != 1:
            continue
        if m.get_attr('RTA_PREFSRC'):
            return m.get_attr('RTA_PREFSRC')
        oif = m.get_attr('RTA_OIF')
        for a in _dump(lambda: ipr.get_addr(family=socket.AF_INET)):
            if a['index'] == oif and a['scope'] == 0:
                return a.get_attr('IFA_LOCAL') or a.get_attr('IFA_ADDRESS')
    return None


def get_addresses(ipr, index=None):
    out = []
    kwargs = {} if index is None else {'index': index}
    for m in _dump(lambda: ipr.get_addr(**kwargs)):
        addr = m.get_attr('IFA_LOCAL') or m.get_attr('IFA_ADDRESS')
        out.append({'index': m['index'], 'address': '%s/%d' % (addr, m['prefixlen']),
                    'scope': m['scope']})
    return out


def get_routes(ipr, family):
    out = []
    for m in _dump(lambda: ipr.get_routes(family=family, table=RT_TABLE_MAIN)):
        if m.get_attr('RTA_TABLE') not in (None, RT_TABLE_MAIN) or m['type'] != 1:  # unicast only
            continue
        dst = m.get_attr('RTA_DST')
        out.append({
            'family': m['family'],
            'dst': '%s/%d' % (dst, m['dst_len']) if dst else 'default',
            'gateway': m.get_attr('RTA_GATEWAY'),
            'oif': m.get_attr('RTA_OIF'),
            'metric': m.get_attr('RTA_PRIORITY') or 0,
            'proto': m['proto'],
            'scope': m['scope'],
        })
    return out


# --------------------------------------------------------------------------------------------
# traffic control: the root qdisc of a link (objects/impairment.py). Values in the impairment's units:
# times in microseconds, probabilities in percent, rates in bytes per second.
# --------------------------------------------------------------------------------------------

TC_H_ROOT = 0xFFFFFFFF
TBF_MIN_BURST = 9216 + 64
_U32 = 2 ** 32 - 1
# netem's options: ours -> (the struct field or attribute that carries it, pyroute2's keyword)
NETEM_PERCENT = (('loss', None, 'loss'), ('loss_correlation', 'TCA_NETEM_CORR', 'loss_corr'),
                 ('delay_correlation', 'TCA_NETEM_CORR', 'delay_corr'),
                 ('duplicate', None, 'duplicate'), ('duplicate_correlation', 'TCA_NETEM_CORR', 'dup_corr'),
                 ('reorder', 'TCA_NETEM_REORDER', 'prob_reorder'),
                 ('reorder_correlation', 'TCA_NETEM_REORDER', 'corr_reorder'),
                 ('corrupt', 'TCA_NETEM_CORRUPT', 'prob_corrupt'),
                 ('corrupt_correlation', 'TCA_NETEM_CORRUPT', 'corr_corrupt'))


def _ticks_per_usec():
    """psched ticks per microsecond (tc's tick_in_usec). The controller validates a topology without pyroute2:
    there it is the kernel's 64 ns tick of every Linux since 2.6.31, as /proc/net/psched says."""
    try:
        from pyroute2.netlink.rtnl.tcmsg.common import tick_in_usec  # read from /proc/net/psched on import
    except ImportError:
        return 1000.0 / 64
    return tick_in_usec


def _percent(u32):
    return round(u32 * 100.0 / _U32, 4)


def get_root_qdiscs(ipr):
    """{ifindex: {'kind', 'handle', 'values'}} of every link's root qdisc; values (of netem and tbf) in the
    impairment's units, so that a plan compares them with what it wants."""
    out = {}
    for m in _dump(ipr.get_qdiscs):
        if m['parent'] != TC_H_ROOT:
            continue
        kind = m.get_attr('TCA_KIND')
        out[m['index']] = {'kind': kind, 'handle': m['handle'],
                           'values': _qdisc_values(kind, m.get_attr('TCA_OPTIONS'))}
    return out


def _qdisc_values(kind, opts):
    if opts is None or kind not in ('netem', 'tbf'):
        return {}
    if kind == 'tbf':
        parms = opts.get_attr('TCA_TBF_PARMS')
        return {'rate': parms['rate'] if parms else 0}
    ticks = _ticks_per_usec()
    values = {'delay': int(round(opts['delay'] / ticks)), 'jitter': int(round(opts['jitter'] / ticks)),
              'limit': opts['limit'], 'rate': 0}
    for name, attr, field in NETEM_PERCENT:
        holder = opts if attr is None else opts.get_attr(attr)
        values[name] = _percent(holder[field]) if holder is not None else 0.0
    rate = opts.get_attr('TCA_NETEM_RATE')
    if rate is not None:
        values['rate'] = rate['rate']
    return values


def reported_values(kind, values):
    """values as the kernel will report them back (times in its ticks, probabilities in 1/2^32): what a plan
    compares with get_root_qdiscs' values to know whether anything differs."""
    out = dict(values)
    if kind == 'netem':
        ticks = _ticks_per_usec()
        for key in ('delay', 'jitter'):
            out[key] = int(round(int(int(values[key]) * ticks) / ticks))
        for name, _attr, _field in NETEM_PERCENT:
            out[name] = _percent(int(_U32 * values[name] / 100))
    return out


def _duplicate_as_given():
    """pyroute2 0.7 passes netem's duplicate on as it is given (a raw u32), 0.9 converts a percentage."""
    from pyroute2.netlink.rtnl.tcmsg import sched_netem
    return sched_netem.get_parameters({'duplicate': 50})['duplicate'] == 50


def qdisc_request(kind, values):
    """The keywords of IPRoute.tc that make a root qdisc of `kind` with these values."""
    if kind == 'tbf':
        rate = values['rate']
        # a burst of at least one tick's worth at HZ=250 and one jumbo frame: tbf drops a frame larger than its
        # burst (9000-byte MTUs included; GSO packets it segments); 50 ms of queue at most
        return {'rate': '%dbit' % (rate * 8), 'burst': max(TBF_MIN_BURST, rate // 250), 'latency': '50ms'}
    kwargs = {'delay': values['delay'], 'jitter': values['jitter'], 'limit': values['limit']}
    for name, _attr, field in NETEM_PERCENT:
        if values[name]:
            kwargs[field] = values[name]
    if values['duplicate'] and _duplicate_as_given():
        kwargs['duplicate'] = int(_U32 * values['duplicate'] / 100)
    if values['rate']:
        kwargs['rate'] = '%dbit' % (values['rate'] * 8)
    return kwargs


# --------------------------------------------------------------------------------------------
# bridge port VLANs (objects/port_vlan.py): {ifindex: {vid: flags}}; flags PVID and UNTAGGED
# --------------------------------------------------------------------------------------------

BRIDGE_VLAN_PVID, BRIDGE_VLAN_UNTAGGED = 0x2, 0x4
IFLA_AF_SPEC, IFLA_BRIDGE_VLAN_INFO = 26, 2
RTM_NEWLINK, RTM_DELLINK, RTM_SETLINK = 16, 17, 19


def parse_port_vlans(data):
    """An AF_BRIDGE link dump (bytes) -> {ifindex: {vid: flags}} of every link that has VLANs."""
    out, pos = {}, 0
    while pos + 16 <= len(data):
        length, kind = struct.unpack_from('=IH', data, pos)
        if length < 16:
            break
        if kind == RTM_NEWLINK:
            index = struct.unpack_from('=i', data, pos + 20)[0]
            for attr, start, end in _attrs(data, pos + 32, pos + length):
                if attr == IFLA_AF_SPEC:
                    for inner, at, _stop in _attrs(data, start, end):
                        if inner == IFLA_BRIDGE_VLAN_INFO:
                            flags, vid = struct.unpack_from('=HH', data, at)
                            out.setdefault(index, {})[vid] = flags
        pos += (length + 3) & ~3
    return out


def get_port_vlans(raw):
    return parse_port_vlans(_dump(lambda: [raw.get_bridge_vlans()])[0])  # one bytes, retried when interrupted


def port_vlan_request(command, index, vid, flags=0):
    """RTM_SETLINK (add: a VLAN on a bridge port, with PVID/UNTAGGED flags) or RTM_DELLINK (del) of one VID."""
    info = struct.pack('=HHHH', 8, IFLA_BRIDGE_VLAN_INFO, flags, vid)
    spec = struct.pack('=HH', 4 + len(info), IFLA_AF_SPEC | 0x8000) + info
    body = struct.pack('=BxHiII', socket.AF_BRIDGE, 0, index, 0, 0) + spec
    msg_type = RTM_SETLINK if command == 'add' else RTM_DELLINK
    return struct.pack('=IHHII', 16 + len(body), msg_type, 0x5, 1, 0) + body  # REQUEST|ACK


def port_vlan_write(command, index, vid, flags=0):
    """One VID added to (with flags) or removed from bridge port `index`, in the calling thread's namespace."""
    _send_ack(port_vlan_request(command, index, vid, flags))


def _send_ack(data):
    """One netlink request on a bare socket of the calling thread's namespace; raises its error."""
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    try:
        sock.bind((0, 0))
        sock.send(data)
        reply = sock.recv(65536)
    finally:
        sock.close()
    if struct.unpack_from('=H', reply, 4)[0] == 2:  # NLMSG_ERROR: 0 is the ACK
        code = -struct.unpack_from('=i', reply, 16)[0]
        if code:
            raise NetlinkError(code, os.strerror(code))


_PROBED = {}  # what this process found the kernel does: a lab of 200 impairments tries netem once


def link_kind_works(kind, **attrs):
    """Whether this kernel makes a link of `kind` (vlan on a veth; a bridge with attrs such as
    br_vlan_filtering=1): tried in a namespace of its own, made for the try and gone with its thread."""
    return _probed(('link', kind, tuple(sorted(attrs.items()))), lambda: _link_kind_works(kind, attrs))


def _probed(key, probe):
    if key not in _PROBED:
        _PROBED[key] = probe()
    return _PROBED[key]


def _link_kind_works(kind, attrs):
    def attempt():
        namespaces.unshare()
        ipr = IPRoute()
        try:
            if kind == 'vlan':
                ipr.link('add', ifname='vnlprobe0', kind='veth', peer='vnlprobe1')
                parent = ipr.link_lookup(ifname='vnlprobe0')[0]
                ipr.link('add', ifname='vnlprobe0.7', kind='vlan', link=parent, vlan_id=7)
            else:
                ipr.link('add', ifname='vnlprobe', kind=kind, **attrs)
                if attrs:  # a kernel without the feature may take the link and drop the attribute
                    made = link_view(ipr.get_links(ipr.link_lookup(ifname='vnlprobe')[0])[0])
                    return all(made.get(k[3:], v) == bool(v) for k, v in attrs.items())
            return True
        except NetlinkError as e:
            if e.code in (errno.EOPNOTSUPP, errno.ENOENT, errno.EINVAL):
                return False
            raise
        finally:
            ipr.close()
    return namespaces.run_in_thread(attempt)


RTM_NEWQDISC, RTM_DELQDISC = 36, 37
_TC_FLAGS = {'add': (RTM_NEWQDISC, 0x605), 'change': (RTM_NEWQDISC, 0x5), 'del': (RTM_DELQDISC, 0x5)}  # REQUEST|ACK


_ENCODED = {}  # (command, handle, kind, values) -> the request's bytes for ifindex 0
# netem's attributes and their fields: pyroute2 sends one only when it is set, and a change keeps in the
# kernel whatever it does not send - so each one left out goes as zeros (removing a rate, a correlation)
_NETEM_ATTRS = (('TCA_NETEM_CORR', ('delay_corr', 'loss_corr', 'dup_corr')),
                ('TCA_NETEM_REORDER', ('prob_reorder', 'corr_reorder')),
                ('TCA_NETEM_CORRUPT', ('prob_corrupt', 'corr_corrupt')),
                ('TCA_NETEM_RATE', ('rate', 'packet_overhead', 'cell_size', 'cell_overhead')))


def _zero_missing(options):
    present = set(name for name, _value in options['attrs'])
    for name, fields in _NETEM_ATTRS:
        if name not in present:
            options['attrs'].append([name, dict((f, 0) for f in fields)])


def qdisc_write(command, index, handle, kind=None, values=None):
    """add / change / del the root qdisc `handle` of link `index` in the calling thread's namespace, with
    values in the impairment's units. The message is encoded by pyroute2's tc plugins, but sent on a bare
    socket: 0.9's IPRoute.tc would also put a `rate` keyword into TCA_RATE (the rate estimator), which the
    kernel refuses (ERANGE) or worse, keeps. Encoded once per set of values (tbf's rate table is 256 cells
    computed in Python, ~1 ms): a lab that impairs many links alike sends the same bytes with their ifindex."""
    key = (command, handle, kind, tuple(sorted(values.items())) if values else None)
    data = _ENCODED.get(key)
    if data is None:
        from pyroute2.netlink.rtnl.tcmsg import plugins, tcmsg
        msg_type, flags = _TC_FLAGS[command]
        msg = tcmsg()
        msg['index'], msg['handle'], msg['parent'] = 0, handle, TC_H_ROOT
        msg['attrs'] = []
        if kind is not None:
            msg['attrs'].append(['TCA_KIND', kind])
        if values is not None:
            options = plugins[kind].get_parameters(qdisc_request(kind, values))
            if kind == 'netem':
                _zero_missing(options)
            msg['attrs'].append(['TCA_OPTIONS', options])
        msg['header']['type'], msg['header']['flags'], msg['header']['seq'] = msg_type, flags, 1
        msg.encode()
        data = _ENCODED[key] = bytes(msg.data)
    request = bytearray(data)
    struct.pack_into('=i', request, 20, index)  # tcmsg's ifindex, after the 16-byte header and 4 bytes
    _send_ack(bytes(request))


def qdisc_kind_works(kind, values):
    """Whether this kernel makes a qdisc of `kind` (sch_netem may be missing, and a module may not load):
    tried on the loopback of a namespace of its own, made for the try and gone with its thread. Once per
    process and kind: the values tried are the first ones asked."""
    return _probed(('qdisc', kind), lambda: _qdisc_kind_works(kind, values))


def _qdisc_kind_works(kind, values):
    def attempt():
        namespaces.unshare()
        try:
            qdisc_write('add', 1, 0x10000, kind, values)
            return True
        except NetlinkError as e:
            if e.code in (errno.ENOENT, errno.EOPNOTSUPP):
                return False
            raise
    return namespaces.run_in_thread(attempt)


def _dump(fn, attempts=5):
    """0.7.x raises NetlinkDumpInterrupted when the table changes during a dump: retry."""
    for attempt in range(attempts):
        try:
            return list(fn())
        except Exception as e:  # NetlinkDumpInterrupted has no common import path on 0.7/0.9
            if type(e).__name__ != 'NetlinkDumpInterrupted' or attempt == attempts - 1:
                raise
    return []
