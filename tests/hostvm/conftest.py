"""The lab host as a VM (tests/fixtures/host_vm.py): one VM for the whole stage, booted once.

    python -m pytest tests/hostvm --host-arch arm64     # ./run-tests host-arm64

Playbooks reach it over SSH on 127.0.0.1 as a non-root user with sudo, on the distribution's python3.
Every step's time is printed (the stage's budget is a CI budget) and nothing is left on the VM after a
teardown: residue() is compared with what the VM had before the first playbook."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'fixtures'))
import debian_image  # noqa: E402
import host_vm  # noqa: E402


def pytest_addoption(parser):
    parser.addoption('--host-arch', default='arm64', choices=sorted(host_vm.QEMU),
                     help='architecture of the host VM (default arm64, an Ampere host emulated)')


def pytest_configure(config):
    config.addinivalue_line('markers', 'slow: left out of ./run-tests host-arm64 (run by host-arm64-full)')


def report(config, line):
    capture = config.pluginmanager.getplugin('capturemanager')
    with capture.global_and_fixture_disabled():
        sys.stdout.write('\n%s\n' % line)
        sys.stdout.flush()


class Timer:
    def __init__(self, config):
        self.config = config

    def __call__(self, what):
        return _Timed(self.config, what)


class _Timed:
    def __init__(self, config, what):
        self.config, self.what = config, what

    def __enter__(self):
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc):
        self.seconds = time.monotonic() - self.started
        report(self.config, 'host VM: %s %s %.0fs' % (self.what, 'failed after' if exc[0] else 'took', self.seconds))


@pytest.fixture(scope='session')
def timed(request):
    return Timer(request.config)


@pytest.fixture(scope='session')
def host_arch(request):
    return request.config.getoption('--host-arch')


@pytest.fixture(scope='session')
def vm(request, timed, host_arch):
    for tool in ('mmdebstrap', 'mke2fs', 'qemu-img', host_vm.QEMU[host_arch][0]):
        if not shutil.which(tool):
            pytest.fail('the host VM needs %s (./run-tests installs it)' % tool)
    with timed('image (build or cache)'):
        image, built = debian_image.ensure(host_vm.host_recipe(host_arch))
    report(request.config, 'host VM image %s: %s' % ('reused from the cache' if built is None
                                                     else 'built in %.0fs' % built, image.path))
    work = tempfile.mkdtemp(prefix='vnetlab-hostvm-')
    machine = host_vm.HostVM(image, work, host_arch)
    machine.start()
    try:
        with timed('boot to SSH'):
            machine.wait_ssh(900)
        machine.baseline = residue(machine)
        machine.inventory(os.path.join(work, 'hosts.ini'))
        yield machine
    except BaseException:
        report(request.config, 'host VM console:\n' + machine.tail())
        raise
    finally:
        machine.stop()
        shutil.rmtree(work, ignore_errors=True)


def residue(machine):
    """What a lab could leave on the host VM."""
    script = '; '.join([
        'echo "## netns"; ip netns list',
        'echo "## links"; ip -o link show | cut -d: -f2 | grep -v "^ *lo$\\|^ *en\\|^ *eth0$" || true',
        'echo "## nft"; sudo nft list ruleset 2>/dev/null | grep -c vnetlab || true',
        'echo "## processes"; pgrep -a "qemu|dnsmasq" || true',
        'echo "## files"; sudo find /run/vnetlab /var/lib/vnetlab /etc/systemd/system -name "*vnetlab*" '
        '-o -path "/run/vnetlab/*" -o -path "/var/lib/vnetlab/*" 2>/dev/null | sort || true',
    ])
    return machine.ssh(script).stdout


def playbook(machine, name, *extra, check=False):
    """ansible-playbook against the VM; -> its output (asserting success)."""
    argv = ['ansible-playbook', '-i', os.path.join(machine.workdir, 'hosts.ini'),
            os.path.join(ROOT, 'playbooks', name)]
    for e in extra:
        argv += ['-e', e]
    if check:
        argv += ['--check', '--diff']
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=3600, check=False,
                          env=dict(os.environ, ANSIBLE_FORCE_COLOR='0'))
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    return proc.stdout


def recap_changed(out):
    import re
    m = re.search(r'labhost\s*:\s*ok=\d+\s+changed=(\d+)', out)
    assert m, out[-2000:]
    return int(m.group(1))
