#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: impairment
short_description: Impair one link end - delay, jitter, loss, duplication, reordering, corruption, rate
version_added: "1.1.0"
description:
  - Makes one link end (a veth end, a TAP, a bridge port, in any namespace) deliver its outgoing packets late,
    not at all, twice, out of order, corrupted or slowly - what C(tc qdisc add dev X root netem ...) does,
    written with netlink.
  - The impairments are the link's root qdisc, with vnetlab's handle (C(tc) shows C(766c:)). netem carries them
    all; a O(rate) alone is shaped by C(tbf), which every kernel has. A kernel without netem (C(sch_netem))
    fails the task before anything changes, naming the option that needs it.
  - Impairments act on what the link end sends. Impair both ends of a veth pair for both directions (20 ms
    on each end of a pair is 40 ms of round trip).
  - A changed value is changed in place; a re-run with the same values changes nothing.
  - A root qdisc that vnetlab did not add is never replaced nor removed (the task fails, naming it). The
    kernel's own default qdisc comes back when O(state=absent) removes ours.
  - The interface must be one vnetlab made (a lab's or a module's), or the task says O(adopt=true).
options:
  interface:
    description: The link end to impair (at most 15 characters).
    type: str
    required: true
  netns:
    description: Namespace of the interface; the host namespace when omitted.
    type: str
  delay:
    description:
      - Added latency of every packet, such as C(20ms), C(500us) or C(1s); a bare number is milliseconds.
      - At most 60 s.
    type: raw
  jitter:
    description: Random variation of the delay (same units); needs O(delay).
    type: raw
  delay_correlation:
    description: Correlation of each packet's jitter with the previous one's, in percent; needs O(jitter).
    type: float
  loss:
    description: Packets dropped, in percent (C(100) drops everything).
    type: float
  loss_correlation:
    description: Correlation of each loss with the previous one, in percent (losses come in bursts); needs O(loss).
    type: float
  duplicate:
    description: Packets sent twice, in percent.
    type: float
  duplicate_correlation:
    description: Correlation of each duplication with the previous one, in percent; needs O(duplicate).
    type: float
  reorder:
    description:
      - Packets sent at once, ahead of delayed ones, in percent; needs O(delay) (only a delay can be overtaken).
    type: float
  reorder_correlation:
    description: Correlation of each reordering with the previous one, in percent; needs O(reorder).
    type: float
  corrupt:
    description: Packets with one bit flipped, in percent.
    type: float
  corrupt_correlation:
    description: Correlation of each corruption with the previous one, in percent; needs O(corrupt).
    type: float
  rate:
    description:
      - Bandwidth of the link end, in C(bit), C(kbit), C(mbit) or C(gbit) per second (decimal units, as C(tc)'s),
        such as C(1mbit); from C(1kbit) to C(34gbit).
      - Alone, it is shaped by C(tbf) (a queue of 50 ms); with any other impairment, by netem.
    type: raw
  limit:
    description: Packets netem queues (netem's default is 1000). Not for a O(rate) alone.
    type: int
  adopt:
    description:
      - Impair an interface that vnetlab did not create (a host's own bridge port, say). Without it such an
        interface is refused before anything changes.
    type: bool
    default: false
  state:
    description: V(present) sets exactly the given impairments (the others are none); V(absent) removes ours.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - vnetlab.linux.common
  - vnetlab.linux.resource
seealso:
  - module: vnetlab.linux.veth
  - module: vnetlab.linux.topology
author:
  - vnetlab contributors (@vnetlab)
'''

EXAMPLES = r'''
- name: A slow, lossy far end - 20 ms (+/- 5 ms), 1% loss, 10 Mbit/s
  vnetlab.linux.impairment:
    netns: red
    interface: veth1-red
    delay: 20ms
    jitter: 5ms
    loss: 1
    rate: 10mbit

- name: Cut the link (100% loss) without taking it down
  vnetlab.linux.impairment:
    interface: veth0-red
    loss: 100

- name: A perfect link again
  vnetlab.linux.impairment:
    interface: veth0-red
    state: absent
'''

RETURN = r'''
impairment:
  description: The impairments of the interface after the task (only those set).
  returned: always
  type: dict
  sample: {"interface": "veth1-red", "netns": "red", "state": "present", "qdisc": "netem", "delay": "20ms",
           "jitter": "5ms", "loss": 1.0, "rate": "10mbit"}
actions:
  description: The changes made (or, in check mode, that would be made), in order.
  returned: always
  type: list
  elements: str
elapsed_ms:
  description: Time the module spent reading and changing kernel state, in milliseconds.
  returned: always
  type: float
'''

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import run_module
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.impairment import KIND


def main():
    run_module(KIND)


if __name__ == '__main__':
    main()
