"""No string a module, a topology or a role takes holds an ASCII control character (docs/design.md "Control
characters"): a test of the class - every module's main(), every string option of its real argument_spec
(nested suboptions and list elements too), every topology section and key, every role - not of one value."""
import ast
import glob
import importlib
import json
import os
import re
import subprocess
import tempfile

import pytest
import yaml
from ansible.module_utils import basic

from ansible_collections.vnetlab.linux.plugins.module_utils import entry
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import (
    SECTIONS, TEXT_KEYS, TopologyError, load_yaml, normalize, section_spec)
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import (
    LINES, TAB, TEXT, check_params, control_characters, control_problem)
from ansible_collections.vnetlab.linux.plugins.test.printable import TestModule as PrintableTests
from ansible_collections.vnetlab.linux.plugins.test.printable import printable

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONTROL = [chr(c) for c in range(0x20)] + ['\x7f']
MODULES = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(ROOT, 'plugins', 'modules', '*.py')))

# The whole exception list, pinned: {module: {option: what it may hold}} and the topology's keys. Adding an
# option here is a decision to review (and to write down in docs/design.md), never a side effect.
CLOUD_INIT = {'cloud_init.user_data': TEXT, 'cloud_init.meta_data': TEXT, 'cloud_init.network_config': TEXT}
TOPOLOGY_EXCEPTIONS = dict([('description', TEXT)] + [('guests.' + k, v) for k, v in CLOUD_INIT.items()])
# a topology as `definition`: JSON text of it, or the data with the topology's own exceptions
DEFINITION = dict([('definition', TEXT)] + [('definition.' + k, v) for k, v in TOPOLOGY_EXCEPTIONS.items()])
EXCEPTIONS = {
    'qemu_guest': CLOUD_INIT,
    'guest_command': {'command': LINES},
    'topology': DEFINITION,
    'lab_diagram': dict(DEFINITION, facts=TEXT),
    'sysctl': {'value': TAB},
}


def escaped(ch):
    return {'\t': '\\t', '\n': '\\n', '\r': '\\r'}.get(ch, '\\x%02x' % ord(ch))


# ------------------------------------------------------------------------------------------------
# the rule itself (validate.py)
# ------------------------------------------------------------------------------------------------

def test_the_message_names_the_option_the_character_and_its_position():
    with pytest.raises(ParamError) as e:
        check_params({'name': 'net.ipv4.ip_forward', 'value': '1\n0'})
    assert str(e.value) == 'value: contains a control character (\\n at position 1); give the value on one line'
    with pytest.raises(ParamError) as e:
        check_params({'nics': [{'bridge': 'br0'}, {'bridge': 'br1', 'mac': '52:54\x00'}]})
    assert str(e.value) == 'nics[1].mac: contains a control character (\\x00 at position 5); remove it'
    with pytest.raises(ParamError) as e:
        check_params({'cloud_init': {'user_data': '#!/bin/sh\n\x1b[2J'}}, CLOUD_INIT)
    assert str(e.value) == ('cloud_init.user_data: contains a control character (\\x1b at position 10); remove it '
                            '(here only tabs and line breaks are allowed)')


@pytest.mark.parametrize('ch', CONTROL, ids=escaped)
def test_every_ascii_control_character_is_refused(ch):
    assert control_problem('a' + ch) == 'contains a control character (%s at position 1); %s' % (
        escaped(ch), 'give the value on one line' if ch in '\n\r' else 'remove it')
    assert control_problem(ch, TEXT) is None if ch in '\t\n\r' else control_problem(ch, TEXT) is not None
    assert printable('a' + ch) is False


@pytest.mark.parametrize('text', ['', 'br0', 'net.ipv4.ip_forward', '10.16.0.1/24', ' spaces ', '~!@#$%^&*()_+{}|:"<>?',
                                  'é日本', '\x80\u2028'])
def test_other_characters_pass(text):
    assert control_problem(text) is None and printable(text) is True
    assert check_params({'a': text, 'b': [text], 'c': {text or 'k': text}}) is None


def test_lists_dicts_and_keys_at_any_depth_are_walked():
    found = list(control_characters({'a': [1, None, True, {'b': ['ok', 'x\ty']}], 'k\ny': 'v', 'z': 2.5}))
    assert found == [(('a', 3, 'b', 1), 'contains a control character (\\t at position 1); remove it'),
                     (('k\ny',), 'the key contains a control character (\\n at position 1); give the key on one line')]
    assert printable({'a': [{'b': 'c'}], 'n': None, 'i': 3}) is True
    assert printable({'a': [{'b': 'c\x7f'}]}) is False and printable({'k\x00': 1}) is False


def test_a_text_option_is_for_the_strings_right_there_and_nothing_else():
    options = {'definition': TEXT, 'definition.guests.cloud_init.user_data': TEXT, 'cloud_init.user_data': TEXT,
               'command': LINES}
    assert check_params({'definition': '{\n\t"lab": "x"\r\n}'}, options) is None
    assert check_params({'definition': {'guests': [{'cloud_init': {'user_data': 'a\nb'}}]}}, options) is None
    assert check_params({'cloud_init': {'user_data': 'a\r\n\tb'}}, options) is None
    assert check_params({'command': ['ls\n', 'ip a\r\n']}, options) is None  # each string of a list
    for bad, path in [({'definition': 'a\x00'}, 'definition'),
                      ({'definition': {'k\n': 'v'}}, 'definition.k\\n'),  # a key is a name, even there
                      ({'definition': {'bridges': [{'name': 'br\n0'}]}}, 'definition.bridges[0].name'),
                      ({'definition': ['a', 'b\x00c']}, 'definition[1]'),
                      ({'cloud_init': {'meta_data': 'a\nb'}}, 'cloud_init.meta_data'),
                      ({'user_data': 'a\nb'}, 'user_data'),  # the dotted path, not the last key
                      ({'command': 'ls\tx'}, 'command'),
                      ({'cloud_init': {'user_data': 'a\x00'}}, 'cloud_init.user_data')]:
        with pytest.raises(ParamError) as e:
            check_params(bad, options)
        assert e.value.param == path


def test_the_jinja2_test_is_the_same_rule_under_its_own_name():
    assert PrintableTests().tests() == {'printable': printable}
    for value in (None, 3, False, 'x', ['a', {'b': 'c'}]):
        assert printable(value) is True


# ------------------------------------------------------------------------------------------------
# every module
# ------------------------------------------------------------------------------------------------

def python_files():
    for pattern in ('plugins/*/*.py', 'plugins/*/*/*.py', 'plugins/*/*/*/*.py'):
        for path in glob.glob(os.path.join(ROOT, pattern)):
            yield os.path.relpath(path, ROOT)


def test_no_module_builds_its_ansible_module_but_through_new_module():
    """One entry: a module that called AnsibleModule itself would skip the rule."""
    calls = []
    for path in python_files():
        with open(os.path.join(ROOT, path)) as f:
            tree = ast.parse(f.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, 'id', None) or getattr(node.func, 'attr', None)
                if name == 'AnsibleModule':
                    calls.append(path)
    assert set(calls) == {'plugins/module_utils/entry.py'}


class Captured(Exception):
    pass


def captured(module, monkeypatch):
    """(argument_spec, kwargs, text_options) with which the module's main() builds its AnsibleModule: main()
    runs until new_module makes it, which raises instead (so nothing else of the module runs)."""
    seen = {}

    class FakeModule:
        def __init__(self, argument_spec, **kwargs):
            raise Captured(argument_spec, kwargs, seen['text_options'] or {})

    def fake_check(params, text_options=None):
        seen['text_options'] = text_options
    monkeypatch.setattr(basic, '_load_params', lambda: {})
    monkeypatch.setattr(entry, 'AnsibleModule', FakeModule)
    monkeypatch.setattr(entry, 'check_params', fake_check)
    mod = importlib.import_module('ansible_collections.vnetlab.linux.plugins.modules.' + module)
    with pytest.raises(Captured) as e:
        mod.main()
    return e.value.args


def documented_options(module):
    with open(os.path.join(ROOT, 'plugins', 'modules', module + '.py')) as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == 'DOCUMENTATION':
            return yaml.safe_load(node.value.value).get('options') or {}
    raise AssertionError('no DOCUMENTATION in ' + module)


def string_paths(spec, prefix=()):
    """Each place a string goes in the module's parameters: (path, option) - path a tuple as
    control_characters gives it (0 for the first list element), option the spec entry of that string."""
    for name, option in spec.items():
        path = prefix + (name,)
        kind, elements = option.get('type', 'str'), option.get('elements')
        if kind in ('str', 'path', 'raw'):
            yield path, option
        elif kind == 'list' and elements in ('str', 'path', 'raw'):
            yield path + (0,), option
        elif kind == 'list' and elements == 'dict' and 'options' in option:
            yield from string_paths(option['options'], path + (0,))
        elif kind == 'dict' and 'options' in option:
            yield from string_paths(option['options'], path)


PLACEHOLDER = {'int': 1, 'float': 1.0, 'bool': False, 'str': 'placeholder', 'path': '/placeholder',
               'raw': 'placeholder'}


def placeholder(option):
    if option.get('choices'):
        return option['choices'][0]
    kind = option.get('type', 'str')
    if kind == 'list':
        item = required_only(option['options']) if option.get('elements') == 'dict' else PLACEHOLDER[
            option.get('elements', 'str')]
        return [item]
    if kind == 'dict':
        return required_only(option.get('options', {}))
    return PLACEHOLDER[kind]


def required_only(spec):
    return dict((k, placeholder(o)) for k, o in spec.items() if o.get('required'))


def set_path(params, path, value, spec):
    """params with value at path (creating the lists and dicts on the way, with their required keys)."""
    key, rest = path[0], path[1:]
    if not rest:
        params[key] = value
        return params
    option = spec[key]
    if rest[0] == 0:  # a list
        if not rest[1:]:
            params[key] = [value]
        else:
            params[key] = [set_path(required_only(option['options']), rest[1:], value, option['options'])]
    else:
        params[key] = set_path(params.get(key) or required_only(option['options']), rest, value, option['options'])
    return params


def valid_params(spec, kwargs, path, value):
    """The option at path set to value, and what the spec and the module's kwargs require besides."""
    params = set_path(required_only(spec), path, value, spec)

    def default(key):
        return params.get(key, spec[key].get('default'))
    for key, when, needed in kwargs.get('required_if', []):
        if default(key) == when:
            for n in needed:
                params.setdefault(n, placeholder(spec[n]))
    for group in kwargs.get('required_together', []):
        if any(k in params for k in group):
            for k in group:
                params.setdefault(k, placeholder(spec[k]))
    exclusive = kwargs.get('mutually_exclusive', [])
    for group in kwargs.get('required_one_of', []):
        if not any(k in params for k in group):
            for k in group:
                if not any(k in g and any(other in params for other in g if other != k) for g in exclusive):
                    params[k] = placeholder(spec[k])
                    break
    return params


def run_entry(spec, kwargs, text_options, params, monkeypatch, capsys):
    """new_module as the module calls it, with these parameters: None when it returns, else its failure."""
    monkeypatch.setattr(basic, '_ANSIBLE_ARGS', json.dumps({'ANSIBLE_MODULE_ARGS': params}).encode())
    monkeypatch.setattr(basic, '_ANSIBLE_PROFILE', 'legacy', raising=False)  # ansible-core 2.19 and later
    try:
        entry.new_module(spec, text_options, **kwargs)
    except SystemExit:
        out = capsys.readouterr().out
        return json.loads(out.strip().splitlines()[-1])
    return None


def render(path):
    return ''.join('[%d]' % p if isinstance(p, int) else ('.' if i else '') + p for i, p in enumerate(path))


@pytest.mark.parametrize('module', MODULES)
def test_every_string_option_of_every_module_refuses_control_characters(module, monkeypatch, capsys):
    spec, kwargs, text_options = captured(module, monkeypatch)
    monkeypatch.undo()
    assert text_options == EXCEPTIONS.get(module, {}), 'an exception not in the reviewed list'
    assert set(documented_options(module)) <= set(spec)  # the spec seen is the one documented
    paths = list(string_paths(spec))
    assert paths or module in ('lab_facts', 'lab_info', 'lab_cleanup', 'lab_inspect'), module
    for path, option in paths:
        where = render(path)
        allowed = text_options.get('.'.join(p for p in path if not isinstance(p, int)), '')
        clean = option['choices'][0] if option.get('choices') else 'ab' + allowed + 'cd'
        assert run_entry(spec, kwargs, text_options, valid_params(spec, kwargs, path, clean), monkeypatch,
                         capsys) is None, '%s %s: the valid parameters fail' % (module, where)
        for ch in CONTROL:
            if ch in allowed:
                continue
            result = run_entry(spec, kwargs, text_options, valid_params(spec, kwargs, path, 'ab%scd' % ch),
                               monkeypatch, capsys)
            assert result and result.get('failed'), '%s %s took %r' % (module, where, ch)
            # ours, before Ansible's own checks: an option with choices too (Ansible would echo the value)
            assert result['msg'].startswith('%s: contains a control character (%s at position 2)'
                                            % (where, escaped(ch))), result['msg']


@pytest.mark.parametrize('module', [m for m in MODULES if 'raw' in str(documented_options(m))])
def test_raw_options_are_walked_inside_and_their_keys_too(module, monkeypatch, capsys):
    spec, kwargs, text_options = captured(module, monkeypatch)
    monkeypatch.undo()
    for name, option in spec.items():
        if option.get('type') != 'raw':
            continue
        for value, where in [({'lab': 'x', 'bridges': [{'name': 'br\x000'}]}, '%s.bridges[0].name' % name),
                             ({'lab': 'x', 'bridges': [{'name': 'br\n0'}]}, '%s.bridges[0].name' % name),
                             ({'ke\x00y': 'v'}, '%s.ke\\x00y' % name)]:
            result = run_entry(spec, kwargs, text_options, valid_params(spec, kwargs, (name,), value), monkeypatch,
                               capsys)
            assert result['failed'] and result['msg'].startswith(where + ': '), result['msg']
            assert 'contains a control character' in result['msg']
            assert 'only tabs' not in result['msg']  # the text option's exception is not for what is in it


def test_the_kinds_exceptions_are_the_reviewed_ones():
    from ansible_collections.vnetlab.linux.plugins.module_utils.objects import (
        address, bridge, dhcp, forward, guest, image, nat, netns, route, sysctl, veth, vxlan)
    kinds = dict((k.KIND.name, k.KIND.TEXT_OPTIONS) for k in (
        address, bridge, dhcp, forward, guest, image, nat, netns, route, sysctl, veth, vxlan))
    assert dict((k, v) for k, v in kinds.items() if v) == {'guest': CLOUD_INIT, 'sysctl': {'value': TAB}}
    assert TEXT_KEYS == TOPOLOGY_EXCEPTIONS


# ------------------------------------------------------------------------------------------------
# every topology section and key (lab/schema.py)
# ------------------------------------------------------------------------------------------------

def topology_string_paths():
    for section in sorted(SECTIONS):
        for path, option in string_paths(section_spec(section)):
            yield section, path, option


@pytest.mark.parametrize('section, path, option', list(topology_string_paths()),
                         ids=lambda x: render(x) if isinstance(x, tuple) else x if isinstance(x, str) else '')
@pytest.mark.parametrize('ch', ['\n', '\x00', '\t', '\x7f'], ids=escaped)
def test_every_string_of_every_section_refuses_control_characters(section, path, option, ch):
    allowed = TOPOLOGY_EXCEPTIONS.get('.'.join((section,) + tuple(p for p in path if not isinstance(p, int))), '')
    value = 'ab%scd' % ch
    entry_ = set_path({}, path, value, section_spec(section))
    data = {'lab': 'x', section: [entry_]}
    if ch in allowed:  # refused later for other reasons maybe, never for the character
        try:
            normalize(data)
        except TopologyError as e:
            assert 'control character' not in str(e)
        return
    with pytest.raises(TopologyError) as e:
        normalize(data)
    assert str(e.value).startswith('%s[0].%s: contains a control character (%s at position 2)'
                                   % (section, render(path), escaped(ch))), str(e.value)


@pytest.mark.parametrize('data, message', [
    ({'lab': 'x\n'}, 'lab: contains a control character (\\n at position 1); give the value on one line'),
    ({'lab': 'x', 'description': 'a lab\n\tof two lines\r\n', 'namespaces': ['r\x00']},
     'namespaces[0]: contains a control character (\\x00 at position 1); remove it'),
    ({'lab': 'x', 'description': 'a\x00'}, 'description: contains a control character (\\x00 at position 1); remove '
                                           'it (here only tabs and line breaks are allowed)'),
    ({'lab': 'x', 'bri\x00dges': []},
     'bri\\x00dges: the key contains a control character (\\x00 at position 3); remove it'),
    ({'lab': 'x', 'bridges': [{'name': 'br0', 'host': 'h\n1'}]},
     'bridges[0].host: contains a control character (\\n at position 1)'),
    ({'lab': 'x', 'bridges': [{'name': 'br0', 'hosts': ['h1', 'h2\x1b']}]},
     'bridges[0].hosts[1]: contains a control character (\\x1b at position 2)'),
    ({'lab': 'x', 'default_host': 'h\r'}, 'default_host: contains a control character (\\r at position 1)'),
    ({'lab': 'x', 'veths': [{'name': 'a', 'peer': 'b', 'nonsense\n': 1}]},
     'veths[0].nonsense\\n: the key contains a control character'),
    ({'lab': 'x', 'guests': [{'name': 'g', 'cloud_init': {'user_data': '#!/bin/sh\n\x00'}}]},
     'guests[0].cloud_init.user_data: contains a control character (\\x00 at position 10)'),
    ({'lab': 'x', 'guests': [{'name': 'g', 'cloud_init': {'ssh_authorized_keys': ['ssh-ed25519 AAA\nx']}}]},
     'guests[0].cloud_init.ssh_authorized_keys[0]: contains a control character (\\n at position 15)'),
])
def test_the_schema_walks_every_string_and_key(data, message):
    with pytest.raises(TopologyError) as e:
        normalize(data, source='definition')
    assert str(e.value).startswith('definition: ' + message), str(e.value)


def test_a_topology_file_names_the_line_of_the_key():
    text = 'lab: x\nnamespaces: [red]\nbridges:\n  - name: "br\\0x"\n'
    data, positions = load_yaml(text, source='lab.yml')
    with pytest.raises(TopologyError) as e:
        normalize(data, positions, source='lab.yml')
    assert str(e.value) == ('lab.yml line 4: bridges[0].name: contains a control character (\\x00 at position 2); '
                            'remove it')


def test_multiline_cloud_init_and_description_still_pass():
    topo = normalize({'lab': 'x', 'description': 'two\nlines', 'guests': [{
        'name': 'g', 'kernel': '/k', 'cloud_init': {'user_data': '#cloud-config\nusers:\n\t- name: a\r\n',
                                                    'meta_data': '{\n "instance-id": "g"\n}',
                                                    'network_config': 'version: 2\n'}}]})
    assert topo['guests'][0]['name'] == 'g'


# ------------------------------------------------------------------------------------------------
# every role
# ------------------------------------------------------------------------------------------------

ROLES = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ROOT, 'roles', '*')) if os.path.isdir(p))
CHECK = 'Check the variables for control characters before anything changes'
NOT_CHECKED = {'lab': ['lab_definition']}  # the topology: the schema's check, in the role's validate_only task


def role_yaml(role, *parts):
    with open(os.path.join(ROOT, 'roles', role, *parts)) as f:
        return yaml.safe_load(f) or {}


@pytest.mark.parametrize('role', ROLES)
def test_each_role_checks_its_variables_first(role):
    tasks = role_yaml(role, 'tasks', 'main.yml')
    assert tasks[0]['name'] == CHECK
    names = tasks[0]['vars']['%s_control_names' % role]
    for var in NOT_CHECKED.get(role, []):
        assert "reject('in', ['%s'])" % var in names
    assert names.count("reject('in'") == (1 if role in NOT_CHECKED else 0)


def string_variables(role):
    options = role_yaml(role, 'meta', 'argument_specs.yml')['argument_specs']['main']['options']
    return [(name, o) for name, o in options.items() if name not in NOT_CHECKED.get(role, [])]


def bad_value(option):
    kind = option.get('type', 'str')
    if kind == 'list':
        return ['ok', 'b\nad'] if option.get('elements', 'str') == 'str' else [{'k': 'b\x00ad'}]
    if kind == 'dict':
        return {'k': 'b\x00ad'}
    return 'b\nad' if kind in ('str', 'path') else None


def test_each_role_refuses_a_control_character_in_any_of_its_variables():
    """The role's check task alone (an assert: nothing touches the host), in a play per case on the controller:
    the role's defaults pass; a control character in each string variable, one at a time, fails naming it."""
    plays, expected = [], []
    for role in ROLES:
        task = dict(role_yaml(role, 'tasks', 'main.yml')[0], ignore_errors=True)
        defaults = role_yaml(role, 'defaults', 'main.yml')
        cases = [(None, None)] + [(n, bad_value(o)) for n, o in string_variables(role) if bad_value(o) is not None]
        for name, value in cases:
            variables = dict(defaults, role_path=os.path.join(ROOT, 'roles', role))
            if name:
                variables[name] = value
            plays.append({'name': 'case %d' % len(plays), 'hosts': 'localhost', 'connection': 'local',
                          'gather_facts': False, 'vars': variables, 'tasks': [task]})
            expected.append((role, name, value))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'check.yml')
        with open(path, 'w') as f:
            yaml.safe_dump(plays, f)
        proc = subprocess.run(['ansible-playbook', path], capture_output=True, text=True, cwd=ROOT, timeout=600,
                              check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    outputs = proc.stdout.split('PLAY [case ')[1:]
    assert len(outputs) == len(expected)
    for (role, name, _value), out in zip(expected, outputs):
        if name is None:
            assert 'ok: [localhost]' in out, (role, out)
        else:
            named = re.search(r'FAILED! => .*"msg": "([^:"]*): ', out)  # the variables named (one may follow another)
            assert named and name in named.group(1).split(', '), (role, name, out)
            assert 'holds an ASCII control character; give each value on one line' in out, (role, name, out)
