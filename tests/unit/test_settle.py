"""After its ops a run returns only when the links it brought up can send: a carrier change still waiting for
the kernel's link watch (up, carrier, operational state down) is asked for now, ports before their bridges, and
waited for when the kernel does not apply it on request (before Linux 6.8) - never past the deadline."""
import time

from ansible_collections.vnetlab.linux.plugins.module_utils import engine
from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import netlink

UP, LOWER_UP = netlink.IFF_UP, netlink.IFF_LOWER_UP
OPER = {'UNKNOWN': 0, 'DOWN': 2, 'LOWERLAYERDOWN': 3, 'UP': 6}  # IF_OPER_*


class _Raw:
    """A namespace's links; `synced` applies a link's pending change when asked (Linux 6.8 and later), and a
    port that settles gives its bridge carrier, as the kernel does."""

    def __init__(self, links, synced=True):
        self.links, self.synced, self.asked = links, synced, []

    def link_states(self):
        return [(i, flags, OPER[state], kind) for i, (kind, flags, state) in sorted(self.links.items())]

    def sync_link(self, index):
        self.asked.append(index)
        kind, flags, state = self.links[index]
        if self.synced and flags & LOWER_UP:
            self.links[index] = (kind, flags, 'UP')
            if kind != 'bridge' and 9 in self.links:  # the port of bridge 9 forwards: the bridge has carrier
                self.links[9] = ('bridge', UP | LOWER_UP, self.links[9][2])


def test_nothing_pending_is_one_dump_and_no_request():
    raw = _Raw({1: (None, UP | LOWER_UP, 'UNKNOWN'), 2: ('veth', UP | LOWER_UP, 'UP'),
                3: ('veth', UP, 'LOWERLAYERDOWN'),  # its peer is down: no carrier, nothing to wait for
                4: ('bridge', UP, 'DOWN'), 5: (None, UP | LOWER_UP, 'DOWN')})  # a bridge without ports; a NIC
    assert netlink.settle_links(raw, time.time() + 1) == [] and raw.asked == []


def test_ports_are_settled_before_their_bridge_which_then_has_carrier():
    raw = _Raw({9: ('bridge', UP, 'DOWN'), 3: ('veth', UP | LOWER_UP, 'DOWN'), 4: ('tun', UP | LOWER_UP, 'DOWN')})
    assert netlink.settle_links(raw, time.time() + 1) == []
    assert raw.asked == [3, 4, 9]  # the bridge had no carrier until its ports settled
    assert all(state == 'UP' for _kind, _flags, state in raw.links.values())


def test_a_kernel_that_does_not_apply_on_request_is_waited_for_until_the_deadline():
    raw = _Raw({3: ('veth', UP | LOWER_UP, 'LOWERLAYERDOWN')}, synced=False)
    started = time.time()
    assert netlink.settle_links(raw, started + 0.1) == [3]  # given up on, not an error
    assert 0.1 <= time.time() - started < 0.5 and len(raw.asked) >= 2


def test_the_namespaces_the_ops_changed_are_settled_once_each(monkeypatch):
    visits = []

    class _Walker:
        def read_many(self, pairs):
            visits.extend(ns for ns, _fns in pairs)
            return [(True, [None])] * len(pairs)

    monkeypatch.setattr(engine, 'netns_exists', lambda ns: ns != 'gone')
    ops = [Op('a', netns='red'), Op('b', netns='blue', creates='blue'), Op('c', netns='blue'), Op('d', local=True),
           Op('e', netns=None), Op('f', netns='red'), Op('g', netns='gone'), Op('h', netns='old'),
           Op('i', removes='old')]
    engine.settle(_Walker(), ops)
    assert visits == ['red', 'blue', None]  # in the order of the ops
    visits[:] = []
    engine.settle(_Walker(), [Op('j', local=True), Op('k', removes='red')])
    assert visits == []
