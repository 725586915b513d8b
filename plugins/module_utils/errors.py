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
