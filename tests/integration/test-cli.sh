#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --help/--version contract and one-line errors for bad options (exits before any network set-up).
set -euo pipefail
SLIRP_FILTER=${SLIRP_FILTER:-$(cd "$(dirname "$0")/../.." && pwd)/build/src/slirp-filter}
fail() { echo "FAIL: $*" >&2; exit 1; }
out=$(mktemp); err=$(mktemp); trap 'rm -f "$out" "$err"' EXIT

"$SLIRP_FILTER" --help >"$out" || fail "--help exited $?"
for s in --disable-host-loopback --mtu --enable-sandbox --enable-seccomp --cidr --outbound-addr --enable-ipv6; do
	grep -q -e "$s" "$out" || fail "--help lacks $s, which Podman probes for"
done
echo "PASS: --help has all seven strings Podman probes for"

"$SLIRP_FILTER" --version >"$out" || fail "--version exited $?"
grep -q '^slirp-filter version ' "$out" || fail "--version does not name slirp-filter: $(cat "$out")"
grep -q '^libslirp: [0-9]' "$out" || fail "--version lacks libslirp's version"
grep -q '^SLIRP_CONFIG_VERSION_MAX: [0-9]' "$out" || fail "--version lacks SLIRP_CONFIG_VERSION_MAX"
"$SLIRP_FILTER" -v | cmp -s - "$out" || fail "-v differs from --version"
echo "PASS: --version"

# bad_option EXPECTED_FRAGMENT ARGS...: exit 1, exactly one line on stderr naming the problem
bad_option() {
	local want=$1 rc=0
	shift
	"$SLIRP_FILTER" "$@" >"$out" 2>"$err" || rc=$?
	[ "$rc" -eq 1 ] || fail "$* exited $rc, expected 1"
	[ "$(wc -l <"$err")" -eq 1 ] || fail "$*: expected one error line, got: $(cat "$err")"
	grep -q -e "$want" "$err" || fail "$*: error \"$(cat "$err")\" does not mention \"$want\""
	[ ! -s "$out" ] || fail "$*: printed on stdout: $(cat "$out")"
}
bad_option "unrecognized option '--bogus'" --bogus 1 tap0
bad_option "invalid option -- 'x'" -x 1 tap0
bad_option "option '--cidr' requires an argument" 1 tap0 --cidr
bad_option "requires an argument -- 'm'" 1 tap0 -m
bad_option "MTU must be a positive integer" --mtu=0 1 tap0
bad_option "MTU must be a positive integer" --mtu=65522 1 tap0
bad_option "MTU must be a positive integer" --mtu=15x 1 tap0
bad_option "prefix length needs to be 1-25" --cidr=10.0.2.0/26 1 tap0
bad_option "not like 10.0.2.100/24" --cidr=10.0.2.100/24 1 tap0
bad_option "invalid CIDR: nonsense" --cidr=nonsense 1 tap0
bad_option "invalid MAC address" -c --macaddress=02:11:22 1 tap0
bad_option "--macaddress cannot be specified" --macaddress=02:11:22:33:44:55 1 tap0
bad_option "--netns-type" --netns-type=ip 1 tap0
bad_option "--target-type" --target-type=bess 1 tap0
bad_option "invalid file descriptor" -c -e x 1 tap0
bad_option "--outbound-addr" --outbound-addr=no-such-if0 1 tap0
bad_option "--outbound-addr6" --outbound-addr6=1.2.3.4 1 tap0
bad_option "PID must be a positive integer" /run/netns/x tap0
bad_option "expected PID|PATH" -c
bad_option "invalid TAPNAME" 1 this-name-is-far-too-long-for-linux
echo "PASS: bad options give one line and exit 1"
