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

from ansible_collections.vnetlab.linux.plugins.module_utils.names import (
    ParamError, VnetlabError, check_ifname, check_mtu, check_netns, parse_address, parse_interface_cidr,
    parse_network)

try:
    import yaml
    HAS_YAML = True
except ImportError:  # only the controller side (the action plugin) parses YAML
    HAS_YAML = False

LAB_RE = re.compile(r'^[a-z0-9][a-z0-9_.-]{0,31}$')

# section -> {key: (kind, required)}; kinds are checked by _coerce below
SCHEMA = {
    'namespaces': {'name': ('netns', True)},
    'bridges': {'name': ('ifname', True), 'netns': ('netns', False), 'stp': ('bool', False),
                'mtu': ('mtu', False), 'addresses': ('cidrs', False)},
    'veths': {'name': ('ifname', True), 'peer': ('ifname', True), 'netns': ('netns', False),
              'peer_netns': ('netns', False), 'master': ('ifname', False), 'peer_master': ('ifname', False),
              'mtu': ('mtu', False), 'addresses': ('cidrs', False), 'peer_addresses': ('cidrs', False)},
    'routes': {'destination': ('network', True), 'netns': ('netns', False), 'gateway': ('ip', False),
               'device': ('ifname', False), 'metric': ('metric', False)},
}
SERVICE_SECTIONS = ('guests', 'nat')  # validated with their modules' argument specs (topology_services)
TOP_KEYS = ('lab', 'description') + tuple(SCHEMA) + SERVICE_SECTIONS


def lab_alias(lab):
    """The ifalias on every link (and namespace loopback) a lab owns."""
    return 'vnetlab:%s' % lab


def key(netns, ifname):
    """'host/br0', 'red/veth-red': how views and errors name a link."""
    return '%s/%s' % (netns or 'host', ifname)


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
        super(TopologyError, self).__init__('%s%s%s' % (at, where, message))


def render_path(path):
    out = ''
    for part in path:
        out += '[%d]' % part if isinstance(part, int) else ('.' if out else '') + str(part)
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
    """Validate a topology (a dict) and return it with every key present and values parsed:
    {'lab', 'namespaces': [{'name'}], 'bridges': [...], 'veths': [...], 'routes': [...]}."""
    def fail(path, message):
        raise TopologyError(path, message, positions, source)

    if not isinstance(data, dict):
        fail((), 'a topology is a mapping with at least `lab:`; got %s' % type(data).__name__)
    _unknown_keys(data, TOP_KEYS, (), fail)
    lab = data.get('lab')
    if not isinstance(lab, str) or not LAB_RE.match(lab):
        fail(('lab',), "lab must be a name of 1-32 characters: lower-case letters, digits, '.', '_' or '-' "
                       "(it marks what this lab owns); got %r" % (lab,))
    topo = {'lab': lab}
    for section, fields in SCHEMA.items():
        items = data.get(section) or []
        if not isinstance(items, list):
            fail((section,), 'must be a list')
        topo[section] = [_entry(section, fields, item, (section, i), fail) for i, item in enumerate(items)]
    _check_references(topo, fail)
    for section in SERVICE_SECTIONS:
        items = data.get(section) or []
        if not isinstance(items, list):
            fail((section,), 'must be a list')
        if items:  # imported here: it needs ansible's argument spec validator, which pure tests may lack
            from ansible_collections.vnetlab.linux.plugins.module_utils import topology_services
            topo[section] = topology_services.normalize(section, items, fail)
        else:
            topo[section] = []
    return topo


def _unknown_keys(mapping, allowed, path, fail):
    for key in mapping:
        if key not in allowed:
            fail(path + (key,), "unknown key '%s'; allowed here: %s" % (key, ', '.join(allowed)))


def _entry(section, fields, item, path, fail):
    if section == 'namespaces' and isinstance(item, str):
        item = {'name': item}
    if not isinstance(item, dict):
        fail(path, 'each entry is a mapping with keys %s' % ', '.join(fields))
    _unknown_keys(item, tuple(fields), path, fail)
    out = {}
    for key, (kind, required) in fields.items():
        value = item.get(key)
        if value is None:
            if required:
                fail(path + (key,), "'%s' is required" % key)
            out[key] = None  # for addresses: not managed (an empty list means: none)
            continue
        try:
            out[key] = _coerce(kind, key, value)
        except ParamError as e:
            fail(path + (key,), str(e).split(': ', 1)[1])
    return out


def _coerce(kind, key, value):
    if kind in ('ifname', 'netns'):
        if not isinstance(value, str):
            raise ParamError(key, 'must be a string')
        return check_ifname(key, value) if kind == 'ifname' else check_netns(key, value)
    if kind == 'bool':
        if not isinstance(value, bool):
            raise ParamError(key, 'must be true or false')
        return value
    if kind in ('mtu', 'metric'):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParamError(key, 'must be an integer')
        if kind == 'metric' and not 0 <= value <= 0xffffffff:
            raise ParamError(key, 'must be between 0 and 4294967295')
        return check_mtu(key, value) if kind == 'mtu' else value
    if kind == 'cidrs':
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise ParamError(key, 'must be a list of addresses with prefix, for example [10.16.0.2/24]')
        return [parse_interface_cidr(key, v) for v in value]
    if kind == 'network':
        return parse_network(key, value)
    if kind == 'ip':
        return parse_address(key, value)
    raise AssertionError(kind)


def _check_references(topo, fail):
    declared_ns = {}
    for i, ns in enumerate(topo['namespaces']):
        if ns['name'] in declared_ns:
            fail(('namespaces', i, 'name'), "namespace '%s' is declared twice" % ns['name'])
        declared_ns[ns['name']] = i

    def need_ns(path, netns):
        if netns is not None and netns not in declared_ns:
            fail(path, "namespace '%s' is not declared under namespaces:; add it there (or omit the key for "
                       "the host namespace)" % netns)

    links = {}   # (netns, ifname) -> (path, kind)
    addresses = {}  # (netns, ip) -> path
    for i, br in enumerate(topo['bridges']):
        need_ns(('bridges', i, 'netns'), br['netns'])
        _claim(links, (br['netns'], br['name']), ('bridges', i, 'name'), 'bridge', fail)
        _claim_addresses(addresses, br['netns'], br['addresses'], ('bridges', i, 'addresses'), fail)
    for i, veth in enumerate(topo['veths']):
        for end, ns_key, master_key, addr_key in (('name', 'netns', 'master', 'addresses'),
                                                  ('peer', 'peer_netns', 'peer_master', 'peer_addresses')):
            path = ('veths', i)
            need_ns(path + (ns_key,), veth[ns_key])
            _claim(links, (veth[ns_key], veth[end]), path + (end,), 'veth', fail)
            master = veth[master_key]
            if master is not None:
                owner = links.get((veth[ns_key], master))
                if owner is not None and owner[1] != 'bridge':
                    fail(path + (master_key,), "'%s' is a veth end, not a bridge" % master)
                # an undeclared master must be an existing bridge: checked against the kernel later
            _claim_addresses(addresses, veth[ns_key], veth[addr_key], path + (addr_key,), fail)
    routes = set()
    for i, route in enumerate(topo['routes']):
        path = ('routes', i)
        need_ns(path + ('netns',), route['netns'])
        dst, gw = route['destination'], route['gateway']
        if gw is None and route['device'] is None:
            fail(path, 'give a gateway and/or a device for the route to %s' % (dst or 'default'))
        if gw is not None and dst is not None and gw.version != dst.version:
            fail(path + ('gateway',), '%s and destination %s are different IP versions' % (gw, dst))
        if route['device'] is not None and (route['netns'], route['device']) not in links \
                and route['netns'] is not None:
            fail(path + ('device',), "'%s' is not an interface declared in %s" % (route['device'], _where(route['netns'])))
        if gw is not None and route['netns'] is not None and not gw.is_link_local:
            connected = [a.network for (ns, _ip), a in addresses.items() if ns == route['netns']]
            if not any(gw in net for net in connected):
                fail(path + ('gateway',), '%s is not on any subnet declared in %s (declared: %s)'
                     % (gw, _where(route['netns']), ', '.join(sorted(set(str(n) for n in connected))) or 'none'))
        key = (route['netns'], route_dst(route), route['metric'])
        if key in routes:
            fail(path + ('destination',), 'the route to %s in %s is declared twice' % (key[1], _where(key[0])))
        routes.add(key)


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
    return 'the host namespace' if netns is None else "namespace '%s'" % netns


def ip_version(route):
    return (route['destination'] or route['gateway'] or ipaddress.ip_address('0.0.0.0')).version


def route_dst(route):
    """A declared route's destination as the kernel reads show it: '10.30.0.0/16' or 'default'."""
    return str(route['destination']) if route['destination'] else 'default'


def interfaces(topo):
    """Every declared interface - bridges, then each veth's two ends - as
    {netns, name, kind, mtu, master, addresses, other_netns (a veth end's peer's namespace)}."""
    out = [{'netns': b['netns'], 'name': b['name'], 'kind': 'bridge', 'mtu': b['mtu'], 'master': None,
            'addresses': b['addresses'], 'other_netns': None} for b in topo['bridges']]
    for v in topo['veths']:
        for end, ns, master, addrs, other in (('name', 'netns', 'master', 'addresses', 'peer_netns'),
                                              ('peer', 'peer_netns', 'peer_master', 'peer_addresses', 'netns')):
            out.append({'netns': v[ns], 'name': v[end], 'kind': 'veth', 'mtu': v['mtu'], 'master': v[master],
                        'addresses': v[addrs], 'other_netns': v[other]})
    return out
