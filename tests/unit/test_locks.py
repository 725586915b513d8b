"""Lock names become abstract unix socket addresses, which the kernel limits to 107 bytes."""
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import locks


def test_short_names_stay_readable():
    assert locks.address('lab/red') == '\0vnetlab-lock/lab/red'


def test_long_names_fit_and_stay_distinct():
    deep = '/tmp/pytest-of-root/pytest-103/test_scenario_playbook_dry_run2/images/cirros-0.6.2-x86_64'
    a, b = locks.address(deep + '/a'), locks.address(deep + '/b')
    assert len(a.encode()) <= 107 and len(b.encode()) <= 107
    assert a != b and a.startswith('\0vnetlab-lock//tmp/pytest-of-root')


def test_long_multibyte_names_fit():
    assert len(locks.address('ä' * 200).encode()) <= 107


def test_a_long_name_can_be_held():
    with locks.hold('x' * 300, wait=1):
        pass
