#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The gateway address reaches the host's 127.0.0.1 only when a `host` rule opens it, whatever Podman passes.
. "$(dirname "$0")/../lib/topology.sh"
topo_require_root_and_tools socat ss
topo_setup
bg_in "$SF_HOST_NS" "$SF_TMP/loopsrv.log" socat TCP4-LISTEN:8081,bind=127.0.0.1,fork,reuseaddr SYSTEM:'echo host-loopback-reached'
bg_in "$SF_HOST_NS" "$SF_TMP/loopsrv2.log" socat TCP4-LISTEN:8082,bind=127.0.0.1,fork,reuseaddr SYSTEM:'echo other-port-reached'
wait_until 5 port_listening "$SF_HOST_NS" t 8081 || fail "loopback server did not start"
wait_until 5 port_listening "$SF_HOST_NS" t 8082 || fail "second loopback server did not start"

# allow-all (0.0.0.0/0) does not open host loopback, even without --disable-host-loopback
topo_start_helper -c -r 3 -e 4 --netns-type=path "/run/netns/$SF_CONT_NS" tap0
if got=$(in_cont timeout 5 socat -t 2 - TCP:10.0.2.2:8081 </dev/null) && [ -n "$got" ]; then
	fail "10.0.2.2:8081 reached the host loopback with only 'allow any to 0.0.0.0/0'"
fi
in_cont ping -c1 -W2 10.0.2.2 >/dev/null || fail "ping to the gateway fails"
pass "allow any to 0.0.0.0/0 does not open host loopback; ping to the gateway works"
topo_stop_helper

# a host rule opens exactly its port, also with Podman's --disable-host-loopback
SF_POLICY=$(write_policy host 'allow tcp to host port 8081')
topo_start_helper --disable-host-loopback -c -r 3 -e 4 --netns-type=path "/run/netns/$SF_CONT_NS" tap0
got=$(in_cont timeout 5 socat -t 2 - TCP:10.0.2.2:8081 </dev/null) || fail "10.0.2.2:8081 unreachable with 'allow tcp to host port 8081'"
[ "$got" = host-loopback-reached ] || fail "got \"$got\""
if got=$(in_cont timeout 5 socat -t 2 - TCP:10.0.2.2:8082 </dev/null) && [ -n "$got" ]; then
	fail "10.0.2.2:8082 reached although only port 8081 is allowed"
fi
pass "'allow tcp to host port 8081' opens 10.0.2.2:8081 and nothing else"
topo_stop_helper
