# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The labs on a host, from lab facts (lab/facts.py gather()): what `inspect` shows. Pure (unit-tested).

    labs(facts, persistent=...)
                  -> [{lab, persistent, namespaces, links, guests, nat, forwards, dhcp}], one entry per lab;
                     the objects the resource modules made (mark `vnetlab`) are one more entry with lab None;
                     persistent: {lab: its boot unit} (lab/persist.py persistent_labs) - a lab whose kernel
                     objects a reboot took is still listed by its unit
    rows(labs)    -> one row per object: LAB KIND NAME NETNS STATE PID ACCEL ADDRESS DETAILS
    table(rows)   -> those rows as aligned text lines, a header first

An object is a lab's when it carries the lab's mark (facts give it as `lab`): a namespace by its
loopback; every link in the lab's namespaces; a link elsewhere by its own mark; a TAP by its guest.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

MODULES = '(modules)'  # how the table names the owner of what the resource modules made
COLUMNS = ('lab', 'kind', 'name', 'netns', 'state', 'pid', 'accel', 'address', 'details')


def _entry(out, lab):
    if lab not in out:
        out[lab] = {'lab': lab, 'persistent': False, 'namespaces': [], 'links': [], 'guests': [], 'nat': [],
                    'forwards': [], 'dhcp': []}
    return out[lab]


def _link(ns, name, link):
    """A link as inspect shows it."""
    out = {'netns': ns or 'host', 'name': name, 'kind': link['kind'], 'state': link.get('operstate') or (
        'up' if link.get('up') else 'down'), 'addresses': list(link.get('addresses') or []),
        'master': link.get('master')}
    if link['kind'] == 'veth':
        out['peer'] = '%s/%s' % (link.get('peer_netns') or 'host', link['peer']) if link.get('peer') else None
    if link['kind'] == 'bridge':
        out['ports'] = list(link.get('ports') or [])
    if link.get('guest'):
        out['guest'] = link['guest']
    return out


def guest_address(guest, dhcp):
    """The guest's IPv4 address: its static lease or its lease (by the MAC of one of its NICs) on one of
    our DHCP servers, else the address its kernel command line gives (`vnetlab.ip=`), else None."""
    macs = [n.get('mac', '').lower() for n in guest.get('nics') or [] if n.get('mac')]
    for mac in macs:
        for server in dhcp:
            for lease in list(server.get('hosts') or []) + list(server.get('leases') or []):
                if lease.get('mac', '').lower() == mac:
                    return lease['ip']
    m = re.search(r'vnetlab\.ip=([0-9.]+)', guest.get('append') or '')
    return m.group(1) if m else None


def labs(facts, only=None, persistent=None):
    """facts -> the labs on the host, sorted by name (the modules' objects last); only: just this lab."""
    out = {}
    for lab, boot in sorted((persistent or {}).items()):
        entry = _entry(out, lab)
        entry['persistent'] = bool(boot.get('persistent'))
        if boot.get('unit'):
            entry['unit'] = {'name': boot['unit'].rsplit('/', 1)[-1], 'enabled': bool(boot.get('enabled'))}
    spaces = [(None, facts['host'])] + sorted(facts['netns'].items())
    ns_lab = {}
    for ns, space in spaces[1:]:
        lo = space['links'].get('lo')
        if lo is not None and lo.get('owned'):
            ns_lab[ns] = lo.get('lab')
            links = sorted(n for n in space['links'] if n != 'lo')
            _entry(out, lo.get('lab'))['namespaces'].append({'name': ns, 'links': links})
    guest_lab = dict((g['name'], g.get('lab')) for g in facts.get('guests', []))
    for ns, space in spaces:
        for name, link in sorted(space['links'].items()):
            if name == 'lo':
                continue
            if ns in ns_lab:
                lab = ns_lab[ns]  # every link in a lab's namespace is shown with it
            elif link.get('kind') == 'tun' and link.get('guest') in guest_lab:
                lab = guest_lab[link['guest']]
            elif link.get('owned'):
                lab = link.get('lab')
            else:
                continue
            _entry(out, lab)['links'].append(_link(ns, name, link))
    dhcp = facts.get('dhcp') or []
    for g in facts.get('guests', []):
        _entry(out, g.get('lab'))['guests'].append({
            'name': g['name'], 'state': g['state'], 'pid': g['pid'], 'arch': g.get('arch'), 'accel': g.get('accel'),
            'address': guest_address(g, dhcp), 'taps': [n['tap'] for n in g.get('nics') or [] if n.get('tap')]})
    for n in facts.get('nat', []):
        _entry(out, n.get('lab'))['nat'].append(dict((k, n.get(k)) for k in ('source', 'out_interface', 'backend')))
    for f in facts.get('forwards', []):
        _entry(out, f.get('lab'))['forwards'].append(dict((k, f.get(k)) for k in (
            'protocol', 'port', 'in_interface', 'to_address', 'to_port', 'from_host', 'backend')))
    for d in dhcp:
        _entry(out, d.get('lab'))['dhcp'].append({'bridge': d['bridge'], 'state': d['state'], 'pid': d['pid'],
                                                  'leases': len(d.get('leases') or [])})
    result = [out[k] for k in sorted(out, key=lambda lab: (lab is None, lab or ''))]
    if only is not None:
        result = [e for e in result if e['lab'] == only]
    return result


def rows(lab_list):
    """One row (a dict of COLUMNS, text) per object of each lab."""
    out = []

    def row(lab, kind, name, netns='', state='', pid=None, accel='', address='', details=''):
        out.append({'lab': MODULES if lab is None else lab, 'kind': kind, 'name': name, 'netns': netns or '',
                    'state': state or '', 'pid': '' if pid is None else str(pid), 'accel': accel or '',
                    'address': address or '', 'details': details})
    for e in lab_list:
        lab = e['lab']
        if e.get('unit'):
            row(lab, 'unit', e['unit']['name'], state='enabled' if e['unit']['enabled'] else 'disabled',
                details='re-applies the lab at boot')
        for ns in e['namespaces']:
            count = len(ns['links'])
            row(lab, 'netns', ns['name'], details='%d link%s' % (count, '' if count == 1 else 's'))
        for link in e['links']:
            details = []
            if link.get('peer'):
                details.append('peer %s' % link['peer'])
            if link.get('master'):
                details.append('master %s' % link['master'])
            if link.get('ports'):
                details.append('ports %s' % ','.join(link['ports']))
            if link.get('guest'):
                details.append('guest %s' % link['guest'])
            row(lab, link['kind'], link['name'], link['netns'], link['state'], address=','.join(link['addresses']),
                details=' '.join(details))
        for g in e['guests']:
            taps = 'taps %s' % ','.join(g['taps']) if g['taps'] else ''
            row(lab, 'guest', g['name'], state=g['state'], pid=g['pid'], accel=g['accel'], address=g['address'],
                details=' '.join(x for x in (g.get('arch'), taps) if x))
        for d in e['dhcp']:
            row(lab, 'dhcp', d['bridge'], 'host', d['state'], pid=d['pid'], details='%d leases' % d['leases'])
        for n in e['nat']:
            row(lab, 'nat', n['source'], 'host', details='out %s (%s)' % (n['out_interface'], n['backend']))
        for f in e['forwards']:
            # an IPv6 target as [address]:port, as its rules' comments write it (kernel/forwards.target)
            target = ('[%s]:%d' if ':' in f['to_address'] else '%s:%d') % (f['to_address'], f['to_port'])
            row(lab, 'forward', '%s/%d' % (f['protocol'], f['port']), 'host', address=target,
                details='on %s%s (%s)' % (f['in_interface'], ', also from the host' if f['from_host'] else '',
                                          f['backend']))
    return out


def table(row_list):
    """Rows -> aligned lines under a header; one line saying so when there is no lab."""
    if not row_list:
        return ['no vnetlab lab on this host']
    widths = dict((c, max([len(c)] + [len(r[c]) for r in row_list])) for c in COLUMNS)
    used = [c for c in COLUMNS if c in ('lab', 'kind', 'name') or any(r[c] for r in row_list)]

    def line(values):
        return '  '.join(values[c].ljust(widths[c]) for c in used).rstrip()
    return [line(dict((c, c.upper()) for c in COLUMNS))] + [line(r) for r in row_list]
