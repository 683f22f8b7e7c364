#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --outbound-addr / --outbound-addr6 (address or interface name) choose the source of outside connections.
. "$(dirname "$0")/../lib/topology.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss
topo_setup
topo_start_servers
ip -n "$SF_HOST_NS" addr add 198.51.100.7/24 dev h0
ip -n "$SF_HOST_NS" addr add 2001:db8:1::7/64 dev h0 nodad
whoami() { in_cont timeout 5 socat -t 2 - "TCP:$1:9" </dev/null; }

topo_start_helper -6 $(podman_args)
wait_until 10 bash -c "ip -n $SF_CONT_NS -6 addr show dev tap0 scope global | grep >/dev/null fd00"
[ "$(whoami 203.0.113.10)" = 198.51.100.1 ] || fail "default source is not 198.51.100.1"
topo_stop_helper

topo_start_helper -6 --outbound-addr=198.51.100.7 --outbound-addr6=2001:db8:1::7 $(podman_args)
wait_until 10 bash -c "ip -n $SF_CONT_NS -6 addr show dev tap0 scope global | grep >/dev/null fd00"
got=$(whoami 203.0.113.10); [ "$got" = 198.51.100.7 ] || fail "--outbound-addr: server saw $got"
got=$(whoami "[2001:db8::10]"); [ "$got" = "[2001:0db8:0001:0000:0000:0000:0000:0007]" ] || fail "--outbound-addr6: server saw $got"
pass "--outbound-addr and --outbound-addr6 by address"
topo_stop_helper

topo_start_helper --outbound-addr=h0 $(podman_args)
got=$(whoami 203.0.113.10); [ "$got" = 198.51.100.1 ] || fail "--outbound-addr=h0: server saw $got"
pass "--outbound-addr by interface name"
topo_stop_helper
