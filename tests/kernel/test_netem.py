"""netem in the kernel lane: a delay qdisc on a veth end (made, read back with `tc -j`, removed), and the
end-to-end proof that it delays traffic: two namespaces on a veth, 20 ms on each end, ping >= 40 ms."""
import re

import pytest


@pytest.mark.kernel('netem')
def test_netem_delay_on_a_veth_end(lane, tag):
    end, peer = tag + 'a', tag + 'b'
    try:
        lane.ok(['ip', 'link', 'add', end, 'type', 'veth', 'peer', 'name', peer])
        lane.ok(['ip', 'link', 'set', end, 'up'])  # up: its default qdisc (noqueue) shows once netem is gone
        lane.ok(['tc', 'qdisc', 'add', 'dev', end, 'root', 'netem', 'delay', '20ms'])
        [root] = [q for q in lane.json(['tc', '-j', 'qdisc', 'show', 'dev', end]) if q.get('root')]
        assert root['kind'] == 'netem', root
        assert root['options']['delay']['delay'] == pytest.approx(0.020), root  # seconds
        assert not [q for q in lane.json(['tc', '-j', 'qdisc', 'show', 'dev', peer]) if q['kind'] == 'netem']

        lane.ok(['tc', 'qdisc', 'del', 'dev', end, 'root'])
        assert [q['kind'] for q in lane.json(['tc', '-j', 'qdisc', 'show', 'dev', end])] == ['noqueue']
        lane.ok(['ip', 'link', 'del', end])
        assert not [x for x in lane.json(['ip', '-j', 'link', 'show']) if x['ifname'] in (end, peer)]
    finally:
        lane.run(['ip', 'link', 'del', end])


@pytest.mark.kernel('netem')
def test_two_namespaces_with_20ms_on_each_end_ping_at_40ms(lane, tag):
    left, right = tag + 'l', tag + 'r'
    setup = ['ip netns add {l}', 'ip netns add {r}',
             'ip link add eth0 netns {l} type veth peer name eth0 netns {r}']
    for ns, address in ((left, '10.199.0.1/30'), (right, '10.199.0.2/30')):
        setup += ['ip -n %s addr add %s dev eth0' % (ns, address), 'ip -n %s link set lo up' % ns,
                  'ip -n %s link set eth0 up' % ns, 'tc -n %s qdisc add dev eth0 root netem delay 20ms' % ns]
    try:
        lane.ok('set -e; ' + '; '.join(setup).format(l=left, r=right))
        for ns in (left, right):
            [root] = [q for q in lane.json(['tc', '-n', ns, '-j', 'qdisc', 'show', 'dev', 'eth0']) if q.get('root')]
            assert (root['kind'], root['options']['delay']['delay']) == ('netem', pytest.approx(0.020))
        out = lane.ok(['ip', 'netns', 'exec', left, 'ping', '-n', '-c', '5', '-i', '0.2', '-W', '2', '10.199.0.2'])
        rtt = re.search(r'rtt min/avg/max/mdev = ([\d.]+)/([\d.]+)/([\d.]+)/', out)
        assert rtt and ' 0% packet loss' in out, out
        fastest = float(rtt.group(1))
        print(rtt.group(0))  # shown with -rP or -s
        # 20 ms out and 20 ms back; TCG adds jitter on top, never less: judged by the minimum
        assert 40.0 <= fastest < 200.0, out
    finally:
        lane.run('ip netns del %s; ip netns del %s' % (left, right))
    assert not {left, right} & {n['name'] for n in lane.json(['ip', '-j', 'netns', 'list'])}
