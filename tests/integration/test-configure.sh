#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# -c configures lo, the tap's address, netmask, MTU and default route; without -c the tap stays bare.
. "$(dirname "$0")/../lib/topology.sh"
topo_require_root_and_tools ss
topo_setup

# lo down first, so that -c must bring it up
ip -n "$SF_CONT_NS" link set lo down
topo_start_helper --mtu=65520 -c -r 3 -e 4 --netns-type=path "/run/netns/$SF_CONT_NS" tap0
ip -n "$SF_CONT_NS" -4 addr show dev tap0 | grep >/dev/null 'inet 10.0.2.100/24' || fail "tap0 has no 10.0.2.100/24"
ip -n "$SF_CONT_NS" link show tap0 | grep >/dev/null 'mtu 65520' || fail "tap0 MTU is not 65520"
ip -n "$SF_CONT_NS" link show tap0 | grep >/dev/null ',UP' || fail "tap0 is not up"
ip -n "$SF_CONT_NS" link show lo | grep >/dev/null ',UP' || fail "lo is not up"
ip -n "$SF_CONT_NS" route show default | grep >/dev/null 'default via 10.0.2.2 dev tap0' || fail "no default route via 10.0.2.2"
in_cont ping -c1 -W2 10.0.2.2 >/dev/null || fail "gateway does not answer ping"
pass "-c configured lo, address, netmask, MTU, route"
topo_stop_helper

ip -n "$SF_CONT_NS" link set lo down
SF_NO_READY=1 topo_start_helper -e 4 --netns-type=path "/run/netns/$SF_CONT_NS" tap0
wait_until 5 ip -n "$SF_CONT_NS" link show tap0 || fail "tap0 not created without -c"
sleep 0.3
ip -n "$SF_CONT_NS" -4 addr show dev tap0 | grep >/dev/null inet && fail "tap0 got an address without -c"
ip -n "$SF_CONT_NS" link show lo | grep >/dev/null ',UP' && fail "lo brought up without -c"
pass "without -c the tap is created but not configured"
topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "exit status $SF_HELPER_RC"
