import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils.validate import (
    ParamError, check_distinct, check_ifname, check_mtu, check_netns, parse_address, parse_interface_cidr,
    parse_network)


@pytest.mark.parametrize('name', ['veth-red', 'br0', 'a' * 15, 'eth0.100', 'x_y'])
def test_good_ifnames(name):
    assert check_ifname('name', name) == name


@pytest.mark.parametrize('name,why', [
    ('a' * 16, '16 bytes'), ('ä' * 8, '16 bytes'),
    ('a/b', "'/'"), ('a:b', "':'"), ('a b', 'whitespace'), ('a\tb', 'whitespace'),
    ('', 'required'), ('..', 'not a valid'),
])
def test_bad_ifnames_name_the_parameter(name, why):
    with pytest.raises(ParamError) as e:
        check_ifname('peer', name)
    assert str(e.value).startswith('peer: ') and why in str(e.value)


def test_netns_names():
    assert check_netns('netns', None) is None
    assert check_netns('netns', 'red-1.x_y') == 'red-1.x_y'
    for bad in ('a/b', '..', '', '-x', 'a b'):
        with pytest.raises(ParamError):
            check_netns('netns', bad)


def test_cidr_needs_prefix():
    assert str(parse_interface_cidr('addresses', '10.16.0.2/24')) == '10.16.0.2/24'
    assert str(parse_interface_cidr('addresses', 'fd00:16::2/64')) == 'fd00:16::2/64'
    for bad in ('10.16.0.2', '10.16.0.300/24', 'x/24', '10.16.0.2/33', None):
        with pytest.raises(ParamError) as e:
            parse_interface_cidr('addresses', bad)
        assert str(e.value).startswith('addresses: ')


def test_networks():
    assert parse_network('destination', 'default') is None
    assert str(parse_network('destination', '10.16.0.0/24')) == '10.16.0.0/24'
    for bad in ('10.16.0.1/24', '10.16.0.0', 'nope'):
        with pytest.raises(ParamError):
            parse_network('source', bad)


def test_address_and_mtu():
    assert str(parse_address('gateway', '10.16.0.1')) == '10.16.0.1'
    with pytest.raises(ParamError):
        parse_address('gateway', '10.16.0.1/24')
    assert check_mtu('mtu', None) is None and check_mtu('mtu', 1500) == 1500
    with pytest.raises(ParamError):
        check_mtu('mtu', 67)
    with pytest.raises(ParamError):
        check_mtu('mtu', 65536)


def test_distinct():
    check_distinct([('ports', 'a'), ('ports', 'b'), ('x', None), ('y', None)])
    with pytest.raises(ParamError) as e:
        check_distinct([('name', 'a'), ('peer', 'a')])
    assert str(e.value).startswith('peer: ')
