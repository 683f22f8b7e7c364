#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Learn mode (issue 8): an audit run of a busybox workload, `suggest-policy` on its log, then an
# enforce run with the suggested policy: the same workload passes, what it never did is refused.
# The workload resolves web.example through the helper (10.0.2.3; the harness's dnsmasq on
# 203.0.113.53 is the host namespace's resolver, the helper's default upstream), fetches
# http://web.example/ and pings web.example. Set SF_SHOW=1 to print the commands' output.
. "$(dirname "$0")/../lib/topology.sh"
. "$(dirname "$0")/policy-lib.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss python3 dig
topo_setup
topo_start_servers

show() { if [ "${SF_SHOW:-0}" = 1 ]; then echo "--- $1 ---"; cat "$2"; fi; }

# the workload a user would run in a busybox container
workload() {
	local got
	got=$(in_cont timeout 10 busybox wget -q -O - http://web.example/) || return 1
	[ "$got" = "$SF_HTTP_BODY" ] || return 1
	in_cont timeout 10 busybox ping -c 1 -W 3 web.example >/dev/null || return 1
}

# ---- 1. the audit run: everything passes, every would-be denial is logged ----
SF_POLICY=$(write_policy learn 'mode audit')
SF_AUDIT_LOG=$SF_TMP/audit.jsonl
SF_API=$SF_TMP/api.sock
topo_start_helper $(podman_args) -a "$SF_API"
workload || fail "the workload failed in audit mode"
expect_audit 1 "the lookup" event=dns verdict=audit-deny reason=not-allowed name=web.example mode=audit
expect_audit 1 "the fetch" event=flow verdict=audit-deny proto=tcp dst=203.0.113.10 dport=80 name=web.example
expect_audit 1 "the ping" event=flow verdict=audit-deny proto=icmp dst=203.0.113.10 name=web.example
topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "the audit-mode helper exited $SF_HELPER_RC"
show "audit log" "$SF_AUDIT_LOG"
pass "audit run: the workload passed and its lookup, fetch and ping are in the audit log with the name"

# ---- 2. the suggestion ----
suggested=$SF_TMP/suggested.policy
rc=0
"$SLIRP_FILTER" suggest-policy "$SF_AUDIT_LOG" >"$suggested" 2>"$SF_TMP/suggest.err" || rc=$?
[ "$rc" -eq 0 ] || fail "suggest-policy exited $rc: $(cat "$SF_TMP/suggest.err")"
[ ! -s "$SF_TMP/suggest.err" ] || fail "suggest-policy complained: $(cat "$SF_TMP/suggest.err")"
show "suggested policy" "$suggested"
grep -qx 'allow tcp to web.example port 80' "$suggested" || fail "no name rule for the fetch: $(cat "$suggested")"
grep -qx 'allow icmp to web.example' "$suggested" || fail "no name rule for the ping: $(cat "$suggested")"
grep -qx 'mode enforce' "$suggested" || fail "the suggestion is not an enforce policy"
grep -q '^allow .* to 203\.0\.113\.' "$suggested" && fail "an address rule although every flow came from a lookup: $(cat "$suggested")"
grep -q '^# web.example: 2 flows' "$suggested" || fail "no count comment for web.example: $(cat "$suggested")"
"$SLIRP_FILTER" --check-policy "$suggested" >"$SF_TMP/check.out" 2>&1 || fail "the suggestion does not pass --check-policy: $(cat "$SF_TMP/check.out")"
show "--check-policy" "$SF_TMP/check.out"
grep -q ': 2 rules (2 allow, 0 deny; 2 name rules), mode enforce' "$SF_TMP/check.out" || fail "check: $(cat "$SF_TMP/check.out")"
pass "suggest-policy: two name rules (tcp 80 and icmp to web.example), mode enforce, passes --check-policy"

# ---- 3. the enforce run with the suggestion ----
SF_POLICY=$suggested
SF_AUDIT_LOG=$SF_TMP/enforce.jsonl
rule_line=$(grep -nx 'allow tcp to web.example port 80' "$suggested" | cut -d: -f1)
topo_start_helper $(podman_args) -a "$SF_API"
workload || fail "the workload failed under the suggested policy: $(cat "$SF_AUDIT_LOG")"
expect_audit 1 "the fetch, allowed" event=flow verdict=allow reason=learned "rule=$suggested:$rule_line" proto=tcp dst=203.0.113.10 dport=80 name=web.example mode=enforce
expect_no_audit "the workload under its own policy" event=flow verdict=deny
"$SLIRP_FILTER" status "$SF_API" >"$SF_TMP/status.out" 2>&1 || fail "status: $(cat "$SF_TMP/status.out")"
show "slirp-filter status" "$SF_TMP/status.out"
grep -qx "Policy    $suggested" "$SF_TMP/status.out" || fail "status: $(cat "$SF_TMP/status.out")"
grep -Eq '^  203\.0\.113\.10 +[0-9ms]+  web\.example$' "$SF_TMP/status.out" || fail "status: no learned web.example: $(cat "$SF_TMP/status.out")"
pass "enforce run with the suggested policy: the same workload passes; status shows the policy and web.example"

# what the workload never did: another port of the same server, another server, another name
expect_refused_fast "$(probe_cont tcp 203.0.113.10 7)" "TCP 203.0.113.10:7"
expect_audit 1 "port 7" event=flow verdict=deny reason=default-deny proto=tcp dst=203.0.113.10 dport=7
expect_refused_fast "$(probe_cont tcp 203.0.113.99 80)" "TCP 203.0.113.99:80"
expect_audit 1 "203.0.113.99" event=flow verdict=deny reason=default-deny proto=tcp dst=203.0.113.99 dport=80
in_cont timeout 10 busybox ping -c 1 -W 2 203.0.113.99 >/dev/null 2>&1 && fail "ping 203.0.113.99 passed"
expect_audit 1 "ping 203.0.113.99" event=flow verdict=deny proto=icmp dst=203.0.113.99
out=$(in_cont dig +time=3 +tries=1 @10.0.2.3 other.example A) || true
echo "$out" | grep >/dev/null 'status: NXDOMAIN' || fail "a name the workload never asked for was answered: $out"
expect_audit 1 "other.example" event=dns verdict=deny reason=not-allowed name=other.example
pass "requests the workload never made are refused: TCP port 7, TCP and ping to 203.0.113.99, DNS other.example"

# the follow view shows the decisions in words
TZ=UTC "$SLIRP_FILTER" audit --color=never "$SF_AUDIT_LOG" >"$SF_TMP/follow.out" 2>&1 || fail "audit: $(cat "$SF_TMP/follow.out")"
show "slirp-filter audit" "$SF_TMP/follow.out"
grep -Eq '^[0-9:]{8} ALLOW +tcp 10\.0\.2\.100:[0-9]+ -> 203\.0\.113\.10:80 web\.example \(learned, suggested\.policy:'"$rule_line"'\)$' "$SF_TMP/follow.out" ||
	fail "no readable allow line: $(cat "$SF_TMP/follow.out")"
grep -Eq '^[0-9:]{8} DENY +tcp 10\.0\.2\.100:[0-9]+ -> 203\.0\.113\.10:7( web\.example)? \(default-deny\)$' "$SF_TMP/follow.out" ||
	fail "no readable deny line: $(cat "$SF_TMP/follow.out")"
grep -Eq '^[0-9:]{8} DNS DENY +other\.example A \(not-allowed\)$' "$SF_TMP/follow.out" ||
	fail "no readable DNS line: $(cat "$SF_TMP/follow.out")"
pass "slirp-filter audit shows the enforce run's decisions one readable line each"

topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "the enforce-mode helper exited $SF_HELPER_RC"
