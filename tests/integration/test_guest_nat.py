"""Scenario C's pieces for real: a minimal guest under QEMU (TCG) on a bridge, a namespace beside it,
guest-side commands over the serial console, and NAT proven against a simulated WAN (a namespace
behind a simulated uplink; nothing outside this machine is contacted)."""
import os
import signal
import subprocess
import time

import pytest

from conftest import ip, link

pytestmark = pytest.mark.skipif(not os.path.exists('/usr/bin/qemu-system-x86_64'), reason='needs QEMU')
LAB, WAN = '10.77.0', '10.78.0'


@pytest.fixture(scope='module')
def image_x86(tmp_path_factory, tmp_root):
    from conftest import ModuleRunner
    import sys
    run = ModuleRunner(sys.executable, tmp_root)
    dest = str(tmp_path_factory.mktemp('images') / 'minimal-x86_64')
    built = run.ok('minimal_image', dest=dest)
    assert built['changed'] and os.path.exists(built['kernel']) and 'virtio_net' in built['modules']
    assert built['modules'].index('virtio') < built['modules'].index('virtio_net')  # modules.dep order
    again = run.ok('minimal_image', dest=dest)
    assert not again['changed']  # cached: a re-run builds nothing
    return built


def nft_in(netns, *args):
    return subprocess.run(['ip', 'netns', 'exec', netns, 'nft'] + list(args), capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture
def lab(run09, names, image_x86):
    """br (LAB.1/24), navy namespace on it (LAB.2), a simulated uplink to a WAN namespace (WAN.2)."""
    br, navy, wan = names('br'), names('navy'), names('wan')
    run09.ok('bridge', name=br)
    run09.ok('address', interface=br, addresses=[LAB + '.1/24'])
    run09.ok('netns', name=navy)
    run09.ok('veth', name=names('vb'), master=br, peer=names('vn'), peer_netns=navy)
    run09.ok('address', interface=names('vn'), netns=navy, addresses=[LAB + '.2/24'])
    run09.ok('route', netns=navy, destination='default', gateway=LAB + '.1')
    run09.ok('netns', name=wan)
    run09.ok('veth', name=names('up'), peer=names('we'), peer_netns=wan)
    run09.ok('address', interface=names('up'), addresses=[WAN + '.1/24'])
    run09.ok('address', interface=names('we'), netns=wan, addresses=[WAN + '.2/24'])
    # count what reaches the WAN host: from the lab's own addresses (must stay 0) or from the uplink
    subprocess.run(['ip', 'netns', 'exec', wan, 'nft', '-f', '-'], check=True, text=True, input=(
        'table ip count {\n chain input {\n  type filter hook input priority 0;\n'
        '  ip saddr %s.0/24 icmp type echo-request counter comment "from-lab"\n'
        '  ip saddr %s.1 icmp type echo-request counter comment "from-uplink"\n }\n}\n' % (LAB, WAN)))
    guest = names('vm')
    params = dict(name=guest, accel='tcg', memory='256M', kernel=image_x86['kernel'], initrd=image_x86['initrd'],
                  append='console=ttyS0 quiet vnetlab.ip=%s.5/24 vnetlab.gw=%s.1' % (LAB, LAB),
                  nics=[{'bridge': br, 'tap': names('tap')}], wait_for=image_x86['ready_regex'], wait_timeout=120,
                  stop_timeout=2)
    forward_before = open('/proc/sys/net/ipv4/ip_forward').read().strip()
    yield {'br': br, 'navy': navy, 'wan': wan, 'uplink': names('up'), 'guest': guest, 'params': params}
    run09('qemu_guest', name=guest, state='absent', stop_timeout=1)
    for backend in ('nftables', 'iptables'):
        run09('nat_masquerade', source=LAB + '.0/24', out_interface=names('up'), backend=backend, state='absent')
    assert open('/proc/sys/net/ipv4/ip_forward').read().strip() == forward_before
    run09.ok('bridge', name=br, state='absent')


def counters(wan):
    out = nft_in(wan, 'list', 'table', 'ip', 'count')
    found = {}
    for line in out.splitlines():
        if 'comment' in line and 'packets' in line:
            words = line.split()
            found[words[words.index('comment') + 1].strip('"')] = int(words[words.index('packets') + 1])
    return found


def guest_ping(run, guest, target, expect_ok=True):
    result = run('guest_command', name=guest, command='ping -c 2 -W 2 %s' % target, timeout=30)
    assert bool(result.get('failed')) != expect_ok, result
    return result


def test_guest_on_bridge_with_nat(run09, lab):
    first = run09.ok('qemu_guest', **lab['params'])
    assert first['changed'] and first['accel'] == 'tcg' and first['pid']
    assert oct(os.stat(first['qmp']).st_mode & 0o777) == '0o600'
    assert link(lab['params']['nics'][0]['tap'])['master'] == lab['br']
    assert not [a for a in first['argv'] if 'tcp:' in a or 'vnc' in a]
    # re-run: same process, nothing changed; check mode agrees
    again = run09.ok('qemu_guest', **lab['params'])
    assert not again['changed'] and again['pid'] == first['pid']
    assert not run09.ok('qemu_guest', check=True, **lab['params'])['changed']

    # navy <-> guest, both ways
    run09.ok('ping', netns=lab['navy'], targets=[LAB + '.5'])
    out = guest_ping(run09, lab['guest'], LAB + '.2')
    assert '2 packets received' in out['stdout']

    # no NAT yet: the WAN host cannot answer (it has no route back to the lab)
    guest_ping(run09, lab['guest'], WAN + '.2', expect_ok=False)

    nat = dict(source=LAB + '.0/24', out_interface=lab['uplink'], backend='nftables')
    assert run09.ok('nat_masquerade', check=True, **nat)['changed']
    applied = run09.ok('nat_masquerade', **nat)
    assert applied['changed'] and applied['nat']['ip_forward'] == '1'
    assert not run09.ok('nat_masquerade', **nat)['changed']
    before = counters(lab['wan'])
    guest_ping(run09, lab['guest'], WAN + '.2')
    after = counters(lab['wan'])
    assert after['from-uplink'] > before['from-uplink']  # the WAN saw the uplink's address...
    assert after['from-lab'] == 0  # ...never 10.77.0.5

    # hand-made NAT with `-o br0 -j ACCEPT` would admit anything into the lab; ours only replies:
    # the WAN host cannot open a connection to the guest (no route, and no accept rule for it)
    assert run09.ok('nat_masquerade', state='absent', **nat)['changed']
    assert subprocess.run(['nft', 'list', 'table', 'ip', 'vnetlab'], capture_output=True, check=False).returncode != 0
    guest_ping(run09, lab['guest'], WAN + '.2', expect_ok=False)


@pytest.mark.parametrize('hostile', ['reject', 'drop-policy'])
@pytest.mark.parametrize('backend', ['nftables', 'iptables'])
def test_nat_with_hostile_forward_chain(run09, lab, hostile, backend):
    """Docker sets FORWARD policy DROP; Oracle Cloud images end FORWARD with a REJECT."""
    run09.ok('sysctl', name='net.bridge.bridge-nf-call-iptables', value='0', ignore_missing=True)
    run09.ok('qemu_guest', **lab['params'])
    rule = ['FORWARD', '-j', 'REJECT', '--reject-with', 'icmp-host-prohibited']
    if hostile == 'reject':
        subprocess.run(['iptables', '-A'] + rule, check=True)
    else:
        subprocess.run(['iptables', '-P', 'FORWARD', 'DROP'], check=True)
    try:
        nat = dict(source=LAB + '.0/24', out_interface=lab['uplink'], backend=backend)
        result = run09.ok('nat_masquerade', **nat)
        assert result['nat']['iptables_forward_rules']
        guest_ping(run09, lab['guest'], WAN + '.2')
        assert not run09.ok('nat_masquerade', **nat)['changed']
        run09.ok('nat_masquerade', state='absent', **nat)
        listing = subprocess.run(['iptables', '-S', 'FORWARD'], capture_output=True, text=True, check=True).stdout
        assert 'vnetlab' not in listing  # exactly our rules removed...
        if hostile == 'reject':
            assert 'REJECT' in listing  # ...and the host's own rule kept
        nat_listing = subprocess.run(['iptables', '-t', 'nat', '-S'], capture_output=True, text=True,
                                     check=True).stdout
        assert 'vnetlab' not in nat_listing
    finally:
        if hostile == 'reject':
            subprocess.run(['iptables', '-D'] + rule, check=False)
        else:
            subprocess.run(['iptables', '-P', 'FORWARD', 'ACCEPT'], check=False)
        run09.ok('sysctl', name='net.bridge.bridge-nf-call-iptables', state='absent', ignore_missing=True)


def test_dead_guest_restarts_and_changes_need_consent(run09, lab):
    first = run09.ok('qemu_guest', **lab['params'])
    os.kill(first['pid'], signal.SIGKILL)
    time.sleep(0.5)
    revived = run09.ok('qemu_guest', **lab['params'])
    assert revived['changed'] and revived['pid'] != first['pid']
    assert 'died' in str(revived.get('warnings'))

    bigger = dict(lab['params'], memory='320M')
    held = run09.ok('qemu_guest', **bigger)
    assert not held['changed'] and held['pid'] == revived['pid'] and 'restart_on_change' in str(held['warnings'])
    assert held['diff']['before']['config']['memory_mib'] == 256
    assert held['diff']['after']['config']['memory_mib'] == 320
    restarted = run09.ok('qemu_guest', restart_on_change=True, **bigger)
    assert restarted['changed'] and restarted['pid'] != revived['pid']

    stopped = run09.ok('qemu_guest', name=lab['guest'], state='stopped', stop_timeout=1)
    assert stopped['changed'] and stopped['pid'] is None
    assert link(lab['params']['nics'][0]['tap']) is not None  # stopped keeps its TAP and disks
    gone = run09.ok('qemu_guest', name=lab['guest'], state='absent')
    assert gone['changed'] and link(lab['params']['nics'][0]['tap']) is None
    assert not os.path.exists('/run/vnetlab/guests/' + lab['guest'])
    assert not run09.ok('qemu_guest', name=lab['guest'], state='absent')['changed']


def test_wait_failure_quotes_the_serial_log_and_rolls_back(run09, lab):
    params = dict(lab['params'], wait_for='this will never be printed', wait_timeout=8)
    msg = run09.fails('qemu_guest', **params)
    assert msg.startswith('wait_for:') and 'serial log' in msg and 'rolled back' in msg
    assert link(params['nics'][0]['tap']) is None  # the TAP this task created is gone again
    assert not os.path.exists('/run/vnetlab/guests/' + lab['guest'])


def test_bad_input(run09, names, image_x86, tmp_path):
    br = names('br')
    run09.ok('bridge', name=br)
    base = dict(name=names('vm'), accel='tcg', kernel=image_x86['kernel'], nics=[{'bridge': br}])
    assert 'arch' in run09.fails('qemu_guest', **dict(base, arch='sparc'))
    assert run09.fails('qemu_guest', **dict(base, memory='lots')).startswith('memory:')
    assert run09.fails('qemu_guest', **dict(base, kernel=str(tmp_path / 'none'))).startswith('kernel:')
    assert run09.fails('qemu_guest', **dict(base, kernel=None, image=str(tmp_path / 'none.qcow2'))).startswith('image:')
    assert run09.fails('qemu_guest', **dict(base, nics=[{'bridge': names('nobr')}])).startswith('nics:')
    assert run09.fails('qemu_guest', **dict(base, nics=[{'bridge': br, 'tap': 'x' * 16}])).startswith('nics:')
    assert run09.fails('qemu_guest', **dict(base, wait_for='(')).startswith('wait_for:')
    assert run09.fails('nat_masquerade', source='10.77.0.0/24', out_interface=names('none')).startswith(
        'out_interface:')
    assert run09.fails('nat_masquerade', source='10.77.0.1/24').startswith('source:')
    assert run09.fails('nat_masquerade', source='banana').startswith('source:')
    assert not os.path.exists('/run/vnetlab/guests/' + names('vm'))
    assert not [x for x in ip('-o', 'link').split('\n') if ' vq' in x]
    run09.ok('bridge', name=br, state='absent')


def test_topology_with_guest_and_nat(run09, names, image_x86):
    """Scenario C as one topology (guests and nat sections), behind a simulated uplink and WAN."""
    br, navy, wan, guest = names('br'), names('navy'), names('wan'), names('vm')
    topo = {
        'lab': names('lab'), 'namespaces': [navy, wan], 'bridges': [{'name': br, 'addresses': [LAB + '.1/24']}],
        'veths': [{'name': names('vn'), 'netns': navy, 'addresses': [LAB + '.2/24'], 'peer': names('vb'),
                   'peer_master': br},
                  {'name': names('we'), 'netns': wan, 'addresses': [WAN + '.2/24'], 'peer': names('up'),
                   'peer_addresses': [WAN + '.1/24']}],
        'routes': [{'netns': navy, 'destination': 'default', 'gateway': LAB + '.1'}],
        'guests': [{'name': guest, 'accel': 'tcg', 'memory': '256M', 'kernel': image_x86['kernel'],
                    'initrd': image_x86['initrd'], 'append': 'console=ttyS0 quiet vnetlab.ip=%s.5/24 vnetlab.gw=%s.1'
                    % (LAB, LAB), 'nics': [{'bridge': br, 'tap': names('tap')}],
                    'wait_for': image_x86['ready_regex'], 'wait_timeout': 120, 'stop_timeout': 2}],
        'nat': [{'source': LAB + '.0/24', 'out_interface': names('up'), 'backend': 'nftables'}]}
    forward_before = open('/proc/sys/net/ipv4/ip_forward').read().strip()
    try:
        planned = run09.ok('topology', definition=topo, check=True)
        # check mode lists what the run would do, the guest's TAP and start included
        assert "guest '%s': start guest '%s' (x86_64, tcg)" % (guest, guest) in planned['actions']
        assert link(br) is None

        built = run09.ok('topology', definition=topo)
        started = [a for a in built['actions'] if a.startswith("guest '%s': " % guest)]
        assert started and any(a.startswith('nat for %s.0/24: ' % LAB) for a in built['actions'])
        assert link(names('tap'))['master'] == br
        run09.ok('ping', netns=navy, targets=[LAB + '.5'])
        subprocess.run(['ip', 'netns', 'exec', wan, 'nft', '-f', '-'], check=True, text=True, input=(
            'table ip count {\n chain input {\n  type filter hook input priority 0;\n'
            '  ip saddr %s.1 icmp type echo-request counter comment "from-uplink"\n }\n}\n' % WAN))
        guest_ping(run09, guest, WAN + '.2')  # through NAT
        assert counters(wan)['from-uplink'] > 0

        again = run09.ok('topology', definition=topo)
        assert not again['changed'], again['actions']
        assert again['diff']['after']["guest '%s'" % guest]['state'] == 'running'

        pruned = run09.ok('topology', definition=dict(topo, guests=[], nat=topo['nat']), prune=True)
        assert "guest '%s' (no longer declared): " % guest in pruned['actions'][0]
        assert link(names('tap')) is None
        gone = run09.ok('topology', definition=topo, state='absent')
        assert gone['changed'] and link(br) is None and link(names('up')) is None
        assert open('/proc/sys/net/ipv4/ip_forward').read().strip() == forward_before
        assert subprocess.run(['nft', 'list', 'table', 'ip', 'vnetlab'], capture_output=True,
                              check=False).returncode != 0
    finally:
        run09('topology', definition=topo, state='absent')
