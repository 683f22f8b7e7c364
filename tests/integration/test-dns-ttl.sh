#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Learned addresses close after their (clamped) TTL, reopen on a re-query, and an upstream that is down gives SERVFAIL in bounded time.
. "$(dirname "$0")/../lib/topology.sh"
. "$(dirname "$0")/../lib/dns-upstream.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss dig python3
topo_setup
topo_start_servers
dns_upstream_start

# short.example has a 1 s TTL upstream; the policy clamps it to 4 s and grants 4 s of grace
# (long enough that starting a process on a loaded machine fits in the TTL, and the checks
# after it in the grace: with 2 s and 3 s, a flow started 1 s after the answer missed the TTL)
SF_AUDIT_LOG=$SF_TMP/audit.jsonl
SF_POLICY=$(write_policy ttl \
	'upstream 203.0.113.54' \
	'allow tcp to short.example port 7' \
	'dns ttl-min 4 ttl-max 4' \
	'dns grace 4')
topo_start_helper $(podman_args)

# a python client: connect, then echo a line every 0.5 s for N seconds; prints how long it lasted
cat > "$SF_TMP/hold.py" <<'PY'
import socket, sys, time
s = socket.create_connection((sys.argv[1], 7), timeout=3)
start = time.monotonic()
print("connected", flush=True)
try:
    while time.monotonic() - start < float(sys.argv[2]):
        s.sendall(b"ping\n")
        if s.recv(16) == b"":
            break
        time.sleep(0.5)
except OSError as e:
    print("cut after %.1f s: %s" % (time.monotonic() - start, e.__class__.__name__))
    sys.exit(1)
print("lasted %.1f s" % (time.monotonic() - start))
PY

got=$(cdig +short @10.0.2.3 short.example A) || fail "dig short.example failed"
[ "$got" = 203.0.113.13 ] || fail "short.example answered \"$got\""
in_cont python3 "$SF_TMP/hold.py" 203.0.113.13 1 >/dev/null || fail "the learned address does not connect"
pass "a name with a 1 s TTL opens its address"

# an established flow outlives the TTL by the grace, then it is cut. The TTL runs from a
# fresh query (the cache answers it and re-arms the address); the times are taken from its
# answer, so the flow connects early in the TTL and the checks fall past the TTL and inside
# the grace however long the processes take to start.
got=$(cdig +short @10.0.2.3 short.example A) || fail "dig short.example (again) failed"
[ "$got" = 203.0.113.13 ] || fail "short.example answered \"$got\" the second time"
answered=$(date +%s%N)
in_cont python3 "$SF_TMP/hold.py" 203.0.113.13 30 >"$SF_TMP/hold.out" 2>&1 &
hold=$!
SF_PIDS+=("$hold")
wait_until 4 grep -q '^connected' "$SF_TMP/hold.out" || fail "the flow did not connect within the TTL: $(cat "$SF_TMP/hold.out")"
# past the 4 s TTL (it ran from an answer before $answered), inside the 4 s grace
left=$(( answered + 4300000000 - $(date +%s%N) ))
[ "$left" -le 0 ] || sleep "$(awk -v ns="$left" 'BEGIN { printf "%.3f", ns / 1e9 }')"
in_cont timeout 3 python3 -c 'import socket; socket.create_connection(("203.0.113.13", 7), timeout=2)' 2>/dev/null &&
	fail "a new flow was allowed after the TTL ran out"
pass "after the TTL a new flow is refused"
kill -0 "$hold" 2>/dev/null || fail "the established flow did not survive the grace period: $(cat "$SF_TMP/hold.out")"
wait "$hold" && fail "the established flow was never cut: $(cat "$SF_TMP/hold.out")"
grep -q 'cut after' "$SF_TMP/hold.out" || fail "unexpected end of the held flow: $(cat "$SF_TMP/hold.out")"
grep '"event":"flow"' "$SF_AUDIT_LOG" | grep >/dev/null '"verdict":"cut".*"dst":"203.0.113.13"' || fail "no audit record of the cut"
pass "the established flow survived the grace period, then was cut ($(grep "cut after" "$SF_TMP/hold.out"))"

# a re-query opens it again (the cache re-arms it too)
got=$(cdig +short @10.0.2.3 short.example A)
[ "$got" = 203.0.113.13 ] || fail "the re-query answered \"$got\""
in_cont python3 "$SF_TMP/hold.py" 203.0.113.13 1 >/dev/null || fail "a re-query did not reopen the address"
pass "a re-query reopens the address"
topo_stop_helper

# upstream down (nothing answers on 203.0.113.77): SERVFAIL in bounded time; traffic keeps flowing
ip -n "$SF_INET_NS" addr add 203.0.113.77/32 dev lo
bg_in "$SF_INET_NS" "$SF_TMP/blackhole.log" socat -u UDP4-RECV:53,bind=203.0.113.77 OPEN:/dev/null
SF_POLICY=$(write_policy down 'upstream 203.0.113.77' 'allow tcp to web.example port 80' \
	'allow tcp to 203.0.113.10 port 80')
topo_start_helper $(podman_args)
start=$(date +%s%N)
in_cont dig +time=15 +tries=1 @10.0.2.3 web.example A >"$SF_TMP/dig.out" 2>&1 &
dig_pid=$!
SF_PIDS+=("$dig_pid")
sleep 0.5
for i in 1 2 3; do
	[ "$(http_get http://203.0.113.10/)" = "$SF_HTTP_BODY" ] || fail "traffic stalled while the upstream was down"
done
wait "$dig_pid" || true
ms=$(( ($(date +%s%N) - start) / 1000000 ))
grep -q 'status: SERVFAIL' "$SF_TMP/dig.out" || fail "no SERVFAIL from a dead upstream: $(cat "$SF_TMP/dig.out")"
[ "$ms" -lt 7000 ] || fail "SERVFAIL took $ms ms"
pass "a dead upstream gives SERVFAIL in $ms ms while allowed traffic keeps flowing"
topo_stop_helper
