"""Every scenario over SSH on a host VM, as on a user's Ampere cloud VM: the collection installs what it
needs (through the VM's only way out, a proxy to the Debian mirror), converges, verifies by ping,
converges again with changed=0, and tears down leaving the VM as it found it.

The tests share one VM and run in order; each leaves the VM clean for the next."""
import json
import os
import re

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


def test_scenario_a_installs_its_packages_through_the_mirror_only(vm, timed):
    assert vm.ssh('uname -m').stdout.strip() == {'arm64': 'aarch64', 'amd64': 'x86_64'}[vm.arch]
    assert vm.ssh('command -v qemu-system-x86_64', check=False).returncode != 0  # a fresh VM: no QEMU
    converge_twice_then_down(vm, timed, 'veth_pair.yml', {}, 'Scenario A is up')
    fetched = proxy_hosts(vm)
    assert fetched, 'prerequisites installed nothing through the proxy'
    assert {host for _status, host in fetched} <= set(host_vm.mirror_hosts())
    assert not [s for s, _h in fetched if s == '403'], 'the VM asked the proxy for something else'


def test_scenario_b(vm, timed):
    converge_twice_then_down(vm, timed, 'bridge.yml', {}, 'Scenario B is up')


def test_scenario_c_runs_an_x86_64_guest_under_tcg(vm, timed):
    extra = {'nested_vm_guest_wait_timeout': SLOW_BOOT}
    out, again = converge_twice_then_down(vm, timed, 'nested_vm.yml', extra, 'Scenario C is up')
    pid = re.search(r'\(tcg, pid (\d+)\)', out)
    assert pid, out[-3000:]  # accel auto picked TCG for a guest of another architecture
    assert '(tcg, pid %s)' % pid.group(1) in again  # the re-run kept the same QEMU


def test_scenario_c_as_a_topology_file(vm, timed, tmp_path):
    with open(os.path.join(ROOT, 'examples', 'scenario_c.yml')) as f:
        topo = yaml.safe_load(f)
    topo['guests'][0]['wait_timeout'] = SLOW_BOOT
    path = tmp_path / 'scenario_c.yml'
    path.write_text(yaml.safe_dump(topo))
    extra = {'lab_topology': str(path), 'lab_minimal_images': ['x86_64']}
    converge_twice_then_down(vm, timed, 'lab.yml', extra, 'Lab scenario-c is up')
