# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers shared by the test-policy-*.sh tests; sourced after ../lib/topology.sh.
#
# probe_cont ARGS...   netprobe.py inside the container: prints "RESULT MS [DETAIL]"
# expect_refused_fast RESULT_LINE WHAT   RESULT must be ECONNREFUSED, the RST to the first SYN
# audit_count KEY=VALUE...   matching records in $SF_AUDIT_LOG
# expect_audit N WHAT KEY=VALUE...   at least N matching records (waits up to 3 s)
# api CALL_JSON        one request on the API socket $SF_API; prints the reply
# counter PATH         a value of get_counters (e.g. return.drops.fragment)

SF_PROBE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/netprobe.py
SF_RAWFRAME=${SF_PROBE%/*}/rawframe.py
SF_API=""

probe_cont() { in_cont timeout 20 python3 "$SF_PROBE" "$@"; }
probe_host() { in_host timeout 20 python3 "$SF_PROBE" "$@"; }

# expect_refused_fast "RESULT MS" WHAT: a TCP connect refused by an RST to its first SYN. A
# dropped SYN ends in a timeout, not ECONNREFUSED; an RST to a retransmitted SYN comes after
# the kernel's first retransmission, 1 s after the SYN (the initial RTO): so under 1000 ms is
# the first SYN answered, on an idle machine (a few ms) as on a loaded one. (A bound of 100 ms
# failed when both cores were busy: the RST came after 155 ms of scheduling delay.)
expect_refused_fast() {
	local res ms
	read -r res ms _ <<<"$1"
	[ "$res" = ECONNREFUSED ] || fail "$2: expected ECONNREFUSED (an RST), got \"$1\""
	awk -v ms="$ms" 'BEGIN { exit !(ms < 1000) }' ||
		fail "$2: refused after $ms ms (must be < 1000 ms, the RST to the first SYN)"
}

# expect_result "RESULT MS [DETAIL]" WANT WHAT: the probe's RESULT word is WANT
expect_result() {
	local res
	read -r res _ <<<"$1"
	[ "$res" = "$2" ] || fail "$3: expected $2, got \"$1\""
}

audit_count() { python3 "$SF_PROBE" audit "$SF_AUDIT_LOG" "$@"; }

audit_at_least() { # N KEY=VALUE...
	local n=$1
	shift
	[ "$(audit_count "$@")" -ge "$n" ]
}

# expect_audit N WHAT KEY=VALUE...: at least N records with all these fields (the writer may lag)
expect_audit() {
	local n=$1 what=$2
	shift 2
	if ! wait_until 3 audit_at_least "$n" "$@"; then
		echo "--- audit log ($SF_AUDIT_LOG) ---" >&2
		cat "$SF_AUDIT_LOG" >&2 || true
		fail "$what: expected at least $n audit record(s) with $*, found $(audit_count "$@")"
	fi
}

# expect_no_audit WHAT KEY=VALUE...: no record with all these fields
expect_no_audit() {
	local what=$1
	shift
	if [ "$(audit_count "$@")" -ne 0 ]; then
		echo "--- audit log ($SF_AUDIT_LOG) ---" >&2
		cat "$SF_AUDIT_LOG" >&2 || true
		fail "$what: unexpected audit record(s) with $*"
	fi
}

api() { printf '%s' "$1" | timeout 5 socat -t 5 - "UNIX-CONNECT:$SF_API"; }

jget() { python3 "$SF_PROBE" json "$1"; }

counter() { api '{"execute":"get_counters"}' | jget "$1"; }

has_fd00() { ip -n "$SF_CONT_NS" -6 addr show dev tap0 scope global | grep -v tentative | grep >/dev/null 'inet6 fd00::'; }

# capture_start NAME FILTER...: tcpdump on the inet namespace's veth (everything the helper
# sends out arrives there), one line per packet in $SF_TMP/NAME.pcap.txt; sets SF_CAPTURE_PID.
SF_CAPTURE_PID=""
capture_start() {
	local name=$1
	shift
	bg_in "$SF_INET_NS" "$SF_TMP/$name.pcap.txt" tcpdump --immediate-mode -n -l -i i0 "$@"
	SF_CAPTURE_PID=${SF_PIDS[-1]}
	SF_CAPTURE_FILE=$SF_TMP/$name.pcap.txt
	wait_until 5 grep -q 'listening on' "$SF_CAPTURE_FILE" || fail "tcpdump did not start: $(cat "$SF_CAPTURE_FILE")"
}

# capture_has PATTERN: the capture has a line matching the extended regex PATTERN
capture_has() { grep -Eq -- "$1" "$SF_CAPTURE_FILE"; }

# capture_stop: stop the capture started last (its lines stay in $SF_CAPTURE_FILE)
capture_stop() {
	[ -n "$SF_CAPTURE_PID" ] || return 0
	kill "$SF_CAPTURE_PID" 2>/dev/null || true
	wait "$SF_CAPTURE_PID" 2>/dev/null || true
	SF_CAPTURE_PID=""
}

# expect_not_captured PATTERN WHAT: no captured packet matches PATTERN
expect_not_captured() {
	if grep -Eq -- "$1" "$SF_CAPTURE_FILE"; then
		echo "--- capture ($SF_CAPTURE_FILE) ---" >&2
		cat "$SF_CAPTURE_FILE" >&2
		fail "$2: a packet reached the test internet: $(grep -E -- "$1" "$SF_CAPTURE_FILE" | head -3)"
	fi
}
