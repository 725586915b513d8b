"""The lab verbs as a user runs them: `ansible-playbook vnetlab.linux.<verb>` with the collection on the
collections path, from a directory of the user's holding the topology file (a relative path), without the
repository's ansible.cfg.

- up / inspect / down on scenario A (namespaces + veth, with NAT and a port forward), B (a bridge) and C
  (a QEMU guest and a namespace on a bridge, DHCP, NAT, a forward to the guest);
  inspect's JSON checked field by field against lab_info (lab_facts' data), its table row by row;
- down by the lab's name alone leaves nothing: namespaces, links, NAT and forward rules, holds;
- graph draws a topology file before anything exists, labels escaped for DOT (Graphviz parses it);
- cleanup on a host of its own (a network and mount namespace: every vnetlab object it sees is the
  test's): --check lists and changes nothing; cleanup removes two labs' objects and leaves an unmarked
  link and namespace alone.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import time

import pytest
import yaml

from conftest import MINIMAL_X86_64, ROOT, ip, processes

COLLECTIONS = os.path.join(ROOT, '.collections')
SYSCTL_DIR = '/run/vnetlab/sysctl'


def verb(name, cwd, extra=None, check=False, expect_rc=0, prefix=()):
    """ansible-playbook vnetlab.linux.<name> as a user runs it; -> stdout."""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
    env.pop('ANSIBLE_CONFIG', None)
    # nsenter into a mount namespace starts in its root directory: back to the user's
    cmd = (list(prefix) + ['--wd=%s' % cwd] if prefix else []) + [
        'ansible-playbook', 'vnetlab.linux.' + name, '-e', json.dumps(extra or {})]
    if check:
        cmd.append('--check')
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=str(cwd), env=env, timeout=600, check=False)
    assert proc.returncode == expect_rc, proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc.stdout


def messages(stdout):
    """The `msg` lists the verbs print (debug tasks), in order."""
    out = []
    for block in re.findall(r'=> (\{\n.*?\n\})\n', stdout, re.S):
        data = json.loads(block)
        if 'msg' in data:
            out.append(data['msg'])
    return out


def netns_list():
    return [n.split(' ')[0] for n in ip('netns', 'list').split('\n') if n]


def our_rules(lab):
    """Rules (nftables and iptables) whose comment carries this lab's mark."""
    mark = 'vnetlab:%s ' % lab
    found = []
    if shutil.which('nft'):
        out = subprocess.run(['nft', 'list', 'ruleset'], capture_output=True, text=True, check=True).stdout
        found += [line for line in out.splitlines() if mark in line]
    for table in ('nat', 'filter'):
        out = subprocess.run(['iptables', '-w', '-t', table, '-S'], capture_output=True, text=True, check=True).stdout
        found += [line for line in out.splitlines() if mark in line]
    return found


def holds(lab):
    out = []
    for dirpath, _dirs, files in os.walk(SYSCTL_DIR):
        for f in files:
            with open(os.path.join(dirpath, f)) as fh:
                if fh.read().startswith('vnetlab:%s ' % lab):
                    out.append(os.path.join(dirpath, f))
    return out


def write(path, data):
    with open(str(path), 'w') as f:
        yaml.safe_dump(data, f)
    return os.path.basename(str(path))


def scenario_a(names):
    red, blue = names('red'), names('blue')
    return {'lab': names('a'), 'namespaces': [red, blue],
            'veths': [{'name': 'veth-red', 'netns': red, 'addresses': ['10.61.7.2/24'], 'peer': 'veth-blue',
                       'peer_netns': blue, 'peer_addresses': ['10.61.7.3/24']}],
            'nat': [{'source': '10.61.7.0/24', 'out_interface': 'lo'}],
            'forwards': [{'port': 2297, 'to_address': '10.61.7.3', 'to_port': 22, 'in_interface': 'lo'}]}


def scenario_b(names):
    red, blue, br = names('rb'), names('bb'), names('br')
    return {'lab': names('b'), 'namespaces': [red, blue], 'bridges': [{'name': br}],
            'veths': [{'name': 'veth1', 'netns': red, 'addresses': ['10.61.8.2/24'], 'peer': names('hr'),
                       'peer_master': br},
                      {'name': 'veth1', 'netns': blue, 'addresses': ['10.61.8.3/24'], 'peer': names('hb'),
                       'peer_master': br}]}


UP = {'prerequisites_install_packages': False}


def inspect_json(tmp_path, lab=None):
    extra = {'format': 'json', 'output': 'labs.json'}
    if lab:
        extra['lab'] = lab
    verb('inspect', tmp_path, extra)
    with open(str(tmp_path / 'labs.json')) as f:
        return json.load(f)


def check_against_facts(entry, facts, topo):
    """inspect's entry for a lab, field by field against lab_info (lab_facts' data)."""
    assert entry['lab'] == topo['lab']
    assert [n['name'] for n in entry['namespaces']] == sorted(topo['namespaces'])
    for n in entry['namespaces']:
        assert n['links'] == sorted(x for x in facts['netns'][n['name']]['links'] if x != 'lo')
    expected = set()
    for ns in topo['namespaces']:
        expected.update((ns, name) for name in facts['netns'][ns]['links'] if name != 'lo')
    expected.update(('host', name) for name, link in facts['host']['links'].items() if link['lab'] == topo['lab'])
    # a TAP carries its guest's mark, not the lab's: it belongs to the lab of its guest
    guests = set(g['name'] for g in facts['guests'] if g.get('lab') == topo['lab'])
    expected.update(('host', name) for name, link in facts['host']['links'].items() if link.get('guest') in guests)
    assert set((x['netns'], x['name']) for x in entry['links']) == expected
    for x in entry['links']:
        space = facts['host'] if x['netns'] == 'host' else facts['netns'][x['netns']]
        fact = space['links'][x['name']]
        assert x['kind'] == fact['kind'] and x['addresses'] == fact['addresses'] and x['master'] == fact['master']
        assert x['state'] == fact['operstate']
        if fact['kind'] == 'veth':
            assert x['peer'] == '%s/%s' % (fact['peer_netns'] or 'host', fact['peer'])
        if fact['kind'] == 'bridge':
            assert x['ports'] == fact['ports']
    assert entry['nat'] == [dict((k, n[k]) for k in ('source', 'out_interface', 'backend'))
                            for n in facts['nat'] if n['lab'] == topo['lab']]
    assert entry['forwards'] == [dict((k, f[k]) for k in ('protocol', 'port', 'in_interface', 'to_address', 'to_port',
                                                          'from_host', 'backend'))
                                 for f in facts['forwards'] if f['lab'] == topo['lab']]
    if not topo.get('guests'):
        assert entry['guests'] == [] and entry['dhcp'] == []
    for g, fact in zip(entry['guests'], sorted(facts['guests'], key=lambda x: x['name'])):
        assert (g['name'], g['state'], g['pid'], g['arch'], g['accel']) == (
            fact['name'], fact['state'], fact['pid'], fact['arch'], fact['accel'])
        assert g['taps'] == [n['tap'] for n in fact['nics']]
    assert [(d['bridge'], d['state'], d['pid']) for d in entry['dhcp']] == [
        (d['bridge'], d['state'], d['pid']) for d in facts['dhcp'] if d.get('lab') == topo['lab']]


def check_table(stdout, entry, states=True):
    """The table: a header, and a row per object with its fields in their columns. `states=False` for a
    table printed as the lab was made: a new link's operstate settles a moment later (the kernel's link
    watch runs asynchronously), so it may still say DOWN where a later read says UP."""
    printed = [m for m in messages(stdout) if isinstance(m, list) and any(x.startswith('LAB ') for x in m)][-1]
    lines = printed[[x.startswith('LAB ') for x in printed].index(True):]
    header = lines[0]
    cols = dict((c, header.index(c)) for c in header.split())

    def cell(line, col):
        start = cols[col]
        later = [i for i in cols.values() if i > start]
        return line[start:min(later) if later else None].strip()
    rows = [dict((c, cell(line, c)) for c in cols) for line in lines[1:] if line.startswith(entry['lab'] + ' ')]
    by = dict(((r['KIND'], r['NAME'], r.get('NETNS', '')), r) for r in rows)
    for n in entry['namespaces']:
        assert ('netns', n['name'], '') in by
    for x in entry['links']:
        row = by[(x['kind'], x['name'], x['netns'])]
        assert row['ADDRESS'] == ','.join(x['addresses'])
        assert row['STATE'] == x['state'] or not states
        if x.get('peer'):
            assert 'peer %s' % x['peer'] in row['DETAILS']
    for g in entry['guests']:
        row = by[('guest', g['name'], '')]
        assert (row['STATE'], row['PID'], row['ACCEL'], row['ADDRESS']) == \
            (g['state'], str(g['pid']), g['accel'], g['address'])
    for d in entry['dhcp']:
        row = by[('dhcp', d['bridge'], 'host')]
        assert (row['STATE'], row['PID']) == (d['state'], str(d['pid']))
    for n in entry['nat']:
        assert by[('nat', n['source'], 'host')]['DETAILS'] == 'out %s (%s)' % (n['out_interface'], n['backend'])
    for f in entry['forwards']:
        assert by[('forward', '%s/%d' % (f['protocol'], f['port']), 'host')]['ADDRESS'] == \
            '%s:%d' % (f['to_address'], f['to_port'])
    assert len(rows) == sum(len(entry[k]) for k in ('namespaces', 'links', 'guests', 'dhcp', 'nat', 'forwards'))


def test_scenario_a_up_inspect_down_by_name(run09, names, tmp_path):
    topo = scenario_a(names)
    forward_before = open('/proc/sys/net/ipv4/ip_forward').read().strip()
    up = verb('up', tmp_path, dict(UP, topology=write(tmp_path / 'lab.yml', topo)))
    try:
        assert sorted(topo['namespaces']) == sorted(n for n in netns_list() if n in topo['namespaces'])
        facts = run09.ok('lab_info')['vnetlab_lab']
        entry = inspect_json(tmp_path, topo['lab'])
        assert len(entry) == 1
        check_against_facts(entry[0], facts, topo)
        assert entry[0]['nat'] and entry[0]['forwards'] and our_rules(topo['lab']) and holds(topo['lab'])
        check_table(up, entry[0], states=False)  # up prints the lab as inspect does
        check_table(verb('inspect', tmp_path, {'lab': topo['lab']}), entry[0])
        # again: nothing changes
        assert 'is up: 0 changes' in verb('up', tmp_path, dict(UP, topology='lab.yml'))

        preview = verb('down', tmp_path, {'lab': topo['lab']}, check=True)
        assert topo['namespaces'][0] in netns_list() and our_rules(topo['lab'])
        assert any("delete netns '%s'" % topo['namespaces'][0] in line for m in messages(preview) for line in m)
    finally:
        down = verb('down', tmp_path, {'lab': topo['lab']})  # by its name alone
    assert 'Lab %s is down' % topo['lab'] in down
    assert not [n for n in topo['namespaces'] if n in netns_list()]
    assert our_rules(topo['lab']) == [] and holds(topo['lab']) == []
    assert open('/proc/sys/net/ipv4/ip_forward').read().strip() == forward_before
    assert inspect_json(tmp_path, topo['lab']) == []
    assert 'is down: 0 changes' in verb('down', tmp_path, {'lab': topo['lab']})


def test_scenario_b_up_inspect_down_by_file(run09, names, tmp_path):
    topo = scenario_b(names)
    verb('up', tmp_path, dict(UP, topology=write(tmp_path / 'b.yml', topo)))
    try:
        facts = run09.ok('lab_info')['vnetlab_lab']
        assert facts['host']['links'][names('br')]['lab'] == topo['lab']
        entry = inspect_json(tmp_path, topo['lab'])[0]
        check_against_facts(entry, facts, topo)
        assert [x['name'] for x in entry['links'] if x['netns'] == 'host'] == sorted([names('br'), names('hb'),
                                                                                      names('hr')])
        check_table(verb('inspect', tmp_path), entry)
        # the live diagram, on the host
        dot = tmp_path / 'live.dot'
        verb('graph', tmp_path, {'live': True, 'output': str(dot)})
        assert '"host/%s"' % names('br') in dot.read_text()
    finally:
        down = verb('down', tmp_path, {'topology': 'b.yml'})  # by its file
    assert 'Lab %s is down' % topo['lab'] in down
    assert ip('link', 'show', names('br'), check=False) == '' and names('rb') not in netns_list()
    assert inspect_json(tmp_path, topo['lab']) == []


def test_graph_from_a_topology_file_before_the_build(names, tmp_path):
    red = names('red')
    odd = 'vt"q\\x'  # a quote and a backslash: both allowed in an interface name
    topo = {'lab': names('g'), 'namespaces': [red],
            'bridges': [{'name': names('br'), 'addresses': ['10.61.9.1/24']}],
            'veths': [{'name': odd, 'netns': red, 'addresses': ['10.61.9.2/24'], 'peer': names('h'),
                       'peer_master': names('br')}]}
    write(tmp_path / 'g.yml', topo)
    printed = verb('graph', tmp_path, {'topology': 'g.yml'})
    dot_lines = [m for m in messages(printed) if isinstance(m, list)][0]
    assert dot_lines[0] == 'graph vnetlab {'
    verb('graph', tmp_path, {'topology': 'g.yml', 'output': 'g.dot'})
    text = (tmp_path / 'g.dot').read_text()
    assert text == '\n'.join(dot_lines) + '\n'
    label = 'vt\\"q\\\\x\\n10.61.9.2/24'  # as DOT escapes it
    assert '[label="%s", shape=box];' % label in text
    assert '"host/%s" -- "netns:%s/vt\\"q\\\\x" [label="veth"];' % (names('h'), red) in text
    svg = subprocess.run(['dot', '-Tsvg'], input=text, capture_output=True, text=True, check=True).stdout
    assert 'vt&quot;q\\x' in svg  # Graphviz read the label back as it was written
    verb('graph', tmp_path, {'topology': 'g.yml', 'output': 'g.svg'})
    assert (tmp_path / 'g.svg').read_text().startswith('<?xml')
    assert red not in netns_list()  # nothing was built


def test_graph_names_the_line_of_a_bad_key(names, tmp_path):
    (tmp_path / 'bad.yml').write_text('lab: %s\nnamespaces: [a]\nbridges:\n  - {name: br0, colour: red}\n'
                                      % names('x'))
    out = verb('graph', tmp_path, {'topology': 'bad.yml'}, expect_rc=2)
    assert 'bad.yml' in out and 'line 4' in out and 'colour' in out


# ------------------------------------------------------------------------------------------------
# cleanup: on a host of its own
# ------------------------------------------------------------------------------------------------

class Isolated:
    """A network namespace (links, firewall rules, kernel settings, abstract-socket locks) and a mount
    namespace with tmpfs on /run (named namespaces, /run/vnetlab) and /var/lib/vnetlab (guests' disks) - a
    host as far as vnetlab can tell, whose every vnetlab object is this test's: the real host's labs and
    guests are out of sight. Processes are shared, but vnetlab knows its own by their exact pid file or
    configuration path, under names unique to the test. Commands enter it with nsenter."""

    def __init__(self):
        script = ('mount -t tmpfs vt-run /run && mkdir -p /run/netns && ip link set lo up '
                  '&& { [ ! -d /var/lib/vnetlab ] || mount -t tmpfs vt-lib /var/lib/vnetlab; } '
                  '&& echo ready && exec sleep 3600')
        self.proc = subprocess.Popen(['unshare', '--net', '--mount', '--propagation', 'private', 'sh', '-c', script],
                                     stdout=subprocess.PIPE, text=True)
        if self.proc.stdout.readline().strip() != 'ready':
            self.proc.kill()
            pytest.skip('cannot make a network and mount namespace here (unshare)')
        self.prefix = ['nsenter', '-t', str(self.proc.pid), '-n', '-m']
        self.netns_inode = os.stat('/proc/%d/ns/net' % self.proc.pid).st_ino

    def run(self, *cmd, check=True):
        return subprocess.run(self.prefix + list(cmd), capture_output=True, text=True, check=check).stdout

    def state(self):
        """Everything the test compares before and after a check-mode cleanup."""
        return {'links': sorted((x['ifname'], x.get('ifalias')) for x in json.loads(self.run('ip', '-j', 'link'))),
                'netns': self.run('ip', 'netns', 'list'),
                'nft': self.run('nft', 'list', 'ruleset'),
                'iptables': self.run('iptables', '-w', '-t', 'nat', '-S') + self.run('iptables', '-w', '-S'),
                'files': self.run('find', '/run/vnetlab', '/run/netns', check=False),
                'processes': sorted(pid for pid, _cmd in processes() if self.inside(pid))}

    def inside(self, pid):
        try:
            return (pid.isdigit() and int(pid) != self.proc.pid
                    and os.stat('/proc/%s/ns/net' % pid).st_ino == self.netns_inode)
        except OSError:
            return False

    def close(self):
        for pid, _cmd in list(processes()):  # a DHCP server a failed test left: it would outlive the namespace
            if self.inside(pid):
                os.kill(int(pid), signal.SIGKILL)
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def isolated():
    host = Isolated()
    yield host
    host.close()


def test_cleanup_check_then_cleanup_two_labs(names, tmp_path, isolated):
    if not shutil.which('nft') or not shutil.which('dnsmasq'):
        pytest.skip('needs nft and dnsmasq')
    # someone else's: a link and a namespace vnetlab did not make (the uplink of the labs' NAT)
    uplink, foreign_ns = names('up'), names('mine')
    isolated.run('ip', 'link', 'add', uplink, 'type', 'veth', 'peer', 'name', names('up2'))
    isolated.run('ip', 'netns', 'add', foreign_ns)
    one = scenario_a(names)
    one['nat'] = [{'source': '10.61.7.0/24', 'out_interface': uplink}]
    one['forwards'] = [{'port': 2297, 'to_address': '10.61.7.3', 'to_port': 22, 'in_interface': uplink}]
    two = scenario_b(names)
    two['bridges'][0]['addresses'] = ['10.61.8.1/24']
    two['dhcp'] = [{'bridge': names('br')}]
    isolated.run('sh', '-c', 'echo 0 > /proc/sys/net/ipv4/ip_forward')  # a new namespace starts with the host's value
    forwarding = '0'
    for topo, path in ((one, 'one.yml'), (two, 'two.yml')):
        verb('up', tmp_path, dict(UP, topology=write(tmp_path / path, topo)), prefix=isolated.prefix)
    before = isolated.state()
    assert isolated.run('cat', '/proc/sys/net/ipv4/ip_forward').strip() == '1'
    assert len(before['processes']) == 1  # lab two's dnsmasq
    assert 'vnetlab:%s' % one['lab'] in before['nft']

    preview = verb('cleanup', tmp_path, check=True, prefix=isolated.prefix)
    time.sleep(0.1)
    assert isolated.state() == before  # --check changes nothing
    listed = [line for m in messages(preview) for line in m]
    assert listed[0] == 'Would remove lab %s, lab %s: %d changes' % (one['lab'], two['lab'], len(listed) - 1), listed
    for ns in one['namespaces'] + two['namespaces']:
        assert "delete netns '%s'" % ns in listed
    assert "stop dnsmasq on bridge '%s'" % names('br') in listed
    assert any(line.startswith('delete nftables rules for 10.61.7.0/24') for line in listed)
    assert any(line.startswith('remove the forward of tcp port 2297') for line in listed)
    assert not [line for line in listed if uplink in line.split("'") or foreign_ns in line.split("'")]

    done = verb('cleanup', tmp_path, prefix=isolated.prefix)
    assert [line for m in messages(done) for line in m][1:] == listed[1:]
    after = isolated.state()
    assert after['netns'].split() == [foreign_ns]
    assert [name for name, _alias in after['links']] == sorted(['lo', uplink, names('up2')])
    assert 'vnetlab' not in after['nft'] and 'vnetlab' not in after['iptables']
    assert after['processes'] == [] and after['files'].split() == ['/run/netns', '/run/netns/' + foreign_ns]
    assert isolated.run('cat', '/proc/sys/net/ipv4/ip_forward').strip() == forwarding  # put back
    assert 'Removed nothing of vnetlab: 0 changes' in verb('cleanup', tmp_path, prefix=isolated.prefix)


def test_rules_carry_the_lab_two_labs_one_pair_and_prune(run09, names):
    """Two labs NAT the same subnet out of the same uplink: each has its own rules and hold, and taking one
    down leaves the other's. A NAT entry or forward dropped from a topology goes with prune."""
    x, y = names('x'), names('y')

    def lab(name, **extra):
        return dict({'lab': name, 'nat': [{'source': '10.61.5.0/24', 'out_interface': 'lo'}]}, **extra)
    fwd = [{'port': 2296, 'to_address': '10.61.5.9', 'to_port': 22, 'in_interface': 'lo'}]
    try:
        run09.ok('topology', definition=lab(x, forwards=fwd))
        run09.ok('topology', definition=lab(y))
        assert our_rules(x) and our_rules(y) and holds(x) and holds(y)
        # the forward's port is lab x's: lab y may not take it
        msg = run09.fails('topology', definition=lab(y, forwards=fwd))
        assert "tcp port 2296 on lo is already forwarded to 10.61.5.9:22, made by lab '%s'" % x in msg
        assert run09.ok('lab_cleanup', lab=x)['changed']
        assert our_rules(x) == [] and holds(x) == [] and our_rules(y) and holds(y)
        run09.ok('topology', definition=lab(x, forwards=fwd))
        pruned = run09.ok('topology', definition={'lab': x}, prune=True)
        assert 'nat for 10.61.5.0/24 (no longer declared): delete nftables rules for 10.61.5.0/24 out of lo' \
            in pruned['actions'] or any('no longer declared' in a and 'iptables' in a for a in pruned['actions'])
        assert any(a.startswith('forward of tcp port 2296 (no longer declared)') for a in pruned['actions'])
        assert our_rules(x) == [] and holds(x) == [] and our_rules(y)
    finally:
        for name in (x, y):
            run09.ok('lab_cleanup', lab=name)
    assert our_rules(y) == [] and holds(y) == []


IMAGE = MINIMAL_X86_64
NEEDS_IMAGE = pytest.mark.usefixtures('minimal_x86_64')  # built when missing


def scenario_c(names):
    navy, br, guest = names('navy'), names('br'), names('vm')
    return {'lab': names('c'), 'namespaces': [navy], 'bridges': [{'name': br, 'addresses': ['10.61.9.1/24']}],
            'veths': [{'name': 'veth-navy', 'netns': navy, 'addresses': ['10.61.9.2/24'], 'peer': names('vb'),
                       'peer_master': br}],
            'routes': [{'netns': navy, 'destination': 'default', 'gateway': '10.61.9.1'}],
            'dhcp': [{'bridge': br, 'hosts': [{'name': guest, 'ip': '10.61.9.5'}]}],
            'guests': [{'name': guest, 'accel': 'tcg', 'memory': '256M', 'kernel': IMAGE + '/kernel',
                        'initrd': IMAGE + '/initrd.img', 'append': 'console=ttyS0 quiet vnetlab.ip=10.61.9.5/24',
                        'nics': [{'bridge': br, 'tap': names('tap')}], 'wait_for': 'vnetlab-guest-ready',
                        'stop_timeout': 2}],
            'nat': [{'source': '10.61.9.0/24', 'out_interface': 'lo'}],
            'forwards': [{'port': 2298, 'to_address': '10.61.9.5', 'to_port': 22, 'in_interface': 'lo'}]}


@NEEDS_IMAGE
def test_scenario_c_up_inspect_down(run09, names, tmp_path):
    topo = scenario_c(names)
    up = verb('up', tmp_path, dict(UP, topology=write(tmp_path / 'c.yml', topo)))
    try:
        facts = run09.ok('lab_info')['vnetlab_lab']
        entry = inspect_json(tmp_path, topo['lab'])[0]
        check_against_facts(entry, facts, topo)
        [guest] = entry['guests']
        assert (guest['state'], guest['accel'], guest['address']) == ('running', 'tcg', '10.61.9.5')
        assert os.path.exists('/proc/%d' % guest['pid'])  # the pid inspect shows is a live process
        assert [d['state'] for d in entry['dhcp']] == ['running'] and entry['nat'] and entry['forwards']
        check_table(up, entry, states=False)
        check_table(verb('inspect', tmp_path, {'lab': topo['lab']}), entry)
        assert 'is up: 0 changes' in verb('up', tmp_path, dict(UP, topology='c.yml'))
    finally:
        down = verb('down', tmp_path, {'lab': topo['lab']})
    assert 'Lab %s is down' % topo['lab'] in down
    assert inspect_json(tmp_path, topo['lab']) == [] and our_rules(topo['lab']) == []
    assert names('navy') not in netns_list() and ip('link', 'show', names('br'), check=False) == ''


@NEEDS_IMAGE
def test_up_shows_what_a_long_step_waits_for(names, tmp_path):
    """A guest that never prints what the lab waits for: up says, while it waits, which step it is at,
    what it waits for and for how long; then the build fails and is rolled back."""
    guest = names('g')
    topo = {'lab': names('p'), 'bridges': [{'name': names('br'), 'addresses': ['10.61.4.1/24']}],
            'guests': [{'name': guest, 'accel': 'tcg', 'memory': '256M', 'kernel': IMAGE + '/kernel',
                        'initrd': IMAGE + '/initrd.img', 'append': 'console=ttyS0 quiet',
                        'nics': [{'bridge': names('br'), 'tap': names('t')}],
                        'wait_for': 'this-never-appears', 'wait_timeout': 12, 'stop_timeout': 2}]}
    try:
        out = verb('up', tmp_path, dict(UP, topology=write(tmp_path / 'p.yml', topo)), expect_rc=2)
    finally:
        verb('down', tmp_path, {'lab': topo['lab']})  # the host setting up held for the lab
    shown = re.findall(r"^localhost: lab %s: step (\d+)/(\d+), (\d+) s: guest '%s': wait for guest '%s' "
                       r"\('this-never-appears' on its console, up to 12 s\)$" % (topo['lab'], guest, guest), out, re.M)
    assert shown, out[-3000:]
    step, steps, seconds = (int(x) for x in shown[0])
    assert step <= steps and 5 <= seconds <= 12
    assert 'rolled back' in out
    assert ip('link', 'show', names('br'), check=False) == '' and holds(topo['lab']) == []
