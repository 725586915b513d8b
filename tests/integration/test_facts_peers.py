"""lab_facts names each veth end's real peer when ifindexes collide across namespaces: pairs a-b and c-d made
from inside a and c give every end ifindex 2 with peer ifindex 2 (c's end was once reported as paired with a's,
and the diagram joined the wrong namespaces). The peer's namespace is told by the kernel's namespace ids, and
reading them gives the namespaces none they did not have."""
import re

from conftest import ip, ipj

PAIRS = (('a', 'b'), ('c', 'd'))


def colliding_lab(names):
    """Four namespaces, a pair a-b and a pair c-d, each made from inside its first namespace with both ends
    called e0: every end is e0, ifindex 2, peer ifindex 2."""
    spaces = dict((x, names(x)) for x in 'abcd')
    for ns in spaces.values():
        ip('netns', 'add', ns)
    for x, y in PAIRS:
        ip('link', 'add', 'e0', 'type', 'veth', 'peer', 'name', 'e0', 'netns', spaces[y], netns=spaces[x])
    for ns in spaces.values():
        e0 = [x for x in ipj('link', 'show', netns=ns) if x['ifname'] == 'e0'][0]
        assert (e0['ifindex'], e0['link_index']) == (2, 2), e0  # the collision this test is about
    return spaces


def nsids(spaces):
    """Each namespace's table of ids (`ip netns list-id` in it), and the host's."""
    return dict((ns, ip('netns', 'list-id', netns=ns)) for ns in [None] + list(spaces.values()))


def remove(spaces):
    for ns in spaces.values():
        ip('netns', 'del', ns, check=False)


def peer_of(facts, ns):
    e0 = facts['netns'][ns]['links']['e0']
    return e0['peer_netns'], e0['peer']


def test_each_end_is_paired_with_its_own_peer(run, names):
    spaces = colliding_lab(names)
    try:
        before = nsids(spaces)
        facts = run.ok('lab_facts', namespaces=sorted(spaces.values()))['ansible_facts']['vnetlab_lab']
        for x, y in PAIRS:
            assert peer_of(facts, spaces[x]) == (spaces[y], 'e0')
            assert peer_of(facts, spaces[y]) == (spaces[x], 'e0')
        assert nsids(spaces) == before  # read, never assigned

        # b not read: its pair's other end fits c's and d's by ifindex, but it is neither
        facts = run.ok('lab_facts', namespaces=[spaces['a'], spaces['c'], spaces['d']])['ansible_facts']['vnetlab_lab']
        assert peer_of(facts, spaces['a']) == (None, None)
        assert peer_of(facts, spaces['c']) == (spaces['d'], 'e0')
        assert peer_of(facts, spaces['d']) == (spaces['c'], 'e0')
    finally:
        remove(spaces)


def test_the_diagram_joins_the_right_namespaces(run, names):
    spaces = colliding_lab(names)
    try:
        dot = run.ok('lab_diagram', namespaces=sorted(spaces.values()), owned_only=False)['dot']
    finally:
        remove(spaces)
    veths = sorted(tuple(sorted(e)) for e in re.findall(r'^\s+"([^"]+)" -- "([^"]+)" \[label="veth"\]', dot, re.M))
    assert veths == sorted(('netns:%s/e0' % spaces[x], 'netns:%s/e0' % spaces[y]) for x, y in PAIRS)


def test_a_lab_of_pairs_and_a_bridge(run, names):
    """vnetlab's own lab: pairs between namespaces made from inside the first (colliding ifindexes), and the
    namespaces on a host bridge too (host ends the host's ifindexes, namespace ends 3)."""
    spaces = [names('n%d' % i) for i in range(6)]
    pairs = [(spaces[i], spaces[i + 1]) for i in range(0, 6, 2)] + [(spaces[1], spaces[2]), (spaces[5], spaces[0])]
    veths = [{'name': 'p-' + y[-2:], 'netns': x, 'peer': 'p-' + x[-2:], 'peer_netns': y} for x, y in pairs]
    veths += [{'name': names('h%d' % i), 'master': names('br'), 'peer': 'up', 'peer_netns': ns}
              for i, ns in enumerate(spaces)]
    topo = {'lab': names('lab'), 'namespaces': spaces, 'bridges': [{'name': names('br')}], 'veths': veths}
    run.ok('topology', definition=topo)
    try:
        facts = run.ok('lab_facts', namespaces=spaces)['ansible_facts']['vnetlab_lab']
        indexes = [(x['ifindex'], x.get('link_index')) for ns in spaces for x in ipj('link', 'show', netns=ns)
                   if x['ifname'].startswith('p-')]
        assert len(indexes) > len(set(indexes))  # colliding, or this lab tests nothing
        expected = {}
        for v in veths:
            expected[(v.get('netns'), v['name'])] = (v['peer_netns'], v['peer'])
            expected[(v['peer_netns'], v['peer'])] = (v.get('netns'), v['name'])
        found = {}
        for ns, space in [(None, facts['host'])] + sorted(facts['netns'].items()):
            for name, fact in space['links'].items():
                if fact['kind'] == 'veth' and (ns, name) in expected:
                    found[(ns, name)] = (fact['peer_netns'], fact['peer'])
        assert found == expected
    finally:
        run.ok('topology', definition=topo, state='absent')
