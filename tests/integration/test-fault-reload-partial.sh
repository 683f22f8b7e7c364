#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fault: a policy reload that fails halfway (issue 7).
#
# Documented behaviour checked (README "Reload", docs/policy.md "Reloading", docs/sandbox.md):
# a reload is atomic: a file that does not load completely is refused (the API reply, the log and
# a policy-refused audit record say why) and the old policy stays in force, whole: never a mix
# of the two, never an empty one, never a setting of the refused file (here `mode audit`,
# `flows max 16`, `reload flows cut` with no rules, which would open everything, shrink the
# table, or cut the established flow). Failures: a file truncated mid-line (after rules and
# settings that would open more), a NUL byte, a file over 64 MiB, a directory, a FIFO, a
# dangling symbolic link, a missing file, and an unreadable file (the confined helper has no
# CAP_DAC_OVERRIDE). A good file afterwards still loads.
. "$(dirname "$0")/../lib/topology.sh"
. "$(dirname "$0")/policy-lib.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss python3 truncate mkfifo
topo_setup
topo_start_servers

P=$SF_TMP/p/reload.policy
mkdir -p "$SF_TMP/p"
put() { rm -rf "$P.new" && printf '%s\n' "$@" >"$P.new" && rm -rf "$P" && mv -f "$P.new" "$P"; }
A=('# A' 'allow tcp to 203.0.113.10 port 80' 'allow udp to 203.0.113.10 port 7')
put "${A[@]}"
SF_POLICY=$P
SF_AUDIT_LOG=$SF_TMP/audit.jsonl
SF_API=$SF_TMP/api.sock
topo_start_helper $(podman_args) -a "$SF_API"

# an established UDP session, allowed by A, that a mixed or empty policy would cut; it must
# outlast the test however slow the machine (meson's timeout ends a stuck test), so it runs
# until it is killed at the end, never for a fixed time
bg_in "$SF_CONT_NS" "$SF_TMP/hold.log" python3 "$SF_PROBE" hold 203.0.113.10 7 --udp --interval 0.1 --duration 3600
HOLD_PID=${SF_PIDS[-1]}
wait_until 5 grep -q '^echo 3$' "$SF_TMP/hold.log" || fail "the UDP session does not echo: $(cat "$SF_TMP/hold.log")"

refused=0
# a_in_force WHAT: policy A decides, whole: HTTP passes, TCP 7 and 9 and 203.0.113.99 get an RST,
# UDP 9 gets ICMP prohibited; get_status shows A (2 rules, enforce, table of 65536); the session echoes
a_in_force() {
	local st n
	[ "$(http_get http://203.0.113.10/)" = "$SF_HTTP_BODY" ] || fail "$1: HTTP (allowed by A) failed"
	expect_refused_fast "$(probe_cont tcp 203.0.113.10 7)" "$1: TCP 7 (denied by A)"
	expect_refused_fast "$(probe_cont tcp 203.0.113.10 9)" "$1: TCP 9 (denied by A)"
	expect_refused_fast "$(probe_cont tcp 203.0.113.99 80)" "$1: TCP 203.0.113.99 (denied by A)"
	expect_result "$(probe_cont udp 203.0.113.10 9 --send x)" EHOSTUNREACH "$1: UDP 9 (denied by A)"
	st=$(api '{"execute":"get_status"}')
	[ "$(echo "$st" | jget return.policy.rules)" -eq 2 ] || fail "$1: the policy in force does not have A's 2 rules: $st"
	[ "$(echo "$st" | jget return.policy.mode)" = enforce ] || fail "$1: mode is not enforce: $st"
	[ "$(echo "$st" | jget return.counters.flows.max)" -eq 65536 ] || fail "$1: flows max changed: $st"
	[ "$(echo "$st" | jget return.counters.reloads_refused)" -eq "$refused" ] || fail "$1: reloads_refused is not $refused: $st"
	[ "$(echo "$st" | jget return.counters.reloads)" -eq 0 ] || fail "$1: a reload was counted as done: $st"
	n=$(grep -c '^echo' "$SF_TMP/hold.log")
	wait_until 3 grep -q "^echo $((n + 2))\$" "$SF_TMP/hold.log" || fail "$1: the UDP session stopped: $(tail -2 "$SF_TMP/hold.log")"
}
# refuse_api WHAT PATTERN: reload_policy by the API is refused with an error matching PATTERN, A stays
refuse_api() {
	local r desc
	r=$(api '{"execute":"reload_policy"}')
	desc=$(echo "$r" | jget error.desc) || fail "$1: the reload was not refused: $r"
	refused=$((refused + 1))
	# shellcheck disable=SC2053
	[[ $desc == $2 ]] || fail "$1: the error \"$desc\" does not match \"$2\""
	expect_audit "$refused" "$1: a policy-refused record" event=policy-refused "policy=$P"
	a_in_force "$1"
	kill -0 "$SF_HELPER_PID" || fail "$1: the helper died"
	pass "$1: refused (\"${desc#reload_policy: }\"); A stays in force, whole"
}
# refuse_hup WHAT: the same by SIGHUP
refuse_hup() {
	refused=$((refused + 1))
	kill -HUP "$SF_HELPER_PID"
	wait_until 5 audit_at_least "$refused" event=policy-refused || fail "$1 (SIGHUP): no policy-refused record"
	a_in_force "$1 (SIGHUP)"
	pass "$1 (SIGHUP): refused; A stays in force, whole"
}

a_in_force "start"

# ---- a file cut short mid-line, after settings and rules that would open everything ----
B=('# B' 'mode audit' 'flows max 16' 'reload flows cut' 'allow tcp to 203.0.113.10 port 7' \
	'allow tcp to 203.0.113.0/24 port 9' 'allow any to 203.0.113.99')
for i in $(seq 200); do B+=("allow udp to 198.51.100.$((i % 250 + 1)) port $((1000 + i))"); done
printf '%s\n' "${B[@]}" >"$SF_TMP/b.full"
full=$(stat -c %s "$SF_TMP/b.full")
"$SLIRP_FILTER" --check-policy "$SF_TMP/b.full" >/dev/null || fail "the whole B is not valid"
# cut inside an address, inside a keyword, after "port" with no list: each leaves a broken last line
for cut in 'allow udp to 198.51.1' 'allow udp to 198.51.100.200 po' 'allo' 'allow udp to 198.51.100.199 port'; do
	# the last occurrence of the cut's text, so the cut falls near the end of the file
	off=$(python3 - "$SF_TMP/b.full" "$cut" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
i = data.rfind(b"\n" + sys.argv[2].encode())
print(i + 1 + len(sys.argv[2]))
PY
	)
	head -c "$off" "$SF_TMP/b.full" >"$P.new" && mv -f "$P.new" "$P"
	"$SLIRP_FILTER" --check-policy "$P" >/dev/null 2>&1 && fail "the cut at \"$cut\" leaves a valid file"
	refuse_api "B cut after $off of $full bytes (\"...$cut\")" "reload_policy: $P:*"
done
refuse_hup "B cut short"

# ---- a NUL byte, a file over 64 MiB ----
{ printf '%s\n' "${B[@]:0:6}"; printf 'allow tcp to 203.0.113.10 port 9\0\n'; } >"$P.new" && mv -f "$P.new" "$P"
refuse_api "a NUL byte after B's first rules" "reload_policy: $P:*NUL*"
printf '%s\n' "${B[@]:0:6}" >"$P.new" && truncate -s 65M "$P.new" && mv -f "$P.new" "$P"
refuse_api "a 65 MiB file (B's first rules, then a hole)" "reload_policy: $P: larger than*"

# ---- not a readable regular file ----
rm -f "$P" && mkdir "$P"
refuse_api "a directory in its place" "reload_policy: $P: is a directory"
refuse_hup "a directory in its place"
rmdir "$P" && mkfifo "$P"
refuse_api "a FIFO in its place (opening it would block)" "reload_policy: $P: not a regular file"
rm -f "$P" && ln -s "$SF_TMP/p/nowhere" "$P"
refuse_api "a dangling symbolic link" "reload_policy: $P: *No such file*"
rm -f "$P"
refuse_api "a missing file" "reload_policy: $P: *No such file*"
refuse_hup "a missing file"
printf '%s\n' "${B[@]:0:6}" >"$P.new" && chmod 000 "$P.new" && mv -f "$P.new" "$P"
if [[ " $(podman_args) " == *" --enable-sandbox "* ]]; then
	refuse_api "an unreadable file (mode 000)" "reload_policy: $P: *Permission denied*"
else
	echo "NOTE: the helper runs unconfined here (SF_ASAN), as root with CAP_DAC_OVERRIDE: a mode 000 file is readable to it; case skipped"
fi

# ---- a good file still loads, and decides ----
put '# C' 'allow tcp to 203.0.113.10 port 80,7' 'allow udp to 203.0.113.10 port 7'
r=$(api '{"execute":"reload_policy"}')
echo "$r" | jget return >/dev/null || fail "a good file after $refused refused reloads: $r"
[ "$(tcp_echo 203.0.113.10 7 "c-$SF_ID")" = "c-$SF_ID" ] || fail "policy C: TCP 7 does not pass"
expect_refused_fast "$(probe_cont tcp 203.0.113.10 9)" "policy C: TCP 9"
c=$(api '{"execute":"get_counters"}')
[ "$(echo "$c" | jget return.reloads)" -eq 1 ] || fail "reloads: $c"
[ "$(echo "$c" | jget return.reloads_refused)" -eq "$refused" ] || fail "reloads_refused is not $refused: $c"
[ "$(audit_count event=policy-refused)" -eq "$refused" ] || fail "$(audit_count event=policy-refused) policy-refused records for $refused refusals"
[ "$(audit_count event=policy-reloaded)" -eq 1 ] || fail "policy-reloaded records: $(audit_count event=policy-reloaded)"
grep -q '^error\|^eof\|^mismatch' "$SF_TMP/hold.log" && fail "the UDP session broke: $(tail -2 "$SF_TMP/hold.log")"
kill "$HOLD_PID" 2>/dev/null || true
pass "after $refused refused reloads a good file loads and decides; the UDP session allowed by A lasted throughout"
topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "helper exited $SF_HELPER_RC"
