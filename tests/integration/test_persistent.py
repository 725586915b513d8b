"""persistent: true - the boot-time run, without a reboot and without systemd as PID 1: the unit goes into a
test directory (VNETLAB_TEST_UNIT_DIR), and its ExecStart is run the way systemd would run it - a fresh
interpreter whose only extra path is the saved zip - after the lab's kernel objects were removed as a
reboot removes them."""
import os
import shlex
import subprocess

from conftest import ip, ipj, link

BASE = '/var/lib/vnetlab/persistent'


def lab(names):
    ns = names('n')
    return {'lab': names('lab'), 'namespaces': [ns],
            'bridges': [{'name': names('br'), 'addresses': ['10.236.0.1/24']}],
            'veths': [{'name': 'eth0', 'netns': ns, 'addresses': ['10.236.0.2/24'], 'peer': names('h'),
                       'peer_master': names('br')}]}


def view(topo):
    ns = topo['namespaces'][0]
    out = {'netns': ns in ip('netns', 'list').split()}
    for name, netns in ((topo['bridges'][0]['name'], None), (topo['veths'][0]['peer'], None), ('eth0', ns)):
        x = link(name, netns) if out['netns'] or netns is None else None
        out[name] = x and (x.get('ifalias'), x.get('master'), 'UP' in x['flags'])
    out['addresses'] = sorted(a['local'] for e in (ipj('addr', 'show', netns=ns) if out['netns'] else [])
                              for a in e.get('addr_info', []) if a.get('scope') == 'global')
    return out


def unit_command(path):
    """ExecStart and PYTHONPATH of the unit, as systemd would read them."""
    env, argv = {}, None
    with open(path) as f:
        for line in f:
            key, _sep, value = line.strip().partition('=')
            if key == 'Environment':
                name, _sep, val = value.partition('=')
                env[name] = val
            elif key == 'ExecStart':
                argv = shlex.split(value)
    return argv, env


def test_restore_from_the_saved_zip_rebuilds_the_lab(run09, names, tmp_path):
    units = tmp_path / 'systemd'
    run09.env = dict(run09.env, VNETLAB_TEST_UNIT_DIR=str(units))
    topo = lab(names)
    name = topo['lab']
    unit = units / ('vnetlab-lab-%s.service' % name)
    try:
        check = run09.ok('topology', definition=topo, persistent=True, check=True)
        assert 'install systemd unit vnetlab-lab-%s.service' % name in check['actions'] and not unit.exists()
        built = run09.ok('topology', definition=topo, persistent=True)
        assert built['actions'][-3:] == [
            "save lab '%s' for boot in %s/%s" % (name, BASE, name), 'install systemd unit %s' % unit.name,
            'enable systemd unit %s (multi-user.target)' % unit.name]
        assert built['diff']['after']['boot']['persistent'] and not built['diff']['before']['boot']['persistent']
        reference = view(topo)
        assert reference['netns'] and reference[topo['bridges'][0]['name']]
        assert os.readlink(str(units / 'multi-user.target.wants' / unit.name)) == '../' + unit.name
        again = run09.ok('topology', definition=topo, persistent=True)  # a new process: the same zip, bytes
        assert not again['changed'], again['actions']
        inspected = run09.ok('lab_inspect', lab=name)
        assert inspected['labs'][0]['persistent'] is True

        # a reboot: the kernel objects are gone (nothing of the lab is in /run once a run has ended)
        ip('netns', 'del', topo['namespaces'][0])
        ip('link', 'del', topo['bridges'][0]['name'])
        assert not view(topo)['netns']
        argv, env = unit_command(str(unit))
        assert argv[0] == run09.python and argv[-1] == name
        assert env['PYTHONPATH'] == '%s/%s/code.zip' % (BASE, name)
        proc = subprocess.run(argv, env=dict(env, PATH='/usr/sbin:/usr/bin:/sbin:/bin'), cwd='/',
                              capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "<6>create netns '%s'" % topo['namespaces'][0] in proc.stdout.splitlines()
        assert proc.stdout.splitlines()[-1].startswith("<5>lab '%s' re-applied (" % name)
        assert view(topo) == reference
        proc = subprocess.run(argv, env=env, cwd='/', capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 0 and "was already as declared" in proc.stdout, proc.stdout + proc.stderr
        assert not run09.ok('topology', definition=topo, persistent=True)['changed']

        # persistent: false (the default) takes the unit away, and leaves the lab
        dropped = run09.ok('topology', definition=topo)
        assert dropped['actions'] == ['disable and remove systemd unit %s' % unit.name,
                                      'remove the saved lab %s/%s' % (BASE, name)]
        assert not unit.exists() and not os.path.exists('%s/%s' % (BASE, name)) and view(topo) == reference
        run09.ok('topology', definition=topo, persistent=True)
    finally:
        gone = run09('topology', definition=topo, state='absent')
    assert not gone.get('failed'), gone.get('msg')
    assert 'disable and remove systemd unit %s' % unit.name in gone['actions']
    assert not unit.exists() and not os.path.exists('%s/%s' % (BASE, name))
    assert not os.path.lexists(str(units / 'multi-user.target.wants' / unit.name))


def test_persistent_needs_systemd_and_fails_before_anything(run09, names):
    if os.path.isdir('/run/systemd/system'):
        return  # systemd runs here: the refusal is covered by the unit tests
    topo = lab(names)
    msg = run09.fails('topology', definition=topo, persistent=True)
    assert msg.startswith('persistent: needs systemd as the init system'), msg
    assert not view(topo)['netns'] and not os.path.exists('%s/%s' % (BASE, topo['lab']))


def test_cleanup_removes_a_persistent_lab(run09, names, tmp_path):
    units = tmp_path / 'systemd'
    run09.env = dict(run09.env, VNETLAB_TEST_UNIT_DIR=str(units))
    topo = lab(names)
    unit = units / ('vnetlab-lab-%s.service' % topo['lab'])
    try:
        run09.ok('topology', definition=topo, persistent=True)
        down = run09.ok('lab_cleanup', lab=topo['lab'])
        assert 'disable and remove systemd unit %s' % unit.name in down['actions']
        assert down['found'][0]['persistent'] == [topo['lab']]
        assert not unit.exists() and not os.path.exists('%s/%s' % (BASE, topo['lab'])) and not view(topo)['netns']
    finally:
        run09('topology', definition=topo, state='absent')
