"""The attribute filter that RawDumps applies to link messages before pyroute2 decodes them (pure)."""
import struct

from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.netlink import _keep_attrs


def attr(kind, payload):
    return struct.pack('=HH', 4 + len(payload), kind) + payload + b'\0' * (-len(payload) % 4)


def message(attrs, seq):
    body = struct.pack('=BxHiII', 0, 1, 7, 0x1003, 0) + b''.join(attrs)  # ifinfomsg: index 7
    return struct.pack('=IHHII', 16 + len(body), 16, 2, seq, 0) + body


def test_only_the_kept_attributes_remain_in_every_message():
    name, alias = attr(3, b'veth-red\0'), attr(20, b'vnetlab:lab\0')
    stats, spec = attr(23, b'\1' * 196), attr(26 | 0x8000, attr(2, b'\0' * 40))  # counters; nested AF_SPEC
    data = message([name, stats, alias, spec], 1) + message([spec, attr(4, struct.pack('=I', 1500))], 2)
    out = _keep_attrs(data, 32, frozenset((3, 4, 20)))
    first_len = struct.unpack_from('=I', out, 0)[0]
    assert out[:first_len] == message([name, alias], 1)
    assert out[first_len:] == message([attr(4, struct.pack('=I', 1500))], 2)


def test_a_message_without_attributes_is_kept_whole():
    bare = message([], 5)
    assert _keep_attrs(bare, 32, frozenset((3,))) == bare
