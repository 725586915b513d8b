"""A topology's `impairments:` section against the real kernel: built, re-run, changed in place, in --diff,
lab_facts and the diagram, pruned, torn down; a netem impairment on a kernel without netem fails the whole
lab before any change. Read back with `tc -j`."""
import re

from conftest import link
from test_impairment import netem_in_this_kernel, root_qdisc


def pair_lab(names, impairments):
    return {'lab': names('lab'), 'namespaces': [names('r'), names('b')],
            'veths': [{'name': 'x', 'netns': names('r'), 'addresses': ['10.17.0.1/30'],
                       'peer': 'y', 'peer_netns': names('b'), 'peer_addresses': ['10.17.0.2/30']}],
            'impairments': impairments}


def test_a_lab_impairs_its_own_links(run09, names, tmp_path):
    r, b = names('r'), names('b')
    topo = pair_lab(names, [{'netns': r, 'interface': 'x', 'rate': '1mbit'}])
    planned = run09.ok('topology', definition=topo, check=True)
    assert planned['diff']['after']['links']['%s/x' % r]['impairment'] == {'rate': '1mbit'}

    built = run09.ok('topology', definition=topo)
    assert built['changed'] and "impair 'x' in netns '%s': rate 1mbit" % r in built['actions']
    assert (root_qdisc('x', r)['kind'], root_qdisc('x', r)['handle']) == ('tbf', '766c:')
    assert root_qdisc('y', b)['kind'] == 'noqueue'
    assert built['diff']['after'] == planned['diff']['after']
    again = run09.ok('topology', definition=topo)
    assert not again['changed'] and again['diff']['before'] == again['diff']['after']

    topo['impairments'][0]['rate'] = '2mbit'
    changed = run09.ok('topology', definition=topo)
    assert changed['actions'] == ["change the impairments of 'x' in netns '%s': rate 2mbit" % r]
    assert root_qdisc('x', r)['options']['rate'] == 250000

    facts = run09.ok('lab_facts', namespaces=[r, b])['ansible_facts']['vnetlab_lab']
    assert facts['netns'][r]['links']['x']['impairment'] == {'rate': '2mbit'}
    assert 'impairment' not in facts['netns'][b]['links']['y']
    path = str(tmp_path / 'lab.dot')
    run09.ok('lab_diagram', path=path, namespaces=[r, b])
    edges = re.findall(r'^\s+"([^"]+)" -- "([^"]+)" \[label="([^"]*)"', open(path).read(), re.M)
    assert [label for _a, _b, label in edges] == ['veth\\n%s/x: rate 2mbit' % r]

    # netem where the kernel lacks it: the whole lab refused before any change; else built
    topo['impairments'].append({'netns': b, 'interface': 'y', 'delay': '10ms', 'loss': 1})
    if netem_in_this_kernel(names):
        assert run09.ok('topology', definition=topo)['changed'] and root_qdisc('y', b)['kind'] == 'netem'
    else:
        message = run09.fails('topology', definition=dict(topo, veths=topo['veths'] + [
            {'name': 'z', 'netns': r, 'peer': 'w', 'peer_netns': b}]))
        assert message.startswith('impairments[1]: delay: ') and 'sch_netem' in message, message
        assert root_qdisc('y', b)['kind'] == 'noqueue' and root_qdisc('x', r)['options']['rate'] == 250000
        assert link('z', netns=r) is None  # the veth the same run would have added was not made

    topo['impairments'] = []
    assert not run09.ok('topology', definition=topo)['changed']  # without prune, what was made stays
    pruned = run09.ok('topology', definition=topo, prune=True)
    assert "remove the impairments of 'x' in netns '%s'" % r in pruned['actions']
    assert root_qdisc('x', r)['kind'] == 'noqueue' and root_qdisc('y', b)['kind'] == 'noqueue'
    assert 'impairment' not in pruned['diff']['after']['links']['%s/x' % r]
    assert not run09.ok('topology', definition=topo, prune=True)['changed']
    assert run09.ok('topology', definition=topo, state='absent')['changed']


def test_a_lab_impairs_only_links_it_declares(run09, names):
    topo = pair_lab(names, [{'interface': 'eth0', 'rate': '1mbit'}])
    message = run09.fails('topology', definition=topo)
    assert message.startswith('definition: impairments[0].interface: ') and 'its own links' in message
    twice = pair_lab(names, [{'netns': names('r'), 'interface': 'x', 'rate': '1mbit'},
                             {'netns': names('r'), 'interface': 'x', 'loss': 1}])
    assert 'already impaired at impairments[0]' in run09.fails('topology', definition=twice)
    assert "unknown key 'adopt'" in run09.fails('topology', definition=pair_lab(
        names, [{'netns': names('r'), 'interface': 'x', 'rate': '1mbit', 'adopt': True}]))
