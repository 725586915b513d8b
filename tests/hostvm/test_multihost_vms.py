"""A lab over three host VMs (the slower stage of labs across hosts: `./run-tests multihost-vms`, x86_64
host VMs; also in host-arm64-full, as aarch64 ones). The integration stage proves the same lab on
lightweight test hosts (tests/integration/multihost.py); here each host is a whole machine with its own
kernel, systemd and sshd, as a user's cloud VMs are.

The VMs meet on a test bridge of this machine through a TAP each (a second NIC, 10.69.14.i/24 inside the VM;
the bridge itself has no address, so nothing of it reaches this machine's own network stack). One play over
the three applies the topology: a bridge on all three joined by VXLAN over that network, a namespace on host
1 pings one on host 3 across the tunnels; re-run changed=0 on every host; teardown leaves each VM as it was."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

import debian_image
import host_vm
from conftest import ROOT, residue

sys.path.append(os.path.join(ROOT, 'tests', 'integration'))  # appended: `conftest` above stays this stage's
from multihost import TOPOLOGY_PLAY  # noqa: E402  (the same play as the lightweight test hosts')

LAN = '10.69.14.%d'


def ip(*args, check=True):
    return subprocess.run(['ip'] + list(args), capture_output=True, text=True, check=check)


@pytest.fixture
def three_vms(host_arch, timed):
    tag = 'vm' + uuid.uuid4().hex[:5]
    image, _built = debian_image.ensure(host_vm.host_recipe(host_arch))
    work = tempfile.mkdtemp(prefix='vnetlab-hostvm-')
    bridge, vms = tag + 'lan', []
    ip('link', 'add', bridge, 'type', 'bridge')
    try:
        ip('link', 'set', bridge, 'up')
        for i in (1, 2, 3):
            tap = '%st%d' % (tag, i)
            ip('tuntap', 'add', 'dev', tap, 'mode', 'tap')
            ip('link', 'set', tap, 'master', bridge, 'up')
            vm_dir = os.path.join(work, 'h%d' % i)
            os.mkdir(vm_dir)
            vms.append(host_vm.HostVM(image, vm_dir, host_arch, memory=1024, smp=1, lan_tap=tap,
                                      lan_mac='52:54:00:69:14:%02x' % i))
        for vm in vms:
            vm.start()
        with timed('three host VMs: boot to SSH'):
            with ThreadPoolExecutor(3) as pool:
                list(pool.map(lambda vm: vm.wait_ssh(900), vms))
        for i, vm in enumerate(vms, 1):
            # the image's networkd file takes every NIC as an uplink (DHCP, default route): one that matches
            # this NIC's MAC first gives it its static address and nothing else
            network = '[Match]\nMACAddress=%s\n\n[Network]\nAddress=%s/24\n' % (vm.lan_mac, LAN % i)
            vm.ssh("printf '%s' | sudo tee /etc/systemd/network/10-lab-lan.network >/dev/null && "
                   "sudo networkctl reload && sudo networkctl reconfigure %s" % (network, vm.lan_interface()))
            wait_address(vm, LAN % i)
            vm.baseline = residue(vm)
        inventory = os.path.join(work, 'hosts.ini')
        with open(inventory, 'w') as f:
            for i, vm in enumerate(vms, 1):
                line = open(vm.inventory(os.path.join(vm.workdir, 'one.ini'), name='%sh%d' % (tag, i))).read()
                f.write(line.replace('[lab_hosts]\n', '' if i > 1 else '[lab_hosts]\n').rstrip('\n')
                        + ' vnetlab_underlay_address=%s\n' % (LAN % i))
        yield tag, vms, inventory, work
    finally:
        with ThreadPoolExecutor(3) as pool:
            list(pool.map(lambda vm: vm.stop(), vms))
        for i in (1, 2, 3):
            ip('link', 'del', '%st%d' % (tag, i), check=False)
        ip('link', 'del', bridge, check=False)
        shutil.rmtree(work, ignore_errors=True)


def wait_address(vm, address, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ' %s/' % address in vm.ssh('ip -o -4 addr show').stdout:
            return
        time.sleep(2)
    status = vm.ssh('networkctl status --no-pager', check=False).stdout
    raise AssertionError('host VM did not take %s: %s' % (address, status[-2000:]))


def topology(tag):
    h1, h2, h3 = tag + 'h1', tag + 'h2', tag + 'h3'
    return {'lab': tag, 'namespaces': [{'name': 'a', 'host': h1}, {'name': 'c', 'host': h3}],
            'bridges': [{'name': 'lan0', 'hosts': [h1, h2, h3]}],
            'veths': [{'name': 'eth0', 'netns': 'a', 'addresses': ['10.70.14.1/24'], 'peer': 'va',
                       'peer_master': 'lan0'},
                      {'name': 'eth0', 'netns': 'c', 'addresses': ['10.70.14.3/24'], 'peer': 'vc',
                       'peer_master': 'lan0'}]}


def play(inventory, work, topo, **extra):
    path = os.path.join(work, 'lab.yml')
    with open(path, 'w') as f:
        yaml.safe_dump(topo, f)
    book = os.path.join(work, 'play.yml')
    with open(book, 'w') as f:
        f.write(TOPOLOGY_PLAY)
    proc = subprocess.run(['ansible-playbook', '-i', inventory, book, '-e', json.dumps(dict(extra, topo=path))],
                          cwd=ROOT, capture_output=True, text=True, check=False, timeout=3600,
                          env=dict(os.environ, ANSIBLE_FORCE_COLOR='0', ANSIBLE_FORKS='3'))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    recap = proc.stdout.split('PLAY RECAP')[1]
    return sorted(int(n) for n in re.findall(r'changed=(\d+)', recap))


@pytest.mark.slow
def test_a_lab_across_three_host_vms(three_vms, timed):
    tag, vms, inventory, work = three_vms
    with timed('three host VMs: converge'):
        assert play(inventory, work, topology(tag)) == [1, 1, 1]
    for vm in vms:  # one tunnel link per VM, flooding to the other two over the VMs' own network
        links = json.loads(vm.ssh('ip -d -j link show type vxlan').stdout)
        assert len(links) == 1 and links[0]['mtu'] == 1450 and links[0]['master'] == 'lan0'
    vms[0].ssh('sudo ip netns exec a ping -c 2 -W 5 10.70.14.3')  # host 1's namespace reaches host 3's
    vms[0].ssh('sudo ip netns exec a ping -c 1 -W 5 -M do -s 1422 10.70.14.3')  # full frames of the tunnel MTU
    with timed('three host VMs: re-run'):
        assert play(inventory, work, topology(tag)) == [0, 0, 0]
    with timed('three host VMs: teardown'):
        play(inventory, work, topology(tag), lab_state='absent')
    for vm in vms:
        assert residue(vm) == vm.baseline
