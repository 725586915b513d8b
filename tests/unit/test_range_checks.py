"""Semantic range checks before anything changes (pure): DHCP ranges and static leases against the bridge's
subnets, route gateways against the subnets of their namespace (and device), port forward targets against
the host's own addresses, interface addresses that are a subnet's network or broadcast address."""
import ipaddress

import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import TopologyError, load_yaml, normalize
from ansible_collections.vnetlab.linux.plugins.module_utils.objects import address, dhcp, forward

NET = [ipaddress.ip_network('10.74.1.0/24')]
OWN = {ipaddress.ip_address('10.74.1.1')}


def dhcp_params(**kw):
    p = dict(bridge='h10br', state='present', range_start=None, range_end=None, lease_time='1h', router=None,
             dns=True, domain=None, upstream=[], hosts=[], records=[], adopt=False)
    p.update(kw)
    return p


def subnet_error(defaulted=False, **kw):
    d = dhcp.KIND.desired(dhcp_params(**kw))
    if d['range_start'] is None:
        d.update(dhcp.default_range(NET))
    with pytest.raises(ParamError) as e:
        dhcp.check_subnets(d, 'h10br', NET, OWN, defaulted)
    return e.value


def test_dhcp_start_after_end_names_range_end_and_the_fix():
    with pytest.raises(ParamError) as e:
        dhcp.KIND.desired(dhcp_params(range_start='10.74.1.150', range_end='10.74.1.100'))
    assert e.value.param == 'range_end' and 'give the lower address as range_start' in e.value.message


@pytest.mark.parametrize('start,end,param,what', [
    ('10.74.2.100', '10.74.2.150', 'range_start', 'not inside a subnet of bridge h10br (10.74.1.0/24)'),
    ('10.74.1.200', '10.74.2.10', 'range_start', 'for example 10.74.1.128-10.74.1.254'),
    ('10.74.1.0', '10.74.1.20', 'range_start', 'the network address of 10.74.1.0/24'),
    ('10.74.1.200', '10.74.1.255', 'range_end', 'the broadcast address of 10.74.1.0/24'),
    ('10.74.1.1', '10.74.1.20', 'range_start', 'the address of bridge h10br itself'),
])
def test_dhcp_range_against_the_subnet(start, end, param, what):
    e = subnet_error(range_start=start, range_end=end)
    assert e.param == param and what in e.message, e


def test_dhcp_default_range_that_holds_the_bridge_address_says_it_is_the_default():
    d = dhcp.KIND.desired(dhcp_params())
    d.update(dhcp.default_range(NET))
    with pytest.raises(ParamError) as e:
        dhcp.check_subnets(d, 'h10br', NET, {ipaddress.ip_address('10.74.1.200')}, defaulted=True)
    assert 'the default range 10.74.1.128-10.74.1.254' in str(e.value) and 'give range_start' in str(e.value)


@pytest.mark.parametrize('ip,what', [
    ('10.74.9.5', 'not inside a subnet of bridge h10br'),
    ('10.74.1.1', 'the address of bridge h10br itself'),
    ('10.74.1.255', 'the broadcast address of 10.74.1.0/24'),
    ('10.74.1.0', 'the network address of 10.74.1.0/24'),
])
def test_dhcp_static_lease_against_the_subnet(ip, what):
    e = subnet_error(hosts=[{'name': 'vm0', 'ip': ip, 'mac': None, 'nic': 0}])
    assert e.param == 'hosts' and "the static lease of 'vm0'" in e.message and what in e.message, e


def test_dhcp_router_outside_the_subnet():
    e = subnet_error(router='10.74.9.1')
    assert e.param == 'router' and 'not inside a subnet' in e.message


def test_dhcp_static_lease_inside_the_dynamic_range_is_no_conflict():
    """dnsmasq never leases an address reserved by a dhcp-host line to another client."""
    d = dhcp.KIND.desired(dhcp_params(range_start='10.74.1.100', range_end='10.74.1.150', router='10.74.1.1',
                                      hosts=[{'name': 'vm0', 'ip': '10.74.1.120', 'mac': None, 'nic': 0}]))
    dhcp.check_subnets(d, 'h10br', NET, OWN)


def test_forward_target_against_the_host_addresses():
    host = [('h10br', ipaddress.ip_interface('10.74.1.1/24'))]
    forward.check_target('10.74.1.10', host)
    for ip, what in (('10.74.1.1', "the host's own address on 'h10br'"), ('10.74.1.255', 'broadcast address'),
                     ('10.74.1.0', 'network address')):
        with pytest.raises(ParamError) as e:
            forward.check_target(ip, host)
        assert e.value.param == 'to_address' and what in e.value.message


def test_address_module_refuses_a_network_address_but_removes_one():
    params = dict(interface='h10a', netns=None, addresses=['10.74.1.0/24'], exclusive=False, state='present')
    with pytest.raises(ParamError) as e:
        address.KIND.desired(params)
    assert 'network address of 10.74.1.0/24' in str(e.value) and 'for example 10.74.1.1/24' in str(e.value)
    assert address.KIND.desired(dict(params, state='absent'))['wanted'] == {ipaddress.ip_interface('10.74.1.0/24')}


BRIDGE = """\
lab: h10
namespaces: [h10a]
bridges:
  - name: h10br
    addresses: [10.74.1.1/24]
veths:
  - {name: h10v, netns: h10a, addresses: [10.74.1.2/24], peer: h10vp, peer_master: h10br}
  - {name: h10w, netns: h10a, addresses: [10.74.2.2/24], peer: h10wp}
"""


def topology_error(extra):
    data, positions = load_yaml(BRIDGE + extra, 'lab.yml')
    with pytest.raises(TopologyError) as e:
        normalize(data, positions, 'lab.yml')
    return str(e.value)


@pytest.mark.parametrize('extra,where,what', [
    ('dhcp:\n  - {bridge: h10br, range_start: 10.74.3.10, range_end: 10.74.3.20}\n',
     'lab.yml line 10: dhcp[0].range_start', 'not inside a subnet of bridge h10br (10.74.1.0/24)'),
    ('dhcp:\n  - {bridge: h10br, range_start: 10.74.1.1, range_end: 10.74.1.20}\n',
     'dhcp[0].range_start', 'the address of bridge h10br itself'),
    ('dhcp:\n  - bridge: h10br\n    hosts: [{name: vm0, ip: 10.74.1.1}]\n',
     'line 11: dhcp[0].hosts', "the static lease of 'vm0': 10.74.1.1 is the address of bridge h10br itself"),
    ('dhcp:\n  - bridge: h10br\n    hosts: [{name: vm0, ip: 10.74.7.1}]\n',
     'dhcp[0].hosts', 'not inside a subnet of bridge h10br'),
    ('routes:\n  - {netns: h10a, destination: default, gateway: 10.74.9.1}\n',
     'line 10: routes[0].gateway', "not on any subnet declared in namespace 'h10a'"),
    ('routes:\n  - {netns: h10a, destination: default, gateway: 10.74.1.1, device: h10w}\n',
     'routes[0].gateway', "namespace 'h10a' on 'h10w' (declared: 10.74.2.0/24)"),
    ('forwards:\n  - {port: 2222, to_address: 10.74.1.1, to_port: 22, in_interface: lo}\n',
     'line 10: forwards[0].to_address', "the host's own address on 'h10br'"),
    ('forwards:\n  - {port: 2222, to_address: 10.74.1.255, to_port: 22, in_interface: lo}\n',
     'forwards[0].to_address', 'the broadcast address of 10.74.1.0/24'),
    ('  - {name: h10x, peer: h10xp, addresses: [10.74.4.255/24]}\n',
     'veths[2].addresses', "'10.74.4.255/24' is the broadcast address of 10.74.4.0/24"),
])
def test_topology_range_checks_name_the_key_and_line(extra, where, what):
    message = topology_error(extra)
    assert where in message and what in message, message


def test_topology_route_through_the_right_device_and_a_lease_in_the_range_are_accepted():
    data, positions = load_yaml(BRIDGE + 'routes:\n  - {netns: h10a, destination: default, gateway: 10.74.1.1, '
                                'device: h10v}\ndhcp:\n  - bridge: h10br\n    hosts: [{name: vm0, ip: 10.74.1.200}]\n',
                                'lab.yml')
    topo = normalize(data, positions, 'lab.yml')
    assert topo['dhcp'][0]['range_start'] == '10.74.1.128' and topo['dhcp'][0]['hosts'][0]['ip'] == '10.74.1.200'
