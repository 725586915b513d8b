# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A topology file read on the controller, the one way the action and inventory plugins read it: through
Ansible's loader (a vault-encrypted file is decrypted with the run's vault secrets), then parsed and
validated by the schema with line numbers."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.text.converters import to_text
from ansible_collections.vnetlab.linux.plugins.module_utils.lab.schema import load_yaml, normalize


def read_text(loader, path):
    """The file's text, decrypted when it is a vault file. Raises AnsibleError when it cannot be read."""
    get_text = getattr(loader, 'get_text_file_contents', None)  # ansible-core 2.19 and later
    if get_text is not None:
        return str(get_text(path))  # a plain str: the origin tag Ansible adds means nothing to the YAML parser
    b_data, _show_content = loader._get_file_contents(path)  # older ansible-core: the same, as bytes
    return to_text(b_data, errors='surrogate_or_strict')


def read_topology(loader, path, source=None):
    """(the data as written, the normalised topology). Raises VnetlabError naming the file and line."""
    data, positions = load_yaml(read_text(loader, path), source=source or path)
    return data, normalize(data, positions, source=source or path)
