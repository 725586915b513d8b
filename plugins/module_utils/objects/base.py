# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every kind of object (objects/*.py) offers the engine, the modules and the lab planner."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import HOST

# The lab runs ops phase by phase (lab/plan.py); within the namespace phases, namespace by namespace in
# declared order, so that each namespace is visited once. EARLY creates the namespaces that a veth made
# from another namespace reaches into; SERVICES (guests, NAT) come once the network exists.
PHASE_DELETE, PHASE_EARLY, PHASE_NAMESPACES, PHASE_HOST, PHASE_SERVICES = 0, 1, 2, 3, 4


def phase_of(netns):
    return PHASE_HOST if netns is HOST else PHASE_NAMESPACES


class Kind:
    """One kind of object. OPTIONS is its only declaration of options: the module's argument_spec and
    (without `state`, plus SECTION_OPTIONS) the schema of its topology section."""

    name = ''
    OPTIONS = {}
    SECTION_OPTIONS = {}  # extra keys of a topology entry (e.g. addresses on a bridge)
    # The options that are text by nature and the control characters each may hold (validate.TEXT, TAB):
    # every other string of the module's parameters and of its topology entries holds none (entry.new_module,
    # schema.normalize; the whole list: docs/design.md "Control characters").
    TEXT_OPTIONS = {}

    def lock(self, d):
        """The name of the lock a module run takes: runs on the same object wait for each other."""
        return '%s/%s/%s' % (self.name, d.get('netns') or 'host', d.get('name') or d.get('interface')
                             or d.get('destination') or d.get('source') or d.get('dest'))

    def desired(self, params):
        """Validate (pure) -> the normalised desired state; raises ParamError naming the parameter."""
        return dict(params)

    def reads(self, d):
        """{netns: (addresses?, routes?)}: what of the kernel the plan looks at."""
        return {HOST: (False, False)}

    def read_local(self, d, snapshot):
        """What is not netlink (processes, files, firewall rules), read before planning."""
        return None

    def view(self, d, snapshot, local):
        """The object as it is (the diff's before; after applying, its after)."""
        raise NotImplementedError

    def plan(self, plan, d):
        """Add the ops that make d true to plan (pure) -> the view predicted after them."""
        raise NotImplementedError

    def returns(self, d, view, local):
        """Extra keys of the module result."""
        return {}
