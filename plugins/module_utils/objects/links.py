# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ops on links shared by every kind that makes links (bridge, veth, guest TAPs)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno

from ansible_collections.vnetlab.linux.plugins.module_utils import ownership
from ansible_collections.vnetlab.linux.plugins.module_utils.engine import Op
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import MissingError, ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import where
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.netlink import NetlinkError
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.base import PHASE_DELETE, phase_of


def delete_link(ifname):
    """An op body: delete ifname if it is there (the other end of a veth deleted just before is not)."""
    def do(visit):
        idx = visit.ipr.link_lookup(ifname=ifname)
        if idx:
            try:
                visit.ipr.link('del', index=idx[0])
            except NetlinkError as e:
                # gone between the lookup and the delete: the kernel removes a veth end on its own when the
                # namespace of its peer goes (asynchronously, after that namespace's removal returned)
                if e.code != errno.ENODEV:
                    raise
    return do


def delete_op(plan, netns, name, kind, why=''):
    return plan.add(Op("delete %s '%s' in %s%s" % (kind, name, where(netns), why), delete_link(name), netns=netns,
                       phase=PHASE_DELETE))


def in_the_way(plan, netns, name, link, wanted_kind, path):
    """An existing link where a link of another kind (or another pairing) is wanted. A module refuses
    it; a lab deletes its own (the caller makes it anew) and refuses anyone else's, before anything
    changes."""
    if plan.lab is None:
        require_kind(path, netns, name, link, wanted_kind)
        return
    if plan.owns(netns, name, link):
        delete_op(plan, netns, name, link['kind'], ' (replaced)')
        plan.replaced.add((netns, name))
        return
    what = ('one end of another veth pair' if link['kind'] == wanted_kind == 'veth' else 'a %s link' % link['kind'])
    raise ownership.foreign(path, where(netns), name, what)


def describe(plan, netns, link):
    """'ports eth0, addresses 192.0.2.10/24': what makes a link someone's."""
    parts = []
    ports = plan.ports(netns, link)
    if ports:
        parts.append('ports %s' % ', '.join(ports))
    state = plan.snapshot.get(netns)
    if state and state['addresses']:
        from ansible_collections.vnetlab.linux.plugins.module_utils.engine import managed_addresses
        addrs = sorted(str(a) for a in managed_addresses(state['addresses'].get(link['index'], [])))
        if addrs:
            parts.append('addresses %s' % ', '.join(addrs))
    return ', '.join(parts)


def claim(plan, d, netns, name, link, what, param='name'):
    """A link of the wanted kind exists. -> True: ours, managed in full. False: adopted (d['adopt']),
    managed as asked but never marked nor deleted. Anyone else's is refused before anything changes."""
    if plan.owns(netns, name, link):
        return True
    if d.get('adopt'):
        plan.adopted.add((netns, name))
        return False
    raise ownership.not_ours(param, what, name, where(netns), describe(plan, netns, link), link['ifalias'])


def may_delete(plan, netns, name, link, what):
    """Teardown of a link: only ours; anything else stays, with a warning."""
    if plan.owns(netns, name, link):
        return True
    plan.warnings.append(ownership.left_alone(what, name, where(netns), link['ifalias']))
    return False


def plan_absent(plan, netns, name, link, kind, what, before):
    """state=absent of one link of `kind`: nothing when it is gone, refused when it is of another kind, deleted
    only when it is ours (anything else stays, with a warning) -> the view predicted after."""
    if link is None:
        return before
    require_kind('name', netns, name, link, kind)
    if not may_delete(plan, netns, name, link, what):
        return before
    delete_op(plan, netns, name, what)
    return {'name': name, 'netns': netns, 'state': 'absent'}


def set_attrs(plan, netns, name, link, mtu=None, master=None, master_param='master'):
    """The owner mark (of a link we create), MTU, master and up of one link in one request (only what
    differs)."""
    attrs = {}
    if (link is None or plan.unmarked(netns, name, link)) and (netns, name) not in plan.adopted:
        attrs['ifalias'] = plan.owner  # the kernel ignores an alias in the creating request
    if mtu and (link is None or link['mtu'] != mtu):
        attrs['mtu'] = mtu
    if link is None or not link['up']:
        attrs['state'] = 'up'
    if master is not None:
        if not plan.is_bridge(netns, master):
            found = plan.link(netns, master)
            if found is None:
                raise MissingError(master_param, "bridge '%s' is neither declared nor present in %s; create it "
                                                 "first (vnetlab.linux.bridge)" % (master, where(netns)),
                                   declare=((netns, master), 'bridge'))
            raise ParamError(master_param, "'%s' in %s is a %s link, not a bridge" % (master, where(netns),
                                                                                      found['kind']))
        bridge = plan.link(netns, master)
        if link is None or bridge is None or link['master'] != bridge['index']:
            attrs['master'] = master
    if not attrs:
        return None
    shown = ', '.join(sorted(k for k in attrs if k != 'ifalias')) or 'ownership'
    action = ("set '%s' up in %s" % (name, where(netns)) if shown == 'state'
              else "set %s on '%s' in %s" % (shown.replace('state', 'up'), name, where(netns)))

    def do(visit):
        kwargs = dict(attrs)
        if 'master' in kwargs:
            kwargs['master'] = visit.index(kwargs['master'])
            if link is not None and len(kwargs) > 1:
                # a link that was there: its master first, alone - the kernel applies a request's flags
                # before its master, and a refused master must leave the link as it was
                visit.ipr.link('set', index=visit.index(name), master=kwargs.pop('master'))
        visit.ipr.link('set', index=visit.index(name), **kwargs)
    return plan.add(Op(action, do, undo=_restore(plan, netns, name, link, attrs), netns=netns,
                       phase=phase_of(netns)))


def _restore(plan, netns, name, link, attrs):
    """The undo of set_attrs on a link that existed (an adopted veth end moved to a bridge, a port set up, an
    MTU changed): its MTU, master and state as found. A link this run made goes with its creation's undo; the
    mark stays on a link of ours."""
    if link is None:
        return None
    old = {}
    if 'mtu' in attrs:
        old['mtu'] = link['mtu']
    if 'state' in attrs:
        old['state'] = 'down'
    old_master = plan.name_of(netns, link['master']) if link['master'] else None
    if 'master' in attrs:
        old['master'] = old_master
    if not old:
        return None

    def undo(visit):
        found = visit.ipr.link_lookup(ifname=name)
        if not found:
            return
        kwargs = dict(old)
        if 'master' in kwargs:
            kwargs['master'] = visit.index(kwargs['master']) if kwargs['master'] else 0
        visit.ipr.link('set', index=found[0], **kwargs)
    return undo


def require_kind(param, netns, name, link, kind):
    if link is not None and link['kind'] != kind:
        raise ParamError(param, "'%s' already exists in %s as a %s link, not a %s; choose another name or remove "
                                "that link" % (name, where(netns), link['kind'], kind))
