# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Re-apply a persistent lab at boot: what its systemd unit runs (lab/persist.py).

    PYTHONPATH=/var/lib/vnetlab/persistent/<lab>/code.zip \\
        python3 -m ansible_collections.vnetlab.linux.plugins.module_utils.lab.restore <lab>

Converges the definition the topology module saved with state=present - the same code path as the
module (lab/plan.py converge), from the code the module ran (the zip) - and writes what it did to
stdout/stderr, which systemd puts in the journal (`journalctl -u vnetlab-lab-<lab>`), each line with
its priority for journald (<3> error, <4> warning, <6> information). Exit status: 0 done, 1 failed
(the run rolled back what it had done), 2 usage.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys

from ansible_collections.vnetlab.linux.plugins.module_utils import interrupt
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.netlink import (
    HAS_PYROUTE2, PYROUTE2_IMPORT_ERROR, NetlinkError, explain)
from ansible_collections.vnetlab.linux.plugins.module_utils.lab import persist
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.plan import converge
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import LAB_RE, normalize


def _log(priority, text, stream=None):
    """One line per line of text, with its priority for journald (not a module: nothing reads JSON here)."""
    stream = stream or sys.stdout
    for line in str(text).splitlines() or ['']:
        stream.write('<%d>%s\n' % (priority, line))
    stream.flush()


def restore(lab):
    """Converge the saved lab -> the result of lab/plan.py converge (raises VnetlabError)."""
    path = persist.Paths(lab).definition
    try:
        with open(path) as f:
            definition = json.load(f)
    except (OSError, ValueError) as e:
        raise VnetlabError("lab '%s' has no saved definition at %s (%s); apply it again with persistent: true"
                           % (lab, path, e))
    topo = normalize(definition, source=path)
    if topo['lab'] != lab:
        raise VnetlabError("%s is the definition of lab '%s', not '%s'" % (path, topo['lab'], lab))
    return converge(topo, 'present', False, False, with_diff=False)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or not LAB_RE.match(argv[0]):
        _log(3, 'usage: python -m %s <lab>' % persist.RESTORE, sys.stderr)
        return 2
    lab = argv[0]
    if not HAS_PYROUTE2:
        _log(3, 'pyroute2 cannot be imported by %s: %s' % (sys.executable, PYROUTE2_IMPORT_ERROR), sys.stderr)
        return 1
    if os.geteuid() != 0:
        _log(3, 're-applying a lab changes kernel network state: run as root', sys.stderr)
        return 1
    interrupt.catch()  # systemd stops a unit with SIGTERM: roll back like a failure
    try:
        result = restore(lab)
    except VnetlabError as e:
        _log(3, "lab '%s' was not re-applied: %s" % (lab, e), sys.stderr)
        return 1
    except (NetlinkError, OSError) as e:
        _log(3, "lab '%s' was not re-applied: %s" % (lab, explain(e, 'reading kernel state')), sys.stderr)
        return 1
    for action in result['actions']:
        _log(6, action)
    for warning in result.get('warnings', []):
        _log(4, 'warning: %s' % warning)
    _log(5, "lab '%s' %s (%d change%s, %.1f s)" % (
        lab, 're-applied' if result['changed'] else 'was already as declared', len(result['actions']),
        '' if len(result['actions']) == 1 else 's', result['elapsed_ms'] / 1000.0))
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
