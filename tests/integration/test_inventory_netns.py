"""The inventory plugin vnetlab.linux.topology and the connection plugin vnetlab.linux.netns end to end:
an inventory made from a topology file builds its lab (the lab host's play), then plays target the lab's
namespaces as hosts - commands, file copies, facts and pings run inside them - on this machine (connection
local) and through SSH to 127.0.0.1 with become; `ansible-inventory --list` shows the groups and a guest's
statically leased address; a namespace that is gone is unreachable, with the reason."""
import json
import os
import subprocess

import pytest
# the fixture of test_remote_ssh: an sshd of its own on 127.0.0.1
from test_remote_ssh import sshd  # noqa: F401  # pylint: disable=unused-import

from conftest import ROOT, ipj

PLAYBOOK = """
- name: Build the lab of the inventory's topology
  hosts: lab_hosts
  gather_facts: false
  tasks:
    - name: The lab
      vnetlab.linux.topology:
        src: "{{ vnetlab_topology }}"
        state: "{{ lab_state }}"

    - name: The lab's state as a fact on the lab host
      vnetlab.linux.lab_facts:
      when: lab_state == 'present'

    - name: The fact does not hide the inventory's name of the lab, nor the other way round
      ansible.builtin.assert:
        that:
          - vnetlab_lab_name == (lookup('ansible.builtin.file', vnetlab_topology) | from_yaml).lab
          - ansible_facts.vnetlab_lab.namespaces is superset(groups['namespaces'])
      when: lab_state == 'present'

- name: Inside each namespace
  hosts: namespaces
  gather_facts: false
  tasks:
    - name: The namespace's links and addresses
      ansible.builtin.command: ip -j addr
      register: addr
      changed_when: false

    - name: Written from inside the namespace, onto the lab host's file system
      ansible.builtin.copy:
        content: "{{ addr.stdout }}"
        dest: "{{ out_dir }}/{{ inventory_hostname }}.json"
        mode: "0644"

    - name: The other namespace answers on its declared address
      vnetlab.linux.ping:
        targets: "{{ hostvars[peer].vnetlab_addresses }}"
        count: 2
      vars:
        peer: "{{ groups['namespaces'] | difference([inventory_hostname]) | first }}"
"""


def write_lab(tmp_path, names, lab_host_vars=None, extra=''):
    """A topology red <-> blue (one veth) and an inventory file for it."""
    red, blue = names('red'), names('blue')
    (tmp_path / 'lab.yml').write_text('\n'.join([
        'lab: %s' % names('lab'),
        'namespaces: [%s, %s]' % (red, blue),
        'veths:',
        '  - {name: %s, netns: %s, addresses: [10.16.7.1/24], peer: %s, peer_netns: %s, peer_addresses: [10.16.7.2/24]}'
        % (names('r'), red, names('b'), blue), '']))
    config = {'plugin': 'vnetlab.linux.topology', 'topology': 'lab.yml'}
    if lab_host_vars is not None:
        config.update(lab_host='labhost', lab_host_vars=lab_host_vars)
    inventory = tmp_path / 'lab.vnetlab.yml'
    inventory.write_text(json.dumps(config) + extra)
    return str(inventory), red, blue


def ansible(cmd, inventory, *args, env=None, expect_rc=0):
    proc = subprocess.run([cmd, '-i', inventory] + list(args), cwd=ROOT, capture_output=True, text=True,
                          timeout=600, check=False, env=dict(os.environ, **(env or {})))
    assert proc.returncode == expect_rc, proc.stdout[-4000:] + proc.stderr[-3000:]
    return proc.stdout


def adhoc_result(out, host):
    """The result of an ad-hoc `ansible` run on one host: `host | SUCCESS => {...}`."""
    head, _sep, body = out.partition('=>')
    assert head.strip().startswith(host), out
    return json.loads(body)


def lab_links(netns):
    return sorted(x['ifname'] for x in ipj('link', 'show', netns=netns))


def run_lab(inventory, red, blue, tmp_path, env=None):
    """Build, use from inside the namespaces, check against `ip -n`, tear down."""
    out_dir = tmp_path / 'out'
    out_dir.mkdir()
    extra = json.dumps({'lab_state': 'present', 'out_dir': str(out_dir)})
    try:
        out = ansible('ansible-playbook', inventory, os.path.join(str(tmp_path), 'play.yml'), '-e', extra, env=env)
        assert 'failed=0' in out.split('PLAY RECAP')[1]
        for ns in (red, blue):
            seen = json.loads((out_dir / ('%s.json' % ns)).read_text())
            assert sorted(x['ifname'] for x in seen) == lab_links(ns)  # lo and the veth end: the namespace's own
        assert any(a['local'] == '10.16.7.1' for x in json.loads((out_dir / ('%s.json' % red)).read_text())
                   for a in x['addr_info'])

        facts = adhoc_result(ansible('ansible', inventory, red, '-m', 'ansible.builtin.setup',
                                     '-a', 'filter=ansible_interfaces', env=env), red)
        assert sorted(facts['ansible_facts']['ansible_interfaces']) == lab_links(red)
    finally:
        ansible('ansible-playbook', inventory, os.path.join(str(tmp_path), 'play.yml'), '--limit', 'lab_hosts',
                '-e', json.dumps({'lab_state': 'absent', 'out_dir': str(out_dir)}), env=env)
    # the namespace is gone: its host is unreachable, and says why
    out = ansible('ansible', inventory, red, '-m', 'ansible.builtin.command', '-a', 'true', env=env, expect_rc=4)
    assert 'UNREACHABLE' in out and "cannot enter network namespace '%s'" % red in out, out
    assert 'no network namespace %s on this host' % red in out


def test_namespaces_as_hosts_on_this_machine(names, tmp_path):
    inventory, red, blue = write_lab(tmp_path, names)
    (tmp_path / 'play.yml').write_text(PLAYBOOK)
    run_lab(inventory, red, blue, tmp_path)


def test_namespaces_as_hosts_through_ssh_with_become(sshd, names, tmp_path):  # noqa: F811 - the fixture
    labhost = json.loads(ansible('ansible-inventory', sshd, '--host', 'labhost'))
    labhost['ansible_become'] = True
    inventory, red, blue = write_lab(tmp_path, names, lab_host_vars=labhost)
    (tmp_path / 'play.yml').write_text(PLAYBOOK)
    # the login is root already; make Ansible escalate anyway (root to root), so that the namespace is
    # entered the way it is for any other login: after sudo
    run_lab(inventory, red, blue, tmp_path, env={'ANSIBLE_BECOME_ALLOW_SAME_USER': 'true'})


def test_inventory_list(names, tmp_path):
    """Groups and hostvars of a lab with a bridge, a DHCP server and a guest (not built: only read)."""
    navy, vm, vm2 = names('navy'), names('vm'), names('vm2')
    (tmp_path / 'guest.yml').write_text('\n'.join([
        'lab: %s.x' % names('lab'),
        'namespaces: [%s]' % navy,
        'bridges: [{name: %s, addresses: [10.16.8.1/24]}]' % names('br'),
        'veths: [{name: %s, netns: %s, addresses: [10.16.8.2/24], peer: %s, peer_master: %s}]'
        % (names('n'), navy, names('h'), names('br')),
        'dhcp: [{bridge: %s, hosts: [{name: %s, ip: 10.16.8.50}]}]' % (names('br'), vm),
        'guests:',
        '  - {name: %s, kernel: /boot/none, ssh_user: debian, nics: [{bridge: %s}]}' % (vm, names('br')),
        '  - {name: %s, kernel: /boot/none, nics: [{bridge: %s}]}' % (vm2, names('br')), '']))
    (tmp_path / 'remote.vnetlab.yml').write_text('\n'.join([
        'plugin: vnetlab.linux.topology', 'topology: guest.yml', 'lab_host: labserver',
        'lab_host_vars: {ansible_host: lab.invalid, ansible_port: 2222, ansible_user: admin, ansible_become: true}',
        'guest_user: cirros', 'guest_private_key_file: keys/lab', '']))
    listing = json.loads(ansible('ansible-inventory', str(tmp_path / 'remote.vnetlab.yml'), '--list'))
    hostvars = listing['_meta']['hostvars']
    lab_group = 'lab_%s_x' % names('lab')
    assert sorted(listing[lab_group]['hosts']) == sorted([navy, vm, vm2])
    assert listing['namespaces']['hosts'] == [navy] and listing['guests']['hosts'] == [vm, vm2]
    assert sorted(listing['bridge_%s' % names('br')]['hosts']) == sorted([navy, vm, vm2])
    assert listing['lab_hosts']['hosts'] == ['labserver']
    assert hostvars['labserver']['vnetlab_topology'] == str(tmp_path / 'guest.yml')
    for host in ('labserver', navy, vm):  # not vnetlab_lab: the name of lab_facts' fact (docs/inventory.md)
        assert hostvars[host]['vnetlab_lab_name'] == names('lab') + '.x' and 'vnetlab_lab' not in hostvars[host]

    ns = hostvars[navy]
    assert ns['ansible_connection'] == 'vnetlab.linux.netns' and ns['vnetlab_netns'] == navy
    assert ns['vnetlab_netns_parent_connection'] == 'ssh'
    assert (ns['ansible_host'], ns['ansible_port'], ns['ansible_user'], ns['ansible_become']) == \
        ('lab.invalid', 2222, 'admin', True)
    assert ns['vnetlab_addresses'] == ['10.16.8.2/24']

    guest = hostvars[vm]
    assert guest['ansible_host'] == '10.16.8.50'  # the dhcp section's static lease (its hosts: entry)
    assert guest['ansible_user'] == 'debian'  # the guest's ssh_user
    assert guest['ansible_ssh_private_key_file'] == str(tmp_path / 'keys' / 'lab')
    assert "ProxyCommand=ssh -W %h:%p -p 2222 -l admin lab.invalid" in guest['ansible_ssh_common_args']
    other = hostvars[vm2]
    assert other['ansible_host'] == '10.16.8.128'  # the first free address of the default range
    assert other['ansible_user'] == 'cirros'  # no ssh_user: the inventory's guest_user


@pytest.mark.parametrize('clash', ['guest', 'netns'])
def test_a_name_used_twice_is_an_error(names, tmp_path, clash):
    same = names('x')
    lines = ['lab: %s' % names('lab'), 'namespaces: [%s]' % same]
    if clash == 'guest':
        lines.append('guests: [{name: %s, kernel: /boot/none}]' % same)
        expected = "guest '%s' has the name of namespace '%s'" % (same, same)
    else:
        expected = "namespace '%s' has the name of the lab host" % same
    (tmp_path / 'lab.yml').write_text('\n'.join(lines + ['']))
    config = 'plugin: vnetlab.linux.topology\ntopology: lab.yml\n'
    if clash == 'netns':
        config += 'lab_host: %s\nlab_host_vars: {}\n' % same
    (tmp_path / 'lab.vnetlab.yml').write_text(config)
    proc = subprocess.run(['ansible-inventory', '-i', str(tmp_path / 'lab.vnetlab.yml'), '--list'], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert expected in proc.stderr, proc.stderr


def test_a_bad_topology_names_its_line(names, tmp_path):
    (tmp_path / 'lab.yml').write_text('lab: %s\nnamespaces: [a]\nveths:\n  - {name: v, netns: b, peer: w}\n'
                                      % names('lab'))
    (tmp_path / 'lab.vnetlab.yml').write_text('plugin: vnetlab.linux.topology\ntopology: lab.yml\n')
    proc = subprocess.run(['ansible-inventory', '-i', str(tmp_path / 'lab.vnetlab.yml'), '--list'], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert "lab.yml line 4: veths[0].netns: namespace 'b' is not declared" in proc.stderr, proc.stderr


def test_a_vaulted_topology(names, tmp_path):
    inventory, red, _blue = write_lab(tmp_path, names)
    (tmp_path / 'pass').write_text('lab secret\n')
    subprocess.run(['ansible-vault', 'encrypt', '--vault-password-file', str(tmp_path / 'pass'),
                    str(tmp_path / 'lab.yml')], check=True, capture_output=True, timeout=60)
    assert (tmp_path / 'lab.yml').read_text().startswith('$ANSIBLE_VAULT')
    listing = json.loads(ansible('ansible-inventory', inventory, '--list',
                                 '--vault-password-file', str(tmp_path / 'pass')))
    assert listing['_meta']['hostvars'][red]['vnetlab_netns'] == red
