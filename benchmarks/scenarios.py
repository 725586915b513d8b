"""Scenarios A and B: the raw shell commands of docs/scenarios.md against the playbooks.

Prints, per scenario, the time of: the hand-typed `ip` commands (build, teardown), the playbook's first
converge, its idempotent re-run and its teardown, and the ratios; then each module's own execution
time (the `elapsed_ms` it reports: read + plan + apply in one netlink session, no Ansible overhead).

Run as root from the repository: `python3 benchmarks/scenarios.py [--repeat N]`. Names are prefixed
(bm-) so the benchmark never touches a lab of the same default names. Nothing is asserted.
"""
import argparse
import functools
import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

RAW_A = '''
ip netns add bm-red; ip netns add bm-blue
ip link add veth-red type veth peer name veth-blue
ip link set veth-red netns bm-red; ip link set veth-blue netns bm-blue
ip netns exec bm-red  ip link set veth-red up;  ip netns exec bm-red  ip link set lo up
ip netns exec bm-blue ip link set veth-blue up; ip netns exec bm-blue ip link set lo up
ip netns exec bm-red  ip addr add 10.16.0.2/24 dev veth-red
ip netns exec bm-blue ip addr add 10.16.0.3/24 dev veth-blue
'''
RAW_A_DOWN = 'ip netns del bm-red; ip netns del bm-blue'
RAW_B = '''
ip netns add bm-red; ip netns add bm-blue
ip link add veth0-red type veth peer name veth1-red
ip link add veth0-blue type veth peer name veth1-blue
ip link add name bm-br0 type bridge
ip link set veth0-red master bm-br0; ip link set veth0-blue master bm-br0
ip link set veth1-red netns bm-red;  ip link set veth1-blue netns bm-blue
ip link set veth0-red up; ip link set veth0-blue up
ip netns exec bm-red ip link set veth1-red up; ip netns exec bm-blue ip link set veth1-blue up
ip netns exec bm-red ip link set lo up;        ip netns exec bm-blue ip link set lo up
ip netns exec bm-red ip addr add 10.16.0.2/24 dev veth1-red
ip netns exec bm-blue ip addr add 10.16.0.3/24 dev veth1-blue
ip link set bm-br0 up
'''
RAW_B_DOWN = 'ip netns del bm-red; ip netns del bm-blue; ip link del bm-br0'

EXTRA = {
    'A': {'veth_pair_a_netns': 'bm-red', 'veth_pair_b_netns': 'bm-blue'},
    'B': {'netns_bridge_name': 'bm-br0', 'netns_bridge_members': [
        {'netns': 'bm-red', 'host_interface': 'veth0-red', 'netns_interface': 'veth1-red', 'address': '10.16.0.2/24'},
        {'netns': 'bm-blue', 'host_interface': 'veth0-blue', 'netns_interface': 'veth1-blue',
         'address': '10.16.0.3/24'}]},
}
PLAYBOOK = {'A': 'playbooks/veth_pair.yml', 'B': 'playbooks/bridge.yml'}


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def shell(script):
    subprocess.run(['bash', '-c', script], check=True)


TIMINGS = '/tmp/vnetlab-benchmark-timings.jsonl'


def playbook(scenario, state):
    """Run the playbook; returns the recap's changed count. Module timings go to TIMINGS."""
    extra = dict(EXTRA[scenario], vnetlab_state=state, prerequisites_install_packages=False)
    env = dict(os.environ, VNETLAB_TIMINGS=TIMINGS, ANSIBLE_CALLBACKS_ENABLED='vnetlab_timings',
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(ROOT, 'benchmarks', 'callback_plugins'))
    proc = subprocess.run(['ansible-playbook', PLAYBOOK[scenario], '-e', json.dumps(extra)], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    if proc.returncode:
        sys.exit(proc.stdout[-3000:])
    return int(re.search(r'changed=(\d+)', proc.stdout.split('PLAY RECAP')[1]).group(1))


def module_times():
    times = {}
    with open(TIMINGS) as f:
        for line in f:
            rec = json.loads(line)
            times.setdefault(rec['module'], []).append(rec['elapsed_ms'])
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--repeat', type=int, default=3)
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit('run as root')
    rows = []
    if os.path.exists(TIMINGS):
        os.unlink(TIMINGS)
    for scenario, (raw, raw_down) in (('A', (RAW_A, RAW_A_DOWN)), ('B', (RAW_B, RAW_B_DOWN))):
        samples = {k: [] for k in ('raw build', 'raw teardown', 'converge', 're-run', 'teardown')}
        for _ in range(args.repeat):
            samples['raw build'].append(timed(functools.partial(shell, raw))[0])
            samples['raw teardown'].append(timed(functools.partial(shell, raw_down))[0])
            t = timed(functools.partial(playbook, scenario, 'present'))[0]
            samples['converge'].append(t)
            t, changed = timed(functools.partial(playbook, scenario, 'present'))
            samples['re-run'].append(t)
            if changed:
                sys.exit('the re-run changed %d things' % changed)
            t = timed(functools.partial(playbook, scenario, 'absent'))[0]
            samples['teardown'].append(t)
        med = {k: statistics.median(v) for k, v in samples.items()}
        rows.append((scenario, med))
    print('\nScenario timings (median of %d, seconds; playbooks without the apt step)' % args.repeat)
    print('%-9s %9s %9s %9s %9s %9s %11s %11s' % ('scenario', 'raw up', 'raw down', 'converge', 're-run',
                                                  'teardown', 'conv/raw', 'down/raw'))
    for scenario, m in rows:
        print('%-9s %9.3f %9.3f %9.3f %9.3f %9.3f %10.1fx %10.1fx' % (
            scenario, m['raw build'], m['raw teardown'], m['converge'], m['re-run'], m['teardown'],
            m['converge'] / m['raw build'], m['teardown'] / m['raw teardown']))
    print('\nModule execution time (elapsed_ms reported by each call: read + plan + apply)')
    print('%-28s %6s %9s %9s %9s' % ('module', 'calls', 'median', 'p90', 'max'))
    for module, values in sorted(module_times().items()):
        values.sort()
        print('%-28s %6d %9.1f %9.1f %9.1f' % (module, len(values), statistics.median(values),
                                               values[int(0.9 * (len(values) - 1))], values[-1]))


if __name__ == '__main__':
    main()
