# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The body shared by lab_facts (the state as an Ansible fact) and lab_info (as a plain return value)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import preflight
from ansible_collections.vnetlab.linux.plugins.module_utils.entry import new_module
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.facts import gather

# documented by the doc fragment vnetlab.linux.lab_state
OPTIONS = dict(
    namespaces=dict(type='list', elements='str'),
    owned_only=dict(type='bool', default=False),
)


def read_lab(publish):
    """Run a module that reads the labs; publish(lab) -> its result (without `changed`). Exits."""
    module = new_module(OPTIONS, supports_check_mode=True)
    preflight(module)
    try:
        lab = gather(module.params['namespaces'], module.params['owned_only'])
    except VnetlabError as e:
        module.fail_json(msg=str(e))
    module.exit_json(changed=False, **publish(lab))
