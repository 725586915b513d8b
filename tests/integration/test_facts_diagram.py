"""lab_facts and lab_diagram on a real scenario B lab (and the playbook's vnetlab_diagram variable)."""
import json
import os
import re
import subprocess

from conftest import ROOT


def test_facts_of_a_bridge_lab(run09, names):
    br, red, blue = names('br'), names('r'), names('b')
    for ns, host_if, ns_if, addr in ((red, names('hr'), names('nr'), '10.16.0.2/24'),
                                     (blue, names('hb'), names('nb'), '10.16.0.3/24')):
        run09.ok('netns', name=ns)
        run09.ok('bridge', name=br)
        run09.ok('veth', name=host_if, master=br, peer=ns_if, peer_netns=ns)
        run09.ok('address', interface=ns_if, netns=ns, addresses=[addr])
    result = run09.ok('lab_facts', namespaces=[red, blue], check=True)
    facts = result['ansible_facts']['vnetlab_lab']
    assert 'vnetlab_lab' not in result  # facts only, not twice
    info = run09.ok('lab_info', namespaces=[red, blue], check=True)
    assert 'ansible_facts' not in info and info['vnetlab_lab'] == facts and not info['changed']
    assert facts['namespaces'] == sorted([red, blue])
    host = facts['host']['links']
    assert host[br]['kind'] == 'bridge' and host[br]['ports'] == sorted([names('hr'), names('hb')])
    assert host[names('hr')]['peer'] == names('nr') and host[names('hr')]['peer_netns'] == red
    nr = facts['netns'][red]['links'][names('nr')]
    assert nr['addresses'] == ['10.16.0.2/24'] and nr['peer'] == names('hr') and nr['peer_netns'] is None
    assert nr['owned'] and not facts['host']['links'].get('eth0', {'owned': False})['owned']
    for ns in (red, blue):
        run09.ok('netns', name=ns, state='absent')
    run09.ok('bridge', name=br, state='absent')


def test_playbook_writes_its_diagram(run09, names, tmp_path):
    members = [{'netns': names(c), 'host_interface': names('h' + c), 'netns_interface': names('n' + c),
                'address': '10.16.0.%d/24' % (i + 2)} for i, c in enumerate('rb')]
    extra = {'prerequisites_install_packages': False, 'netns_bridge_name': names('br'),
             'netns_bridge_members': members}
    path = str(tmp_path / 'lab.dot')
    proc = subprocess.run(['ansible-playbook', 'playbooks/bridge.yml',
                           '-e', json.dumps(dict(extra, vnetlab_diagram=path))],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    outputs = {'dot': open(path, 'rb').read()}
    namespaces = [m['netns'] for m in members]
    for ext in ('svg', 'png', 'mmd'):
        path = str(tmp_path / ('lab.' + ext))
        assert run09.ok('lab_diagram', path=path, namespaces=namespaces, check=True)['changed']
        assert not os.path.exists(path)  # check mode writes nothing
        first = run09.ok('lab_diagram', path=path, namespaces=namespaces)
        assert first['changed']
        assert not run09.ok('lab_diagram', path=path, namespaces=namespaces)['changed']  # same lab, same file
        outputs[ext] = open(path, 'rb').read()
        # the diff: the file's lines for a text format, its size for PNG
        assert first['diff']['before'] == '' and first['diff']['after_header'] == path
        assert first['diff']['after'] == ('PNG, %d bytes\n' % len(outputs[ext]) if ext == 'png'
                                          else outputs[ext].decode())
    subprocess.run(['ansible-playbook', 'playbooks/bridge.yml', '-e', json.dumps(dict(extra, vnetlab_state='absent'))],
                   cwd=ROOT, capture_output=True, check=True)
    dot = outputs['dot'].decode()
    clusters = re.findall(r'label="([^"]+)"; style=rounded', dot)
    assert sorted(clusters) == sorted(['host', 'netns ' + names('r'), 'netns ' + names('b')])
    nodes = dict(re.findall(r'^\s+"([^"]+)" \[label="([^"]*)"', dot, re.M))
    assert nodes['host/' + names('br')] == names('br')  # the hub; br0 has no address in scenario B
    assert '10.16.0.2/24' in nodes['netns:%s/%s' % (names('r'), names('nr'))]
    edges = re.findall(r'^\s+"([^"]+)" -- "([^"]+)"', dot, re.M)
    assert ('host/' + names('hr'), 'host/' + names('br')) in edges  # enslaved to the bridge
    assert ('host/' + names('hr'), 'netns:%s/%s' % (names('r'), names('nr'))) in edges  # the veth pair
    assert outputs['png'][:8] == b'\x89PNG\r\n\x1a\n' and len(outputs['png']) > 1000
    assert b'<svg' in outputs['svg']
    assert outputs['mmd'].startswith(b'flowchart LR')
    assert not os.path.exists('/run/netns/' + names('r'))
