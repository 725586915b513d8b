"""A lab of N namespaces, each joined by a veth to one host bridge and given an address, built three ways:

  (a) raw: `ip -batch` for the host plus `ip -n NS -batch` per namespace, veth peers created directly in
      their namespace (the fastest shell shape: no link is moved between namespaces);
  (b) loops: the per-resource modules (netns, veth, address) driven by a role in loops;
  (c) topology: vnetlab.linux.topology, one task, from a topology file - under the playbook's Python
      (PyPI pyroute2 0.9) and under Debian's /usr/bin/python3 (pyroute2 0.7, what a managed host has).

For each: converge, idempotent re-run, teardown (wall seconds of the whole command) and, for (c), the
module's own time (elapsed_ms). Prints a table with ratios to (a) and writes a plot of time vs N.
Run as root from the repository:

  python3 benchmarks/scaling.py [--sizes 10,100,500] [--loops-max 500] [--plot docs/scaling.png]

Names are bs<i>, bsh<i>, bsbr; addresses in 10.202.0.0/16. Nothing is asserted. The machine is noisy:
use --repeat 3 (medians) for (a) and (c); (b) is measured once (half an hour at N=500), or taken from
an earlier run's --json with --loops-from.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMINGS = '/tmp/vnetlab-scaling-timings.jsonl'


def address(i):
    return '10.202.%d.%d/16' % (i // 250, i % 250 + 1)


# -- (a) raw ----------------------------------------------------------------------------------------

def raw_up(n, tmp):
    host = ['link add bsbr type bridge', 'link set bsbr up'] + ['netns add bs%d' % i for i in range(n)]
    for i in range(n):
        host += ['link add bsh%d type veth peer name eth0 netns bs%d' % (i, i), 'link set bsh%d master bsbr up' % i]
    script = ['ip -batch %s' % _write(tmp, 'host.batch', host)]
    for i in range(n):
        ns = ['link set lo up', 'link set eth0 up', 'addr add %s dev eth0' % address(i)]
        script.append('ip -n bs%d -batch %s' % (i, _write(tmp, 'ns%d.batch' % i, ns)))
    return _timed_sh('\n'.join(['set -e'] + script))


def raw_down(n, tmp):
    """-> (seconds until `ip` returns, seconds until the kernel has freed the namespaces: the host ends
    of their veths are gone - which is when vnetlab's teardown returns)."""
    down = ['netns del bs%d' % i for i in range(n)] + ['link del bsbr']
    start = time.perf_counter()
    returned = _timed_sh('ip -batch %s' % _write(tmp, 'down.batch', down))
    while os.path.exists('/sys/class/net/bsh%d' % (n - 1)) or any(
            os.path.exists('/sys/class/net/bsh%d' % i) for i in range(n)):
        time.sleep(0.005)
    return returned, time.perf_counter() - start


def _write(tmp, name, lines):
    path = os.path.join(tmp, name)
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return path


def _timed_sh(script):
    start = time.perf_counter()
    subprocess.run(['bash', '-c', script], check=True)
    return time.perf_counter() - start


# -- (b) and (c): ansible-playbook -----------------------------------------------------------------

def playbook(name, extra):
    """-> (wall seconds, changed count, [elapsed_ms of each module call])."""
    if os.path.exists(TIMINGS):
        os.unlink(TIMINGS)
    env = dict(os.environ, VNETLAB_TIMINGS=TIMINGS, ANSIBLE_CALLBACKS_ENABLED='vnetlab_timings',
               ANSIBLE_CALLBACK_PLUGINS=os.path.join(ROOT, 'benchmarks', 'callback_plugins'))
    start = time.perf_counter()
    proc = subprocess.run(['ansible-playbook', os.path.join('benchmarks', name), '-e', json.dumps(extra)],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode:
        sys.exit(proc.stdout[-3000:] + proc.stderr[-2000:])
    changed = int(re.search(r'changed=(\d+)', proc.stdout.split('PLAY RECAP')[1]).group(1))
    with open(TIMINGS) as f:
        module_ms = [json.loads(line)['elapsed_ms'] for line in f]
    return wall, changed, module_ms


def topology_file(n, tmp):
    lines = ['lab: scaling', 'namespaces:'] + ['  - bs%d' % i for i in range(n)]
    lines += ['bridges:', '  - name: bsbr', 'veths:']
    for i in range(n):
        lines.append('  - {name: eth0, netns: bs%d, addresses: [%s], peer: bsh%d, peer_master: bsbr}'
                     % (i, address(i), i))
    return _write(tmp, 'lab%d.yml' % n, lines)


def run_ansible(kind, n, tmp, python=None):
    if kind == 'loops':
        name, extra = 'loop_lab.yml', {'n': n}
    else:
        name, extra = 'topology_lab.yml', {'topology_file': topology_file(n, tmp)}
    if python:
        extra['ansible_python_interpreter'] = python
    out = {}
    for phase, state in (('converge', 'present'), ('re-run', 'present'), ('teardown', 'absent')):
        wall, changed, module_ms = playbook(name, dict(extra, state=state))
        if phase == 're-run' and changed:
            sys.exit('%s N=%d: the re-run changed %d things' % (kind, n, changed))
        out[phase] = wall
        out[phase + ' module'] = sum(module_ms) / 1000.0
    return out


def left_over():
    names = subprocess.run(['ip', 'netns', 'list'], capture_output=True, text=True, check=True).stdout
    return [n for n in names.split() if re.match(r'^bs\d+$', n)]


# -- report -----------------------------------------------------------------------------------------

def table(results, sizes):
    kinds = [k for k in ('raw', 'loops', 'topology', 'topology-0.7') if any((k, n) in results for n in sizes)]
    rows = ['| approach | N | converge s | re-run s | teardown s | converge / raw | teardown / raw '
            '(/ raw until gone) | module s: converge / re-run / teardown | module converge / raw '
            '| module teardown / raw until gone |', '|' + '---|' * 10]
    for n in sizes:
        raw = results.get(('raw', n))
        for kind in kinds:
            r = results.get((kind, n))
            if r is None:
                continue
            if kind == 'raw':
                rows.append('| raw | %d | %.2f | n/a (not idempotent) | %.2f (%.2f until gone) | - | - | - | - | - |'
                            % (n, r['converge'], r['teardown'], r['teardown until gone']))
                continue
            row = '| %s | %d | %.2f | %.2f | %.2f | %.2fx | %.2fx (%.2fx) | %.2f / %.2f / %.2f | %.2fx | %.2fx |'
            rows.append(row % (
                kind, n, r['converge'], r['re-run'], r['teardown'], r['converge'] / raw['converge'],
                r['teardown'] / raw['teardown'], r['teardown'] / raw['teardown until gone'],
                r['converge module'], r['re-run module'], r['teardown module'],
                r['converge module'] / raw['converge'], r['teardown module'] / raw['teardown until gone']))
    return '\n'.join(rows)


def plot(results, sizes, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    for ax, phase in zip(axes, ('converge', 're-run', 'teardown')):
        lines = [('raw', phase, 'k-o', 'raw'), ('raw', 'teardown until gone', 'k:o', 'raw, until gone'),
                 ('loops', phase, 'r-s', 'loops'), ('topology', phase, 'b-^', 'topology'),
                 ('topology', phase + ' module', 'b--^', 'topology, module time'),
                 ('topology-0.7', phase, 'g-v', 'topology-0.7')]
        for kind, key, style, label in lines:
            points = [(n, results[(kind, n)][key]) for n in sizes if key in results.get((kind, n), {})]
            if points and (kind != 'raw' or key.startswith(phase)):
                ax.plot([p[0] for p in points], [p[1] for p in points], style, label=label)
        ax.set_xscale('log')
        ax.set_yscale('log')
        ax.set_xlabel('namespaces (N)')
        ax.set_ylabel('seconds')
        ax.set_title(phase)
        ax.grid(True, which='both', alpha=0.3)
        ax.legend()
    fig.suptitle('vnetlab: N namespaces on one bridge - raw ip -batch vs modules in loops vs topology')
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sizes', default='10,100,500')
    ap.add_argument('--loops-max', type=int, default=500, help='skip (b) above this N (it is slow)')
    ap.add_argument('--plot', default=os.path.join(ROOT, 'docs', 'scaling.png'))
    ap.add_argument('--repeat', type=int, default=1, help='runs of (a) and (c) per N; the table shows medians')
    ap.add_argument('--json', default=None, help='also write the raw numbers here')
    ap.add_argument('--loops-from', default=None,
                    help="take (b)'s numbers from the --json of an earlier run instead of measuring (b) again "
                         '(it takes half an hour at N=500)')
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit('run as root')
    if left_over():
        sys.exit('namespaces bs<N> exist already; remove them first')
    sizes = [int(s) for s in args.sizes.split(',')]
    results = {}
    if args.loops_from:
        with open(args.loops_from) as f:
            for key, value in json.load(f).items():
                kind, n = key.rsplit('/', 1)
                if kind == 'loops' and int(n) in sizes:
                    results[(kind, int(n))] = value
    system_python = '/usr/bin/python3'
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            samples = {}
            for _repeat in range(args.repeat):
                raw = {'converge': raw_up(n, tmp)}
                time.sleep(2)  # let the kernel finish the IPv6 link-local setup of the new links
                raw['teardown'], raw['teardown until gone'] = raw_down(n, tmp)
                samples.setdefault('raw', []).append(raw)
                print('raw N=%d: %s' % (n, dict((k, round(v, 3)) for k, v in raw.items())), flush=True)
                time.sleep(2)
                runs = [('topology', None)]
                if os.path.exists(system_python):
                    runs.append(('topology-0.7', system_python))
                for kind, python in runs:
                    measured = run_ansible('topology', n, tmp, python)
                    samples.setdefault(kind, []).append(measured)
                    print('%s N=%d: %s' % (kind, n, dict((k, round(v, 2)) for k, v in measured.items())), flush=True)
                    if left_over():
                        sys.exit('%s N=%d left namespaces behind' % (kind, n))
                    time.sleep(2)
            for kind, runs_of_kind in samples.items():
                results[(kind, n)] = dict((k, statistics.median(r[k] for r in runs_of_kind)) for k in runs_of_kind[0])
            if n <= args.loops_max and ('loops', n) not in results:  # slow: once, whatever --repeat says
                results[('loops', n)] = run_ansible('loops', n, tmp)
                print('loops N=%d: %s' % (n, dict((k, round(v, 2)) for k, v in results[('loops', n)].items())),
                      flush=True)
                if left_over():
                    sys.exit('loops N=%d left namespaces behind' % n)
    print()
    print(table(results, sizes))
    plot(results, sizes, args.plot)
    print('\nplot: %s' % args.plot)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(('%s/%d' % k, v) for k, v in results.items()), f, indent=1)


if __name__ == '__main__':
    main()
