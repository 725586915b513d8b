"""The kernel lane itself: Debian's kernel does every feature kernel_features.py probes (so a probe that
fails on this machine fails for want of the feature, not for a bad probe), and the collection runs there -
a module as Ansible would run it, and a playbook over SSH."""
import kernel_features


def test_the_lane_kernel_does_every_probed_feature(lane):
    lacking = lane.probe(sorted(kernel_features.PROBES))
    assert not {f: why for f, why in lacking.items() if why}, lacking
    assert lane.ok(['uname', '-r']).strip() == lane.image.manifest['kernel']


def test_a_collection_module_in_the_lane(lane, tag):
    ns = tag + 'n'
    try:
        made = lane.module('netns', name=ns)
        assert made['rc'] == 0 and made['changed'] and not made.get('failed'), made
        assert ns in [n['name'] for n in lane.json(['ip', '-j', 'netns', 'list'])]
        gone = lane.module('netns', name=ns, state='absent')
        assert gone['changed'] and not gone.get('failed'), gone
    finally:
        lane.run(['ip', 'netns', 'del', ns])
    assert lane.collection_copied


def test_a_playbook_against_the_lane(lane, tag, tmp_path):
    ns = tag + 'n'
    play = tmp_path / 'play.yml'
    play.write_text('''- name: A namespace in the kernel lane (removed by the test)
  hosts: lane
  gather_facts: false
  tasks:
    - name: Make it
      vnetlab.linux.netns: {name: %(ns)s}
    - name: See it
      ansible.builtin.command: ip netns list
      register: listed
      changed_when: false
      failed_when: "'%(ns)s' not in listed.stdout"
''' % {'ns': ns})
    try:
        rc, out = lane.playbook(str(play))
        assert rc == 0, out[-4000:]
        assert 'ok=2 ' in out and 'changed=1 ' in out and 'failed=0 ' in out, out[-2000:]
    finally:
        lane.run(['ip', 'netns', 'del', ns])
