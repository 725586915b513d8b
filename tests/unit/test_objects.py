"""Pure parts of the kinds of objects: validation before any kernel access (desired())."""
import ipaddress

import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import managed_addresses as managed
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.objects import address, bridge, route, sysctl
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.veth import KIND as VETH, is_pair


class _Desired:
    """kind.desired(params) as the old resource.validate() calls read in these tests."""

    def __init__(self, kind, params):
        self.kind, self.p = kind, params

    def validate(self):
        return self.kind.desired(self.p)


def veth(**kw):
    p = dict(name='a', peer='b', netns=None, peer_netns=None, master=None, peer_master=None, mtu=None,
             recreate=False, state='present')
    p.update(kw)
    return _Desired(VETH, p)


def AddressResource(p):
    return _Desired(address.KIND, p)


def BridgeResource(p):
    return _Desired(bridge.KIND, p)


def RouteResource(p):
    return _Desired(route.KIND, p)


def SysctlResource(p):
    return _Desired(sysctl.KIND, p)


def test_veth_same_name_allowed_only_in_different_namespaces():
    veth(name='eth0', peer='eth0', netns='red', peer_netns='blue').validate()
    with pytest.raises(ParamError) as e:
        veth(name='eth0', peer='eth0').validate()
    assert str(e.value).startswith('peer:')


def test_veth_absent_needs_no_peer():
    veth(peer=None, state='absent').validate()


@pytest.mark.parametrize('kw,param', [({'name': 'x' * 16}, 'name'), ({'peer_netns': 'a/b'}, 'peer_netns'),
                                      ({'master': 'b r'}, 'master'), ({'mtu': 10}, 'mtu')])
def test_veth_bad_input(kw, param):
    with pytest.raises(ParamError) as e:
        veth(**kw).validate()
    assert e.value.param == param


def test_is_pair_needs_cross_references():
    a = {'kind': 'veth', 'index': 5, 'link': 6}
    b = {'kind': 'veth', 'index': 6, 'link': 5}
    assert is_pair(a, b)
    assert not is_pair(a, dict(b, link=7))
    assert not is_pair(a, dict(b, kind='bridge'))
    assert not is_pair(a, None)


def test_link_local_addresses_are_never_managed():
    addrs = [ipaddress.ip_interface(x) for x in ('fe80::1/64', 'fd00::1/64', '10.0.0.1/24', '169.254.1.1/16')]
    assert sorted(str(a) for a in managed(addrs)) == ['10.0.0.1/24', '169.254.1.1/16', 'fd00::1/64']


def test_address_requires_something_to_do():
    with pytest.raises(ParamError):
        AddressResource(dict(interface='lo', netns=None, addresses=[], exclusive=False, state='present')).validate()
    AddressResource(dict(interface='lo', netns=None, addresses=[], exclusive=True, state='present')).validate()


@pytest.mark.parametrize('kw,param', [
    ({'destination': '10.0.0.1/24'}, 'destination'),
    ({'gateway': 'fd00::1'}, 'gateway'),
    ({'gateway': None}, 'gateway'),
    ({'device': 'a:b'}, 'device'),
    ({'metric': -1}, 'metric'),
])
def test_route_bad_input(kw, param):
    p = dict(netns=None, destination='10.0.0.0/24', gateway='10.1.0.1', device=None, metric=None, state='present')
    p.update(kw)
    with pytest.raises(ParamError) as e:
        RouteResource(p).validate()
    assert e.value.param == param


def test_bridge_cannot_enslave_itself_or_a_port_twice():
    p = dict(name='br0', netns=None, stp=None, vlan_filtering=None, mtu=None, ports=['br0'], state='present')
    with pytest.raises(ParamError):
        BridgeResource(p).validate()
    with pytest.raises(ParamError):
        BridgeResource(dict(p, ports=['a', 'a'])).validate()


def test_sysctl_names():
    p = dict(name='net.ipv4.ip_forward', value='1', netns=None, ignore_missing=False, state='present')
    SysctlResource(p).validate()
    for bad in ('../../etc/passwd', 'net/ipv4', 'Net.X'):
        with pytest.raises(ParamError):
            SysctlResource(dict(p, name=bad)).validate()
