#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fault: the audit log's file system is full (issue 7).
#
# Documented behaviour checked (README "The audit log", src/audit-log.c): a record that cannot
# be written is counted (get_counters audit_failed) and dropped; the helper never stops, never
# blocks and never changes a decision because of it: allowed flows pass, denied ones are refused
# with an RST and never reach the test internet, a reload still takes effect; once there is room
# again, records are written again.
#
# The log lives on a 64 KiB tmpfs mounted in a private mount namespace (the test re-executes
# itself under `unshare --mount`, like tests/podman/lib.sh), so nothing is mounted on the machine.
if [ -z "${SF_IN_MOUNTNS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (network and mount namespaces)"; exit 77; }
	command -v unshare >/dev/null || { echo "SKIP: unshare is not installed"; exit 77; }
	exec unshare --mount --propagation private env SF_IN_MOUNTNS=1 bash "$0" "$@"
fi
. "$(dirname "$0")/../lib/topology.sh"
. "$(dirname "$0")/policy-lib.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss python3 tcpdump mount umount cmp
topo_setup
# the tmpfs is detached (lazily: the helper may still hold the log open) before topo_cleanup
# removes the directory; then topo_cleanup runs with the test's exit status
cleanup_fs_then_topo() {
	local rc=$?
	set +e
	[ -n "${FS:-}" ] && umount -l "$FS" 2>/dev/null
	(exit "$rc")
	topo_cleanup
}
trap cleanup_fs_then_topo EXIT
topo_start_servers

FS=$SF_TMP/auditfs
mkdir "$FS"
mount -t tmpfs -o size=64k,mode=0700 tmpfs "$FS" || skip "cannot mount a tmpfs here"
P=$SF_TMP/full.policy
policy() { printf '%s\n' "$@" >"$P.new" && mv -f "$P.new" "$P"; }
policy 'allow tcp to 203.0.113.10 port 7,80'
SF_POLICY=$P
SF_AUDIT_LOG=$FS/audit.jsonl
SF_API=$SF_TMP/api.sock
capture_start denied 'dst host 203.0.113.99 or (dst host 203.0.113.10 and (dst port 9 or dst port 22))'
topo_start_helper $(podman_args) -a "$SF_API"
expect_audit 1 "start-up" event=policy-loaded
[ "$(http_get http://203.0.113.10/)" = "$SF_HTTP_BODY" ] || fail "HTTP before the disk is full"
expect_audit 1 "an allowed flow" event=flow verdict=allow dport=80
[ "$(counter return.audit_failed)" -eq 0 ] || fail "audit_failed before the disk is full"

# fill the file system to the last byte: the log's own last page first (tmpfs allocates pages),
# with a line of padding, then everything else
pad=$(( 4096 - $(stat -c %s "$SF_AUDIT_LOG") % 4096 ))
[ "$pad" -lt 40 ] && pad=$((pad + 4096))
python3 -c 'import sys; sys.stdout.write("{\"event\":\"test-padding\",\"pad\":\"" + "x" * (int(sys.argv[1]) - 34) + "\"}\n")' "$pad" >>"$SF_AUDIT_LOG"
[ $(( $(stat -c %s "$SF_AUDIT_LOG") % 4096 )) -eq 0 ] || fail "the padding missed the page boundary"
dd if=/dev/zero of="$FS/filler" bs=1k 2>/dev/null || true
[ "$(df --output=avail -k "$FS" | tail -1 | tr -d ' ')" -eq 0 ] || fail "the tmpfs is not full: $(df -k "$FS")"
size_full=$(stat -c %s "$SF_AUDIT_LOG")
written0=$(counter return.audit_written)
pass "the audit log's 64 KiB file system is full"

# ---- traffic while no record can be written ----
for i in 1 2 3; do
	[ "$(http_get http://203.0.113.10/)" = "$SF_HTTP_BODY" ] || fail "HTTP $i failed while the disk is full"
	[ "$(tcp_echo 203.0.113.10 7 "full-$i")" = "full-$i" ] || fail "TCP echo $i failed while the disk is full"
	expect_refused_fast "$(probe_cont tcp 203.0.113.99 80)" "a denied address while the disk is full ($i)"
	expect_refused_fast "$(probe_cont tcp 203.0.113.10 9)" "a denied port while the disk is full ($i)"
done
in_cont timeout 20 busybox wget -q -O "$SF_TMP/big.got" http://203.0.113.10/big.bin || fail "a 2 MB download failed while the disk is full"
cmp -s "$SF_TMP/big.got" "$SF_TMP/www/big.bin" || fail "the download is corrupt"
# 2000 denied datagrams: as many records to fail (up to the rate limit)
in_cont python3 - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setblocking(False)
for i in range(2000):
    try:
        s.sendto(b"x", ("203.0.113.99", 1000 + i))
    except OSError:
        pass
PY
# a reload while full: it takes effect though its record cannot be written
policy 'allow tcp to 203.0.113.10 port 7,80,9'
r=$(api '{"execute":"reload_policy"}')
echo "$r" | jget return >/dev/null || fail "reload while the disk is full: $r"
got=$(in_cont timeout 5 socat -T 2 - TCP:203.0.113.10:9 </dev/null) || fail "port 9, allowed by the reloaded policy, failed"
[ "$got" = 198.51.100.1 ] || fail "port 9 answered \"$got\""
expect_refused_fast "$(probe_cont tcp 203.0.113.10 22)" "a port the reloaded policy does not allow"
kill -0 "$SF_HELPER_PID" || fail "the helper died while the disk was full"
c=$(api '{"execute":"get_counters"}')
failed=$(echo "$c" | jget return.audit_failed)
[ "$failed" -ge 10 ] || fail "audit_failed is $failed after >= 10 unwritable records: $c"
[ "$(echo "$c" | jget return.reloads)" -eq 1 ] || fail "reloads: $c"
[ "$(echo "$c" | jget return.flows.denied)" -ge 7 ] || fail "flows.denied: $c"
size_now=$(stat -c %s "$SF_AUDIT_LOG")
[ "$size_now" -eq "$size_full" ] || fail "the audit log grew on a full file system ($size_full -> $size_now bytes)"
pass "disk full: HTTP, echo and a 2 MB download work, denied flows are refused with an RST, a reload takes effect; $failed records counted as audit_failed (written before: $written0)"

# ---- room again: records are written again ----
# (a second without traffic first: the last audit-suppressed count is written, and fails, once a second)
sleep 1.2
failed=$(counter return.audit_failed)
rm -f "$FS/filler"
sleep 1.1 # a fresh second of the audit rate limit
expect_refused_fast "$(probe_cont tcp 203.0.113.99 443)" "a denied address after the disk has room"
expect_audit 1 "a record after the disk has room" event=flow verdict=deny dst=203.0.113.99 dport=443
[ "$(counter return.audit_failed)" -eq "$failed" ] || fail "records still fail after the disk has room ($failed before, $(counter return.audit_failed) now)"
# every line is one JSON record, except at most the one the full disk cut short
bad=$(python3 - "$SF_AUDIT_LOG" <<'PY'
import json, sys
bad = 0
for line in open(sys.argv[1], errors="replace"):
    try:
        json.loads(line)
    except ValueError:
        bad += 1
print(bad)
PY
)
[ "$bad" -le 1 ] || fail "$bad malformed lines in the audit log"
capture_stop
expect_not_captured '> 203\.0\.113\.99\.|> 203\.0\.113\.10\.22:' "a denied flow"
pass "with room again records are written again ($bad line cut short by the full disk); no denied packet reached the test internet"

topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "helper exited $SF_HELPER_RC"
