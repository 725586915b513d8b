# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""qemu_guest as it is, with its progress shown while it runs (plugin_utils/progress_watch.py): a guest's
boot is waited for, up to wait_timeout, and the wait is printed every few seconds on this machine or a
remote host: "labhost: guest vm0: step 5/5, 12 s: wait for guest 'vm0' ('login:' on its console, ...)"."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase
from ansible_collections.vnetlab.linux.plugins.plugin_utils import progress_watch


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_async = True  # async: as any module (progress_watch.execute)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = dict(self._task.args)
        name = args.get('name')
        host = task_vars.get('inventory_hostname', 'localhost')
        # the key of the module's run (objects/guest.py Guest.lock); only a start waits long (for the boot)
        result.update(progress_watch.execute(self, 'vnetlab.linux.qemu_guest', args, task_vars, 'guest/%s' % name,
                                             '%s: guest %s' % (host, name),
                                             remote=args.get('state', 'running') == 'running'))
        return result
