# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lab_diagram with `src`: reads the topology file on the controller (like vnetlab.linux.topology, so that
an error names the file and line) and passes its data as `definition`. With `hosts`: takes the facts
lab_facts gathered on each of those inventory hosts from hostvars and passes them as `facts`, so that one
task (run_once) draws a lab over several hosts."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible_collections.vnetlab.linux.plugins.action.topology import read_topology
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import DEFINITION_TEXT
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import TEXT, check_params


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(('path', 'namespaces', 'owned_only', 'src', 'definition', 'hosts', 'facts'))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        try:  # the module's rule (entry.new_module) for the options handled here: src, hosts
            check_params(args, dict(DEFINITION_TEXT, facts=TEXT))
        except ParamError as e:
            raise AnsibleActionFail(to_text(e))
        src = args.pop('src', None)
        if src is not None:
            if args.get('definition') is not None:
                raise AnsibleActionFail('src and definition are mutually exclusive: give one of them')
            args['definition'] = json.dumps(read_topology(self, src))
        hosts = args.pop('hosts', None)
        if hosts is not None:
            if args.get('facts') is not None or src is not None or args.get('definition') is not None:
                raise AnsibleActionFail('hosts: give one of hosts, facts, src and definition')
            args['facts'] = json.dumps(hosts_facts(hosts, task_vars or {}))
        result.update(self._execute_module(module_name='vnetlab.linux.lab_diagram', module_args=args,
                                           task_vars=task_vars))
        return result


def hosts_facts(hosts, task_vars):
    """{inventory name: its vnetlab_lab fact} of each host; an error names those that have none."""
    if isinstance(hosts, str) or not isinstance(hosts, (list, tuple)) or not hosts:
        raise AnsibleActionFail('hosts: give a list of inventory hosts (for instance "{{ ansible_play_hosts }}")')
    hostvars = task_vars.get('hostvars') or {}
    out, missing = {}, []
    for name in hosts:
        name = str(name)
        try:
            facts = hostvars[name].get('vnetlab_lab') if name in hostvars else None
        except (KeyError, AnsibleError):
            facts = None
        if facts is None:
            missing.append(name)
        else:
            out[name] = facts
    if missing:
        raise AnsibleActionFail('hosts: no vnetlab_lab fact for %s: run vnetlab.linux.lab_facts on them first, in '
                                'this play' % ', '.join(missing))
    return out
