#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `slirp-filter audit [--follow]` (issue 8): one readable line per record; bad lines shown, never
# fatal; --follow keeps up as the log grows, is truncated, or is replaced (tail -F); colour only on
# a terminal without NO_COLOR. Needs no root and no network: files in a temporary directory.
set -euo pipefail
SLIRP_FILTER=${SLIRP_FILTER:?}
TMP=$(mktemp -d /tmp/sf-audit-follow.XXXXXX)
PIDS=()
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "PASS: $*"; }
export TZ=UTC
unset SLIRP_FILTER_AUDIT_LOG

rec_flow() { # TIME VERDICT PORT
	printf '{"time":"2026-11-23T%s.437Z","event":"flow","verdict":"%s","reason":"default-deny","proto":"tcp","src":"10.0.2.100","sport":42520,"dst":"203.0.113.10","dport":%s,"mode":"enforce"}\n' "$1" "$2" "$3"
}
rec_dns() { # TIME NAME
	printf '{"time":"2026-11-23T%s.435Z","event":"dns","verdict":"deny","reason":"not-allowed","name":"%s","qtype":"A","mode":"enforce"}\n' "$1" "$2"
}
wait_for() { # FILE PATTERN
	for _ in $(seq 100); do grep -Eq -- "$2" "$1" && return 0; sleep 0.05; done
	fail "\"$2\" never appeared in $1: $(cat "$1")"
}

# ---- one shot ----
log=$TMP/audit.jsonl
{
	rec_flow 18:01:48 deny 7
	rec_dns 18:01:49 exfil.example
	echo 'this is not JSON'
	echo '{"time":"2026-11-23T18:01:50Z","event":"flow","verdict":"deny"}'
	printf '{"time":"2026-11-23T18:01:51.000Z","event":"flow","verdict":"allow","reason":"learned","rule":"/home/u/web.policy:1","proto":"tcp","src":"10.0.2.100","sport":60088,"dst":"203.0.113.10","dport":80,"name":"web.example","mode":"enforce"}\n'
	printf '\x01\xff{{{[\n'
	printf '{"time":"2026-11-23T18:01:52.000Z","event":"policy-reloaded","policy":"/home/u/web.policy","chosen-by":"--policy","summary":"/home/u/web.policy: 1 rule (1 allow, 0 deny; 1 name rule), mode enforce, the host'"'"'s resolvers","mode":"enforce","flows-cut":2}\n'
	printf '{"time":"2026-11-23T18:01:53.000Z","event":"something-new","x":1}\n'
	printf '{"time":"2026-11-23T18:01:54.000Z","event":"flow","verdict":"deny","reason":"default-deny","proto":"icmp","src":"fd00::100","dst":"2001:db8::10","mode":"enforce"}'
} >"$log"
"$SLIRP_FILTER" audit "$log" >"$TMP/out" 2>"$TMP/err" || fail "audit exited $?: $(cat "$TMP/err")"
[ ! -s "$TMP/err" ] || fail "audit wrote to stderr: $(cat "$TMP/err")"
cat >"$TMP/want" <<'WANT'
18:01:48 DENY       tcp 10.0.2.100:42520 -> 203.0.113.10:7 (default-deny)
18:01:49 DNS DENY   exfil.example A (not-allowed)
? this is not JSON  [not JSON (...)]
? {"time":"2026-11-23T18:01:50Z","event":"flow","verdict":"deny"}  [a "flow" record without "reason"]
18:01:51 ALLOW      tcp 10.0.2.100:60088 -> 203.0.113.10:80 web.example (learned, web.policy:1)
? \x01\xff{{{[  [not JSON (...)]
18:01:52 POLICY     reloaded /home/u/web.policy (chosen by --policy): 1 rule (1 allow, 0 deny; 1 name rule), mode enforce, the host's resolvers; 2 flows cut
18:01:53 SOMETHING-NEW x=1
18:01:54 DENY       icmp fd00::100 -> 2001:db8::10 (default-deny)
WANT
# json-glib's own words for a parse error vary between versions
sed -i 's/\[not JSON (.*)\]$/[not JSON (...)]/' "$TMP/out"
diff -u "$TMP/want" "$TMP/out" >&2 || fail "unexpected output (diff above)"
pass "one line per record, bad lines shown with why, a last line without newline read"

"$SLIRP_FILTER" audit <"$log" 2>&1 | sed 's/\[not JSON (.*)\]$/[not JSON (...)]/' >"$TMP/out2" || fail "audit from stdin failed"
cmp -s "$TMP/out" "$TMP/out2" || fail "stdin gives different output: $(cat "$TMP/out2")"
SLIRP_FILTER_AUDIT_LOG=$log "$SLIRP_FILTER" audit 2>&1 </dev/null | sed 's/\[not JSON (.*)\]$/[not JSON (...)]/' >"$TMP/out3" || fail "audit from \$SLIRP_FILTER_AUDIT_LOG failed"
cmp -s "$TMP/out" "$TMP/out3" || fail "\$SLIRP_FILTER_AUDIT_LOG gives different output: $(cat "$TMP/out3")"
"$SLIRP_FILTER" audit -n 2 "$log" >"$TMP/out4" 2>&1 || fail "audit -n 2 failed"
[ "$(cat "$TMP/out4")" = "$(tail -n 2 "$TMP/want")" ] || fail "-n 2: $(cat "$TMP/out4")"
pass "stdin, \$SLIRP_FILTER_AUDIT_LOG and -n N"

rc=0
"$SLIRP_FILTER" audit "$TMP/none" >"$TMP/out" 2>"$TMP/err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "^slirp-filter: audit: $TMP/none: No such file or directory$" "$TMP/err" || fail "missing file: rc $rc, $(cat "$TMP/err")"
pass "a missing file without --follow: one error line, exit 1"

# ---- colour ----
"$SLIRP_FILTER" audit --color=always "$log" | grep >/dev/null $'\033\\[1;31mDENY' || fail "--color=always has no red DENY"
"$SLIRP_FILTER" audit "$log" | grep >/dev/null $'\033' && fail "colour in a pipe"
if command -v script >/dev/null; then
	script -qec "'$SLIRP_FILTER' audit '$log'" /dev/null >"$TMP/tty" </dev/null
	grep -q $'\033\\[1;31mDENY' "$TMP/tty" || fail "no colour on a terminal: $(cat -v "$TMP/tty")"
	NO_COLOR=1 script -qec "'$SLIRP_FILTER' audit '$log'" /dev/null >"$TMP/tty" </dev/null
	grep -q $'\033' "$TMP/tty" && fail "colour on a terminal with NO_COLOR set: $(cat -v "$TMP/tty")"
	pass "colour on a terminal, none with NO_COLOR, none in a pipe, always with --color=always"
fi

# ---- --follow ----
flog=$TMP/follow.jsonl
rec_flow 18:00:00 deny 1 >"$flog"
for p in 2 3 4 5 6 7 8 9 10 11 12; do rec_flow 18:00:00 deny "$p" >>"$flog"; done
"$SLIRP_FILTER" audit --follow "$flog" >"$TMP/f.out" 2>"$TMP/f.err" &
PIDS+=("$!")
fpid=$!
wait_for "$TMP/f.out" '203\.0\.113\.10:12 '
grep -q '203\.0\.113\.10:2 ' "$TMP/f.out" && fail "--follow showed more than the last 10 lines: $(cat "$TMP/f.out")"
[ "$(wc -l <"$TMP/f.out")" -eq 10 ] || fail "--follow started with $(wc -l <"$TMP/f.out") lines"
rec_flow 18:00:01 audit-deny 100 >>"$flog"
wait_for "$TMP/f.out" '^18:00:01 AUDIT-DENY tcp .*:100 \(default-deny\)$'
printf '{"time":"2026-11-23T18:00:02.000Z","event":"dns","verdict":"deny","reason":"not-allowed",' >>"$flog"
sleep 0.5
grep -q 'half.example' "$TMP/f.out" && fail "a half-written line was shown"
printf '"name":"half.example","qtype":"A","mode":"enforce"}\n' >>"$flog"
wait_for "$TMP/f.out" '^18:00:02 DNS DENY   half\.example A \(not-allowed\)$'
pass "--follow: starts with the last 10 lines, shows appended records, waits for the end of a line"

echo 'garbage while following' >>"$flog"
wait_for "$TMP/f.out" '^\? garbage while following'
: >"$flog"
rec_flow 18:00:03 deny 101 >>"$flog"
wait_for "$TMP/f.out" ':101 \(default-deny\)$'
grep -q 'truncated' "$TMP/f.err" || fail "no note about the truncation: $(cat "$TMP/f.err")"
mv "$flog" "$flog.1"
rec_flow 18:00:04 deny 102 >>"$flog.1"
sleep 0.5
rec_flow 18:00:05 deny 103 >"$flog"
wait_for "$TMP/f.out" ':103 \(default-deny\)$'
grep -q ':102 (default-deny)$' "$TMP/f.out" || fail "the line written to the rotated file was lost"
grep -q 'replaced' "$TMP/f.err" || fail "no note about the new file: $(cat "$TMP/f.err")"
rm -f "$flog"
sleep 0.5
rec_flow 18:00:06 deny 104 >"$flog"
wait_for "$TMP/f.out" ':104 \(default-deny\)$'
kill -0 "$fpid" || fail "audit --follow exited"
pass "--follow survives bad lines, truncation, rotation and a removed-then-recreated file"

# waiting for a file that does not exist yet
"$SLIRP_FILTER" audit -f "$TMP/later.jsonl" >"$TMP/l.out" 2>"$TMP/l.err" &
PIDS+=("$!")
wait_for "$TMP/l.err" 'waiting for'
rec_dns 18:00:07 later.example >"$TMP/later.jsonl"
wait_for "$TMP/l.out" 'later\.example'
pass "--follow waits for a log that does not exist yet"
