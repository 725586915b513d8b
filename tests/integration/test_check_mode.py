"""`--check --diff` on a clean host, the dry run people reach for first: every scenario playbook completes,
lists what it would make, and makes nothing - no namespace, link, process, file, firewall rule or sysctl.
Later tasks of a play accept that what an earlier task would have made does not exist yet."""
import json
import os
import re
import subprocess

import pytest
import yaml

from conftest import ROOT, ip, ipj, leftovers

SYSCTLS = ['/proc/sys/net/ipv4/ip_forward', '/proc/sys/net/bridge/bridge-nf-call-iptables']


def host_state(tag):
    """What a run could have changed on the host, beyond the tagged namespaces and links."""
    nft = subprocess.run(['nft', '-s', 'list', 'ruleset'], capture_output=True, text=True, check=False).stdout
    iptables = subprocess.run(['iptables-save'], capture_output=True, text=True, check=False).stdout
    iptables = '\n'.join(line for line in iptables.splitlines() if not line.startswith(('#', ':')))  # counters
    return {'netns': [n for n in ip('netns', 'list').split('\n') if n.startswith(tag)],
            'links': [x['ifname'] for x in ipj('link', 'show') if x['ifname'].startswith(tag)],
            'leftovers': sorted(leftovers()), 'nft': nft, 'iptables': iptables,
            'sysctl': dict((p, open(p).read()) for p in SYSCTLS if os.path.exists(p))}


def dry_run(name, extra, says='Check mode, nothing was changed'):
    proc = subprocess.run(['ansible-playbook', os.path.join('playbooks', name), '--check', '--diff',
                           '-e', json.dumps(dict(extra, prerequisites_install_packages=False))],
                          capture_output=True, text=True, cwd=ROOT, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    recap = re.search(r'localhost\s*:\s*ok=(\d+)\s+changed=(\d+).*failed=(\d+)', proc.stdout)
    assert recap and int(recap.group(3)) == 0
    assert says in proc.stdout
    return int(recap.group(2)), proc.stdout


def renamed(example, names, tmp_path):
    """An example topology with every name (lab, namespaces, links, guests) made a vt-prefixed one, and its
    guests' image files in an empty directory (a clean host: the image is not built yet)."""
    with open(os.path.join(ROOT, 'examples', example)) as f:
        topo = yaml.safe_load(f)
    words = set([topo['lab']] + [n if isinstance(n, str) else n['name'] for n in topo.get('namespaces', [])])
    for section in ('bridges', 'veths', 'guests'):
        for entry in topo.get(section, []):
            words.update(entry[k] for k in ('name', 'peer') if k in entry)
            words.update(nic['tap'] for nic in entry.get('nics', []))
    text = yaml.safe_dump(topo)
    for i, word in enumerate(sorted(words, key=len, reverse=True)):
        text = re.sub(r'(?<![\w-])%s(?![\w-])' % re.escape(word), names('x%d' % i), text)
    text = text.replace('/var/cache/vnetlab/images', str(tmp_path / 'images'))
    path = tmp_path / example
    path.write_text(text)
    return str(path)


def scenarios(names, tmp_path):
    members = [{'netns': names(c), 'host_interface': names('h' + c), 'netns_interface': names('n' + c),
                'address': '10.16.0.%d/24' % (i + 2), 'gateway': '10.16.0.1'} for i, c in enumerate('rb')]
    return {
        'veth_pair.yml': {'veth_pair_a_netns': names('red'), 'veth_pair_b_netns': names('blue'),
                          'veth_pair_a_interface': names('a'), 'veth_pair_b_interface': names('b')},
        'bridge.yml': {'netns_bridge_name': names('br'), 'netns_bridge_address': '10.16.0.1/24',
                       'netns_bridge_members': members},
        'nested_vm.yml': {'nested_vm_bridge': names('br'), 'nested_vm_guest_name': names('vm'),
                          'nested_vm_guest_tap': names('tap'), 'nested_vm_namespace': names('navy'),
                          'nested_vm_namespace_host_interface': names('vb'),
                          'nested_vm_namespace_interface': names('vn'),
                          'nested_vm_forwards': [{'port': 2222, 'to_port': 22}],
                          'guest_image_cache_dir': str(tmp_path / 'images')},
    }


@pytest.mark.parametrize('playbook', ['veth_pair.yml', 'bridge.yml', 'nested_vm.yml', 'nested_vm_guest_play.yml'])
def test_scenario_playbook_dry_run(names, tmp_path, playbook):
    extra = scenarios(names, tmp_path)[playbook.replace('_guest_play', '')]
    before = host_state(names.tag)
    changed, out = dry_run(playbook, extra)
    assert changed > 0
    first = names('red') if playbook == 'veth_pair.yml' else names('br')
    assert '"%s"' % first in out  # the diff shows what would be made
    assert host_state(names.tag) == before
    assert not os.path.exists(str(tmp_path / 'images'))  # no image built either
    down_changed, _out = dry_run(playbook, dict(extra, vnetlab_state='absent'))
    assert down_changed == 0  # nothing to remove on a clean host
    assert host_state(names.tag) == before


@pytest.mark.parametrize('example', ['scenario_a.yml', 'scenario_b.yml', 'scenario_c.yml'])
def test_lab_playbook_dry_run(names, tmp_path, example):
    topology = renamed(example, names, tmp_path)
    before = host_state(names.tag)
    changed, out = dry_run('lab.yml', {'lab_topology': topology})
    assert changed > 0 and 'would be up' in out
    assert host_state(names.tag) == before
    down_changed, _out = dry_run('lab.yml', {'lab_topology': topology, 'vnetlab_state': 'absent'})
    assert down_changed == 0
    assert host_state(names.tag) == before


def test_up_and_down_verbs_dry_run(names, tmp_path):
    topology = renamed('scenario_c.yml', names, tmp_path)
    before = host_state(names.tag)
    changed, _out = dry_run('up.yml', {'topology': topology}, says='What check mode would change in lab')
    assert changed > 0
    down_changed, _out = dry_run('down.yml', {'topology': topology}, says='would go')
    assert down_changed == 0
    assert host_state(names.tag) == before
