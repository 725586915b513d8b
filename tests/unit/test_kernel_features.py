"""tests/fixtures/kernel_features.py: what a failed probe says, and the batch of probes the kernel lane runs."""
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'fixtures'))
import kernel_features  # noqa: E402


def test_a_failed_probe_names_its_step_and_what_the_kernel_said():
    stderr = ('+ ip link add kp0 type veth peer name kp1\n'
              '+ tc qdisc add dev kp0 root netem delay 1ms\nError: Specified qdisc kind is unknown.\n')
    assert kernel_features.explain(2, stderr) == ('tc qdisc add dev kp0 root netem delay 1ms: '
                                                  'Error: Specified qdisc kind is unknown.')
    assert kernel_features.explain(1, '+ ip link add kpd type dummy\n') == 'ip link add kpd type dummy: exit status 1'
    assert kernel_features.explain(1, '') == 'exit status 1'


def test_every_probe_runs_in_a_scratch_namespace_and_deletes_what_it_made():
    for feature, steps in kernel_features.PROBES.items():
        assert kernel_features.probe_argv(feature)[:3] == ['unshare', '--net', '--'], feature
        made, deleted = set(), set()
        for step in steps:
            words = step.split()
            if words[:3] == ['ip', 'link', 'add']:  # `ip link add NAME ...` or `ip link add link PARENT name NAME`
                made.add(words[words.index('name') + 1] if words[3] == 'link' else words[3])
            if words[:3] == ['ip', 'link', 'del']:
                deleted.add(words[3])
        assert made and made == deleted, feature  # a veth's peer goes with it
        qdiscs = [s for s in steps if s.startswith('tc qdisc')]
        assert [q.split()[2] for q in qdiscs] in ([], ['add', 'del']), feature
    with pytest.raises(ValueError, match='no probe for'):
        kernel_features.script('token-ring')


def test_a_batch_of_probes_is_read_back_per_feature():
    # what the batch prints, with `true` and `false` standing in for the probes
    script = kernel_features.batch_script(['veth', 'netem'])
    assert script.count('unshare --net --') == 2
    out = subprocess.run(['sh', '-c', 'echo "@@ veth"; echo "@@ rc 0"; echo "@@ netem"; '
                          'echo "+ tc qdisc add dev kp0 root netem delay 1ms"; echo "Error: unknown."; echo "@@ rc 2"'],
                         capture_output=True, text=True, check=True).stdout
    assert kernel_features.parse_batch(out, ['veth', 'netem']) == {
        'veth': None, 'netem': 'tc qdisc add dev kp0 root netem delay 1ms: Error: unknown.'}
    with pytest.raises(ValueError, match='the probes of veth, vlan printed'):
        kernel_features.parse_batch(out, ['veth', 'vlan'])
