"""The plan/apply contract: ordering, rollback of what this task did, messages."""
import errno

import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op, apply
from ansible_collections.vnetlab.linux.plugins.module_utils.names import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.netlink import NetlinkError, explain


class Recorder:
    """Stands in for the Netlink session object: records which namespace each call was for."""

    def __init__(self):
        self.log = []

    def call(self, netns, fn):
        return fn(netns)


def test_ops_run_in_order_and_nothing_is_undone_on_success():
    nl, log = Recorder(), []
    ops = [Op('one', lambda ns: log.append(('do', 1, ns)), undo=lambda ns: log.append(('undo', 1))),
           Op('two', lambda ns: log.append(('do', 2, ns)), netns='red')]
    apply(nl, ops)
    assert log == [('do', 1, None), ('do', 2, 'red')]


def test_failure_half_way_undoes_what_was_done_newest_first():
    nl, log = Recorder(), []

    def boom(ns):
        raise NetlinkError(errno.ENETUNREACH, 'x')
    ops = [Op('create a', lambda ns: log.append('a'), undo=lambda ns: log.append('-a')),
           Op('create b', lambda ns: log.append('b'), undo=lambda ns: log.append('-b')),
           Op('set c', lambda ns: log.append('c')),
           Op('route', boom, undo=lambda ns: log.append('-route'))]
    with pytest.raises(VnetlabError) as e:
        apply(nl, ops)
    assert log == ['a', 'b', 'c', '-b', '-a']
    assert 'route failed: network unreachable' in str(e.value)
    assert 'rolled back: create a, create b' in str(e.value)


def test_rollback_failure_is_reported_too():
    nl = Recorder()

    def fail(ns):
        raise OSError(errno.EPERM, 'no')
    ops = [Op('create a', lambda ns: None, undo=fail), Op('create b', fail)]
    with pytest.raises(VnetlabError) as e:
        apply(nl, ops)
    assert 'rolling back also failed: undo of create a' in str(e.value)


def test_session_false_ops_get_the_session_object():
    nl, seen = Recorder(), []
    apply(nl, [Op('netns', seen.append, session=False)])
    assert seen == [nl]


@pytest.mark.parametrize('code,text', [(errno.EEXIST, 'already exists'), (errno.EPERM, 'become: true'),
                                       (errno.ENODEV, 'no such device'), (errno.EOPNOTSUPP, 'not supported')])
def test_errors_become_sentences(code, text):
    assert text in str(explain(NetlinkError(code, 'raw'), 'doing it'))
