# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The topology file format: schema, validation and normalisation (pure, no kernel access).

The format is documented in docs/topology.md and in the topology module's DOCUMENTATION. Every error
names the key path (``veths[3].peer_netns``) and, when the topology came from a YAML file, its line.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible_collections.vnetlab.linux.plugins.module_utils import ownership
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError, VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import HOST
from ansible_collections.vnetlab.linux.plugins.module_utils.objects import (
    bridge, dhcp, forward, guest, impairment, nat, netns, port_vlan, route, veth, vlan, vxlan)
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.route import dst_text, gateway_problem
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import (
    TEXT, control_characters, parse_host_cidr, visible)

try:
    import yaml
    HAS_YAML = True
except ImportError:  # only the controller side (the action plugin) parses YAML
    HAS_YAML = False

LAB_RE = re.compile(r'^[a-z0-9][a-z0-9_.-]{0,31}$')

# section -> (kind, the state its entries have in a lab that is present, options a lab does not take)
SECTIONS = {
    'namespaces': (netns.KIND, 'present', ()),
    'bridges': (bridge.KIND, 'present', ()),
    'veths': (veth.KIND, 'present', ('recreate',)),  # a lab always replaces its own links in the way
    'routes': (route.KIND, 'present', ()),
    'dhcp': (dhcp.KIND, 'present', ()),
    'guests': (guest.KIND, 'running', ()),
    'nat': (nat.KIND, 'present', ()),
    'forwards': (forward.KIND, 'present', ()),
    'vxlans': (vxlan.KIND, 'present', ()),  # written by lab/hosts.py's part_for for bridges that span hosts
    'vlans': (vlan.KIND, 'present', ()),
    'impairments': (impairment.KIND, 'present', ('adopt',)),  # on the lab's own links only
}
# Where an entry runs when a lab spans hosts (lab/hosts.py, docs/multihost.md): keys of the topology only,
# taken off an entry before its kind sees it.
PLACEMENT = {
    'namespaces': ('host',), 'bridges': ('host', 'hosts', 'vni'), 'veths': ('host',), 'routes': ('host',),
    'dhcp': ('host',), 'guests': ('host',), 'nat': ('host',), 'forwards': ('host',), 'vxlans': ('host',),
    'impairments': ('host',), 'vlans': ('host',),
}
MULTIHOST_KEYS = ('default_host', 'underlay_mtu')
TOP_KEYS = ('lab', 'description') + MULTIHOST_KEYS + tuple(SECTIONS)
# The keys whose text may hold control characters (tabs, line breaks; never a NUL): the free-text description
# and the text options of the sections' kinds (a guest's cloud_init files). No other string of a topology - nor
# any key - holds one (normalize; docs/design.md "Control characters").
TEXT_KEYS = dict([('description', TEXT)] + [('%s.%s' % (section, option), chars) for section, (kind, _s, _e)
                                            in SECTIONS.items() for option, chars in kind.TEXT_OPTIONS.items()])
# The same for a module that takes a topology as `definition`: JSON text of it, or the data (TEXT_KEYS below).
DEFINITION_TEXT = dict([('definition', TEXT)] + [('definition.' + k, v) for k, v in TEXT_KEYS.items()])


def section_spec(section):
    """A section's keys: its kind's module options (the single declaration), without `state` (the
    topology's own state decides) and what a lab does not take, plus the section's extras."""
    kind, _state, excluded = SECTIONS[section]
    spec = dict((k, v) for k, v in kind.OPTIONS.items() if k != 'state' and k not in excluded)
    spec.update(kind.SECTION_OPTIONS)
    return spec


_VALIDATORS = {}


def _validator(section):
    if section not in _VALIDATORS:
        _VALIDATORS[section] = ArgumentSpecValidator(section_spec(section))
    return _VALIDATORS[section]


def lab_alias(lab):
    """The ifalias on every link (and namespace loopback) a lab owns."""
    return ownership.mark(lab)


def key(netns, ifname):
    """'host/br0', 'red/veth-red': how views and errors name a link."""
    return '%s/%s' % ('host' if netns is HOST else netns, ifname)


class TopologyError(VnetlabError):
    """A schema error: the key path, the line when known, and what to do."""

    def __init__(self, path, message, positions=None, source=None):
        self.path = path
        self.line = _line_of(path, positions)
        where = '%s: ' % render_path(path) if path else ''
        at = ''
        if self.line is not None:
            at = '%s line %d: ' % (source or 'topology', self.line)
        elif source:
            at = '%s: ' % source
        super().__init__('%s%s%s' % (at, where, message))


def render_path(path):
    out = ''
    for part in path:
        out += '[%d]' % part if isinstance(part, int) else ('.' if out else '') + visible(str(part))
    return out


def _line_of(path, positions):
    if not positions:
        return None
    path = tuple(path)
    while path:  # the nearest enclosing node that has a line
        if path in positions:
            return positions[path]
        path = path[:-1]
    return positions.get((), None)


# ------------------------------------------------------------------------------------------------
# YAML with line numbers
# ------------------------------------------------------------------------------------------------

def load_yaml(text, source='topology'):
    """YAML text -> (data, positions{path tuple: 1-based line}); duplicate keys are errors."""
    if not HAS_YAML:
        raise VnetlabError('reading a topology file needs PyYAML on the controller')
    loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)(text)  # libyaml: 5x faster on big labs
    try:
        node = loader.get_single_node()
        if node is None:
            raise TopologyError((), 'the file is empty; it needs at least `lab:`', source=source)
        positions = {(): node.start_mark.line + 1}
        _walk(node, (), positions, source)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise VnetlabError('%s line %d: not valid YAML: %s' % (source, mark.line + 1 if mark else 0, e.problem))
    finally:
        loader.dispose()
    return data, positions


def _walk(node, path, positions, source):
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                raise TopologyError(path + (key,), "duplicate key '%s'" % key,
                                    {path + (key,): key_node.start_mark.line + 1}, source)
            seen.add(key)
            positions[path + (key,)] = key_node.start_mark.line + 1
            _walk(value_node, path + (key,), positions, source)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            positions[path + (i,)] = item.start_mark.line + 1
            _walk(item, path + (i,), positions, source)


# ------------------------------------------------------------------------------------------------
# validation
# ------------------------------------------------------------------------------------------------

def normalize(data, positions=None, source=None):
    """Validate a topology (a dict) and return it with every entry normalised by its kind:
    {'lab', 'namespaces': [...], 'bridges': [...], 'veths': [...], 'routes': [...], 'guests', 'nat'}."""
    def fail(path, message):
        raise TopologyError(path, message, positions, source)

    if not isinstance(data, dict):
        fail((), 'a topology is a mapping with at least `lab:`; got %s' % type(data).__name__)
    for path, message in control_characters(data, TEXT_KEYS):  # every string and every key, first of all
        fail(path, message)
    _unknown_keys(data, TOP_KEYS, (), fail)
    lab = data.get('lab')
    if not isinstance(lab, str) or not LAB_RE.match(lab):
        fail(('lab',), "lab must be a name of 1-32 characters: lower-case letters, digits, '.', '_' or '-' "
                       "(it marks what this lab owns); got %r" % (lab,))
    topo = {'lab': lab, 'placement': {}}
    for key in MULTIHOST_KEYS:
        if key in data:
            topo[key] = _placement_value(key, data[key], (key,), fail)
    for section in SECTIONS:
        items = data.get(section) or []
        if not isinstance(items, list):
            fail((section,), 'must be a list')
        topo[section] = []
        for i, item in enumerate(items):
            if isinstance(item, dict) and any(k in item for k in PLACEMENT[section]):
                topo['placement'].setdefault(section, {})[i] = dict(
                    (k, _placement_value(k, item[k], (section, i, k), fail)) for k in PLACEMENT[section] if k in item)
                item = dict((k, v) for k, v in item.items() if k not in PLACEMENT[section])
            topo[section].append(_entry(section, item, (section, i), fail))
    _check_references(topo, fail)
    for i, entry in enumerate(topo['dhcp']):
        _complete_dhcp(topo, entry, data['dhcp'][i], ('dhcp', i), fail)
    subnets = dict((b['name'], [a for a in b['addresses'] or [] if a.version == 4])
                   for b in topo['bridges'] if b['netns'] is HOST)
    host_addresses = [(i['name'], a) for i in interfaces(topo) if i['netns'] is HOST
                      for a in i['addresses'] or []]  # check_target compares a target with its own family's
    seen = {}
    for i, f in enumerate(topo['forwards']):
        f['declared_subnets'] = subnets  # from_host finds the guest's bridge before it exists
        try:
            forward.check_target(f['to_address'], host_addresses)
        except ParamError as e:
            fail(('forwards', i, e.param), e.message)
        key = (f['protocol'], f['port'], f['in_interface'])
        if key in seen:
            fail(('forwards', i, 'port'),
                 '%s port %d is already forwarded at forwards[%d]' % (key[0], key[1], seen[key]))
        seen[key] = i
    return topo


def _placement_value(key, value, path, fail):
    """host / default_host: an inventory name; hosts: a list of them; vni, underlay_mtu: numbers."""
    if key in ('host', 'default_host'):
        if not isinstance(value, str) or not value.strip():
            fail(path, 'the name of an inventory host; got %r' % (value,))
        return value
    if key == 'hosts':
        if (not isinstance(value, list) or not value
                or not all(isinstance(h, str) and h.strip() for h in value) or len(set(value)) != len(value)):
            fail(path, 'a list of distinct inventory host names; got %r' % (value,))
        return list(value)
    if key == 'vni':
        try:
            return vxlan.check_vni(key, value)
        except ParamError as e:
            fail(path, e.message)
    if not isinstance(value, int) or isinstance(value, bool) or not 1280 <= value <= 65535:
        fail(path, 'the MTU of the network between the hosts, 1280-65535; got %r' % (value,))
    return value


def _unknown_keys(mapping, allowed, path, fail, what=''):
    for key in mapping:
        if key not in allowed:
            fail(path + (key,), "unknown key '%s'; allowed here%s: %s" % (key, what, ', '.join(sorted(allowed))))


def _entry(section, item, path, fail):
    """One entry: the kind's option spec (types, choices, defaults), then the kind's own validation."""
    kind, state, _excluded = SECTIONS[section]
    if section == 'namespaces' and isinstance(item, str):
        item = {'name': item}
    spec = section_spec(section)
    if not isinstance(item, dict):
        fail(path, 'each entry is a mapping with keys %s' % ', '.join(sorted(spec)))
    _unknown_keys(item, list(spec) + list(PLACEMENT[section]), path, fail,
                  ' (the options of vnetlab.linux.%s)' % MODULES[section])
    for key, value in item.items():
        if value is None and spec[key].get('required'):
            fail(path + (key,), "'%s' is required" % key)
    required = [k for k, option in spec.items() if option.get('required')]
    for when, value, keys in getattr(kind, 'MODULE_KWARGS', {}).get('required_if', []):
        if when == 'state' and value == state:
            required.extend(keys)
    for key in required:
        if key not in item:
            fail(path + (key,), "'%s' is required" % key)
    result = _validator(section).validate(dict(item))
    if result.error_messages:
        bad = [k for k in item if "'%s'" % k in result.error_messages[0]]
        fail(path + tuple(bad[:1]), result.error_messages[0])
    params = dict(result.validated_parameters, state=state)
    try:
        d = kind.desired(params)
        for key in ('addresses', 'peer_addresses'):
            if key in spec:
                d[key] = None if item.get(key) is None else [
                    parse_host_cidr(key, a) for a in (item[key] if isinstance(item[key], list) else [item[key]])]
    except ParamError as e:
        fail(path + (e.param,), e.message)
    return d


MODULES = {'namespaces': 'netns', 'bridges': 'bridge', 'veths': 'veth', 'routes': 'route', 'guests': 'qemu_guest',
           'nat': 'nat_masquerade', 'dhcp': 'dhcp', 'forwards': 'port_forward', 'vxlans': 'vxlan',
           'impairments': 'impairment', 'vlans': 'vlan'}


def _check_references(topo, fail):
    """What no single entry can know: declared namespaces, one owner per interface and address, masters
    that are bridges, routes through declared interfaces and subnets, guests and NAT declared once."""
    declared_ns = {}
    for i, ns in enumerate(topo['namespaces']):
        if ns['name'] in declared_ns:
            fail(('namespaces', i, 'name'), "namespace '%s' is declared twice" % ns['name'])
        declared_ns[ns['name']] = i

    def need_ns(path, name):
        if name is not HOST and name not in declared_ns:
            fail(path, "namespace '%s' is not declared under namespaces:; add it there (or omit the key for "
                       "the host namespace)" % name)

    links = {}   # (netns, ifname) -> (path, kind)
    addresses = {}  # (netns, ip) -> ip_interface
    owners = {}  # (netns, ip) -> the interface that carries it
    for i, br in enumerate(topo['bridges']):
        need_ns(('bridges', i, 'netns'), br['netns'])
        _claim(links, (br['netns'], br['name']), ('bridges', i, 'name'), 'bridge', fail)
        _claim_addresses(addresses, br['netns'], br['addresses'], ('bridges', i, 'addresses'), fail)
        owners.update(((br['netns'], a.ip), br['name']) for a in br['addresses'] or [])
    for i, v in enumerate(topo['veths']):
        for end, ns_key, master_key, addr_key in (('name', 'netns', 'master', 'addresses'),
                                                  ('peer', 'peer_netns', 'peer_master', 'peer_addresses')):
            path = ('veths', i)
            need_ns(path + (ns_key,), v[ns_key])
            _claim(links, (v[ns_key], v[end]), path + (end,), 'veth', fail)
            master = v[master_key]
            if master is not None:
                owner = links.get((v[ns_key], master))
                if owner is not None and owner[1] != 'bridge':
                    fail(path + (master_key,), "'%s' is a veth end, not a bridge" % master)
                # an undeclared master must be an existing bridge: checked against the kernel later
            _claim_addresses(addresses, v[ns_key], v[addr_key], path + (addr_key,), fail)
            owners.update(((v[ns_key], a.ip), v[end]) for a in v[addr_key] or [])
    for i, x in enumerate(topo['vlans']):
        need_ns(('vlans', i, 'netns'), x['netns'])
        _claim(links, (x['netns'], x['name']), ('vlans', i, 'name'), 'vlan', fail)
        _claim_addresses(addresses, x['netns'], x['addresses'], ('vlans', i, 'addresses'), fail)
        owners.update(((x['netns'], a.ip), x['name']) for a in x['addresses'] or [])
    filtering = dict(((b['netns'], b['name']), b['vlan_filtering']) for b in topo['bridges'])
    for i, v in enumerate(topo['veths']):
        for key, ns_key, master_key in (('vlan', 'netns', 'master'), ('peer_vlan', 'peer_netns', 'peer_master')):
            if v.get(key) is None:
                continue
            path = ('veths', i, key)
            try:
                v[key + 's'] = port_vlan.wanted_vlans(key, **v[key])
            except ParamError as e:
                fail(path, e.message)
            if v[master_key] is None:
                fail(path, 'VLANs are a bridge port\'s: give %s, a bridge with vlan_filtering: true' % master_key)
            if filtering.get((v[ns_key], v[master_key]), True) is not True:
                fail(path, "bridge '%s' filters no VLANs: set vlan_filtering: true on it" % v[master_key])
    for i, x in enumerate(topo['vxlans']):
        _claim(links, (HOST, x['name']), ('vxlans', i, 'name'), 'vxlan', fail)
        owner = links.get((HOST, x['master'])) if x['master'] is not None else None
        if owner is not None and owner[1] != 'bridge':
            fail(('vxlans', i, 'master'), "'%s' is a %s, not a bridge" % (x['master'], owner[1]))
    routes = set()
    for i, r in enumerate(topo['routes']):
        path = ('routes', i)
        need_ns(path + ('netns',), r['netns'])
        if r['device'] is not None and (r['netns'], r['device']) not in links and r['netns'] is not HOST:
            fail(path + ('device',), "'%s' is not an interface declared in %s" % (r['device'], _where(r['netns'])))
        if r['gw'] is not None and r['netns'] is not HOST:  # a namespace of the lab has only what it declares
            _check_gateway(r, path, addresses, owners, fail)
        key = (r['netns'], dst_text(r['dst']), r['metric'])
        if key in routes:
            fail(path + ('destination',), 'the route to %s in %s is declared twice' % (key[1], _where(key[0])))
        routes.add(key)
    impaired = {}
    for i, m in enumerate(topo['impairments']):
        path, end = ('impairments', i), (m['netns'], m['interface'])
        need_ns(path + ('netns',), m['netns'])
        if end not in links:  # its qdisc goes with the link when the lab is torn down
            fail(path + ('interface',), "'%s' is not an interface this lab declares in %s (bridges, veths or vxlans): "
                 'a lab impairs only its own links' % (m['interface'], _where(m['netns'])))
        if end in impaired:
            fail(path + ('interface',), "'%s' in %s is already impaired at impairments[%d]; give all its impairments "
                 'in one entry' % (m['interface'], _where(m['netns']), impaired[end]))
        impaired[end] = i
    for section, ident in (('guests', 'name'), ('nat', 'source'), ('dhcp', 'bridge')):
        seen = {}
        for i, entry in enumerate(topo[section]):
            if entry[ident] in seen:
                fail((section, i), "'%s' is already declared at %s[%d]" % (entry[ident], section, seen[entry[ident]]))
            seen[entry[ident]] = i


def _check_gateway(r, path, addresses, owners, fail):
    """A route's gateway in a namespace of the lab: on a subnet declared there - on its device's own subnets
    when it names a device (the kernel reaches a gateway through the device the route names)."""
    connected = [a.network for (ns, _ip), a in addresses.items() if ns == r['netns']]
    if r['device'] is not None:
        connected = [a.network for (ns, _ip), a in addresses.items() if ns == r['netns']
                     and owners.get((ns, a.ip)) == r['device']]
        on = " on '%s'" % r['device']
    else:
        on = ''
    if gateway_problem(r['gw'], connected):
        declared = ', '.join(sorted(set(str(n) for n in connected))) or 'none'
        fail(path + ('gateway',), '%s is not on any subnet declared in %s%s (declared: %s); give a gateway on one '
             'of them, or add an address on its subnet' % (r['gw'], _where(r['netns']), on, declared))


def _complete_dhcp(topo, d, item, path, fail):
    """What a DHCP server of a lab knows from the rest of the topology: its domain is the lab's name; each
    declared guest with a NIC on the bridge gets a static lease (a `hosts:` entry keeps its address, the
    others get the first free addresses of the range, in declared order) and its name in DNS; each
    namespace with an address in the bridge's subnet gets its name in DNS."""
    bridges = [b for b in topo['bridges'] if b['netns'] is HOST and b['name'] == d['bridge']]
    if 'domain' not in item:
        d['domain'] = dhcp.check_domain('domain', re.sub('[^a-z0-9.-]', '-', topo['lab']).strip('-.') or 'lab')
    d['bridge_addresses'] = list(bridges[0]['addresses'] or []) if bridges else []
    nets = sorted(set(a.network for a in d['bridge_addresses'] if a.version == 4))
    if d['range_start'] is None:
        if not nets:
            fail(path + ('bridge',), "bridge '%s' has no IPv4 address declared here: give range_start and "
                                     "range_end" % d['bridge'])
        d.update(dhcp.default_range(nets))
    if nets:  # an existing bridge's addresses are checked when the lab is planned
        try:
            dhcp.check_subnets(d, d['bridge'], nets, set(a.ip for a in d['bridge_addresses']),
                               defaulted=item.get('range_start') is None)
        except ParamError as e:
            fail(path + (e.param,), e.message)
    hosts = dict((h['name'], h) for h in d['hosts'])
    taken = set(h['ip'] for h in d['hosts']) | set(r['ip'] for r in d['records'])
    taken.update(str(a.ip) for a in d['bridge_addresses'])
    free = _addresses(d['range_start'], d['range_end'], taken)
    for g in topo['guests']:
        for i, nic in enumerate(g['nic_list']):
            if nic['bridge'] != d['bridge']:
                continue
            name = dhcp_label(g['name'])
            if name in hosts:
                hosts[name]['mac'] = hosts[name]['mac'] or nic['mac']
                continue
            ip = next(free, None)
            if ip is None:
                fail(path + ('range_end',), "no free address left in %s-%s for guest '%s'"
                     % (d['range_start'], d['range_end'], g['name']))
            hosts[name] = {'name': name, 'ip': ip, 'mac': nic['mac'], 'nic': i}
            d['hosts'].append(hosts[name])
    names = set(hosts) | set(r['name'] for r in d['records'])
    for iface in interfaces(topo):
        name = dhcp_label(iface['netns']) if iface['netns'] is not HOST else None
        for a in iface['addresses'] or []:
            if name and name not in names and any(a.ip in n for n in nets):
                d['records'].append({'name': name, 'ip': str(a.ip)})
                names.add(name)


def dhcp_label(name):
    """A guest's or namespace's name as a DNS label."""
    return re.sub('[^a-z0-9-]', '-', name.lower()).strip('-')[:63] or 'host'


def _addresses(start, end, taken):
    ip, last = ipaddress.ip_address(start), ipaddress.ip_address(end)
    while ip <= last:
        if str(ip) not in taken:
            yield str(ip)
        ip += 1


def lab_leases(topo):
    """{guest name: [ip of each NIC with a static lease]} - where a lab's guests can be reached."""
    out = {}
    for d in topo['dhcp']:
        by_name = dict((h['name'], h) for h in d['hosts'])
        for g in topo['guests']:
            h = by_name.get(dhcp_label(g['name']))
            if h is not None and any(n['bridge'] == d['bridge'] for n in g['nic_list']):
                out.setdefault(g['name'], []).append(h['ip'])
    return out


def guest_hosts(topo):
    """How Ansible reaches each guest that has a static lease: [{name, address, ssh_user}], in declared
    order (the roles' add_host and the inventory plugin read this)."""
    leases = lab_leases(topo)
    return [{'name': g['name'], 'address': leases[g['name']][0], 'ssh_user': g.get('ssh_user')}
            for g in topo['guests'] if leases.get(g['name'])]


def _claim(links, key, path, kind, fail):
    if key in links:
        fail(path, "interface '%s' in %s is already declared at %s"
             % (key[1], _where(key[0]), render_path(links[key][0])))
    links[key] = (path, kind)


def _claim_addresses(addresses, netns, cidrs, path, fail):
    for j, cidr in enumerate(cidrs or []):
        key = (netns, cidr.ip)
        if key in addresses:
            fail(path + (j,), '%s is already declared in %s' % (cidr.ip, _where(netns)))
        addresses[key] = cidr


def _where(netns):
    return 'the host namespace' if netns is HOST else "namespace '%s'" % netns


def interfaces(topo):
    """Every declared interface - bridges, then each veth's two ends, the VXLAN and VLAN links - as
    {netns, name, kind, mtu, master, addresses, other_netns (a veth end's peer's namespace)}."""
    out = [{'netns': b['netns'], 'name': b['name'], 'kind': 'bridge', 'mtu': b['mtu'], 'master': None,
            'addresses': b['addresses'], 'other_netns': None} for b in topo['bridges']]
    for v in topo['veths']:
        for end, ns, master, addrs, other in (('name', 'netns', 'master', 'addresses', 'peer_netns'),
                                              ('peer', 'peer_netns', 'peer_master', 'peer_addresses', 'netns')):
            out.append({'netns': v[ns], 'name': v[end], 'kind': 'veth', 'mtu': v['mtu'], 'master': v[master],
                        'addresses': v[addrs], 'other_netns': v[other]})
    out.extend({'netns': HOST, 'name': x['name'], 'kind': 'vxlan', 'mtu': x['mtu'], 'master': x['master'],
                'addresses': None, 'other_netns': None} for x in topo.get('vxlans', ()))
    out.extend({'netns': x['netns'], 'name': x['name'], 'kind': 'vlan', 'mtu': x['mtu'], 'master': None,
                'addresses': x['addresses'], 'other_netns': None} for x in topo.get('vlans', ()))
    return out


def declared_links(topo):
    """{(netns, name): kind} of every link the lab makes, and {(name, None): 'netns'} of its namespaces."""
    out = dict(((i['netns'], i['name']), i['kind']) for i in interfaces(topo))
    out.update(((ns['name'], None), 'netns') for ns in topo['namespaces'])
    return out
