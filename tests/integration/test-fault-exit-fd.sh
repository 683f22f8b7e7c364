#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fault: the exit fd closes (or becomes readable) in the middle of transfers (issue 7).
#
# Documented behaviour checked (README "Options", -e/--exit-fd: "exit cleanly (status 0) when FD
# becomes readable or is closed"; slirp4netns semantics, which Podman relies on when conmon goes
# away): with a paced download, an iperf3 upload, a held echo session, a DNS query to a silent
# upstream, an API client that never finishes its request and a flood of denied SYNs all in
# flight, the helper exits with status 0 well inside the harness's 5 s bound, removes its API
# socket, leaves its audit log whole (every line a JSON record) and takes the tap with it.
# The flows die with it: that is what the event implies.
. "$(dirname "$0")/../lib/topology.sh"
. "$(dirname "$0")/policy-lib.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss python3
topo_setup
topo_start_servers
H=${SF_PROBE%/*}/hostile.py
head -c 24000000 /dev/urandom >"$SF_TMP/www/big24.bin"
ip -n "$SF_INET_NS" addr add 203.0.113.55/32 dev lo
bg_in "$SF_INET_NS" "$SF_TMP/upstream.log" python3 "$H" dns-server --bind 203.0.113.55 --seconds 40
wait_until 5 grep -q '^listening' "$SF_TMP/upstream.log" || fail "the silent upstream did not start"

# a second iperf3 server: the first one stays busy with the session the first helper took away
bg_in "$SF_INET_NS" "$SF_TMP/iperf3b.log" iperf3 -s -p 5202
wait_until 5 port_listening "$SF_INET_NS" t 5202 || fail "the second iperf3 server did not start"
SF_POLICY=$(write_policy exitfd 'upstream 203.0.113.55' 'allow any to *.fault.example' \
	'allow tcp to 203.0.113.10 port 7,80,5201,5202')
SF_AUDIT_LOG=$SF_TMP/audit.jsonl
SF_API=$SF_TMP/api.sock
GW_MAC=""

# busy TAG IPERF_PORT: start everything that should be in flight when the exit fd goes
busy() {
	local tag=$1 iport=$2
	bg_in "$SF_CONT_NS" "$SF_TMP/slow-$tag.log" python3 "$H" slow-get 203.0.113.10 /big24.bin --size 24000000 \
		--seconds 20 --out "$SF_TMP/slow-$tag.got"
	bg_in "$SF_CONT_NS" "$SF_TMP/iperf-$tag.log" iperf3 -c 203.0.113.10 -p "$iport" -t 20 -i 1 --forceflush
	bg_in "$SF_CONT_NS" "$SF_TMP/hold-$tag.log" python3 "$SF_PROBE" hold 203.0.113.10 7 --interval 0.05 --duration 20
	bg_in "$SF_CONT_NS" "$SF_TMP/dig-$tag.log" dig +time=10 +tries=1 @10.0.2.3 silent-$tag.fault.example A
	# an API client that connects, sends half a request and waits
	bg_in "$SF_HOST_NS" "$SF_TMP/apic-$tag.log" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.send(b"{\"execute\":"); time.sleep(20)' "$SF_API"
	GW_MAC=$(ip -n "$SF_CONT_NS" neigh show 10.0.2.2 | awk '{ print $5; exit }')
	[ -n "$GW_MAC" ] || { in_cont ping -c1 -W1 10.0.2.2 >/dev/null 2>&1 || true; GW_MAC=$(ip -n "$SF_CONT_NS" neigh show 10.0.2.2 | awk '{ print $5; exit }'); }
	bg_in "$SF_CONT_NS" "$SF_TMP/flood-$tag.log" python3 "$H" frames syn-denied --gw-mac "$GW_MAC" \
		--dst 203.0.113.99 --dport 80 --count 200000 --seconds 20 --rate 20000
	wait_until 5 grep -q '^echo 5$' "$SF_TMP/hold-$tag.log" || fail "$tag: the echo session does not run"
	wait_until 5 grep -q 'sec' "$SF_TMP/iperf-$tag.log" || fail "$tag: iperf3 does not run: $(cat "$SF_TMP/iperf-$tag.log")"
	wait_until 5 grep -q 'query silent' "$SF_TMP/upstream.log" || fail "$tag: the DNS query did not reach the upstream"
	sleep 1
	[ "$(counter return.flows.active)" -ge 3 ] || fail "$tag: fewer than 3 flows in flight"
}
# gone TAG T0: the helper exited 0 within 2 s of T0 (5 s in a sanitizer build, whose helper
# checks for leaks on its way out) and left nothing behind
EXIT_BOUND_MS=2000
[ "${SF_SANITIZE:-none}" != none ] && EXIT_BOUND_MS=5000
gone() {
	local ms=$(( ($(date +%s%N) - $2) / 1000000 ))
	[ "$SF_HELPER_RC" -eq 0 ] || fail "$1: the helper exited $SF_HELPER_RC"
	[ "$ms" -lt "$EXIT_BOUND_MS" ] || fail "$1: the helper took $ms ms to exit (bound $EXIT_BOUND_MS ms)"
	[ ! -e "$SF_API" ] || fail "$1: the API socket was left behind"
	ip -n "$SF_CONT_NS" link show tap0 >/dev/null 2>&1 && fail "$1: tap0 still exists"
	python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1]), 1):
    json.loads(line)' "$SF_AUDIT_LOG" || fail "$1: the audit log has a broken line"
	grep -q 'exit fd .* exiting' "$SF_HELPER_LOG" || fail "$1: the log does not say why it exited"
	EXIT_MS=$ms
}

# ---- the exit fd closes (conmon goes away) ----
topo_start_helper $(podman_args) -a "$SF_API"
busy closed 5201
t0=$(date +%s%N)
topo_stop_helper
gone closed "$t0"
pass "exit fd closed mid-transfer: exit 0 in $EXIT_MS ms, API socket removed, tap gone, audit log whole"

# ---- the exit fd becomes readable ----
rm -f "$SF_AUDIT_LOG"
topo_start_helper $(podman_args) -a "$SF_API"
busy readable 5202
t0=$(date +%s%N)
echo x >"$SF_TMP/exit"
wait_until 5 bash -c "! kill -0 $SF_HELPER_PID" || fail "readable: the helper did not exit within 5 s"
topo_stop_helper
gone readable "$t0"
pass "exit fd readable mid-transfer: exit 0 in $EXIT_MS ms, API socket removed, tap gone, audit log whole"
