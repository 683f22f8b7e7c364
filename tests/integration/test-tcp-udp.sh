#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# TCP (HTTP, echo, a 2 MB download) and UDP echo from the container reach the test servers.
. "$(dirname "$0")/../lib/topology.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss
topo_setup
topo_start_servers
topo_start_helper $(podman_args)

got=$(http_get http://203.0.113.10/) || fail "HTTP fetch failed"
[ "$got" = "$SF_HTTP_BODY" ] || fail "HTTP body was \"$got\""
pass "HTTP over TCP"

got=$(tcp_echo 203.0.113.10 7 "tcp-$SF_ID") || fail "TCP echo failed"
[ "$got" = "tcp-$SF_ID" ] || fail "TCP echo returned \"$got\""
pass "TCP echo"

got=$(udp_echo 203.0.113.10 7 "udp-$SF_ID") || fail "UDP echo failed"
[ "$got" = "udp-$SF_ID" ] || fail "UDP echo returned \"$got\""
pass "UDP echo"

in_cont timeout 20 busybox wget -q -O "$SF_TMP/big.got" http://203.0.113.10/big.bin || fail "download failed"
cmp -s "$SF_TMP/big.got" "$SF_TMP/www/big.bin" || fail "the 2 MB download was corrupted"
pass "2 MB download intact"

topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "helper exited $SF_HELPER_RC"
