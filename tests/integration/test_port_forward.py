"""vnetlab.linux.port_forward against the real kernel and nftables/iptables: a client in a simulated WAN
namespace reaches a server in a "guest" namespace on a lab bridge through a port of the host's simulated
uplink, and the host reaches it through 127.0.0.1; nothing else of the lab is reachable."""
import shutil
import subprocess
import sys
import time

import pytest

from conftest import ip
from forwarding import SERVER, fetch, forward_lab, forward_topology

UP, LAB = '10.220.7.%d', '10.220.8.%d'


def sysctl(name):
    with open('/proc/sys/' + name.replace('.', '/')) as f:
        return f.read().strip()


@pytest.fixture
def lab(run09, names):
    """uplink veth (host end `up`, 10.220.7.1) to a WAN namespace; bridge with a guest namespace serving
    HTTP on 10.220.8.5:8080 and 8081; all made by our modules."""
    with forward_lab(run09, names, UP, LAB, {8080: 'port8080', 8081: 'port8081'}) as made:
        try:
            yield made
        finally:
            run09.ok('port_forward', port=2280, in_interface=made['up'], state='absent')  # also after a failure


def ours(table):
    if table == 'nft':
        out = subprocess.run(['nft', 'list', 'ruleset'], capture_output=True, text=True, check=False).stdout
    else:
        out = subprocess.run(['iptables', '-w', '-t', table, '-S'], capture_output=True, text=True, check=False).stdout
    return [line for line in out.splitlines() if 'vnetlab fwd' in line]


@pytest.mark.parametrize('backend', ['nftables', 'iptables'])
def test_forward_lifecycle(run09, lab, backend):
    if not shutil.which('nft' if backend == 'nftables' else 'iptables'):
        pytest.skip('%s is not installed' % backend)
    run = run09
    forward_before, localnet = sysctl('net.ipv4.ip_forward'), 'net.ipv4.conf.%s.route_localnet' % lab['br']
    args = dict(port=2280, to_address=LAB % 5, to_port=8080, in_interface=lab['up'], from_host=True, backend=backend)
    url = (UP % 1, 2280)

    planned = run.ok('port_forward', check=True, **args)
    assert planned['changed'] and not ours('nft') and not ours('nat')
    assert fetch(*url, netns=lab['wan']).startswith('failed')

    made = run.ok('port_forward', **args)
    assert made['changed'] and made['forward']['state'] == 'present' and made['forward']['backend'] == backend
    assert fetch(*url, netns=lab['wan']) == 'port8080'                      # from the WAN, through the uplink
    assert fetch('127.0.0.1', 2280) == 'port8080'              # from the host itself
    assert sysctl(localnet) == '1' and sysctl('net.ipv4.ip_forward') == '1'
    # only that flow: the guest's other port is not reachable from the WAN
    assert fetch(LAB % 5, 8081, lab['wan']).startswith('failed')
    assert not run.ok('port_forward', **args)['changed']

    moved = run.ok('port_forward', **dict(args, to_port=8081))
    assert moved['changed'] and fetch(*url, netns=lab['wan']) == 'port8081'
    rules = ours('nft') if backend == 'nftables' else ours('nat') + ours('filter')
    assert rules and all(':8081' in r for r in rules), rules

    gone = run.ok('port_forward', port=2280, in_interface=lab['up'], state='absent')
    assert gone['changed'] and gone['forward']['state'] == 'absent'
    assert not ours('nft') and not ours('nat') and not ours('filter')
    assert sysctl(localnet) == '0' and sysctl('net.ipv4.ip_forward') == forward_before
    assert fetch(*url, netns=lab['wan']).startswith('failed')
    assert not run.ok('port_forward', port=2280, in_interface=lab['up'], state='absent')['changed']


def test_refusals(run09):
    assert 'to_address' in run09.fails('port_forward', port=2222, to_address='127.0.0.1')
    assert 'port' in run09.fails('port_forward', port=70000, to_address='10.220.8.5')
    assert 'in_interface' in run09.fails('port_forward', port=2222, to_address='10.220.8.5', in_interface='vtnone0')
    assert not ip('link', 'show', 'vtnone0', check=False)


def test_topology_forwards(run09, names):
    run = run09
    topo, (lab, wan, guest, up, br) = forward_topology(names, UP, LAB, {'port': 2281, 'from_host': True})
    built = run.ok('topology', definition=topo)
    assert any('forward tcp port 2281' in a for a in built['actions'])
    server = subprocess.Popen(['ip', 'netns', 'exec', guest, sys.executable, '-c', SERVER, 'lab', LAB % 5, '8080'])
    try:
        deadline = time.time() + 20
        while time.time() < deadline and fetch(LAB % 5, 8080, guest).startswith('failed'):
            time.sleep(0.1)
        assert fetch(UP % 1, 2281, wan) == 'lab' and fetch('127.0.0.1', 2281) == 'lab'
        assert not run.ok('topology', definition=topo)['changed']
    finally:
        server.kill()
        server.wait()
        gone = run.ok('topology', definition=topo, state='absent')
    assert any('remove the forward' in a for a in gone['actions']) and not ours('nft') and not ours('nat')
