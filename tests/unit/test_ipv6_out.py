"""IPv6 out of the lab, the pure parts: the family a rule belongs to, NAT66 and IPv6 forward rules (nft lines,
ip6tables arguments, comments read back), which sockets an IPv6 forward takes from the host, and the plans: the
IPv6 forwarding setting held instead of ip_forward, ip6tables accepts ahead of a refusing FORWARD chain."""
import ipaddress

import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils import engine
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import firewall, forwards
from ansible_collections.vnetlab.linux.plugins.module_utils.lab import overview
from ansible_collections.vnetlab.linux.plugins.module_utils.objects import forward, nat, sysctl

FWD6, FWD4 = 'net.ipv6.conf.all.forwarding', 'net.ipv4.ip_forward'


def test_the_family_follows_the_address():
    assert firewall.family_of('10.16.0.0/24') == 'ip' and firewall.family_of('10.16.0.5') == 'ip'
    assert firewall.family_of('fd00:16::/64') == 'ip6' and firewall.family_of('2001:db8::5') == 'ip6'
    assert firewall.FORWARDING == {'ip': FWD4, 'ip6': FWD6}


def test_ipv4_nat_lines_are_unchanged():
    """A host upgraded with IPv4 rules in `ip vnetlab` finds them: same table, same text."""
    assert firewall.nft_nat_lines('10.16.0.0/24', 'eth0', 'a') == [
        'add rule ip vnetlab postrouting ip saddr 10.16.0.0/24 oifname "eth0" masquerade comment '
        '"vnetlab:a 10.16.0.0/24 eth0"',
        'add rule ip vnetlab forward ip saddr 10.16.0.0/24 oifname "eth0" accept comment "vnetlab:a 10.16.0.0/24 eth0"',
        'add rule ip vnetlab forward ip daddr 10.16.0.0/24 iifname "eth0" ct state established,related accept comment '
        '"vnetlab:a 10.16.0.0/24 eth0"']


def test_nat66_lines_are_in_the_ip6_table():
    assert firewall.nft_nat_lines('fd00:16::/64', 'up0') == [
        'add rule ip6 vnetlab postrouting ip6 saddr fd00:16::/64 oifname "up0" masquerade comment '
        '"vnetlab fd00:16::/64 up0"',
        'add rule ip6 vnetlab forward ip6 saddr fd00:16::/64 oifname "up0" accept comment "vnetlab fd00:16::/64 up0"',
        'add rule ip6 vnetlab forward ip6 daddr fd00:16::/64 iifname "up0" ct state established,related accept '
        'comment "vnetlab fd00:16::/64 up0"']
    # the ip6tables rules have the same arguments as iptables' (the command is chosen by family)
    assert firewall.ipt_rules('fd00:16::/64', 'up0')[0] == (
        'nat', 'POSTROUTING', ['-s', 'fd00:16::/64', '-o', 'up0', '-m', 'comment', '--comment',
                               'vnetlab fd00:16::/64 up0', '-j', 'MASQUERADE'], False)


def fwd(address='fd00:16::5', from_host=False, lab=None):
    return {'protocol': 'tcp', 'port': 2222, 'in_interface': 'up0', 'to_address': address, 'to_port': 22,
            'from_host': from_host, 'lab': lab}


def test_an_ipv6_forward_comment_brackets_its_target_and_reads_back():
    f = fwd(from_host=True, lab='a')
    assert forwards.comment(f) == 'vnetlab:a fwd tcp 2222 up0 [fd00:16::5]:22 host'
    assert forwards.parse_comment(forwards.comment(f)) == f
    assert forwards.comment(fwd('10.16.0.5')) == 'vnetlab fwd tcp 2222 up0 10.16.0.5:22'  # IPv4 as before
    assert forwards.parse_comment('vnetlab fwd tcp 2222 up0 10.16.0.5:22') == fwd('10.16.0.5')
    for bad in ('vnetlab fwd tcp 2222 up0 []:22', 'vnetlab fwd tcp 2222 up0 [banana]:22',
                'vnetlab fwd tcp 2222 up0 nothing:22', 'vnetlab fwd tcp 2222 up0 [fd00::5]:x'):
        assert forwards.parse_comment(bad) is None, bad


def test_ipv6_forward_rules():
    c = 'vnetlab fwd tcp 2222 up0 [fd00:16::5]:22 host'
    assert forwards.nft_lines(fwd(from_host=True)) == [
        'add rule ip6 vnetlab prerouting iifname "up0" fib daddr type local tcp dport 2222 dnat to [fd00:16::5]:22 '
        'comment "%s"' % c,
        'add rule ip6 vnetlab forward ip6 daddr fd00:16::5 tcp dport 22 ct status dnat accept comment "%s"' % c,
        'add rule ip6 vnetlab forward ip6 saddr fd00:16::5 tcp sport 22 ct state established,related accept '
        'comment "%s"' % c,
        # from the host: not ::1 (the kernel routes no loopback source out), no masquerade of loopback sources
        'add rule ip6 vnetlab output ip6 daddr != ::1 fib daddr type local tcp dport 2222 dnat to [fd00:16::5]:22 '
        'comment "%s"' % c]
    rules = forwards.ipt_rules(fwd(from_host=True))
    assert [r[:2] for r in rules] == [('nat', 'PREROUTING'), ('filter', 'FORWARD'), ('filter', 'FORWARD'),
                                      ('nat', 'OUTPUT')]
    assert rules[0][2][-2:] == ['--to-destination', '[fd00:16::5]:22']
    assert rules[3][2][:3] == ['!', '-d', '::1/128']
    assert len(forwards.ipt_rules(fwd('10.16.0.5', from_host=True))) == 5  # IPv4: output DNAT and masquerade


UPLINK6 = {ipaddress.ip_address('2001:db8:ffff::1'), ipaddress.ip_address('203.0.113.7')}


@pytest.mark.parametrize('address, from_host, taken', [
    ('::', False, True),                       # any address: IPv6 connections too
    ('2001:db8:ffff::1', False, True),         # the uplink's own IPv6 address
    ('2001:db8:aaaa::1', False, False),        # another interface's
    ('2001:db8:aaaa::1', True, True),          # from_host: the host's connections to any of its addresses...
    ('::1', True, False),                      # ...but ::1, which the output DNAT leaves alone
    ('0.0.0.0', False, False),                 # IPv4 sockets get no IPv6 connection
    ('203.0.113.7', True, False),
    ('::ffff:203.0.113.7', False, False),      # an IPv4-mapped address is IPv4
])
def test_which_sockets_an_ipv6_forward_takes(address, from_host, taken):
    s = {'address': ipaddress.ip_address(address), 'port': 2222, 'inode': 1, 'processes': [(9, 'svc', b'svc\0')]}
    assert bool(forward.host_port_users([s], UPLINK6, from_host, 'ip6')) == taken


def test_targets_and_sources():
    d = nat.KIND.desired(dict(source='FD00:16:0::/64', out_interface='up0', backend='auto', state='present'))
    assert d['source'] == 'fd00:16::/64'  # as the comments write it
    for bad in ('fe80::/64', 'ff02::/16'):
        with pytest.raises(ParamError, match='never routed'):
            nat.KIND.desired(dict(source=bad, out_interface=None, backend='auto', state='present'))
    base = dict(port=2222, protocol='tcp', to_port=None, in_interface=None, from_host=False,
                take_over_host_port=False, backend='auto', state='present')
    assert forward.KIND.desired(dict(base, to_address='FD00:16::5'))['to_address'] == 'fd00:16::5'
    for bad in ('::1', '::', 'fe80::5', 'ff02::1', '::ffff:10.0.0.5'):
        with pytest.raises(ParamError, match="IPv4 or IPv6 address"):
            forward.KIND.desired(dict(base, to_address=bad))


SNAPSHOT = {None: {'links': {'up0': {'index': 5, 'ifalias': None, 'kind': 'veth', 'master': None},
                             'br0': {'index': 6, 'ifalias': None, 'kind': 'bridge', 'master': None}},
                   'addresses': {5: [ipaddress.ip_interface('2001:db8:ffff::1/64'),
                                     ipaddress.ip_interface('203.0.113.7/24')],
                                 6: [ipaddress.ip_interface('fd00:16::1/64'), ipaddress.ip_interface('10.16.0.1/24')]},
                   'routes': []}}


@pytest.fixture
def holds(monkeypatch, tmp_path):
    monkeypatch.setattr(sysctl, 'SAVED_DIR', str(tmp_path / 'sysctl'))
    monkeypatch.setattr(sysctl, 'read_sysctl', lambda name, netns=None: '0')
    return tmp_path


def _forward_plan(installed=(), from_host=True):
    local = {'uplink': 'up0', 'installed': {'nftables': list(installed), 'iptables': []}, 'others': [],
             'backend': 'nftables', 'refuses': True, 'listening': []}
    d = forward.KIND.desired(dict(port=2222, protocol='tcp', to_address='fd00:16::5', to_port=22, in_interface='up0',
                                  from_host=from_host, take_over_host_port=False, backend='auto', state='present'))
    plan = engine.Plan(SNAPSHOT, local=local)
    return plan, forward.KIND.plan(plan, d)


def test_an_ipv6_forward_holds_ipv6_forwarding_and_no_route_localnet(holds):
    plan, after = _forward_plan()
    actions = [op.action for op in plan.ops]
    assert actions == ['forward tcp port 2222 on up0 to [fd00:16::5]:22 (also from the host)',
                       'enable IPv6 forwarding (%s=1)' % FWD6]
    assert after['to_address'] == 'fd00:16::5' and after['state'] == 'present'


def test_a_target_moved_to_ipv6_trades_the_ipv4_hold_for_the_ipv6_one(holds):
    old = fwd('10.16.0.5', from_host=True)
    holder = forward.holder_of(old)
    sysctl.Held(FWD4, None).take(holder, '0', '1')
    sysctl.Held('net.ipv4.conf.br0.route_localnet', None).take(holder, '0', '1')
    plan, _after = _forward_plan(installed=[old])
    actions = [op.action for op in plan.ops]
    assert actions == ['remove the forward of tcp port 2222 on up0 to 10.16.0.5:22',
                       'release %s for %s' % (FWD4, holder),
                       'release net.ipv4.conf.br0.route_localnet for %s' % holder,
                       'forward tcp port 2222 on up0 to [fd00:16::5]:22 (also from the host)',
                       'enable IPv6 forwarding (%s=1)' % FWD6]


def test_nat66_plan_holds_ipv6_forwarding_and_passes_a_refusing_ip6tables_chain(holds):
    d = nat.KIND.desired(dict(source='fd00:16::/64', out_interface='up0', backend='nftables', state='present'))
    absent = {'nftables': False, 'iptables': False, 'iptables_forward': False, 'iptables_any': False}
    local = {'uplink': 'up0', 'backend': 'nftables', 'current': absent, 'ip_forward': '0', 'saved': None,
             'also': [], 'held': [], 'refuses': True}
    plan = engine.Plan(SNAPSHOT, local=local)
    after = nat.KIND.plan(plan, d)
    assert [op.action for op in plan.ops] == [
        'add nftables masquerade and forward rules for fd00:16::/64 out of up0',
        "insert forward accepts for fd00:16::/64 ahead of the ip6tables FORWARD chain's DROP/REJECT",
        'enable IPv6 forwarding (%s=1)' % FWD6]
    assert after['ip_forward'] == '1' and after['iptables_forward_rules']


def test_inspect_writes_an_ipv6_target_in_brackets():
    facts = {'host': {'links': {}}, 'netns': {}, 'guests': [], 'dhcp': [],
             'nat': [{'source': 'fd00:16::/64', 'out_interface': 'up0', 'backend': 'nftables', 'lab': 'c'}],
             'forwards': [{'protocol': 'tcp', 'port': 2222, 'in_interface': 'up0', 'to_address': 'fd00:16::5',
                           'to_port': 22, 'from_host': False, 'backend': 'nftables', 'lab': 'c'}]}
    by = dict(((r['kind'], r['name']), r) for r in overview.rows(overview.labs(facts)))
    assert by[('forward', 'tcp/2222')]['address'] == '[fd00:16::5]:22'
    assert by[('nat', 'fd00:16::/64')]['details'] == 'out up0 (nftables)'
