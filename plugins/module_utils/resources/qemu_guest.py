# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A QEMU guest: running, stopped or absent, with its TAPs on bridges, behind the engine's
plan/apply contract (check mode, diff of the recorded configuration, rollback of a failed start)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import re

from ansible_collections.vnetlab.linux.plugins.module_utils import qemu
from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op, Resource
from ansible_collections.vnetlab.linux.plugins.module_utils.names import (
    ParamError, check_distinct, check_ifname)
from ansible_collections.vnetlab.linux.plugins.module_utils.netlink import OWNER_ALIAS
from ansible_collections.vnetlab.linux.plugins.module_utils.resources.common import (
    delete_link, find_link, link_index, require_bridge)
from ansible_collections.vnetlab.linux.plugins.module_utils.tap import create_tap

# The module's options: shared with the topology module's `guests:` entries.
ARGUMENT_SPEC = dict(
    name=dict(type='str', required=True),
    state=dict(type='str', choices=['running', 'stopped', 'absent'], default='running'),
    arch=dict(type='str', choices=['x86_64', 'aarch64'], default='x86_64'),
    accel=dict(type='str', choices=['auto', 'kvm', 'tcg'], default='auto'),
    machine=dict(type='str'),
    cpu=dict(type='str'),
    memory=dict(type='str', default='512M'),
    smp=dict(type='int', default=1),
    image=dict(type='path'),
    disk_size=dict(type='str'),
    firmware=dict(type='path'),
    kernel=dict(type='path'),
    initrd=dict(type='path'),
    append=dict(type='str'),
    cloud_init=dict(type='dict', options=dict(
        user_data=dict(type='str'),
        meta_data=dict(type='str'),
        network_config=dict(type='str'),
    )),
    nics=dict(type='list', elements='dict', default=[], options=dict(
        bridge=dict(type='str', required=True),
        tap=dict(type='str'),
        mac=dict(type='str'),
        model=dict(type='str', default='virtio-net-pci'),
    )),
    restart_on_change=dict(type='bool', default=False),
    wait_for=dict(type='str', default='qmp'),
    wait_timeout=dict(type='int', default=300),
    stop_timeout=dict(type='int', default=30),
)

_MAC_RE = re.compile(r'^([0-9a-f]{2}:){5}[0-9a-f]{2}$')
_DISK_RE = re.compile(r'^\d+[KMGT]?$')


def default_tap(name, index):
    return 'vq%s%d' % (hashlib.sha256(name.encode()).hexdigest()[:8], index)


class QemuGuestResource(Resource):
    module_name = 'qemu_guest'

    def validate(self):
        p = self.p
        self.name = qemu.check_guest_name('name', p['name'])
        self.paths = qemu.Paths(self.name)
        self.memory = qemu.parse_size_mib('memory', p['memory'])
        if p['smp'] < 1:
            raise ParamError('smp', 'must be at least 1')
        for param in ('image', 'kernel', 'initrd', 'firmware'):
            if p[param] and p['state'] == 'running' and not os.path.isfile(p[param]):
                raise ParamError(param, "'%s' does not exist (or is not a file)" % p[param])
        if p['state'] == 'running' and not (p['image'] or p['kernel']):
            raise ParamError('image', 'give an image (disk) or a kernel to boot')
        if p['initrd'] and not p['kernel']:
            raise ParamError('initrd', 'needs a kernel (direct kernel boot)')
        if p['disk_size'] and (not p['image'] or not _DISK_RE.match(str(p['disk_size']))):
            raise ParamError('disk_size', "'%s': give a size such as 10G, together with an image" % p['disk_size'])
        self.nics = []
        for i, nic in enumerate(p['nics'] or []):
            tap = nic.get('tap') or default_tap(self.name, i)
            check_ifname('nics', nic['bridge'])
            check_ifname('nics', tap)
            mac = (nic.get('mac') or qemu.stable_mac(self.name, i)).lower()
            if not _MAC_RE.match(mac):
                raise ParamError('nics', "mac '%s' is not a MAC address such as 52:54:00:12:34:56" % mac)
            self.nics.append({'bridge': nic['bridge'], 'tap': tap, 'mac': mac,
                              'model': nic.get('model') or 'virtio-net-pci'})
        check_distinct([('nics', n['tap']) for n in self.nics])
        check_distinct([('nics', n['mac']) for n in self.nics])
        wait_for = p['wait_for']
        if wait_for not in ('none', 'qmp'):
            try:
                re.compile(wait_for)
            except re.error as e:
                raise ParamError('wait_for', "'%s' is neither none, qmp nor a valid regex: %s" % (wait_for, e))

    def _config(self):
        """What the guest's command line is made of: recorded, compared, shown in the diff."""
        p = self.p
        arch = p['arch']
        recorded = self._recorded or {}
        if p['accel'] == 'auto' and recorded.get('accel_requested') == 'auto' and recorded.get('arch') == arch:
            accel, self.accel_reason = recorded['accel'], 'chosen when the guest was first started'
        else:
            accel, self.accel_reason = qemu.resolve_accel(arch, p['accel'], p['kernel'])
        cpu = p['cpu'] or ('host' if accel == 'kvm' else 'max')
        firmware = p['firmware']
        if arch == 'aarch64' and p['image'] and not p['kernel'] and not firmware:
            firmware = next((f for f in qemu.AARCH64_FIRMWARE if os.path.exists(f)), None)
            if firmware is None:
                raise ParamError('firmware', 'booting an aarch64 disk image needs UEFI firmware '
                                             '(apt install qemu-efi-aarch64) or a kernel')
        cloud_init = None
        if p['cloud_init'] is not None:
            cloud_init = dict((k, v) for k, v in p['cloud_init'].items() if v is not None)
            cloud_init.setdefault('meta_data', json.dumps({'instance-id': self.name, 'local-hostname': self.name}))
        return {
            'arch': arch, 'accel': accel, 'accel_requested': p['accel'], 'machine': p['machine'] or qemu.ARCHES[arch]['machine'], 'cpu': cpu,
            'memory_mib': self.memory, 'smp': p['smp'],
            'image': os.path.abspath(p['image']) if p['image'] else None,
            'image_id': qemu.file_id(p['image']), 'image_format': qemu.image_format(p['image']) if p['image'] else None,
            'disk_size': p['disk_size'], 'firmware': firmware,
            'kernel': os.path.abspath(p['kernel']) if p['kernel'] else None, 'kernel_id': qemu.file_id(p['kernel']),
            'initrd': os.path.abspath(p['initrd']) if p['initrd'] else None, 'initrd_id': qemu.file_id(p['initrd']),
            'append': p['append'], 'cloud_init': cloud_init, 'nics': self.nics,
        }

    def read(self, nl):
        pid = qemu.read_pid(self.paths)
        recorded = qemu.read_config(self.paths)
        self._pid, self._recorded = pid, recorded
        leftovers = os.path.isdir(self.paths.run) or os.path.isdir(self.paths.state)
        state = 'running' if pid else ('stopped' if recorded or leftovers else 'absent')
        return {'name': self.name, 'state': state, 'config': recorded}

    def plan(self, nl, before):
        p = self.p
        if p['state'] == 'absent':
            return self._plan_absent(nl, before)
        if p['state'] == 'stopped':
            if not self._pid:
                return [], before
            return [self._stop_op()], dict(before, state='stopped')
        cfg = self._config()
        bridges = [require_bridge(nl, 'nics', None, nic['bridge']) for nic in self.nics]
        taps = [find_link(nl, None, nic['tap']) for nic in self.nics]
        for nic, tap in zip(self.nics, taps):
            if tap is not None and tap['kind'] != 'tun':
                raise ParamError('nics', "tap '%s' already exists as a %s link, not a TAP" % (nic['tap'], tap['kind']))
        ops, restart = [], False
        if self._pid and self._recorded != cfg:
            if not p['restart_on_change']:
                self.warnings.append("guest '%s' runs with a different configuration (see the diff); it was not "
                                     "restarted: set restart_on_change: true to apply it" % self.name)
                return [], dict(before, config=cfg)
            ops.append(self._stop_op())
            restart = True
        if not self._pid and os.path.exists(self.paths.pidfile):
            # QEMU removes its pid file when it exits normally: this one died (killed, crashed, OOM)
            self.warnings.append("guest '%s' was not running (its QEMU process had died); starting it again"
                                 % self.name)
        ops += self._tap_ops(taps, bridges)
        if restart or not self._pid:
            ops += self._start_ops(cfg)
        return ops, {'name': self.name, 'state': 'running', 'config': cfg}

    def _tap_ops(self, taps, bridges):
        ops = []
        for nic, tap, bridge in zip(self.nics, taps, bridges):
            name = nic['tap']
            if tap is None:
                def create(ipr, name=name, bridge=bridge):
                    create_tap(name)
                    ipr.link('set', index=link_index(ipr, name), ifalias=OWNER_ALIAS, master=bridge['index'],
                             state='up')
                ops.append(Op("create TAP '%s' on bridge '%s'" % (name, nic['bridge']), create,
                              undo=delete_link(name)))
            elif tap['master'] != bridge['index'] or not tap['up']:
                def fix(ipr, name=name, bridge=bridge):
                    ipr.link('set', index=link_index(ipr, name), master=bridge['index'], state='up')
                ops.append(Op("enslave TAP '%s' to '%s' and set it up" % (name, nic['bridge']), fix))
        return ops

    def _start_ops(self, cfg):
        paths, name = self.paths, self.name
        fresh = not os.path.isdir(paths.state) and not os.path.isdir(paths.run)

        def prepare(nl):
            qemu.prepare_disks(cfg, paths)

        def undo_prepare(nl):
            if fresh:
                qemu.remove_files(paths)

        def start(nl):
            qemu.start(name, cfg, paths)
            qemu.wait_until(paths, self.p['wait_for'], self.p['wait_timeout'])

        def undo_start(nl):
            qemu.stop(paths, 0)
        return [Op("prepare disks of guest '%s'" % name, prepare, undo=undo_prepare, session=False),
                Op("start guest '%s' (%s, %s)" % (name, cfg['arch'], cfg['accel']), start, undo=undo_start,
                   session=False)]

    def _stop_op(self):
        paths, timeout = self.paths, self.p['stop_timeout']
        return Op("stop guest '%s'" % self.name, lambda nl: qemu.stop(paths, timeout), session=False)

    def _plan_absent(self, nl, before):
        ops = []
        if qemu.find_pids(self.paths):
            ops.append(self._stop_op())
        recorded_nics = (self._recorded or {}).get('nics') or []
        for tap in sorted(set(n['tap'] for n in recorded_nics + self.nics)):
            link = find_link(nl, None, tap)
            if link is not None and link['kind'] == 'tun' and link['ifalias'] == OWNER_ALIAS:
                ops.append(Op("delete TAP '%s'" % tap, delete_link(tap)))
        if os.path.isdir(self.paths.run) or os.path.isdir(self.paths.state):
            paths = self.paths
            ops.append(Op("remove runtime files and disks of guest '%s'" % self.name,
                          lambda nl_: qemu.remove_files(paths), session=False))
        if not ops:
            return [], before
        return ops, {'name': self.name, 'state': 'absent', 'config': None}

    def returns(self, view):
        cfg = view.get('config') or {}
        out = {'state': view['state'], 'pid': qemu.read_pid(self.paths)}
        if view['state'] != 'absent':
            out.update(qmp=self.paths.qmp, serial_log=self.paths.serial_log, serial_socket=self.paths.serial_sock,
                       taps=[n['tap'] for n in cfg.get('nics', [])], macs=[n['mac'] for n in cfg.get('nics', [])],
                       accel=cfg.get('accel'), argv=qemu.build_argv(self.name, cfg, self.paths) if cfg else [])
        if getattr(self, 'accel_reason', None) and self.p['accel'] == 'auto':
            out['accel_reason'] = self.accel_reason
        return out
