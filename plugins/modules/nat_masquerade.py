#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: nat_masquerade
short_description: Masquerade a lab subnet out of the host's uplink, with IPv4 or IPv6 forwarding
version_added: "0.1.0"
description:
  - Masquerades O(source) leaving through O(out_interface), and admits forwarded traffic from O(source)
    to the uplink plus only the replies (conntrack C(ESTABLISHED,RELATED)) back - not any traffic into
    the lab, as a hand-made C(-o br0 -j ACCEPT) would.
  - Every rule carries our mark (the nftables table C(ip vnetlab), or the iptables comment
    C(vnetlab <source> <uplink>)); a re-run adds nothing and C(state=absent) removes exactly our rules.
  - Where the host's iptables FORWARD chain has policy DROP or a REJECT/DROP rule (Docker, Oracle Cloud
    images), an accept in a separate nftables table would not help, so the two forward accepts are also
    inserted at the top of that chain, whatever the backend.
  - Turns C(net.ipv4.ip_forward) on; C(state=absent) restores the previous value, only if this module
    changed it and no other vnetlab NAT remains.
  - An IPv6 O(source) (NAT66) is handled the same way in IPv6's own places - the nftables table
    C(ip6 vnetlab), ip6tables and its FORWARD chain (Docker sets its policy to DROP too) - and holds
    C(net.ipv6.conf.all.forwarding) instead of C(net.ipv4.ip_forward). The masqueraded source is the
    uplink's own IPv6 address.
  - "With C(net.ipv6.conf.all.forwarding=1) the kernel ignores router advertisements on every interface whose
    C(accept_ra) is 1 (the default): a host whose uplink takes its IPv6 default route from router
    advertisements loses that route when it expires. Such a host needs C(accept_ra=2) on the uplink (set it
    yourself, for example with M(vnetlab.linux.sysctl)); vnetlab never changes the uplink's settings. Writing
    C(all.forwarding) also sets C(forwarding) of every interface, and putting it back does the same."
  - "C(net.bridge.bridge-nf-call-iptables): NAT of routed traffic does not need it. Lab roles set it to 0
    so that traffic between lab members on a bridge never meets the FORWARD chain's DROP/REJECT."
options:
  source:
    description:
      - The lab network to masquerade, in CIDR form (for example C(10.16.0.0/24), or C(fd00:16::/64) for IPv6).
      - A link-local or multicast IPv6 network is refused (never routed).
    type: str
    required: true
  out_interface:
    description: The uplink. Default the interface of the host's default route of the O(source)'s family (IPv4 or
      IPv6).
    type: str
  backend:
    description: C(auto) uses nftables when the C(nft) command exists, else iptables.
    type: str
    choices: [auto, nftables, iptables]
    default: auto
  state:
    description: Whether the NAT should be in place.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - vnetlab.linux.common
  - vnetlab.linux.resource
seealso:
  - module: vnetlab.linux.dhcp
  - module: vnetlab.linux.port_forward
  - module: vnetlab.linux.sysctl
author:
  - vnetlab contributors (@vnetlab)
'''

EXAMPLES = r'''
- name: The lab reaches the internet through the host
  vnetlab.linux.nat_masquerade:
    source: 10.16.0.0/24

- name: Undo it
  vnetlab.linux.nat_masquerade:
    source: 10.16.0.0/24
    state: absent

- name: The lab's IPv6 network out of the uplink's IPv6 address (NAT66)
  vnetlab.linux.nat_masquerade:
    source: fd00:16::/64
    out_interface: ens3
'''

RETURN = r'''
nat:
  description: The NAT after the task. C(ip_forward) is the value of the forwarding setting of the source's
    family (C(net.ipv6.conf.all.forwarding) for an IPv6 source).
  returned: always
  type: dict
  sample: {"source": "10.16.0.0/24", "out_interface": "enp0s3", "backend": "nftables", "state": "present",
           "iptables_forward_rules": false, "ip_forward": "1"}
actions:
  description: The changes made (or, in check mode, that would be made), in order.
  returned: always
  type: list
  elements: str
elapsed_ms:
  description: Time the module spent, in milliseconds.
  returned: always
  type: float
'''

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import run_module
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.nat import KIND


def main():
    run_module(KIND)


if __name__ == '__main__':
    main()
