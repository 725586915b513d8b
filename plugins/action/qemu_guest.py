# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""qemu_guest as it is, with its progress shown while it runs (plugin_utils/progress_watch.py): a guest's
boot is waited for, up to wait_timeout, and the wait is printed every few seconds on this machine or a
remote host: "labhost: guest vm0: step 5/5, 12 s: wait for guest 'vm0' ('login:' on its console, ...)"."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vnetlab.linux.plugins.plugin_utils.progress_watch import ProgressAction


class ActionModule(ProgressAction):
    MODULE = 'vnetlab.linux.qemu_guest'

    def progress(self, args):
        name = args.get('name')
        # the key of the module's run (objects/guest.py Guest.lock); only a start waits long (for the boot)
        return 'guest/%s' % name, 'guest %s' % name, args.get('state', 'running') == 'running'
