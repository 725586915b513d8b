"""vnetlab.linux.bridge against the real kernel."""
import subprocess

from conftest import ip, link


def vlan_filtering_supported(names):
    probe = names('vf')
    ip('link', 'add', probe, 'type', 'bridge')
    ok = subprocess.call(['ip', 'link', 'set', probe, 'type', 'bridge', 'vlan_filtering', '1'],
                         stderr=subprocess.DEVNULL) == 0
    ip('link', 'del', probe)
    return ok


def test_lifecycle(run, names):
    br, p1, p2 = names('br'), names('p1'), names('p2')
    ip('link', 'add', p1, 'type', 'veth', 'peer', 'name', p2)
    assert run.ok('bridge', check=True, name=br, ports=[p1])['changed'] and link(br) is None

    first = run.ok('bridge', name=br, ports=[p1], stp=True, mtu=1400)
    assert first['changed']
    entry = link(br)
    assert entry['linkinfo']['info_kind'] == 'bridge' and 'UP' in entry['flags']
    assert entry['linkinfo']['info_data']['stp_state'] == 1 and entry['mtu'] == 1400
    assert entry['ifalias'] == 'vnetlab'
    assert link(p1)['master'] == br and 'UP' in link(p1)['flags']
    assert first['diff']['after']['ports'] == [p1]

    again = run.ok('bridge', name=br, ports=[p1], stp=True, mtu=1400)
    assert not again['changed']

    # settings changed in place, no recreation
    changed = run.ok('bridge', name=br, stp=False)
    assert changed['changed']
    assert link(br)['linkinfo']['info_data']['stp_state'] == 0 and link(p1)['master'] == br
    if vlan_filtering_supported(names):
        assert run.ok('bridge', name=br, vlan_filtering=True)['changed']
        assert link(br)['linkinfo']['info_data']['vlan_filtering'] == 1
    else:  # this sandbox kernel is built without CONFIG_BRIDGE_VLAN_FILTERING: a clear error
        message = run.fails('bridge', name=br, vlan_filtering=True)  # refused before any change
        assert message.startswith('vlan_filtering: ') and 'CONFIG_BRIDGE_VLAN_FILTERING' in message
        assert link(br)['linkinfo']['info_data']['vlan_filtering'] == 0

    # drift: port released by hand
    ip('link', 'set', p1, 'nomaster')
    assert run.ok('bridge', name=br, ports=[p1])['changed'] and link(p1)['master'] == br

    gone = run.ok('bridge', name=br, state='absent')
    assert gone['changed'] and link(br) is None and link(p1) is not None
    assert not run.ok('bridge', name=br, state='absent')['changed']
    ip('link', 'del', p1)


def test_bridge_in_namespace(run09, names):
    ns, br = names('ns'), names('br')
    run09.ok('netns', name=ns)
    run09.ok('bridge', name=br, netns=ns)
    assert link(br, netns=ns)['linkinfo']['info_kind'] == 'bridge' and link(br) is None
    run09.ok('netns', name=ns, state='absent')


def test_name_used_by_non_bridge(run09, names):
    a, b = names('a'), names('b')
    ip('link', 'add', a, 'type', 'veth', 'peer', 'name', b)
    msg = run09.fails('bridge', name=a)
    assert msg.startswith('name:') and 'veth' in msg
    assert run09.fails('bridge', name=a, state='absent').startswith('name:')
    assert link(a)['linkinfo']['info_kind'] == 'veth'
    ip('link', 'del', a)


def test_bad_input_changes_nothing(run09, names):
    br = names('br')
    assert run09.fails('bridge', name='br 0').startswith('name:')
    assert run09.fails('bridge', name=br, ports=[names('none')]).startswith('ports:')
    assert run09.fails('bridge', name=br, netns=names('nons')).startswith('netns:')
    assert link(br) is None
