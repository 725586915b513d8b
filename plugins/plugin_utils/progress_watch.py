# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs a long module (a lab with guests, a guest, an image build) and prints its progress while it runs:
"labhost: lab c: step 14/16, 42 s: wait for guest 'vm0' ('vnetlab-guest-ready' on its console, up to 300 s)".

A module reports only when it returns, so the run's progress record (module_utils/progress.py, written on
the managed host before each step) is read while the module runs:

- on this machine (the local connection): a thread reads the file, nothing else changes;
- on a managed host through any other connection: the module runs the way `async:` runs a task (Ansible's
  async_wrapper starts it in the background, and returns at once), then a small command through the host's
  own connection reads the progress record and the job's status file, at first every 0.2 s, backing off to
  every 5 s; once the job has finished, ansible-core's async_status module reads its result. The job's
  directory is this run's own (under the remote temporary directory) and is removed afterwards.

Check mode runs the module as usual; a task that sets `async:` itself runs as any async task.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import secrets
import shlex
import threading
import time

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display
from ansible_collections.vnetlab.linux.plugins.module_utils import progress

display = Display()

# async_wrapper kills a job that runs longer: a safety net only, the module bounds its own waits
JOB_LIMIT = 86400
# A short job is seen finished soon; a long one is polled less and less often, up to every POLL_MAX seconds:
# each poll is a command with become on the host (sudo, a shell), which on an emulated host costs about a
# second of CPU - polled every second, it took a whole vCPU from the guests booting there. Lines are printed
# every 10 s, so polls 5 s apart lose nothing.
POLL_FIRST, POLL_GROWTH, POLL_MAX = 0.2, 1.5, 5.0
POLL_FAILURES = 10  # consecutive failed polls (a connection that dropped) before the task fails
SEPARATOR = '--vnetlab-job--'
# how long a step lasts before it is shown; the tests shorten it, so that a guest that boots fast is shown too
AFTER = float(os.environ.get('VNETLAB_TEST_PROGRESS_AFTER') or 5.0)
JOB_KEYS = ('ansible_job_id', 'started', 'finished', 'results_file')


def execute(action, module_name, module_args, task_vars, key, prefix, remote=True):
    """action._execute_module, printing the progress of run `key` while the module runs. `remote`: False when
    the module's run on a remote host is not worth a background job (it has nothing long to do)."""
    if action._task.async_val:  # the task's own async: as the normal action plugin runs it
        return action._execute_module(module_name=module_name, module_args=module_args, task_vars=task_vars,
                                      wrap_async=not action._connection.has_native_async)
    if action._task.check_mode:
        return action._execute_module(module_name=module_name, module_args=module_args, task_vars=task_vars)
    path = progress.path(key)
    if getattr(action._connection, 'transport', None) == 'local':
        watcher = Watcher(path, prefix)
        try:
            return action._execute_module(module_name=module_name, module_args=module_args, task_vars=task_vars)
        finally:
            watcher.stop()
    if not remote or action._connection.has_native_async or action._connection.always_pipeline_modules:
        return action._execute_module(module_name=module_name, module_args=module_args, task_vars=task_vars)
    return RemoteJob(action, path, prefix).run(module_name, module_args, task_vars)


class Watcher:
    """Prints a run's progress record every `every` seconds once a step has lasted `after` seconds; as a thread
    reading the file itself (`start`), or fed the records read elsewhere (`line`)."""

    def __init__(self, path, prefix, after=AFTER, every=10.0, start=True):
        self.path, self.prefix, self.after, self.every = path, prefix, after, every
        self.done, self.shown = threading.Event(), {}  # shown: step -> when it was last printed
        self.thread = threading.Thread(target=self._run, name='vnetlab-progress', daemon=True)
        if start:
            self.thread.start()

    def _run(self):
        while not self.done.wait(1.0):
            line = self.poll()
            if line:
                display.display(line)

    def poll(self, now=None):
        """-> the line to print now, or None (no run, a step that has not lasted, printed a moment ago)."""
        try:
            with open(self.path) as f:
                return self.line(json.load(f), now)
        except (OSError, ValueError):
            return None

    def line(self, record, now=None):
        if not isinstance(record, dict) or not {'step', 'steps', 'since', 'action'} <= set(record):
            return None
        now = time.time() if now is None else now
        key = (record['step'], record['action'])
        if now - record['since'] < self.after or now - self.shown.get(key, -self.every) < self.every:
            return None
        self.shown[key] = now
        return '%s: %s' % (self.prefix, progress.describe(record, now))

    def stop(self):
        self.done.set()
        if self.thread.is_alive():
            self.thread.join(5)


class RemoteJob:
    """The module as a background job on the managed host, watched through the action's connection."""

    def __init__(self, action, path, prefix):
        self.action, self.path = action, path
        self.watcher = Watcher(path, prefix, start=False)
        # this job's own directory, where the become user's temporary files go: async_wrapper creates it, and
        # expands `~` as a shell does for the polls (no round trip to expand it here)
        base = action.get_shell_option('remote_tmp', default='~/.ansible/tmp')
        self.jobdir = action._connection._shell.join_path(base, 'vnetlab-job-%s' % secrets.token_hex(8))

    def run(self, module_name, module_args, task_vars):
        try:
            started = self._start(module_name, module_args, task_vars)
            jid = started.get('ansible_job_id')
            if started.get('failed') or not jid:
                return started
            self._wait(self.action._connection._shell.join_path(self.jobdir, jid))
            result = self._result(jid, task_vars)
        finally:
            self._remove()
        for k in JOB_KEYS:
            result.pop(k, None)
        return result

    def _start(self, module_name, module_args, task_vars):
        """async_wrapper with this job's directory (Ansible takes it from the shell's async_dir) and limit."""
        action, shell = self.action, self.action._connection._shell
        saved_dir, saved_limit = shell.get_option('async_dir'), action._task.async_val
        shell.set_option('async_dir', self.jobdir)
        action._task.async_val = JOB_LIMIT
        try:
            return action._execute_module(module_name=module_name, module_args=module_args, task_vars=task_vars,
                                          wrap_async=True)
        finally:
            action._task.async_val = saved_limit
            shell.set_option('async_dir', saved_dir)

    def _wait(self, job_file):
        """Until the job has written its result: print the progress record's lines as they come; -> the result."""
        # the host's clock too: a step's duration is its own clock's, whatever the controller's says
        command = 'cat %s 2>/dev/null; echo; echo %s; date +%%s; echo %s; cat %s 2>/dev/null' % (
            shlex.quote(self.path), SEPARATOR, SEPARATOR, sh_path(job_file))
        delay, failures = POLL_FIRST, 0
        while True:
            time.sleep(delay)
            delay = min(max(delay * POLL_GROWTH, 1.0), POLL_MAX)
            try:
                out = self._command(command)
            except AnsibleError as e:  # as Ansible's own polling: a poll may fail, the job goes on
                failures += 1
                display.vvvv('vnetlab: polling the job failed (%d): %s' % (failures, e))
                if failures >= POLL_FAILURES:
                    raise
                continue
            failures = 0
            record, now, status = parse_poll(out)
            line = self.watcher.line(record, now)
            if line:
                display.display(line)
            if job_finished(status):
                return

    def _result(self, jid, task_vars):
        """The finished job's result, read by ansible-core's own async_status module, as the async_status action
        reads it: Ansible parses and cleans the module's result itself, whatever its version's format (2.19
        and 2.21 changed it; parsing it here would depend on ansible-core's internals)."""
        return self.action._execute_module(module_name='ansible.legacy.async_status', task_vars=task_vars,
                                           module_args={'jid': jid, '_async_dir': self.jobdir})

    def _remove(self):
        try:
            self._command('rm -rf -- %s' % sh_path(self.jobdir))
        except AnsibleError as e:  # the task's own error, if any, is the one to report
            display.warning('vnetlab: could not remove the job directory %s: %s' % (self.jobdir, e))

    def _command(self, command):
        result = self.action._low_level_execute_command(command, sudoable=True)
        if result.get('rc') not in (0, None):
            raise AnsibleError('%s: rc %s: %s' % (command, result.get('rc'), result.get('stderr', '')))
        return result.get('stdout', '')


def sh_path(path):
    """A path quoted for sh, with a leading `~` or `~user` left for the shell to expand."""
    head, sep, tail = path.partition('/')
    if head.startswith('~') and re.match(r'^~[A-Za-z0-9._-]*$', head):
        return head + sep + (shlex.quote(tail) if tail else '')
    return shlex.quote(path)


def parse_poll(out):
    """The output of one poll -> (the progress record or None, the host's time or None, the job file's data
    or None)."""
    parts = (out.split(SEPARATOR, 2) + ['', ''])[:3]
    now = _json(parts[1])
    return _json(parts[0]), now if isinstance(now, (int, float)) else None, _json(parts[2])


def _json(text):
    try:
        return json.loads(text.strip())
    except ValueError:
        return None


def job_finished(status):
    """As async_status decides: the job file exists, and it is the module's result rather than the
    placeholder that async_wrapper writes first ({"started": 1, "finished": 0, ...})."""
    return isinstance(status, dict) and ('started' not in status or bool(status.get('finished')))


class ProgressAction(ActionBase):
    """The action plugin of a module that runs as it is, its progress shown while it runs (execute above).
    A subclass names the module and says, from the task's arguments, its run's key, how its lines begin,
    and whether the run can be long (worth a background job on a remote host)."""
    TRANSFERS_FILES = False
    _supports_async = True  # async: as any module (execute)
    MODULE = None

    def progress(self, args):
        """-> (the key of the module's run, what its lines name, whether it can be long)"""
        raise NotImplementedError

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = dict(self._task.args)
        key, what, slow = self.progress(args)
        host = task_vars.get('inventory_hostname', 'localhost')
        result.update(execute(self, self.MODULE, args, task_vars, key, '%s: %s' % (host, what), remote=slow))
        return result
