# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: netns
short_description: Run tasks inside a network namespace of a lab host
version_added: "0.1.0"
description:
  - Runs modules and commands inside a named network namespace (C(ip netns exec)) on a lab host,
    through the connection that reaches that host (C(ssh) or C(local), see O(parent_connection)).
    A play can target a lab namespace such as C(red) as if it were a host of its own.
  - The host's connection variables (C(ansible_host), C(ansible_user), C(ansible_port),
    C(ansible_ssh_private_key_file), C(ansible_ssh_common_args), ...) are given to the parent connection,
    so the namespace host carries the lab host's connection variables. The inventory plugin
    P(vnetlab.linux.topology#inventory) sets all of them.
  - Entering a namespace needs root on the lab host - log in as root, or use C(become) (C(sudo), C(su), ...).
    With become, the namespace is entered right after the privilege escalation, so the escalation tool
    runs on the lab host as usual and everything it starts runs inside the namespace.
  - Files are copied by the parent connection to the lab host's file system, which the namespace shares
    (a network namespace isolates only the network). Ansible's own housekeeping commands (making and
    removing its temporary directory) run on the lab host outside the namespace, as the login user.
  - A namespace that does not exist, or a login without the rights to enter it, makes the host
    unreachable with a message that says which.
author:
  - vnetlab contributors (@vnetlab)
notes:
  - C(ip netns exec) also gives the command a fresh C(/sys) showing the namespace's interfaces, and bind-mounts
    the files of C(/etc/netns/<namespace>/) over C(/etc), so facts (C(ansible_interfaces)) and name
    resolution are those of the namespace. A file that a task writes under such a bind-mounted path of
    C(/etc) lands in the namespace's copy for the module, but in the host's for the file transfer.
options:
  netns:
    description:
      - The network namespace to run in (a name of C(ip netns list)).
      - Defaults to the inventory host name, so a host C(red) enters namespace C(red).
    type: str
    vars:
      - name: inventory_hostname
      - name: vnetlab_netns
  parent_connection:
    description:
      - The connection plugin that reaches the lab host holding the namespace, usually V(ssh), or V(local)
        when the lab host is the controller. It is configured from the same host variables as it would be for
        the lab host itself.
    type: str
    default: ssh
    vars:
      - name: vnetlab_netns_parent_connection
    env:
      - name: VNETLAB_NETNS_PARENT_CONNECTION
    ini:
      - section: vnetlab_netns_connection
        key: parent_connection
  ip_executable:
    description:
      - The C(ip) command (iproute2) on the lab host, a name looked up in the C(PATH) or an absolute path.
    type: str
    default: ip
    vars:
      - name: vnetlab_netns_ip_executable
  executable:
    description:
      - The shell that runs the command inside the namespace.
    type: str
    default: /bin/sh
    vars:
      - name: ansible_executable
    env:
      - name: ANSIBLE_EXECUTABLE
    ini:
      - section: defaults
        key: executable
extends_documentation_fragment:
  - ansible.builtin.connection_pipelining
'''

EXAMPLES = r'''
# inventory: the lab host and two of its namespaces (the vnetlab.linux.topology inventory plugin
# writes this for every namespace of a lab)
# all:
#   hosts:
#     labhost:
#       ansible_host: 192.0.2.10
#       ansible_user: admin
#     red:
#       ansible_connection: vnetlab.linux.netns
#       vnetlab_netns: red
#       vnetlab_netns_parent_connection: ssh
#       ansible_host: 192.0.2.10
#       ansible_user: admin
#       ansible_become: true
#     blue:
#       ansible_connection: vnetlab.linux.netns
#       vnetlab_netns_parent_connection: local   # the lab host is the controller
#       ansible_python_interpreter: /usr/bin/python3

- name: Look around inside namespace red
  hosts: red
  gather_facts: true
  tasks:
    - name: The namespace's addresses
      ansible.builtin.command: ip -j addr
      changed_when: false

    - name: The namespace's interfaces, from its facts
      ansible.builtin.debug:
        var: ansible_facts.interfaces
'''

import re
import shlex

from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.connection import ConnectionBase, ensure_connect
from ansible.plugins.loader import connection_loader
from ansible.utils.display import Display
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import check_netns

display = Display()

# The entry checks what `ip netns exec` would fail on - with exit status 255, which the ssh connection takes for
# its own failure and whose message a pty (or a become plugin waiting for its marker) swallows - and says so
# on a line of its own with a status of its own. Then it is `ip netns exec`, and the status is the command's.
ENTRY_FAILED = 97
_ENTRY_SCRIPT = (
    '[ -e /run/netns/{ns} ] || {{ echo "{tag}: no network namespace {ns} on this host (build the lab first, '
    'or check vnetlab_netns)" >&2; exit {rc}; }}; '
    '[ "$(id -u)" = 0 ] || {{ echo "{tag}: entering namespace {ns} needs root and this is uid $(id -u) '
    '(log in as root or set become: true)" >&2; exit {rc}; }}; '
    'exec {ip} netns exec {ns} "$@"')
_TAG = 'vnetlab-netns-entry'
_ENTRY_FAILED = re.compile(br'^.*' + _TAG.encode() + br': (.*)$', re.MULTILINE)


class Connection(ConnectionBase):
    """Commands go through the parent connection to the lab host, wrapped in `ip netns exec`."""

    transport = 'vnetlab.linux.netns'
    has_pipelining = True

    def __init__(self, play_context, *args, **kwargs):
        super(Connection, self).__init__(play_context, *args, **kwargs)
        self._ssh_type_conn = None
        self._shell = _entering_shell(self._shell, self)

    # Ansible's task executor configures a connection's `ssh_type_conn` (the hook ansible.netcommon's
    # network_cli uses for its SSH transport) from the host's variables, after this plugin's own options
    # are set: the parent connection gets ansible_host, ansible_user, ... as it would for the lab host.
    @property
    def ssh_type_conn(self):
        if self._ssh_type_conn is None:
            name = self.get_option('parent_connection')
            if name in ('netns', self.transport) or not name:
                raise AnsibleError("parent_connection: '%s' cannot reach a lab host; use ssh or local" % name)
            parent = connection_loader.get(name, self._play_context, '/dev/null')
            if parent is None:
                raise AnsibleError("parent_connection: no connection plugin named '%s'; use ssh or local" % name)
            self._ssh_type_conn = parent
        return self._ssh_type_conn

    @property
    def netns(self):
        name = self.get_option('netns')
        try:
            return check_netns('netns', name)
        except ParamError as e:
            raise AnsibleError('vnetlab_netns: %s' % e.message)

    def entry(self):
        """The words that run what follows them (a shell and its arguments) inside the namespace."""
        script = _ENTRY_SCRIPT.format(ns=self.netns, tag=_TAG, rc=ENTRY_FAILED,
                                      ip=shlex.quote(self.get_option('ip_executable')))
        return '/bin/sh -c %s %s' % (shlex.quote(script), _TAG)

    def _connect(self):
        netns = self.netns  # a bad name fails before anything runs
        if not self._connected:
            self.ssh_type_conn._connect()
            display.vvv('ENTER netns %s through %s' % (netns, self.ssh_type_conn.transport),
                        host=self._play_context.remote_addr)
            self._connected = True
        return self

    @ensure_connect
    def exec_command(self, cmd, in_data=None, sudoable=True):
        super(Connection, self).exec_command(cmd, in_data=in_data, sudoable=sudoable)
        parent = self.ssh_type_conn
        parent.set_become_plugin(self.become)  # the plugin that built cmd: the parent answers its prompt
        entered = self._shell.entered_by_become(self.become, cmd)
        if sudoable and not entered:
            # no escalation wrapped this command (the login is root): enter before the shell
            shell = self.get_option('executable')
            cmd = '%s %s -c %s' % (self.entry(), shell, shlex.quote(cmd))
        # not sudoable: Ansible's housekeeping (its temporary directory), which needs no namespace and which a
        # login that is not root could not run inside one
        display.vvv('EXEC %s: %s' % ('in netns ' + self.netns if sudoable else 'on the lab host', cmd),
                    host=self._play_context.remote_addr)
        try:
            rc, stdout, stderr = parent.exec_command(cmd, in_data=in_data, sudoable=sudoable)
        except AnsibleError as e:  # with become, the parent reports the output of an escalation that ended early
            if sudoable:
                self._check_entered(to_bytes(to_text(e)))
            raise
        if sudoable and rc == ENTRY_FAILED:
            self._check_entered(to_bytes(stderr) + b'\n' + to_bytes(stdout))  # with a pty, stderr is in stdout
        return rc, stdout, stderr

    def _check_entered(self, output):
        match = _ENTRY_FAILED.search(output)
        if match is not None:
            why = to_text(match.group(1).strip(), errors='surrogate_or_replace')
            raise AnsibleConnectionFailure("cannot enter network namespace '%s': %s" % (self.netns, why))

    @ensure_connect
    def put_file(self, in_path, out_path):
        super(Connection, self).put_file(in_path, out_path)
        return self.ssh_type_conn.put_file(in_path, out_path)

    @ensure_connect
    def fetch_file(self, in_path, out_path):
        super(Connection, self).fetch_file(in_path, out_path)
        return self.ssh_type_conn.fetch_file(in_path, out_path)

    def reset(self):
        if self._ssh_type_conn is not None:
            self._ssh_type_conn.reset()

    def close(self):
        if self._ssh_type_conn is not None:
            self._ssh_type_conn.close()
        self._connected = False


def _entering_shell(shell, connection):
    """The connection's shell plugin, changed in one point: its `executable`, which become plugins (and only
    they) read to start the shell that prints their success marker, starts inside the namespace. So with
    become the command is `sudo -u root ip netns exec red /bin/sh -c 'echo BECOME-SUCCESS-...; ...'`:
    escalation first, on the lab host, then the namespace."""
    base = type(shell)

    class EnteringShell(base):
        @property
        def executable(self):
            exe = self.__dict__.get('_plain_executable')
            if not exe:
                return exe
            self.__dict__['_entry_read'] = True
            return '%s %s' % (connection.entry(), exe)

        @executable.setter
        def executable(self, value):  # ShellBase and the action plugin set it; the plain shell is kept
            self.__dict__['_plain_executable'] = value

        def entered_by_become(self, become, cmd):
            """Whether the escalation that wrapped `cmd` started its shell inside the namespace."""
            read = self.__dict__.pop('_entry_read', False)
            return bool(read and become is not None and become.success and become.success in cmd)

    plain = shell.__dict__.pop('executable', None)
    shell.__class__ = EnteringShell
    shell.executable = plain
    return shell
