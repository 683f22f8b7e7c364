#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The gateway address reaches the host's 127.0.0.1 unless --disable-host-loopback; ping works either way.
. "$(dirname "$0")/../lib/topology.sh"
topo_require_root_and_tools socat ss
topo_setup
bg_in "$SF_HOST_NS" "$SF_TMP/loopsrv.log" socat TCP4-LISTEN:8081,bind=127.0.0.1,fork,reuseaddr SYSTEM:'echo host-loopback-reached'
wait_until 5 port_listening "$SF_HOST_NS" t 8081 || fail "loopback server did not start"

topo_start_helper -c -r 3 -e 4 --netns-type=path "/run/netns/$SF_CONT_NS" tap0
got=$(in_cont timeout 5 socat -t 2 - TCP:10.0.2.2:8081 </dev/null) || fail "10.0.2.2:8081 unreachable without the flag"
[ "$got" = host-loopback-reached ] || fail "got \"$got\""
pass "without --disable-host-loopback, 10.0.2.2 reaches the host's 127.0.0.1"
topo_stop_helper

topo_start_helper --disable-host-loopback -c -r 3 -e 4 --netns-type=path "/run/netns/$SF_CONT_NS" tap0
if got=$(in_cont timeout 5 socat -t 2 - TCP:10.0.2.2:8081 </dev/null) && [ -n "$got" ]; then
	fail "10.0.2.2:8081 reached the host loopback despite --disable-host-loopback"
fi
in_cont ping -c1 -W2 10.0.2.2 >/dev/null || fail "ping to the gateway fails with --disable-host-loopback"
pass "--disable-host-loopback refuses 10.0.2.2 while ping still works"
topo_stop_helper
