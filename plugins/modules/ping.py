#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: ping
short_description: Ping targets from the host or from inside a network namespace
version_added: "0.1.0"
description:
  - Sends ICMP (IPv4) or ICMPv6 echo requests from a raw socket opened inside the namespace and reports
    loss and round-trip times per target. No C(ip netns exec ping) subprocess.
  - Fails when the result does not meet O(expect). Never changes anything.
  - In check mode a namespace that does not exist yet (an earlier task of the play would make it) is not
    pinged from; the task warns and succeeds.
options:
  netns:
    description: Namespace to ping from; the host namespace when omitted.
    type: str
  targets:
    description: IPv4 or IPv6 addresses to ping. A prefix (C(10.16.0.3/24)) is accepted and ignored.
    type: list
    elements: str
    required: true
  count:
    description: Echo requests per target.
    type: int
    default: 3
  timeout:
    description: Seconds to wait for each reply.
    type: float
    default: 1.0
  expect:
    description:
      - C(reachable) fails unless every target answers at least once.
      - C(unreachable) fails if any target answers.
    type: str
    choices: [reachable, unreachable]
    default: reachable
extends_documentation_fragment:
  - vnetlab.linux.common
  - vnetlab.linux.info
seealso:
  - module: vnetlab.linux.guest_command
  - module: vnetlab.linux.lab_facts
author:
  - vnetlab contributors (@vnetlab)
'''

EXAMPLES = r'''
- name: red reaches blue
  vnetlab.linux.ping:
    netns: red
    targets: [10.16.0.3]

- name: The lab is isolated from 10.99.0.1
  vnetlab.linux.ping:
    netns: red
    targets: [10.99.0.1]
    count: 1
    expect: unreachable
'''

RETURN = r'''
results:
  description: One entry per target.
  returned: always
  type: list
  elements: dict
  sample: [{"target": "10.16.0.3", "transmitted": 3, "received": 3, "loss_percent": 0.0,
            "rtt_min_ms": 0.041, "rtt_avg_ms": 0.05, "rtt_max_ms": 0.062}]
'''

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import preflight
from ansible_collections.vnetlab.linux.plugins.module_utils.entry import new_module
from ansible_collections.vnetlab.linux.plugins.module_utils.errors import ParamError, VnetlabError
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.icmp import ping
from ansible_collections.vnetlab.linux.plugins.module_utils.kernel.namespaces import netns_exists, run_in_netns
from ansible_collections.vnetlab.linux.plugins.module_utils.validate import check_netns, parse_address


def main():
    module = new_module(
        argument_spec=dict(
            netns=dict(type='str'),
            targets=dict(type='list', elements='str', required=True),
            count=dict(type='int', default=3),
            timeout=dict(type='float', default=1.0),
            expect=dict(type='str', choices=['reachable', 'unreachable'], default='reachable'),
        ),
        supports_check_mode=True,
    )
    p = module.params
    try:
        check_netns('netns', p['netns'])
        targets = [str(parse_address('targets', t.split('/')[0])) for t in p['targets']]
        if p['count'] < 1 or p['timeout'] <= 0:
            raise VnetlabError('count: must be at least 1, and timeout greater than 0')
        preflight(module)
        if not netns_exists(p['netns']):
            if module.check_mode:  # an earlier task of the play would have made it
                module.warn("check mode: network namespace '%s' does not exist; not pinging from it" % p['netns'])
                module.exit_json(changed=False, results=[])
            raise ParamError('netns', "network namespace '%s' does not exist" % p['netns'])
        results = run_in_netns(p['netns'], lambda: [ping(t, p['count'], p['timeout']) for t in targets])
    except VnetlabError as e:
        module.fail_json(msg=str(e))
    where = p['netns'] or 'the host'
    if p['expect'] == 'reachable':
        bad = [r['target'] for r in results if r['received'] == 0]
        msg = 'no reply from %s (pinging from %s)' % (', '.join(bad), where)
    else:
        bad = [r['target'] for r in results if r['received'] > 0]
        msg = '%s answered from %s but was expected to be unreachable' % (', '.join(bad), where)
    if bad:
        module.fail_json(msg=msg, results=results)
    module.exit_json(changed=False, results=results)


if __name__ == '__main__':
    main()
