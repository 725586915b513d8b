#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: capture
short_description: Capture the packets of one lab link into a pcap file
version_added: "1.1.0"
description:
  - Captures what one link sends and receives - for O(seconds), or until O(count) packets, whichever comes
    first, and never longer than O(timeout) - into a pcap file on the managed host (classic pcap, readable by
    C(tcpdump -r), Wireshark and any pcap library). The C(vnetlab.linux.capture) playbook fetches it to the
    controller.
  - Captures from an C(AF_PACKET) socket bound to the link inside its namespace, in the module's own process;
    no capture program runs. A run that is killed ends its capture with it, a stop signal (Ctrl-C, a dropped
    SSH session) ends it at once, and a run that loses its controller ends by itself after O(timeout).
  - The file appears whole, with mode C(0600), only when the capture is complete; a capture that fails or is
    interrupted leaves no file.
  - Ethernet links (veth, bridge, TAP, VXLAN, loopback) are written as Ethernet frames, IP-only links (TUN,
    ipip, sit) as raw IP packets. Each packet's timestamp is the kernel's time of reception.
options:
  link:
    description:
      - The link, as a topology and M(vnetlab.linux.lab_inspect) name it - C(netns/interface), such as
        C(red/veth1-red); C(interface) or C(host/interface) in the host namespace.
    type: str
    required: true
  seconds:
    description:
      - How long to capture. At least one of O(seconds) and O(count) is required.
      - At most O(timeout).
    type: float
  count:
    description: Stop after this many packets (those the filter lets through).
    type: int
  timeout:
    description:
      - The longest a capture runs, whatever O(seconds) and O(count) say (with O(count) alone, the capture
        stops here when fewer packets came, with a warning).
    type: float
    default: 60
  filter:
    description:
      - Only the packets that match this filter, in tcpdump's syntax (C(pcap-filter(7))), such as
        C(icmp or arp) or C(tcp port 22).
      - Compiled by C(tcpdump -ddd) on the managed host and run by the kernel; tcpdump is needed only for
        this option.
    type: str
  path:
    description:
      - The pcap file on the managed host (an absolute path; a file there is replaced).
      - A new C(/tmp/vnetlab-capture-*.pcap) when omitted (RV(path) names it).
    type: path
  snaplen:
    description: Bytes kept of each packet (its length on the link is recorded either way).
    type: int
    default: 262144
attributes:
  check_mode:
    details: Checks the options, that the link exists and that the filter compiles; captures nothing,
      writes no file and reports C(changed) (the run would write one). A link or namespace that does not exist
      yet (an earlier task of the play would make it) only gives a warning; the filter is compiled as
      for an Ethernet link then.
    description: Captures nothing in check mode.
  diff_mode:
    support: partial
    details: The file's size before (absent, or the file it replaces) and the capture's packets and bytes
      after; a pcap is binary, so not its content.
    description: Shows what file the capture writes.
requirements:
  - tcpdump on the managed host when O(filter) is given (Debian/Ubuntu package C(tcpdump)).
notes:
  - VLAN tags that the kernel takes off received frames (VLAN offload) are not put back in the file.
extends_documentation_fragment:
  - vnetlab.linux.common
  - vnetlab.linux.action
seealso:
  - module: vnetlab.linux.ping
  - module: vnetlab.linux.lab_inspect
author:
  - vnetlab contributors (@vnetlab)
'''

EXAMPLES = r'''
- name: Ten seconds of red's side of the veth
  vnetlab.linux.capture:
    link: red/veth1-red
    seconds: 10
  register: cap

- name: To the controller
  ansible.builtin.fetch:
    src: "{{ cap.path }}"
    dest: red.pcap
    flat: true

- name: The first 20 ICMP echo replies on the bridge of the host namespace
  vnetlab.linux.capture:
    link: host/br0
    count: 20
    filter: icmp and icmp[icmptype] = icmp-echoreply
    path: /var/tmp/replies.pcap
'''

RETURN = r'''
path:
  description: The pcap file on the managed host; in check mode O(path) (null when it was omitted).
  returned: always
  type: str
  sample: /tmp/vnetlab-capture-3f9c2a71d04e.pcap
link:
  description: The link captured on, as C(netns/interface) (C(host/interface) in the host namespace).
  returned: always
  type: str
  sample: red/veth1-red
packets:
  description: Packets in the file (0 in check mode).
  returned: always
  type: int
  sample: 6
bytes:
  description: Their total length on the link (what O(snaplen) cut off included).
  returned: always
  type: int
  sample: 588
seconds:
  description: How long the capture ran.
  returned: always
  type: float
  sample: 10.002
stopped_by:
  description: C(count), C(seconds) or C(timeout); C(check_mode) in check mode.
  returned: always
  type: str
  sample: seconds
dropped:
  description: Packets the kernel dropped because the capture did not read them in time (not in the file).
  returned: always
  type: int
  sample: 0
'''

import os

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import run
from ansible_collections.vnetlab.linux.plugins.module_utils.entry import new_module
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import MissingError, ParamError, VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel import capture as kc


def check_path(path):
    """The file to write: absolute, in a directory that exists, not a directory itself (None stays None)."""
    if path is None:
        return None
    if not os.path.isabs(path):
        raise ParamError('path', "'%s' is not an absolute path" % path)
    if os.path.isdir(path):
        raise ParamError('path', "'%s' is a directory; give a file name" % path)
    if os.path.lexists(path) and not os.path.isfile(path):
        raise ParamError('path', "'%s' exists and is not a regular file" % path)
    if not os.path.isdir(os.path.dirname(path)):
        raise ParamError('path', "directory '%s' does not exist" % os.path.dirname(path))
    return path


def diff(path, before, result):
    """Ansible's diff: the file's size before, the capture after (a pcap is binary)."""
    shown = path or '/tmp/vnetlab-capture-*.pcap'
    after = 'pcap, %d packets, %d bytes of packets, %s\n' % (result['packets'], result['bytes'], result['link'])
    return dict(before_header=shown if before is not None else '%s (absent)' % shown, after_header=shown,
                before='' if before is None else 'a file of %d bytes\n' % before,
                after=after if result['stopped_by'] != 'check_mode' else 'pcap of %s\n' % result['link'])


def capture(p, check_mode, want_diff):
    netns, ifname = kc.parse_link(p['link'])
    kc.check_limits(p['seconds'], p['count'], p['timeout'], p['snaplen'])
    path = check_path(p['path'])
    if p['filter'] is not None and not p['filter'].strip():
        raise ParamError('filter', 'is empty; leave it out to capture every packet')
    before = os.path.getsize(path) if path and os.path.exists(path) else None
    result = dict(changed=True, link=kc.link_text(netns, ifname), path=path, packets=0, bytes=0, seconds=0.0,
                  stopped_by='check_mode', dropped=0, warnings=[])
    if check_mode:
        try:
            kc.probe(netns, ifname, p['filter'])
        except MissingError as e:  # an earlier task of the play would make it
            result['warnings'].append('check mode: %s; the capture would start once it does' % e.message)
            if p['filter'] is not None:  # as for an Ethernet link, the kind nearly all are
                kc.compile_filter(p['filter'], 'EN10MB')
    else:
        result.update(kc.capture(netns, ifname, path, p['seconds'], p['count'], p['timeout'], p['filter'],
                                 p['snaplen']))
    if result['stopped_by'] == 'timeout' and p['count'] is not None:
        result['warnings'].append('count: %d of %d packets came within timeout (%g s)'
                                  % (result['packets'], p['count'], p['timeout']))
    if result['dropped']:
        result['warnings'].append('%d packets were dropped by the kernel (the capture did not keep up); give a '
                                  'filter or a smaller snaplen' % result['dropped'])
    if want_diff:
        result['diff'] = diff(path if check_mode else result['path'], before, result)
    return result


def main():
    module = new_module(
        argument_spec=dict(
            link=dict(type='str', required=True),
            seconds=dict(type='float'),
            count=dict(type='int'),
            timeout=dict(type='float', default=60),
            filter=dict(type='str'),
            path=dict(type='path'),
            snaplen=dict(type='int', default=kc.MAX_SNAPLEN),
        ),
        required_one_of=[('seconds', 'count')],
        supports_check_mode=True,
    )
    try:
        kc.parse_link(module.params['link'])  # a bad name fails before the root and library checks
    except VnetlabError as e:
        module.fail_json(msg=str(e))
    run(module, lambda: capture(module.params, module.check_mode, module._diff))


if __name__ == '__main__':
    main()
