# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a run is doing right now, for whoever watches it: a long run - guests booting - shows its step and
for how long it has been at it (the topology action plugin prints it while it waits for the module).

One small file per run, keyed like its lock and intent (`lab/<name>`, `guest/<name>`): the action of the
step being applied, its number, the number of steps, and when it began. Written before each step; removed
when the run ends, however it ends.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import time

from ansible_collections.vnetlab.linux.plugins.module_utils.ownership import prune_empty_dirs, write_atomic

PROGRESS_DIR = '/run/vnetlab/progress'


def path(key):
    return os.path.join(PROGRESS_DIR, hashlib.sha256(key.encode()).hexdigest()[:16] + '.json')


def report(key, action, step, steps):
    """The run `key` is starting step `step` (1-based) of `steps`: `action`. Never fails the run."""
    try:
        os.makedirs(PROGRESS_DIR, 0o755, exist_ok=True)
        write_atomic(path(key), json.dumps({'run': key, 'action': action, 'step': step, 'steps': steps,
                                            'since': time.time(), 'pid': os.getpid()}))
    except OSError:
        pass


def finish(key):
    try:
        os.unlink(path(key))
    except OSError:
        return
    prune_empty_dirs(PROGRESS_DIR, os.path.dirname(PROGRESS_DIR))


def describe(record, now=None):
    """A progress record -> one line: "step 14/16, 42 s: wait for guest 'vm0' (login:, up to 300 s)"."""
    now = time.time() if now is None else now
    return 'step %d/%d, %d s: %s' % (record['step'], record['steps'], max(0, int(now - record['since'])),
                                     record['action'])
