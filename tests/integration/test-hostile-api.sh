#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile: the API socket flooded with connections, oversized requests and slow clients (issue 7).
#
# Documented behaviour checked (README "Security model", "Bounded memory": API clients 16, 8 KiB
# per request; src/api.c): at most 16 clients are served at once, further connections wait in
# the listener's backlog (or find it full), each client has a 5 s deadline, a request over
# 8 KiB gets the "too large message" error without more of it being stored; the data path never
# waits for the API (HTTP keeps answering fast throughout); well-formed requests, bursts of them,
# and clients that trickle a request in under the deadline get correct answers; memory stays
# bounded (VmHWM within 64 MiB of the start, iperf3 and the HTTP fetches included); afterwards a
# well-behaved client gets correct answers at once.
. "$(dirname "$0")/../lib/topology.sh"
. "$(dirname "$0")/policy-lib.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss python3
topo_setup
topo_start_servers
H=${SF_PROBE%/*}/hostile.py
# memory bounds: in an ASan build the helper's freed memory waits in ASan's quarantine (up to
# 256 MiB) and its shadow counts too, so there the bound is 512 MiB
MEM_BOUND_KB=$((64 * 1024))
[ "$SF_ASAN" = 1 ] && MEM_BOUND_KB=$((512 * 1024))
SF_POLICY=$(write_policy api 'allow tcp to 203.0.113.10 port 80,5201')
SF_AUDIT_LOG=$SF_TMP/audit.jsonl
SF_API=$SF_TMP/api.sock
topo_start_helper $(podman_args) -a "$SF_API"
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$SF_HELPER_PID/status"; }
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$SF_HELPER_PID/status"; }
[ "$(counter return.flows.allowed)" -eq 0 ] || fail "get_counters before the flood"
rss0=$(rss_kb)
# the data path, all along: an HTTP fetch every 200 ms (each closed connection keeps ~385 KiB of
# libslirp's buffers for its TIME-WAIT, all of it resident under meson's MALLOC_PERTURB_)
bg_in "$SF_CONT_NS" "$SF_TMP/http.log" python3 "$H" http-loop 203.0.113.10 --interval 0.2 --seconds 60 \
	--stop "$SF_TMP/stop"
HTTP_PID=${SF_PIDS[-1]}
api_run() { # NAME ARGS...: a hostile.py API client in the host namespace; its tally in $SF_TMP/NAME.log
	local name=$1
	shift
	in_host timeout 40 python3 "$H" "$@" "$SF_API" >"$SF_TMP/$name.log" 2>&1 || fail "$name: $(cat "$SF_TMP/$name.log")"
	cat "$SF_TMP/$name.log"
}

# ---- 300 connections that say nothing, held 7 s: 16 served, 16 or so in the backlog, the rest turned away ----
bg_in "$SF_HOST_NS" "$SF_TMP/silent.log" python3 "$H" api-silent "$SF_API" --n 300 --seconds 7
SILENT_PID=${SF_PIDS[-1]}
wait_until 5 grep -q '^silent: connected' "$SF_TMP/silent.log" || fail "the silent clients did not connect"
# meanwhile: an iperf3 run and the HTTP loop go on
in_cont timeout 15 iperf3 -c 203.0.113.10 -t 3 -J >"$SF_TMP/iperf.json" || fail "iperf3 failed during the connection flood"
mbps=$(python3 -c 'import json,sys; print("%.0f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e6))' "$SF_TMP/iperf.json")
wait "$SILENT_PID" || true
rss_a=$(rss_kb)
grep -q 'closed by the helper [1-9]' "$SF_TMP/silent.log" || fail "the helper closed none of the silent clients at their deadline: $(cat "$SF_TMP/silent.log")"
grep -q 'API: dropping a client after 5000 ms: no complete request' "$SF_HELPER_LOG" || fail "no deadline drop in the helper's log"
pass "300 silent connections: $(head -1 "$SF_TMP/silent.log" | cut -d' ' -f2-); $(tail -1 "$SF_TMP/silent.log" | cut -d' ' -f2-) (the 5 s deadline); iperf3 meanwhile: $mbps Mbit/s"

# ---- oversized requests: 20 of 64 KiB at once, then 20 of 1 MB that never close their side ----
r=$(api_run oversized api-oversized --n 20 --size 65536)
[ "$r" = "${r/unfinished/}" ] && [[ $r == "oversized: too-large=20 unconnected=0"* ]] || fail "oversized requests: $r"
r2=$(api_run oversized2 api-oversized --n 20 --size 1000000 --no-shut)
[[ $r2 == "oversized: too-large=20 unconnected=0"* ]] || fail "oversized requests that never end: $r2"
pass "64 KiB and 1 MB requests (20 each, the latter never ending): each answered \"too large message\" (${r##* in }, ${r2##* in })"

# ---- a burst of 400 well-formed requests at once ----
r=$(api_run burst api-burst --n 400)
[[ $r == "burst: counters=400 unconnected=0"* ]] || fail "a burst of 400 requests: $r"
pass "400 get_counters at once: all answered correctly (${r##* in })"

# ---- slow clients: 8 at one byte per 0.1 s (2.6 s per request) are answered, 4 at one per 0.3 s (7.8 s) hit the deadline ----
r=$(api_run slow api-slow --n 8 --byte-interval 0.1)
[[ $r == "slow: counters=8 unconnected=0"* ]] || fail "slow clients inside the deadline: $r"
r2=$(api_run slower api-slow --n 4 --byte-interval 0.3)
[[ $r2 == "slow: no-reply=4 unconnected=0"* ]] || fail "slow clients past the 5 s deadline: $r2"
pass "clients trickling a request: answered in time (${r##* in }), dropped at the 5 s deadline when slower (${r2##* in })"

# ---- afterwards: a well-behaved client, the data path, memory ----
touch "$SF_TMP/stop"
wait "$HTTP_PID" || true
read -r _ ok errs _ <"$SF_TMP/http.log"
[ "${errs#errors=}" -eq 0 ] || fail "HTTP fetches failed during the API flood: $(cat "$SF_TMP/http.log")"
max=$(sed -n 's/.*max_ms=\([0-9]*\).*/\1/p' "$SF_TMP/http.log")
[ "$max" -lt 1000 ] || fail "an HTTP fetch took $max ms during the API flood: $(cat "$SF_TMP/http.log")"
t0=$(date +%s%N)
c=$(api '{"execute":"get_counters"}')
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
[ "$(echo "$c" | jget return.flows.allowed)" -ge "${ok#ok=}" ] || fail "get_counters afterwards: $c"
[ "$(api '{"execute":"list_hostfwd"}')" = '{"entries":[],"return":{"entries":[]}}' ] || fail "list_hostfwd afterwards"
"$SLIRP_FILTER" status "$SF_API" >"$SF_TMP/status.txt" 2>&1 || fail "slirp-filter status afterwards: $(cat "$SF_TMP/status.txt")"
grep -qx "Policy    $SF_POLICY" "$SF_TMP/status.txt" || fail "status afterwards: $(cat "$SF_TMP/status.txt")"
# (what the API may hold is 16 x 8 KiB; the rest is libslirp's buffers for iperf3 at MTU 65520 and
# the HTTP fetches)
rss1=$(rss_kb) hwm=$(hwm_kb)
[ $((hwm - rss0)) -lt "$MEM_BOUND_KB" ] || fail "VmHWM $hwm kB, $((hwm - rss0)) kB above the $rss0 kB before the flood (bound $((MEM_BOUND_KB / 1024)) MiB)"
kill -0 "$SF_HELPER_PID" || fail "the helper died"
pass "throughout: $(cut -d' ' -f2- "$SF_TMP/http.log") (HTTP every 200 ms); afterwards get_counters in $ms ms, list_hostfwd and status correct; VmRSS $rss0 kB at start, $rss_a kB after iperf3, $rss1 kB at the end (peak $hwm kB)"
topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "helper exited $SF_HELPER_RC"
