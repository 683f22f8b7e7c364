#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Policy reload (issue 3): a good new file takes effect on SIGHUP or the API's reload_policy
# without a restart; a broken or deleted one is refused with FILE:LINE:COL (or the I/O error)
# and the old policy stays in force; an established flow the new policy denies is cut with an
# RST, or kept with `reload flows keep`.
. "$(dirname "$0")/../lib/topology.sh"
. "$(dirname "$0")/policy-lib.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss python3
topo_setup
topo_start_servers

P=$SF_TMP/reload.policy
policy() { printf '%s\n' "$@" >"$P.new" && mv -f "$P.new" "$P"; } # an editor's atomic replace
policy '# A' 'allow tcp to 203.0.113.10 port 80'
SF_POLICY=$P
SF_AUDIT_LOG=$SF_TMP/audit.log
SF_API=$SF_TMP/api.sock
topo_start_helper $(podman_args) -a "$SF_API"

echo_works() { [ "$(tcp_echo 203.0.113.10 7 "e-$SF_ID" 2>/dev/null)" = "e-$SF_ID" ]; }
http_works() { [ "$(http_get http://203.0.113.10/ 2>/dev/null)" = "$SF_HTTP_BODY" ]; }
reloaded() { audit_at_least "$1" event=policy-reloaded; }
refused() { audit_at_least "$1" event=policy-refused; }

http_works || fail "policy A: HTTP fails"
expect_refused_fast "$(probe_cont tcp 203.0.113.10 7)" "policy A: TCP echo"
pass "policy A: HTTP allowed, TCP echo refused"

# ---- B by SIGHUP ----
policy '# B' 'allow tcp to 203.0.113.10 port 80' 'allow tcp to 203.0.113.10 port 7'
kill -HUP "$SF_HELPER_PID"
wait_until 3 reloaded 1 || fail "no policy-reloaded record after SIGHUP"
echo_works || fail "policy B after SIGHUP: TCP echo fails"
http_works || fail "policy B after SIGHUP: HTTP fails"
kill -0 "$SF_HELPER_PID" || fail "the helper is gone after SIGHUP"
expect_audit 1 "B" event=flow verdict=allow "rule=$P:3" dst=203.0.113.10 dport=7
pass "policy B by SIGHUP: TCP echo allowed without a restart (rule $P:3)"

# ---- a broken file: refused by the API and by SIGHUP, B stays ----
policy 'allow tcp to 203.0.113.10 port 80' 'alow tcp to 203.0.113.10 port 9' 'allow tcp to 203.0.113.10 port 70000'
r=$(api '{"execute":"reload_policy"}')
desc=$(echo "$r" | jget error.desc) || fail "reload of a broken file answered $r"
case $desc in
"reload_policy: $P:2:1: unknown keyword 'alow'"*) ;;
*) fail "the error does not name $P:2:1: $desc" ;;
esac
case $desc in
*"$P:3:"*) ;;
*) fail "the error does not report the second error (line 3): $desc" ;;
esac
expect_audit 1 "refused by API" event=policy-refused "policy=$P"
[ "$(python3 - "$SF_AUDIT_LOG" "$P:2:1:" <<'PY'
import json, sys
print(sum(1 for r in map(json.loads, open(sys.argv[1])) if r.get("event") == "policy-refused" and sys.argv[2] in r.get("error", "")))
PY
)" -ge 1 ] || fail "the policy-refused record has no error naming $P:2:1"
kill -HUP "$SF_HELPER_PID"
wait_until 3 refused 2 || fail "no policy-refused record after SIGHUP with a broken file"
kill -0 "$SF_HELPER_PID" || fail "the helper is gone after a broken reload"
echo_works || fail "after the refused reloads, policy B is no longer in force (TCP echo fails)"
expect_refused_fast "$(probe_cont tcp 203.0.113.10 9)" "after the refused reloads, TCP 9"
grep -q "$P:2:1" "$SF_HELPER_LOG" || fail "the helper's log does not name $P:2:1"
[ "$(counter return.reloads_refused)" -eq 2 ] || fail "reloads_refused is not 2"
[ "$(counter return.reloads)" -eq 1 ] || fail "reloads is not 1"
pass "a broken file is refused (API error names $P:2:1, audit policy-refused), B stays in force"

# ---- established flows the new policy denies are cut: TCP with an RST, UDP refused from then on ----
B=('allow tcp to 203.0.113.10 port 80' 'allow tcp to 203.0.113.10 port 7' 'allow udp to 203.0.113.10 port 7')
policy '# B, with UDP' "${B[@]}"
r=$(api '{"execute":"reload_policy"}')
echo "$r" | jget return.flows >/dev/null || fail "reload of B answered $r"
# hold NAME [--udp]: a long-lived echo session from the container, one round trip per 0.1 s;
# its PID and source port go to HOLD_PID[NAME] and HOLD_SPORT[NAME]
declare -A HOLD_PID HOLD_SPORT
hold() {
	local name=$1
	shift
	bg_in "$SF_CONT_NS" "$SF_TMP/$name.log" python3 "$SF_PROBE" hold 203.0.113.10 7 --interval 0.1 --duration 25 "$@"
	HOLD_PID[$name]=${SF_PIDS[-1]}
	wait_until 5 grep -q '^echo 5$' "$SF_TMP/$name.log" || fail "$name: the session does not echo: $(cat "$SF_TMP/$name.log")"
	HOLD_SPORT[$name]=$(awk '$1 == "connected" { print $2 }' "$SF_TMP/$name.log")
}
hold tcp1
hold udp1 --udp
in_inet ss -Htn state established '( sport = :7 )' | grep >/dev/null . || fail "the echo server has no established connection"
policy '# C' 'allow tcp to 203.0.113.10 port 80'
t0=$(date +%s%N)
r=$(api '{"execute":"reload_policy"}')
[ "$(echo "$r" | jget return.flows.cut)" -ge 2 ] || fail "reload of C did not cut the two sessions: $r"
wait_until 3 grep -q '^error' "$SF_TMP/tcp1.log" || fail "the TCP session survived policy C: $(tail -3 "$SF_TMP/tcp1.log")"
t1=$(date +%s%N)
grep -q '^error ECONNRESET$' "$SF_TMP/tcp1.log" || fail "the TCP session ended without an RST: $(tail -3 "$SF_TMP/tcp1.log")"
wait_until 3 grep -q '^error' "$SF_TMP/udp1.log" || fail "the UDP session survived policy C: $(tail -3 "$SF_TMP/udp1.log")"
grep -q '^error EHOSTUNREACH$' "$SF_TMP/udp1.log" || fail "the UDP session ended without an ICMP refusal: $(tail -3 "$SF_TMP/udp1.log")"
wait "${HOLD_PID[tcp1]}" "${HOLD_PID[udp1]}" 2>/dev/null || true
wait_until 3 sh -c "! ip netns exec $SF_INET_NS ss -Htn state established '( sport = :7 )' | grep >/dev/null ." ||
	fail "the echo server's side of the cut connection is still established"
expect_audit 1 "TCP cut" event=flow verdict=cut reason=default-deny proto=tcp src=10.0.2.100 "sport=${HOLD_SPORT[tcp1]}" dst=203.0.113.10 dport=7
expect_audit 1 "UDP cut" event=flow verdict=cut reason=default-deny proto=udp src=10.0.2.100 "sport=${HOLD_SPORT[udp1]}" dst=203.0.113.10 dport=7
expect_audit 1 "UDP refused after the cut" event=flow verdict=deny reason=default-deny proto=udp "sport=${HOLD_SPORT[udp1]}" dst=203.0.113.10 dport=7
expect_refused_fast "$(probe_cont tcp 203.0.113.10 7)" "policy C: a new TCP echo connection"
http_works || fail "policy C: HTTP fails"
pass "policy C cuts the TCP session with an RST ($(( (t1 - t0) / 1000000 )) ms) and refuses the UDP session's next datagram (audit 'cut'); the server's side is closed too"

# ---- ... or lets them finish with `reload flows keep` ----
policy '# B, with UDP' "${B[@]}"
api '{"execute":"reload_policy"}' | jget return >/dev/null || fail "reload of B failed"
hold tcp2
hold udp2 --udp
policy '# C, keep' 'reload flows keep' 'allow tcp to 203.0.113.10 port 80'
r=$(api '{"execute":"reload_policy"}')
echo "$r" | jget return >/dev/null || fail "reload of C (keep) answered $r"
for name in tcp2 udp2; do
	n=$(grep -c '^echo' "$SF_TMP/$name.log")
	wait_until 5 grep -q "^echo $((n + 10))\$" "$SF_TMP/$name.log" ||
		fail "$name did not survive 'reload flows keep': $(tail -3 "$SF_TMP/$name.log")"
	grep -q '^error' "$SF_TMP/$name.log" && fail "$name failed after 'reload flows keep': $(tail -3 "$SF_TMP/$name.log")"
done
expect_refused_fast "$(probe_cont tcp 203.0.113.10 7)" "policy C (keep): a new TCP echo connection"
expect_result "$(probe_cont udp 203.0.113.10 7 --send "new-$SF_ID")" EHOSTUNREACH "policy C (keep): a new UDP socket"
kill "${HOLD_PID[tcp2]}" "${HOLD_PID[udp2]}" 2>/dev/null || true
wait "${HOLD_PID[tcp2]}" "${HOLD_PID[udp2]}" 2>/dev/null || true
pass "with 'reload flows keep' the established TCP and UDP sessions go on; new ones are refused"

# ---- a deleted file: refused, the old policy stays ----
rm -f "$P"
r=$(api '{"execute":"reload_policy"}')
desc=$(echo "$r" | jget error.desc) || fail "reload of a deleted file answered $r"
case $desc in
"reload_policy: "*"$P"*) ;;
*) fail "the error for a deleted file does not name it: $desc" ;;
esac
kill -HUP "$SF_HELPER_PID"
wait_until 3 refused 4 || fail "no policy-refused record after SIGHUP with a deleted file"
kill -0 "$SF_HELPER_PID" || fail "the helper is gone after reloading a deleted file"
http_works || fail "after the deleted file, HTTP fails"
expect_refused_fast "$(probe_cont tcp 203.0.113.10 7)" "after the deleted file, TCP echo"
pass "a deleted file is refused ($desc); policy C stays in force"

c=$(api '{"execute":"get_counters"}')
[ "$(echo "$c" | jget return.reloads)" -eq 5 ] || fail "reloads is not 5: $c"
[ "$(echo "$c" | jget return.reloads_refused)" -eq 4 ] || fail "reloads_refused is not 4: $c"
[ "$(echo "$c" | jget return.flows.cut)" -ge 1 ] || fail "flows.cut: $c"
topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "helper exited $SF_HELPER_RC"
