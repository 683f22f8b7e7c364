#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The gateway address reaches the host's 127.0.0.1 only when a `host` rule opens it, whatever Podman passes.
# libslirp itself is started with the host loopback disabled when the policy has no `host` rule,
# and a reload cannot add one then (refused, old policy stays); dropping one is fine.
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

# ---- libslirp's own host loopback follows the policy (issue 13 item 11) ----
reach8081() { got=$(in_cont timeout 5 socat -t 2 - TCP:10.0.2.2:8081 </dev/null 2>/dev/null) && [ "$got" = host-loopback-reached ]; }
# audit mode lets every flow past the filter: with no `host` rule libslirp itself refuses 127.0.0.1
SF_POLICY=$(write_policy audit 'mode audit' 'allow any to 0.0.0.0/0')
topo_start_helper -c -r 3 -e 4 --netns-type=path "/run/netns/$SF_CONT_NS" tap0
reach8081 && fail "audit mode without a host rule reached the host's loopback: libslirp's loopback is open"
in_cont ping -c1 -W2 10.0.2.2 >/dev/null || fail "ping to the gateway fails with the host loopback disabled"
topo_stop_helper
pass "no host rule: libslirp's host loopback is off (audit mode, which passes every flow, cannot reach 127.0.0.1)"

# no host rule at start, a reload that adds one: refused, the old policy stays, loopback stays shut
SF_POLICY=$(write_policy nohost 'allow any to 0.0.0.0/0')
topo_start_helper -c -r 3 -e 4 --netns-type=path "/run/netns/$SF_CONT_NS" tap0
printf '%s\n' 'allow any to 0.0.0.0/0' 'allow tcp to host port 8081' > "$SF_POLICY"
kill -HUP "$SF_HELPER_PID"
wait_until 5 grep -q "policy reload refused" "$SF_HELPER_LOG" || fail "a reload adding a host rule was not refused: $(tail -5 "$SF_HELPER_LOG")"
grep -q "libslirp was started with the host's loopback disabled" "$SF_HELPER_LOG" || fail "the refusal does not say why: $(tail -5 "$SF_HELPER_LOG")"
reach8081 && fail "the host's loopback opened after a refused reload"
grep -q "policy reloaded" "$SF_HELPER_LOG" && fail "the reload was applied"
topo_stop_helper
pass "a reload adding a host rule to a helper started without one is refused with the reason; loopback stays shut"

# a host rule at start, a reload that drops it: accepted, the filter shuts the port
SF_POLICY=$(write_policy host2 'allow tcp to host port 8081')
topo_start_helper -c -r 3 -e 4 --netns-type=path "/run/netns/$SF_CONT_NS" tap0
reach8081 || fail "10.0.2.2:8081 unreachable with 'allow tcp to host port 8081'"
printf '%s\n' 'allow any to 0.0.0.0/0' > "$SF_POLICY"
kill -HUP "$SF_HELPER_PID"
wait_until 5 grep -q "policy reloaded" "$SF_HELPER_LOG" || fail "the reload dropping the host rule was refused: $(tail -5 "$SF_HELPER_LOG")"
reach8081 && fail "10.0.2.2:8081 still reachable after the host rule was removed"
topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "helper exited $SF_HELPER_RC"
pass "a reload that drops the host rule is accepted and shuts 10.0.2.2:8081"
