# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The `minimal` guest image as a resource: present when its manifest matches the builder's
fingerprint (built once, cached; a re-run builds nothing), absent removes the cache directory."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil

from ansible_collections.vnetlab.linux.plugins.module_utils import images
from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op, Resource
from ansible_collections.vnetlab.linux.plugins.module_utils.names import ParamError


class MinimalImageResource(Resource):
    module_name = 'minimal_image'

    def validate(self):
        p = self.p
        self.deb_arch = images.DEB_ARCH[p['arch']]
        self.kernel_package = p['kernel_package'] or 'linux-image-cloud-%s' % self.deb_arch
        if not os.path.isabs(p['dest']):
            raise ParamError('dest', "'%s' must be an absolute path" % p['dest'])

    def read(self, nl):
        manifest = images.read_manifest(self.p['dest'])
        wanted = images.fingerprint(self.p['arch'], self.kernel_package)
        ok = (manifest is not None and manifest.get('fingerprint') == wanted
              and all(os.path.exists(manifest.get(k, '')) for k in ('kernel', 'initrd')))
        return {'dest': self.p['dest'], 'state': 'present' if ok else 'absent', 'manifest': manifest if ok else None}

    def plan(self, nl, before):
        p = self.p
        if p['state'] == 'absent':
            if not os.path.exists(p['dest']):
                return [], before
            return ([Op("remove image cache '%s'" % p['dest'], lambda nl_: shutil.rmtree(p['dest']), session=False)],
                    {'dest': p['dest'], 'state': 'absent', 'manifest': None})
        if before['state'] == 'present' and not p['force']:
            return [], before
        return ([Op("build the minimal %s image (%s) in '%s'" % (p['arch'], self.kernel_package, p['dest']),
                    lambda nl_: images.build_minimal(p['arch'], p['dest'], self.kernel_package), session=False)],
                {'dest': p['dest'], 'state': 'present', 'manifest': {'arch': p['arch']}})

    def returns(self, view):
        m = view.get('manifest') or {}
        return {'kernel': m.get('kernel'), 'initrd': m.get('initrd'), 'console': m.get('console'),
                'ready_regex': m.get('ready_regex'), 'kernel_version': m.get('kernel_version'),
                'modules': m.get('modules')}
