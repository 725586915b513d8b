"""A bridge port's VLANs: what a user writes (access, trunk, native) <-> {vid: flags}, and the netlink bytes."""
import struct

import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.netlink import parse_port_vlans, port_vlan_request
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.port_vlan import (
    UNTAGGED_PVID, describe, wanted_vlans)


@pytest.mark.parametrize('given, vlans', [
    ({'access': 10}, {10: UNTAGGED_PVID}),
    ({'trunk': [10, 20]}, {10: 0, 20: 0}),
    ({'trunk': [10, 20], 'native': 30}, {10: 0, 20: 0, 30: UNTAGGED_PVID}),
])
def test_written_and_read_back(given, vlans):
    assert wanted_vlans('vlan', **given) == vlans
    assert describe(vlans) == given


@pytest.mark.parametrize('given, text', [
    ({}, 'neither'), ({'access': 1, 'trunk': [2]}, 'both'), ({'access': 1, 'native': 2}, 'native belongs'),
    ({'trunk': []}, 'at least one'), ({'trunk': [3, 3]}, 'twice'), ({'access': 0}, '1-4094'),
    ({'trunk': [4095]}, '1-4094'),
])
def test_refused(given, text):
    with pytest.raises(ParamError, match=text) as e:
        wanted_vlans('peer_vlan', **given)
    assert e.value.param == 'peer_vlan'


def test_the_kernels_bytes_parse_to_the_vids_and_flags():
    """A link message with IFLA_AF_SPEC > IFLA_BRIDGE_VLAN_INFO, as a dump gives it (type RTM_NEWLINK)."""
    one = bytearray(port_vlan_request('add', 7, 10, UNTAGGED_PVID))
    struct.pack_into('=H', one, 4, 16)  # RTM_NEWLINK
    two = bytearray(port_vlan_request('add', 8, 20))
    struct.pack_into('=H', two, 4, 16)
    done = struct.pack('=IHHII', 20, 3, 2, 1, 0) + b'\0' * 4  # NLMSG_DONE, ignored
    assert parse_port_vlans(bytes(one + two) + done) == {7: {10: UNTAGGED_PVID}, 8: {20: 0}}
    assert struct.unpack_from('=H', port_vlan_request('del', 7, 10), 4)[0] == 17  # RTM_DELLINK
