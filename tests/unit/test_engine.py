"""The executor: ordering, rollback of what this run did (newest first), messages. Local ops run in the
module's own thread, so these need no kernel."""
import errno

import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import (
    Op, _assumption, _groups, _plan_assuming, apply)
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import MissingError, ParamError, VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.netlink import NetlinkError, explain


def local(action, log, name, undo=True, fail=None):
    def do(visit):
        if fail:
            raise fail
        log.append(name)
    return Op(action, do, undo=(lambda v: log.append('-' + name)) if undo else None, local=True)


def test_ops_run_in_order_and_nothing_is_undone_on_success():
    log = []
    apply(None, [local('one', log, 'a'), local('two', log, 'b', undo=False)])
    assert log == ['a', 'b']


def test_failure_half_way_undoes_what_was_done_newest_first():
    log = []
    ops = [local('create a', log, 'a'), local('create b', log, 'b'), local('set c', log, 'c', undo=False),
           local('route', log, 'r', fail=NetlinkError(errno.ENETUNREACH, 'x'))]
    with pytest.raises(VnetlabError) as e:
        apply(None, ops)
    assert log == ['a', 'b', 'c', '-b', '-a']
    assert 'route failed: network unreachable' in str(e.value)
    assert 'rolled back: create a, create b' in str(e.value)


def test_rollback_failure_is_reported_too():
    def fail(visit):
        raise OSError(errno.EPERM, 'no')
    ops = [Op('create a', lambda v: None, undo=fail, local=True), Op('create b', fail, local=True)]
    with pytest.raises(VnetlabError) as e:
        apply(None, ops)
    assert 'rolling back also failed: undo of create a' in str(e.value)


def test_one_visit_per_namespace_run_and_creations_and_removals_alone():
    ops = [Op('a', netns='red'), Op('b', netns='red'), Op('c', netns='blue', creates='blue'), Op('d', netns='blue'),
           Op('e', removes='green'), Op('f', local=True), Op('g', netns='red')]
    assert [[op.action for op in g] for g in _groups(ops)] == [['a', 'b'], ['c', 'd'], ['e'], ['f'], ['g']]


@pytest.mark.parametrize('code,text', [(errno.EEXIST, 'already exists'), (errno.EPERM, 'become: true'),
                                       (errno.ENODEV, 'no such device'), (errno.EOPNOTSUPP, 'not supported')])
def test_errors_become_sentences(code, text):
    assert text in str(explain(NetlinkError(code, 'raw'), 'doing it'))


# -- check mode: what an earlier task of the play would have made ------------------------------

def _address_plan(plan, d):
    """A planner like objects/address.py's: needs the namespace and the interface."""
    plan.require_netns('netns', 'vtns')
    if plan.link('vtns', 'vteth') is None and ('vtns', 'vteth') not in plan.declared:
        raise MissingError('interface', "'vteth' does not exist", declare=(('vtns', 'vteth'), 'link'))
    plan.add(Op("add 10.0.0.1/24 on 'vteth'", local=True))
    return {'addresses': ['10.0.0.1/24']}


class _Kind:
    plan = staticmethod(_address_plan)


def test_check_mode_assumes_each_missing_prerequisite_then_plans():
    assumed = {}
    plan, after = _plan_assuming(_Kind(), {}, {}, None, 'vt-test-key', True, assumed)
    assert assumed == {('vtns', None): 'netns', ('vtns', 'vteth'): 'link'}
    assert [op.action for op in plan.ops] == ["add 10.0.0.1/24 on 'vteth'"] and after['addresses']
    assert "network namespace 'vtns' does not exist" in _assumption(('vtns', None), 'netns')


def test_outside_check_mode_a_missing_prerequisite_is_an_error():
    with pytest.raises(ParamError) as e:
        _plan_assuming(_Kind(), {}, {}, None, 'vt-test-key', False, {})
    assert str(e.value).startswith("netns: network namespace 'vtns' does not exist")
