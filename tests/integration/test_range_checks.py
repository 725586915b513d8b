"""Addresses that cannot work are refused before anything changes (the checks themselves are unit-tested in
tests/unit/test_range_checks.py): a lab whose DHCP range holds its bridge's own address, a DHCP server whose
static lease is the bridge's address, a port forward to the host's own address. Each run fails naming the
parameter, and the host - namespaces, links, nftables, /run/vnetlab, ip_forward - is as it was."""
import os
import subprocess

from conftest import ip, ipj

SUBNET = '10.74.1'


def host_state():
    def run_files():
        return sorted(os.path.join(d, f) for d, _dirs, files in os.walk('/run/vnetlab') for f in files)
    with open('/proc/sys/net/ipv4/ip_forward') as f:
        forward = f.read()
    ruleset = subprocess.run(['nft', 'list', 'ruleset'], capture_output=True, text=True, check=True).stdout
    return (sorted(n.split(' ')[0] for n in ip('netns', 'list').split('\n') if n),
            sorted((x['ifname'], x.get('master'), x.get('ifalias')) for x in ipj('link', 'show')),
            ruleset, run_files(), forward)


def test_a_lab_whose_dhcp_range_holds_the_bridge_address_changes_nothing(run09, names):
    lab = {'lab': names('lab'), 'namespaces': [names('ns')],
           'bridges': [{'name': names('br'), 'addresses': [SUBNET + '.1/24']}],
           'veths': [{'name': names('v'), 'netns': names('ns'), 'addresses': [SUBNET + '.2/24'], 'peer': names('vp'),
                      'peer_master': names('br')}],
           'dhcp': [{'bridge': names('br'), 'range_start': SUBNET + '.1', 'range_end': SUBNET + '.50'}],
           'nat': [{'source': SUBNET + '.0/24', 'out_interface': 'lo'}]}
    before = host_state()
    msg = run09.fails('topology', definition=lab)
    assert msg.startswith('definition: dhcp[0].range_start:'), msg
    assert 'the address of bridge %s itself' % names('br') in msg, msg
    assert host_state() == before


def test_a_static_lease_on_the_bridge_address_and_a_forward_to_the_host_change_nothing(run09, names):
    br = names('br')
    run09.ok('bridge', name=br)
    run09.ok('address', interface=br, addresses=[SUBNET + '.1/24'])
    before = host_state()
    msg = run09.fails('dhcp', bridge=br, hosts=[{'name': 'vm0', 'ip': SUBNET + '.1', 'mac': '52:54:00:74:00:01'}])
    assert msg.startswith('hosts:') and 'is the address of bridge %s itself' % br in msg, msg
    msg = run09.fails('dhcp', bridge=br, range_start='10.74.2.10', range_end='10.74.2.20')
    assert msg.startswith('range_start:') and 'for example 10.74.1.128-10.74.1.254' in msg, msg
    msg = run09.fails('port_forward', port=2274, to_address=SUBNET + '.1', in_interface=br)
    assert msg.startswith('to_address:') and "the host's own address on '%s'" % br in msg, msg
    assert host_state() == before
    run09.ok('bridge', name=br, state='absent')
