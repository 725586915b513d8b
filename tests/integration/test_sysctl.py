"""vnetlab.linux.sysctl: per-namespace parameters, saving and restoring the original value."""
import os
import subprocess


def read(name, ns=None):
    from conftest import ip  # noqa: F401  (namespaced reads go through `ip netns exec` as an oracle)
    import subprocess
    cmd = (['ip', 'netns', 'exec', ns] if ns else []) + ['cat', '/proc/sys/' + name.replace('.', '/')]
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()


def test_set_and_restore_in_a_namespace(run, names):
    ns = names('ns')
    run.ok('netns', name=ns)
    name = 'net.ipv4.ip_forward'
    host_before = read(name)
    assert read(name, ns) == '0'
    args = dict(name=name, value='1', netns=ns)
    assert run.ok('sysctl', check=True, **args)['changed'] and read(name, ns) == '0'
    first = run.ok('sysctl', **args)
    assert first['changed'] and first['diff']['before']['value'] == '0' and read(name, ns) == '1'
    assert read(name) == host_before  # per namespace: the host is untouched
    assert not run.ok('sysctl', **args)['changed']
    restored = run.ok('sysctl', name=name, netns=ns, state='absent')
    assert restored['changed'] and read(name, ns) == '0'
    assert not run.ok('sysctl', name=name, netns=ns, state='absent')['changed']
    assert not os.path.exists('/run/vnetlab/sysctl')
    run.ok('netns', name=ns, state='absent')


def test_missing_parameter(run09):
    msg = run09.fails('sysctl', name='net.vnetlab.nothing', value='1')
    assert msg.startswith('name:') and 'ignore_missing' in msg
    assert not run09.ok('sysctl', name='net.vnetlab.nothing', value='1', ignore_missing=True)['changed']


def test_two_holders_the_last_one_restores_and_only_our_value(run09, names):
    ns = names('ns')
    run09.ok('netns', name=ns)
    name = 'net.ipv4.ip_forward'
    try:
        assert run09.ok('sysctl', name=name, value='1', netns=ns, holder='lab one')['changed']
        joined = run09.ok('sysctl', name=name, value='1', netns=ns, holder='lab two')
        assert joined['changed'] and read(name, ns) == '1'  # the value was already 1: lab two joins
        assert not run09.ok('sysctl', name=name, value='1', netns=ns, holder='lab two')['changed']
        run09.ok('sysctl', name=name, netns=ns, state='absent', holder='lab one')
        assert read(name, ns) == '1'  # lab two still holds it
        run09.ok('sysctl', name=name, netns=ns, state='absent', holder='lab two')
        assert read(name, ns) == '0' and not os.path.exists('/run/vnetlab/sysctl')

        ttl = 'net.ipv4.ip_default_ttl'
        run09.ok('sysctl', name=ttl, value='70', netns=ns, holder='lab one')
        subprocess.run(['ip', 'netns', 'exec', ns, 'sh', '-c', 'echo 80 > /proc/sys/net/ipv4/ip_default_ttl'],
                       check=True)  # someone changes it after us
        left = run09.ok('sysctl', name=ttl, netns=ns, state='absent', holder='lab one')
        assert read(ttl, ns) == '80' and 'left as it is' in str(left.get('warnings'))  # their value stays
        assert not os.path.exists('/run/vnetlab/sysctl')
    finally:
        run09.ok('netns', name=ns, state='absent')
