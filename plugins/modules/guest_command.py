#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: guest_command
short_description: Run a shell command inside a QEMU guest through its serial console
version_added: "0.1.0"
description:
  - Connects to the serial console of a guest started by M(vnetlab.linux.qemu_guest), logs in when the
    console asks for it, runs O(command) in the console's shell and returns its output and exit status.
  - For images without a network path to the guest (or before the network is up), and for the checks the
    hand-made labs type at the console, such as pinging from the guest.
  - Like M(ansible.builtin.command), the task fails when the exit status is not 0 and reports
    C(changed=true) (use C(changed_when) for read-only commands); in check mode nothing is run, and a
    guest that is not running yet (an earlier task of the play would start it) only gives a warning.
options:
  name:
    description: The guest's name.
    type: str
    required: true
  command:
    description:
      - Shell command line, run by the guest's shell (C(sh)) in a subshell, so an C(exit) or a syntax error ends
        only the command (its exit status), and a C(cd) or a variable does not carry over to the next task.
      - Output of stdout and stderr is merged.
    type: str
    required: true
  timeout:
    description: Seconds for the whole exchange (login included).
    type: int
    default: 60
  username:
    description: Account used only when the console shows a login prompt (default the CirrOS account).
    type: str
    default: cirros
  password:
    description: Its password (default the documented CirrOS one).
    type: str
    default: gocubsgo
requirements:
  - "Linux, run as root (use C(become: true)): the guest's console socket is readable by root only."
extends_documentation_fragment:
  - vnetlab.linux.action
seealso:
  - module: vnetlab.linux.qemu_guest
  - module: vnetlab.linux.minimal_image
  - module: vnetlab.linux.ping
author:
  - vnetlab contributors (@vnetlab)
'''

EXAMPLES = r'''
- name: The guest reaches the namespace navy
  vnetlab.linux.guest_command:
    name: vm1
    command: ping -c 2 -W 2 10.16.0.2
  changed_when: false
'''

RETURN = r'''
rc:
  description: Exit status of the command.
  returned: when run
  type: int
stdout:
  description: What the command printed (stdout and stderr, as the console shows them).
  returned: when run
  type: str
stdout_lines:
  description: O(command)'s output split into lines.
  returned: when run
  type: list
  elements: str
'''

import os

from ansible_collections.vnetlab.linux.plugins.module_utils.entry import new_module
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.guest.qemu import Paths, check_guest_name, read_pid
from ansible_collections.vnetlab.linux.plugins.module_utils.guest.serial_console import run_command
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import LINES


def main():
    module = new_module(
        argument_spec=dict(
            name=dict(type='str', required=True),
            command=dict(type='str', required=True),
            timeout=dict(type='int', default=60),
            username=dict(type='str', default='cirros'),
            password=dict(type='str', default='gocubsgo', no_log=True),
        ),
        text_options={'command': LINES},  # the lines of a script, each typed at the console
        supports_check_mode=True,
    )
    p = module.params
    try:
        paths = Paths(check_guest_name('name', p['name']))
        if os.geteuid() != 0:
            raise VnetlabError('guest_command must run as root (the console socket is 0600): use become: true')
        running = read_pid(paths) is not None
        if module.check_mode:
            if not running:  # an earlier task of the play would have started it
                module.warn("check mode: guest '%s' is not running; the command would run once it is" % p['name'])
            module.exit_json(changed=True, msg='not run in check mode')
        if not running:
            raise VnetlabError("name: guest '%s' is not running" % p['name'])
        rc, out = run_command(paths.serial_sock, p['command'], p['timeout'], p['username'], p['password'])
    except VnetlabError as e:
        module.fail_json(msg=str(e))
    result = dict(changed=True, rc=rc, stdout=out, stdout_lines=out.splitlines())
    if rc != 0:
        module.fail_json(msg='the command exited with status %d' % rc, **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
