#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The audit log: created 0600, rate-limited with a count of what was dropped, reopened on SIGHUP (logrotate, removal).
. "$(dirname "$0")/../lib/topology.sh"
topo_require_root_and_tools socat ss python3 stat
topo_setup
topo_start_servers

SF_AUDIT_LOG=$SF_TMP/logs/audit.jsonl
mkdir -p "$SF_TMP/logs"
SF_POLICY=$(write_policy audit 'allow tcp to 203.0.113.10 port 80')
topo_start_helper $(podman_args)
[ "$(stat -c %a "$SF_AUDIT_LOG")" = 600 ] || fail "the audit log was created $(stat -c %a "$SF_AUDIT_LOG"), not 600"
grep -q '"event":"policy-loaded"' "$SF_AUDIT_LOG" || fail "no policy-loaded record"
pass "created 0600 with a policy-loaded record"

# a flood of 3000 denied datagrams: at most the burst is written, the rest is counted.
# Paced in bursts of 100: the tap's queue (500 frames) drops what a slow (sanitizer)
# helper has not read yet, and with checksum offload the sender outruns it even more;
# at least the audit burst (1000) must arrive for anything to be suppressed.
in_cont python3 - <<'PY'
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setblocking(False)
for i in range(3000):
    try:
        s.sendto(b"x", ("203.0.113.99", 1000 + i % 50000))
    except OSError:
        pass
    if i % 100 == 99:
        time.sleep(0.005)
PY
wait_until 5 grep -q '"event":"audit-suppressed"' "$SF_AUDIT_LOG" || fail "no audit-suppressed record after a flood"
# (records of their own; the suppressed ones come back as summaries, at most 512 a flush)
n=$(grep '"verdict":"deny"' "$SF_AUDIT_LOG" | grep -vc '"count"') || true
[ "$n" -le 1300 ] || fail "$n deny records were written: the flood was not rate-limited"
flushes=$(grep -c '"event":"audit-suppressed"' "$SF_AUDIT_LOG")
summaries=$(grep '"verdict":"deny"' "$SF_AUDIT_LOG" | grep -c '"count"') || true
[ "$summaries" -le $((512 * flushes)) ] || fail "$summaries summaries in $flushes flushes: more than 512 a flush"
suppressed=$(grep '"event":"audit-suppressed"' "$SF_AUDIT_LOG" | sed 's/.*"count":\([0-9]*\).*/\1/' | awk '{ s += $1 } END { print s + 0 }')
# (not every datagram leaves the container: its tap queue overflows under load, or
# with a slow sanitizer build, so only the existence of the count is certain)
[ "$suppressed" -gt 0 ] || fail "written $n, suppressed $suppressed: the dropped records were not counted"
pass "a flood is rate-limited: $n records written, $suppressed counted as suppressed"

# logrotate moves the file away (or someone removes it): SIGHUP writes to a new one
mv "$SF_AUDIT_LOG" "$SF_AUDIT_LOG.1"
kill -HUP "$SF_HELPER_PID"
wait_until 5 test -s "$SF_AUDIT_LOG" || fail "SIGHUP did not reopen the audit log"
sleep 1.1 # a fresh token bucket second
in_cont timeout 5 socat -T 1 - TCP:203.0.113.10:7,connect-timeout=2 </dev/null >/dev/null 2>&1 &&
	fail "port 7 reachable"
wait_until 5 grep -q '"dst":"203.0.113.10","dport":7' "$SF_AUDIT_LOG" || fail "the new audit log does not get records"
grep -q '"dport":7' "$SF_AUDIT_LOG.1" && fail "records still go to the rotated file"
kill -0 "$SF_HELPER_PID" || fail "the helper died on SIGHUP (seccomp?)"
pass "SIGHUP reopens the audit log at its path (inside the sandbox, under seccomp)"
topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "helper exited $SF_HELPER_RC"
