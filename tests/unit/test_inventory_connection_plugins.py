"""Pure parts of the inventory and connection plugins: group names, the jump to a guest, who is on which
bridge, and where become puts the namespace entry (with Ansible's own sh shell and sudo become plugins)."""
import shlex

from ansible.plugins.loader import become_loader, shell_loader

from ansible_collections.vnetlab.linux.plugins.connection.netns import _entering_shell
from ansible_collections.vnetlab.linux.plugins.inventory.topology import bridge_members, group_name, jump_args
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import normalize


def test_group_names_keep_letters_digits_and_underscores():
    assert group_name('lab', 'scenario-c.v2') == 'lab_scenario_c_v2'


def test_the_jump_logs_in_as_ansible_does():
    args = jump_args('labsrv', {'ansible_host': 'lab.example', 'ansible_port': 2222, 'ansible_user': 'admin',
                                'ansible_ssh_private_key_file': '/keys/my lab', 'ansible_ssh_common_args': '-o A=b'})
    words = shlex.split(args)
    assert words[0] == '-o' and len(words) == 2
    proxy = words[1]
    assert proxy.startswith('ProxyCommand=')
    assert shlex.split(proxy[len('ProxyCommand='):]) == [
        'ssh', '-W', '%h:%p', '-p', '2222', '-l', 'admin', '-i', '/keys/my lab', '-o', 'A=b', 'lab.example']


def test_the_jump_to_a_lab_host_known_by_name_only():
    assert shlex.split(shlex.split(jump_args('labsrv', {}))[1][len('ProxyCommand='):]) == \
        ['ssh', '-W', '%h:%p', 'labsrv']


def test_bridge_members():
    topo = normalize({
        'lab': 'x', 'namespaces': ['red', 'blue', 'router'],
        'bridges': [{'name': 'br0'}, {'name': 'br-in', 'netns': 'router'}],
        'veths': [{'name': 'r', 'netns': 'red', 'peer': 'rh', 'peer_master': 'br0'},
                  {'name': 'b', 'netns': 'blue', 'peer': 'bh', 'peer_netns': 'router', 'peer_master': 'br-in'},
                  {'name': 'red2', 'netns': 'red', 'peer': 'blue2', 'peer_netns': 'blue'}],
        'guests': [{'name': 'vm0', 'kernel': '/k', 'nics': [{'bridge': 'br0'}]}]})
    members = bridge_members(topo)
    assert sorted(members['bridge_br0']) == ['red', 'vm0']
    assert sorted(members['bridge_router_br_in']) == ['blue', 'router']
    assert len(members) == 2


class FakeConnection:
    """Stands for the connection: only its entry words matter to the shell."""

    @staticmethod
    def entry():
        return 'ENTER red'


def become_sudo():
    become = become_loader.get('sudo')
    become.set_options(direct={'become_user': 'root'})
    return become


def test_become_escalates_first_then_enters():
    shell = _entering_shell(shell_loader.get('sh'), FakeConnection())
    shell.executable = '/bin/sh'
    become = become_sudo()
    cmd = become.build_become_command('python3 /tmp/x.py', shell)
    assert cmd.startswith('sudo ') and ' -u root ENTER red /bin/sh -c ' in cmd
    assert cmd.index('sudo') < cmd.index('ENTER red') < cmd.index(become.success)
    assert shell.entered_by_become(become, cmd)
    assert not shell.entered_by_become(become, cmd)  # read once: the next command is judged afresh


def test_a_command_without_become_was_not_entered():
    shell = _entering_shell(shell_loader.get('sh'), FakeConnection())
    shell.executable = '/bin/bash'  # as the action plugin sets it for a task's executable
    assert not shell.entered_by_become(None, '/bin/sh -c true')
    assert shell.executable == 'ENTER red /bin/bash'
