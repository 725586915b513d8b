"""The kernel lane (docs/testing.md): tests that need a kernel feature this machine's kernel may lack
(netem, VLANs, bridge VLAN filtering, VRF, bonds...) run in ONE x86_64 VM with Debian 12's kernel, booted
once per session and shared (tests/fixtures/kernel_lane.py). A test costs seconds, not a boot.

    python -m pytest tests/kernel                     # ./run-tests kernel
    VNETLAB_LANE=off python -m pytest tests/kernel    # a stage without the lane: its tests skip, saying why

A test asks for the `lane` fixture and declares what it needs with @pytest.mark.kernel('netem', ...):
the lane's kernel is checked for it (a probe of tests/fixtures/kernel_features.py, in the VM) before the
test runs, and a stage that does not boot the lane (VNETLAB_LANE=off: ./run-tests quick) skips the test
with the reason - the only place it skips. After each test the VM must be as it was after boot (its
namespaces, links and qdiscs): what a test leaves is removed and fails it.
"""
import os
import sys
import uuid

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'fixtures'))
import kernel_features  # noqa: E402
import kernel_lane  # noqa: E402

LANE_OFF = os.environ.get('VNETLAB_LANE') == 'off'


def report(config, line):
    """A line on the terminal while pytest captures output (the lane's timings belong in the stage's log)."""
    capture = config.pluginmanager.getplugin('capturemanager')
    with capture.global_and_fixture_disabled():
        sys.stdout.write('\n%s\n' % line)
        sys.stdout.flush()


def features_of(item):
    return [f for marker in item.iter_markers('kernel') for f in marker.args]


def pytest_runtest_setup(item):
    features = features_of(item)
    unknown = [f for f in features if f not in kernel_features.PROBES]
    if unknown:
        pytest.fail('%s: kernel(%s): no probe for %s in tests/fixtures/kernel_features.py (add one)'
                    % (item.nodeid, ', '.join(features), ', '.join(unknown)), pytrace=False)
    if features and 'lane' not in item.fixturenames:
        pytest.fail('%s needs %s: it must run in the kernel lane (use the `lane` fixture)'
                    % (item.nodeid, ', '.join(features)), pytrace=False)
    if LANE_OFF and 'lane' in item.fixturenames:
        missing = [(f, kernel_features.why_unsupported(f)) for f in features]
        missing = [(f, why) for f, why in missing if why]
        here = ('this kernel lacks %s' % '; '.join('%s (%s)' % m for m in missing) if missing else
                'it proves %s in Debian\'s kernel' % ', '.join(features) if features else 'it uses the lane VM')
        pytest.skip('runs in the kernel lane, which this stage does not boot (VNETLAB_LANE=off; '
                    './run-tests kernel runs it): %s' % here)


@pytest.fixture(scope='session')
def lane(request):
    """The kernel lane's VM (kernel_lane.Lane): run(), ok(), json(), module(), playbook(), supports()."""
    with kernel_lane.booted(say=lambda line: report(request.config, line)) as vm:
        vm.probed = {}
        yield vm


@pytest.fixture(autouse=True)
def lane_as_found(request):
    """For a test in the lane: its kernel(...) features checked there first; the VM as found afterwards."""
    if 'lane' not in request.fixturenames:
        yield
        return
    vm = request.getfixturevalue('lane')
    features = features_of(request.node)
    vm.probed.update(vm.probe([f for f in features if f not in vm.probed]) if set(features) - set(vm.probed) else {})
    for feature in features:
        if vm.probed[feature]:
            pytest.fail("the kernel lane's kernel lacks %s: %s" % (feature, vm.probed[feature]), pytrace=False)
    yield
    left = vm.changes()
    if left:
        vm.restore()
        pytest.fail('the test left this in the kernel lane (now removed): %s' % left, pytrace=False)


@pytest.fixture
def tag():
    """A short unique prefix for one test's names in the VM (interface names have 15 characters)."""
    return 'vk' + uuid.uuid4().hex[:4]
