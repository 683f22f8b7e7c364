#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fault: test servers that reset connections mid-transfer (issue 7).
#
# Documented behaviour checked: the helper keeps running and deciding (README "Security model":
# it stays up under whatever the peers do); a connection the server resets ends for the
# container (ECONNRESET, or an EOF where libslirp turns the reset into a FIN) and never hangs;
# its flow-table entry goes (README "Bounded memory": `flows max` bounds the table, so an
# entry left behind by every reset would fill it and refuse allowed flows as "flow-table-full");
# the host sockets are closed; an unrelated established flow is not lost; later flows work.
. "$(dirname "$0")/../lib/topology.sh"
. "$(dirname "$0")/policy-lib.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss python3 cmp
topo_setup
topo_start_servers
H=${SF_PROBE%/*}/hostile.py

# flows max 4096: a table of 8192 slots, which the helper's once-a-second sweep (8192 slots)
# covers whole, so flows.active counts expired entries for at most a second
SF_POLICY=$(write_policy reset 'allow tcp to 203.0.113.10 port 7,80,8081,8082' 'flows max 4096')
SF_AUDIT_LOG=$SF_TMP/audit.jsonl
SF_API=$SF_TMP/api.sock
topo_start_helper $(podman_args) -a "$SF_API"
# download: the server sends 300 kB and resets; upload: it reads 300 kB and resets
bg_in "$SF_INET_NS" "$SF_TMP/rs-down.log" python3 "$H" reset-server --bind 203.0.113.10 --port 8081 --bytes 300000 --seconds 50
bg_in "$SF_INET_NS" "$SF_TMP/rs-up.log" python3 "$H" reset-server --bind 203.0.113.10 --port 8082 --bytes 300000 --mode upload --seconds 50
wait_until 5 port_listening "$SF_INET_NS" t 8081 || fail "the download reset server did not start"
wait_until 5 port_listening "$SF_INET_NS" t 8082 || fail "the upload reset server did not start"

# an established flow that must outlive the resets around it
bg_in "$SF_CONT_NS" "$SF_TMP/hold.log" python3 "$SF_PROBE" hold 203.0.113.10 7 --interval 0.2 --duration 40
HOLD_PID=${SF_PIDS[-1]}
wait_until 5 grep -q '^echo 3$' "$SF_TMP/hold.log" || fail "the held session does not echo: $(cat "$SF_TMP/hold.log")"
base=$(counter return.flows.active)
[ "$base" -eq 1 ] || fail "flows.active is $base with one held session"

t0=$(date +%s%N)
for i in 1 2 3 4 5; do
	for mode in download upload; do
		port=8081
		[ $mode = upload ] && port=8082
		r=$(in_cont timeout 15 python3 "$H" reset-client 203.0.113.10 $port --mode $mode --timeout 10) ||
			fail "$mode $i: the client did not end within 15 s: \"$r\""
		read -r res bytes ms <<<"$r"
		case $res in
		eof | ECONNRESET) ;;
		*) fail "$mode $i: the reset connection ended with \"$r\" (expected ECONNRESET or EOF)" ;;
		esac
		[ "$bytes" -gt 0 ] || fail "$mode $i: nothing was transferred before the reset: \"$r\""
		kill -0 "$SF_HELPER_PID" || fail "the helper died after a reset"
		echo "$mode $i: $r" >>"$SF_TMP/resets.txt"
	done
done
[ "$(grep -c 'reset after' "$SF_TMP/rs-down.log")" -eq 5 ] || fail "the download server did not reset 5 connections: $(cat "$SF_TMP/rs-down.log")"
[ "$(grep -c 'reset after' "$SF_TMP/rs-up.log")" -eq 5 ] || fail "the upload server did not reset 5 connections: $(cat "$SF_TMP/rs-up.log")"
pass "10 connections reset by the server mid-transfer end for the container in $(( ($(date +%s%N) - t0) / 1000000 )) ms: $(awk '{print $3}' "$SF_TMP/resets.txt" | sort | uniq -c | xargs)"

# the helper's host sockets for them are gone
host_conns() { in_host ss -Htn state established state close-wait state fin-wait-1 state fin-wait-2 state last-ack '( dport = :8081 or dport = :8082 )'; }
no_host_conns() { [ -z "$(host_conns)" ]; }
wait_until 15 no_host_conns || fail "host sockets of reset connections remain: $(host_conns)"
# their flow entries go: closing flows last 10 s (SF_FLOW_TIMEOUT_TCP_CLOSING_MS), the sweep runs each second
flows_back() { [ "$(counter return.flows.active)" -eq "$base" ]; }
if ! wait_until 15 flows_back; then
	api '{"execute":"get_status"}' | python3 -c '
import json, sys
for f in json.load(sys.stdin)["return"]["flows"]:
    print(f["proto"], f["sport"], "->", f["dst"], f["dport"], f["state"], "idle", f["idle_s"], "s")' >&2
	fail "flows.active is $(counter return.flows.active), not back to $base, 15 s after the resets: the entries above stay"
fi
pass "the reset flows left the flow table (flows.active back to $base) and the host sockets are closed"

grep -q '^error\|^eof\|^mismatch' "$SF_TMP/hold.log" && fail "the held session broke: $(tail -3 "$SF_TMP/hold.log")"
n=$(grep -c '^echo' "$SF_TMP/hold.log")
wait_until 5 grep -q "^echo $((n + 3))\$" "$SF_TMP/hold.log" || fail "the held session stopped echoing: $(tail -3 "$SF_TMP/hold.log")"
in_cont timeout 20 busybox wget -q -O "$SF_TMP/big.got" http://203.0.113.10/big.bin || fail "a download after the resets failed"
cmp -s "$SF_TMP/big.got" "$SF_TMP/www/big.bin" || fail "the download after the resets is corrupt"
expect_refused_fast "$(probe_cont tcp 203.0.113.10 9)" "a denied port after the resets"
kill "$HOLD_PID" 2>/dev/null || true
pass "the held session kept echoing, a 2 MB download after the resets is intact, a denied port is still refused"

c=$(api '{"execute":"get_counters"}')
[ "$(echo "$c" | jget return.flows.table_full)" -eq 0 ] || fail "table_full: $c"
topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "helper exited $SF_HELPER_RC"
