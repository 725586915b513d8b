"""inspect's grouping and table, from lab facts written as data."""
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.overview import (
    MODULES, guest_address, labs, rows, table)


def link(kind, lab=None, owned=None, addresses=(), master=None, **extra):
    entry = {'kind': kind, 'addresses': list(addresses), 'master': master, 'owned': bool(lab) if owned is None
             else owned, 'lab': lab, 'up': True, 'operstate': 'UP'}
    entry.update(extra)
    return entry


FACTS = {
    'host': {'links': {
        'eth0': link('device', addresses=['192.168.1.5/24']),
        'br0': link('bridge', 'c', addresses=['10.16.0.1/24'], ports=['vq0', 'veth-br']),
        'vq0': link('tun', owned=True, master='br0', guest='vm0'),
        'veth-br': link('veth', 'c', master='br0', peer='veth-navy', peer_netns='navy'),
        'mod0': link('dummy', owned=True, operstate='DOWN'),
    }, 'routes': []},
    'netns': {
        'navy': {'links': {'lo': link('device', 'c'),
                           'veth-navy': link('veth', addresses=['10.16.0.2/24'], peer='veth-br', peer_netns=None)},
                 'routes': []},
        'handmade': {'links': {'lo': link('device'), 'x0': link('veth', 'c', peer='x1', peer_netns='handmade'),
                               'x1': link('veth', peer='x0', peer_netns='handmade')}, 'routes': []},
    },
    'guests': [{'name': 'vm0', 'lab': 'c', 'state': 'running', 'pid': 4242, 'arch': 'x86_64', 'accel': 'tcg',
                'nics': [{'tap': 'vq0', 'bridge': 'br0', 'mac': '52:54:00:AA:BB:CC'}], 'append': None},
               {'name': 'solo', 'lab': None, 'state': 'stopped', 'pid': None, 'arch': 'aarch64', 'accel': 'tcg',
                'nics': [], 'append': 'console=ttyAMA0 vnetlab.ip=10.9.0.2/24'}],
    'nat': [{'source': '10.16.0.0/24', 'out_interface': 'eth0', 'backend': 'nftables', 'lab': 'c'}],
    'forwards': [{'protocol': 'tcp', 'port': 2222, 'in_interface': 'eth0', 'to_address': '10.16.0.50', 'to_port': 22,
                  'from_host': True, 'backend': 'iptables', 'lab': 'c'}],
    'dhcp': [{'bridge': 'br0', 'lab': 'c', 'state': 'running', 'pid': 77,
              'hosts': [{'mac': '52:54:00:aa:bb:cc', 'ip': '10.16.0.50', 'name': 'vm0'}], 'leases': []}],
}


def test_grouped_by_mark():
    out = labs(FACTS)
    assert [e['lab'] for e in out] == ['c', None]
    c, mods = out
    assert c['namespaces'] == [{'name': 'navy', 'links': ['veth-navy']}]
    # host links by their mark, every link in the lab's namespace (unmarked veth-navy too), the TAP with its
    # guest's lab, a marked link in a namespace nobody marked; never eth0 nor the unmarked x1
    expected = [('host', 'br0'), ('host', 'veth-br'), ('host', 'vq0'), ('handmade', 'x0'), ('navy', 'veth-navy')]
    assert [(x['netns'], x['name']) for x in c['links']] == expected
    assert c['links'][1]['peer'] == 'navy/veth-navy' and c['links'][4]['peer'] == 'host/veth-br'
    assert c['links'][0]['ports'] == ['vq0', 'veth-br'] and c['links'][2]['guest'] == 'vm0'
    assert c['guests'] == [{'name': 'vm0', 'state': 'running', 'pid': 4242, 'arch': 'x86_64', 'accel': 'tcg',
                            'address': '10.16.0.50', 'taps': ['vq0']}]
    assert c['nat'] == [{'source': '10.16.0.0/24', 'out_interface': 'eth0', 'backend': 'nftables'}]
    assert c['forwards'][0]['to_address'] == '10.16.0.50' and c['forwards'][0]['from_host']
    assert c['dhcp'] == [{'bridge': 'br0', 'state': 'running', 'pid': 77, 'leases': 0}]
    assert [x['name'] for x in mods['links']] == ['mod0'] and mods['guests'][0]['name'] == 'solo'
    assert labs(FACTS, only='c') == [c] and labs(FACTS, only='nope') == []


def test_guest_address():
    assert guest_address(FACTS['guests'][0], FACTS['dhcp']) == '10.16.0.50'  # static lease, MAC in any case
    assert guest_address(FACTS['guests'][1], FACTS['dhcp']) == '10.9.0.2'  # the kernel command line
    leased = [{'hosts': [], 'leases': [{'mac': '52:54:00:aa:bb:cc', 'ip': '10.16.0.77'}]}]
    assert guest_address(FACTS['guests'][0], leased) == '10.16.0.77'
    assert guest_address({'nics': [], 'append': None}, []) is None


def test_rows_and_table():
    out = rows(labs(FACTS))
    by = dict(((r['lab'], r['kind'], r['name']), r) for r in out)
    vm = by[('c', 'guest', 'vm0')]
    assert (vm['state'], vm['pid'], vm['accel'], vm['address']) == ('running', '4242', 'tcg', '10.16.0.50')
    assert by[('c', 'netns', 'navy')]['details'] == '1 link'
    assert by[('c', 'veth', 'veth-navy')]['address'] == '10.16.0.2/24'
    assert by[('c', 'nat', '10.16.0.0/24')]['details'] == 'out eth0 (nftables)'
    fwd = by[('c', 'forward', 'tcp/2222')]
    assert fwd['address'] == '10.16.0.50:22' and fwd['details'] == 'on eth0, also from the host (iptables)'
    assert by[('c', 'dhcp', 'br0')]['pid'] == '77'
    assert by[(MODULES, 'dummy', 'mod0')]['state'] == 'DOWN'
    lines = table(out)
    header = lines[0].split()
    assert header == ['LAB', 'KIND', 'NAME', 'NETNS', 'STATE', 'PID', 'ACCEL', 'ADDRESS', 'DETAILS']
    assert len(lines) == len(out) + 1
    # aligned: every column starts where its header does
    start = lines[0].index('ADDRESS')
    vm_line = [line for line in lines if ' vm0 ' in line][0]
    assert vm_line[start:].startswith('10.16.0.50 ')
    assert table([]) == ['no vnetlab lab on this host']


def test_a_column_nobody_fills_is_left_out():
    only_ns = [{'lab': 'a', 'persistent': False, 'namespaces': [{'name': 'red', 'links': []}], 'links': [],
                'guests': [], 'dhcp': [], 'nat': [], 'forwards': []}]
    assert table(rows(only_ns)) == ['LAB  KIND   NAME  DETAILS', 'a    netns  red   0 links']


def test_a_persistent_lab_shows_its_unit_even_with_nothing_else():
    facts = {'host': {'links': {}}, 'netns': {}, 'guests': [], 'nat': [], 'forwards': [], 'dhcp': []}
    boot = {'b': {'persistent': True, 'unit': '/etc/systemd/system/vnetlab-lab-b.service', 'enabled': True}}
    found = labs(facts, persistent=boot)
    assert found == [{'lab': 'b', 'persistent': True, 'unit': {'name': 'vnetlab-lab-b.service', 'enabled': True},
                      'namespaces': [], 'links': [], 'guests': [], 'nat': [], 'forwards': [], 'dhcp': []}]
    assert table(rows(found)) == ['LAB  KIND  NAME                   STATE    DETAILS',
                                  'b    unit  vnetlab-lab-b.service  enabled  re-applies the lab at boot']
