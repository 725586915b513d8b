"""A run's progress record and the lines a watcher prints from it."""
import json

from ansible_collections.vnetlab.linux.plugins.action.topology import Watcher
from ansible_collections.vnetlab.linux.plugins.module_utils import progress

WAIT = "wait for guest 'vm0' (its QMP socket, up to 300 s)"


def test_describe():
    record = {'step': 14, 'steps': 16, 'since': 100.0, 'action': WAIT}
    assert progress.describe(record, now=142.7) == 'step 14/16, 42 s: ' + WAIT
    assert progress.describe(record, now=99.0).startswith('step 14/16, 0 s:')


def test_watcher_prints_a_step_that_lasts(tmp_path):
    path = tmp_path / 'run.json'
    watcher = Watcher(str(path), 'localhost: lab c', after=5, every=10, start=False)
    assert watcher.poll(now=1000) is None  # no run
    path.write_text(json.dumps({'step': 3, 'steps': 5, 'since': 1000.0, 'action': WAIT}))
    assert watcher.poll(now=1003) is None  # not long yet
    assert watcher.poll(now=1006) == 'localhost: lab c: step 3/5, 6 s: ' + WAIT
    assert watcher.poll(now=1010) is None  # printed a moment ago
    assert watcher.poll(now=1016) == 'localhost: lab c: step 3/5, 16 s: ' + WAIT
    path.write_text(json.dumps({'step': 4, 'steps': 5, 'since': 1016.0, 'action': 'start guest'}))
    assert watcher.poll(now=1022) == 'localhost: lab c: step 4/5, 6 s: start guest'
    watcher.stop()
