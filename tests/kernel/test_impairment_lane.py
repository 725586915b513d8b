"""vnetlab.linux.impairment where the kernel has netem (the lane's Debian kernel, distro python3-pyroute2 0.7):
20 ms on each end of a veth pair pings at 40 ms, 100% loss drops everything, 1 Mbit/s bounds a transfer -
each set by the module, read back with `tc -j`, a re-run unchanged, and a changed value changed in place."""
import re

import pytest

# a TCP transfer of 250 kB from one namespace to the other: prints the seconds it took
RECEIVE = ("import socket; s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); "
           "s.bind(('10.199.1.2', 5001)); s.listen(1); c = s.accept()[0]\n"
           "while c.recv(65536): pass\nc.close()")
SEND = ("import socket, time; c = socket.create_connection(('10.199.1.2', 5001), timeout=30); t = time.time(); "
        "c.sendall(b'x' * 250000); c.shutdown(socket.SHUT_WR); c.recv(1); print(round(time.time() - t, 2))")


def root(lane, ns, dev):
    [q] = [q for q in lane.json(['tc', '-n', ns, '-j', 'qdisc', 'show', 'dev', dev]) if q.get('root')]
    return q


def fastest_ping(lane, ns, count=5):
    out = lane.run(['ip', 'netns', 'exec', ns, 'ping', '-n', '-c', str(count), '-i', '0.2', '-W', '1', '10.199.1.2'])
    rtt = re.search(r'rtt min/avg/max/mdev = ([\d.]+)/', out.stdout)
    return (float(rtt.group(1)) if rtt else None), out.stdout


def ok(lane, module, **args):
    result = lane.module(module, **args)
    assert result['rc'] == 0 and not result.get('failed'), result
    return result


@pytest.mark.kernel('netem')
def test_impairments_delay_loss_and_rate(lane, tag):
    left, right = tag + 'l', tag + 'r'
    try:
        ok(lane, 'netns', name=left)
        ok(lane, 'netns', name=right)
        ok(lane, 'veth', name='a', netns=left, peer='b', peer_netns=right)
        ok(lane, 'address', interface='a', netns=left, addresses=['10.199.1.1/30'])
        ok(lane, 'address', interface='b', netns=right, addresses=['10.199.1.2/30'])
        assert fastest_ping(lane, left)[0] < 20.0

        for ns, dev in ((left, 'a'), (right, 'b')):
            made = ok(lane, 'impairment', netns=ns, interface=dev, delay='20ms')
            assert made['changed'] and made['impairment']['qdisc'] == 'netem'
            q = root(lane, ns, dev)
            assert (q['kind'], q['handle'], q['options']['delay']['delay']) == ('netem', '766c:', pytest.approx(0.020))
            assert not ok(lane, 'impairment', netns=ns, interface=dev, delay=20)['changed']
        fastest, out = fastest_ping(lane, left)
        print('20 ms on each end: ping min %s ms' % fastest)
        assert fastest is not None and 40.0 <= fastest < 200.0, out  # TCG adds to it, never takes away

        cut = ok(lane, 'impairment', netns=left, interface='a', loss=100, duplicate=5)
        assert cut['changed'] and cut['actions'][0].startswith('change the impairments')  # netem changed in place
        q = root(lane, left, 'a')
        assert q['handle'] == '766c:' and q['options']['loss-random']['loss'] == pytest.approx(1.0)
        assert not ok(lane, 'impairment', netns=left, interface='a', loss=100, duplicate=5)['changed']
        assert ' 100% packet loss' in fastest_ping(lane, left, count=3)[1]

        ok(lane, 'impairment', netns=right, interface='b', state='absent')
        shaped = ok(lane, 'impairment', netns=left, interface='a', rate='1mbit')
        assert shaped['changed'] and 'tbf instead of netem' in shaped['actions'][-1]
        assert shaped['actions'][0] == "remove the netem of 'a' in netns '%s'" % left
        assert root(lane, left, 'a')['kind'] == 'tbf' and root(lane, right, 'b')['kind'] == 'noqueue'
        took = lane.ok('ip netns exec %s python3 -c "%s" & sleep 1; ip netns exec %s python3 -c "%s"; wait'
                       % (right, RECEIVE, left, SEND))
        print('250 kB at 1 Mbit/s: %s s' % took.strip())
        assert 1.6 <= float(took.strip().splitlines()[-1]) < 30  # 2 s at the rate; a burst goes at once

        gone = ok(lane, 'impairment', netns=left, interface='a', state='absent')
        assert gone['changed'] and root(lane, left, 'a')['kind'] == 'noqueue'
    finally:
        lane.run('ip netns del %s; ip netns del %s' % (left, right))
