"""A guest's record keeps the stop timeout it was started with, so that a teardown that knows the guest
only by its lab's mark (no longer declared, `down` by name, cleanup) waits as long as its declaration
said - and the timeout is not part of the configuration compared on a re-run."""
import os

from ansible_collections.vnetlab.linux.plugins.module_utils.guest import qemu
from ansible_collections.vnetlab.linux.plugins.module_utils.objects import guest


def paths_in(monkeypatch, tmp_path):
    monkeypatch.setattr(qemu, 'RUN_DIR', str(tmp_path / 'run'))
    monkeypatch.setattr(qemu, 'STATE_DIR', str(tmp_path / 'lib'))
    paths = qemu.Paths('vm0')
    os.makedirs(paths.run)
    return paths


def test_the_stop_timeout_is_recorded_but_not_compared(monkeypatch, tmp_path):
    paths = paths_in(monkeypatch, tmp_path)
    qemu.write_config(paths, {'arch': 'x86_64', 'accel': 'tcg'}, stop_timeout=1)
    assert qemu.read_config(paths) == {'arch': 'x86_64', 'accel': 'tcg'}
    assert qemu.recorded_stop_timeout(paths, 30) == 1
    assert guest.gone_entry('vm0') == {'name': 'vm0', 'nics': [], 'stop_timeout': 1}


def test_without_a_recorded_timeout_the_options_default(monkeypatch, tmp_path):
    paths = paths_in(monkeypatch, tmp_path)
    assert qemu.recorded_stop_timeout(paths, 30) == 30  # no record at all
    qemu.write_config(paths, {'arch': 'x86_64'})  # recorded by an earlier version
    assert qemu.recorded_stop_timeout(paths, 30) == 30
    assert guest.gone_entry('vm0')['stop_timeout'] == guest.OPTIONS['stop_timeout']['default']
    with open(paths.config, 'w') as f:
        f.write('{"stop_timeout": "soon"}')  # not a number: the default, not a crash
    assert qemu.recorded_stop_timeout(paths, 30) == 30
