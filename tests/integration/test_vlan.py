"""VLAN sub-interfaces and bridge port VLANs on this machine's kernel, which may lack both (8021q, bridge VLAN
filtering): the tests find out by trying, in a namespace of their own. Where a feature is missing, the module
and the lab refuse before any change, naming it; where it is there they must work (the kernel lane proves
reachability on Debian's kernel: tests/kernel/test_vlans_lane.py)."""
import subprocess

from conftest import ip, link


def kernel_has(names, *commands):
    probe = names('probe')
    ip('netns', 'add', probe)
    try:
        return all(subprocess.run(['ip', '-n', probe] + c.split(), capture_output=True, check=False).returncode == 0
                   for c in commands)
    finally:
        ip('netns', 'del', probe)


def has_8021q(names):
    return kernel_has(names, 'link add p0 type veth peer name p1', 'link add link p0 name p0.7 type vlan id 7')


def test_a_vlan_link_or_a_refusal_before_any_change(run, names):
    a, b, sub = names('a'), names('b'), names('a.7')[-15:]
    run.ok('veth', name=a, peer=b)
    if has_8021q(names):
        made = run.ok('vlan', name=sub, link=a, id=7)
        assert made['changed'] and link(sub)['linkinfo']['info_data']['id'] == 7
        assert not run.ok('vlan', name=sub, link=a, id=7)['changed']
        assert run.fails('vlan', name=sub, link=a, id=8).startswith('id: ')  # not changed in place
        assert run.ok('vlan', name=sub, state='absent')['changed'] and link(sub) is None
    else:
        assert '8021q' in run.fails('vlan', check=True, name=sub, link=a, id=7)  # check mode says so too
        message = run.fails('vlan', name=sub, link=a, id=7)
        assert message.startswith('id: ') and '8021q' in message and link(sub) is None
    run.ok('veth', name=a, peer=b, state='absent')


def test_port_vlans_need_a_filtering_bridge(run09, names):
    br, a, b = names('br'), names('a'), names('b')
    run09.ok('veth', name=a, peer=b)
    assert "is not a port of a bridge" in run09.fails('port_vlan', port=a, access=10)
    run09.ok('bridge', name=br, ports=[a])
    message = run09.fails('port_vlan', port=a, access=10)
    assert message.startswith('port: ') and "bridge '%s'" % br in message and 'vlan_filtering: true' in message
    for args, param in (({'access': 10, 'trunk': [20]}, 'access'), ({'access': 10, 'native': 1}, 'access'),
                        ({'trunk': [10, 10]}, 'trunk'), ({'access': 5000}, 'access'), ({}, 'trunk')):
        assert run09.fails('port_vlan', port=a, **args).startswith(param + ': '), args
    assert not run09.ok('port_vlan', port=a, state='absent')['changed']  # nothing of ours to undo
    run09.ok('bridge', name=br, state='absent')
    run09.ok('veth', name=a, peer=b, state='absent')


def test_a_lab_with_vlans_is_checked_first(run09, names):
    ns, br = names('n'), names('br')
    topo = {'lab': names('lab'), 'namespaces': [ns], 'bridges': [{'name': br}],
            'veths': [{'name': 'e0', 'netns': ns, 'peer': names('p'), 'peer_master': br, 'peer_vlan': {'access': 10}}]}
    assert 'filters no VLANs' in run09.fails('topology', definition=topo)
    topo['bridges'][0]['vlan_filtering'] = True
    no_master = dict(topo, veths=[dict(topo['veths'][0], vlan={'access': 10})])
    assert 'VLANs are a bridge port' in run09.fails('topology', definition=no_master)
    if not kernel_has(names, 'link add b0 type bridge vlan_filtering 1'):
        message = run09.fails('topology', definition=topo)
        assert message.startswith('bridges[0]: vlan_filtering: ') and 'CONFIG_BRIDGE_VLAN_FILTERING' in message
        assert ns not in ip('netns', 'list')  # refused before the first change
    with_sub = dict(topo, bridges=[{'name': br}], veths=[dict(topo['veths'][0], peer_vlan=None)],
                    vlans=[{'name': 'e0.10', 'link': 'e0', 'id': 10, 'netns': ns, 'addresses': ['10.198.0.1/24']}])
    if not has_8021q(names):
        message = run09.fails('topology', definition=with_sub)
        assert message.startswith('vlans[0]: id: ') and '8021q' in message and ns not in ip('netns', 'list')
