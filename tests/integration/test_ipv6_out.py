"""IPv6 out of the lab, against the real kernel, nftables and ip6tables: NAT66 (nat_masquerade of an IPv6 source)
and port forwards to a guest's IPv6 address (port_forward), with net.ipv6.conf.all.forwarding held like
ip_forward, and an ip6tables FORWARD policy DROP (Docker's) handled as IPv4's is.

Everything is simulated on this machine: a WAN namespace (2001:db8:ffff::2, a documentation prefix) behind an
uplink veth of the host (2001:db8:ffff::1) that the test makes - never eth0 - and a "guest" namespace on a lab
bridge (ULA fd5a:e1ab:7e57::/64, default route to the bridge). The WAN namespace has no route back to the lab:
a reply reaches the guest only through the masquerade. Before any traffic the test checks that the host routes
both prefixes to its own links, and that the host's IPv6 default route is the same afterwards.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

from forwarding import fetch

WAN6, LAB6 = '2001:db8:ffff::%d', 'fd5a:e1ab:7e57::%d'
UPLINK_ADDRESS, WAN_HOST, GUEST = WAN6 % 1, WAN6 % 2, LAB6 % 5
SOURCE = 'fd5a:e1ab:7e57::/64'
FWD6 = 'net.ipv6.conf.all.forwarding'
BACKENDS = ['nftables', 'iptables']
# answers '<word> from <peer address>': who the other end saw
SERVER6 = ('import socket, sys\n'
           's = socket.socket(socket.AF_INET6); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n'
           's.bind((sys.argv[2], int(sys.argv[3]))); s.listen(8)\n'
           'while True:\n'
           '    c, peer = s.accept(); c.sendall(("%s from %s" % (sys.argv[1], peer[0])).encode()); c.close()\n')


def sysctl(name):
    with open('/proc/sys/' + name.replace('.', '/')) as f:
        return f.read().strip()


def sh(*argv, check=True):
    return subprocess.run(list(argv), capture_output=True, text=True, check=check).stdout


def route_dev(address):
    """The host's outgoing interface for address (`ip -6 route get`)."""
    return json.loads(sh('ip', '-6', '-j', 'route', 'get', address))[0]['dev']


def host_default6():
    return sh('ip', '-6', 'route', 'show', 'default')


def ping6(netns, address):
    return subprocess.run(['ip', 'netns', 'exec', netns, 'ping', '-6', '-n', '-c', '2', '-W', '2', address],
                          capture_output=True, text=True, check=False).returncode == 0


def nft_ip6_table():
    """The rules of table `ip6 vnetlab` as `nft -j` dicts, None when the table does not exist."""
    proc = subprocess.run(['nft', '-j', 'list', 'table', 'ip6', 'vnetlab'], capture_output=True, text=True,
                          check=False)
    if proc.returncode:
        return None
    return [i['rule'] for i in json.loads(proc.stdout)['nftables'] if 'rule' in i]


def ours(mark):
    """Every rule anywhere (the whole nft ruleset, ip6tables-save, iptables-save) whose text holds mark (the test's
    uplink name: every comment of ours for it names it)."""
    found = []
    ruleset = json.loads(sh('nft', '-j', 'list', 'ruleset'))['nftables'] if shutil.which('nft') else []
    found += ['nft %s %s: %s' % (r['family'], r['table'], r.get('comment')) for r in
              (i['rule'] for i in ruleset if 'rule' in i) if mark in json.dumps(r)]
    for tool in ('ip6tables-save', 'iptables-save'):
        if shutil.which(tool):
            found += ['%s: %s' % (tool, line) for line in sh(tool).splitlines() if mark in line]
    return found


def ip6tables_tables():
    """The tables of iptables-nft of family ip6 ({name: nft -j items}): the first ip6tables rule or policy makes
    them, and they stay, empty, when the last rule goes - they are iptables', not ours."""
    if not shutil.which('nft'):
        return {}
    found = {}
    for item in json.loads(sh('nft', '-j', 'list', 'tables'))['nftables']:
        t = item.get('table')
        if t and t['family'] == 'ip6' and t['name'] in ('nat', 'filter', 'mangle', 'raw', 'security'):
            found[t['name']] = json.loads(sh('nft', '-j', 'list', 'table', 'ip6', t['name']))['nftables']
    return found


def drop_empty_ip6tables_tables(before):
    """Leave the host as found: an ip6tables table this test's commands made goes again when it holds no rule
    and its chains accept (what a host without it does)."""
    for name, items in ip6tables_tables().items():
        chains = [i['chain'] for i in items if 'chain' in i]
        if name not in before and not [i for i in items if 'rule' in i] \
                and all(c.get('policy', 'accept') == 'accept' for c in chains):
            subprocess.run(['nft', 'delete', 'table', 'ip6', name], check=False)


def serve(netns, word, address, port):
    proc = subprocess.Popen(['ip', 'netns', 'exec', netns, sys.executable, '-c', SERVER6, word, address, str(port)])
    deadline = time.time() + 20
    while time.time() < deadline and fetch(address, port, netns).startswith('failed'):
        time.sleep(0.1)
    return proc


@pytest.fixture
def net6(run09, names):
    """The simulated WAN and lab, made by our modules; the servers: WAN_HOST:9000 ('wan'), GUEST:8080 ('guest')
    and GUEST:8081 ('other'). Afterwards: our NAT and forwards gone (whatever a failed test left), the namespaces
    and bridge removed, IPv6 forwarding and the host's IPv6 default route as they were."""
    wan, guest, up, br, gh = names('wan'), names('g'), names('up'), names('br'), names('gh')
    forwarding, default6 = sysctl(FWD6), host_default6()
    table_before = nft_ip6_table() is not None if shutil.which('nft') else False
    ipt6_before = set(ip6tables_tables())
    run09.ok('netns', name=wan)
    run09.ok('netns', name=guest)
    run09.ok('veth', name=up, peer='eth0', peer_netns=wan)
    run09.ok('address', interface=up, addresses=[UPLINK_ADDRESS + '/64'])
    run09.ok('address', interface='eth0', netns=wan, addresses=[WAN_HOST + '/64'])
    run09.ok('bridge', name=br)
    run09.ok('address', interface=br, addresses=[LAB6 % 1 + '/64'])
    run09.ok('veth', name=gh, peer='eth0', peer_netns=guest, master=br)
    run09.ok('address', interface='eth0', netns=guest, addresses=[GUEST + '/64'])
    run09.ok('route', netns=guest, destination='default', gateway=LAB6 % 1)
    # network safety: the host sends both prefixes to the links made here, never along its default route
    assert route_dev(WAN_HOST) == up and route_dev(GUEST) == br
    servers = [serve(wan, 'wan', WAN_HOST, 9000), serve(guest, 'guest', GUEST, 8080),
               serve(guest, 'other', GUEST, 8081)]
    try:
        yield {'wan': wan, 'guest': guest, 'up': up, 'br': br}
    finally:
        for s in servers:
            s.kill()
            s.wait()
        for backend in BACKENDS:
            run09('nat_masquerade', source=SOURCE, out_interface=up, backend=backend, state='absent')
        for port in (2290, 2291):
            run09('port_forward', port=port, in_interface=up, state='absent')
        for ns in (wan, guest):
            run09.ok('netns', name=ns, state='absent')
        run09.ok('bridge', name=br, state='absent')
        drop_empty_ip6tables_tables(ipt6_before)
    assert not ours(up)
    assert sysctl(FWD6) == forwarding and host_default6() == default6
    if shutil.which('nft') and not table_before:
        assert nft_ip6_table() is None  # no empty table of ours left behind


def reaches_wan(net):
    """The guest reaches the WAN host (ping, and a TCP connection) -> the address the WAN host saw, or None."""
    if not ping6(net['guest'], WAN_HOST):
        return None
    answer = fetch(WAN_HOST, 9000, net['guest'])
    return answer[len('wan from '):] if answer.startswith('wan from ') else None


def need(backend):
    if not shutil.which('nft' if backend == 'nftables' else 'ip6tables'):
        pytest.fail('%s is not installed (./run-tests installs it)' % backend)


@pytest.mark.parametrize('backend', BACKENDS)
def test_nat66_lifecycle(run, net6, backend):
    """Under both pyroute2 generations (run): the module's reads are the same for IPv6."""
    need(backend)
    up = net6['up']
    nat = dict(source=SOURCE, out_interface=up, backend=backend)
    before = sysctl(FWD6)
    assert reaches_wan(net6) is None  # no NAT: the WAN host has no route back to the lab

    planned = run.ok('nat_masquerade', check=True, **nat)
    assert planned['changed'] and not ours(up) and sysctl(FWD6) == before
    assert planned['diff']['before']['state'] == 'absent' and planned['diff']['after']['state'] == 'present'
    assert planned['diff']['after']['ip_forward'] == '1' and planned['diff']['before']['ip_forward'] == before

    made = run.ok('nat_masquerade', **nat)
    assert made['changed'] and made['nat'] == {
        'source': SOURCE, 'out_interface': up, 'backend': backend, 'state': 'present',
        'iptables_forward_rules': backend == 'iptables', 'ip_forward': '1'}
    assert sysctl(FWD6) == '1'
    if before != '1':
        assert 'enable IPv6 forwarding (%s=1)' % FWD6 in made['actions']
    rules = ours(up)
    if backend == 'nftables':  # the IPv6 table, never the IPv4 one
        assert len(rules) == 3 and all(r.startswith('nft ip6 vnetlab: vnetlab %s %s' % (SOURCE, up)) for r in rules)
    else:  # (iptables-nft shows its rules in the nft ruleset too, in its own tables)
        saved = [r for r in rules if r.startswith('ip6tables-save: ')]
        assert len(saved) == 3 and any('-j MASQUERADE' in r for r in saved), rules
        assert not [r for r in rules if r.startswith(('nft ip6 vnetlab', 'nft ip vnetlab', 'iptables-save'))]
    assert reaches_wan(net6) == UPLINK_ADDRESS  # masqueraded: the WAN saw the uplink's address, not the guest's

    assert not run.ok('nat_masquerade', **nat)['changed']
    assert not run.ok('nat_masquerade', check=True, **nat)['changed']

    planned_gone = run.ok('nat_masquerade', check=True, state='absent', **nat)
    assert planned_gone['changed'] and ours(up) == rules and sysctl(FWD6) == '1'
    gone = run.ok('nat_masquerade', state='absent', **nat)
    assert gone['changed'] and gone['diff']['after']['state'] == 'absent'
    assert gone['diff']['after']['ip_forward'] == before
    assert not ours(up) and sysctl(FWD6) == before
    assert reaches_wan(net6) is None
    assert not run.ok('nat_masquerade', state='absent', **nat)['changed']


@pytest.mark.parametrize('backend', BACKENDS)
def test_forward6_lifecycle_and_shared_hold(run09, net6, backend):
    """A port of the uplink's IPv6 address reaches the guest from the WAN (which the guest sees as itself: a DNAT
    only) and from the host's own address; ::1 stays the host's. With a NAT66 also holding IPv6 forwarding, the
    setting goes back only when the last of them is removed."""
    need(backend)
    run, up = run09, net6['up']
    before = sysctl(FWD6)
    fwd = dict(port=2290, to_address=GUEST, to_port=8080, in_interface=up, from_host=True, backend=backend)
    assert fetch(UPLINK_ADDRESS, 2290, net6['wan']).startswith('failed')

    planned = run.ok('port_forward', check=True, **fwd)
    assert planned['changed'] and not ours(up) and sysctl(FWD6) == before
    assert planned['diff']['before']['state'] == 'absent'
    assert planned['diff']['after']['to_address'] == GUEST and planned['diff']['after']['state'] == 'present'

    made = run.ok('port_forward', **fwd)
    assert made['changed'] and made['forward']['backend'] == backend and made['forward']['to_address'] == GUEST
    assert 'forward tcp port 2290 on %s to [%s]:8080 (also from the host)' % (up, GUEST) in made['actions']
    assert sysctl(FWD6) == '1'
    rules = ours(up)
    if backend == 'nftables':  # prerouting, two forward accepts, output (no masquerade of ::1)
        assert rules == ['nft ip6 vnetlab: vnetlab fwd tcp 2290 %s [%s]:8080 host' % (up, GUEST)] * 4, rules
    else:
        saved = [r for r in rules if r.startswith('ip6tables-save: ')]
        assert len(saved) == 4, rules
        assert not [r for r in rules if r.startswith(('nft ip6 vnetlab', 'nft ip vnetlab', 'iptables-save'))]
    assert fetch(UPLINK_ADDRESS, 2290, net6['wan']) == 'guest from %s' % WAN_HOST   # from the WAN
    assert fetch(UPLINK_ADDRESS, 2290) == 'guest from %s' % UPLINK_ADDRESS          # from the host itself
    assert fetch('::1', 2290).startswith('failed')  # ::1 is left to the host (nothing of the host listens there)
    assert not run.ok('port_forward', **fwd)['changed']
    assert not run.ok('port_forward', check=True, **fwd)['changed']

    moved = run.ok('port_forward', **dict(fwd, to_port=8081))  # a new target replaces the rules
    assert moved['changed'] and fetch(UPLINK_ADDRESS, 2290, net6['wan']) == 'other from %s' % WAN_HOST
    assert all(':8081' in r for r in ours(up) if 'vnetlab' in r) and sysctl(FWD6) == '1'

    # a NAT66 holds the setting too: removing the forward first leaves it on for the NAT
    nat = dict(source=SOURCE, out_interface=up, backend=backend)
    run.ok('nat_masquerade', **nat)
    gone = run.ok('port_forward', port=2290, in_interface=up, state='absent')
    assert gone['changed'] and gone['forward']['state'] == 'absent'
    assert sysctl(FWD6) == '1' and reaches_wan(net6) == UPLINK_ADDRESS
    assert fetch(UPLINK_ADDRESS, 2290, net6['wan']).startswith('failed')
    run.ok('nat_masquerade', state='absent', **nat)
    assert not ours(up) and sysctl(FWD6) == before
    assert not run.ok('port_forward', port=2290, in_interface=up, state='absent')['changed']


def _ip6_forward_policy():
    for line in sh('ip6tables', '-w', '-S', 'FORWARD').splitlines():
        if line.startswith('-P FORWARD '):
            return line.split()[2]
    raise AssertionError('no FORWARD policy in ip6tables -S')


@pytest.mark.parametrize('backend', BACKENDS)
def test_ip6tables_forward_drop_policy(run09, net6, backend):
    """Docker sets the ip6tables FORWARD policy to DROP: an accept in our own nft table cannot override it, so
    the forward accepts go at the top of that chain too (whatever the backend), and only they are removed."""
    need(backend)
    if not shutil.which('ip6tables'):
        pytest.fail('needs ip6tables')
    run, up = run09, net6['up']
    policy = _ip6_forward_policy()
    subprocess.run(['ip6tables', '-w', '-P', 'FORWARD', 'DROP'], check=True)
    try:
        nat = dict(source=SOURCE, out_interface=up, backend=backend)
        fwd = dict(port=2291, to_address=GUEST, to_port=8080, in_interface=up, backend=backend)
        made = run.ok('nat_masquerade', **nat)
        assert made['nat']['iptables_forward_rules']
        if backend == 'nftables':
            assert "insert forward accepts for %s ahead of the ip6tables FORWARD chain's DROP/REJECT" % SOURCE \
                in made['actions']
        run.ok('port_forward', **fwd)
        assert reaches_wan(net6) == UPLINK_ADDRESS
        assert fetch(UPLINK_ADDRESS, 2291, net6['wan']) == 'guest from %s' % WAN_HOST
        assert len([r for r in sh('ip6tables', '-w', '-S', 'FORWARD').splitlines() if up in r]) == 4
        assert not run.ok('nat_masquerade', **nat)['changed'] and not run.ok('port_forward', **fwd)['changed']
        run.ok('port_forward', port=2291, in_interface=up, state='absent')
        run.ok('nat_masquerade', state='absent', **nat)
        assert not ours(up)
        assert _ip6_forward_policy() == 'DROP'  # the host's policy is the host's: left as it is
    finally:
        subprocess.run(['ip6tables', '-w', '-P', 'FORWARD', policy], check=False)


@pytest.mark.parametrize('backend', BACKENDS)
def test_foreign_rules_of_the_same_shape_are_left_alone(run09, net6, names, backend):
    """A hand-made ip6tables masquerade and DNAT of the same lab, uplink and port - without our comment - and a
    foreign nft table of family ip6 with the same rule: ours are added beside them and removed, theirs stay."""
    need(backend)
    if not shutil.which('ip6tables'):
        pytest.fail('needs ip6tables')
    run, up = run09, net6['up']
    masq = ['POSTROUTING', '-s', SOURCE, '-o', up, '-j', 'MASQUERADE']
    dnat = ['PREROUTING', '-i', up, '-p', 'tcp', '--dport', '2290', '-j', 'DNAT', '--to-destination',
            '[%s]:8080' % GUEST]
    foreign_table = names('t')
    subprocess.run(['ip6tables', '-w', '-t', 'nat', '-A'] + masq, check=True)
    subprocess.run(['ip6tables', '-w', '-t', 'nat', '-A'] + dnat, check=True)
    if shutil.which('nft'):
        subprocess.run(['nft', '-f', '-'], check=True, text=True, input=(
            'table ip6 %s {\n chain postrouting { type nat hook postrouting priority srcnat + 1; policy accept; }\n'
            '}\nadd rule ip6 %s postrouting ip6 saddr %s oifname "%s" masquerade comment "hand-made"\n'
            % (foreign_table, foreign_table, SOURCE, up)))
    try:
        foreign = ours(up)
        assert len([r for r in foreign if r.startswith('ip6tables-save: ')]) == 2
        assert not [r for r in foreign if 'vnetlab' in r]
        nat = dict(source=SOURCE, out_interface=up, backend=backend)
        fwd = dict(port=2290, to_address=GUEST, to_port=8080, in_interface=up, backend=backend)
        assert run.ok('nat_masquerade', check=True, **nat)['changed']  # theirs is not taken for ours
        assert run.ok('port_forward', check=True, **fwd)['changed']
        run.ok('nat_masquerade', **nat)
        run.ok('port_forward', **fwd)
        assert len(ours(up)) > len(foreign)
        assert run.ok('port_forward', port=2290, in_interface=up, state='absent')['changed']
        assert run.ok('nat_masquerade', state='absent', **nat)['changed']
        assert ours(up) == foreign  # exactly theirs left
        assert not run.ok('nat_masquerade', state='absent', **nat)['changed']
    finally:
        subprocess.run(['ip6tables', '-w', '-t', 'nat', '-D'] + masq, check=False)
        subprocess.run(['ip6tables', '-w', '-t', 'nat', '-D'] + dnat, check=False)
        if shutil.which('nft'):
            subprocess.run(['nft', 'delete', 'table', 'ip6', foreign_table], check=False)


def test_topology_nat66_and_forward6(run09, names):
    """The same as one topology (its nat: and forwards: entries), then taken down by the lab's name alone
    (lab_cleanup: what carries its mark), and built again and torn down by the topology."""
    run = run09
    lab, wan, guest, up, br, gh = (names('lab'), names('wan'), names('g'), names('up'), names('br'), names('gh'))
    topo = {'lab': lab, 'namespaces': [wan, guest],
            'bridges': [{'name': br, 'addresses': [LAB6 % 1 + '/64']}],
            'veths': [{'name': up, 'addresses': [UPLINK_ADDRESS + '/64'], 'peer': 'eth0', 'peer_netns': wan,
                       'peer_addresses': [WAN_HOST + '/64']},
                      {'name': gh, 'master': br, 'peer': 'eth0', 'peer_netns': guest,
                       'peer_addresses': [GUEST + '/64']}],
            'routes': [{'netns': guest, 'destination': 'default', 'gateway': LAB6 % 1}],
            'nat': [{'source': SOURCE, 'out_interface': up}],
            'forwards': [{'port': 2292, 'to_address': GUEST, 'to_port': 8080, 'in_interface': up}]}
    forwarding, default6 = sysctl(FWD6), host_default6()
    servers = []
    try:
        planned = run.ok('topology', definition=topo, check=True)
        assert any(a.startswith('nat for %s: ' % SOURCE) for a in planned['actions']) and not ours(up)
        built = run.ok('topology', definition=topo)
        assert any('forward tcp port 2292 on %s to [%s]:8080' % (up, GUEST) in a for a in built['actions'])
        assert route_dev(WAN_HOST) == up and route_dev(GUEST) == br
        servers = [serve(wan, 'wan', WAN_HOST, 9000), serve(guest, 'guest', GUEST, 8080)]
        net = {'wan': wan, 'guest': guest}
        assert reaches_wan(net) == UPLINK_ADDRESS and sysctl(FWD6) == '1'
        assert fetch(UPLINK_ADDRESS, 2292, wan) == 'guest from %s' % WAN_HOST
        again = run.ok('topology', definition=topo)
        assert not again['changed'], again['actions']
        assert not run.ok('topology', definition=topo, check=True)['changed']
        info = run.ok('lab_info', namespaces=[wan, guest])['vnetlab_lab']  # read back from the rules' comments
        assert {'source': SOURCE, 'out_interface': up, 'backend': 'nftables', 'lab': lab} in info['nat']
        assert {'protocol': 'tcp', 'port': 2292, 'in_interface': up, 'to_address': GUEST, 'to_port': 8080,
                'from_host': False, 'backend': 'nftables', 'lab': lab} in info['forwards']

        # entries no longer declared: their rules and holds go with prune, the network stays
        pruned = run.ok('topology', definition=dict(topo, nat=[], forwards=[]), prune=True)
        assert any('(no longer declared)' in a for a in pruned['actions']) and not ours(up)
        assert sysctl(FWD6) == forwarding and route_dev(WAN_HOST) == up
        run.ok('topology', definition=topo)
        assert reaches_wan(net) == UPLINK_ADDRESS

        swept = run.ok('lab_cleanup', lab=lab)  # by its mark alone: rules, holds, links, namespaces
        assert swept['changed'] and not ours(up) and sysctl(FWD6) == forwarding

        run.ok('topology', definition=topo)
        assert ours(up) and sysctl(FWD6) == '1'
        gone = run.ok('topology', definition=topo, state='absent')
        assert gone['changed'] and not ours(up) and sysctl(FWD6) == forwarding
    finally:
        for s in servers:
            s.kill()
            s.wait()
        run('topology', definition=topo, state='absent')
    assert host_default6() == default6


def test_the_hosts_own_ipv6_port_is_refused(run09, net6):
    """A socket of the host on [::] is the host's own port for an IPv6 forward (refused, in check mode too, naming
    this process); one on 0.0.0.0 is IPv4's only and does not stand in an IPv6 forward's way."""
    run, up = run09, net6['up']
    v6 = socket.socket(socket.AF_INET6)
    v4 = socket.socket(socket.AF_INET)
    try:
        v6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        v6.bind(('::', 0))
        v6.listen(1)
        v4.bind(('0.0.0.0', 0))
        v4.listen(1)
        with open('/proc/self/comm') as f:
            me = '%s (pid %d)' % (f.read().strip(), os.getpid())
        port6, port4 = v6.getsockname()[1], v4.getsockname()[1]
        for check in (True, False):
            msg = run.fails('port_forward', check=check, port=port6, to_address=GUEST, in_interface=up)
            assert msg == ("port: %d/tcp is the host's own: %s listens on [::]:%d; pick another port, or set "
                           'take_over_host_port: true to forward it anyway' % (port6, me, port6))
        assert not ours(up)
        free = run.ok('port_forward', port=port4, to_address=GUEST, to_port=8080, in_interface=up)
        assert free['changed'] and not free.get('warnings')
        assert fetch(UPLINK_ADDRESS, port4, net6['wan']) == 'guest from %s' % WAN_HOST
        assert run.ok('port_forward', port=port4, in_interface=up, state='absent')['changed']
    finally:
        v6.close()
        v4.close()
