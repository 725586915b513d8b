# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reads a topology file on the controller (where PyYAML always is) so that a schema error can name the
file and line, then runs the module with the parsed data as `definition`.

While the module runs on this machine (the local connection), a lab that takes long - guests booting -
shows what it is doing: the run's progress record (module_utils/progress.py), printed every few seconds
once a step has lasted a while: "lab c: step 14/16, 42 s: wait for guest 'vm0' (login: ..., up to 300 s)".

A topology that names hosts (docs/multihost.md) is cut here: each inventory host of the play runs its own
part (lab/hosts.py part_for), with the other hosts' underlay addresses from their variables, so that one
play over the lab's hosts applies the whole lab in parallel."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
import time

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible_collections.vnetlab.linux.plugins.module_utils import progress
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.hosts import is_multihost, part_for, underlay_address
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import load_yaml, normalize
from ansible_collections.vnetlab.linux.plugins.plugin_utils.topology_file import read_text


def read_topology(action, src, with_positions=False):
    """Read and validate a topology file on the controller (searched like copy's src) -> its data (and, when
    asked, the line of each key); errors name the file and the line of a bad key. Shared by the action
    plugins that take `src`."""
    try:
        path = action._find_needle('files', src)
        text = read_text(action._loader, path)  # a vault-encrypted file is decrypted
    except (AnsibleError, OSError) as e:
        raise AnsibleActionFail('src: cannot read the topology file %s: %s' % (src, to_text(e)))
    try:
        data, positions = load_yaml(text, source=src)
        normalize(data, positions, source=src)  # the module validates again, without lines
    except VnetlabError as e:
        raise AnsibleActionFail(to_text(e))
    return (data, positions) if with_positions else data


def host_part(data, task_vars, positions=None, source=None):
    """This inventory host's part of a topology that names hosts, as the module's definition; None when the
    lab has nothing on this host."""
    hostvars = task_vars.get('hostvars') or {}

    def underlay(name):
        try:
            found = hostvars[name] if name in hostvars else None
        except (KeyError, AnsibleError):
            found = None
        address = underlay_address(found)
        if address is None and name == task_vars.get('inventory_hostname'):
            address = underlay_address(task_vars)
        return address
    try:
        return part_for(data, task_vars['inventory_hostname'], underlay, positions, source)
    except VnetlabError as e:
        raise AnsibleActionFail(to_text(e))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(('src', 'definition', 'state', 'prune', 'persistent', 'validate_only'))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = dict(self._task.args)
        src = args.pop('src', None)
        validate_only = boolean(args.pop('validate_only', False), strict=False)
        positions = None
        if src is not None:
            if args.get('definition') is not None:
                raise AnsibleActionFail('src and definition are mutually exclusive: give one of them')
            data, positions = read_topology(self, src, with_positions=True)
        else:
            data = args.get('definition')
            if isinstance(data, str):
                try:
                    data = json.loads(data)
                except ValueError:
                    data = None  # the module says what is wrong with it
        if validate_only:
            return self._validated(result, src, data, task_vars, positions)
        if is_multihost(data):
            data = host_part(data, task_vars, positions, src or 'definition')
            if data is None:
                result.update(changed=False, msg="the lab has nothing on host '%s'" % task_vars['inventory_hostname'])
                return result
        if data is not None:
            args['definition'] = json.dumps(data)  # text: Ansible passes it on as is
        watcher = self._watcher(args.get('definition'), task_vars)
        try:
            result.update(self._execute_module(module_name='vnetlab.linux.topology', module_args=args,
                                               task_vars=task_vars))
        finally:
            if watcher is not None:
                watcher.stop()
        return result

    @staticmethod
    def _validated(result, src, data, task_vars, positions):
        """validate_only: the checks of a real run that need no host (the schema, cross-references, address
        ranges; for a lab across hosts this host's part too), here on the controller. The module is not run, so
        a role can call this before it changes anything on the host (the lab role, before prerequisites)."""
        if src is None:
            if data is None:
                raise AnsibleActionFail('definition: give the topology as a mapping, or JSON text of one (or give '
                                        'src: a topology file)')
            try:
                normalize(data, source='definition')  # a file was validated as it was read
            except VnetlabError as e:
                raise AnsibleActionFail(to_text(e))
        if is_multihost(data):
            host_part(data, task_vars, positions, src or 'definition')
        result.update(changed=False, msg="topology '%s' is valid (checked on the controller: nothing on the host "
                                         'was read or changed)' % data.get('lab'))
        return result

    def _watcher(self, definition, task_vars):
        """A thread that prints the lab's progress while the module runs, when it runs on this machine."""
        if getattr(self._connection, 'transport', None) != 'local' or self._task.check_mode or self._task.async_val:
            return None
        try:
            data = json.loads(definition) if isinstance(definition, str) else definition
            lab = data['lab']
        except (ValueError, TypeError, KeyError):
            return None
        host = (task_vars or {}).get('inventory_hostname', 'localhost')
        return Watcher(progress.path('lab/%s' % lab), '%s: lab %s' % (host, lab))


class Watcher:
    """Prints a run's progress record every `every` seconds once a step has lasted `after` seconds."""

    def __init__(self, path, prefix, after=5.0, every=10.0, start=True):
        self.path, self.prefix, self.after, self.every = path, prefix, after, every
        self.done, self.shown = threading.Event(), {}  # shown: step -> when it was last printed
        self.thread = threading.Thread(target=self._run, name='vnetlab-progress', daemon=True)
        if start:
            self.thread.start()

    def _run(self):
        while not self.done.wait(1.0):
            line = self.poll()
            if line:
                Display().display(line)

    def poll(self, now=None):
        """-> the line to print now, or None (no run, a step that has not lasted, printed a moment ago)."""
        try:
            with open(self.path) as f:
                record = json.load(f)
        except (OSError, ValueError):
            return None
        now = time.time() if now is None else now
        key = (record.get('step'), record.get('action'))
        if now - record.get('since', now) < self.after or now - self.shown.get(key, -self.every) < self.every:
            return None
        self.shown[key] = now
        return '%s: %s' % (self.prefix, progress.describe(record, now))

    def stop(self):
        self.done.set()
        if self.thread.is_alive():
            self.thread.join(5)
