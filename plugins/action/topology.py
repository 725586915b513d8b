# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reads a topology file on the controller (where PyYAML always is) so that a schema error can name the
file and line, then runs the module with the parsed data as `definition`.

While the module runs, a lab that takes long - guests booting - shows what it is doing: the run's progress
record (module_utils/progress.py), printed every few seconds once a step has lasted a while, on this machine
or on a remote host (plugin_utils/progress_watch.py): "lab c: step 14/16, 42 s: wait for guest 'vm0' ...".

A topology that names hosts (docs/multihost.md) is cut here: each inventory host of the play runs its own
part (lab/hosts.py part_for), with the other hosts' underlay addresses from their variables, so that one
play over the lab's hosts applies the whole lab in parallel."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.hosts import is_multihost, part_for, underlay_address
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import DEFINITION_TEXT, load_yaml, normalize
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import check_params
from ansible_collections.vnetlab.linux.plugins.plugin_utils import progress_watch
from ansible_collections.vnetlab.linux.plugins.plugin_utils.topology_file import read_text


def read_topology(action, src, with_positions=False):
    """Read and validate a topology file on the controller (searched like copy's src) -> its data (and, when
    asked, the line of each key); errors name the file and the line of a bad key. Shared by the action
    plugins that take `src`."""
    try:
        path = action._find_needle('files', src)
        text = read_text(action._loader, path)  # a vault-encrypted file is decrypted
    except (AnsibleError, OSError) as e:
        raise AnsibleActionFail('src: cannot read the topology file %s: %s' % (src, to_text(e)))
    try:
        data, positions = load_yaml(text, source=src)
        normalize(data, positions, source=src)  # the module validates again, without lines
    except VnetlabError as e:
        raise AnsibleActionFail(to_text(e))
    return (data, positions) if with_positions else data


def host_part(data, task_vars, positions=None, source=None):
    """This inventory host's part of a topology that names hosts, as the module's definition; None when the
    lab has nothing on this host."""
    hostvars = task_vars.get('hostvars') or {}

    def underlay(name):
        try:
            found = hostvars[name] if name in hostvars else None
        except (KeyError, AnsibleError):
            found = None
        address = underlay_address(found)
        if address is None and name == task_vars.get('inventory_hostname'):
            address = underlay_address(task_vars)
        return address
    try:
        return part_for(data, task_vars['inventory_hostname'], underlay, positions, source)
    except VnetlabError as e:
        raise AnsibleActionFail(to_text(e))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_async = True  # async: as any module (progress_watch.execute)
    _VALID_ARGS = frozenset(('src', 'definition', 'state', 'prune', 'persistent', 'validate_only'))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = dict(self._task.args)
        try:  # the module's rule (entry.new_module) for the options handled here: src, validate_only
            check_params(args, DEFINITION_TEXT)
        except VnetlabError as e:
            raise AnsibleActionFail(to_text(e))
        src = args.pop('src', None)
        validate_only = boolean(args.pop('validate_only', False), strict=False)
        positions = None
        if src is not None:
            if args.get('definition') is not None:
                raise AnsibleActionFail('src and definition are mutually exclusive: give one of them')
            data, positions = read_topology(self, src, with_positions=True)
        else:
            data = args.get('definition')
            if isinstance(data, str):
                try:
                    data = json.loads(data)
                except ValueError:
                    data = None  # the module says what is wrong with it
        if validate_only:
            return self._validated(result, src, data, task_vars, positions)
        if is_multihost(data):
            data = host_part(data, task_vars, positions, src or 'definition')
            if data is None:
                result.update(changed=False, msg="the lab has nothing on host '%s'" % task_vars['inventory_hostname'])
                return result
        if data is not None:
            args['definition'] = json.dumps(data)  # text: Ansible passes it on as is
        host = task_vars.get('inventory_hostname', 'localhost')
        lab = data.get('lab') if isinstance(data, dict) else None
        # a lab without guests to boot has nothing long to wait for: on a remote host it runs as usual
        slow = isinstance(data, dict) and bool(data.get('guests')) and args.get('state', 'present') != 'absent'
        result.update(progress_watch.execute(self, 'vnetlab.linux.topology', args, task_vars, 'lab/%s' % lab,
                                             '%s: lab %s' % (host, lab), remote=slow))
        return result

    @staticmethod
    def _validated(result, src, data, task_vars, positions):
        """validate_only: the checks of a real run that need no host (the schema, cross-references, address
        ranges; for a lab across hosts this host's part too), here on the controller. The module is not run, so
        a role can call this before it changes anything on the host (the lab role, before prerequisites)."""
        if src is None:
            if data is None:
                raise AnsibleActionFail('definition: give the topology as a mapping, or JSON text of one (or give '
                                        'src: a topology file)')
            try:
                normalize(data, source='definition')  # a file was validated as it was read
            except VnetlabError as e:
                raise AnsibleActionFail(to_text(e))
        if is_multihost(data):
            host_part(data, task_vars, positions, src or 'definition')
        # lab.name: what a role holds its host settings under (the lab role's `vnetlab:<lab> host settings`)
        result.update(changed=False, msg="topology '%s' is valid (checked on the controller: nothing on the host "
                                         'was read or changed)' % data.get('lab'), lab={'name': data.get('lab')})
        return result
