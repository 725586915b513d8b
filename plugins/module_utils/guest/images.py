# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The `minimal` guest image: a distro kernel and a busybox initramfs, built offline from packages.

The arch's kernel package and busybox-static are downloaded with apt into a private state directory
(so a cross-arch download needs no `dpkg --add-architecture` on the host) and unpacked, not installed.
The initramfs is written here as a gzip'd cpio (newc) archive, so no cpio/initramfs-tools is needed.
Its /init loads the virtio modules in dependency order, configures eth0 from the kernel command line
(vnetlab.ip=ADDR/PREFIX vnetlab.gw=GATEWAY vnetlab.hostname=NAME) and runs a shell on the console.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import gzip
import hashlib
import io
import json
import os
import shutil
import stat
import tempfile

from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.command import run as _command
from ansible_collections.vnetlab.linux.plugins.module_utils.ownership import write_atomic

BUILDER_VERSION = 1
DEB_ARCH = {'x86_64': 'amd64', 'aarch64': 'arm64'}
# what a guest on a virtio NIC (PCI on both `pc`/`q35` and aarch64 `virt`) needs; dependencies
# (virtio, virtio_ring, failover, net_failover, ...) are found from each module's own `depends=`.
WANTED_MODULES = ['virtio_pci', 'virtio_net', 'virtio_blk', 'virtio_console', 'virtio_rng']
READY_MARK = 'vnetlab-guest-ready'

INIT = r'''#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /tmp /run && mount -t devpts devpts /dev/pts
for m in $(cat /etc/vnetlab/modules); do insmod "/lib/modules/$m" 2>/dev/null; done
IP=; GW=; NAME=vnetlab-guest
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    vnetlab.ip=*) IP="${arg#vnetlab.ip=}" ;;
    vnetlab.gw=*) GW="${arg#vnetlab.gw=}" ;;
    vnetlab.hostname=*) NAME="${arg#vnetlab.hostname=}" ;;
  esac
done
hostname "$NAME"
ip link set lo up
for i in 1 2 3 4 5 6 7 8 9 10; do [ -e /sys/class/net/eth0 ] && break; sleep 0.2; done
ip link set eth0 up 2>/dev/null
[ -n "$IP" ] && ip addr add "$IP" dev eth0
[ -n "$GW" ] && ip route add default via "$GW"
echo "=== vnetlab guest: $NAME ==="
ip -4 addr show eth0 2>/dev/null | grep inet
echo "@READY@"
export PS1='# '
while true; do setsid cttyhack sh; done
'''.replace('@READY@', READY_MARK)


def apt_options(state_dir, deb_arch):
    """apt-get options for a private package cache: the host's sources, its own lists, one arch."""
    return ['-o', 'Dir::State::Lists=%s' % os.path.join(state_dir, 'lists'),
            '-o', 'Dir::Cache=%s' % os.path.join(state_dir, 'cache'),
            '-o', 'Dir::State::status=/dev/null',
            '-o', 'APT::Architecture=%s' % deb_arch,
            '-o', 'APT::Architectures::=%s' % deb_arch,
            '-o', 'Debug::NoLocking=1']


def run(cmd, cwd=None, timeout=600):
    return _command(cmd, ' '.join(cmd[:2]), cwd=cwd, timeout=timeout).stdout


def download_packages(work, deb_arch, kernel_package):
    """Download busybox-static and the kernel (meta package plus its linux-image/linux-modules deps)."""
    for d in ('lists/partial', 'cache/archives/partial', 'debs'):
        os.makedirs(os.path.join(work, 'apt', d), exist_ok=True)
    opts = apt_options(os.path.join(work, 'apt'), deb_arch)
    run(['apt-get'] + opts + ['update'], timeout=600)
    wanted, queue = [], [kernel_package]
    while queue:  # follow linux-image-*/linux-modules-* dependencies (Ubuntu splits the modules out)
        pkg = queue.pop()
        wanted.append(pkg)
        for line in run(['apt-cache'] + opts + ['depends', pkg + ':' + deb_arch]).splitlines():
            line = line.strip()
            if line.startswith('Depends:'):
                dep = line.split()[1].split(':')[0]
                if dep.startswith(('linux-image-', 'linux-modules-')) and dep not in wanted:
                    queue.append(dep)
    debs = os.path.join(work, 'apt', 'debs')
    run(['apt-get'] + opts + ['download', 'busybox-static:' + deb_arch] + [p + ':' + deb_arch for p in wanted],
        cwd=debs)
    root = os.path.join(work, 'root')
    for deb in sorted(glob.glob(os.path.join(debs, '*.deb'))):
        run(['dpkg-deb', '-x', deb, root])
    return root


def module_depends(path):
    """The `depends=` list from a .ko's .modinfo section."""
    with open(path, 'rb') as f:
        data = f.read()
    at = data.find(b'\0depends=')
    if at < 0:
        return []
    value = data[at + 9:data.index(b'\0', at + 9)].decode()
    return [d for d in value.split(',') if d]


def module_order(modules_dir, wanted):
    """Paths (relative to modules_dir) of `wanted` and their dependencies, dependencies first."""
    by_name = {}
    for dirpath, _dirs, files in os.walk(modules_dir):
        for f in files:
            if f.endswith('.ko'):
                by_name[f[:-3].replace('-', '_')] = os.path.join(dirpath, f)
    order = []

    def visit(name, trail):
        if name in order:
            return
        if name not in by_name:
            return  # built into the kernel
        if name in trail:
            raise VnetlabError('module dependency cycle at %s' % name)
        for dep in module_depends(by_name[name]):
            visit(dep.replace('-', '_'), trail + [name])
        order.append(name)
    for name in wanted:
        visit(name, [])
    return [os.path.relpath(by_name[n], modules_dir) for n in order]


class Cpio:
    """A minimal newc writer: enough for an initramfs."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.ino = 1

    def _entry(self, name, mode, data=b'', nlink=1):
        name_b = name.encode() + b'\0'
        header = '070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x' % (
            self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(name_b), 0)
        self.ino += 1
        self.buf.write(header.encode() + name_b)
        self.buf.write(b'\0' * ((4 - (110 + len(name_b)) % 4) % 4))
        self.buf.write(data)
        self.buf.write(b'\0' * ((4 - len(data) % 4) % 4))

    def dir(self, name):
        self._entry(name, stat.S_IFDIR | 0o755, nlink=2)

    def file(self, name, data, mode=0o644):
        self._entry(name, stat.S_IFREG | mode, data)

    def node(self, name, mode):
        self._entry(name, mode)

    def finish(self):
        self._entry('TRAILER!!!', 0)
        return self.buf.getvalue()


def build_initramfs(root, kernel_version):
    modules_dir = os.path.join(root, 'lib', 'modules', kernel_version)
    order = module_order(modules_dir, WANTED_MODULES)
    archive = Cpio()
    for d in ('bin', 'sbin', 'dev', 'etc', 'etc/vnetlab', 'lib', 'lib/modules', 'proc', 'sys', 'tmp', 'run',
              'root', 'usr', 'usr/bin', 'usr/sbin'):
        archive.dir(d)
    archive.node('dev/console', stat.S_IFCHR | 0o600)  # devtmpfs replaces /dev; this is for early printk
    with open(os.path.join(root, 'bin', 'busybox'), 'rb') as f:
        archive.file('bin/busybox', f.read(), 0o755)
    for rel in order:
        parent = 'lib/modules'
        with open(os.path.join(modules_dir, rel), 'rb') as f:
            archive.file('%s/%s' % (parent, os.path.basename(rel)), f.read())
    archive.file('etc/vnetlab/modules', ('\n'.join(os.path.basename(r) for r in order) + '\n').encode())
    archive.file('etc/passwd', b'root:x:0:0:root:/root:/bin/sh\n')
    archive.file('init', INIT.encode(), 0o755)
    return gzip.compress(archive.finish(), 6), [os.path.basename(r)[:-3] for r in order]


def fingerprint(arch, kernel_package):
    return hashlib.sha256(json.dumps([BUILDER_VERSION, arch, kernel_package, INIT, WANTED_MODULES]).encode()
                          ).hexdigest()[:16]


MANIFEST = 'manifest.json'
OUR_FILES = ('kernel', 'initrd.img', MANIFEST)


def default_kernel_package(arch):
    return 'linux-image-cloud-%s' % DEB_ARCH[arch]


def image_files(dest):
    """The kernel and initramfs paths of the minimal image in dest (build_minimal writes them there)."""
    return os.path.join(dest, 'kernel'), os.path.join(dest, 'initrd.img')


def ready_manifest(dest, arch, kernel_package=None):
    """The manifest of a complete minimal image for arch in dest made by this builder (with kernel_package,
    or with whichever package it was built from when None), else None: missing, half-built, stale."""
    manifest = read_manifest(dest)
    if manifest is None or manifest.get('arch') != arch:
        return None
    package = kernel_package or manifest.get('kernel_package') or ''
    if manifest.get('fingerprint') != fingerprint(arch, package):
        return None
    return manifest if all(os.path.exists(path) for path in image_files(dest)) else None


def read_manifest(dest):
    try:
        with open(os.path.join(dest, MANIFEST)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def remove_image(dest):
    """Remove what build_minimal wrote in dest - only the files its manifest lists, the manifest last -
    and dest itself only when we created it and it is empty now. Someone else's files stay."""
    manifest = read_manifest(dest) or {}
    names = [n for n in manifest.get('files', OUR_FILES) if n in OUR_FILES]
    for name in sorted(names, key=lambda n: n == MANIFEST):
        try:
            os.unlink(os.path.join(dest, name))
        except FileNotFoundError:
            pass
    if manifest.get('made_dest'):
        try:
            os.rmdir(dest)
        except OSError:  # not empty: someone else's files are in it
            pass


def build_minimal(arch, dest, kernel_package):
    """Build into dest (kernel, initrd.img, manifest.json); returns the manifest."""
    deb_arch = DEB_ARCH[arch]
    work = tempfile.mkdtemp(prefix='vnetlab-image-')
    try:
        root = download_packages(work, deb_arch, kernel_package)
        kernels = sorted(glob.glob(os.path.join(root, 'boot', 'vmlinuz-*')))
        if not kernels:
            raise VnetlabError("kernel_package: '%s' for %s contains no /boot/vmlinuz-*" % (kernel_package, deb_arch))
        kernel = kernels[-1]
        version = os.path.basename(kernel)[len('vmlinuz-'):]
        initrd, modules = build_initramfs(root, version)
        made_dest = not os.path.isdir(dest)
        old = read_manifest(dest)
        os.makedirs(dest, exist_ok=True)
        kernel_path, initrd_path = image_files(dest)
        with open(kernel, 'rb') as f:
            write_atomic(kernel_path, f.read(), binary=True)
        write_atomic(initrd_path, initrd, binary=True)
        # the manifest comes last: a build killed half-way leaves none, and the next run builds again;
        # it also lists the files we wrote, the only ones state=absent removes
        manifest = {'arch': arch, 'kernel_package': kernel_package, 'kernel_version': version,
                    'modules': modules, 'fingerprint': fingerprint(arch, kernel_package),
                    'kernel': kernel_path, 'initrd': initrd_path,
                    'console': console_for(arch), 'ready_regex': READY_MARK, 'files': list(OUR_FILES),
                    'made_dest': made_dest or bool(old and old.get('made_dest'))}
        write_atomic(os.path.join(dest, MANIFEST), json.dumps(manifest, indent=1, sort_keys=True))
        return manifest
    finally:
        shutil.rmtree(work, ignore_errors=True)


def console_for(arch):
    return 'ttyAMA0' if arch == 'aarch64' else 'ttyS0'
