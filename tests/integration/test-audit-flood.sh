#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 13 item 5: a flood of denials must not hide a specific denial from the audit log.
#
# Documented behaviour checked (docs/policy.md "The audit log under a flood", src/audit-log.c,
# slirp-filter/audit-agg.c):
# - allowed-flow records and denial records have separate budgets: 3,000 allowed SYNs (log
#   allowed yes) leave the next denied flow's own record in the log;
# - 5,000 denied SYNs then one to port 4444: the records the rate limit suppressed are
#   summarized per destination ("count", "first", "last"), so the log names port 4444, and says
#   how many of the port-80 SYNs it summarized; "audit-suppressed" gives the totals;
# - suggest-policy reads the summaries (a summary counts as COUNT flows).
. "$(dirname "$0")/../lib/topology.sh"
topo_require_root_and_tools busybox socat dnsmasq ss python3
topo_setup
topo_start_servers
H=$(cd "$(dirname "$0")" && pwd)/hostile.py
bg_in "$SF_INET_NS" "$SF_TMP/sink.log" python3 "$H" hold-server --bind 203.0.113.10 --port 8091 --seconds 60
wait_until 5 grep -q '^listening' "$SF_TMP/sink.log" || fail "the SYN sink did not start"

SF_AUDIT_LOG=$SF_TMP/audit.jsonl
SF_POLICY=$(write_policy flood 'allow tcp to 203.0.113.10 port 8091' 'log allowed yes')
topo_start_helper $(podman_args)
[ "$(tcp_echo 203.0.113.10 7 x 2>/dev/null)" = "" ] || true
GW_MAC=$(ip -n "$SF_CONT_NS" neigh show 10.0.2.2 | awk '{ print $5; exit }')
if [ -z "$GW_MAC" ]; then
	in_cont ping -c 1 -W 1 10.0.2.2 >/dev/null 2>&1 || true
	GW_MAC=$(ip -n "$SF_CONT_NS" neigh show 10.0.2.2 | awk '{ print $5; exit }')
fi
[ -n "$GW_MAC" ] || fail "no neighbour entry for the gateway"
frames() { in_cont python3 "$H" frames "$@" --gw-mac "$GW_MAC" --seconds 20; }
records() { grep "\"event\":\"$1\"" "$SF_AUDIT_LOG"; }

# ---- allowed records cannot starve denials ----
frames syn-allowed --dst 203.0.113.10 --dport 8091 --count 3000 >"$SF_TMP/allowed.out"
frames syn-denied --dst 203.0.113.99 --dport 7777 --count 1 >/dev/null
wait_until 5 bash -c "grep -q '\"dport\":7777' '$SF_AUDIT_LOG'" || fail "no record of the denied SYN to 7777 after the allowed flood"
records flow | grep '"dport":7777' | grep -v '"count"' | grep >/dev/null '"verdict":"deny","reason":"default-deny"' ||
	fail "the denial after 3,000 allowed flows has no record of its own: $(grep 7777 "$SF_AUDIT_LOG")"
n_allowed=$(records flow | grep -c '"verdict":"allow"') || true
pass "3,000 allowed flows ($(cat "$SF_TMP/allowed.out"); $n_allowed allowed records) did not use up the denials' budget"

# ---- a flood of denials, then the one that matters ----
# (the one to 4444 right behind the flood, before the bucket refills)
# (paced at 20,000/s: 0.25 s, far faster than the 200/s refill, slow enough for the tap queue)
tap_dropped() { in_cont cat /sys/class/net/tap0/statistics/tx_dropped; }
txd0=$(tap_dropped)
frames syn-denied --dst 203.0.113.99 --dport 80 --count 5000 --rate 20000 --last-dport 4444 >"$SF_TMP/flood.out"
txd=$(( $(tap_dropped) - txd0 ))
wait_until 5 bash -c "grep -q '\"dport\":4444' '$SF_AUDIT_LOG'" ||
	fail "the SYN to port 4444 left no record after the flood ($(cat "$SF_TMP/flood.out")): $(records audit-suppressed)"
records flow | grep '"dport":4444' | grep >/dev/null '"verdict":"deny","reason":"default-deny","proto":"tcp","src":"10.0.2.100".*"dst":"203.0.113.99","dport":4444' ||
	fail "the 4444 record does not say what was denied: $(grep 4444 "$SF_AUDIT_LOG")"
wait_until 5 bash -c "grep '\"event\":\"audit-suppressed\"' '$SF_AUDIT_LOG' | grep >/dev/null '\"summarized\"'" ||
	fail "no audit-suppressed record with totals"
# every port-80 SYN that reached the helper is accounted for: those the container's kernel took
# ("sent", the 4444 one included) less those its full transmit queue dropped before the helper
# read them (tx_dropped; under load a few hundred, so a fixed share would be a race). The
# summaries of a flood that spans a flush come in more than one second: wait for them all.
read -r _ sent _ <"$SF_TMP/flood.out"
reached=$((sent - 1 - txd))
[ "$reached" -ge 2500 ] || fail "only $reached of the 5,000 port-80 SYNs reached the helper ($(cat "$SF_TMP/flood.out"), $txd dropped in the container's queue)"
count80() {
	single=$(records flow | grep '"dport":80,' | grep -vc '"count"') || true
	summed=$(records flow | grep '"dport":80,' | grep -o '"count":[0-9]*' | cut -d: -f2 | paste -sd+ | bc)
	total=$((single + ${summed:-0}))
}
all_counted() { count80; [ "$total" -ge "$reached" ]; }
wait_until 10 all_counted || true
count80
[ -n "$summed" ] && [ "$summed" -ge 1 ] || fail "no summary of the port-80 flood: $(records flow | grep '"dport":80,' | tail -3)"
[ "$total" -ge "$reached" ] || fail "only $total of the $reached port-80 SYNs that reached the helper are accounted for ($single records, $summed summarized; $txd dropped in the container's queue)"
records flow | grep '"dport":80,' | grep '"count"' | awk 'NR == 1' | grep >/dev/null '"first":"[0-9T:.-]*Z","last":"[0-9T:.-]*Z"' ||
	fail "the summary has no first/last times"
pass "5,000 denied SYNs then one to 4444: port 4444 is named; port 80: $single records and $summed in summaries of the $reached that reached the helper ($txd dropped in the container's queue)"

# ---- the readers take the summaries ----
"$SLIRP_FILTER" audit "$SF_AUDIT_LOG" >"$SF_TMP/follow.out" 2>&1 || fail "audit could not read the log: $(tail -3 "$SF_TMP/follow.out")"
grep -q '203.0.113.99:80 (default-deny) x[0-9]* since' "$SF_TMP/follow.out" || fail "audit does not show the summary: $(grep ':80 ' "$SF_TMP/follow.out" | tail -2)"
rc=0
"$SLIRP_FILTER" suggest-policy "$SF_AUDIT_LOG" >"$SF_TMP/suggested" 2>"$SF_TMP/suggest.err" || rc=$?
[ "$rc" -eq 0 ] || fail "suggest-policy exited $rc: $(cat "$SF_TMP/suggest.err")"
grep -q 'port 80,4444,7777' "$SF_TMP/suggested" || fail "suggest-policy lost a port: $(cat "$SF_TMP/suggested")"
pass "audit and suggest-policy read the summary records"

topo_stop_helper
