"""vnetlab.linux.capture for real: a ping between two namespaces of the test's own, captured on one end of
their veth and read back with a pcap reader of this file (not the module's code) and with `tcpdump -r`.

- without a filter: the echo requests and replies, with the addresses and sequence numbers of the ping;
- a filter for echo replies keeps only those; count= stops the capture at once;
- refusals name the option (a missing interface or namespace: link), and write nothing;
- a capture that is killed or stopped leaves no socket (no process holds one) and no file;
- the verb playbook, locally and over SSH: the pcap arrives on the controller, nothing stays on the host.

Traffic: only the test's namespaces, addresses of 10.77.9.0/30 on the test's own veth."""
import glob
import json
import os
import signal
import socket
import stat
import struct
import subprocess
import time

import pytest

from conftest import ROOT, processes
from test_remote_ssh import sshd  # noqa: F401  # pylint: disable=unused-import

COLLECTIONS = os.path.join(ROOT, '.collections')
MODULE = os.path.join(ROOT, 'plugins', 'modules', 'capture.py')
A_ADDR, B_ADDR = '10.77.9.1', '10.77.9.2'
REPLIES = 'icmp and icmp[icmptype] = icmp-echoreply'


@pytest.fixture
def lab(run09, names):
    """Two namespaces joined by a veth: (netns a, its end, netns b)."""
    a, b = names('ca'), names('cb')
    run09.ok('netns', name=a)
    run09.ok('netns', name=b)
    run09.ok('veth', name='cap-a', netns=a, peer='cap-b', peer_netns=b)
    run09.ok('address', interface='cap-a', netns=a, addresses=[A_ADDR + '/30'])
    run09.ok('address', interface='cap-b', netns=b, addresses=[B_ADDR + '/30'])
    return a, 'cap-a', b


# ------------------------------------------------------------------------------------------------
# an independent reader: pcap, Ethernet, IPv4, ICMP
# ------------------------------------------------------------------------------------------------

def read_pcap(path):
    """-> (linktype, snaplen, [(seconds, frame, length on the link)])."""
    with open(path, 'rb') as f:
        data = f.read()
    magic = data[:4]
    order = {b'\xd4\xc3\xb2\xa1': '<', b'\xa1\xb2\xc3\xd4': '>', b'\x4d\x3c\xb2\xa1': '<',
             b'\xa1\xb2\x3c\x4d': '>'}[magic]
    fraction = 1e9 if magic in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d') else 1e6
    _m, major, _minor, _zone, _sigfigs, snaplen, linktype = struct.unpack(order + 'IHHiIII', data[:24])
    assert major == 2
    records, at = [], 24
    while at < len(data):
        sec, frac, caplen, length = struct.unpack(order + 'IIII', data[at:at + 16])
        records.append((sec + frac / fraction, data[at + 16:at + 16 + caplen], length))
        at += 16 + caplen
    assert at == len(data), 'a record runs past the end of the file'
    return linktype, snaplen, records


def icmp_echoes(frames):
    """The ICMP echo requests (8) and replies (0) among Ethernet frames: [(type, source, destination, seq)]."""
    out = []
    for frame in frames:
        if len(frame) < 14 + 20 + 8 or struct.unpack('!H', frame[12:14])[0] != 0x0800:
            continue
        header = frame[14:]
        if header[9] != 1:  # not ICMP
            continue
        icmp = header[(header[0] & 0x0f) * 4:]
        if icmp[0] in (0, 8):
            out.append((icmp[0], socket.inet_ntoa(header[12:16]), socket.inet_ntoa(header[16:20]),
                        struct.unpack('!H', icmp[6:8])[0]))
    return out


# ------------------------------------------------------------------------------------------------
# running a capture alongside the traffic
# ------------------------------------------------------------------------------------------------

def listeners(netns):
    """The packet sockets bound to receive in netns (/proc/net/packet: protocol 0003 is ETH_P_ALL)."""
    out = subprocess.run(['ip', 'netns', 'exec', netns, 'cat', '/proc/net/packet'], capture_output=True, text=True,
                         check=True).stdout
    return [line for line in out.splitlines()[1:] if line.split()[3] == '0003']


def wait_listening(netns, proc, timeout=60):
    deadline = time.time() + timeout
    while not listeners(netns):
        assert proc.poll() is None, 'the capture ended before it listened: %s' % (proc.communicate(),)
        assert time.time() < deadline, 'no capture socket in %s after %d s' % (netns, timeout)
        time.sleep(0.05)


def start(runner, **args):
    """The module as Ansible runs it, in the background."""
    proc = subprocess.Popen([runner.python, MODULE], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=runner.env)
    proc.stdin.write(json.dumps({'ANSIBLE_MODULE_ARGS': dict(args, _ansible_diff=True)}))
    proc.stdin.close()
    return proc


def finish(proc, timeout=60):
    proc.wait(timeout=timeout)
    out = proc.stdout.read()
    try:
        return json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise AssertionError('no JSON (rc %s): %s %s' % (proc.returncode, out, proc.stderr.read())) from None


def ping(netns, target, count):
    subprocess.run(['ip', 'netns', 'exec', netns, 'ping', '-n', '-q', '-c', str(count), '-i', '0.2', '-W', '1',
                    target], capture_output=True, check=True, timeout=30)


def ours_in_tmp():
    return set(glob.glob('/tmp/vnetlab-capture-*.pcap')) | set(glob.glob('/tmp/.vnetlab-capture-*'))


# ------------------------------------------------------------------------------------------------
# the module
# ------------------------------------------------------------------------------------------------

def test_a_ping_is_captured_with_its_requests_and_replies(run, lab, tmp_path):
    a, end, _b = lab
    path = str(tmp_path / 'ping.pcap')
    proc = start(run, link='%s/%s' % (a, end), seconds=4, path=path)
    wait_listening(a, proc)
    ping(a, B_ADDR, 3)
    result = finish(proc)
    assert not result.get('failed'), result
    assert result['changed'] and result['path'] == path and result['stopped_by'] == 'seconds'
    assert result['link'] == '%s/%s' % (a, end) and 3.9 <= result['seconds'] < 6
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and os.stat(path).st_uid == 0
    linktype, snaplen, records = read_pcap(path)
    assert (linktype, snaplen) == (1, 262144)
    assert result['packets'] == len(records) and result['bytes'] == sum(r[2] for r in records)
    assert all(len(frame) == length for _t, frame, length in records)  # nothing cut at 262144 bytes
    echoes = icmp_echoes(r[1] for r in records)
    assert sorted(e for e in echoes if e[0] == 8) == [(8, A_ADDR, B_ADDR, seq) for seq in (1, 2, 3)]
    assert sorted(e for e in echoes if e[0] == 0) == [(0, B_ADDR, A_ADDR, seq) for seq in (1, 2, 3)]
    stamps = [r[0] for r in records]
    assert stamps == sorted(stamps) and abs(stamps[-1] - time.time()) < 30
    assert result['diff']['after'] == 'pcap, %d packets, %d bytes of packets, %s/%s\n' % (
        len(records), result['bytes'], a, end)
    # tcpdump reads it as well (and agrees)
    out = subprocess.run(['tcpdump', '-n', '-r', path, 'icmp'], capture_output=True, text=True, check=True).stdout
    assert out.count('%s > %s: ICMP echo request' % (A_ADDR, B_ADDR)) == 3
    assert out.count('%s > %s: ICMP echo reply' % (B_ADDR, A_ADDR)) == 3
    assert not listeners(a)


def test_a_filter_keeps_only_echo_replies_and_count_stops_at_once(run, lab):
    a, end, _b = lab
    before = ours_in_tmp()
    proc = start(run, link='%s/%s' % (a, end), count=2, filter=REPLIES, timeout=30)  # path: a fresh file in /tmp
    wait_listening(a, proc)
    ping(a, B_ADDR, 4)
    result = finish(proc)
    assert not result.get('failed'), result
    path = result['path']
    try:
        assert path.startswith('/tmp/vnetlab-capture-') and path.endswith('.pcap') and path not in before
        assert result['stopped_by'] == 'count' and result['packets'] == 2 and result['seconds'] < 10
        _linktype, _snaplen, records = read_pcap(path)
        assert icmp_echoes(r[1] for r in records) == [(0, B_ADDR, A_ADDR, 1), (0, B_ADDR, A_ADDR, 2)]
        assert len(records) == 2
    finally:
        os.unlink(path)
    assert ours_in_tmp() == before


def test_count_alone_stops_at_the_timeout_with_a_warning(run09, lab, tmp_path):
    a, end, _b = lab
    result = run09.ok('capture', link='%s/%s' % (a, end), count=1000, filter=REPLIES, timeout=0.5,
                      path=str(tmp_path / 'quiet.pcap'))
    assert result['stopped_by'] == 'timeout' and result['packets'] == 0
    assert 'count: 0 of 1000 packets came within timeout (0.5 s)' in str(result['warnings'])
    assert read_pcap(str(tmp_path / 'quiet.pcap'))[2] == []


def test_the_host_namespace_by_either_name(run09, names, tmp_path):
    ns, host_end = names('hn'), names('h')
    run09.ok('netns', name=ns)
    run09.ok('veth', name=host_end, peer='cap-n', peer_netns=ns)
    result = run09.ok('capture', link='host/' + host_end, seconds=0.5, path=str(tmp_path / 'host.pcap'))
    assert result['link'] == 'host/' + host_end and read_pcap(result['path'])[0] == 1
    assert run09.ok('capture', link=host_end, seconds=1, check=True)['link'] == 'host/' + host_end


def test_refusals_name_the_option_and_write_nothing(run09, lab, tmp_path):
    a, end, _b = lab
    path = str(tmp_path / 'never.pcap')
    for args, says in [
        (dict(link='%s/nope' % a), "link: interface 'nope' does not exist in netns '%s'" % a),
        (dict(link='vtnonexistent/x'), "link: network namespace 'vtnonexistent' does not exist"),
        (dict(link='a/b/c'), "link: 'a/b/c' is not 'netns/interface'"),
        (dict(link='%s/%s' % (a, end), filter='icmp and (('), "filter: tcpdump cannot compile 'icmp and ((': "),
        (dict(link='%s/%s' % (a, end), filter=' '), 'filter: is empty'),
        (dict(link='%s/%s' % (a, end), seconds=120), 'seconds: 120 s is longer than timeout (60 s)'),
        (dict(link='%s/%s' % (a, end), path='relative.pcap'), "path: 'relative.pcap' is not an absolute path"),
        (dict(link='%s/%s' % (a, end), snaplen=0), 'snaplen: must be between 1 and 262144'),
    ]:
        args.setdefault('path', path)
        args.setdefault('seconds', 1)
        assert run09.fails('capture', **args).startswith(says), args
    assert 'one of the following is required: seconds, count' in run09.fails('capture', link='%s/%s' % (a, end))
    assert not os.listdir(str(tmp_path)) and not listeners(a)


def test_check_mode_captures_nothing(run09, lab, tmp_path):
    a, end, _b = lab
    path = str(tmp_path / 'check.pcap')
    result = run09.ok('capture', link='%s/%s' % (a, end), seconds=30, filter=REPLIES, path=path, check=True)
    assert result['changed'] and result['stopped_by'] == 'check_mode' and result['packets'] == 0
    assert result['diff']['before_header'] == path + ' (absent)' and not os.path.exists(path)
    # a play whose earlier tasks would make the namespace: a warning, and the filter is still checked
    result = run09.ok('capture', link='vtnotyet/eth1', count=1, filter='icmp', check=True)
    assert result['changed'] and result['path'] is None
    assert "check mode: network namespace 'vtnotyet' does not exist; the capture would" in str(result['warnings'])
    assert run09.fails('capture', link='vtnotyet/eth1', count=1, filter='icmp and ((', check=True).startswith(
        'filter: ')


@pytest.mark.parametrize('sig', [signal.SIGKILL, signal.SIGTERM], ids=['SIGKILL', 'SIGTERM'])
def test_a_killed_or_stopped_capture_leaves_no_socket_and_no_file(run09, lab, tmp_path, sig):
    a, end, _b = lab
    before = ours_in_tmp()
    proc = start(run09, link='%s/%s' % (a, end), seconds=50, path=str(tmp_path / 'killed.pcap'))
    wait_listening(a, proc)
    ping(a, B_ADDR, 1)  # something to write
    stopped = time.time()
    proc.send_signal(sig)
    if sig == signal.SIGTERM:  # noted, and the capture ends within its next 0.2 s look
        result = finish(proc, timeout=10)
        assert result['failed'] and result['msg'] == 'interrupted by SIGTERM', result
    else:
        proc.wait(timeout=10)
    assert time.time() - stopped < 5
    assert not listeners(a) and os.listdir(str(tmp_path)) == [] and ours_in_tmp() == before


# ------------------------------------------------------------------------------------------------
# the verb
# ------------------------------------------------------------------------------------------------

def run_verb(cwd, inventory, extra, netns, ping_from):
    """ansible-playbook vnetlab.linux.capture in the background, a ping once it listens -> its stdout."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCALHOST_WARNING='false')
    env.pop('ANSIBLE_CONFIG', None)
    proc = subprocess.Popen(['ansible-playbook', '-i', inventory, 'vnetlab.linux.capture', '-e', json.dumps(extra)],
                            cwd=str(cwd), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_listening(netns, proc, timeout=120)
        ping(ping_from, B_ADDR, 3)
        out, _err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out[-4000:]
    return out


def check_fetched(path, netns):
    _linktype, _snaplen, records = read_pcap(path)
    echoes = icmp_echoes(r[1] for r in records)
    assert [e[3] for e in echoes if e[0] == 8] == [1, 2, 3] and [e[3] for e in echoes if e[0] == 0] == [1, 2, 3]
    assert not listeners(netns)
    assert not [pid for pid, cmdline in processes() if b'AnsiballZ_capture' in cmdline]


def test_the_verb_fetches_the_pcap_to_the_controller(lab, tmp_path):
    a, end, _b = lab
    (tmp_path / 'hosts.yml').write_text('\n'.join([
        'all:', '  hosts:', '    localhost:', '      ansible_connection: local',
        '      ansible_python_interpreter: "{{ ansible_playbook_python }}"', '']))
    before = ours_in_tmp()
    out = run_verb(tmp_path, 'hosts.yml', {'link': '%s/%s' % (a, end), 'seconds': 4, 'output': 'red.pcap',
                                           'filter': 'icmp or arp'}, a, a)
    assert 'stopped by seconds: %s' % (tmp_path / 'red.pcap') in out
    check_fetched(str(tmp_path / 'red.pcap'), a)
    assert ours_in_tmp() == before  # the file on the host is gone


def test_the_verb_over_ssh(sshd, lab, tmp_path):  # noqa: F811 (sshd: the fixture imported above)
    a, end, _b = lab
    before = ours_in_tmp()
    run_verb(tmp_path, sshd, {'link': '%s/%s' % (a, end), 'seconds': 4, 'output': 'remote.pcap'}, a, a)
    check_fetched(str(tmp_path / 'remote.pcap'), a)
    assert ours_in_tmp() == before
