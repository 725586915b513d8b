"""N namespaces on one host against N/3 on each of three hosts (docs/multihost.md): each namespace joined by
a veth to one lab bridge and given an address; on three hosts the bridge spans all of them (VXLAN).

The hosts are the test hosts of tests/integration/multihost.py (own mount, network and UTS namespaces and
sshd each, on this one kernel), reached by one play over SSH with Debian's /usr/bin/python3 (pyroute2 0.7).
On one machine the three hosts share its cores, so this measures how the work splits and what the
tunnels and SSH cost, not three machines' worth of CPU. For each layout: converge, idempotent re-run,
teardown - the play's wall seconds and the slowest host module's own time (elapsed_ms).
Run as root from the repository, under the lab-test lock:

  flock /tmp/vnetlab-labtests.lock python3 benchmarks/multihost.py [--n 300] [--repeat 1]

Nothing is asserted; the table goes to stdout.
"""
import argparse
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'integration'))
from multihost import TOPOLOGY_PLAY, SshHosts  # noqa: E402  (the test hosts)

TIMINGS = '/tmp/vnetlab-multihost-timings.jsonl'
def topology(n, hosts):
    names = [h.name for h in hosts]
    topo = {'lab': 'bmh', 'bridges': [{'name': 'bmlan', 'hosts': names}], 'namespaces': [], 'veths': []}
    for i in range(n):
        topo['namespaces'].append({'name': 'bm%d' % i, 'host': names[i % len(names)]})
        topo['veths'].append({'name': 'eth0', 'netns': 'bm%d' % i, 'peer': 'bmv%d' % i, 'peer_master': 'bmlan',
                              'addresses': ['10.203.%d.%d/16' % (i // 250, i % 250 + 1)]})
    return topo


def play(test_hosts, topo_path, playbook, state):
    if os.path.exists(TIMINGS):
        os.unlink(TIMINGS)
    env = dict(os.environ, VNETLAB_TIMINGS=TIMINGS, ANSIBLE_CALLBACKS_ENABLED='vnetlab_timings',
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(ROOT, 'benchmarks', 'callback_plugins'), ANSIBLE_FORKS='5')
    start = time.perf_counter()
    proc = subprocess.run(['ansible-playbook', '-i', str(test_hosts.inventory), str(playbook), '-e',
                           json.dumps({'topo': str(topo_path), 'lab_state': state})],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode:
        sys.exit(proc.stdout[-3000:] + proc.stderr[-2000:])
    changed = sum(int(c) for c in re.findall(r'changed=(\d+)', proc.stdout.split('PLAY RECAP')[1]))
    with open(TIMINGS) as f:
        module_ms = [json.loads(line)['elapsed_ms'] for line in f]
    return wall, changed, max(module_ms) if module_ms else 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--n', type=int, default=300)
    parser.add_argument('--repeat', type=int, default=1)
    args = parser.parse_args()
    tmp = pathlib.Path(tempfile.mkdtemp(prefix='vnetlab-bm-'))
    test_hosts = SshHosts(tmp, 'vtbm')
    rows = []
    try:
        playbook = tmp / 'play.yml'
        playbook.write_text(TOPOLOGY_PLAY)
        for label, hosts in (('1 host x %d' % args.n, test_hosts.hosts[:1]),
                             ('3 hosts x %d' % (args.n // 3), test_hosts.hosts)):
            topo_path = tmp / 'lab.json'
            topo_path.write_text(json.dumps(topology(args.n, hosts)))
            runs = {'converge': [], 're-run': [], 'teardown': []}
            for _ in range(args.repeat):
                for step, state in (('converge', 'present'), ('re-run', 'present'), ('teardown', 'absent')):
                    runs[step].append(play(test_hosts, topo_path, playbook, state))
            for step, results in runs.items():
                rows.append((label, step, statistics.median(r[0] for r in results),
                             statistics.median(r[2] for r in results) / 1000.0, results[-1][1]))
    finally:
        test_hosts.close()
    print('| layout | step | play wall s | slowest host module s | hosts changed |')
    print('|---|---|---|---|---|')
    for label, step, wall, module_s, changed in rows:
        print('| %s | %s | %.2f | %.2f | %d |' % (label, step, wall, module_s, changed))


if __name__ == '__main__':
    main()
