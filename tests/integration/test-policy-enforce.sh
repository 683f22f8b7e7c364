#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Enforcement (issue 3): allowed address and ports connect over IPv4 and IPv6; another port on
# the same host is refused by an RST to its first SYN (under 1 s); an address outside the policy is refused
# for TCP, UDP and ICMP; nothing refused reaches the test internet; the audit log and the API
# counters record each decision.
. "$(dirname "$0")/../lib/topology.sh"
. "$(dirname "$0")/policy-lib.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss python3 ping tcpdump
topo_setup
topo_start_servers
ip -n "$SF_INET_NS" addr add 2001:db8::99/128 dev lo
# IPv6 without the waits that are not under test (DAD, the first RS's delay): tap0 inherits these
in_cont sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.router_solicitation_delay=0

SF_POLICY=$(write_policy enforce \
	'allow tcp to 203.0.113.10 port 80' \
	'allow udp to 203.0.113.10 port 7' \
	'allow icmp to 203.0.113.10' \
	'allow tcp to 2001:db8::10 port 80' \
	'allow udp to 2001:db8::10 port 7' \
	'allow icmp to 2001:db8::10' \
	'deny tcp to 203.0.113.10 port 9')
SF_AUDIT_LOG=$SF_TMP/audit.log
SF_API=$SF_TMP/api.sock
# everything the helper sends towards the test internet
capture_start out 'src host 198.51.100.1 or src host 2001:db8:1::1'
topo_start_helper -6 $(podman_args) -a "$SF_API"
wait_until 10 has_fd00 || fail "no fd00::/64 address from router advertisements"
expect_audit 1 "start-up" event=policy-loaded "policy=$SF_POLICY" mode=enforce

# ---- allowed: HTTP, UDP echo, ping (IPv4 and IPv6) ----
got=$(http_get http://203.0.113.10/) || fail "HTTP over IPv4 failed"
[ "$got" = "$SF_HTTP_BODY" ] || fail "HTTP over IPv4 returned \"$got\""
got=$(http_get 'http://[2001:db8::10]/') || fail "HTTP over IPv6 failed"
[ "$got" = "$SF_HTTP_BODY" ] || fail "HTTP over IPv6 returned \"$got\""
got=$(udp_echo 203.0.113.10 7 "udp4-$SF_ID") || fail "UDP echo over IPv4 failed"
[ "$got" = "udp4-$SF_ID" ] || fail "UDP echo over IPv4 returned \"$got\""
got=$(echo "udp6-$SF_ID" | in_cont timeout 5 socat -t 2 - 'UDP6:[2001:db8::10]:7') || fail "UDP echo over IPv6 failed"
[ "$got" = "udp6-$SF_ID" ] || fail "UDP echo over IPv6 returned \"$got\""
in_cont ping -c1 -W3 203.0.113.10 >"$SF_TMP/ping4.out" 2>&1 || fail "ping 203.0.113.10 failed: $(cat "$SF_TMP/ping4.out")"
# libslirp 4.7 cannot relay ICMPv6 echo beyond the gateway ("external icmpv6 not supported
# yet"): the filter's part is to let it through, which the audit record below shows, and not
# to refuse it
in_cont ping -c1 -W1 2001:db8::10 >"$SF_TMP/ping6.out" 2>&1 || true
grep -qi 'prohibited\|filtered\|unreachable' "$SF_TMP/ping6.out" && fail "ping 2001:db8::10 was refused: $(cat "$SF_TMP/ping6.out")"
pass "allowed: HTTP, UDP echo and ping over IPv4; HTTP and UDP echo over IPv6"

expect_audit 1 "HTTP v4 allowed" event=flow verdict=allow reason=rule-allow "rule=$SF_POLICY:1" proto=tcp src=10.0.2.100 dst=203.0.113.10 dport=80 mode=enforce
expect_audit 1 "UDP v4 allowed" event=flow verdict=allow reason=rule-allow "rule=$SF_POLICY:2" proto=udp dst=203.0.113.10 dport=7
expect_audit 1 "ping v4 allowed" event=flow verdict=allow reason=rule-allow "rule=$SF_POLICY:3" proto=icmp dst=203.0.113.10
expect_audit 1 "HTTP v6 allowed" event=flow verdict=allow reason=rule-allow "rule=$SF_POLICY:4" proto=tcp dst=2001:db8::10 dport=80
expect_audit 1 "UDP v6 allowed" event=flow verdict=allow reason=rule-allow "rule=$SF_POLICY:5" proto=udp dst=2001:db8::10 dport=7
expect_audit 1 "ping v6 allowed" event=flow verdict=allow reason=rule-allow "rule=$SF_POLICY:6" proto=icmpv6 dst=2001:db8::10
pass "each allowed flow has an allow record naming its rule"

# ---- the same hosts on other ports: an RST at once ----
denied=0
for dst in 203.0.113.10 2001:db8::10; do
	for port in 7 9; do
		expect_refused_fast "$(probe_cont tcp "$dst" "$port")" "TCP $dst port $port"
		denied=$((denied + 1))
		if [ "$dst:$port" = 203.0.113.10:9 ]; then
			# an explicit deny rule: the record names it
			expect_audit 1 "TCP $dst:$port denied" event=flow verdict=deny reason=rule-deny "rule=$SF_POLICY:7" proto=tcp dst=$dst dport=$port mode=enforce
		else
			expect_audit 1 "TCP $dst:$port denied" event=flow verdict=deny reason=default-deny proto=tcp dst=$dst dport=$port mode=enforce
		fi
	done
done
pass "TCP to ports 7 and 9 of the allowed hosts refused (ECONNREFUSED) by the RST to the first SYN, v4 and v6"

# ---- an address outside the policy: TCP, UDP and ICMP, v4 and v6 ----
expect_refused_fast "$(probe_cont tcp 203.0.113.99 80)" "TCP 203.0.113.99:80"
expect_refused_fast "$(probe_cont tcp 2001:db8::99 80)" "TCP [2001:db8::99]:80"
expect_refused_fast "$(probe_cont tcp 203.0.113.99 7)" "TCP 203.0.113.99:7"
# ICMP administratively prohibited: EHOSTUNREACH for IPv4 (type 3 code 13), EACCES for IPv6 (type 1 code 1)
expect_result "$(probe_cont udp 203.0.113.99 7 --send "u4-$SF_ID")" EHOSTUNREACH "UDP 203.0.113.99:7"
expect_result "$(probe_cont udp 2001:db8::99 7 --send "u6-$SF_ID")" EACCES "UDP [2001:db8::99]:7"
# the allowed host on a UDP port the policy does not name
expect_result "$(probe_cont udp 203.0.113.10 9 --send "u4b-$SF_ID")" EHOSTUNREACH "UDP 203.0.113.10:9"
in_cont ping -c1 -W2 203.0.113.99 >"$SF_TMP/ping4d.out" 2>&1 && fail "ping 203.0.113.99 answered: $(cat "$SF_TMP/ping4d.out")"
grep -q 'Packet filtered' "$SF_TMP/ping4d.out" || fail "ping 203.0.113.99 got no administratively-prohibited reply: $(cat "$SF_TMP/ping4d.out")"
in_cont ping -c1 -W2 2001:db8::99 >"$SF_TMP/ping6d.out" 2>&1 && fail "ping 2001:db8::99 answered: $(cat "$SF_TMP/ping6d.out")"
grep -q 'Administratively prohibited' "$SF_TMP/ping6d.out" || fail "ping 2001:db8::99 got no administratively-prohibited reply: $(cat "$SF_TMP/ping6d.out")"
denied=$((denied + 8))
pass "203.0.113.99 / 2001:db8::99 refused for TCP (RST), UDP and ICMP (administratively prohibited)"

expect_audit 1 "TCP 203.0.113.99:80" event=flow verdict=deny reason=default-deny proto=tcp src=10.0.2.100 dst=203.0.113.99 dport=80
expect_audit 1 "TCP 203.0.113.99:7" event=flow verdict=deny reason=default-deny proto=tcp dst=203.0.113.99 dport=7
expect_audit 1 "TCP [2001:db8::99]:80" event=flow verdict=deny reason=default-deny proto=tcp dst=2001:db8::99 dport=80
expect_audit 1 "UDP 203.0.113.99:7" event=flow verdict=deny reason=default-deny proto=udp dst=203.0.113.99 dport=7
expect_audit 1 "UDP [2001:db8::99]:7" event=flow verdict=deny reason=default-deny proto=udp dst=2001:db8::99 dport=7
expect_audit 1 "UDP 203.0.113.10:9" event=flow verdict=deny reason=default-deny proto=udp dst=203.0.113.10 dport=9
expect_audit 1 "ICMP 203.0.113.99" event=flow verdict=deny reason=default-deny proto=icmp dst=203.0.113.99
expect_audit 1 "ICMPv6 2001:db8::99" event=flow verdict=deny reason=default-deny proto=icmpv6 dst=2001:db8::99
# a default denial names no rule; a rule denial names its rule
[ "$(python3 - "$SF_AUDIT_LOG" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
print(sum(1 for r in recs if r.get("reason") == "default-deny" and "rule" in r))
PY
)" = 0 ] || fail "a default-deny record names a rule"
# one JSON object per line, an RFC 3339 time, a file only its owner can read
python3 - "$SF_AUDIT_LOG" <<'PY' || fail "malformed audit records"
import json, re, sys
for n, line in enumerate(open(sys.argv[1]), 1):
    r = json.loads(line)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", r["time"]), (n, r)
    assert r["event"] in ("flow", "policy-loaded", "policy-reloaded", "policy-refused", "audit-suppressed"), (n, r)
PY
[ "$(stat -c %a "$SF_AUDIT_LOG")" = 600 ] || fail "the audit log's mode is $(stat -c %a "$SF_AUDIT_LOG"), not 600"
pass "each refusal has a deny record (reason, proto, dst, dport); records are JSON lines with RFC 3339 times, file mode 0600"

# ---- nothing refused left the helper ----
# a last allowed packet, then wait for it: everything sent before it has been captured
got=$(udp_echo 203.0.113.10 7 "last-$SF_ID") || fail "final UDP echo failed"
wait_until 5 capture_has "> 203\.0\.113\.10\.7: UDP, length $(( ${#SF_ID} + 6 ))" || fail "the capture did not see the final allowed datagram"
capture_stop
capture_has '> 203\.0\.113\.10\.80: Flags \[S\]' || fail "the capture did not see the allowed HTTP connection"
capture_has '> 2001:db8::10\.80: Flags \[S\]' || fail "the capture did not see the allowed IPv6 HTTP connection"
expect_not_captured '> 203\.0\.113\.10\.(7|9): Flags' "TCP to 203.0.113.10:7/9"
expect_not_captured '> 2001:db8::10\.(7|9): Flags' "TCP to [2001:db8::10]:7/9"
expect_not_captured '> 203\.0\.113\.10\.9: UDP' "UDP to 203.0.113.10:9"
expect_not_captured '> 203\.0\.113\.99|> 2001:db8::99' "traffic to the address outside the policy"
pass "no refused flow reached the test internet (tcpdump on its veth)"

# ---- the counters agree with the audit log ----
c=$(api '{"execute":"get_counters"}')
n_deny=$(audit_count event=flow verdict=deny)
n_allow=$(audit_count event=flow verdict=allow)
[ "$n_deny" -eq "$denied" ] || fail "$n_deny deny records for $denied refused flows"
[ "$(echo "$c" | jget return.flows.denied)" -eq "$denied" ] || fail "flows.denied is not $denied: $c"
[ "$(echo "$c" | jget return.denied_by_reason.rule-deny)" -eq 1 ] || fail "denied_by_reason.rule-deny is not 1: $c"
[ "$(echo "$c" | jget return.denied_by_reason.default-deny)" -eq $((denied - 1)) ] || fail "denied_by_reason.default-deny is not $((denied - 1)): $c"
[ "$(echo "$c" | jget return.flows.allowed)" -eq "$n_allow" ] || fail "flows.allowed is not the $n_allow allow records: $c"
[ "$n_allow" -ge 7 ] || fail "only $n_allow allow records"
[ "$(echo "$c" | jget return.replies_sent)" -ge "$denied" ] || fail "replies_sent below $denied: $c"
[ "$(echo "$c" | jget return.flows.cut)" -eq 0 ] || fail "flows cut: $c"
[ "$(echo "$c" | jget return.mode)" = enforce ] || fail "mode: $c"
[ "$(echo "$c" | jget return.policy)" = "$SF_POLICY" ] || fail "policy: $c"
pass "get_counters: $denied denied, $n_allow allowed, as in the audit log"

topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "helper exited $SF_HELPER_RC"
