"""A persistent lab's unit file, its code zip and the plan that installs or removes them (lab/persist.py):
decided without systemd and without a kernel."""
import io
import os
import subprocess
import sys
import types
import zipfile

import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils import engine
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.lab import persist
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import normalize

LAB = {'lab': 'boot1', 'namespaces': ['red'], 'bridges': [{'name': 'br0', 'addresses': ['10.16.0.1/24']}]}


@pytest.fixture
def unit_dir(monkeypatch, tmp_path):
    monkeypatch.setenv(persist.TEST_UNIT_DIR_ENV, str(tmp_path / 'systemd'))
    monkeypatch.setattr(persist, 'BASE', str(tmp_path / 'lib' / 'persistent'))
    monkeypatch.setattr(persist.qemu, 'STATE_DIR', str(tmp_path / 'lib'))
    return tmp_path / 'systemd'


def test_the_unit_file():
    topo = normalize(dict(LAB, guests=[{'name': 'vm0', 'kernel': '/var/cache/k/kernel', 'wait_timeout': 60}]))
    paths = persist.Paths('boot1')
    text = persist.unit_text('boot1', '/usr/bin/python3', paths, topo)
    lines = text.splitlines()
    assert lines[0] == persist.header('boot1') and persist.is_ours(text, 'boot1')
    assert not persist.is_ours(text, 'boot2') and not persist.is_ours('[Unit]\n', 'boot1')
    assert 'Type=oneshot' in lines and 'RemainAfterExit=yes' in lines and 'WantedBy=multi-user.target' in lines
    assert 'After=network-online.target nftables.service' in lines and 'Wants=network-online.target' in lines
    assert 'Environment=PYTHONPATH=/var/lib/vnetlab/persistent/boot1/code.zip' in lines
    assert ('ExecStart=/usr/bin/python3 -m ansible_collections.vnetlab.linux.plugins.module_utils.lab.restore boot1'
            in lines)
    assert 'TimeoutStartSec=360' in lines  # time for the guest to boot
    assert ('RequiresMountsFor=/var/cache/k /var/lib/vnetlab/guests /var/lib/vnetlab/persistent/boot1' in lines)
    assert persist.unit_name('boot1') == 'vnetlab-lab-boot1.service'
    with pytest.raises(ParamError, match='persistent: the interpreter path'):
        persist.unit_text('boot1', '/opt/my python/bin/python3', paths, topo)


def test_a_relative_guest_file_cannot_be_found_at_boot():
    topo = normalize(dict(LAB, guests=[{'name': 'vm0', 'kernel': 'images/kernel'}]))
    with pytest.raises(ParamError, match=r"persistent: guests\[0\].kernel 'images/kernel' is a relative path"):
        persist.check_paths(topo)


def _fake_modules(tmp_path):
    """Two packages of ours and ansible.module_utils, imported from a directory."""
    root = tmp_path / 'src'
    files = {'ansible/__init__.py': 'raise ImportError("the controller")\n',
             'ansible/module_utils/__init__.py': '',
             'ansible/module_utils/tiny.py': 'X = 1\n',
             'ansible_collections/vnetlab/linux/plugins/module_utils/__init__.py': '',
             'ansible_collections/vnetlab/linux/plugins/module_utils/one.py': 'Y = 2\n'}
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    modules = {}
    for name in ('ansible.module_utils', 'ansible.module_utils.tiny', 'ansible_collections.vnetlab.linux.plugins.'
                 'module_utils', 'ansible_collections.vnetlab.linux.plugins.module_utils.one'):
        parts = name.split('.')
        module = types.ModuleType(name)
        if name.endswith('module_utils'):
            module.__path__ = [str(root.joinpath(*parts))]
        modules[name] = module
    modules['ansible'] = types.ModuleType('ansible')
    modules['ansible'].__path__ = [str(root / 'ansible')]
    modules['ansible_collections.vnetlab.linux.plugins'] = types.ModuleType('x')
    modules['ansible_collections.vnetlab.linux.plugins'].__path__ = [
        str(root / 'ansible_collections/vnetlab/linux/plugins')]
    modules['ansible.module_utils.six.moves'] = types.ModuleType('ansible.module_utils.six.moves')  # no file
    return modules


def test_the_code_zip_is_deterministic_and_holds_the_sources(tmp_path):
    modules = _fake_modules(tmp_path)
    data = persist.code_zip(modules)
    assert persist.code_zip(modules) == data  # an unchanged collection rewrites nothing
    z = zipfile.ZipFile(io.BytesIO(data))
    assert z.namelist() == sorted(z.namelist())
    assert set(z.namelist()) == {
        'ansible/__init__.py', 'ansible/module_utils/__init__.py', 'ansible/module_utils/tiny.py',
        'ansible_collections/__init__.py', 'ansible_collections/vnetlab/__init__.py',
        'ansible_collections/vnetlab/linux/__init__.py', 'ansible_collections/vnetlab/linux/plugins/__init__.py',
        'ansible_collections/vnetlab/linux/plugins/module_utils/__init__.py',
        'ansible_collections/vnetlab/linux/plugins/module_utils/one.py'}
    assert z.read('ansible/__init__.py') == b''  # not the controller's
    assert z.read('ansible/module_utils/tiny.py') == b'X = 1\n'
    assert all(i.date_time == persist.ZIP_TIME and i.external_attr == 0o644 << 16 for i in z.infolist())


def test_a_module_of_ours_without_source_is_an_error(tmp_path):
    modules = _fake_modules(tmp_path)
    os.unlink(str(tmp_path / 'src/ansible_collections/vnetlab/linux/plugins/module_utils/one.py'))
    with pytest.raises(persist.VnetlabError, match='the source of .*module_utils.one cannot be read'):
        persist.code_zip(modules)


def test_the_zip_of_this_process_runs_the_restore_entry_point(tmp_path):
    """The real collection, from a zip, in a fresh interpreter: everything restore imports is in it."""
    path = tmp_path / 'code.zip'
    path.write_bytes(persist.code_zip())
    proc = subprocess.run([sys.executable, '-m', persist.RESTORE], capture_output=True, text=True, check=False,
                          env={'PYTHONPATH': str(path), 'PATH': os.environ.get('PATH', '')}, cwd='/')
    assert proc.returncode == 2 and proc.stderr.startswith('<3>usage: python -m ' + persist.RESTORE), proc.stderr


def _plan(local, wanted, definition=None, topo=None):
    plan = engine.Plan({}, lab='boot1')
    after = persist.plan(plan, 'boot1', wanted, definition, topo, local, phase=4, python='/usr/bin/python3')
    return plan, after


def test_install_then_nothing_to_do_then_remove(unit_dir):
    topo = normalize(LAB)
    plan, after = _plan(persist.read_local('boot1'), True, LAB, topo)
    assert [op.action for op in plan.ops] == [
        "save lab 'boot1' for boot in %s/boot1" % persist.BASE, 'install systemd unit vnetlab-lab-boot1.service',
        'enable systemd unit vnetlab-lab-boot1.service (multi-user.target)']
    assert after['persistent'] and after['enabled']
    for op in plan.ops:
        op.do(None)
    assert os.readlink(str(unit_dir / 'multi-user.target.wants' / 'vnetlab-lab-boot1.service')) == \
        '../vnetlab-lab-boot1.service'
    local = persist.read_local('boot1')
    assert persist.view(local) == after
    assert oct(os.stat(persist.BASE + '/boot1').st_mode & 0o777) == '0o700'
    assert _plan(local, True, LAB, topo)[0].ops == []  # changed=false
    plan, after = _plan(local, False)
    assert [op.action for op in plan.ops] == ['disable and remove systemd unit vnetlab-lab-boot1.service',
                                              'remove the saved lab %s/boot1' % persist.BASE]
    assert after == {'persistent': False}
    for op in plan.ops:
        op.do(None)
    assert not os.path.exists(str(unit_dir / 'vnetlab-lab-boot1.service'))
    assert not os.path.lexists(str(unit_dir / 'multi-user.target.wants' / 'vnetlab-lab-boot1.service'))
    assert not os.path.exists(persist.BASE)
    assert persist.persistent_labs() == {}


def test_a_change_of_the_definition_is_saved_again_and_a_failed_save_is_rolled_back(unit_dir):
    topo = normalize(LAB)
    for op in _plan(persist.read_local('boot1'), True, LAB, topo)[0].ops:
        op.do(None)
    changed = dict(LAB, namespaces=['red', 'blue'])
    plan, _after = _plan(persist.read_local('boot1'), True, changed, normalize(changed))
    assert [op.action for op in plan.ops] == ["save lab 'boot1' for boot in %s/boot1" % persist.BASE]
    saved = open(persist.Paths('boot1').definition).read()
    plan.ops[0].do(None)
    assert '"blue"' in open(persist.Paths('boot1').definition).read()
    plan.ops[0].undo(None)
    assert open(persist.Paths('boot1').definition).read() == saved


def test_a_unit_that_is_not_ours_is_refused_and_never_removed(unit_dir):
    unit_dir.mkdir()
    (unit_dir / 'vnetlab-lab-boot1.service').write_text('[Unit]\nDescription=someone else\n')
    local = persist.read_local('boot1')
    with pytest.raises(ParamError, match='was not written by vnetlab'):
        _plan(local, True, LAB, normalize(LAB))
    plan, _after = _plan(local, False)
    assert plan.ops == [] and plan.warnings == [
        "%s/vnetlab-lab-boot1.service was not written by vnetlab for lab 'boot1': left alone" % unit_dir]
    assert persist.persistent_labs() == {}


def test_without_systemd_persistent_fails_before_anything(monkeypatch, tmp_path):
    monkeypatch.delenv(persist.TEST_UNIT_DIR_ENV, raising=False)
    monkeypatch.setattr(persist, 'SYSTEMD_RUNNING', str(tmp_path / 'no-systemd'))
    monkeypatch.setattr(persist, 'UNIT_DIR', str(tmp_path / 'etc'))
    with pytest.raises(ParamError, match='persistent: needs systemd as the init system'):
        _plan(persist.read_local('boot1'), True, LAB, normalize(LAB))


def test_the_zip_holds_the_bundled_distro_where_the_host_has_no_distro_package(tmp_path):
    """ansible.module_utils.distro puts its bundled _distro module in its own place in sys.modules; a boot-time
    run on a host without the `distro` package (-S: no site-packages here) imports it from the zip."""
    path = tmp_path / 'code.zip'
    path.write_bytes(persist.code_zip())
    assert 'ansible/module_utils/distro/_distro.py' in zipfile.ZipFile(str(path)).namelist()
    proc = subprocess.run([sys.executable, '-S', '-c', 'import ansible.module_utils.basic'], capture_output=True,
                          text=True, check=False, env={'PYTHONPATH': str(path)}, cwd='/')
    assert proc.returncode == 0, proc.stderr
