# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two errors every layer raises: their text is meant for the user as it is."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class VnetlabError(Exception):
    """An error whose text is meant for the user as it is."""


class ParamError(VnetlabError):
    """Bad input: names the parameter (or key path) and says how to fix it."""

    def __init__(self, param, message):
        self.param = param
        self.message = message
        super().__init__('%s: %s' % (param, message))


class MissingError(ParamError):
    """Something the task needs - a namespace, a link, a file - does not exist. In check mode that is what
    a play looks like before an earlier task has made it: `declare` is ((netns, name), kind) - name None for
    a namespace - for the plan to assume instead (engine.converge), or None when nothing can stand in for
    it (a file to read)."""

    def __init__(self, param, message, declare=None):
        super().__init__(param, message)
        self.declare = declare
