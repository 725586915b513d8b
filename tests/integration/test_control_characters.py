"""A control character in a value is refused before anything changes (docs/design.md "Control characters"):
sysctl with a line break in its value, a topology with a NUL in an interface name - through the modules as
Ansible runs them, and through ansible-playbook (the action plugin reads a topology file on the controller).
Checked with `ip` and /proc, not with our code. The rule over every option is unit-tested
(tests/unit/test_control_characters.py)."""
import json
import os
import subprocess

import yaml

from conftest import ROOT, ip, ipj

TTL = 'net.ipv4.ip_default_ttl'


def read(name, ns):
    cmd = ['ip', 'netns', 'exec', ns, 'cat', '/proc/sys/' + name.replace('.', '/')]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def records(ns):
    """vnetlab's records of the sysctls it holds in namespace ns (objects/sysctl.py Held)."""
    try:
        return [r for r in os.listdir('/run/vnetlab/sysctl') if r.endswith('@' + ns)]
    except OSError:
        return []


def netns_list():
    return [n.split(' ')[0] for n in ip('netns', 'list').split('\n') if n]


def ours(names):
    return [x['ifname'] for x in ipj('link', 'show') if x['ifname'].startswith(names(''))]


def test_sysctl_refuses_a_line_break_in_the_value_and_leaves_the_value(run, names):
    ns = names('ns')
    run.ok('netns', name=ns)
    try:
        before = read(TTL, ns)
        for check in (True, False):
            msg = run.fails('sysctl', check=check, name=TTL, value='65\n66', netns=ns)
            assert msg == 'value: contains a control character (\\n at position 2); give the value on one line'
            assert read(TTL, ns) == before and records(ns) == []
        msg = run.fails('sysctl', name=TTL + '\x00', value='65', netns=ns)  # before Ansible logs the NUL
        assert msg == 'name: contains a control character (\\x00 at position %d); remove it' % len(TTL)
        msg = run.fails('sysctl', name=TTL, value='65', netns=ns, holder='lab\x1b[2J')
        assert msg.startswith('holder: contains a control character (\\x1b at position 3)')
        assert read(TTL, ns) == before and records(ns) == []
        # the one exception of sysctl: the tabs the kernel prints between numbers (the value as read back)
        ports = read('net.ipv4.ip_local_port_range', ns).strip()
        assert '\t' in ports
        kept = run.ok('sysctl', name='net.ipv4.ip_local_port_range', value=ports, netns=ns)
        assert not kept['changed'] and kept['value'] == ' '.join(ports.split())
    finally:
        run.ok('netns', name=ns, state='absent')


def lab(names, bridge):
    return {'lab': names('lab'), 'namespaces': [names('r')], 'bridges': [{'name': bridge}],
            'veths': [{'name': names('nr'), 'netns': names('r'), 'addresses': ['10.16.0.2/24'],
                       'peer': names('hr'), 'peer_master': bridge}]}


def test_topology_refuses_a_nul_in_an_interface_name_before_making_anything(run, names):
    bad = names('br') + '\x00x'
    topo = lab(names, bad)
    position = len(names('br'))
    for check in (True, False):
        # as the action plugin passes it (JSON text): the schema's walk names the key
        msg = run.fails('topology', check=check, definition=json.dumps(topo))
        assert msg == ('definition: bridges[0].name: contains a control character (\\x00 at position %d); remove it'
                       % position)
        # as data given to the module: its own walk names the option and the key
        msg = run.fails('topology', check=check, definition=topo)
        assert msg == ('definition.bridges[0].name: contains a control character (\\x00 at position %d); remove it'
                       % position)
        assert names('r') not in netns_list() and ours(names) == []
    # the same lab with a good name is built: the refusal was for the character alone
    good = lab(names, names('br'))
    assert run.ok('topology', definition=good)['changed'] and names('r') in netns_list()
    run.ok('topology', definition=good, state='absent')
    assert names('r') not in netns_list() and ours(names) == []


def test_through_ansible_playbook(names, tmp_path):
    """As a play runs them: the topology file read by the action plugin on the controller (the error names
    its line), and sysctl through AnsiballZ; nothing is made, the namespace's value is unchanged."""
    ns = names('ns')
    topology = tmp_path / 'lab.yml'
    topology.write_text('lab: %s\nnamespaces: [%s]\nbridges:\n  - name: "%s\\0x"\n'
                        % (names('lab'), names('r'), names('br')))
    play = [{'hosts': 'localhost', 'connection': 'local', 'gather_facts': False, 'tasks': [
        {'name': 'namespace', 'vnetlab.linux.netns': {'name': ns}},
        {'name': 'bad sysctl', 'vnetlab.linux.sysctl': {'name': TTL, 'value': '65\n66', 'netns': ns},
         'register': 'bad_sysctl', 'ignore_errors': True},
        {'name': 'bad topology', 'vnetlab.linux.topology': {'src': str(topology)},
         'register': 'bad_topology', 'ignore_errors': True},
        {'name': 'results', 'ansible.builtin.debug': {'msg': {'sysctl': '{{ bad_sysctl.msg }}',
                                                              'topology': '{{ bad_topology.msg }}'}}},
    ]}]
    (tmp_path / 'play.yml').write_text(yaml.safe_dump(play))
    try:
        proc = subprocess.run(['ansible-playbook', str(tmp_path / 'play.yml')], cwd=ROOT, capture_output=True,
                              text=True, timeout=300, check=False)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
        assert 'value: contains a control character (\\\\n at position 2); give the value on one line' in proc.stdout
        assert ('%s line 4: bridges[0].name: contains a control character (\\\\x00 at position %d); remove it'
                % (topology, len(names('br')))) in proc.stdout, proc.stdout[-3000:]
        assert read(TTL, ns).strip() == '64' and records(ns) == []
        assert names('r') not in netns_list() and ours(names) == []
    finally:
        ip('netns', 'del', ns, check=False)
