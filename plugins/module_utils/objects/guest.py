# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A QEMU guest: running, stopped or absent, with its TAPs on bridges. The diff shows its recorded
configuration; a failed start is rolled back (process stopped, TAPs and fresh files removed)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import re

from ansible_collections.vnetlab.linux.plugins.module_utils import ownership
from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import MissingError, ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.guest import images, qemu
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import locks
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import HOST
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.tap import create_tap
from ansible_collections.vnetlab.linux.plugins.module_utils.objects import image, links
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.base import PHASE_DELETE, PHASE_SERVICES, Kind
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import (
    TEXT, check_distinct, check_ifname, check_mtu)

OPTIONS = dict(
    name=dict(type='str', required=True),
    state=dict(type='str', choices=['running', 'stopped', 'absent'], default='running'),
    arch=dict(type='str', choices=['x86_64', 'aarch64'], default='x86_64'),
    accel=dict(type='str', choices=['auto', 'kvm', 'tcg'], default='auto'),
    machine=dict(type='str'),
    cpu=dict(type='str'),
    memory=dict(type='str', default='512M'),
    smp=dict(type='int', default=1),
    image=dict(type='path'),
    minimal_image=dict(type='path'),
    disk_size=dict(type='str'),
    firmware=dict(type='path'),
    kernel=dict(type='path'),
    initrd=dict(type='path'),
    append=dict(type='str'),
    cloud_init=dict(type='dict', options=dict(
        user_data=dict(type='str', no_log=True),
        meta_data=dict(type='str'),
        network_config=dict(type='str'),
        ssh_authorized_keys=dict(type='list', elements='str', no_log=False),
    )),
    ssh_user=dict(type='str'),
    nics=dict(type='list', elements='dict', default=[], options=dict(
        bridge=dict(type='str', required=True),
        tap=dict(type='str'),
        mac=dict(type='str'),
        model=dict(type='str', default='virtio-net-pci'),
        mtu=dict(type='int'),
    )),
    restart_on_change=dict(type='bool', default=False),
    wait_for=dict(type='str'),
    wait_timeout=dict(type='int', default=300),
    stop_timeout=dict(type='int', default=30),
)
TAP_OWNER = ownership.mark(None)  # a TAP belongs to its guest, whoever started the guest
_MAC_RE = re.compile(r'^([0-9a-f]{2}:){5}[0-9a-f]{2}$')
_DISK_RE = re.compile(r'^\d+[KMGT]?$')
_MODEL_RE = re.compile(r'^[A-Za-z0-9_.-]+$')  # it goes into a QEMU option string: no ',' or '='
_USER_RE = re.compile(r'^[a-z_][a-z0-9_-]{0,31}$')
_KEY_RE = re.compile(r'^(ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+) [A-Za-z0-9+/]+=*( [^\r\n]*)?$')


def default_tap(name, index):
    return 'vq%s%d' % (hashlib.sha256(name.encode()).hexdigest()[:8], index)


def cloud_init_seed(name, options):
    """The files of the NoCloud seed. SSH keys go into the meta-data as `public-keys`: cloud-init gives
    them to the image's default user and CirrOS to its own, whatever the user-data is (a script, a
    cloud-config), so the user's user-data is never rewritten."""
    if options is None:
        return None
    seed = dict((k, v) for k, v in options.items() if v is not None and k != 'ssh_authorized_keys')
    keys = [k.strip() for k in options.get('ssh_authorized_keys') or []]
    for key in keys:
        if not _KEY_RE.match(key):
            raise ParamError('cloud_init', "ssh_authorized_keys: '%s' is not an SSH public key line such as "
                                           "'ssh-ed25519 AAAA... user@host' (the .pub file's content)" % key[:40])
    if 'meta_data' not in seed:
        meta = {'instance-id': name, 'local-hostname': name}
    elif keys:
        try:
            meta = json.loads(seed['meta_data'])
        except ValueError:
            meta = None
        if not isinstance(meta, dict):
            raise ParamError('cloud_init', 'ssh_authorized_keys go into the meta-data: give meta_data as a JSON '
                                           'object, or put the keys in it yourself as public-keys')
    else:
        return seed
    if keys:
        meta['public-keys'] = keys
    seed['meta_data'] = json.dumps(meta, sort_keys=True)
    return seed


class Guest(Kind):
    name = 'guest'
    OPTIONS = OPTIONS
    # the NoCloud seed's files, written as given: YAML, JSON or a script, on as many lines as they need
    TEXT_OPTIONS = {'cloud_init.user_data': TEXT, 'cloud_init.meta_data': TEXT, 'cloud_init.network_config': TEXT}

    def lock(self, d):
        return 'guest/' + d['name']

    def desired(self, params):
        d = dict(params)
        d['name'] = qemu.check_guest_name('name', d['name'])
        d['paths'] = qemu.Paths(d['name'])
        d['memory_mib'] = qemu.parse_size_mib('memory', d['memory'])
        if d['smp'] < 1:
            raise ParamError('smp', 'must be at least 1')
        running = d['state'] == 'running'
        self._minimal_image(d)
        for param in ('image', 'kernel', 'initrd', 'firmware'):
            if d[param] and ',' in d[param]:
                raise ParamError(param, "'%s': a path given to QEMU cannot contain ','" % d[param])
        if running and not (d['image'] or d['kernel']):
            raise ParamError('image', 'give an image (disk) or a kernel to boot')
        if d['initrd'] and not d['kernel']:
            raise ParamError('initrd', 'needs a kernel (direct kernel boot)')
        if d['disk_size'] and (not d['image'] or not _DISK_RE.match(str(d['disk_size']))):
            raise ParamError('disk_size', "'%s': give a size such as 10G, together with an image" % d['disk_size'])
        for param in ('machine', 'cpu'):
            if d[param] and not _MODEL_RE.match(d[param]):
                raise ParamError(param, "'%s' is not a QEMU %s name" % (d[param], param))
        d['nic_list'] = []
        for i, nic in enumerate(d['nics'] or []):
            tap = nic.get('tap') or default_tap(d['name'], i)
            check_ifname('nics', nic['bridge'])
            check_ifname('nics', tap)
            mac = (nic.get('mac') or qemu.stable_mac(d['name'], i)).lower()
            if not _MAC_RE.match(mac):
                raise ParamError('nics', "mac '%s' is not a MAC address such as 52:54:00:12:34:56" % mac)
            model = nic.get('model') or 'virtio-net-pci'
            if not _MODEL_RE.match(model):
                raise ParamError('nics', "model '%s' is not a QEMU device name" % model)
            entry = {'bridge': nic['bridge'], 'tap': tap, 'mac': mac, 'model': model}
            if nic.get('mtu') is not None:  # only when given: a guest recorded without it stays unchanged
                entry['mtu'] = check_mtu('nics', nic['mtu'])
            d['nic_list'].append(entry)
        check_distinct([('nics', n['tap']) for n in d['nic_list']])
        check_distinct([('nics', n['mac']) for n in d['nic_list']])
        if d['ssh_user'] is not None and not _USER_RE.match(d['ssh_user']):
            raise ParamError('ssh_user', "'%s' is not a user name (lower-case letters, digits, '_', '-')"
                             % d['ssh_user'])
        d['cloud_init'] = cloud_init_seed(d['name'], d['cloud_init'])
        if d['wait_for'] not in ('none', 'qmp'):
            try:
                re.compile(d['wait_for'])
            except re.error as e:
                raise ParamError('wait_for', "'%s' is neither none, qmp nor a valid regex: %s" % (d['wait_for'], e))
        return d

    @staticmethod
    def _minimal_image(d):
        """minimal_image: the kernel and initramfs of that image, its console, and its ready line."""
        dest = d.get('minimal_image')
        if dest:
            given = [p for p in ('image', 'kernel', 'initrd', 'firmware') if d[p]]
            if given:
                raise ParamError('minimal_image', 'boots the minimal image: give it or %s, not both' % given[0])
            if not os.path.isabs(dest) or ',' in dest:
                raise ParamError('minimal_image', "'%s' must be an absolute path without ',', such as "
                                                  "/var/cache/vnetlab/images/minimal-%s" % (dest, d['arch']))
            d['minimal_image'] = dest = os.path.normpath(dest)  # one lock name per directory
            d['kernel'], d['initrd'] = images.image_files(dest)
            d['append'] = d['append'] or 'console=%s quiet' % images.console_for(d['arch'])
        if d['wait_for'] is None:  # '' still means no wait, as before
            d['wait_for'] = images.READY_MARK if dest else 'qmp'

    def reads(self, d):
        return {HOST: (False, False)}

    def read_local(self, d, snapshot):
        """The guest's process and files, and (to run it) the configuration its command line is made of."""
        paths = d['paths']
        # a minimal image that is missing or stale is built before the guest starts (unless the guest runs)
        dest = d.get('minimal_image')
        build = bool(dest and d['state'] == 'running' and not images.ready_manifest(dest, d['arch']))
        other = (images.read_manifest(dest) or {}).get('arch') if build else None
        if other and other != d['arch']:  # never built over: the guests of that arch boot it
            raise ParamError('minimal_image', "'%s' holds the minimal image of %s guests; give this %s guest a "
                                              "directory of its own, such as %s" % (
                                                  dest, other, d['arch'], os.path.join(os.path.dirname(dest),
                                                                                       'minimal-' + d['arch'])))
        for param in ('image', 'kernel', 'initrd', 'firmware'):  # on the lab host, not where a topology is read
            if build and param in ('kernel', 'initrd'):
                continue
            if d[param] and d['state'] == 'running' and not os.path.isfile(d[param]):
                raise MissingError(param, "'%s' does not exist (or is not a file)" % d[param])
        recorded = qemu.read_config(paths)
        local = {'pid': qemu.read_pid(paths), 'recorded': recorded, 'pids': qemu.find_pids(paths),
                 'lab': ownership.started_by(paths),
                 'run_dir': os.path.isdir(paths.run), 'state_dir': os.path.isdir(paths.state),
                 'pidfile': os.path.exists(paths.pidfile), 'cfg': None, 'accel_reason': None, 'build': build}
        if d['state'] == 'running':
            local['cfg'], local['accel_reason'] = self._config(d, recorded)
        return local

    @staticmethod
    def _config(d, recorded):
        """What the guest's command line is made of: recorded, compared, shown in the diff."""
        arch = d['arch']
        recorded = recorded or {}
        if d['accel'] == 'auto' and recorded.get('accel_requested') == 'auto' and recorded.get('arch') == arch:
            accel, reason = recorded['accel'], 'chosen when the guest was first started'
        else:
            accel, reason = qemu.resolve_accel(arch, d['accel'], d['kernel'])
        cpu = d['cpu'] or qemu.default_cpu(arch, accel)
        if not d['cpu'] and recorded.get('cpu') == 'max' and recorded.get('accel') == accel == 'tcg':
            cpu = 'max'  # started before the aarch64 default changed: keep it, a re-run must not restart it
        firmware = d['firmware']
        if arch == 'aarch64' and d['image'] and not d['kernel'] and not firmware:
            firmware = next((f for f in qemu.AARCH64_FIRMWARE if os.path.exists(f)), None)
            if firmware is None:
                raise ParamError('firmware', 'booting an aarch64 disk image needs UEFI firmware '
                                             '(apt install qemu-efi-aarch64) or a kernel')
        cloud_init = d['cloud_init']
        return {
            'arch': arch, 'accel': accel, 'accel_requested': d['accel'],
            'machine': d['machine'] or qemu.ARCHES[arch]['machine'], 'cpu': cpu,
            'memory_mib': d['memory_mib'], 'smp': d['smp'],
            'image': os.path.abspath(d['image']) if d['image'] else None,
            'image_id': qemu.file_id(d['image']), 'image_format': qemu.image_format(d['image']) if d['image'] else None,
            'disk_size': d['disk_size'], 'firmware': firmware,
            'kernel': os.path.abspath(d['kernel']) if d['kernel'] else None, 'kernel_id': qemu.file_id(d['kernel']),
            'initrd': os.path.abspath(d['initrd']) if d['initrd'] else None, 'initrd_id': qemu.file_id(d['initrd']),
            'append': d['append'], 'cloud_init': cloud_init, 'nics': d['nic_list'],
        }, reason

    def view(self, d, snapshot, local):
        leftovers = local['run_dir'] or local['state_dir']
        state = 'running' if local['pid'] else ('stopped' if local['recorded'] or leftovers else 'absent')
        return {'name': d['name'], 'state': state, 'config': local['recorded']}

    def plan(self, plan, d):
        local = plan.local
        before = self.view(d, plan.snapshot, local)
        if before['state'] != 'absent':  # a guest is its starter's
            ownership.check_starter('name', "guest '%s'" % d['name'], local['lab'], plan.lab, 'the qemu_guest module')
        if d['state'] == 'absent':
            return self._plan_absent(plan, d, local, before)
        if d['state'] == 'stopped':
            if not local['pid']:
                return before
            plan.add(self._stop_op(d))
            return dict(before, state='stopped')
        cfg = local['cfg']
        for nic in d['nic_list']:
            plan.require_bridge('nics', HOST, nic['bridge'])
            tap = plan.link(HOST, nic['tap'])
            if tap is not None and tap['kind'] != 'tun':
                raise ParamError('nics', "tap '%s' already exists as a %s link, not a TAP" % (nic['tap'], tap['kind']))
        restart = False
        if local['pid'] and local['recorded'] != qemu.recordable(cfg):
            if not d['restart_on_change']:
                plan.warnings.append("guest '%s' runs with a different configuration (see the diff); it was not "
                                     "restarted: set restart_on_change: true to apply it" % d['name'])
                return dict(before, config=qemu.recordable(cfg))
            plan.add(self._stop_op(d))
            restart = True
        if not local['pid'] and local['pidfile']:
            # QEMU removes its pid file when it exits normally: this one died (killed, crashed, OOM)
            plan.warnings.append("guest '%s' was not running (its QEMU process had died); starting it again"
                                 % d['name'])
        starts = restart or not local['pid']
        if starts and local['build']:
            self._build_image(plan, d, cfg)
        for nic in d['nic_list']:
            self._tap(plan, nic)
        if starts:
            self._start(plan, d, cfg, fresh=not local['run_dir'] and not local['state_dir'])
        return {'name': d['name'], 'state': 'running', 'config': qemu.recordable(cfg)}

    @staticmethod
    def _build_image(plan, d, cfg):
        """The minimal image is a cache that guests share: built under the minimal_image module's lock (the
        same dest waits), kept when the guest or its lab goes; the guest then records the files built."""
        dest, arch = d['minimal_image'], d['arch']

        def build(visit):
            with locks.hold(image.KIND.lock({'dest': dest}), "the image in '%s'" % dest):
                if not images.ready_manifest(dest, arch):  # another run may have built it meanwhile
                    images.build_minimal(arch, dest, images.default_kernel_package(arch))
            cfg.update(kernel_id=qemu.file_id(cfg['kernel']), initrd_id=qemu.file_id(cfg['initrd']))
        plan.add(Op("build the minimal %s image in '%s' (once; later runs use it)" % (arch, dest), build, local=True,
                    slow=True, phase=PHASE_SERVICES))

    @staticmethod
    def _tap(plan, nic):
        name, bridge = nic['tap'], nic['bridge']
        tap = plan.link(HOST, name)
        mark = {'ifalias': TAP_OWNER}
        if tap is None:
            # two ops, so that a failure of the second still finds the TAP in the rollback
            plan.add(Op("create TAP '%s'" % name, lambda v: create_tap(name), undo=links.delete_link(name),
                        phase=PHASE_SERVICES, makes=[(HOST, name)]))
        elif ownership.owned(tap['ifalias'], TAP_OWNER) or plan.owns(HOST, name, tap):
            mark = {'ifalias': TAP_OWNER} if plan.unmarked(HOST, name, tap) else {}
        else:  # someone else's TAP (libvirt's vnet0, say): never enslaved to our bridge
            raise ownership.foreign('nics', 'the host namespace', name, 'a TAP that vnetlab did not create',
                                    'give the NIC another tap name')
        br = plan.link(HOST, bridge)
        mtu = nic.get('mtu')
        attrs = dict(mark, **({'mtu': mtu} if mtu and (tap is None or tap['mtu'] != mtu) else {}))
        if tap is None or attrs or br is None or tap['master'] != br['index'] or not tap['up']:
            what = " (MTU %d)" % mtu if 'mtu' in attrs else ''
            plan.add(Op("enslave TAP '%s' to bridge '%s' and set it up%s" % (name, bridge, what),
                        lambda v: v.ipr.link('set', index=v.index(name), master=v.index(bridge), state='up', **attrs),
                        phase=PHASE_SERVICES))

    @staticmethod
    def _start(plan, d, cfg, fresh):
        paths, name = d['paths'], d['name']

        def undo_prepare(visit):
            if fresh:
                qemu.remove_files(paths)

        def start(visit):
            with locks.hold('guest/' + name, "guest '%s'" % name):
                qemu.start(name, cfg, paths, d['stop_timeout'])
                if plan.lab is not None:
                    ownership.mark_started(paths, plan.lab)
        plan.add(Op("prepare disks of guest '%s'" % name, lambda v: qemu.prepare_disks(cfg, paths), undo=undo_prepare,
                    local=True, phase=PHASE_SERVICES))
        plan.add(Op("start guest '%s' (%s, %s)" % (name, cfg['arch'], cfg['accel']), start,
                    undo=lambda v: qemu.stop(paths, 0), local=True, phase=PHASE_SERVICES))
        # its own op: when the guest never gets ready, the start above is in the rollback (QEMU stopped)
        what = {'qmp': 'its QMP socket', 'none': 'nothing'}.get(d['wait_for'], "'%s' on its console" % d['wait_for'])
        plan.add(Op("wait for guest '%s' (%s, up to %d s)" % (name, what, d['wait_timeout']),
                    lambda v: qemu.wait_until(paths, d['wait_for'], d['wait_timeout']), local=True,
                    phase=PHASE_SERVICES))

    @staticmethod
    def _stop_op(d, phase=PHASE_SERVICES):
        paths, timeout = d['paths'], d['stop_timeout']
        return Op("stop guest '%s'" % d['name'], lambda v: qemu.stop(paths, timeout), local=True, phase=phase)

    def _plan_absent(self, plan, d, local, before):
        n = len(plan.ops)
        if local['pids']:
            plan.add(self._stop_op(d, PHASE_DELETE))
        recorded_nics = (local['recorded'] or {}).get('nics') or []
        for tap in sorted(set(nic['tap'] for nic in recorded_nics + d['nic_list'])):
            link = plan.link(HOST, tap)
            if link is not None and link['kind'] == 'tun' and (ownership.owned(link['ifalias'], TAP_OWNER)
                                                               or plan.owns(HOST, tap, link)):
                plan.add(Op("delete TAP '%s'" % tap, links.delete_link(tap), phase=PHASE_DELETE))
        if local['run_dir'] or local['state_dir']:
            paths = d['paths']
            plan.add(Op("remove runtime files and disks of guest '%s'" % d['name'], lambda v: qemu.remove_files(paths),
                        local=True, phase=PHASE_DELETE))
        if len(plan.ops) == n:
            return before
        return {'name': d['name'], 'state': 'absent', 'config': None}

    def returns(self, d, view, local):
        cfg = view.get('config') or {}
        paths = d['paths']
        out = {'state': view['state'], 'pid': qemu.read_pid(paths), 'ssh_user': d['ssh_user']}
        if view['state'] != 'absent':
            out.update(qmp=paths.qmp, serial_log=paths.serial_log, serial_socket=paths.serial_sock,
                       taps=[n['tap'] for n in cfg.get('nics', [])], macs=[n['mac'] for n in cfg.get('nics', [])],
                       accel=cfg.get('accel'), argv=qemu.build_argv(d['name'], cfg, paths) if cfg else [])
        if local and local.get('accel_reason') and d['accel'] == 'auto':
            out['accel_reason'] = local['accel_reason']
        return out


def gone_entry(name):
    """The options of a guest to stop that is no longer declared (pruned, or its lab taken down by name):
    its TAPs from its record, and the stop timeout it was declared with."""
    default = OPTIONS['stop_timeout']['default']
    return dict(name=name, nics=[], stop_timeout=qemu.recorded_stop_timeout(qemu.Paths(name), default))


KIND = Guest()
