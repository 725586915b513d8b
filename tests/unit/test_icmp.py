import struct

from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.icmp import checksum, echo_request, parse_reply


def test_checksum_of_packet_with_its_checksum_is_zero():
    packet = echo_request(4, 0x1234, 7, b'payload!')
    assert checksum(packet) == 0


def test_odd_length_checksum():
    assert checksum(b'\x01') == checksum(b'\x01\x00')


def test_v6_request_leaves_checksum_to_the_kernel():
    packet = echo_request(6, 1, 2, b'')
    assert packet[0] == 128 and packet[2:4] == b'\0\0'


def test_parse_reply_skips_ipv4_header():
    icmp = struct.pack('!BBHHH', 0, 0, 0, 0x1234, 7)
    ip_header = bytearray(20)
    ip_header[0] = 0x45
    assert parse_reply(4, bytearray(ip_header) + icmp) == (0x1234, 7)
    assert parse_reply(6, bytearray(struct.pack('!BBHHH', 129, 0, 0, 9, 1))) == (9, 1)
    assert parse_reply(4, bytearray(ip_header) + struct.pack('!BBHHH', 8, 0, 0, 1, 1)) is None  # a request
    assert parse_reply(6, bytearray(b'\x81')) is None
