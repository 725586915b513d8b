# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a shell command in a guest through its serial console (the unix socket QEMU serves).

The command is framed by markers printed with printf and a random token passed as an argument, so
the terminal's echo of what we type (which contains the format, not the token) never matches; the
exit status travels in the end marker. Markers and command go in one typed line, the command inside
`eval` (in a subshell): the shell has read (and the terminal echoed) all of it before anything runs, so no echo lands
among the output - an end marker typed as a second line was echoed while the command ran, and a
terminal that wraps the echo left a fragment of it in the output. A login prompt is answered with the
given account."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import os
import re
import socket
import time

from ansible_collections.vnetlab.linux.plugins.module_utils.errors import VnetlabError

_ANSI = re.compile(r'\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r')
_PROMPT = re.compile(r'(?:[#$>] ?)$')
_LOGIN = re.compile(r'login: ?$')
_PASSWORD = re.compile(r'[Pp]assword: ?$')


def clean(text):
    return _ANSI.sub('', text)


class Console:
    def __init__(self, path, deadline):
        self.deadline = deadline
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(5)
        try:
            self.sock.connect(path)
        except OSError as e:
            raise VnetlabError("the guest's serial console %s is not reachable (%s): is the guest running?"
                               % (path, os.strerror(e.errno) if e.errno else e))
        self.seen = ''

    def send(self, text):
        self.sock.sendall(text.encode())

    def read_until(self, patterns, poke=None, poke_every=1.0):
        """Read until the cleaned tail matches one of patterns; returns its index."""
        last_poke = 0
        while time.time() < self.deadline:
            tail = clean(self.seen)[-300:].rstrip('\n')
            for i, pattern in enumerate(patterns):
                if pattern.search(tail):
                    return i
            if poke is not None and time.time() - last_poke > poke_every:
                self.send(poke)
                last_poke = time.time()
            self.sock.settimeout(max(0.05, min(0.5, self.deadline - time.time())))
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise VnetlabError('the serial console closed the connection')
            text = chunk.decode('utf-8', 'replace')
            if '\x1b[6n' in text:  # busybox ash asks where the cursor is; answer like a terminal would
                self.send('\x1b[24;1R')
            self.seen += text
        raise VnetlabError('timeout (timeout) waiting on the serial console; it last showed:\n%s'
                           % clean(self.seen)[-800:])

    def close(self):
        self.sock.close()


def run_command(path, command, timeout, username=None, password=None):
    """-> (rc, stdout) of `command` run by the console's shell."""
    console = Console(path, time.time() + timeout)
    try:
        which = console.read_until([_LOGIN, _PASSWORD, _PROMPT], poke='\r')
        if which == 1:  # a half-finished login from an earlier session
            console.send('\r')
            which = console.read_until([_LOGIN, _PROMPT])
        if which == 0:
            if not username:
                raise VnetlabError('the guest asks for a login: give username and password')
            console.seen = ''
            console.send(username + '\r')
            console.read_until([_PASSWORD])
            console.seen = ''
            console.send((password or '') + '\r')
            if console.read_until([_LOGIN, _PROMPT]) == 0:
                raise VnetlabError("login as '%s' failed on the guest's console" % username)
        token = binascii.hexlify(os.urandom(6)).decode()
        end = re.compile(r'__VNL_E%s_(\d+)__' % token)
        console.seen = ''
        console.send(typed_line(command, token))
        console.read_until([end])
        return framed_output(clean(console.seen), token)
    finally:
        console.close()


def typed_line(command, token):
    """The one line typed for `command`: begin marker, the command through eval in a subshell, end
    marker with the status. The subshell keeps the console's shell alive: a syntax error or an `exit`
    in the command is its exit status, not an aborted line or a logout."""
    quoted = "'%s'" % command.replace("'", "'\\''")
    return ("printf '\\n__VNL_B%%s__\\n' %s; (eval %s); printf '\\n__VNL_E%%s_%%d__\\n' %s $?\r"
            % (token, quoted, token))


def framed_output(text, token):
    """(rc, output) of a command between the begin and end markers of `token` in the console's text.

    The begin marker's own line is never output (printf ends it). The terminal's echo of the typed line
    comes before the begin marker; a line holding an echo of the end marker's printf is dropped all the
    same, as a terminal that echoes late would leave it."""
    m = re.search(r'__VNL_E%s_(\d+)__' % re.escape(token), text)
    start = re.search(re.escape('__VNL_B%s__' % token), text)
    if m is None:
        raise VnetlabError("the command's end marker is not on the guest's console")
    if start is None or start.end() > m.start():
        return int(m.group(1)), ''
    lines = text[start.end():m.start()].split('\n')[1:]
    return int(m.group(1)), '\n'.join(line for line in lines if '__VNL_E%s' not in line).rstrip('\n')
