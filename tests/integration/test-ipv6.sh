#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --enable-ipv6 / -6: router advertisements give fd00::/64 and IPv6 reaches the test servers.
. "$(dirname "$0")/../lib/topology.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss
topo_setup
topo_start_servers
has_fd00() { ip -n "$SF_CONT_NS" -6 addr show dev tap0 scope global | grep >/dev/null 'inet6 fd00::'; }
for flag in --enable-ipv6 -6; do
	topo_start_helper "$flag" $(podman_args)
	wait_until 10 has_fd00 || fail "$flag: no fd00::/64 address from router advertisements"
	[ "$(http_get 'http://[2001:db8::10]/')" = "$SF_HTTP_BODY" ] || fail "$flag: HTTP over IPv6 failed"
	got=$(echo "v6-$SF_ID" | in_cont timeout 5 socat -t 2 - 'UDP6:[2001:db8::10]:7') || true
	[ "$got" = "v6-$SF_ID" ] || fail "$flag: UDP over IPv6 returned \"$got\""
	pass "$flag"
	topo_stop_helper
done
topo_start_helper $(podman_args)
sleep 1.5
has_fd00 && fail "fd00::/64 address without --enable-ipv6"
http_get 'http://[2001:db8::10]/' >/dev/null 2>&1 && fail "IPv6 works without --enable-ipv6"
pass "no IPv6 without the flag"
topo_stop_helper
