"""The scenario playbooks end to end through ansible-playbook: build, verify by ping, re-run with
changed=0, teardown, teardown again (already gone), and teardown of a half-removed lab."""
import json
import os
import re
import subprocess

from conftest import ROOT, ip, link

SYSCTL = '/proc/sys/net/bridge/bridge-nf-call-iptables'


def playbook(name, extra, expect_rc=0):
    cmd = ['ansible-playbook', os.path.join(ROOT, 'playbooks', name), '-e', json.dumps(extra)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600, check=False)
    assert proc.returncode == expect_rc, proc.stdout[-3000:] + proc.stderr[-2000:]
    # a scenario prints no warning of any kind on the ansible-core it runs with (Ansible's, a deprecation of
    # ours or of Ansible's, Python's)
    warnings = [line for line in (proc.stdout + proc.stderr).splitlines()
                if re.search(r'\[WARNING\]|\[DEPRECATION WARNING\]|Warning:', line)]
    assert expect_rc != 0 or not warnings, warnings
    recap = re.search(r'localhost\s*:\s*ok=(\d+)\s+changed=(\d+).*failed=(\d+)', proc.stdout)
    return {'ok': int(recap.group(1)), 'changed': int(recap.group(2)), 'failed': int(recap.group(3)),
            'stdout': proc.stdout}


def netns_list():
    return [n.split(' ')[0] for n in ip('netns', 'list').split('\n') if n]


def sysctl():
    return open(SYSCTL).read().strip() if os.path.exists(SYSCTL) else None


def test_scenario_a(names):
    red, blue = names('red'), names('blue')
    extra = {'prerequisites_install_packages': False, 'veth_pair_a_netns': red, 'veth_pair_b_netns': blue,
             'veth_pair_a_interface': names('a'), 'veth_pair_b_interface': names('b'),
             'veth_pair_a_address': '10.16.0.2/24', 'veth_pair_b_address': '10.16.0.3/24'}
    first = playbook('veth_pair.yml', extra)
    assert first['changed'] > 0 and 'Scenario A is up' in first['stdout']
    assert link(names('a'), netns=red) is not None
    assert playbook('veth_pair.yml', extra)['changed'] == 0
    down = dict(extra, vnetlab_state='absent')
    assert playbook('veth_pair.yml', down)['changed'] > 0
    assert red not in netns_list() and blue not in netns_list()
    assert playbook('veth_pair.yml', down)['changed'] == 0


def test_scenario_b_three_members_and_partial_teardown(names):
    members = [{'netns': names(c), 'host_interface': names('h' + c), 'netns_interface': names('n' + c),
                'address': '10.16.0.%d/24' % (i + 2)} for i, c in enumerate('rbg')]
    extra = {'prerequisites_install_packages': False, 'netns_bridge_name': names('br'),
             'netns_bridge_members': members}
    nf_before = sysctl()
    first = playbook('bridge.yml', extra)
    assert first['changed'] > 0 and 'Scenario B is up' in first['stdout']
    assert all(link(m['host_interface'])['master'] == names('br') for m in members)
    if nf_before is not None:
        assert sysctl() == '0'
    assert playbook('bridge.yml', extra)['changed'] == 0

    # half the lab removed by hand: teardown still succeeds and removes the rest
    ip('netns', 'del', members[0]['netns'])
    ip('link', 'del', members[1]['host_interface'])
    down = dict(extra, vnetlab_state='absent')
    assert playbook('bridge.yml', down)['failed'] == 0
    assert link(names('br')) is None and not [m for m in members if m['netns'] in netns_list()]
    assert sysctl() == nf_before
    assert playbook('bridge.yml', down)['changed'] == 0


def test_bad_role_input_fails_before_anything(names):
    extra = {'prerequisites_install_packages': False, 'netns_bridge_members': [{'netns': names('x')}]}
    out = playbook('bridge.yml', extra, expect_rc=2)
    assert 'host_interface' in out['stdout'] and names('x') not in netns_list()
