"""The roles refuse a bad address before anything changes: each scenario playbook, run for real with one bad
address, fails at the role's address check with the variable's name and a valid example, runs neither the
prerequisites nor any module, and leaves the host as it found it (namespaces, links, the sysctls the
prerequisites set). The check's logic itself is unit-tested (tests/unit/test_role_address_checks.py)."""
import pytest

from conftest import ipj
from test_playbooks import netns_list, playbook

QUIET = {'prerequisites_install_packages': False}
SYSCTLS = ['/proc/sys/net/ipv4/ip_forward', '/proc/sys/net/bridge/bridge-nf-call-iptables']


def host_state():
    def read(path):
        try:
            with open(path) as f:
                return f.read().strip()
        except OSError:
            return None
    return (sorted(netns_list()), sorted(x['ifname'] for x in ipj('link', 'show')), [read(p) for p in SYSCTLS])


def fails_before_anything(name, extra, message):
    before = host_state()
    out = playbook(name, dict(QUIET, **extra), expect_rc=2)
    assert message in out['stdout'], out['stdout'][-3000:]
    assert out['changed'] == 0 and out['failed'] == 1, out['stdout'][-3000:]
    assert 'Prepare the host' not in out['stdout'], 'the prerequisites ran: ' + out['stdout'][-3000:]
    assert host_state() == before


def test_veth_pair_refuses_a_prefix_out_of_range(names):
    fails_before_anything('veth_pair.yml', {
        'veth_pair_a_netns': names('red'), 'veth_pair_b_netns': names('blue'),
        'veth_pair_a_interface': names('a'), 'veth_pair_b_interface': names('b'),
        'veth_pair_a_address': '10.16.0.2/33'},
        'veth_pair_a_address: "10.16.0.2/33" is not an address with prefix length (CIDR) that is not its '
        "subnet's network or broadcast address; give one such as 10.16.0.2/24")


@pytest.mark.parametrize('bad, message', [
    ({'netns_bridge_address': '10.16.0.0/24'}, 'netns_bridge_address: "10.16.0.0/24"'),
    ({'address': '10.16.0.300/24'}, 'netns_bridge_members[1].address: "10.16.0.300/24"'),
    ({'gateway': '10.16.0.1/24'}, 'netns_bridge_members[1].gateway: "10.16.0.1/24" is not an IP address'),
])
def test_netns_bridge_refuses_a_bad_address(names, bad, message):
    members = [{'netns': names(c), 'host_interface': names('h' + c), 'netns_interface': names('n' + c),
                'address': '10.16.0.%d/24' % (i + 2)} for i, c in enumerate('rb')]
    extra = {'netns_bridge_name': names('br'), 'netns_bridge_members': members}
    if 'netns_bridge_address' in bad:
        extra.update(bad)
    else:
        members[1].update(bad)
    fails_before_anything('bridge.yml', extra, message)


def test_nested_vm_refuses_host_bits_in_the_lab_network(names):
    fails_before_anything('nested_vm.yml', {
        'nested_vm_bridge': names('br'), 'nested_vm_guest_name': names('vm'), 'nested_vm_guest_tap': names('t'),
        'nested_vm_namespace': names('navy'), 'nested_vm_namespace_host_interface': names('h'),
        'nested_vm_namespace_interface': names('n'), 'nested_vm_lab_network': '10.16.0.1/24'},
        'nested_vm_lab_network: "10.16.0.1/24" is not a network in CIDR form with no host bits; give one such as '
        '10.16.0.0/24')


def test_lab_refuses_a_ping_target_that_is_not_an_address(names):
    lab = {'lab': names('lab'), 'namespaces': [names('red'), names('blue')],
           'veths': [{'name': names('a'), 'netns': names('red'), 'peer': names('b'), 'peer_netns': names('blue'),
                      'addresses': ['10.16.0.2/24'], 'peer_addresses': ['10.16.0.3/24']}]}
    fails_before_anything('lab.yml', {
        'lab_definition': lab, 'lab_verify': [{'netns': names('red'), 'targets': ['10.16.0.3', 'blue.lab']}]},
        'lab_verify[0].targets[1]: "blue.lab" is not an IP address')


def test_lab_refuses_a_bad_topology_before_the_prerequisites(names):
    """The topology's own checks run first (validate_only, on the controller): a DHCP range outside its
    bridge's subnet fails before `Prepare the host`, and the host is unchanged."""
    br = names('br')
    lab = {'lab': names('lab'), 'namespaces': [names('red')],
           'bridges': [{'name': br, 'addresses': ['10.74.5.1/24']}],
           'veths': [{'name': names('a'), 'netns': names('red'), 'peer': names('b'), 'peer_master': br,
                      'addresses': ['10.74.5.2/24']}],
           'dhcp': [{'bridge': br, 'range_start': '10.74.6.100', 'range_end': '10.74.6.150'}]}
    fails_before_anything('lab.yml', {'lab_definition': lab},
                          'definition: dhcp[0].range_start: 10.74.6.100-10.74.6.150 is not inside a subnet of '
                          'bridge %s (10.74.5.0/24)' % br)


def test_lab_names_the_line_of_a_bad_topology_file_before_the_prerequisites(names, tmp_path):
    path = tmp_path / 'lab.yml'
    text = 'lab: %s\nnamespaces: [%s]\nveths:\n  - name: %s\n    netns: %s\n    peer: %s\n'
    path.write_text(text % (names('lab'), names('red'), names('a'), names('red'), names('b'))
                    + '    addresses: [10.74.7.255/24]\n')
    fails_before_anything('lab.yml', {'lab_topology': str(path)},
                          "line 7: veths[0].addresses: '10.74.7.255/24' is the broadcast address of 10.74.7.0/24")
