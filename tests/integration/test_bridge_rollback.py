"""A bridge task that enslaves ports and then fails releases exactly the ports it enslaved: each goes back to
its old master (or none) and down if it was down; a port that was on the bridge before stays. The failure is
real: the last port is the lower device of a macvlan, which the kernel refuses to enslave (EBUSY) only when
the task applies - the plan cannot see it. Checked with `ip -j`, not with our own code."""

from conftest import ip, ipj, link


def veth(name, up=False):
    """A link someone made by hand (no mark), with its peer."""
    ip('link', 'add', name, 'type', 'veth', 'peer', 'name', name + 'x')
    if up:
        ip('link', 'set', name, 'up')
    return name


def busy(names, suffix):
    """A port the kernel will not enslave: the lower device of a macvlan."""
    port = veth(names(suffix))
    ip('link', 'add', names(suffix + 'm'), 'link', port, 'type', 'macvlan')
    return port


def host_links():
    """Every link of the host with what a rollback must restore: master, UP flag, alias."""
    return sorted((x['ifname'], x.get('master'), 'UP' in x['flags'], x.get('ifalias')) for x in ipj('link', 'show'))


def test_a_failed_bridge_task_releases_the_port_it_enslaved(run, names):
    br, p0, bad = names('br'), veth(names('p0')), busy(names, 'p1')
    before = host_links()
    msg = run.fails('bridge', name=br, ports=[p0, bad])
    assert "enslave '%s'" % bad in msg and 'rolled back' in msg and "enslave '%s'" % p0 in msg.split('rolled back')[1]
    assert link(br) is None and host_links() == before  # p0: no master, down again; nothing else changed


def test_only_the_ports_this_task_enslaved_are_released(run, names):
    br, p0 = names('br'), veth(names('p0'))
    run.ok('bridge', name=br, ports=[p0])
    p2, p3, bad = veth(names('p2')), veth(names('p3'), up=True), busy(names, 'p1')
    before = host_links()
    run.fails('bridge', name=br, ports=[p0, p2, p3, bad])
    assert host_links() == before  # p0 still the bridge's and up; p2 down and free; p3 up and free
    assert link(p0)['master'] == br and link(p2).get('master') is None and 'UP' in link(p3)['flags']
    run.ok('bridge', name=br, state='absent')


def test_a_lab_that_fails_at_a_port_leaves_the_host_as_it_was(run09, names):
    br, p0, bad = names('br'), veth(names('p0')), busy(names, 'p1')
    lab = {'lab': names('lab'), 'namespaces': [names('ns')],
           'bridges': [{'name': br, 'addresses': ['10.74.8.1/24'], 'ports': [p0, bad]}],
           'veths': [{'name': names('v'), 'netns': names('ns'), 'peer': names('vp'), 'peer_master': br,
                      'addresses': ['10.74.8.2/24']}]}
    before = host_links()
    msg = run09.fails('topology', definition=lab)
    assert "enslave '%s'" % bad in msg and 'rolled back' in msg, msg
    assert host_links() == before and names('ns') not in ip('netns', 'list')


def test_a_port_of_someone_elses_bridge_is_refused_before_anything(run09, names):
    foreign, br, p0 = names('fb'), names('br'), veth(names('p0'), up=True)
    ip('link', 'add', foreign, 'type', 'bridge')
    ip('link', 'set', p0, 'master', foreign)
    before = host_links()
    msg = run09.fails('bridge', name=br, ports=[p0])
    assert msg.startswith('ports:') and "is a port of '%s'" % foreign in msg and 'not made by vnetlab' in msg, msg
    assert host_links() == before
