"""Role `lab` / playbooks/lab.yml: the example topology files build the same lab as the scenario
playbooks (compared with `ip -j`), re-run with changed=0, tear down to nothing; a bad file is reported
with its line before anything changes."""
import os

from conftest import ROOT, ip, ipj
from test_playbooks import netns_list, playbook

QUIET = {'prerequisites_install_packages': False}


def snapshot(namespaces, host_links):
    """What a reader of the diagram would check: per namespace each link's kind, master, state and
    addresses (MACs, indexes and our ownership alias left out)."""
    def links(netns):
        out = {}
        addrs = dict((a['ifname'], sorted('%s/%s' % (x['local'], x['prefixlen']) for x in a.get('addr_info', [])
                                          if x.get('scope') != 'link'))
                     for a in ipj('addr', 'show', netns=netns))
        for x in ipj('-d', 'link', 'show', netns=netns):
            if netns is None and x['ifname'] not in host_links:
                continue
            out[x['ifname']] = (x.get('linkinfo', {}).get('info_kind'), x.get('master'),
                                'UP' in x['flags'], addrs.get(x['ifname'], []))
        return out
    view = dict((ns, links(ns)) for ns in namespaces)
    view['host'] = links(None)
    return view


def build_both_ways(scenario_playbook, example, namespaces, host_links):
    assert not set(namespaces) & set(netns_list()), 'a lab with these names already exists here'
    playbook(scenario_playbook, QUIET)
    by_playbook = snapshot(namespaces, host_links)
    playbook(scenario_playbook, dict(QUIET, vnetlab_state='absent'))

    extra = dict(QUIET, lab_topology=os.path.join('examples', example))  # relative: from the current dir
    first = playbook('lab.yml', extra)
    assert first['changed'] > 0
    by_topology = snapshot(namespaces, host_links)
    assert playbook('lab.yml', extra)['changed'] == 0
    down = dict(extra, vnetlab_state='absent')
    assert playbook('lab.yml', down)['changed'] > 0
    assert not set(namespaces) & set(netns_list())
    assert not [x for x in ipj('link', 'show') if x['ifname'] in host_links]
    assert playbook('lab.yml', down)['changed'] == 0
    return by_playbook, by_topology


def test_example_a_is_scenario_a():
    by_playbook, by_topology = build_both_ways('veth_pair.yml', 'scenario_a.yml', ['red', 'blue'], [])
    assert by_playbook == by_topology
    assert by_topology['red']['veth-red'] == ('veth', None, True, ['10.16.0.2/24'])


def test_example_b_is_scenario_b():
    host = ['br0', 'veth0-red', 'veth0-blue']
    by_playbook, by_topology = build_both_ways('bridge.yml', 'scenario_b.yml', ['red', 'blue'], host)
    assert by_playbook == by_topology
    assert by_topology['host']['veth0-red'] == ('veth', 'br0', True, [])


def test_a_bad_file_is_reported_with_its_line(tmp_path):
    bad = tmp_path / 'bad.yml'
    bad.write_text('lab: vtbad\nnamespaces: [vtbad1]\nveths:\n  - name: vtbad-a\n    peer: vtbad-b\n'
                   '    netns: vtbad1\n    peer_netns: vtbad2\n')
    out = playbook('lab.yml', dict(QUIET, lab_topology=str(bad), lab_verify=[]), expect_rc=2)['stdout']
    assert "bad.yml line 7: veths[0].peer_netns: namespace 'vtbad2' is not declared" in out
    assert 'vtbad1' not in netns_list()


def test_verify_pings_and_prune_through_the_role(tmp_path):
    lab = tmp_path / 'lab.yml'
    lab.write_text(open(os.path.join(ROOT, 'examples', 'scenario_b.yml')).read().replace('scenario-b', 'vtlabb')
                   .replace('red', 'vtred').replace('blue', 'vtblue').replace('br0', 'vtbr0'))
    extra = dict(QUIET, lab_topology=str(lab), lab_verify=[{'netns': 'vtred', 'targets': ['10.16.0.3']}])
    diagram = tmp_path / 'lab.dot'
    try:
        playbook('lab.yml', dict(extra, vnetlab_diagram=str(diagram)))
        dot = diagram.read_text()  # the playbook draws what the topology built
        assert 'vtred' in dot and 'vtblue' in dot and 'vtbr0' in dot and '10.16.0.3/24' in dot
        lab.write_text(lab.read_text().replace('namespaces: [vtred, vtblue]', 'namespaces: [vtred]')
                       .split('  - name: veth1-vtblue')[0])
        assert playbook('lab.yml', dict(extra, lab_verify=[]))['changed'] == 0  # no prune: kept
        assert 'vtblue' in netns_list()
        assert playbook('lab.yml', dict(extra, lab_verify=[], lab_prune=True))['changed'] > 0
        assert 'vtblue' not in netns_list() and 'vtred' in netns_list()
    finally:
        playbook('lab.yml', dict(extra, vnetlab_state='absent'))
    assert 'vtred' not in netns_list()
    assert ip('link', 'show', 'vtbr0', check=False) == ''
