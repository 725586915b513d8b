"""The vxlan link kind through a topology (both pyroute2 generations): created with its VNI, local address
and port, enslaved and marked, one all-zeros FDB entry per remote; idempotent; the flood list changed in
place; a changed VNI makes the link anew; check mode; teardown. Underlay on loopback only."""
import json
import subprocess

from conftest import link


def flood(name):
    out = subprocess.run(['bridge', '-j', 'fdb', 'show', 'dev', name], capture_output=True, text=True,
                         check=True).stdout
    return sorted(e['dst'] for e in json.loads(out or '[]') if e['mac'] == '00:00:00:00:00:00')


def lab(names, vni=4242, remotes=('127.0.0.2', '127.0.0.3')):
    return {'lab': names(''), 'bridges': [{'name': names('br'), 'mtu': 1450}],
            'vxlans': [{'name': names('vx'), 'vni': vni, 'local': '127.0.0.1', 'remotes': list(remotes),
                        'master': names('br'), 'mtu': 1450}]}


def test_vxlan_build_rerun_change_teardown(run, names):
    vx = names('vx')
    result = run.ok('topology', definition=lab(names))
    assert result['changed']
    found = link(vx)
    info = found['linkinfo']['info_data']
    assert (info['id'], info['local'], info['port']) == (4242, '127.0.0.1', 4789)
    assert found['master'] == names('br') and found['ifalias'] == 'vnetlab:' + names('') and found['mtu'] == 1450
    assert flood(vx) == ['127.0.0.2', '127.0.0.3']
    assert result['diff']['after']['links']['host/' + vx]['kind'] == 'vxlan'

    assert not run.ok('topology', definition=lab(names))['changed']

    check = run.ok('topology', definition=lab(names, remotes=['127.0.0.3', '127.0.0.4']), check=True)
    assert check['actions'] == ["flood to 127.0.0.4 through vxlan '%s'" % vx,
                                "stop flooding to 127.0.0.2 through vxlan '%s'" % vx]
    assert flood(vx) == ['127.0.0.2', '127.0.0.3']  # check mode changed nothing
    run.ok('topology', definition=lab(names, remotes=['127.0.0.3', '127.0.0.4']))
    assert flood(vx) == ['127.0.0.3', '127.0.0.4']

    again = run.ok('topology', definition=lab(names, vni=4243, remotes=['127.0.0.3']))
    assert any('VNI, local address or port changed' in a for a in again['actions'])
    assert link(vx)['linkinfo']['info_data']['id'] == 4243 and flood(vx) == ['127.0.0.3']
    assert link(vx)['master'] == names('br')

    assert run.ok('topology', definition=lab(names), state='absent')['changed']
    assert link(vx) is None and link(names('br')) is None


def test_a_vxlan_link_of_someone_else_is_refused(run09, names):
    vx = names('vx')
    subprocess.run(['ip', 'link', 'add', vx, 'type', 'vxlan', 'id', '4244', 'local', '127.0.0.1', 'dstport', '4789'],
                   check=True)
    msg = run09.fails('topology', definition=lab(names, vni=4244))
    assert "vxlans[0]" in msg and 'not ours' in msg
    assert link(vx) is not None  # left alone
