"""Every scenario over SSH on a host VM, as on a user's Ampere cloud VM: the collection installs what it
needs (through the VM's only way out, a proxy to the Debian mirror), converges, verifies by ping,
converges again with changed=0, and tears down leaving the VM as it found it.

The tests share one VM and run in order; each leaves the VM clean for the next. Those marked `slow` add
what the local stages already prove on this host's kernel (scenario B over SSH: test_remote_ssh; a reboot:
test_reboot and test_persistent) and cost most of the stage's time under emulation: `./run-tests host-arm64`
leaves them out, `./run-tests host-arm64-full` runs them too."""
import json
import os
import re
import subprocess
import time
import uuid

import pytest
import yaml

import host_vm
from conftest import ROOT, playbook, recap_changed, residue

SLOW_BOOT = 1800  # seconds: an x86_64 guest under TCG inside an emulated aarch64 host


def assert_clean(vm):
    assert residue(vm) == vm.baseline


def proxy_hosts(vm):
    with open(vm.proxy_log) as f:
        lines = [line.split() for line in f]
    return {(line[0], re.sub(r'^http://([^/]+)/.*', r'\1', line[2])) for line in lines}


def converge_twice_then_down(vm, timed, name, extra, says):
    with timed('%s converge' % name):
        out = playbook(vm, name, json.dumps(extra))
    assert says in out, out[-3000:]
    with timed('%s re-run' % name):
        again = playbook(vm, name, json.dumps(extra))
    assert recap_changed(again) == 0, again[-4000:]
    with timed('%s teardown' % name):
        playbook(vm, name, json.dumps(dict(extra, vnetlab_state='absent')))
    assert_clean(vm)
    return out, again


def assert_fetched_through_the_mirror_only(vm):
    fetched = proxy_hosts(vm)
    assert fetched, 'prerequisites installed nothing through the proxy'
    assert {host for _status, host in fetched} <= set(host_vm.mirror_hosts())
    assert not [s for s, _h in fetched if s == '403'], 'the VM asked the proxy for something else'


# slow: scenario C below does all this one does on the VM (namespaces, veths, prerequisites through the
# proxy) and more; A over SSH on the distro Python is also the integration stage's test_remote_ssh
@pytest.mark.slow
def test_scenario_a_installs_its_packages_through_the_mirror_only(vm, timed):
    assert vm.ssh('uname -m').stdout.strip() == {'arm64': 'aarch64', 'amd64': 'x86_64'}[vm.arch]
    converge_twice_then_down(vm, timed, 'veth_pair.yml', {}, 'Scenario A is up')
    assert_fetched_through_the_mirror_only(vm)


@pytest.mark.slow
def test_scenario_b(vm, timed):
    converge_twice_then_down(vm, timed, 'bridge.yml', {}, 'Scenario B is up')


def test_scenario_c_runs_an_x86_64_guest_under_tcg(vm, timed):
    assert vm.ssh('uname -m').stdout.strip() == {'arm64': 'aarch64', 'amd64': 'x86_64'}[vm.arch]
    assert vm.ssh('command -v qemu-system-x86_64', check=False).returncode != 0  # a fresh VM: no QEMU
    extra = {'nested_vm_guest_wait_timeout': SLOW_BOOT}
    out, again = converge_twice_then_down(vm, timed, 'nested_vm.yml', extra, 'Scenario C is up')
    assert_fetched_through_the_mirror_only(vm)  # QEMU and the guest image's packages among them
    pid = re.search(r'\(tcg, pid (\d+)\)', out)
    assert pid, out[-3000:]  # accel auto picked TCG for a guest of another architecture
    assert '(tcg, pid %s)' % pid.group(1) in again  # the re-run kept the same QEMU


def scenario_c(tmp_path, **guest):
    with open(os.path.join(ROOT, 'examples', 'scenario_c.yml')) as f:
        topo = yaml.safe_load(f)
    topo['guests'][0].update(wait_timeout=SLOW_BOOT, **guest)
    path = tmp_path / 'scenario_c.yml'
    path.write_text(yaml.safe_dump(topo))
    return str(path)


def on_guest(vm, command):
    """A command typed at the guest's serial console (vnetlab.linux.guest_command) -> its output."""
    proc = subprocess.run(['ansible', '-i', os.path.join(vm.workdir, 'hosts.ini'), 'labhost', '-b', '-o',
                           '-m', 'vnetlab.linux.guest_command', '-a', json.dumps({'name': 'vm0', 'command': command,
                                                                                  'timeout': 300})],
                          cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return proc.stdout


@pytest.mark.slow
def test_a_persistent_lab_comes_back_after_a_reboot_with_its_disk(vm, timed, tmp_path):
    """Scenario C as a topology file, persistent: converged, verified, rebooted - a systemd unit re-applies
    the lab at boot and the guest's disk keeps what it wrote -, re-run with changed=0, torn down."""
    base = '/var/tmp/vnetlab-test-blank.img'  # raw: the guest's qcow2 overlay is made on it
    vm.ssh('sudo truncate -s 16M %s' % base)
    extra = {'lab_topology': scenario_c(tmp_path, image=base), 'lab_persistent': True,
             'lab_minimal_images': ['x86_64']}
    try:
        with timed('persistent scenario C converge'):
            out = playbook(vm, 'lab.yml', json.dumps(extra))
        assert 'Lab scenario-c is up' in out
        vm.ssh('sudo ip netns exec navy ping -c 1 -W 10 10.16.0.5')  # navy reaches the guest
        marker = 'vnetlab-%s' % uuid.uuid4().hex[:12]
        on_guest(vm, 'echo %s > /dev/vda && sync' % marker)  # the guest writes to its own disk
        disk = "sudo stat -c '%i %s' /var/lib/vnetlab/guests/vm0/disk.qcow2"
        overlay = vm.ssh(disk).stdout
        with timed('reboot to SSH'):
            vm.reboot()
        assert vm.ssh('sudo systemctl is-enabled vnetlab-lab-scenario-c.service').stdout.strip() == 'enabled'
        with timed('lab back by itself after the reboot'):
            state = wait_unit(vm, 'vnetlab-lab-scenario-c.service')
        assert state == 'active', vm.ssh('sudo journalctl -b -u vnetlab-lab-scenario-c.service --no-pager',
                                         check=False).stdout[-4000:]
        vm.ssh('sudo ip netns exec navy ping -c 1 -W 10 10.16.0.5')  # navy reaches the guest again
        assert marker in on_guest(vm, 'head -c 40 /dev/vda')
        assert vm.ssh(disk).stdout == overlay  # the same overlay file, not a new one
        with timed('persistent scenario C re-run after the reboot'):
            again = playbook(vm, 'lab.yml', json.dumps(extra))
        assert recap_changed(again) == 0, again[-4000:]
    finally:
        with timed('persistent scenario C teardown'):
            playbook(vm, 'lab.yml', json.dumps(dict(extra, vnetlab_state='absent')))
        vm.ssh('sudo rm -f %s' % base)
    assert_clean(vm)


def wait_unit(vm, unit, timeout=SLOW_BOOT):
    """The unit's state once it is no longer starting (a oneshot unit is `activating` until it is done)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        state = vm.ssh('systemctl is-active %s' % unit, check=False).stdout.strip()
        if state not in ('activating', 'inactive', ''):
            return state
        time.sleep(5)
    return 'still starting after %ds' % timeout
