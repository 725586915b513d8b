"""vnetlab.linux.capture's pure part (plugins/module_utils/kernel/capture.py): `link` as a topology names it, the
stop conditions, the classic pcap headers, tcpdump -ddd's output as the kernel's struct sock_fprog, and the file
that appears only when it is complete."""
import io
import os
import stat
import struct

import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError, VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import capture as kc
from ansible_collections.vnetlab.linux.plugins.modules.capture import check_path, diff

# tcpdump -ddd -y EN10MB -s 262144 'icmp and icmp[icmptype] = icmp-echoreply' (tcpdump 4.99.3)
ECHO_REPLY_DDD = '''11
40 0 0 12
21 0 8 2048
48 0 0 23
21 0 6 1
40 0 0 20
69 4 0 8191
177 0 0 14
80 0 0 14
21 0 1 0
6 0 0 262144
6 0 0 0
'''


def read_pcap(data):
    """A reader of the format as its description has it (not the module's code): -> (header, [records])."""
    magic = struct.unpack('<I', data[:4])[0]
    order = '<' if magic == 0xa1b2c3d4 else '>'
    header = struct.unpack(order + 'IHHiIII', data[:24])
    records, at = [], 24
    while at < len(data):
        sec, usec, caplen, length = struct.unpack(order + 'IIII', data[at:at + 16])
        records.append((sec, usec, data[at + 16:at + 16 + caplen], length))
        at += 16 + caplen
    return header, records


# ------------------------------------------------------------------------------------------------
# link
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('text, expected', [
    ('red/veth1-red', ('red', 'veth1-red')),
    ('veth1', (None, 'veth1')),          # the host namespace
    ('host/br0', (None, 'br0')),         # as inspect and a topology write it
    ('lab.x_1/eth0', ('lab.x_1', 'eth0')),
])
def test_link_is_netns_slash_interface(text, expected):
    assert kc.parse_link(text) == expected
    assert kc.link_text(*expected) == (text if '/' in text else 'host/' + text)


@pytest.mark.parametrize('text, says', [
    ('', "give the link as 'netns/interface'"),
    ('a/b/c', "names hold no '/'"),
    ('/veth1', 'names no namespace'),
    ('red/', 'an interface name is required'),
    ('-red/veth1', 'not a valid namespace name'),
    ('red/an-interface-name-too-long', 'Linux allows at most 15'),
    ('red/a:b', "must not contain '/', ':' or whitespace"),
])
def test_a_bad_link_names_link(text, says):
    with pytest.raises(ParamError) as e:
        kc.parse_link(text)
    assert e.value.param == 'link' and says in str(e.value)


# ------------------------------------------------------------------------------------------------
# options
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('args, param, says', [
    ((None, None, 60, 100), 'seconds', 'give seconds or count'),
    ((0, None, 60, 100), 'seconds', 'greater than 0'),
    ((None, 0, 60, 100), 'count', 'at least 1'),
    ((1, None, 0, 100), 'timeout', 'greater than 0'),
    ((90, None, 60, 100), 'seconds', 'longer than timeout (60 s)'),
    ((1, None, 60, 0), 'snaplen', 'between 1 and 262144'),
    ((1, None, 60, 262145), 'snaplen', 'between 1 and 262144'),
])
def test_limits(args, param, says):
    with pytest.raises(ParamError) as e:
        kc.check_limits(*args)
    assert e.value.param == param and says in str(e.value)
    assert kc.check_limits(10, None, 60, 262144) is None and kc.check_limits(None, 5, 0.5, 1) is None


def test_path_is_an_absolute_file_in_a_directory_that_exists(tmp_path):
    assert check_path(None) is None
    assert check_path(str(tmp_path / 'x.pcap')) == str(tmp_path / 'x.pcap')
    for bad, says in [('x.pcap', 'not an absolute path'), (str(tmp_path), 'is a directory'),
                      (str(tmp_path / 'no' / 'x.pcap'), 'does not exist'), ('/dev/null', 'not a regular file')]:
        with pytest.raises(ParamError) as e:
            check_path(bad)
        assert e.value.param == 'path' and says in str(e.value), bad


def test_diff_shows_sizes_and_packets_not_bytes_of_the_file():
    result = {'packets': 6, 'bytes': 588, 'link': 'red/veth1', 'stopped_by': 'seconds'}
    d = diff('/tmp/a.pcap', None, result)
    assert d == {'before_header': '/tmp/a.pcap (absent)', 'after_header': '/tmp/a.pcap', 'before': '',
                 'after': 'pcap, 6 packets, 588 bytes of packets, red/veth1\n'}
    assert diff('/tmp/a.pcap', 24, result)['before'] == 'a file of 24 bytes\n'
    assert diff(None, None, dict(result, stopped_by='check_mode'))['after'] == 'pcap of red/veth1\n'


# ------------------------------------------------------------------------------------------------
# pcap
# ------------------------------------------------------------------------------------------------

def test_global_header_is_classic_pcap_2_4():
    header = kc.pcap_header(65535, kc.LINKTYPE_ETHERNET)
    assert len(header) == 24
    assert header[:4] == b'\xd4\xc3\xb2\xa1'  # little-endian magic: microseconds
    assert struct.unpack('<IHHiIII', header) == (0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
    assert struct.unpack('<I', kc.pcap_header(1, kc.LINKTYPE_RAW)[20:])[0] == 101


def test_records_carry_time_captured_bytes_and_length_on_the_link():
    out = io.BytesIO()
    out.write(kc.pcap_header(4, 1))
    out.write(kc.pcap_record((1700000000, 250000), b'abcd', 98))  # cut to snaplen: 98 bytes on the link
    out.write(kc.pcap_record((1700000001, 999999), memoryview(b'xy'), 2))  # a slice of the receive buffer
    header, records = read_pcap(out.getvalue())
    assert header[5:] == (4, 1)
    assert records == [(1700000000, 250000, b'abcd', 98), (1700000001, 999999, b'xy', 2)]


# ------------------------------------------------------------------------------------------------
# filters
# ------------------------------------------------------------------------------------------------

def test_tcpdump_ddd_output_becomes_instructions():
    program = kc.parse_ddd(ECHO_REPLY_DDD)
    assert len(program) == 11
    assert program[0] == (40, 0, 0, 12)          # ldh [12]: the EtherType
    assert program[1] == (21, 0, 8, 2048)        # jeq #0x800
    assert program[-2:] == [(6, 0, 0, 262144), (6, 0, 0, 0)]  # accept whole packet / drop


@pytest.mark.parametrize('text', ['', 'tcpdump: syntax error', '2\n6 0 0 262144\n', '1\n6 0 0\n', '0\n'])
def test_what_is_not_a_program_is_refused(text):
    with pytest.raises(VnetlabError) as e:
        kc.parse_ddd(text)
    assert str(e.value).startswith('filter: ')


def test_program_packs_as_struct_sock_filter_and_sock_fprog():
    program = kc.parse_ddd(ECHO_REPLY_DDD)
    packed = kc.pack_program(program)
    assert len(packed) == 8 * len(program)  # u16 code, u8 jt, u8 jf, u32 k
    assert struct.unpack('=HBBI', packed[8:16]) == (21, 0, 8, 2048)
    fprog = kc.sock_fprog(0x1234, len(program))
    assert len(fprog) == struct.calcsize('@HP')  # 16 on 64-bit: len, padding, pointer
    assert struct.unpack('@HP', fprog) == (11, 0x1234)


def test_a_filter_without_tcpdump_says_how_to_get_it(monkeypatch):
    monkeypatch.setattr(kc.shutil, 'which', lambda name: None)
    monkeypatch.setattr(kc.os.path, 'exists', lambda path: False)
    with pytest.raises(ParamError) as e:
        kc.compile_filter('icmp', 'EN10MB')
    assert e.value.param == 'filter' and 'apt install tcpdump' in str(e.value)


# ------------------------------------------------------------------------------------------------
# the file
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('tmpfile', [True, False], ids=['O_TMPFILE', 'named-temporary'])
def test_the_file_appears_whole_or_not_at_all(tmp_path, monkeypatch, tmpfile):
    if not tmpfile:  # a file system (or Python) without O_TMPFILE
        monkeypatch.delattr(kc.os, 'O_TMPFILE', raising=False)
    f = kc.PcapFile(str(tmp_path))
    f.write(kc.pcap_header(100, 1))
    assert [n for n in os.listdir(str(tmp_path)) if not n.startswith('.')] == []  # nothing to see yet
    path = f.publish()
    f.close()
    assert os.path.dirname(path) == str(tmp_path) and os.path.basename(path).startswith('vnetlab-capture-')
    assert path.endswith('.pcap') and os.listdir(str(tmp_path)) == [os.path.basename(path)]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path, 'rb') as fh:
        assert read_pcap(fh.read()) == (read_pcap(kc.pcap_header(100, 1))[0], [])

    target = tmp_path / 'given.pcap'
    target.write_bytes(b'old')
    f = kc.PcapFile(str(tmp_path))
    f.write(b'new')
    assert f.publish(str(target)) == str(target)  # replaced in one rename
    f.close()
    assert target.read_bytes() == b'new' and sorted(os.listdir(str(tmp_path))) == sorted(
        [os.path.basename(path), 'given.pcap'])

    f = kc.PcapFile(str(tmp_path))  # a capture that fails or is interrupted
    f.write(b'partial')
    f.close()
    assert sorted(os.listdir(str(tmp_path))) == sorted([os.path.basename(path), 'given.pcap'])


def test_the_kernels_time_of_reception_is_kept_exact():
    timeval = struct.pack('@ll', 1700000001, 999999)
    assert kc._stamp([(kc.socket.SOL_SOCKET, kc.SO_TIMESTAMP, timeval)]) == (1700000001, 999999)
    sec, usec = kc._stamp([])  # no timestamp: the clock now
    assert abs(sec - kc.time.time()) < 5 and 0 <= usec < 1000000
