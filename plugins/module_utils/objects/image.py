# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The `minimal` guest image: present when its manifest matches the builder's fingerprint (built once,
cached; a re-run builds nothing)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.guest import images
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.base import Kind

OPTIONS = dict(
    arch=dict(type='str', choices=['x86_64', 'aarch64'], default='x86_64'),
    dest=dict(type='path', required=True),
    kernel_package=dict(type='str'),
    force=dict(type='bool', default=False),
    state=dict(type='str', choices=['present', 'absent'], default='present'),
)


class Image(Kind):
    name = 'image'
    OPTIONS = OPTIONS

    def desired(self, params):
        d = dict(params)
        d['deb_arch'] = images.DEB_ARCH[d['arch']]
        d['kernel_package'] = d['kernel_package'] or images.default_kernel_package(d['arch'])
        if not os.path.isabs(d['dest']):
            raise ParamError('dest', "'%s' must be an absolute path" % d['dest'])
        d['dest'] = os.path.normpath(d['dest'])  # the lock name a guest's build takes too
        return d

    def reads(self, d):
        return {}

    def read_local(self, d, snapshot):
        return {'manifest': images.ready_manifest(d['dest'], d['arch'], d['kernel_package']),
                'ours': images.read_manifest(d['dest']) is not None, 'exists': os.path.exists(d['dest'])}

    def view(self, d, snapshot, local):
        return {'dest': d['dest'], 'state': 'present' if local['manifest'] else 'absent',
                'manifest': local['manifest']}

    def plan(self, plan, d):
        before = self.view(d, plan.snapshot, plan.local)
        dest = d['dest']
        if d['state'] == 'absent':
            if not plan.local['ours']:
                if plan.local['exists']:
                    plan.warnings.append("dest: '%s' holds no vnetlab image manifest (%s); it is not ours and was "
                                         "left alone" % (dest, images.MANIFEST))
                return before
            plan.add(Op("remove the image files in '%s'" % dest, lambda v: images.remove_image(dest), local=True))
            return {'dest': dest, 'state': 'absent', 'manifest': None}
        if before['state'] == 'present' and not d['force']:
            return before
        plan.add(Op("build the minimal %s image (%s) in '%s'" % (d['arch'], d['kernel_package'], dest),
                    lambda v: images.build_minimal(d['arch'], dest, d['kernel_package']), local=True, slow=True))
        # what the build writes, as far as it is known before (check mode returns these paths)
        kernel, initrd = images.image_files(dest)
        return {'dest': dest, 'state': 'present', 'manifest': {
            'arch': d['arch'], 'kernel': kernel, 'initrd': initrd,
            'console': images.console_for(d['arch']), 'ready_regex': images.READY_MARK}}

    def returns(self, d, view, local):
        m = view.get('manifest') or {}
        return {'kernel': m.get('kernel'), 'initrd': m.get('initrd'), 'console': m.get('console'),
                'ready_regex': m.get('ready_regex'), 'kernel_version': m.get('kernel_version'),
                'modules': m.get('modules')}


KIND = Image()
