"""Host settings shared by labs are held per lab and per role instance: tearing one down never puts a
setting back under another that is still up.

Two labs built with the `lab` role (playbooks/lab.yml), both on bridges and NATed: bridge-nf-call-iptables is
held by each lab in its own name (`vnetlab:<lab> host settings`), ip_forward by each lab's NAT. The first
teardown leaves the second's holds and the lab value; the second puts back what was found and leaves no
record. The same for two netns_bridge and two veth_pair instances, and for a host upgraded from the release
that held bridge-nf under one shared name (`vnetlab`) for every lab.

The holds are read where the sysctl module records them: one directory per setting under
/run/vnetlab/sysctl, one file per holder (its text) in `holders/`. bridge-nf is asked for the value the host
does not have (so a hold is taken wherever the test runs); without br_netfilter the setting does not exist
and only the ip_forward and holder records prove the separation.
"""
import json
import os
import subprocess

import yaml

from conftest import ROOT, ip
from test_playbooks import netns_list, playbook
from test_verbs import Isolated

NF = 'net.bridge.bridge-nf-call-iptables'
FORWARD = 'net.ipv4.ip_forward'
SYSCTL_DIR = '/run/vnetlab/sysctl'
QUIET = {'prerequisites_install_packages': False}


class Place:
    """Where labs are built: this host, or (prefix: nsenter into test_verbs.Isolated) a network and mount
    namespace of the test's own - its own kernel settings and /run/vnetlab. Reads go through the same door."""

    def __init__(self, prefix=()):
        self.prefix = list(prefix)

    def sh(self, script):
        return subprocess.run(self.prefix + ['sh', '-c', script], capture_output=True, text=True, check=False).stdout

    def value(self, name):
        out = self.sh('cat /proc/sys/%s 2>/dev/null' % name.replace('.', '/')).strip()
        return out or None

    def holders(self, name):
        """The holder texts recorded for a host setting."""
        out = self.sh('for f in %s/holders/*; do [ -f "$f" ] && cat "$f" && echo; done' % record(name))
        return set(line for line in out.split('\n') if line)

    def exists(self, path):
        return self.sh('[ -e %s ] && echo yes' % path).strip() == 'yes'

    def playbook(self, name, extra, expect_rc=0):
        if not self.prefix:
            return playbook(name, extra, expect_rc)['stdout']
        cmd = self.prefix + ['--wd=%s' % ROOT, 'ansible-playbook', os.path.join(ROOT, 'playbooks', name), '-e',
                             json.dumps(extra)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
        assert proc.returncode == expect_rc, proc.stdout[-3000:] + proc.stderr[-2000:]
        return proc.stdout

    def teardown(self, name, extra):
        """After a failure: tear down what the test built, whatever happened before."""
        subprocess.run(self.prefix + ['--wd=%s' % ROOT] * bool(self.prefix) + [
            'ansible-playbook', os.path.join(ROOT, 'playbooks', name), '-e',
            json.dumps(dict(extra, vnetlab_state='absent'))], capture_output=True, cwd=ROOT, timeout=600, check=False)


def record(name):
    return os.path.join(SYSCTL_DIR, '%s@host' % name)


class Host:
    """The two settings as found before the test, and the bridge-nf value the labs are given: the other one,
    so that a lab changes it (and holds it) on any host."""

    def __init__(self, place):
        self.place = place
        self.nf, self.forward = place.value(NF), place.value(FORWARD)
        self.nf_holders, self.forward_holders = place.holders(NF), place.holders(FORWARD)
        self.lab_nf = '1' if self.nf == '0' else '0'
        # NAT holds ip_forward only where it has to set it (or joins holders that are there)
        self.nat_holds = self.forward != '1' or bool(self.forward_holders)

    def extra(self):
        return dict(QUIET, prerequisites_bridge_nf_call_iptables=self.lab_nf)

    def expect_nf(self, *held):
        """bridge-nf has the labs' value and exactly these holders (plus whoever held it before the test)."""
        if self.nf is not None:
            assert self.place.value(NF) == self.lab_nf
            assert self.place.holders(NF) == self.nf_holders | set(held)
        else:
            assert not self.place.exists(record(NF))  # ignore_missing: nothing to hold

    def expect_forward(self, *held):
        if self.nat_holds:
            assert self.place.value(FORWARD) == '1'
            assert self.place.holders(FORWARD) == self.forward_holders | set(held)

    def expect_as_found(self):
        p = self.place
        assert p.value(NF) == self.nf and p.holders(NF) == self.nf_holders
        assert p.value(FORWARD) == self.forward and p.holders(FORWARD) == self.forward_holders
        if not self.nf_holders:
            assert not p.exists(record(NF)), 'the last holder leaves no record'
        if not self.forward_holders:
            assert not p.exists(record(FORWARD))


def lab_file(tmp_path, names, i):
    """Lab i: a namespace on a host bridge, NATed out of lo (no traffic leaves the namespace's subnet)."""
    topo = {'lab': names('lab%d' % i),
            'namespaces': [names('n%d' % i)],
            'bridges': [{'name': names('br%d' % i), 'addresses': ['10.61.%d.1/24' % (20 + i)]}],
            'veths': [{'name': names('v%d' % i), 'netns': names('n%d' % i), 'addresses': ['10.61.%d.2/24' % (20 + i)],
                       'peer': names('h%d' % i), 'peer_master': names('br%d' % i)}],
            'nat': [{'source': '10.61.%d.0/24' % (20 + i), 'out_interface': 'lo'}]}
    path = tmp_path / ('lab%d.yml' % i)
    path.write_text(yaml.safe_dump(topo))
    return str(path), topo['lab']


def nat_holder(lab, i):
    return 'vnetlab:%s 10.61.%d.0/24 lo' % (lab, 20 + i)


def two_labs(place, tmp_path, names, **build):
    """Labs 1 and 2 built in place with the lab role; -> (the host as found, [lab names], [role variables])."""
    host = Host(place)
    files = [lab_file(tmp_path, names, i) for i in (1, 2)]
    up = [dict(host.extra(), lab_topology=path) for path, _lab in files]
    try:
        for extra in up:
            place.playbook('lab.yml', dict(extra, **build))
    except BaseException:
        for extra in up:
            place.teardown('lab.yml', extra)
        raise
    return host, [lab for _path, lab in files], up


def test_two_labs_each_hold_their_own(tmp_path, names):
    place = Place()
    host, (lab1, lab2), up = two_labs(place, tmp_path, names)
    try:
        host.expect_nf('vnetlab:%s host settings' % lab1, 'vnetlab:%s host settings' % lab2)
        host.expect_forward(nat_holder(lab1, 1), nat_holder(lab2, 2))

        place.playbook('lab.yml', dict(up[0], vnetlab_state='absent'))
        assert names('n1') not in netns_list() and names('n2') in netns_list()
        host.expect_nf('vnetlab:%s host settings' % lab2)  # the second lab's hold, and its value, stay
        host.expect_forward(nat_holder(lab2, 2))
        assert playbook('lab.yml', dict(up[0], vnetlab_state='absent'))['changed'] == 0

        place.playbook('lab.yml', dict(up[1], vnetlab_state='absent'))
        host.expect_as_found()
    finally:
        for extra in up:
            place.teardown('lab.yml', extra)


def test_labs_built_under_the_shared_name_of_an_earlier_release(tmp_path, names):
    """Labs built by the release that held bridge-nf as `vnetlab` for every lab (that holder forced here by an
    extra var for the builds: the lab role holds in lab_holder's name), torn down by this one: the shared
    hold stays while any of them is up, and goes with the teardown that leaves nothing of vnetlab on the
    host. Nothing of vnetlab: so this runs on a host of its own (test_verbs.Isolated: network and mount
    namespaces, its own bridge-nf, /run/vnetlab), where other runs' labs on this machine are out of sight."""
    isolated = Isolated()
    place = Place(isolated.prefix)
    try:
        host, (lab1, lab2), up = two_labs(place, tmp_path, names, lab_holder='vnetlab')
        try:
            host.expect_nf('vnetlab')

            out = place.playbook('lab.yml', dict(up[0], vnetlab_state='absent'))
            host.expect_nf('vnetlab')  # the other old lab may need it: it cannot tell
            if host.nf is not None:
                assert 'stays held under vnetlab' in out and lab2 in out

            # built again by this release: it holds in its own name as well
            place.playbook('lab.yml', up[1])
            host.expect_nf('vnetlab', 'vnetlab:%s host settings' % lab2)
            place.playbook('lab.yml', dict(up[1], vnetlab_state='absent'))
            host.expect_as_found()
            assert lab1 != lab2
        finally:
            for extra in up:
                place.teardown('lab.yml', extra)
    finally:
        isolated.close()


def test_two_bridge_instances_and_two_veth_pairs(names):
    place = Place()
    host = Host(place)
    bridges = [{'netns_bridge_name': names('br%d' % i),
                'netns_bridge_members': [{'netns': names('b%d%s' % (i, c)), 'host_interface': names('h%d%s' % (i, c)),
                                          'netns_interface': names('n%d%s' % (i, c)),
                                          'address': '10.61.%d.%d/24' % (30 + i, 2 + j)}
                                         for j, c in enumerate('rb')]} for i in (1, 2)]
    pairs = [{'veth_pair_a_netns': names('p%da' % i), 'veth_pair_b_netns': names('p%db' % i),
              'veth_pair_a_interface': names('v%da' % i), 'veth_pair_b_interface': names('v%db' % i),
              'veth_pair_a_address': '10.61.%d.2/24' % (40 + i), 'veth_pair_b_address': '10.61.%d.3/24' % (40 + i)}
             for i in (1, 2)]
    try:
        for b in bridges:
            place.playbook('bridge.yml', dict(host.extra(), **b))
        host.expect_nf('bridge ' + names('br1'), 'bridge ' + names('br2'))
        place.playbook('bridge.yml', dict(host.extra(), vnetlab_state='absent', **bridges[0]))
        assert ip('link', 'show', names('br1'), check=False) == '' and names('b2r') in netns_list()
        host.expect_nf('bridge ' + names('br2'))
        place.playbook('bridge.yml', dict(host.extra(), vnetlab_state='absent', **bridges[1]))
        host.expect_as_found()

        # veth_pair leaves bridge-nf alone, unless an extra var asks for it: then each pair holds it in the
        # name of its namespaces, and its teardown releases exactly that
        for p in pairs:
            place.playbook('veth_pair.yml', dict(host.extra(), **p))
        held = ['veth_pair %s %s' % (names('p%da' % i), names('p%db' % i)) for i in (1, 2)]
        host.expect_nf(*held)
        place.playbook('veth_pair.yml', dict(host.extra(), vnetlab_state='absent', **pairs[0]))
        host.expect_nf(held[1])
        place.playbook('veth_pair.yml', dict(host.extra(), vnetlab_state='absent', **pairs[1]))
        host.expect_as_found()
    finally:
        for b in bridges:
            place.teardown('bridge.yml', dict(host.extra(), **b))
        for p in pairs:
            place.teardown('veth_pair.yml', dict(host.extra(), **p))
