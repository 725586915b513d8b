# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: topology
short_description: The namespaces and guests of a vnetlab topology file as inventory hosts
version_added: "0.1.0"
description:
  - Reads a topology file - the YAML that M(vnetlab.linux.topology) builds a lab from, validated by the same
    schema - and makes its network namespaces and QEMU guests hosts of the inventory, so plays can target them.
  - Each namespace becomes a host reached with the connection plugin P(vnetlab.linux.netns#connection)
    through the lab host. It carries the lab host's connection variables (O(lab_host_vars)), so it is
    reached the way the lab host is (C(local), or SSH with the same user, key and C(become)).
  - Each guest becomes an SSH host whose C(ansible_host) is the address the lab's C(dhcp) section leases
    it statically, whose C(ansible_user) is the guest's C(ssh_user) option (or O(guest_user)), with the
    key O(guest_private_key_file). When the lab host is another machine, SSH to a guest jumps through it
    (an C(ssh -W) proxy command with the lab host's user, port, key and SSH arguments, so the jump logs in
    the way Ansible does), since a lab's bridges are only reachable from the lab host.
  - The lab host itself is a host too (group C(lab_hosts)), with C(vnetlab_topology) set to the topology
    file, so the same inventory builds the lab (M(vnetlab.linux.topology) with C(src={{ vnetlab_topology }})).
  - "Groups: C(lab_<lab>) (the lab's namespaces and guests), C(namespaces), C(guests), and C(bridge_<bridge>)
    (the namespaces with a veth end on the bridge and the guests with a NIC on it; a bridge inside a
    namespace is C(bridge_<namespace>_<bridge>) and includes that namespace). Characters other than letters,
    digits and C(_) become C(_) in group names."
  - Namespace and guest names are host names as they are; a name used twice (a namespace and a guest, or a
    host another inventory source already has) is an error.
  - "Every host of the lab and the lab host get C(vnetlab_lab_name) (the lab's name); namespaces and guests
    C(vnetlab_lab_host); namespaces also C(vnetlab_netns), C(vnetlab_addresses) (their declared addresses,
    C(10.16.0.2/24)) and C(vnetlab_interfaces) (interface name: its addresses); guests
    C(vnetlab_guest_addresses) (all their leased addresses)."
  - The lab's name is not C(vnetlab_lab), the fact that M(vnetlab.linux.lab_facts) sets on the lab host,
    since a fact takes precedence over an inventory variable of the same name and would replace the name.
  - The topology file may be vault-encrypted; it is decrypted with the run's vault secrets.
  - The inventory file's name must end in C(.vnetlab.yml) or C(.vnetlab.yaml).
author:
  - vnetlab contributors (@vnetlab)
extends_documentation_fragment:
  - ansible.builtin.constructed
options:
  plugin:
    description: The name of this plugin, which marks the file as its configuration.
    type: str
    required: true
    choices: [vnetlab.linux.topology]
  topology:
    description:
      - The topology file, absolute or relative to the directory of the inventory file.
    type: str
    required: true
  lab_host:
    description:
      - Inventory name of the host the lab is built on.
    type: str
    default: localhost
  lab_host_vars:
    description:
      - The lab host's connection variables (C(ansible_connection), C(ansible_host), C(ansible_user),
        C(ansible_port), C(ansible_ssh_private_key_file), C(ansible_ssh_common_args), C(ansible_become),
        C(ansible_python_interpreter), ...). They are set on the lab host and on each namespace host.
      - A login other than root needs C(ansible_become=true) here, since entering a namespace needs root.
      - When not given, the variables of O(lab_host) as an earlier inventory source defined it are used, or,
        for V(localhost), the C(local) connection with the Python running Ansible.
    type: dict
  namespace_vars:
    description: More variables for every namespace host (they win over O(lab_host_vars)).
    type: dict
    default: {}
  guest_vars:
    description: More variables for every guest host (for example C(ansible_python_interpreter)).
    type: dict
    default: {}
  guest_user:
    description: The SSH login of a guest whose topology entry has no C(ssh_user).
    type: str
  guest_private_key_file:
    description:
      - The SSH private key for the guests (its public key is in their C(cloud_init.ssh_authorized_keys)),
        absolute or relative to the directory of the inventory file.
    type: str
  guest_ssh_common_args:
    description:
      - SSH arguments for the guests. The default accepts any host key and records none, since a lab's guests
        are rebuilt with new keys on addresses that other guests had before.
    type: str
    default: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR
  guest_jump:
    description:
      - Whether SSH to a guest goes through the lab host. Omitted, it does unless the lab host's connection is
        C(local) or its address is the loopback (C(localhost), C(127.0.0.1), C(::1)).
    type: bool
'''

EXAMPLES = r'''
# lab.vnetlab.yml - the lab of lab.yml, built on this machine
plugin: vnetlab.linux.topology
topology: lab.yml
---
# remote.vnetlab.yml - the same lab on a server reached over SSH; guests are reached through it
plugin: vnetlab.linux.topology
topology: lab.yml
lab_host: labserver
lab_host_vars:
  ansible_host: 198.51.100.7
  ansible_user: admin
  ansible_become: true
  ansible_python_interpreter: /usr/bin/python3
guest_user: debian
guest_private_key_file: ~/.ssh/lab_ed25519
keyed_groups:
  - key: vnetlab_lab_name
    prefix: built

# Then, for example:
#   ansible-inventory -i lab.vnetlab.yml --graph
#   ansible -i lab.vnetlab.yml red -m ansible.builtin.command -a 'ip -br addr'
#   ansible -i lab.vnetlab.yml namespaces -m ansible.builtin.setup -a filter=ansible_interfaces
'''

import os
import re
import shlex

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.inventory import BaseInventoryPlugin, Constructable
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import HOST
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import guest_hosts, interfaces, lab_leases
from ansible_collections.vnetlab.linux.plugins.plugin_utils.topology_file import read_topology

CONNECTION = 'vnetlab.linux.netns'
LOOPBACK = ('localhost', '127.0.0.1', '::1')
LOCALHOST_VARS = {'ansible_connection': 'local', 'ansible_python_interpreter': '{{ ansible_playbook_python }}'}
# the lab host's variables that say how its SSH login goes (first name wins), for the jump to the guests
SSH_VARS = {'host': ('ansible_host', 'ansible_ssh_host'), 'port': ('ansible_port', 'ansible_ssh_port'),
            'user': ('ansible_user', 'ansible_ssh_user'),
            'key': ('ansible_ssh_private_key_file', 'ansible_private_key_file'),
            'args': ('ansible_ssh_common_args',)}


def group_name(*parts):
    return re.sub(r'[^A-Za-z0-9_]', '_', '_'.join(parts))


def parent_connection(lab_vars):
    """The plugin that reaches the lab host, by its short name for the usual two."""
    name = lab_vars.get('ansible_connection') or 'ssh'
    return re.sub(r'^ansible\.(builtin|legacy)\.', '', name)


def jump_args(lab_host, lab_vars):
    """SSH arguments that reach a guest through the lab host: `ssh -W` with the lab host's own login."""
    def first(what):
        return next((lab_vars[k] for k in SSH_VARS[what] if lab_vars.get(k) not in (None, '')), None)

    cmd = ['ssh', '-W', '%h:%p']
    if first('port'):
        cmd += ['-p', str(first('port'))]
    if first('user'):
        cmd += ['-l', str(first('user'))]
    if first('key'):
        cmd += ['-i', str(first('key'))]
    if first('args'):
        cmd += shlex.split(str(first('args')))
    cmd.append(str(first('host') or lab_host))
    return '-o %s' % shlex.quote('ProxyCommand=' + ' '.join(shlex.quote(w) for w in cmd))


def bridge_members(topo):
    """{group name: [namespace or guest names]}: who has a veth end or a NIC on each bridge."""
    def group(netns, bridge):
        return group_name('bridge', bridge) if netns is HOST else group_name('bridge', netns, bridge)

    out = {}
    for b in topo['bridges']:
        members = out.setdefault(group(b['netns'], b['name']), [])
        if b['netns'] is not HOST:
            members.append(b['netns'])
    for i in interfaces(topo):
        if i['kind'] == 'veth' and i['master'] is not None:
            members = out.setdefault(group(i['netns'], i['master']), [])
            if i['other_netns'] is not HOST:  # the veth's other end is where the bridge leads
                members.append(i['other_netns'])
    for g in topo['guests']:
        for nic in g['nic_list']:
            out.setdefault(group(HOST, nic['bridge']), []).append(g['name'])
    return out


class InventoryModule(BaseInventoryPlugin, Constructable):
    NAME = 'vnetlab.linux.topology'
    # the configuration and the topology are files the user wrote, as a YAML inventory is: templates in
    # lab_host_vars (such as {{ ansible_playbook_python }}) are rendered at run time
    trusted_by_default = True

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(('.vnetlab.yml', '.vnetlab.yaml'))

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        self._here = os.path.dirname(os.path.abspath(path))
        topology = self._path(self.get_option('topology'))
        try:
            _data, topo = read_topology(loader, topology, source=self.get_option('topology'))
        except VnetlabError as e:
            raise AnsibleParserError('%s: %s' % (path, to_text(e)))
        except AnsibleError as e:
            raise AnsibleParserError('%s: topology: cannot read %s: %s' % (path, topology, to_text(e)))
        self._populate(topo, topology)

    def _path(self, given):
        """A path of the configuration: relative ones are relative to the inventory file, not to where Ansible runs."""
        return os.path.join(self._here, os.path.expanduser(given))

    def _lab_host_vars(self, lab_host):
        given = self.get_option('lab_host_vars')
        if given is not None:
            return dict(given)
        if lab_host in self.inventory.hosts:  # defined by an earlier inventory source
            return dict(self.inventory.hosts[lab_host].vars)
        return dict(LOCALHOST_VARS) if lab_host == 'localhost' else {}

    def _populate(self, topo, topology):
        lab, lab_host = topo['lab'], self.get_option('lab_host')
        lab_vars = self._lab_host_vars(lab_host)
        parent = parent_connection(lab_vars)
        guests = [g['name'] for g in topo['guests']]
        self._check_names(lab_host, [ns['name'] for ns in topo['namespaces']], guests)

        self.inventory.add_group('lab_hosts')
        self._add(lab_host, 'lab_hosts', dict(lab_vars, vnetlab_lab_name=lab, vnetlab_topology=topology),
                  construct=False)
        lab_group = self.inventory.add_group(group_name('lab', lab))
        for kind in ('namespaces', 'guests'):
            self.inventory.add_group(kind)

        # not vnetlab_lab: lab_facts sets a fact of that name, which would hide this variable on the lab host
        common = {'vnetlab_lab_name': lab, 'vnetlab_lab_host': lab_host}
        netns_vars = dict((k, v) for k, v in lab_vars.items() if k != 'ansible_connection')
        by_netns = {}
        for i in interfaces(topo):
            by_netns.setdefault(i['netns'], []).append(i)
        for ns in topo['namespaces']:
            name = ns['name']
            declared = by_netns.get(name, [])
            hostvars = dict(netns_vars, **common)
            hostvars.update(ansible_connection=CONNECTION, vnetlab_netns=name, vnetlab_netns_parent_connection=parent,
                            vnetlab_addresses=[str(a) for i in declared for a in i['addresses'] or []],
                            vnetlab_interfaces=dict((i['name'], [str(a) for a in i['addresses'] or []])
                                                    for i in declared))
            hostvars.update(self.get_option('namespace_vars'))
            self._add(name, ('namespaces', lab_group), hostvars)

        leases, reach = lab_leases(topo), dict((h['name'], h) for h in guest_hosts(topo))
        jump = self.get_option('guest_jump')
        if jump is None:
            jump = parent != 'local' and lab_vars.get('ansible_host', lab_host) not in LOOPBACK
        for g in topo['guests']:
            hostvars = dict(common, ansible_connection='ssh', vnetlab_guest_addresses=leases.get(g['name'], []))
            if g['name'] in reach:
                hostvars['ansible_host'] = reach[g['name']]['address']
            else:
                self.display.warning("vnetlab.linux.topology: guest '%s' of lab '%s' has no static DHCP lease (no "
                                     "dhcp: entry for its bridge): give it ansible_host with guest_vars or compose"
                                     % (g['name'], lab))
            user = reach.get(g['name'], {}).get('ssh_user') or g.get('ssh_user') or self.get_option('guest_user')
            if user:
                hostvars['ansible_user'] = user
            if self.get_option('guest_private_key_file'):
                hostvars['ansible_ssh_private_key_file'] = self._path(self.get_option('guest_private_key_file'))
            args = [self.get_option('guest_ssh_common_args') or '']
            if jump:
                args.append(jump_args(lab_host, lab_vars))
            hostvars['ansible_ssh_common_args'] = ' '.join(a for a in args if a)
            hostvars.update(self.get_option('guest_vars'))
            self._add(g['name'], ('guests', lab_group), hostvars)

        for group, members in sorted(bridge_members(topo).items()):
            self.inventory.add_group(group)
            for member in members:
                self.inventory.add_child(group, member)

    def _check_names(self, lab_host, namespaces, guests):
        """Namespaces and guests are host names as they are: one name, one host."""
        seen = {lab_host: 'the lab host'}
        for kind, names in (('namespace', namespaces), ('guest', guests)):
            for name in names:
                if name in seen:
                    raise AnsibleParserError("vnetlab.linux.topology: %s '%s' has the name of %s; host names must "
                                             "be unique: rename one of them" % (kind, name, seen[name]))
                if name in self.inventory.hosts:
                    raise AnsibleParserError("vnetlab.linux.topology: %s '%s' is already a host of the inventory "
                                             "(another source defines it): rename one of them" % (kind, name))
                seen[name] = "%s '%s'" % (kind, name)

    def _add(self, name, groups, hostvars, construct=True):
        groups = (groups,) if isinstance(groups, str) else groups
        for group in groups:
            self.inventory.add_host(name, group=group)
        for key, value in hostvars.items():
            self.inventory.set_variable(name, key, value)
        if construct:
            strict = self.get_option('strict')
            self._set_composite_vars(self.get_option('compose'), hostvars, name, strict=strict)
            self._add_host_to_composed_groups(self.get_option('groups'), hostvars, name, strict=strict)
            self._add_host_to_keyed_groups(self.get_option('keyed_groups'), hostvars, name, strict=strict)
