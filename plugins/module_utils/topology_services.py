# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Guests and NAT in a topology. Each entry takes the options of its module (vnetlab.linux.qemu_guest,
vnetlab.linux.nat_masquerade) and runs through the same Resource class and engine.converge, so a guest
declared in a topology behaves exactly like one started by the module. A guest started by a topology
is marked with the lab's name in its runtime directory, which is how `prune` and `absent` find it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.vnetlab.linux.plugins.module_utils import qemu
from ansible_collections.vnetlab.linux.plugins.module_utils.engine import converge
from ansible_collections.vnetlab.linux.plugins.module_utils.names import ParamError, VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.resources import nat_masquerade, qemu_guest

# section -> (module, Resource class, its argument spec, the state for present / absent)
SECTIONS = {
    'guests': ('qemu_guest', qemu_guest.QemuGuestResource, qemu_guest.ARGUMENT_SPEC, 'running'),
    'nat': ('nat_masquerade', nat_masquerade.NatMasqueradeResource, nat_masquerade.ARGUMENT_SPEC, 'present'),
}
LAB_MARK = 'lab'  # file in a guest's runtime directory: the name of the lab that started it


def normalize(section, items, fail):
    """Validate entries against the module's own argument spec (without `state`, which follows the
    topology's); returns them with the module's defaults filled in."""
    module, _cls, spec, _state = SECTIONS[section]
    spec = dict((k, v) for k, v in spec.items() if k != 'state')
    out, seen = [], {}
    for i, item in enumerate(items):
        path = (section, i)
        if not isinstance(item, dict):
            fail(path, 'each entry is a mapping with the options of vnetlab.linux.%s' % module)
        for key in item:
            if key not in spec:
                fail(path + (key,), "unknown key '%s'; allowed here (the options of vnetlab.linux.%s): %s"
                     % (key, module, ', '.join(sorted(spec))))
        result = ArgumentSpecValidator(spec).validate(dict(item))
        if result.error_messages:
            fail(path, '; '.join(result.error_messages))
        params = result.validated_parameters
        ident = params['name'] if section == 'guests' else params['source']
        if ident in seen:
            fail(path, "'%s' is already declared at %s[%d]" % (ident, section, seen[ident]))
        seen[ident] = i
        out.append(params)
    return out


def owned_guests(lab):
    """Names of the guests this lab started (by the mark in their runtime directories)."""
    found = []
    for name in qemu.guest_names():
        try:
            with open(os.path.join(qemu.Paths(name).run, LAB_MARK)) as f:
                if f.read().strip() == lab:
                    found.append(name)
        except (IOError, OSError):
            continue
    return found


class Services:
    """Runs the guests and NAT entries of a topology after (present) or before (absent) its network."""

    def __init__(self, topo, state, prune, check_mode):
        self.topo, self.state, self.prune, self.check_mode = topo, state, prune, check_mode
        self.actions, self.before, self.after = [], {}, {}
        self.started = []  # guests this task brought from absent to running: stopped again on rollback

    def entries(self):
        """(section, index, params, label) in the order to run them."""
        out = []
        declared = set(g['name'] for g in self.topo['guests'])
        for name in owned_guests(self.topo['lab']):
            if name not in declared and (self.state == 'absent' or self.prune):
                out.append(('guests', None, self._absent_guest(name), "guest '%s' (no longer declared)" % name))
        sections = ('guests', 'nat') if self.state == 'present' else ('nat', 'guests')
        for section in sections:
            wanted = SECTIONS[section][3] if self.state == 'present' else 'absent'
            for i, params in enumerate(self.topo[section]):
                ident = params['name'] if section == 'guests' else params['source']
                label = "guest '%s'" % ident if section == 'guests' else "nat for %s" % ident
                out.append((section, i, dict(params, state=wanted), label))
        return out

    @staticmethod
    def _absent_guest(name):
        spec = dict((k, v.get('default')) for k, v in qemu_guest.ARGUMENT_SPEC.items())
        return dict(spec, name=name, state='absent', nics=[])

    def run(self, network_pending):
        """Converge every entry; `network_pending`: check mode with network changes still to be made,
        so a guest's bridge may legitimately be missing yet."""
        for section, index, params, label in self.entries():
            cls = SECTIONS[section][1]
            try:
                result = converge(cls(params), self.check_mode)
            except ParamError as e:
                if network_pending and self.check_mode and params['state'] != 'absent':
                    self.actions.append('%s: start once the network above exists' % label)
                    self.after[label] = {'state': params['state']}
                    continue
                raise VnetlabError('%s: %s' % (_where(section, index), e))
            except VnetlabError as e:
                raise VnetlabError('%s: %s' % (_where(section, index), e))
            self.actions.extend('%s: %s' % (label, a) for a in result['actions'])
            self.before[label], self.after[label] = result['diff']['before'], result['diff']['after']
            if section == 'guests' and not self.check_mode:
                self._mark(params, result)
        return self

    def _mark(self, params, result):
        paths = qemu.Paths(params['name'])
        if params['state'] == 'running':
            if result['diff']['before'].get('state') == 'absent':
                self.started.append(params)
            if os.path.isdir(paths.run):
                with open(os.path.join(paths.run, LAB_MARK), 'w') as f:
                    f.write(self.topo['lab'] + '\n')

    def undo(self):
        """Stop and remove the guests this task started (a later step failed)."""
        errors = []
        for params in reversed(self.started):
            try:
                converge(qemu_guest.QemuGuestResource(dict(params, state='absent')), False)
            except VnetlabError as e:
                errors.append("guest '%s': %s" % (params['name'], e))
        return errors


def _where(section, index):
    return section if index is None else '%s[%d]' % (section, index)
