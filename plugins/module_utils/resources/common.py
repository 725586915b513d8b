# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Small helpers shared by the resource classes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vnetlab.linux.plugins.module_utils.names import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.netlink import (
    OWNER_ALIAS, get_link, netns_exists)


def where(netns):
    return 'the host namespace' if netns is None else "netns '%s'" % netns


def require_netns(param, netns):
    if not netns_exists(netns):
        raise ParamError(param, "network namespace '%s' does not exist; create it first "
                                "(vnetlab.linux.netns)" % netns)


def find_link(nl, netns, ifname):
    """link_view of ifname in netns, or None (also None when the namespace is gone)."""
    if not netns_exists(netns):
        return None
    return nl.call(netns, lambda ipr: get_link(ipr, ifname))


def link_index(ipr, ifname):
    idx = ipr.link_lookup(ifname=ifname)
    if not idx:
        raise ParamError('interface', "'%s' no longer exists" % ifname)
    return idx[0]


def set_link(ifname, **attrs):
    """An Op body: `ip link set <ifname> ...` through netlink."""
    def do(ipr):
        ipr.link('set', index=link_index(ipr, ifname), **attrs)
    return do


def delete_link(ifname):
    def do(ipr):
        idx = ipr.link_lookup(ifname=ifname)
        if idx:
            ipr.link('del', index=idx[0])
    return do


def mark_owned(ifname):
    return set_link(ifname, ifalias=OWNER_ALIAS)


def require_bridge(nl, param, netns, name):
    """The index of bridge `name` in netns, or ParamError."""
    link = find_link(nl, netns, name)
    if link is None:
        raise ParamError(param, "bridge '%s' does not exist in %s; create it first (vnetlab.linux.bridge)"
                         % (name, where(netns)))
    if link['kind'] != 'bridge':
        raise ParamError(param, "'%s' in %s is a %s link, not a bridge" % (name, where(netns), link['kind']))
    return link
