#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `slirp-filter --check-policy` on a file its user should not see (issue 13 item 10): run by root
# through a symlink to /etc/shadow-like text, a binary or a non-UTF-8 file, it must quote at most
# a short, escaped token per error, stop at the first line that is clearly not a policy (NUL,
# invalid UTF-8) or after 10 errors and say so. Needs no root and no network: files in a
# temporary directory.
set -euo pipefail
SLIRP_FILTER=${SLIRP_FILTER:?}
TMP=$(mktemp -d /tmp/sf-check-leak.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "PASS: $*"; }

# check FILE: runs --check-policy, which must fail; the output lands in $TMP/err
check() {
	local rc=0
	"$SLIRP_FILTER" --check-policy "$1" >"$TMP/out" 2>"$TMP/err" || rc=$?
	[ "$rc" -ne 0 ] || fail "$1: accepted as a policy"
	[ ! -s "$TMP/out" ] || fail "$1: wrote to stdout: $(cat "$TMP/out")"
}

# /etc/shadow-like: 40 lines, each a secret that would fill a whole "unknown keyword" quote
secret=Zq7sEcReT
for i in $(seq 40); do
	printf 'user%02d:$6$%ssalt%02d$%shash%02dAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA:19000:0:99999:7:::\n' \
		"$i" "$secret" "$i" "$secret" "$i"
done >"$TMP/shadow"
chmod 600 "$TMP/shadow"
ln -s "$TMP/shadow" "$TMP/policy"
check "$TMP/policy"
grep -q "$secret" "$TMP/err" && fail "shadow: a secret is echoed: $(head -3 "$TMP/err")"
grep -q 'user0' "$TMP/err" && fail "shadow: a user name is echoed: $(head -3 "$TMP/err")"
[ "$(wc -l <"$TMP/err")" -eq 11 ] || fail "shadow: $(wc -l <"$TMP/err") lines, want 10 errors and the stop"
tail -1 "$TMP/err" | grep >/dev/null "policy:10: stopped after 10 errors; is this a policy file?" ||
	fail "shadow: does not say it stopped: $(tail -1 "$TMP/err")"
pass "shadow-like file: nothing quoted, stopped after 10 errors"

# every quoted token is at most 32 bytes of the file (+ "..."), control bytes escaped
printf 'allow tcp to %s\nmode \033]0;x\007%s\n' "$(printf 'b%.0s' $(seq 200)).example" "$(printf 'q%.0s' $(seq 100))" >"$TMP/long"
check "$TMP/long"
grep -o "'[^']*'" "$TMP/err" | while read -r tok; do
	[ "${#tok}" -le $((32 * 4 + 5)) ] || fail "long: a quoted token of ${#tok} bytes: $tok"
done
grep -q "$(printf 'b%.0s' $(seq 33))" "$TMP/err" && fail "long: more than 32 bytes quoted: $(cat "$TMP/err")"
LC_ALL=C grep -q "$(printf '\033')" "$TMP/err" && fail "long: a raw escape byte reached the terminal"
pass "long and control-byte words: bounded, escaped: $(tr '\n' ' ' <"$TMP/err")"

# binary: one error at the first NUL, nothing after it
{ echo "allow tcp to 198.51.100.1"; printf 'ELF\0\001\002'; printf 'secret%s\n' "$secret"; } >"$TMP/bin"
check "$TMP/bin"
[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "binary: $(wc -l <"$TMP/err") lines: $(cat "$TMP/err")"
grep -q "bin:2:4: NUL byte: this is not a policy file (not text); stopped reading here" "$TMP/err" ||
	fail "binary: $(cat "$TMP/err")"
pass "binary: $(cat "$TMP/err")"

# not UTF-8 (Latin-1): stopped at the first such line, nothing of it quoted
{ echo "allow tcp to 198.51.100.1"; printf 'mot de passe: %s \xe9t\xe9\n' "$secret"; echo "bogus line"; } >"$TMP/latin1"
check "$TMP/latin1"
[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "latin-1: $(cat "$TMP/err")"
grep -q "latin1:2:25: not UTF-8: this is not a policy file" "$TMP/err" || fail "latin-1: $(cat "$TMP/err")"
pass "not UTF-8: $(cat "$TMP/err")"

# a policy with a typo still gets its helpful message
printf 'alow tcp to 198.51.100.1\n' >"$TMP/typo"
check "$TMP/typo"
grep -q "typo:1:1: unknown keyword 'alow' (did you mean 'allow'?)" "$TMP/err" || fail "typo: $(cat "$TMP/err")"
pass "typo: $(cat "$TMP/err")"
