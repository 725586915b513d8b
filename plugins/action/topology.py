# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reads a topology file on the controller (where PyYAML always is) so that a schema error can name the
file and line, then runs the module with the parsed data as `definition`."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import load_yaml, normalize
from ansible_collections.vnetlab.linux.plugins.plugin_utils.topology_file import read_text


def read_topology(action, src):
    """Read and validate a topology file on the controller (searched like copy's src) -> its data; errors
    name the file and the line of a bad key. Shared by the action plugins that take `src`."""
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
    return data


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(('src', 'definition', 'state', 'prune'))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        src = args.pop('src', None)
        if src is not None:
            if args.get('definition') is not None:
                raise AnsibleActionFail('src and definition are mutually exclusive: give one of them')
            args['definition'] = json.dumps(read_topology(self, src))  # text: Ansible passes it on as is
        result.update(self._execute_module(module_name='vnetlab.linux.topology', module_args=args,
                                           task_vars=task_vars))
        return result
