"""A run's progress record and the lines a watcher prints from it."""
import json

from ansible_collections.vnetlab.linux.plugins.plugin_utils.progress_watch import (
    SEPARATOR, Watcher, job_finished, parse_poll, sh_path)
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


def test_a_watcher_fed_records_read_elsewhere():
    watcher = Watcher('/nonexistent', 'labhost: guest vm0', after=5, every=10, start=False)
    record = {'step': 4, 'steps': 4, 'since': 1000.0, 'action': WAIT}
    assert watcher.line(None, now=1010) is None and watcher.line({'step': 1}, now=1010) is None
    assert watcher.line(record, now=1002) is None
    assert watcher.line(record, now=1012) == 'labhost: guest vm0: step 4/4, 12 s: ' + WAIT


def test_a_poll_of_a_remote_job():
    record = {'step': 2, 'steps': 5, 'since': 1.0, 'action': 'start guest'}
    # cat progress; echo; echo SEPARATOR; date +%s; echo SEPARATOR; cat job file - either file may not exist
    assert parse_poll('\n%s\n1700000000\n%s\n' % (SEPARATOR, SEPARATOR)) == (None, 1700000000, None)
    assert parse_poll('%s\n\n%s\n1700000000\n%s\n{"started": 1, "finished": 0, "ansible_job_id": "j1.2"}' % (
        json.dumps(record), SEPARATOR, SEPARATOR)) == (
        record, 1700000000, {'started': 1, 'finished': 0, 'ansible_job_id': 'j1.2'})
    assert parse_poll('{"step": 2, "ste\n%s\n\n%s\n' % (SEPARATOR, SEPARATOR)) == (None, None, None)  # half-written
    assert parse_poll('') == (None, None, None)


def test_a_remote_job_is_finished_when_its_file_holds_the_result():
    assert not job_finished(None)  # not written yet
    assert not job_finished({'started': 1, 'finished': 0, 'ansible_job_id': 'j1.2'})
    assert job_finished({'changed': True, 'pid': 42})
    assert job_finished({'failed': True, 'msg': 'Timeout exceeded', 'child_pid': 7})


def test_remote_paths_keep_the_home_for_the_shell():
    assert sh_path('~/.ansible/tmp/vnetlab-job-1/j2.3') == '~/.ansible/tmp/vnetlab-job-1/j2.3'
    assert sh_path('~root/a b') == "~root/'a b'"
    assert sh_path('/tmp/a b') == "'/tmp/a b'"
    assert sh_path('~/$(reboot)') == "~/'$(reboot)'"
