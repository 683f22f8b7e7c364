#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `slirp-filter suggest-policy` from the command line (issue 8): several logs merge; corrupt,
# truncated and foreign lines are reported with their line numbers and skipped (exit 2) while the
# rest still gives a policy; whatever the input, the output passes --check-policy. The names in
# these logs are never resolved or contacted: only files are read. No root needed.
set -euo pipefail
SLIRP_FILTER=${SLIRP_FILTER:?}
TMP=$(mktemp -d /tmp/sf-suggest.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "PASS: $*"; }

flow() { # TIME VERDICT PROTO DST DPORT [NAME]
	local ports="" name=""
	[ "$5" != - ] && ports=",\"sport\":40000,\"dport\":$5"
	[ -n "${6:-}" ] && name=",\"name\":\"$6\""
	printf '{"time":"2026-11-23T%s.000Z","event":"flow","verdict":"%s","reason":"default-deny","proto":"%s","src":"10.0.2.100","dst":"%s"%s%s,"mode":"audit"}\n' \
		"$1" "$2" "$3" "$4" "$ports" "$name"
}
check() { # FILE: passes --check-policy
	"$SLIRP_FILTER" --check-policy "$1" >"$TMP/check.out" 2>&1 || fail "$1 does not pass --check-policy: $(cat "$TMP/check.out")"
}

# ---- two runs merge ----
{
	flow 10:00:00 audit-deny tcp 198.51.100.7 443 files.pythonhosted.example
	flow 10:00:01 audit-deny tcp 198.51.100.8 443 pypi.example
	flow 10:00:02 audit-deny udp 203.0.113.5 123
} >"$TMP/run1.jsonl"
{
	flow 11:00:00 audit-deny tcp 198.51.100.8 80 pypi.example
	flow 11:00:01 allow tcp 198.51.100.9 443 pypi.example
	flow 11:00:02 audit-deny icmp 203.0.113.5 -
} >"$TMP/run2.jsonl"
rc=0
"$SLIRP_FILTER" suggest-policy "$TMP/run1.jsonl" "$TMP/run2.jsonl" >"$TMP/merged.policy" 2>"$TMP/err" || rc=$?
[ "$rc" -eq 0 ] || fail "merge: exit $rc: $(cat "$TMP/err")"
[ ! -s "$TMP/err" ] || fail "merge: stderr: $(cat "$TMP/err")"
check "$TMP/merged.policy"
grep -qx "#   $TMP/run1.jsonl: 3 records used, first 2026-11-23T10:00:00Z, last 2026-11-23T10:00:02Z" "$TMP/merged.policy" || fail "header run1: $(cat "$TMP/merged.policy")"
grep -qx "#   $TMP/run2.jsonl: 3 records used, first 2026-11-23T11:00:00Z, last 2026-11-23T11:00:02Z" "$TMP/merged.policy" || fail "header run2"
grep -qx 'allow tcp to pypi.example port 80,443' "$TMP/merged.policy" || fail "ports of both runs not merged: $(cat "$TMP/merged.policy")"
grep -qx '# pypi.example: 3 flows, first 2026-11-23T10:00:01Z, last 2026-11-23T11:00:01Z' "$TMP/merged.policy" || fail "count comment: $(cat "$TMP/merged.policy")"
grep -qx 'allow tcp to files.pythonhosted.example port 443' "$TMP/merged.policy" || fail "files.pythonhosted.example"
grep -qx 'allow udp to 203.0.113.5 port 123' "$TMP/merged.policy" || fail "no address rule for udp 123"
grep -qx 'allow icmp to 203.0.113.5' "$TMP/merged.policy" || fail "no address rule for icmp"
grep -q '^# WARNING: the container reached these without asking' "$TMP/merged.policy" || fail "no warning over the addresses"
[ "$(grep -c '^allow' "$TMP/merged.policy")" -eq 4 ] || fail "not 4 rules: $(cat "$TMP/merged.policy")"
pass "two logs merge: ports grouped per name across runs, names before addresses, addresses with a warning"

# ---- --wildcards ----
{
	flow 10:00:00 audit-deny tcp 198.51.100.1 443 a.cdn.example
	flow 10:00:01 audit-deny tcp 198.51.100.2 443 b.cdn.example
	flow 10:00:02 audit-deny tcp 198.51.100.3 443 cdn.example
	flow 10:00:03 audit-deny tcp 198.51.100.4 443 x.github.io
	flow 10:00:04 audit-deny tcp 198.51.100.5 443 y.github.io
	flow 10:00:05 audit-deny tcp 198.51.100.6 443 solo.other.example
} >"$TMP/wild.jsonl"
"$SLIRP_FILTER" suggest-policy "$TMP/wild.jsonl" >"$TMP/nowild.policy"
grep -q '^allow.*\*' "$TMP/nowild.policy" && fail "a wildcard without --wildcards"
"$SLIRP_FILTER" suggest-policy --wildcards "$TMP/wild.jsonl" >"$TMP/wild.policy"
check "$TMP/wild.policy"
grep -qx 'allow tcp to \*.cdn.example port 443' "$TMP/wild.policy" || fail "no *.cdn.example: $(cat "$TMP/wild.policy")"
grep -qx 'allow tcp to cdn.example port 443' "$TMP/wild.policy" || fail "the apex must keep its own rule"
grep -qx '# covers a.cdn.example, b.cdn.example (and every other subdomain, not the name itself)' "$TMP/wild.policy" || fail "no covers comment"
grep -qx 'allow tcp to x.github.io port 443' "$TMP/wild.policy" || fail "*.github.io must not be suggested: $(cat "$TMP/wild.policy")"
grep -qx 'allow tcp to solo.other.example port 443' "$TMP/wild.policy" || fail "one subdomain is no reason for a wildcard"
pass "--wildcards: *.parent only for several subdomains, never the apex, never a shared-hosting parent"

# ---- a corrupt, mixed, truncated log ----
{
	flow 12:00:00 audit-deny tcp 198.51.100.7 443 good.example
	echo 'plain text, not JSON'
	echo '[1,2,3]'
	echo '{"no":"time"}'
	echo '{"time":"yesterday","event":"flow"}'
	echo '{"time":"2026-11-23T12:00:01Z","event":"flow","verdict":"allow","reason":"learned","proto":"tcp","src":"10.0.2.100","dst":"not-an-address","dport":80}'
	echo '{"time":"2026-11-23T12:00:01Z","event":"flow","verdict":"allow","reason":"learned","proto":"tcp","src":"10.0.2.100","dst":"198.51.100.1"}'
	echo '{"time":"2026-11-23T12:00:01Z","event":"flow","verdict":"allow","reason":"learned","proto":"tcp","src":"10.0.2.100","dst":"198.51.100.1","dport":70000}'
	printf '%s\n' "$(printf '[%.0s' $(seq 5000))"
	head -c 100000 /dev/zero | tr '\0' x; echo
	printf 'binary \x00\x01\xff line\n'
	echo
	flow 12:00:02 audit-deny tcp 198.51.100.8 8443 good.example
	printf '{"time":"2026-11-23T12:00:03.000Z","event":"flow","verdict":"audit-deny","reas'
} >"$TMP/bad.jsonl"
rc=0
"$SLIRP_FILTER" suggest-policy "$TMP/bad.jsonl" >"$TMP/bad.policy" 2>"$TMP/err" || rc=$?
[ "$rc" -eq 2 ] || fail "a corrupt log: exit $rc (want 2): $(cat "$TMP/err")"
check "$TMP/bad.policy"
grep -qx 'allow tcp to good.example port 443,8443' "$TMP/bad.policy" || fail "the good records were not used: $(cat "$TMP/bad.policy")"
for n in 2 3 4 5 6 7 8 9 10 11 14; do
	grep -q "^slirp-filter: suggest-policy: $TMP/bad.jsonl:$n: .*; skipped$" "$TMP/err" || fail "line $n not reported: $(cat "$TMP/err")"
done
grep -q ":12: " "$TMP/err" && fail "the blank line 12 was reported"
grep -q "bad.jsonl:10: longer than 65536 bytes" "$TMP/err" || fail "the long line: $(cat "$TMP/err")"
grep -q "bad.jsonl:9: not JSON (nested too deeply)" "$TMP/err" || fail "the deep line: $(cat "$TMP/err")"
grep -q "bad.jsonl:7: a \"flow\" record without \"dport\"" "$TMP/err" || fail "no dport: $(cat "$TMP/err")"
grep -qx "slirp-filter: suggest-policy: 11 unusable lines were skipped; the policy covers the rest" "$TMP/err" || fail "summary: $(cat "$TMP/err")"
grep -q '^# 11 unusable log lines were skipped' "$TMP/bad.policy" || fail "the policy does not say lines were skipped"
pass "a corrupt log: every bad line reported with its number, the rest used, exit 2, output still valid"

# ---- many bad lines: the report is bounded ----
for i in $(seq 100); do echo "bad $i"; done >"$TMP/many.jsonl"
rc=0
"$SLIRP_FILTER" suggest-policy "$TMP/many.jsonl" >"$TMP/many.policy" 2>"$TMP/err" || rc=$?
[ "$rc" -eq 2 ] || fail "many bad lines: exit $rc"
[ "$(wc -l <"$TMP/err")" -le 22 ] || fail "the report is not bounded: $(wc -l <"$TMP/err") lines"
grep -q '... and 80 more unusable lines skipped' "$TMP/err" || fail "no count of the rest: $(cat "$TMP/err")"
check "$TMP/many.policy"
pass "100 bad lines: 20 reported, the rest counted"

# ---- nothing usable, nothing at all ----
: >"$TMP/empty.jsonl"
"$SLIRP_FILTER" suggest-policy "$TMP/empty.jsonl" >"$TMP/empty.policy" || fail "an empty log failed"
check "$TMP/empty.policy"
grep -q 'allows nothing' "$TMP/empty.policy" || fail "an empty log should say the policy allows nothing"
grep -q '^allow' "$TMP/empty.policy" && fail "rules from an empty log"
flow 10:00:00 audit-deny tcp 198.51.100.1 443 stdin.example | "$SLIRP_FILTER" suggest-policy - >"$TMP/stdin.policy" || fail "stdin failed"
grep -qx 'allow tcp to stdin.example port 443' "$TMP/stdin.policy" || fail "stdin: $(cat "$TMP/stdin.policy")"
grep -qx '#   stdin: 1 record used, at 2026-11-23T10:00:00Z' "$TMP/stdin.policy" || fail "stdin header: $(cat "$TMP/stdin.policy")"
pass "an empty log gives a policy that allows nothing; - reads stdin"

# ---- usage errors: exit 1, nothing on stdout ----
for args in "" "--bogus $TMP/empty.jsonl" "$TMP/none.jsonl" "$TMP"; do
	rc=0
	# shellcheck disable=SC2086
	"$SLIRP_FILTER" suggest-policy $args >"$TMP/out" 2>"$TMP/err" || rc=$?
	[ "$rc" -eq 1 ] || fail "suggest-policy $args: exit $rc (want 1)"
	[ ! -s "$TMP/out" ] || fail "suggest-policy $args: printed a policy"
	[ -s "$TMP/err" ] || fail "suggest-policy $args: no message"
done
"$SLIRP_FILTER" suggest-policy --help | grep >/dev/null '^Usage: slirp-filter suggest-policy' || fail "--help"
pass "no log, a bad option, a missing file, a directory: exit 1 with a message and no policy"
