"""Which veth end is whose peer (lab/facts.PeerFinder, pure): decided by the namespace ids the kernel gives
(IFLA_LINK_NETNSID against RTM_GETNSID), never by ifindexes alone - and the diagram's edges from those facts."""
import random
import struct

import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.netlink import NetlinkError, RawDumps, nsid_value
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.diagram import model
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.facts import PeerFinder

HOST = None


class World:
    """Namespaces as the kernel has them: links, and the ids each namespace gives the others."""

    def __init__(self, names):
        self.links = dict((ns, {'lo': link('device', 1)}) for ns in names)
        self.ids = dict((ns, {}) for ns in names)
        self.next_index = dict((ns, 2) for ns in names)

    def nsid(self, ns, other):
        """The id ns gives other, given on first need, as the kernel does for a veth's peer."""
        ids = self.ids[ns]
        if other not in ids:
            ids[other] = len(ids)
        return ids[other]

    def veth(self, ns, name, peer_ns, peer):
        """A pair made from inside ns: the next free ifindex on each side."""
        a, b = self.next_index[ns], self.next_index[peer_ns]
        self.next_index[ns] += 1
        self.next_index[peer_ns] += 1
        if ns == peer_ns:
            b = a + 1
            self.next_index[ns] += 1
            self.links[ns][name] = link('veth', a, b)
            self.links[ns][peer] = link('veth', b, a)
            return
        self.links[ns][name] = link('veth', a, b, self.nsid(ns, peer_ns))
        self.links[peer_ns][peer] = link('veth', b, a, self.nsid(peer_ns, ns))

    def read(self, names):
        """What facts.gather() reads: the links of these namespaces only."""
        return dict((ns, self.links[ns]) for ns in names)

    def resolve(self, names):
        """PeerFinder driven as facts._find_peers drives it -> (peers, {asker: [asked]})."""
        finder = PeerFinder(self.read(names))
        asked = {}

        def ask(ns):
            def nsid_of(other):
                asked.setdefault(ns, []).append(other)
                return self.ids[ns].get(other)
            return nsid_of
        for ns in finder.askers():
            finder.settle(ns, ask(ns))
        return finder.peers, asked


def link(kind, index, peer_index=None, link_netnsid=None):
    return {'kind': kind, 'index': index, 'link': peer_index, 'link_netnsid': link_netnsid}


def test_pairs_with_the_same_ifindexes_are_told_apart_by_namespace_id():
    world = World(['a', 'b', 'c', 'd'])
    world.veth('a', 'x', 'b', 'y')
    world.veth('c', 'x', 'd', 'y')
    # the defect: every end is ifindex 2 with peer ifindex 2 and namespace id 0 - by ifindex, a fits b, c, d
    assert all(world.links[ns][n] == link('veth', 2, 2, 0) for ns, n in (('a', 'x'), ('b', 'y'), ('c', 'x'),
                                                                         ('d', 'y')))
    peers, asked = world.resolve(['a', 'b', 'c', 'd'])
    assert peers == {('a', 'x'): ('y', 'b'), ('b', 'y'): ('x', 'a'), ('c', 'x'): ('y', 'd'), ('d', 'y'): ('x', 'c')}
    assert asked == {'a': ['b'], 'c': ['d']}  # one question a pair, in the end's namespace


def test_a_peer_in_a_namespace_not_read_is_nobody_else():
    world = World(['a', 'b', 'c', 'd'])
    world.veth('a', 'x', 'b', 'y')
    world.veth('c', 'x', 'd', 'y')
    peers, asked = world.resolve(['a', 'c', 'd'])  # lab_facts namespaces=[a, c, d]: b is not read
    assert ('a', 'x') not in peers  # c's and d's ends fit by ifindex, but a gives neither namespace id 0
    assert peers[('c', 'x')] == ('y', 'd') and peers[('d', 'y')] == ('x', 'c')
    assert sorted(asked['a']) == ['c', 'd']
    peers, _asked = world.resolve(['a', 'c'])
    assert peers == {}


def test_a_bridge_lab_is_settled_from_the_host_alone():
    names = ['n%d' % i for i in range(20)]
    world = World([HOST] + names)
    for ns in names:  # the host's end made from the host, its peer in the namespace: ifindex 2 there
        world.veth(HOST, 'h' + ns, ns, 'eth0')
    world.veth(HOST, 'v0', HOST, 'v1')  # and a pair inside the host
    peers, asked = world.resolve([HOST] + names)
    for ns in names:
        assert peers[(HOST, 'h' + ns)] == ('eth0', ns) and peers[(ns, 'eth0')] == ('h' + ns, HOST)
    assert peers[(HOST, 'v0')] == ('v1', HOST) and peers[(HOST, 'v1')] == ('v0', HOST)
    assert list(asked) == [HOST] and sorted(asked[HOST]) == sorted(names)


def test_same_namespace_pairs_need_no_question():
    world = World(['a'])
    world.veth('a', 'p', 'a', 'q')
    world.links['a']['odd'] = link('veth', 9, 4)  # its peer's index is someone else's: none
    world.links['a']['r'] = link('veth', 4, 3)
    peers, asked = world.resolve(['a'])
    assert peers == {('a', 'p'): ('q', 'a'), ('a', 'q'): ('p', 'a')} and asked == {}


def test_no_id_and_a_removed_namespace_match_nothing():
    world = World(['a', 'b', 'c'])
    world.veth('a', 'x', 'b', 'y')
    finder = PeerFinder(world.read(['a', 'b', 'c']))
    for ns in finder.askers():
        finder.settle(ns, lambda other: None)  # b removed meanwhile, or no id given: never a peer
    assert finder.peers == {}


def test_one_namespace_under_two_names():
    world = World(['a', 'b'])
    world.veth('a', 'x', 'b', 'y')
    world.links['b2'] = world.links['b']  # `ip netns attach` of b's namespace under another name
    world.ids['b2'] = world.ids['b']
    world.ids['a']['b2'] = world.ids['a']['b']
    peers, _asked = world.resolve(['a', 'b', 'b2'])
    assert peers[('a', 'x')] == ('y', 'b') and peers[('b', 'y')] == ('x', 'a')
    assert ('b2', 'y') not in peers  # never the peer of two ends


@pytest.mark.parametrize('seed', range(6))
def test_random_labs_of_colliding_pairs(seed):
    rng = random.Random(seed)
    names = ['ns%02d' % i for i in range(30)]
    world = World([HOST] + names)
    truth = {}
    order = names[:]
    rng.shuffle(order)
    for i in range(0, len(order) - 1, 2):  # pairs between namespaces in any order, several per namespace
        for k in range(rng.randint(1, 3)):
            a, b = order[i], order[(i + 1 + 2 * k) % len(order)]
            if a == b:
                continue
            name, peer = 'e%s%d' % (b, k), 'e%s%d' % (a, k)
            if name in world.links[a] or peer in world.links[b]:
                continue
            world.veth(a, name, b, peer)
            truth[(a, name)], truth[(b, peer)] = (peer, b), (name, a)
    for ns in rng.sample(names, 5):
        world.veth(HOST, 'h' + ns, ns, 'up')
        truth[(HOST, 'h' + ns)], truth[(ns, 'up')] = ('up', ns), ('h' + ns, HOST)
    peers, _asked = world.resolve([HOST] + names)
    assert peers == truth
    unread = set(rng.sample(names, 8))
    peers, _asked = world.resolve([HOST] + [n for n in names if n not in unread])
    assert peers == dict((end, p) for end, p in truth.items() if end[0] not in unread and p[1] not in unread)


class FakeSocket:
    def __init__(self, replies):
        self.replies, self.sent = list(replies), []

    def send(self, data):
        self.sent.append(data)

    def recv(self, _size):
        return self.replies.pop(0)


def reply(kind, seq, payload):
    return struct.pack('=IHHII', 16 + len(payload), kind, 0, seq, 0) + payload


def raw_dumps(replies):
    raw = RawDumps.__new__(RawDumps)
    raw.sock, raw.seq = FakeSocket(replies), 0
    return raw


def test_get_nsid_asks_by_fd_and_reads_the_id():
    attr = struct.pack('=HHi', 8, 1, 3)  # NETNSA_NSID 3
    raw = raw_dumps([reply(88, 1, b'\0' * 4 + attr)])
    assert raw.get_nsid(17) == 3
    assert raw.sock.sent == [struct.pack('=IHHII', 28, 90, 1, 1, 0) + b'\0' * 4 + struct.pack('=HHI', 8, 3, 17)]


def test_get_nsid_without_an_id_and_an_error():
    raw = raw_dumps([reply(88, 1, b'\0' * 4 + struct.pack('=HHi', 8, 1, -1)),
                     reply(88, 1, b'stale'), reply(2, 2, struct.pack('=i', -22) + b'\0' * 16)])
    assert raw.get_nsid(5) is None  # NETNSA_NSID_NOT_ASSIGNED
    with pytest.raises(NetlinkError):
        raw.get_nsid(5)  # a reply of another request is skipped; then EINVAL
    assert [nsid_value(v) for v in (None, -1, 0xffffffff, 0, 7)] == [None, None, None, 0, 7]


def facts_of(peers, world, names):
    """The facts' spaces for the links that PeerFinder paired."""
    spaces = {}
    for ns in names:
        links = {}
        for name, ln in world.links[ns].items():
            entry = {'kind': ln['kind'], 'addresses': [], 'master': None}
            if ln['kind'] == 'veth':
                entry['peer'], entry['peer_netns'] = peers.get((ns, name), (None, None))
            links[name] = entry
        spaces[ns] = {'links': links, 'routes': []}
    return {'host': spaces.pop(HOST, {'links': {}, 'routes': []}), 'netns': spaces}


def test_the_diagram_joins_the_right_namespaces():
    world = World([HOST, 'a', 'b', 'c', 'd'])
    world.veth('a', 'x', 'b', 'y')
    world.veth('c', 'x', 'd', 'y')
    peers, _asked = world.resolve([HOST, 'a', 'b', 'c', 'd'])
    _groups, edges = model(facts_of(peers, world, [HOST, 'a', 'b', 'c', 'd']))
    assert sorted(edges) == [('netns:a/x', 'netns:b/y', 'veth'), ('netns:c/x', 'netns:d/y', 'veth')]


def test_the_diagram_draws_no_pair_its_ends_disagree_on():
    world = World([HOST, 'a', 'b', 'c', 'd'])
    world.veth('a', 'x', 'b', 'y')
    world.veth('c', 'x', 'd', 'y')
    wrong = {('a', 'x'): ('y', 'b'), ('b', 'y'): ('x', 'a'), ('c', 'x'): ('x', 'a'), ('d', 'y'): ('x', 'a')}
    _groups, edges = model(facts_of(wrong, world, [HOST, 'a', 'b', 'c', 'd']))  # the facts the defect gave
    assert edges == [('netns:a/x', 'netns:b/y', 'veth')]
    _groups, edges = model(facts_of({('c', 'x'): ('y', 'd')}, world, [HOST, 'c']))  # d not in the facts
    assert edges == [('netns:c/x', 'netns:d/y', 'veth')]
