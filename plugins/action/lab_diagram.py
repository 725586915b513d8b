# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lab_diagram with `src`: reads the topology file on the controller (like vnetlab.linux.topology, so that
an error names the file and line) and passes its data as `definition`."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible_collections.vnetlab.linux.plugins.action.topology import read_topology


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(('path', 'namespaces', 'owned_only', 'src', 'definition'))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        src = args.pop('src', None)
        if src is not None:
            if args.get('definition') is not None:
                raise AnsibleActionFail('src and definition are mutually exclusive: give one of them')
            args['definition'] = json.dumps(read_topology(self, src))
        result.update(self._execute_module(module_name='vnetlab.linux.lab_diagram', module_args=args,
                                           task_vars=task_vars))
        return result
