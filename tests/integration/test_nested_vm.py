"""playbooks/nested_vm.yml end to end (scenario C): converge, re-run changed=0 with the same QEMU pid,
teardown, then zero residue. NAT goes out of a simulated uplink into a namespace playing the WAN."""
import json
import os
import re
import subprocess

import pytest

from conftest import ROOT, ip, link

pytestmark = pytest.mark.skipif(not os.path.exists('/usr/bin/qemu-system-x86_64'), reason='needs QEMU')


def playbook(extra):
    proc = subprocess.run(['ansible-playbook', os.path.join(ROOT, 'playbooks', 'nested_vm.yml'), '-e',
                           json.dumps(extra)], cwd=ROOT, capture_output=True, text=True, check=False, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    recap = proc.stdout.split('PLAY RECAP')[1]
    return int(re.search(r'changed=(\d+)', recap).group(1)), proc.stdout


def read(path):
    return open(path).read().strip() if os.path.exists(path) else None


def qemu_pid(guest):
    return read('/run/vnetlab/guests/%s/qemu.pid' % guest)


def residue(names, guest):
    found = []
    if subprocess.run(['pgrep', '-f', 'vnetlab-%s' % guest], capture_output=True, check=False).returncode == 0:
        found.append('qemu process')
    found += ['netns ' + n for n in ip('netns', 'list').split('\n') if n.startswith(names(''))]
    found += ['link ' + x for x in ip('-o', 'link').split('\n') if names('') in x]
    if subprocess.run(['nft', 'list', 'table', 'ip', 'vnetlab'], capture_output=True, check=False).returncode == 0:
        found.append('nft table ip vnetlab')
    for table in ('filter', 'nat'):
        rules = subprocess.run(['iptables', '-t', table, '-S'], capture_output=True, text=True, check=True).stdout
        found += ['iptables rule ' + r for r in rules.splitlines() if 'vnetlab' in r]
    holds = '/run/vnetlab/sysctl'
    found += ['sysctl hold ' + h for h in (os.listdir(holds) if os.path.isdir(holds) else []) if names('') in h]
    for base in ('/run/vnetlab/guests/' + guest, '/var/lib/vnetlab/guests/' + guest,
                 '/run/vnetlab/dhcp/' + names('br')):
        if os.path.exists(base):
            found.append(base)
    return found


def test_nested_vm_playbook(run09, names):
    wan, uplink = names('wan'), names('up')
    run09.ok('netns', name=wan)
    run09.ok('veth', name=uplink, peer=names('we'), peer_netns=wan)
    run09.ok('address', interface=uplink, addresses=['10.67.0.1/24'])
    run09.ok('address', interface=names('we'), netns=wan, addresses=['10.67.0.2/24'])
    guest = names('vm')
    extra = {
        'prerequisites_install_packages': False, 'nested_vm_bridge': names('br'),
        'nested_vm_bridge_address': '10.66.0.1/24', 'nested_vm_lab_network': '10.66.0.0/24',
        'nested_vm_guest_name': guest, 'nested_vm_guest_tap': names('tap'), 'nested_vm_guest_address': '10.66.0.5/24',
        'nested_vm_guest_accel': 'tcg', 'nested_vm_guest_memory': '256M', 'nested_vm_namespace': names('navy'),
        'nested_vm_namespace_host_interface': names('vb'), 'nested_vm_namespace_interface': names('vn'),
        'nested_vm_namespace_address': '10.66.0.2/24', 'nested_vm_uplink': uplink,
        'nested_vm_verify_external': ['10.67.0.2'],
        'nested_vm_forwards': [{'port': 2290, 'to_port': 22, 'from_host': True}],
    }
    forward = read('/proc/sys/net/ipv4/ip_forward')
    nf_call = read('/proc/sys/net/bridge/bridge-nf-call-iptables')
    try:
        changed, out = playbook(extra)
        assert changed > 0 and 'Scenario C is up' in out
        pid = qemu_pid(guest)
        assert pid and link(names('tap'))['master'] == names('br')
        assert read('/run/vnetlab/dhcp/%s/dnsmasq.pid' % names('br'))  # DHCP and DNS on the bridge
        rules = subprocess.run(['nft', 'list', 'table', 'ip', 'vnetlab'],
                               capture_output=True, text=True, check=False).stdout
        assert 'dnat to 10.66.0.5:22' in rules
        changed, out = playbook(extra)
        assert changed == 0, out[-3000:]
        assert qemu_pid(guest) == pid  # the same QEMU process keeps running
    finally:
        changed, out = playbook(dict(extra, vnetlab_state='absent'))
        run09.ok('netns', name=wan, state='absent')
    assert 'Scenario C is torn down' in out
    assert residue(names, guest) == []
    assert read('/proc/sys/net/ipv4/ip_forward') == forward
    assert read('/proc/sys/net/bridge/bridge-nf-call-iptables') == nf_call
    changed, out = playbook(dict(extra, vnetlab_state='absent'))  # teardown of nothing succeeds
    assert changed == 0
