# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way a module of this collection builds its AnsibleModule (tests/unit/test_control_characters.py
holds every module to it), with the checks that hold for every option of every module, made before the module
reads or changes anything - check mode too."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils import basic
from ansible.module_utils.basic import AnsibleModule
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import check_params


def new_module(argument_spec, text_options=None, **kwargs):
    """AnsibleModule(argument_spec, **kwargs) whose parameters hold no ASCII control character (0x00-0x1f,
    0x7f) in any string - nested lists and dicts, their keys too; else the module fails naming the option
    (`nics[1].mac: contains a control character (\\n at position 3); give the value on one line`).

    The parameters are checked as given, first: before Ansible's own checks (a value out of `choices` would
    be echoed in its message) and before AnsibleModule logs them (a NUL fails that with a message about
    syslog); then as Ansible converted them (a dict given as JSON text).

    text_options: the exceptions, {option path ('cloud_init.user_data'): the control characters it may hold
    (validate.TEXT, LINES, TAB)}, for options that are text by nature; docs/design.md lists them all."""
    given = dict((k, v) for k, v in (basic._load_params() or {}).items()  # what AnsibleModule reads next
                 if not str(k).startswith('_ansible_'))
    try:
        check_params(given, text_options)
    except ParamError as e:
        # fails through a module that takes the parameters as they are, checks nothing and logs nothing
        bare = AnsibleModule(argument_spec=dict((k, dict(type='raw')) for k in given), supports_check_mode=True,
                             no_log=True)
        bare.fail_json(msg=str(e))
    module = AnsibleModule(argument_spec=argument_spec, **kwargs)
    try:
        check_params(module.params, text_options)
    except ParamError as e:
        module.fail_json(msg=str(e))
    return module
