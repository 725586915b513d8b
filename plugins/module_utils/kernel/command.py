# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way vnetlab runs a program: an argument list (never a shell string), a timeout, and an
error that names the command and what it printed. Only for what no library does (nft, iptables,
qemu-img, apt-get, dot)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import subprocess

from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError

DEFAULT_TIMEOUT = 120.0


def run(argv, what, stdin=None, ok_codes=(0,), timeout=DEFAULT_TIMEOUT, cwd=None, binary=False):
    """Run argv; -> CompletedProcess. Raises VnetlabError('<what> failed: <argv[0]> ...') when the
    program is missing, times out, or exits with a code not in ok_codes (an error exit is never read
    as an answer)."""
    try:
        # not AnsibleModule.run_command: it has no timeout, and the engine also runs without a module
        proc = subprocess.run(argv, input=stdin, capture_output=True, text=not binary, cwd=cwd,  # pylint: disable=ansible-bad-function
                              timeout=timeout, check=False)
    except OSError as e:
        raise VnetlabError('%s failed: %s: %s' % (what, argv[0], e.strerror))
    except subprocess.TimeoutExpired:
        raise VnetlabError('%s failed: %s did not finish within %d s' % (what, ' '.join(argv[:3]), timeout))
    if proc.returncode not in ok_codes:
        err = proc.stderr or proc.stdout or ''
        if binary:
            err = err.decode('utf-8', 'replace')
        raise VnetlabError('%s failed: %s exited with %d: %s' % (what, ' '.join(argv[:3]), proc.returncode,
                                                                 err.strip()[-800:]))
    return proc
