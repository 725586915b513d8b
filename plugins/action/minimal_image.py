# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""minimal_image as it is, with its progress shown while it runs (plugin_utils/progress_watch.py): a build
takes minutes, and is printed every few seconds on this machine or a remote host:
"labhost: image /srv/minimal: step 1/1, 42 s: build the minimal x86_64 image (...) in '/srv/minimal'"."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vnetlab.linux.plugins.plugin_utils.progress_watch import ProgressAction


class ActionModule(ProgressAction):
    MODULE = 'vnetlab.linux.minimal_image'

    def progress(self, args):
        dest = args.get('dest')
        # the key of the module's run (objects/base.py Kind.lock for the image kind)
        return 'image/host/%s' % dest, 'image %s' % dest, args.get('state', 'present') == 'present'
