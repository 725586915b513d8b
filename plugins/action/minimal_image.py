# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""minimal_image as it is, with its progress shown while it runs (plugin_utils/progress_watch.py): a build
takes minutes, and is printed every few seconds on this machine or a remote host:
"labhost: image /srv/minimal: step 1/1, 42 s: build the minimal x86_64 image (...) in '/srv/minimal'"."""

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
        dest = args.get('dest')
        host = task_vars.get('inventory_hostname', 'localhost')
        # the key of the module's run (objects/base.py Kind.lock for the image kind)
        result.update(progress_watch.execute(self, 'vnetlab.linux.minimal_image', args, task_vars,
                                             'image/host/%s' % dest, '%s: image %s' % (host, dest),
                                             remote=args.get('state', 'present') == 'present'))
        return result
