#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vnetlab contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: port_forward
short_description: Forward a port of the host to a guest (DNAT plus forward accepts for exactly that flow)
version_added: "1.0.0"
description:
  - Connections to O(port) of the host arriving on O(in_interface) (the uplink of a cloud VM with one
    public address) are forwarded to O(to_address):O(to_port) - a guest on a lab bridge.
  - Only that flow is admitted - new connections to the guest's port and their replies - not any traffic
    into the lab.
  - With O(from_host=true), the host itself reaches the guest through the port too, on any of its own
    addresses including C(127.0.0.1) (C(ssh -p 2222 localhost)). Connections from a loopback address need
    C(route_localnet) on the guest's interface; it is set to 1 and put back when the last forward that
    needs it is removed.
  - One forward per O(protocol), O(port) and O(in_interface); a changed target replaces its rules.
  - A port the host itself listens on is refused, naming the process, unless O(take_over_host_port=true).
  - Every rule carries the comment C(vnetlab fwd <protocol> <port> <uplink> <address>:<port>) (with nftables,
    in our table C(ip vnetlab)); O(state=absent) removes exactly those rules.
  - Where the host's iptables FORWARD chain has policy DROP or a REJECT/DROP rule, the forward accepts are
    also inserted at its top, whatever the backend (as M(vnetlab.linux.nat_masquerade) does).
  - "An IPv6 O(to_address) makes an IPv6 forward of a port of the uplink's IPv6 addresses - its rules in the
    nftables table C(ip6 vnetlab) or in ip6tables (with the accepts at the top of ip6tables' FORWARD chain
    where that refuses), the comment writing the target C([<address>]:<port>) - and holds
    C(net.ipv6.conf.all.forwarding) instead of C(net.ipv4.ip_forward) (see M(vnetlab.linux.nat_masquerade)
    on what that setting does to router advertisements). It is not masqueraded: the guest sees the client's
    own address and answers through its default route, the host."
  - "With O(from_host=true) an IPv6 forward takes the host's connections to its own IPv6 addresses but not to
    C(::1): IPv6 has no C(route_localnet), the kernel routes no packet from C(::1) out of the host."
  - A forward is of one family; the same port on the same O(in_interface) cannot go to an IPv4 and an IPv6
    target at once.
options:
  port:
    description: The host's port.
    type: int
    required: true
  protocol:
    description: TCP or UDP.
    type: str
    choices: [tcp, udp]
    default: tcp
  to_address:
    description: The guest's IPv4 or IPv6 address (not a loopback, link-local or multicast one). Required with
      O(state=present).
    type: str
  to_port:
    description: The guest's port. Default O(port).
    type: int
  in_interface:
    description: The interface the port is reached on. Default the interface of the host's default route of
      O(to_address)'s family. With O(state=absent) and no O(in_interface), the forward of O(protocol) and
      O(port) is removed from the interface of the IPv4 default route (of the IPv6 one when there is no IPv4
      default route).
    type: str
  from_host:
    description: Also forward connections the host itself makes to O(port) of one of its own addresses.
    type: bool
    default: false
  take_over_host_port:
    description:
      - Forward O(port) even when a socket of the host listens on it, and so take it from the host's own
        service on O(in_interface) (with O(from_host=true), also from the host itself).
      - By default such a port is refused before anything changes (in check mode too), naming the process
        that listens - O(port=22) on a cloud VM's uplink would otherwise hand the host's own SSH to the
        guest and lock its user out. A socket counts when it is of O(protocol) and bound to any address
        (C(0.0.0.0), or C(::), which may take IPv4 too) or to an address of O(in_interface) (with
        O(from_host=true), to any IPv4 address of the host). The sockets are read from C(/proc/net) of the
        namespace the module runs in; sockets of vnetlab's own processes (a lab bridge's DHCP server, a
        guest) do not count.
      - For an IPv6 O(to_address) only IPv6 sockets count - bound to C(::), to an IPv6 address of
        O(in_interface), or (with O(from_host=true)) to any IPv6 address of the host but C(::1); a socket on
        C(0.0.0.0) or an IPv4 address does not.
      - With V(true) the forward goes in, with a warning that names the process.
    type: bool
    default: false
    version_added: 1.0.0
  backend:
    description: C(auto) uses nftables when the C(nft) command exists, else iptables.
    type: str
    choices: [auto, nftables, iptables]
    default: auto
  state:
    description: Whether the forward exists.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - vnetlab.linux.common
  - vnetlab.linux.resource
notes:
  - Guests also need a route back - their default gateway on the lab bridge is the host
    (M(vnetlab.linux.dhcp) gives it; M(vnetlab.linux.nat_masquerade) lets them out).
seealso:
  - module: vnetlab.linux.nat_masquerade
  - module: vnetlab.linux.dhcp
  - module: vnetlab.linux.qemu_guest
author:
  - vnetlab contributors (@vnetlab)
'''

EXAMPLES = r'''
- name: SSH to guest vm0 through port 2222 of the host's public address, and of localhost on the host
  vnetlab.linux.port_forward:
    port: 2222
    to_address: 10.16.0.5
    to_port: 22
    from_host: true
  become: true

- name: A UDP port on a given interface
  vnetlab.linux.port_forward:
    port: 5353
    protocol: udp
    in_interface: ens3
    to_address: 10.16.0.5
  become: true

- name: Port 8080 of the uplink to the guest, although a service of the host listens on it (cut off there)
  vnetlab.linux.port_forward:
    port: 8080
    to_address: 10.16.0.5
    take_over_host_port: true
  become: true

- name: Port 2222 of the uplink's IPv6 address to the guest's IPv6 address
  vnetlab.linux.port_forward:
    port: 2222
    in_interface: ens3
    to_address: fd00:16::5
    to_port: 22
  become: true

- name: Gone again
  vnetlab.linux.port_forward:
    port: 2222
    state: absent
  become: true
'''

RETURN = r'''
forward:
  description: The forward afterwards.
  returned: always
  type: dict
  sample: {protocol: tcp, port: 2222, in_interface: eth0, to_address: 10.16.0.5, to_port: 22, from_host: true,
           backend: nftables, state: present}
actions:
  description: What was (or in check mode would be) done.
  returned: always
  type: list
  elements: str
'''

from ansible_collections.vnetlab.linux.plugins.module_utils.engine import run_module
from ansible_collections.vnetlab.linux.plugins.module_utils.objects.forward import KIND


def main():
    run_module(KIND)


if __name__ == '__main__':
    main()
