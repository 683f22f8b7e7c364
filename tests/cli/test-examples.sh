#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every example policy in examples/ (issue 8) passes --check-policy, and so does each with its
# commented-out alternatives ("# allow ...") switched on. Syntax only: nothing here resolves or
# contacts the real hosts the examples name.
set -euo pipefail
SLIRP_FILTER=${SLIRP_FILTER:?}
SRC=${SF_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
TMP=$(mktemp -d /tmp/sf-examples.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "PASS: $*"; }

n=0
for f in "$SRC"/examples/*.policy "$SRC"/examples/policy.example; do
	[ -f "$f" ] || continue
	name=${f##*/}
	"$SLIRP_FILTER" --check-policy "$f" >"$TMP/out" 2>&1 || fail "$name: $(cat "$TMP/out")"
	want=enforce
	[ "$name" = learn.policy ] && want=audit # step 1 of learning a policy
	grep -q "^$f: [0-9]* rules\? (.*), mode $want" "$TMP/out" || fail "$name is not an $want policy: $(cat "$TMP/out")"
	[ "$(grep -c '^#' "$f")" -ge 5 ] || fail "$name has hardly any comments"
	head -1 "$f" | grep >/dev/null '^# SPDX-License-Identifier: ' || fail "$name has no SPDX line"
	grep -q -- "--check-policy $name" "$f" || fail "$name does not show how to check it"
	sed -E 's/^# ((allow|deny) )/\1/' "$f" >"$TMP/$name"
	"$SLIRP_FILTER" --check-policy "$TMP/$name" >"$TMP/out" 2>&1 || fail "$name with its alternatives on: $(cat "$TMP/out")"
	n=$((n + 1))
done
for want in python-pip npm-ci debian-apt git-https learn; do
	[ -f "$SRC/examples/$want.policy" ] || fail "examples/$want.policy is missing"
done
pass "$n example policies pass --check-policy, also with their commented-out alternatives"
