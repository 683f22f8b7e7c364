#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `slirp-filter status` against what is not a working helper (issue 8): a missing path, a file that
# is not a socket, a stale socket, another program's socket (garbage, silence, an early close, a
# slirp4netns-style error, JSON that is no status): one line on stderr, nothing on stdout, exit 1,
# and never a hang. Needs no root and no network: unix sockets in a temporary directory.
set -euo pipefail
SLIRP_FILTER=${SLIRP_FILTER:?}
FAKE=$(cd "$(dirname "$0")" && pwd)/fake-api.py
TMP=$(mktemp -d /tmp/sf-status-errors.XXXXXX)
PIDS=()
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "PASS: $*"; }
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }

# expect_error WHAT PATTERN MAX_SECONDS ARGS...: exit 1, one stderr line matching PATTERN, no stdout
expect_error() {
	local what=$1 pattern=$2 max=$3 rc=0 start end
	shift 3
	start=$(date +%s%N)
	timeout 20 "$SLIRP_FILTER" status "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	end=$(date +%s%N)
	[ "$rc" -eq 1 ] || fail "$what: exit $rc (want 1); stderr: $(cat "$TMP/err")"
	[ ! -s "$TMP/out" ] || fail "$what: wrote to stdout: $(cat "$TMP/out")"
	[ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "$what: not one line on stderr: $(cat "$TMP/err")"
	grep -Eq -- "^slirp-filter: status: $pattern" "$TMP/err" || fail "$what: stderr \"$(cat "$TMP/err")\" does not match \"$pattern\""
	[ $(( (end - start) / 1000000 )) -le $(( max * 1000 )) ] || fail "$what: took $(( (end - start) / 1000000 )) ms"
	pass "$what: $(cat "$TMP/err")"
}

start_fake() { # MODE PATH
	python3 "$FAKE" "$1" "$2" >"$TMP/fake-$1.out" 2>&1 &
	PIDS+=("$!")
	for _ in $(seq 100); do grep -q ready "$TMP/fake-$1.out" 2>/dev/null && return 0; sleep 0.05; done
	fail "the fake $1 server did not start: $(cat "$TMP/fake-$1.out")"
}

expect_error "no argument" "expected one API_SOCKET" 2
expect_error "a bad timeout" "--timeout must be" 2 --timeout=0 "$TMP/x"
expect_error "a missing path" "$TMP/none.sock: no such socket" 2 "$TMP/none.sock"
touch "$TMP/file"
expect_error "a regular file" "$TMP/file: not a socket" 2 "$TMP/file"
expect_error "a directory" "$TMP: not a socket" 2 "$TMP"
start_fake stale "$TMP/stale.sock"
expect_error "a stale socket" "$TMP/stale.sock: nothing is listening" 2 "$TMP/stale.sock"
start_fake garbage "$TMP/garbage.sock"
expect_error "a socket that answers HTTP" "$TMP/garbage.sock: the answer is not JSON" 3 "$TMP/garbage.sock"
start_fake close "$TMP/close.sock"
expect_error "a socket that closes at once" "$TMP/close.sock: the socket closed without an answer" 3 "$TMP/close.sock"
start_fake unknown "$TMP/unknown.sock"
expect_error "slirp4netns's API" "$TMP/unknown.sock: the helper does not know get_status" 3 "$TMP/unknown.sock"
start_fake notstatus "$TMP/notstatus.sock"
expect_error "JSON that is no status" "$TMP/notstatus.sock: the answer is not a slirp-filter status" 3 "$TMP/notstatus.sock"
start_fake silent "$TMP/silent.sock"
expect_error "a socket that never answers (--timeout=1)" "$TMP/silent.sock: no answer within 1 s" 3 --timeout=1 "$TMP/silent.sock"
expect_error "a socket that never answers (default 3 s)" "$TMP/silent.sock: no answer within 3 s" 5 "$TMP/silent.sock"
# --json changes nothing about errors
expect_error "--json and a missing path" "$TMP/none.sock: no such socket" 2 --json "$TMP/none.sock"
"$SLIRP_FILTER" status --help | grep >/dev/null '^Usage: slirp-filter status' || fail "status --help"
pass "status --help"
