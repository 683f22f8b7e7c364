#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile: floods of frames from the container (issue 7).
#
# Documented behaviour checked (README "Security model" and "The audit log", docs/policy.md,
# slirp-filter/filter.c and flow.c): every frame is judged before libslirp sees it; malformed
# ones (runts, bad lengths) are dropped and counted; denied flows are never stored, get a
# rate-limited RST or ICMP reply and never reach the test internet, so a flood of them cannot
# crowd allowed flows out; denied names never go upstream; the DNS cache (4096 answers), the
# learned-address table (`dns learned-max`) and the flow table (`flows max`) hold their bounds;
# audit records are rate-limited (200/s, bursts of 1000) and what is dropped is counted
# (audit-suppressed). Under the floods the helper stays up, its memory stays bounded (phase A,
# where nothing is allowed but a few flows: VmHWM within 64 MiB of the start; in all: the
# RLIMIT_DATA budget of docs/sandbox.md for `flows max 1024`), and
# allowed traffic keeps flowing: an HTTP fetch every 100 ms, an iperf3 run, and two sessions
# established before the floods (TCP and UDP echo) that must never break.
#
# Phase A floods, at once and each bounded in count and time (hostile.py frames): SYNs and UDP
# to a denied address, UDP and max-size (MTU 65520) frames to an allowed one on a single flow,
# DNS queries for random denied and allowed names, ARP and IPv6 neighbour/router-solicitation
# storms, minimum-size frames, frames with bad checksums and with bad length fields.
# Phase B: SYNs to an allowed address from 4000 source ports, past `flows max 1024`: the table
# stays at its bound and counts table_full, the established sessions stay, a new connection is
# refused as the policy says (an RST), and once the flood's entries close the table takes new
# flows again.
. "$(dirname "$0")/../lib/topology.sh"
. "$(dirname "$0")/policy-lib.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss python3 tcpdump cmp
topo_setup
topo_start_servers
H=${SF_PROBE%/*}/hostile.py
# memory bounds: in an ASan build the helper's freed memory waits in ASan's quarantine (up to
# 256 MiB) and its shadow counts too, so there the bound is 512 MiB
MEM_BOUND_KB=$((64 * 1024))
[ "$SF_ASAN" = 1 ] && MEM_BOUND_KB=$((512 * 1024))
# the upstream: every name gets an answer (TTL 60), random-* names a random address in
# 192.0.2.0/24 or 198.51.100.2-253 (learned, never contacted)
ip -n "$SF_INET_NS" addr add 203.0.113.57/32 dev lo
bg_in "$SF_INET_NS" "$SF_TMP/resolver.log" python3 "$H" dns-server --bind 203.0.113.57 --seconds 120
wait_until 5 grep -q '^listening' "$SF_TMP/resolver.log" || fail "the upstream did not start: $(cat "$SF_TMP/resolver.log")"
bg_in "$SF_INET_NS" "$SF_TMP/sink.log" python3 "$H" hold-server --bind 203.0.113.10 --port 8091 --seconds 120
wait_until 5 grep -q '^listening' "$SF_TMP/sink.log" || fail "the SYN sink did not start"
in_cont sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.router_solicitation_delay=0

SF_POLICY=$(write_policy flood 'upstream 203.0.113.57' \
	'allow tcp to 203.0.113.10 port 7,80,5201,8091' 'allow udp to 203.0.113.10 port 7,9999' \
	'allow udp to *.flood.example port 9' 'flows max 1024' 'dns learned-max 256')
SF_AUDIT_LOG=$SF_TMP/audit.jsonl
SF_API=$SF_TMP/api.sock
capture_start denied 'dst host 203.0.113.99'
topo_start_helper -6 $(podman_args) -a "$SF_API"
status_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SF_HELPER_PID/status"; }
[ "$(http_get http://203.0.113.10/)" = "$SF_HTTP_BODY" ] || fail "HTTP before the floods"
GW_MAC=$(ip -n "$SF_CONT_NS" neigh show 10.0.2.2 | awk '{ print $5; exit }')
[ -n "$GW_MAC" ] || fail "no neighbour entry for the gateway"
rss0=$(status_kb VmRSS)
c0=$(api '{"execute":"get_counters"}')
tap_dropped() { in_cont cat /sys/class/net/tap0/statistics/tx_dropped; }
txd0=$(tap_dropped)

# established before the floods, they must outlive them: a line (TCP) or a datagram (UDP) every
# 0.1 s. The floods fill the container's own queues (its tap's transmit queue, its receive
# backlog), so a segment may need a retransmission and a datagram may be lost: that is not a lost
# flow. A reset, an EOF, an ICMP refusal, a TCP echo later than 10 s or 3 s without any UDP echo is.
bg_in "$SF_CONT_NS" "$SF_TMP/hold-tcp.log" python3 "$H" tcp-hold 203.0.113.10 7 --interval 0.1 --duration 100 \
	--timeout 10 --stop "$SF_TMP/stop-hold"
HOLD_TCP=${SF_PIDS[-1]}
bg_in "$SF_CONT_NS" "$SF_TMP/hold-udp.log" python3 "$H" udp-hold 203.0.113.10 7 --interval 0.1 --duration 100 \
	--stop "$SF_TMP/stop-hold"
HOLD_UDP=${SF_PIDS[-1]}
wait_until 5 grep -q '^echo 3$' "$SF_TMP/hold-tcp.log" || fail "the TCP session does not echo: $(cat "$SF_TMP/hold-tcp.log")"
wait_until 5 grep -q '^replies 3$' "$SF_TMP/hold-udp.log" || fail "the UDP session does not echo: $(cat "$SF_TMP/hold-udp.log")"
holds_alive() {
	kill -0 "$HOLD_TCP" 2>/dev/null || fail "$1: the TCP session ended: $(cat "$SF_TMP/hold-tcp.log")"
	kill -0 "$HOLD_UDP" 2>/dev/null || fail "$1: the UDP session ended: $(cat "$SF_TMP/hold-udp.log")"
}

# flood NAME KIND ARGS...: hostile.py frames in the container, in the background (8 s at most)
FLOODS=()
flood() {
	local name=$1
	shift
	bg_in "$SF_CONT_NS" "$SF_TMP/flood-$name.log" python3 "$H" frames "$@" --gw-mac "$GW_MAC" --seconds 8
	FLOODS+=("${SF_PIDS[-1]}")
}

# ---- phase A ----
rm -f "$SF_TMP/stop"
# 20 fetches must succeed, none may fail. The floods fill the container's own transmit queue, so
# one fetch's SYN may be dropped there and wait for the kernel's retransmissions (1 s, 3 s, 7 s):
# then fewer than 20 fetches fit in the floods' window although every one succeeded. So the loop
# runs on after the stop until it has 20 (--min-ok), within its 60 s; a fetch slower than its 10 s
# timeout is still an error.
bg_in "$SF_CONT_NS" "$SF_TMP/http-a.log" python3 "$H" http-loop 203.0.113.10 --interval 0.1 --seconds 60 \
	--timeout 10 --stop "$SF_TMP/stop" --min-ok 20
HTTP_A=${SF_PIDS[-1]}
t0=$(date +%s%N)
flood syn-denied syn-denied --dst 203.0.113.99 --dport 80 --count 30000
flood udp-denied udp --dst 203.0.113.99 --dport 7 --count 30000
flood udp-allowed udp --dst 203.0.113.10 --dport 9999 --sport 40001 --count 20000
flood max max --dst 203.0.113.10 --dport 9999 --sport 40002 --count 1500
flood max-denied max --dst 203.0.113.99 --dport 9999 --count 500
flood dns-denied dns-random --dst 10.0.2.3 --suffix deny.example --count 10000
flood dns-allowed dns-random --dst 10.0.2.3 --prefix random- --suffix flood.example --count 8000 --rate 2000
flood arp arp --count 20000
flood nd nd --count 20000
flood min min --count 10000
flood bad-csum-denied bad-csum --dst 203.0.113.99 --count 5000
flood bad-csum-allowed bad-csum --dst 203.0.113.10 --dport 9999 --sport 40003 --count 5000
flood bad-len bad-len --dst 203.0.113.10 --dport 9999 --count 10000
sleep 1
in_cont timeout 15 iperf3 -c 203.0.113.10 -t 3 -J >"$SF_TMP/iperf-a.json" || fail "iperf3 failed during the floods"
mbps=$(python3 -c 'import json,sys; print("%.0f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e6))' "$SF_TMP/iperf-a.json") || fail "iperf3 during the floods: $(cat "$SF_TMP/iperf-a.json")"
for p in "${FLOODS[@]}"; do
	wait "$p" || true
done
# the malformed kinds once more, paced, on their own: in the crowd above most of them may die in
# the container's full transmit queue before the helper sees them (a slow ASan helper)
FLOODS=()
flood min2 min --count 4000 --rate 4000
flood bad-len2 bad-len --dst 203.0.113.10 --dport 9999 --count 4000 --rate 4000
for p in "${FLOODS[@]}"; do
	wait "$p" || true
done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
txd=$(( $(tap_dropped) - txd0 ))
sleep 1 # the last replies and records
touch "$SF_TMP/stop"
wait "$HTTP_A" || true
kill -0 "$SF_HELPER_PID" || fail "the helper died in the floods"
sent=$(cat "$SF_TMP"/flood-*.log | awk '$1 == "sent" { s += $2 } END { print s }')
refusedk=$(cat "$SF_TMP"/flood-*.log | awk '$1 == "sent" { s += $4 } END { print s }')
grep -L '^sent' "$SF_TMP"/flood-*.log | grep >/dev/null . && fail "a flood failed: $(grep -L '^sent' "$SF_TMP"/flood-*.log | xargs cat)"
c=$(api '{"execute":"get_counters"}')
d() { echo $(( $(echo "$c" | jget "$1") - $(echo "$c0" | jget "$1") )); }
v() { echo "$c" | jget "$1"; }
read -r _ ok errs _ <"$SF_TMP/http-a.log"
[ "${errs#errors=}" -eq 0 ] && [ "${ok#ok=}" -ge 20 ] || fail "HTTP during the floods: $(cat "$SF_TMP/http-a.log")"
holds_alive "phase A"
hwm_a=$(status_kb VmHWM)
[ $((hwm_a - rss0)) -lt "$MEM_BOUND_KB" ] || fail "VmHWM $hwm_a kB: more than $((MEM_BOUND_KB / 1024)) MiB above the $rss0 kB before the floods"
pass "phase A: $sent frames in $ms ms from 13 floods at once and 2 paced ones ($refusedk more refused by the container's own kernel, $txd dropped in its full transmit queue); HTTP every 100 ms throughout: $(cut -d' ' -f2- "$SF_TMP/http-a.log"); iperf3 $mbps Mbit/s; both established sessions intact; VmRSS $rss0 kB before, peak $hwm_a kB"

# what the helper saw and did (how much of each flood reached it depends on how fast it drained the
# tap: the container's transmit queue drops the rest, so the thresholds are low)
frames_in=$(d return.frames.in)
[ "$frames_in" -ge 5000 ] || fail "only $frames_in frames reached the helper: $c"
# (no runts: the container's kernel refuses to send a frame shorter than an Ethernet header)
for k in truncated bad-length unsupported-ethertype; do
	[ "$(d "return.drops.$k")" -ge 1 ] || fail "no frame counted as $k: $c"
done
[ "$(d return.drops.malformed)" -ge 100 ] || fail "malformed drops: $(d return.drops.malformed)"
[ "$(d return.flows.denied)" -ge 100 ] || fail "denied flows: $(d return.flows.denied)"
[ "$(v return.replies_suppressed)" -ge 1 ] || fail "the RST/ICMP replies were not rate-limited: $c"
[ "$(v return.audit_suppressed)" -ge 1 ] || fail "no audit record was suppressed: $c"
expect_audit 1 "the rate limit" event=audit-suppressed
[ "$(audit_count event=flow verdict=deny)" -le $(( 1000 + 200 * (ms / 1000 + 4) )) ] ||
	fail "$(audit_count event=flow verdict=deny) deny records in $ms ms: not rate-limited"
[ "$(v return.flows.active)" -le 1024 ] || fail "flows.active above 1024"
# denied flows are never stored; the floods to the allowed address used one source port each
api '{"execute":"get_status"}' >"$SF_TMP/status-a.json"
python3 - "$SF_TMP/status-a.json" <<'PY' || fail "the flow table after phase A: $(cat "$SF_TMP/status-a.json")"
import json, sys
r = json.load(open(sys.argv[1]))["return"]
flows = r["flows"]
assert r["flows_truncated"] == 0, r["flows_total"]
assert not [f for f in flows if f["dst"] == "203.0.113.99"], "a denied flow is in the table"
odd = [f for f in flows if f.get("dport") == 9999 and f.get("sport") not in (40001, 40002, 40003)]
assert not odd, odd
PY
[ "$(v return.dns.cache_entries)" -le 4096 ] || fail "DNS cache above its bound: $c"
[ "$(v return.learned_addresses)" -le 256 ] || fail "learned addresses above dns learned-max 256: $c"
[ "$(v return.dns.refused)" -ge 100 ] || fail "denied names: $(v return.dns.refused)"
pass "counted: $frames_in frames in, $(d return.drops.malformed) malformed ($(d return.drops.truncated) truncated, $(d return.drops.bad-length) bad-length, $(d return.drops.unsupported-ethertype) other ethertype), $(d return.flows.denied) denied flows, $(v return.replies_suppressed) replies and $(v return.audit_suppressed) audit records suppressed by the rate limits; flows.active $(v return.flows.active), none of them denied (bound 1024); DNS: $(v return.dns.refused) names refused, $(v return.dns.forwarded) forwarded, cache $(v return.dns.cache_entries) (bound 4096), learned addresses $(v return.learned_addresses) (bound 256)"

upstream_denied=$(grep -c 'query .*deny\.example' "$SF_TMP/resolver.log" || true)
[ "$upstream_denied" -eq 0 ] || fail "$upstream_denied queries for denied names reached the upstream"
# one last allowed datagram: once it is echoed, everything the helper sent before it has passed
# the capture point
got=$(probe_cont udp 203.0.113.10 7 --send "last-$SF_ID")
[ "${got%% *}" = ok ] || fail "UDP echo after the floods: $got"
sleep 0.5
capture_stop
expect_not_captured '> 203\.0\.113\.99' "the floods to the denied address"
pass "no query for a denied name reached the upstream; no packet to the denied address reached the test internet"

# ---- phase B: the flow table fills with allowed flows ----
fds_max=$(( 1024 + 256 ))
flood syn-allowed syn-allowed --dst 203.0.113.10 --dport 8091 --count 4000 --rate 2000
SYN_B=${FLOODS[-1]}
peak_active=0 peak_fds=0 refused_new="" probes_through=0
while kill -0 "$SYN_B" 2>/dev/null; do
	a=$(counter return.flows.active)
	[ "$a" -gt "$peak_active" ] && peak_active=$a
	f=$(ls "/proc/$SF_HELPER_PID/fd" | wc -l)
	[ "$f" -gt "$peak_fds" ] && peak_fds=$f
	if [ -z "$refused_new" ] && [ "$a" -ge 1024 ]; then
		# the flood's entries also close (the container's kernel resets libslirp's
		# SYN-ACKs), so a slot may free between the read and the probe: probe again
		r=$(probe_cont tcp 203.0.113.10 80)
		case $r in
		ok*) probes_through=$((probes_through + 1)) ;;
		*) refused_new=$r ;;
		esac
	fi
	sleep 0.2
done
wait "$SYN_B" || true
c=$(api '{"execute":"get_counters"}')
[ "$peak_active" -le 1024 ] || fail "flows.active reached $peak_active (flows max 1024)"
[ "$(v return.flows.table_full)" -ge 1 ] || fail "table_full was not counted: $c"
[ "$peak_fds" -le "$fds_max" ] || fail "the helper held $peak_fds descriptors (limit $fds_max)"
[ -n "$refused_new" ] || fail "no new connection was refused while the table was full: flows.active peaked at $peak_active, $probes_through probe(s) got through"
expect_refused_fast "$refused_new" "a new connection while the table is full"
expect_audit 1 "table full" event=flow verdict=deny reason=flow-table-full dport=8091
holds_alive "phase B"
kill -0 "$SF_HELPER_PID" || fail "the helper died in phase B"
pass "phase B: $(awk '$1 == "sent" { print $2 }' "$SF_TMP/flood-syn-allowed.log") SYNs to an allowed port: flows.active peaked at $peak_active (bound 1024), table_full $(v return.flows.table_full), at most $peak_fds descriptors (limit $fds_max); a new connection meanwhile was refused by an RST in $(echo "$refused_new" | cut -d' ' -f2) ms ($probes_through earlier probe(s) found a slot just freed); the established sessions stayed"

# the flood's flows close (the container's kernel resets the SYN-ACKs), the table takes new ones again
# (they leave as the container's resets reach the helper, or time out after 30 s when the full
# transmit queue lost the reset; one free slot is not enough: a fetch that found one and the
# download after it both need a slot, so wait for room before judging)
t1=$(date +%s%N)
table_has_room() { [ "$(counter return.flows.active)" -le 1000 ]; }
wait_until 45 table_has_room || fail "the flow table still full 45 s after phase B: $(api '{"execute":"get_counters"}')"
http_ok() { [ "$(http_get http://203.0.113.10/ 2>/dev/null)" = "$SF_HTTP_BODY" ]; }
wait_until 25 http_ok || fail "HTTP does not pass again 25 s after phase B: $(api '{"execute":"get_counters"}')"
rec=$(( ($(date +%s%N) - t1) / 1000000 ))
in_cont timeout 20 busybox wget -q -O "$SF_TMP/big.got" http://203.0.113.10/big.bin || fail "a download after the floods failed"
cmp -s "$SF_TMP/big.got" "$SF_TMP/www/big.bin" || fail "the download after the floods is corrupt"
holds_alive "the end"
touch "$SF_TMP/stop-hold"
wait "$HOLD_TCP" "$HOLD_UDP" || true
tcp_res=$(grep '^tcp ' "$SF_TMP/hold-tcp.log") udp_res=$(grep '^udp ' "$SF_TMP/hold-udp.log")
[[ $tcp_res == *" errors=0 "* ]] || fail "the TCP session: $tcp_res"
[[ $udp_res == *" errors=0 "* ]] || fail "the UDP session was refused: $udp_res"
gap=${udp_res##*longest_gap_s=}
awk -v g="$gap" 'BEGIN { exit !(g < 3) }' || fail "the UDP session went silent for $gap s: $udp_res"
# allowed flows do cost memory: libslirp reserves ~385 KiB of buffers per TCP socket (resident under
# meson's MALLOC_PERTURB_), so phase B is held to the budget docs/sandbox.md gives RLIMIT_DATA for
# this policy: 256 MiB + 400 KiB per descriptor, (flows max 1024 + 256) descriptors
hwm=$(status_kb VmHWM) rss=$(status_kb VmRSS)
budget_kb=$(( 256 * 1024 + 400 * (1024 + 256) ))
[ "$SF_ASAN" = 1 ] && budget_kb=$((budget_kb + 512 * 1024))
[ "$hwm" -lt "$budget_kb" ] || fail "VmHWM $hwm kB after phase B: above the $budget_kb kB budget"
pass "new flows pass again $rec ms after phase B (once entries expire: closing ones after 10 s); a 2 MB download is intact; the sessions established before the floods lasted (${tcp_res#tcp }; ${udp_res#udp }); VmRSS $rss0 kB before the floods, $rss kB now, peak $hwm kB (phase A: $hwm_a kB, bound +$((MEM_BOUND_KB / 1024)) MiB; in all, bound $((budget_kb / 1024)) MiB)"
topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "helper exited $SF_HELPER_RC"
