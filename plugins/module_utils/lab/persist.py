# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A persistent lab (topology `persistent: true`): a systemd unit re-applies the lab at every boot.

What the topology module leaves on the host for that, all of it the lab's:

    /var/lib/vnetlab/persistent/<lab>/definition.json   the definition this host applied (its part of a
                                                        lab across hosts), as the module received it
    /var/lib/vnetlab/persistent/<lab>/code.zip          the collection's module_utils and the parts of
                                                        ansible.module_utils they use: the code the module
                                                        itself ran, taken from its loaders (AnsiballZ's zip
                                                        or a directory) - a deterministic zip, so that an
                                                        unchanged collection rewrites nothing
    /etc/systemd/system/vnetlab-lab-<lab>.service       Type=oneshot: `<python> -m ...lab.restore <lab>`
                                                        with PYTHONPATH=code.zip (lab/restore.py)

The boot-time run needs neither Ansible nor the controller: the same interpreter the module ran under (it
has pyroute2), the zip, and the definition. The unit file's first line names the lab; a file there
without it is not ours and is never overwritten or removed.

Planning is pure over what read_local() found, and its steps are engine Ops of the lab's run, so check
mode, diff, `changed` and the rollback of a failed run work as for the rest of the lab.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import importlib.machinery
import io
import json
import os
import re
import shutil
import sys
import zipfile

from ansible_collections.vnetlab.linux.plugins.module_utils import ownership
from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError, VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.guest import qemu
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.command import run as _run
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import LAB_RE

BASE = os.path.join(qemu.STATE_DIR, 'persistent')
UNIT_DIR = '/etc/systemd/system'
SYSTEMD_RUNNING = '/run/systemd/system'  # exists when systemd is the init system (sd_booted)
WANTED_BY = 'multi-user.target'
# Test-only: write the unit into this directory and enable it there by symlink, as `systemctl enable`
# would, without systemctl and without needing systemd as PID 1 (tests/integration/test_persistent.py).
TEST_UNIT_DIR_ENV = 'VNETLAB_TEST_UNIT_DIR'

OURS = 'ansible_collections.vnetlab.linux.plugins.module_utils'
PACKAGES = (OURS, 'ansible.module_utils')
RESTORE = OURS + '.lab.restore'
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: the same bytes for the same code
_PYTHON_RE = re.compile(r'^/[A-Za-z0-9/._+-]+$')


def unit_name(lab):
    return 'vnetlab-lab-%s.service' % lab


def unit_dir():
    return os.environ.get(TEST_UNIT_DIR_ENV) or UNIT_DIR


def managed_by_systemctl():
    """Whether the unit is enabled and reloaded through systemctl (else: the test hook's directory, or a
    host without systemd where a unit of ours is only removed)."""
    return not os.environ.get(TEST_UNIT_DIR_ENV) and os.path.isdir(SYSTEMD_RUNNING)


class Paths:
    def __init__(self, lab):
        self.dir = os.path.join(BASE, lab)
        self.definition = os.path.join(self.dir, 'definition.json')
        self.code = os.path.join(self.dir, 'code.zip')
        self.unit = os.path.join(unit_dir(), unit_name(lab))
        self.wants = os.path.join(unit_dir(), WANTED_BY + '.wants', unit_name(lab))


def header(lab):
    """The unit file's first line: how a unit of ours is told from one someone else wrote."""
    return '# %s - written by vnetlab.linux.topology (persistent: true); removed with the lab' % ownership.mark(lab)


def is_ours(text, lab):
    return text is not None and text.split('\n', 1)[0] == header(lab)


# ------------------------------------------------------------------------------------------------
# the files (pure)
# ------------------------------------------------------------------------------------------------

def unit_text(lab, python, paths, topo):
    """The unit: oneshot, after the network and nftables (which may flush the ruleset at start), waiting
    for the mounts the lab's files are on, with time for its guests to boot."""
    if not _PYTHON_RE.match(python):
        raise ParamError('persistent', "the interpreter path '%s' cannot go into a systemd unit as it is; "
                                       "use an ansible_python_interpreter without spaces or quotes" % python)
    timeout = 300 + sum(g['wait_timeout'] for g in topo['guests'])
    mounts = set([paths.dir])
    if topo['guests']:
        mounts.add(os.path.join(qemu.STATE_DIR, 'guests'))
    for g in topo['guests']:
        mounts.update(os.path.dirname(g[k]) for k in ('image', 'kernel', 'initrd', 'firmware') if g[k])
    return '\n'.join([
        header(lab),
        '[Unit]',
        'Description=vnetlab lab %s (re-applied at boot)' % lab,
        'Documentation=https://github.com/vnetlab/vnetlab.linux/blob/main/docs/reboot.md',
        'Wants=network-online.target',
        'After=network-online.target nftables.service',
        'RequiresMountsFor=%s' % ' '.join(sorted(mounts)),
        '',
        '[Service]',
        'Type=oneshot',
        'RemainAfterExit=yes',
        'Environment=PYTHONPATH=%s' % paths.code,
        'Environment=PYTHONUNBUFFERED=1',
        'ExecStart=%s -m %s %s' % (python, RESTORE, lab),
        'SyslogIdentifier=vnetlab-lab-%s' % lab,
        'TimeoutStartSec=%d' % timeout,
        '',
        '[Install]',
        'WantedBy=%s' % WANTED_BY,
        '',
    ])


def definition_text(definition):
    """The definition as saved: canonical JSON, so that the same lab writes the same bytes."""
    return json.dumps(definition, sort_keys=True, indent=1) + '\n'


def code_zip(modules=None):
    """A zip of the collection's module_utils and of ansible.module_utils as loaded in this process (the
    code this module runs), each module's source from its own loader: a directory, or AnsiballZ's zip.
    Packages above them get an empty __init__.py (ansible's own would import the controller). Sorted, one
    fixed timestamp and mode: the same code gives the same bytes. -> bytes"""
    if modules is None:
        __import__(RESTORE)  # the entry point and what it imports are part of it
        modules = sys.modules
    files = {}
    names = set(n for n in list(modules) if any(n == p or n.startswith(p + '.') for p in PACKAGES))
    if 'ansible.module_utils.distro' in names:
        # imported only where the host has no `distro` package of its own: the boot-time run may need it
        names.add('ansible.module_utils.distro._distro')
    for name in sorted(names):
        if name in modules and modules[name] is None:
            continue
        found = _source(name, modules)
        if found is None:
            if name.startswith(OURS) and not hasattr(modules[name], '__path__'):
                raise VnetlabError('persistent: the source of %s cannot be read from its loader; it is needed to '
                                   're-apply the lab at boot' % name)
            continue  # made up at runtime (six.moves), or a namespace package: an empty __init__.py below
        path, source = found
        files[path] = source
    for path in list(files):
        parts = path.split('/')[:-1]
        for i in range(1, len(parts) + 1):
            files.setdefault('/'.join(parts[:i]) + '/__init__.py', '')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w') as z:
        for path in sorted(files):
            info = zipfile.ZipInfo(path, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so that the mode below is read
            info.external_attr = 0o644 << 16
            z.writestr(info, files[path].encode('utf-8'))
    return buf.getvalue()


def _source(name, modules):
    """(path in the zip, source) of the module `name` as its parent's path holds it - found again by name,
    not taken from the object in sys.modules, which may be another module (ansible.module_utils.distro puts
    its _distro there) - or None."""
    search = _search_path(name.rpartition('.')[0], modules)
    if search is None:
        return None
    try:
        spec = importlib.machinery.PathFinder.find_spec(name, list(search))
        source = spec.loader.get_source(name) if spec is not None and spec.loader is not None else None
    except (ImportError, OSError, AttributeError):
        return None
    if source is None:
        return None
    package = spec.submodule_search_locations is not None
    return name.replace('.', '/') + ('/__init__.py' if package else '.py'), source


def _search_path(package, modules):
    """Where the submodules of `package` are: its __path__ when sys.modules holds the package itself, else
    found again by name from its own parent (sys.modules['ansible.module_utils.distro'] is the bundled
    _distro module, not the package that holds it)."""
    if not package:
        return sys.path
    mod = modules.get(package)
    if mod is not None and getattr(mod, '__name__', None) == package and hasattr(mod, '__path__'):
        return mod.__path__
    search = _search_path(package.rpartition('.')[0], modules)
    if search is None:
        return None
    try:
        spec = importlib.machinery.PathFinder.find_spec(package, list(search))
    except (ImportError, OSError, AttributeError):
        return None
    return spec.submodule_search_locations if spec is not None else None


def check_paths(topo):
    """A boot-time run starts in /: a guest file given by a relative path would not be found."""
    for i, g in enumerate(topo['guests']):
        for key in ('image', 'kernel', 'initrd', 'firmware'):
            if g[key] and not os.path.isabs(g[key]):
                raise ParamError('persistent', "guests[%d].%s '%s' is a relative path; a persistent lab is "
                                               "re-applied at boot from /: give an absolute path" % (i, key, g[key]))


# ------------------------------------------------------------------------------------------------
# read, plan, apply
# ------------------------------------------------------------------------------------------------

def _read(path, binary=False):
    try:
        with open(path, 'rb' if binary else 'r') as f:
            return f.read()
    except OSError:
        return None


def read_local(lab):
    """What the host has of the lab's persistence: its files, its unit, whether the unit is enabled."""
    paths = Paths(lab)
    unit = _read(paths.unit)
    if unit is not None and managed_by_systemctl():
        proc = _run(['systemctl', 'is-enabled', unit_name(lab)], 'asking systemd about %s' % unit_name(lab),
                    ok_codes=(0, 1))
        enabled = proc.stdout.strip() in ('enabled', 'enabled-runtime')
    else:
        enabled = os.path.islink(paths.wants)
    return {'paths': paths, 'unit': unit, 'ours': is_ours(unit, lab), 'enabled': enabled,
            'definition': _read(paths.definition), 'code': _read(paths.code, binary=True),
            'dir': os.path.isdir(paths.dir)}


def view(local):
    """The lab's persistence for the diff: its unit, whether it is enabled, what the saved files hold."""
    if local['unit'] is None and not local['dir']:
        return {'persistent': False}
    return {'persistent': bool(local['ours'] and local['enabled']),
            'unit': local['paths'].unit if local['ours'] else None, 'enabled': local['enabled'],
            'definition_sha256': _digest(local['definition']), 'code_sha256': _digest(local['code'])}


def _digest(data):
    if data is None:
        return None
    return hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest()


def plan(plan_, lab, wanted, definition, topo, local, phase, python=None):
    """Add the ops that make the lab's persistence as wanted -> its view after. Raises ParamError before
    anything changes when it cannot be made (no systemd, a unit that is not ours, relative guest files)."""
    paths = local['paths']
    if not wanted:
        return _plan_remove(plan_, lab, local, phase)
    if not os.environ.get(TEST_UNIT_DIR_ENV) and not os.path.isdir(SYSTEMD_RUNNING):
        raise ParamError('persistent', 'needs systemd as the init system, which re-applies the lab at boot; '
                                       '%s does not exist on this host (no systemd running)' % SYSTEMD_RUNNING)
    if local['unit'] is not None and not local['ours']:
        raise ParamError('persistent', "%s exists and was not written by vnetlab for lab '%s' (its first line is "
                                       "not '%s'); remove it or rename the lab" % (paths.unit, lab, header(lab)))
    check_paths(topo)
    text = unit_text(lab, python or sys.executable, paths, topo)
    saved = definition_text(definition)
    code = code_zip()
    if local['definition'] != saved or local['code'] != code:
        old = (local['definition'], local['code'])
        plan_.add(Op("save lab '%s' for boot in %s" % (lab, paths.dir), lambda v: _save(paths, saved, code),
                     undo=lambda v: _restore_files(paths, old), local=True, phase=phase))
    if local['unit'] != text:
        old_unit = local['unit']
        plan_.add(Op('%s systemd unit %s' % ('install' if old_unit is None else 'update', unit_name(lab)),
                     lambda v: _write_unit(paths, text), undo=lambda v: _put_back_unit(paths, old_unit),
                     local=True, phase=phase))
    if not local['enabled']:
        plan_.add(Op('enable systemd unit %s (%s)' % (unit_name(lab), WANTED_BY), lambda v: _enable(lab, paths),
                     undo=lambda v: _disable(lab, paths), local=True, phase=phase))
    return {'persistent': True, 'unit': paths.unit, 'enabled': True, 'definition_sha256': _digest(saved),
            'code_sha256': _digest(code)}


def _plan_remove(plan_, lab, local, phase):
    paths = local['paths']
    if local['unit'] is not None and not local['ours']:
        plan_.warnings.append("%s was not written by vnetlab for lab '%s': left alone" % (paths.unit, lab))
    elif local['unit'] is not None or local['enabled']:
        plan_.add(Op('disable and remove systemd unit %s' % unit_name(lab), lambda v: _remove_unit(lab, paths),
                     local=True, phase=phase))
    if local['dir']:
        plan_.add(Op('remove the saved lab %s' % paths.dir, lambda v: _remove_dir(paths), local=True, phase=phase))
    return {'persistent': False}


def _save(paths, saved, code):
    os.makedirs(paths.dir, 0o700, exist_ok=True)  # the definition may hold secrets (user-data)
    os.chmod(paths.dir, 0o700)
    ownership.write_atomic(paths.definition, saved, 0o600)
    ownership.write_atomic(paths.code, code, 0o600, binary=True)


def _restore_files(paths, old):
    for path, data, binary in ((paths.definition, old[0], False), (paths.code, old[1], True)):
        if data is None:
            _unlink(path)
        else:
            ownership.write_atomic(path, data, 0o600, binary=binary)
    if old == (None, None):
        _remove_dir(paths)


def _write_unit(paths, text):
    os.makedirs(os.path.dirname(paths.unit), 0o755, exist_ok=True)
    ownership.write_atomic(paths.unit, text, 0o644)
    _daemon_reload()


def _put_back_unit(paths, old):
    if old is None:
        _unlink(paths.unit)
    else:
        ownership.write_atomic(paths.unit, old, 0o644)
    _daemon_reload()


def _daemon_reload():
    if managed_by_systemctl():
        _run(['systemctl', 'daemon-reload'], 'reloading systemd')


def _enable(lab, paths):
    if managed_by_systemctl():
        _run(['systemctl', 'enable', unit_name(lab)], 'enabling %s' % unit_name(lab))
        return
    os.makedirs(os.path.dirname(paths.wants), 0o755, exist_ok=True)
    if not os.path.islink(paths.wants):
        os.symlink(os.path.join('..', unit_name(lab)), paths.wants)


def _disable(lab, paths):
    if managed_by_systemctl():
        _run(['systemctl', 'disable', unit_name(lab)], 'disabling %s' % unit_name(lab))
        return
    if os.path.islink(paths.wants) and os.path.basename(os.readlink(paths.wants)) == unit_name(lab):
        _unlink(paths.wants)


def _remove_unit(lab, paths):
    """Disable, then remove the file (only ours: read_local checked its header), then reload."""
    _disable(lab, paths)
    if is_ours(_read(paths.unit), lab):
        _unlink(paths.unit)
    _daemon_reload()


def _remove_dir(paths):
    shutil.rmtree(paths.dir, ignore_errors=True)
    ownership.prune_empty_dirs(BASE, qemu.STATE_DIR)


def _unlink(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def persistent_labs():
    """{lab: view} of every lab with a saved definition or a unit of ours on this host (sweep, inspect)."""
    out = {}
    names = set()
    try:
        names.update(os.listdir(BASE))
    except OSError:
        pass
    try:
        names.update(n[len('vnetlab-lab-'):-len('.service')] for n in os.listdir(unit_dir())
                     if n.startswith('vnetlab-lab-') and n.endswith('.service'))
    except OSError:
        pass
    for lab in sorted(n for n in names if LAB_RE.match(n)):
        local = read_local(lab)
        if local['ours'] or local['dir']:
            out[lab] = view(local)
    return out
