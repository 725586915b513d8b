"""What a sweep (lab_cleanup: `down` by lab name, `cleanup`) finds is decided by marks alone: pure, from a
survey of a host written as data."""
import yaml

from ansible_collections.vnetlab.linux.plugins.module_utils.lab.sweep import find, view, wanted_labs
from test_golden import snapshot_from

HOST_STATE = yaml.safe_load('''
host:
  links:
    eth0: {kind: device}
    br0: {kind: bridge, ifalias: 'vnetlab:a'}
    hand0: {kind: veth, peer: host/hand1}
    hand1: {kind: veth, peer: host/hand0}
    va-h: {kind: veth, ifalias: 'vnetlab:a', master: br0, peer: red/va-n}
    vb-h: {kind: veth, ifalias: 'vnetlab:b', peer: navy/vb-n}
    mod0: {kind: bridge, ifalias: vnetlab}
    vq1: {kind: tun, ifalias: vnetlab, master: br0}
    stray: {kind: dummy}
  routes:
    - {dst: 10.99.0.0/24, device: eth0, gateway: 192.168.1.1, proto: 118}
    - {dst: 10.98.0.0/24, device: mod0, proto: 118}
    - {dst: 10.97.0.0/24, device: eth0, gateway: 192.168.1.1, proto: 4}
red:
  links:
    lo: {index: 1, kind: device, ifalias: 'vnetlab:a'}
    va-n: {kind: veth, ifalias: 'vnetlab:a', peer: host/va-h}
  routes: []
navy:
  links:
    lo: {index: 1, kind: device, ifalias: 'vnetlab:b'}
    vb-n: {kind: veth, ifalias: 'vnetlab:b', peer: host/vb-h}
    va-x: {kind: veth, ifalias: 'vnetlab:a', peer: navy/va-y}
    va-y: {kind: veth, ifalias: 'vnetlab:a', peer: navy/va-x}
  routes: []
mine:
  links:
    lo: {index: 1, kind: device}
    eth9: {kind: veth, peer: mine/eth8}
    eth8: {kind: veth, peer: mine/eth9}
  routes:
    - {dst: 10.96.0.0/24, device: eth9, proto: 118}
half:
  links:
    lo: {index: 1, kind: device}
  routes: []
''')


def survey(routes=False, **extra):
    s = {
        'snapshot': snapshot_from(yaml.safe_load(yaml.safe_dump(HOST_STATE))),
        'routes': routes,
        'guests': {'vm1': {'lab': 'a', 'taps': ['vq1']}, 'vm2': {'lab': '', 'taps': []}},
        'dhcp': {'br0': 'a', 'mod0': ''},
        'comments': {'nftables': {'vnetlab:a 10.16.0.0/24 eth0', 'vnetlab:b 10.17.0.0/24 eth0',
                                  'vnetlab:a fwd tcp 2222 eth0 10.16.0.5:22', 'vnetlab 10.18.0.0/24 eth0',
                                  'from-someone-else'},
                     'iptables': {'vnetlab:a 10.16.0.0/24 eth0', 'vnetlab fwd udp 53 eth0 10.18.0.2:53 host'}},
        'holds': [('net.ipv4.ip_forward', None, 'vnetlab:a 10.16.0.0/24 eth0'),
                  ('net.ipv4.ip_forward', None, 'vnetlab:b 10.17.0.0/24 eth0'),
                  ('net.bridge.bridge-nf-call-iptables', None, 'bridge br7'),
                  ('net.ipv4.conf.all.forwarding', 'red', 'vnetlab:a extra')],
        'intents': {'lab/a': {('half', None)}, 'bridge/host/mod9': {(None, 'stray')}},
    }
    s.update(extra)
    return s


def test_one_lab_by_its_marks():
    found = find(survey(), wanted_labs('a'))
    assert list(found) == ['a']
    a = found['a']
    # its namespaces (one unmarked, named in the intent of a killed run of the lab); never the
    # unmarked namespace nobody recorded, never lab b's
    assert a['namespaces'] == ['half', 'red']
    # links outside them: its host links, and its veth pair inside lab b's namespace; not the guest's
    # TAP (its teardown deletes it), not the modules' bridge, not the links made by hand
    assert a['links'] == [{'netns': None, 'name': 'br0', 'kind': 'bridge'},
                          {'netns': None, 'name': 'va-h', 'kind': 'veth'},
                          {'netns': 'navy', 'name': 'va-x', 'kind': 'veth'},
                          {'netns': 'navy', 'name': 'va-y', 'kind': 'veth'}]
    assert a['guests'] == ['vm1'] and a['dhcp'] == ['br0']
    assert a['nat'] == [{'source': '10.16.0.0/24', 'out_interface': 'eth0'}]  # once, in both backends
    assert a['forwards'] == [{'protocol': 'tcp', 'port': 2222, 'in_interface': 'eth0', 'to_address': '10.16.0.5',
                              'to_port': 22}]
    assert a['holds'] == [{'name': 'net.ipv4.ip_forward', 'netns': None, 'holder': 'vnetlab:a 10.16.0.0/24 eth0'},
                          {'name': 'net.ipv4.conf.all.forwarding', 'netns': 'red', 'holder': 'vnetlab:a extra'}]
    assert a['routes'] == [] and a['intents'] == ['lab/a']


def test_a_lab_that_has_nothing():
    assert find(survey(), wanted_labs('zz')) == {}


def test_every_owner():
    found = find(survey(routes=True), wanted_labs(every=True))
    assert sorted(found) == ['', 'a', 'b']
    mods = found['']
    # the modules' own objects, and an unmarked link a killed module run recorded
    assert [(x['netns'], x['name']) for x in mods['links']] == [(None, 'mod0'), (None, 'stray')]
    assert mods['guests'] == ['vm2'] and mods['dhcp'] == ['mod0']
    assert mods['nat'] == [{'source': '10.18.0.0/24', 'out_interface': 'eth0'}]
    assert mods['forwards'][0]['port'] == 53
    # a hold whose holder names no lab (a role's) goes with the modules' objects
    assert mods['holds'] == [{'name': 'net.bridge.bridge-nf-call-iptables', 'netns': None, 'holder': 'bridge br7'}]
    # our routes that stay behind: through a link that stays (eth0), or in a namespace that stays ('mine':
    # not ours); not through a link that is deleted (mod0), not anyone else's (proto 4)
    assert mods['routes'] == [{'netns': None, 'dst': '10.99.0.0/24', 'metric': 0, 'family': 2},
                              {'netns': 'mine', 'dst': '10.96.0.0/24', 'metric': 0, 'family': 2}]
    assert found['b']['namespaces'] == ['navy'] and found['b']['links'] == [
        {'netns': None, 'name': 'vb-h', 'kind': 'veth'}]
    # lab a's pair inside navy goes with navy (removed whole)
    assert [x['name'] for x in found['a']['links']] == ['br0', 'va-h']
    everything = [x for entry in found.values() for x in entry['namespaces'] + [y['name'] for y in entry['links']]]
    for foreign in ('eth0', 'hand0', 'hand1', 'mine', 'eth9', 'eth8'):
        assert foreign not in everything


def test_view_names_the_owner_and_the_host():
    entries = view(find(survey(), wanted_labs(every=True)))
    assert [(e['lab'], e['mark']) for e in entries] == [(None, 'vnetlab'), ('a', 'vnetlab:a'), ('b', 'vnetlab:b')]
    assert entries[1]['links'][0] == {'netns': 'host', 'name': 'br0', 'kind': 'bridge'}


def test_a_persistent_lab_is_found_by_its_unit_alone():
    """After a reboot a persistent lab may have nothing but its unit and saved definition: `down` finds it."""
    found = find(survey(persistent=['a', 'gone']), wanted_labs('gone'))
    assert list(found) == ['gone'] and found['gone']['persistent'] == ['gone']
    assert find(survey(persistent=['a']), wanted_labs('a'))['a']['persistent'] == ['a']
    assert find(survey(), wanted_labs('a'))['a']['persistent'] == []
