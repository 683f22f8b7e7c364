#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `mode audit` (issue 3): traffic the rules do not allow goes through, and the audit log has an
# "audit-deny" record for each flow that enforce mode would have refused.
. "$(dirname "$0")/../lib/topology.sh"
. "$(dirname "$0")/policy-lib.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss python3 ping
topo_setup
topo_start_servers

SF_POLICY=$(write_policy audit 'mode audit' 'allow tcp to 203.0.113.10 port 80')
SF_AUDIT_LOG=$SF_TMP/audit.log
SF_API=$SF_TMP/api.sock
topo_start_helper $(podman_args) -a "$SF_API"
expect_audit 1 "start-up" event=policy-loaded "policy=$SF_POLICY" mode=audit

[ "$(http_get http://203.0.113.10/)" = "$SF_HTTP_BODY" ] || fail "HTTP to the allowed server failed"
expect_audit 1 "allowed HTTP" event=flow verdict=allow reason=rule-allow "rule=$SF_POLICY:2" proto=tcp dst=203.0.113.10 dport=80 mode=audit
pass "the allowed flow is an allow record"

# what enforce would refuse: another port of the allowed host, and another host
got=$(tcp_echo 203.0.113.10 7 "t7-$SF_ID") || fail "TCP echo 203.0.113.10:7 failed in audit mode"
[ "$got" = "t7-$SF_ID" ] || fail "TCP echo 203.0.113.10:7 returned \"$got\""
got=$(in_cont timeout 5 socat -t 2 - TCP:203.0.113.10:9 </dev/null) || fail "whoami 203.0.113.10:9 failed in audit mode"
[ "$got" = 198.51.100.1 ] || fail "whoami 203.0.113.10:9 returned \"$got\""
got=$(udp_echo 203.0.113.10 7 "u7-$SF_ID") || fail "UDP echo 203.0.113.10:7 failed in audit mode"
[ "$got" = "u7-$SF_ID" ] || fail "UDP echo 203.0.113.10:7 returned \"$got\""
got=$(tcp_echo 203.0.113.99 7 "t99-$SF_ID") || fail "TCP echo 203.0.113.99:7 failed in audit mode"
[ "$got" = "t99-$SF_ID" ] || fail "TCP echo 203.0.113.99:7 returned \"$got\""
in_cont ping -c1 -W3 203.0.113.99 >"$SF_TMP/ping.out" 2>&1 || fail "ping 203.0.113.99 failed in audit mode: $(cat "$SF_TMP/ping.out")"
pass "audit mode lets through TCP 203.0.113.10:7 and :9, UDP 203.0.113.10:7, TCP 203.0.113.99:7 and ping 203.0.113.99"

expect_audit 1 "TCP 203.0.113.10:7" event=flow verdict=audit-deny reason=default-deny proto=tcp src=10.0.2.100 dst=203.0.113.10 dport=7 mode=audit
expect_audit 1 "TCP 203.0.113.10:9" event=flow verdict=audit-deny reason=default-deny proto=tcp dst=203.0.113.10 dport=9 mode=audit
expect_audit 1 "UDP 203.0.113.10:7" event=flow verdict=audit-deny reason=default-deny proto=udp dst=203.0.113.10 dport=7 mode=audit
expect_audit 1 "TCP 203.0.113.99:7" event=flow verdict=audit-deny reason=default-deny proto=tcp dst=203.0.113.99 dport=7 mode=audit
expect_audit 1 "ICMP 203.0.113.99" event=flow verdict=audit-deny reason=default-deny proto=icmp dst=203.0.113.99 mode=audit
expect_no_audit "audit mode" event=flow verdict=deny
# one record per flow, not one per packet
[ "$(audit_count event=flow verdict=audit-deny dst=203.0.113.10 dport=7 proto=tcp)" -eq 1 ] || fail "more than one record for one TCP flow"
pass "each would-be denial has one audit-deny record (reason, dst, dport, mode audit)"

c=$(api '{"execute":"get_counters"}')
[ "$(echo "$c" | jget return.mode)" = audit ] || fail "mode: $c"
[ "$(echo "$c" | jget return.flows.denied)" -eq 0 ] || fail "flows denied in audit mode: $c"
[ "$(echo "$c" | jget return.flows.audit_allowed)" -eq "$(audit_count event=flow verdict=audit-deny)" ] ||
	fail "flows.audit_allowed does not match the audit-deny records: $c"
[ "$(echo "$c" | jget return.flows.audit_allowed)" -eq 5 ] || fail "flows.audit_allowed is not 5: $c"
pass "get_counters: 0 denied, 5 audit_allowed"
topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "helper exited $SF_HELPER_RC"
