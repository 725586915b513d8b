"""Each role's first check of its addresses (the Jinja2 tests of plugins/test): it comes before every task that
can change the host, accepts the role's defaults and the empty values the role allows, and refuses a bad
address with a message naming the variable and a valid example.

Only the check task runs here, copied out of tasks/main.yml into a playbook of its own on the controller (an
assert: nothing touches the host), so these tests build no lab; tests/integration/test_role_input.py runs the
real roles with bad input."""
import concurrent.futures
import json
import os
import subprocess
import tempfile

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECK = 'Check the addresses before anything changes'
ROLES = ['veth_pair', 'netns_bridge', 'nested_vm', 'guest_hosts', 'lab']


def role_file(role, *parts):
    with open(os.path.join(ROOT, 'roles', role, *parts)) as f:
        return yaml.safe_load(f) or {}


def check_task(role):
    return [t for t in role_file(role, 'tasks', 'main.yml') if t.get('name') == CHECK][0]


@pytest.mark.parametrize('role', ROLES)
def test_the_check_comes_before_anything_that_changes(role):
    """Only other input checks (asserts) may come before it: the prerequisites, includes and modules after."""
    tasks = role_file(role, 'tasks', 'main.yml')
    names = [t.get('name') for t in tasks]
    assert names.count(CHECK) == 1
    for task in tasks[:names.index(CHECK)]:
        assert 'ansible.builtin.assert' in task, task


def run_checks(role, cases):
    """One ansible-playbook of the role's check task alone, one play per case (the role's defaults and the
    case's variables) -> each play's output, with the rc of the run."""
    plays = []
    for i, overrides in enumerate(cases):
        task = dict(check_task(role), ignore_errors=True)  # the next play still runs
        variables = dict(role_file(role, 'defaults', 'main.yml'), **overrides)
        plays.append({'name': 'case %d' % i, 'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
                      'vars': variables, 'tasks': [task]})
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'check.yml')
        with open(path, 'w') as f:
            yaml.safe_dump(plays, f)
        proc = subprocess.run(['ansible-playbook', path], capture_output=True, text=True, cwd=ROOT, timeout=300,
                              check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr  # each failure is ignored
    return proc.stdout.split('PLAY [case ')[1:]


MEMBER = {'netns': 'red', 'host_interface': 'veth0-red', 'netns_interface': 'veth1-red'}
# (role, variables, None when the check passes, else the text its failure must show)
CASES = [
    ('veth_pair', {}, None),
    ('veth_pair', {'veth_pair_a_address': '10.16.0.2/33'},
     'veth_pair_a_address: "10.16.0.2/33" is not an address with prefix length (CIDR) that is not its subnet\'s '
     'network or broadcast address; give one such as 10.16.0.2/24'),
    ('veth_pair', {'veth_pair_b_address': '10.16.0.300/24'}, 'veth_pair_b_address: "10.16.0.300/24"'),
    ('veth_pair', {'veth_pair_b_address': '10.16.0.0/24'}, 'veth_pair_b_address: "10.16.0.0/24"'),
    ('veth_pair', {'veth_pair_a_address': '10.16.0.2'}, 'veth_pair_a_address: "10.16.0.2"'),
    ('veth_pair', {'veth_pair_a_address': ''}, 'veth_pair_a_address: ""'),
    ('netns_bridge', {}, None),
    ('netns_bridge', {'netns_bridge_address': '10.16.0.1/24',
                      'netns_bridge_members': [dict(MEMBER, address='10.16.0.2/24', gateway='10.16.0.1'),
                                               dict(MEMBER, address='fd00:16::3/64', gateway='')]}, None),
    ('netns_bridge', {'netns_bridge_address': '10.16.0.255/24'}, 'netns_bridge_address: "10.16.0.255/24"'),
    ('netns_bridge', {'netns_bridge_members': [dict(MEMBER, address='10.16.0.2/24'),
                                               dict(MEMBER, address='10.16.0.3')]},
     'netns_bridge_members[1].address: "10.16.0.3" is not an address with prefix length'),
    ('netns_bridge', {'netns_bridge_members': [dict(MEMBER, address='10.16.0.2/24', gateway='10.16.0.1/24')]},
     'netns_bridge_members[0].gateway: "10.16.0.1/24" is not an IP address without prefix length; give one such as '
     '10.16.0.1'),
    ('nested_vm', {}, None),
    ('nested_vm', {'nested_vm_dhcp_range_start': '10.16.0.100', 'nested_vm_dhcp_range_end': '10.16.0.199',
                   'nested_vm_verify_external': ['10.250.0.2', 'fd00:99::1']}, None),
    ('nested_vm', {'nested_vm_bridge_address': '10.16.0.1/33'}, 'nested_vm_bridge_address: "10.16.0.1/33"'),
    ('nested_vm', {'nested_vm_lab_network': '10.16.0.1/24'},
     'nested_vm_lab_network: "10.16.0.1/24" is not a network in CIDR form with no host bits; give one such as '
     '10.16.0.0/24'),
    ('nested_vm', {'nested_vm_guest_address': '10.16.0.300/24'}, 'nested_vm_guest_address: "10.16.0.300/24"'),
    ('nested_vm', {'nested_vm_namespace_address': '10.16.0.2'}, 'nested_vm_namespace_address: "10.16.0.2"'),
    ('nested_vm', {'nested_vm_dhcp_range_end': '10.16.0.254/24'}, 'nested_vm_dhcp_range_end: "10.16.0.254/24"'),
    ('nested_vm', {'nested_vm_verify_external': ['10.250.0.2', '8.8.8.8; reboot']},
     'nested_vm_verify_external[1]: "8.8.8.8; reboot" is not an IP address'),
    ('guest_hosts', {}, None),
    ('guest_hosts', {'guest_hosts_list': [{'name': 'vm0', 'address': '10.16.0.5', 'ssh_user': None}]}, None),
    ('guest_hosts', {'guest_hosts_list': [{'name': 'vm0', 'address': '10.16.0.5/24'}]},
     'guest_hosts_list[0].address: "10.16.0.5/24" is not an IP address without prefix length'),
    ('guest_hosts', {'guest_hosts_list': [{'name': 'vm0'}]}, 'guest_hosts_list[0].address: null'),
    ('lab', {}, None),
    ('lab', {'lab_verify': [{'netns': 'red', 'targets': ['10.16.0.3', '10.16.0.4/24']}]}, None),
    ('lab', {'lab_verify': [{'netns': 'red', 'targets': ['10.16.0.3']},
                            {'netns': 'blue', 'targets': ['10.16.0.2', 'red.lab']}]},
     'lab_verify[1].targets[1]: "red.lab" is not an IP address'),
]


@pytest.fixture(scope='module')
def outcomes():
    """Each case's output: a playbook per role, the roles in parallel (a couple of seconds each)."""
    def run(role):
        return run_checks(role, [c[1] for c in CASES if c[0] == role])
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(ROLES)) as pool:
        by_role = dict(zip(ROLES, pool.map(run, ROLES)))
    return [by_role[c[0]].pop(0) for c in CASES]


@pytest.mark.parametrize('index', range(len(CASES)), ids=['%s-%d' % (c[0], i) for i, c in enumerate(CASES)])
def test_check(outcomes, index):
    role, overrides, message = CASES[index]
    out = outcomes[index]
    if message is None:
        assert 'failed:' not in out and 'TASK [' + CHECK in out, out[-3000:]
    else:
        assert 'failed:' in out and message in out, out[-3000:]


def test_every_role_address_variable_is_checked():
    """A new address variable in a role's argument spec (its description says address or network) must be
    checked too: each scalar one is named in the check's items."""
    for role in ROLES:
        options = role_file(role, 'meta', 'argument_specs.yml')['argument_specs']['main']['options']
        checked = json.dumps(check_task(role))
        for name, spec in options.items():
            text = ' '.join(spec['description'] if isinstance(spec['description'], list) else [spec['description']])
            if spec['type'] == 'str' and ('address' in text.lower() or 'network' in text.lower()):
                assert name in checked, '%s: %s is not checked' % (role, name)
