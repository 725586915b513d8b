"""Integration fixtures: run our modules for real (as root, real kernel) and make sure nothing is left.

Modules are executed the way Ansible executes them (a Python process reading ANSIBLE_MODULE_ARGS),
under two interpreters: this venv's Python with PyPI's pyroute2 0.9.x, and Debian's /usr/bin/python3
with the distro's python3-pyroute2 0.7.x - the two API generations the engine must support.
"""
import fcntl
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import uuid

import pytest

MINIMAL_X86_64 = '/var/cache/vnetlab/images/minimal-x86_64'  # the image cache of vnetlab.linux.minimal_image
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(ROOT, '.collections')
PREFIX = 'vt'  # every test resource starts with this; the session-end check looks for it


def _ansible_only_path(tmp_root):
    """A directory holding just the `ansible` package, so the system Python can import
    ansible.module_utils (as AnsiballZ would ship it) without seeing the venv's pyroute2."""
    import ansible
    path = os.path.join(tmp_root, 'ansible-only')
    os.makedirs(path, exist_ok=True)
    link = os.path.join(path, 'ansible')
    if not os.path.exists(link):
        os.symlink(os.path.dirname(ansible.__file__), link)
    return path


def interpreters():
    found = [('pyroute2-0.9', sys.executable)]
    system = '/usr/bin/python3'
    if os.path.exists(system) and subprocess.call([system, '-c', 'import pyroute2'],
                                                  stderr=subprocess.DEVNULL) == 0:
        found.append(('pyroute2-0.7', system))
    return found


class ModuleRunner:
    def __init__(self, python, tmp_root):
        self.python = python
        self.env = dict(os.environ, PYTHONPATH=os.pathsep.join([COLLECTIONS, _ansible_only_path(tmp_root)]))

    def __call__(self, module, check=False, diff=True, **args):
        args.update(_ansible_check_mode=check, _ansible_diff=diff)
        path = os.path.join(ROOT, 'plugins', 'modules', module + '.py')
        proc = subprocess.run([self.python, path], input=json.dumps({'ANSIBLE_MODULE_ARGS': args}),
                              capture_output=True, text=True, env=self.env, timeout=120, check=False)
        try:
            result = json.loads(proc.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise AssertionError('module %s printed no JSON (rc %s): %s %s'
                                 % (module, proc.returncode, proc.stdout, proc.stderr)) from None
        result['rc'] = proc.returncode
        return result

    def ok(self, module, **args):
        result = self(module, **args)
        assert not result.get('failed'), result.get('msg')
        return result

    def fails(self, module, **args):
        result = self(module, **args)
        assert result.get('failed'), 'expected %s to fail: %s' % (module, result)
        return result['msg']


@pytest.fixture(scope='session')
def tmp_root(tmp_path_factory):
    return str(tmp_path_factory.mktemp('vnetlab'))


@pytest.fixture(params=interpreters(), ids=lambda i: i[0])
def run(request, tmp_root):
    """A module runner, once per pyroute2 generation."""
    return ModuleRunner(request.param[1], tmp_root)


@pytest.fixture
def run09(tmp_root):
    """A module runner for tests that need not repeat on both generations."""
    return ModuleRunner(sys.executable, tmp_root)


def ip(*args, netns=None, check=True):
    cmd = ['ip'] + (['-n', netns] if netns else []) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, check=check).stdout


def ipj(*args, netns=None):
    out = ip('-j', *args, netns=netns, check=False)
    return json.loads(out) if out.strip() else []


def link(name, netns=None):
    """`ip -j link show` of one link (an independent view of the kernel), or None."""
    found = [x for x in ipj('-d', 'link', 'show', netns=netns) if x['ifname'] == name]
    return found[0] if found else None


def addresses(name, netns=None):
    out = []
    for entry in ipj('addr', 'show', 'dev', name, netns=netns):
        out += ['%s/%s' % (a['local'], a['prefixlen']) for a in entry.get('addr_info', [])
                if a.get('scope') != 'link']
    return sorted(out)


class Names:
    """Unique, short resource names for one test, cleaned up afterwards even when the test fails."""

    def __init__(self):
        self.tag = PREFIX + uuid.uuid4().hex[:5]

    def __call__(self, suffix):
        return '%s%s' % (self.tag, suffix)

    def cleanup(self):
        for ns in ip('netns', 'list').split('\n'):
            ns = ns.split(' ')[0]
            if ns.startswith(self.tag):
                ip('netns', 'del', ns, check=False)
        for entry in ipj('link', 'show'):
            if entry['ifname'].startswith(self.tag):
                ip('link', 'del', entry['ifname'], check=False)
        for pid, cmdline in processes():  # DHCP servers of a failed test's bridges
            if b'/run/vnetlab/dhcp/' + self.tag.encode() in cmdline:
                os.kill(int(pid), signal.SIGKILL)
        for d in glob.glob('/run/vnetlab/dhcp/%s*' % self.tag):
            shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def names():
    n = Names()
    yield n
    n.cleanup()


def processes():
    for pid in os.listdir('/proc'):
        try:
            with open('/proc/%s/cmdline' % pid, 'rb') as f:
                yield pid, f.read()
        except (IOError, OSError):
            continue


def leftovers():
    found = [('netns', n.split(' ')[0]) for n in ip('netns', 'list').split('\n') if n.startswith(PREFIX)]
    found += [('link', x['ifname']) for x in ipj('link', 'show') if x['ifname'].startswith(PREFIX)]
    for pid, cmdline in processes():
        if b'process=vnetlab-' + PREFIX.encode() in cmdline or b'process=vnetlab-vq' in cmdline:
            found.append(('qemu process', pid))
        if b'/run/vnetlab/dhcp/' + PREFIX.encode() in cmdline:
            found.append(('dnsmasq process', pid))
    if os.path.exists('/run/vnetlab'):
        for dirpath, _dirs, files in os.walk('/run/vnetlab'):
            found += [('runtime file', os.path.join(dirpath, f)) for f in files]
    return found


LAB_LOCK = '/tmp/vnetlab-labtests.lock'


@pytest.fixture(scope='session', autouse=True)
def nothing_left_behind():
    # Labs share the kernel: two test runs at once would collide on names and see each other's
    # objects as leftovers. One run at a time (molecule and benchmarks take the same lock).
    lock = open(LAB_LOCK, 'a')
    fcntl.flock(lock, fcntl.LOCK_EX)
    before = set(leftovers())
    yield
    left = set(leftovers()) - before
    assert not left, 'the test run left these behind: %s' % sorted(left)


@pytest.fixture(scope='session')
def minimal_x86_64(tmp_root):
    """The minimal x86_64 guest image in vnetlab's image cache, built by vnetlab.linux.minimal_image where this
    machine has none yet (a fresh machine): a test that boots it runs everywhere, never skips."""
    if not shutil.which('qemu-system-x86_64'):
        pytest.fail('needs qemu-system-x86_64 (./run-tests installs qemu-system-x86)')
    ModuleRunner(sys.executable, tmp_root).ok('minimal_image', arch='x86_64', dest=MINIMAL_X86_64)
    return MINIMAL_X86_64


# Tests that boot a guest or a VM, or build a guest image, are marked `guest` (pytest.ini):
# ./run-tests quick runs the others (-m 'not guest'). They are found by the fixtures that build or boot
# one, and by name for those that start QEMU themselves. A new test of either kind needs nothing here
# when it uses one of GUEST_FIXTURES; otherwise its name goes in GUEST_TESTS.
GUEST_FIXTURES = {'minimal_x86_64', 'cloud_image', 'image_x86'}
GUEST_TESTS = {
    'test_crash.py::test_sigterm_while_a_guest_boots_stops_it_and_rolls_back',
    'test_guest_images.py::test_aarch64_minimal_guest_under_tcg',
    'test_guest_images.py::test_cloud_init_seed_and_overlay',
    'test_nested_vm.py::test_nested_vm_playbook',
    'test_reboot.py::test_the_next_run_after_a_reboot_rebuilds_the_lab_on_the_same_disks',
}


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marks
def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(os.path.abspath(__file__))
    mine = [item for item in items if os.path.dirname(str(item.path)) == here]
    for item in mine:
        if '%s::%s' % (item.path.name, item.originalname) in GUEST_TESTS or GUEST_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.guest)
    modules = {item.path.name: item.module for item in mine if getattr(item, 'module', None)}
    gone = sorted(t for t in GUEST_TESTS if t.split('::')[0] in modules  # its file is collected: the test must exist
                  and not hasattr(modules[t.split('::')[0]], t.split('::')[1]))
    if gone:
        raise pytest.UsageError('tests/integration/conftest.py GUEST_TESTS names tests that do not exist '
                                '(renamed?): %s' % ', '.join(gone))
