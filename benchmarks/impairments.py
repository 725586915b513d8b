"""Impairments on N link ends, set by the topology module against the equivalent `tc -batch` script, in one run.

One namespace holds N veth pairs (made with `ip -batch`, not timed). Then, each --repeat times:
  (a) tc:       `tc -n NS -batch` adding a root qdisc on each pair's first end, then one deleting them;
  (b) topology: vnetlab.linux.topology run as Ansible runs a module (a process, its arguments on stdin) with
                the lab's N veths and an `impairments:` entry for each first end: the run that adds them, an
                unchanged re-run, and the run without the entries with prune (which removes them).
The qdisc is tbf (`rate`) where the kernel has no netem, else netem (`delay` and `rate`): --kind picks, auto
tries netem. Prints medians of the whole command and of the module's own time (elapsed_ms), and their ratio to
(a). Nothing is asserted. Run as root from the repository, under the lab-test lock:

  flock /tmp/vnetlab-labtests.lock python3 benchmarks/impairments.py [--n 200] [--repeat 3] [--python PATH]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NS, LAB = 'vnlbimp', 'vnlbimp'
ANSIBLE_ONLY = None


def sh(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


def timed(args, **kw):
    started = time.perf_counter()
    proc = sh(args, **kw)
    return time.perf_counter() - started, proc


def netem_works():
    probe = NS + 'p'
    sh(['ip', 'netns', 'add', probe])
    try:
        return subprocess.run(['tc', '-n', probe, 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms'],
                              capture_output=True).returncode == 0
    finally:
        sh(['ip', 'netns', 'del', probe])


def tc_line(kind, i):
    if kind == 'netem':
        return 'qdisc add dev bi%d root handle 766c: netem delay 5ms rate 10mbit' % i
    return 'qdisc add dev bi%d root handle 766c: tbf rate 10mbit burst 3200 latency 50ms' % i


def topology(n, kind, impaired):
    impairment = {'delay': '5ms', 'rate': '10mbit'} if kind == 'netem' else {'rate': '10mbit'}
    topo = {'lab': LAB, 'namespaces': [{'name': NS}],
            'veths': [{'name': 'bi%d' % i, 'netns': NS, 'peer': 'bj%d' % i, 'peer_netns': NS} for i in range(n)]}
    if impaired:
        topo['impairments'] = [dict(impairment, netns=NS, interface='bi%d' % i) for i in range(n)]
    return topo


def ansible_only(tmp):
    """A directory holding just the `ansible` package (as AnsiballZ ships it), for an interpreter without
    Ansible - Debian's python3 keeps its own pyroute2."""
    import ansible
    os.symlink(os.path.dirname(ansible.__file__), os.path.join(tmp, 'ansible'))
    return tmp


def module(python, definition, **extra):
    """(wall seconds, result) of the topology module as Ansible runs it."""
    args = dict(definition=json.dumps(definition), _ansible_diff=False, **extra)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(ROOT, '.collections'), ANSIBLE_ONLY]))
    seconds, proc = timed([python, os.path.join(ROOT, 'plugins', 'modules', 'topology.py')],
                          input=json.dumps({'ANSIBLE_MODULE_ARGS': args}), env=env)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if result.get('failed'):
        raise SystemExit('topology failed: %s' % result.get('msg'))
    return seconds, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--n', type=int, default=200)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--kind', choices=['auto', 'netem', 'tbf'], default='auto')
    parser.add_argument('--python', default=sys.executable, help="the module's interpreter")
    opts = parser.parse_args()
    kind = ('netem' if netem_works() else 'tbf') if opts.kind == 'auto' else opts.kind
    plain, impaired = topology(opts.n, kind, False), topology(opts.n, kind, True)
    times = dict((k, []) for k in ('tc add', 'tc del', 'add', 'add module', 'again', 'again module',
                                   'prune', 'prune module'))
    global ANSIBLE_ONLY
    with tempfile.TemporaryDirectory() as tmp:
        ANSIBLE_ONLY = ansible_only(tempfile.mkdtemp(dir=tmp))
        add, delete = os.path.join(tmp, 'add.tc'), os.path.join(tmp, 'del.tc')
        with open(add, 'w') as f:
            f.write(''.join(tc_line(kind, i) + '\n' for i in range(opts.n)))
        with open(delete, 'w') as f:
            f.write(''.join('qdisc del dev bi%d root\n' % i for i in range(opts.n)))
        try:
            module(opts.python, plain)  # the links, not timed
            for _ in range(opts.repeat):
                times['tc add'].append(timed(['tc', '-n', NS, '-batch', add])[0])
                times['tc del'].append(timed(['tc', '-n', NS, '-batch', delete])[0])
                for label, definition, extra in (('add', impaired, {}), ('again', impaired, {}),
                                                 ('prune', plain, {'prune': True})):
                    seconds, result = module(opts.python, definition, **extra)
                    times[label].append(seconds)
                    times[label + ' module'].append(result['elapsed_ms'] / 1000.0)
        finally:
            module(opts.python, plain, state='absent')
    med = dict((k, statistics.median(v)) for k, v in times.items())
    print('%d link ends, %s, %d runs, python %s (medians, seconds)' % (opts.n, kind, opts.repeat, opts.python))
    print('%-28s %9s %9s' % ('', 'seconds', 'ratio'))
    rows = [('tc -batch: add', 'tc add', 'tc add'), ('topology: add (command)', 'add', 'tc add'),
            ('topology: add (module)', 'add module', 'tc add'),
            ('topology: unchanged (module)', 'again module', 'tc add'),
            ('tc -batch: delete', 'tc del', 'tc del'), ('topology: prune (command)', 'prune', 'tc del'),
            ('topology: prune (module)', 'prune module', 'tc del')]
    for label, key, base in rows:
        print('%-28s %9.3f %8.2fx' % (label, med[key], med[key] / med[base]))


if __name__ == '__main__':
    main()
