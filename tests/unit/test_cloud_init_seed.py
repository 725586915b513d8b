"""The NoCloud seed's files: SSH keys in the meta-data, the user's files left as given."""
import json

import pytest

from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.guest import cloud_init_seed

KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKx0 me@laptop'


def test_no_seed_asked_for():
    assert cloud_init_seed('vm0', None) is None


def test_default_meta_data_names_the_guest():
    seed = cloud_init_seed('vm0', {'user_data': '#!/bin/sh\n', 'meta_data': None, 'ssh_authorized_keys': None})
    assert json.loads(seed['meta_data']) == {'instance-id': 'vm0', 'local-hostname': 'vm0'}
    assert seed['user_data'] == '#!/bin/sh\n'


def test_keys_go_into_the_meta_data_and_user_data_is_untouched():
    seed = cloud_init_seed('vm0', {'user_data': '#cloud-config\npassword: x\n', 'ssh_authorized_keys': [KEY + '\n']})
    assert json.loads(seed['meta_data'])['public-keys'] == [KEY]
    assert seed['user_data'] == '#cloud-config\npassword: x\n'
    assert 'ssh_authorized_keys' not in seed


def test_keys_are_added_to_a_json_meta_data_of_the_users():
    seed = cloud_init_seed('vm0', {'meta_data': '{"instance-id": "i-1"}', 'ssh_authorized_keys': [KEY]})
    assert json.loads(seed['meta_data']) == {'instance-id': 'i-1', 'public-keys': [KEY]}


def test_a_yaml_meta_data_without_keys_is_kept_verbatim():
    seed = cloud_init_seed('vm0', {'meta_data': 'instance-id: i-1\n'})
    assert seed['meta_data'] == 'instance-id: i-1\n'


@pytest.mark.parametrize('options, needle', [
    ({'meta_data': 'instance-id: i-1\n', 'ssh_authorized_keys': [KEY]}, 'JSON object'),
    ({'ssh_authorized_keys': ['-----BEGIN OPENSSH PRIVATE KEY-----']}, 'not an SSH public key'),
    ({'ssh_authorized_keys': [KEY + '\nssh-rsa AAAA x']}, 'not an SSH public key'),
])
def test_refused(options, needle):
    with pytest.raises(ParamError) as e:
        cloud_init_seed('vm0', options)
    assert e.value.param == 'cloud_init' and needle in str(e.value)
