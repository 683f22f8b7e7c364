#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every argv shape slirp4netns 1.2 accepts gets past option parsing (RootlessKit's -r without -c above all).
#
# Needs no root: each form names a target that does not exist, so the helper
# parses the options, loads its policy, and only then fails where it joins
# the namespace. A form that the parser refused would fail earlier with its
# own one-line error, before "could not create TAP"; that difference is what
# this test checks. The real runs of these forms are in the integration
# suite (test-rootlesskit-argv) and the rootlesskit suite.
set -euo pipefail
SLIRP_FILTER=${SLIRP_FILTER:-$(cd "$(dirname "$0")/../.." && pwd)/build/src/slirp-filter}
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -x "$SLIRP_FILTER" ] || { echo "SKIP: no helper binary at $SLIRP_FILTER"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
printf '%s\n' 'allow any to 0.0.0.0/0' > "$tmp/policy"
export SLIRP_FILTER_POLICY=$tmp/policy XDG_CONFIG_HOME=$tmp/config
unset SLIRP_FILTER_AUDIT_LOG

# a PID that is not running (pid_max is at most 2^22)
nopid=4194304
while [ -e "/proc/$nopid" ]; do nopid=$((nopid - 1)); done
nopath=$tmp/no-such-netns

# accepted TAP ARGS...: parsing succeeded, and the run stopped at the namespace of TAP
accepted() {
	local tap=$1 rc=0
	shift
	# fd 3 is a ready fd when a form names it (-r 3): a pipe nobody reads, as RootlessKit's
	"$SLIRP_FILTER" "$@" 3>"$tmp/ready" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
	[ "$rc" -eq 1 ] || fail "$*: exited $rc, expected 1 (no such namespace); stderr: $(cat "$tmp/err")"
	grep -q "could not create $tap in the target namespace" "$tmp/err" ||
		fail "$*: refused before the namespace step: $(cat "$tmp/err")"
	[ ! -s "$tmp/ready" ] || fail "$*: wrote to the ready fd although it failed"
}

# RootlessKit 1.x and 2.x, slirp4netns network driver: never -c, no exit fd
accepted tap0 --mtu 65520 -r 3 "$nopid" tap0
accepted tap0 --mtu 65520 -r 3 --disable-host-loopback --cidr 10.0.3.0/24 \
	--api-socket "$tmp/s4nn.sock" --enable-sandbox --enable-seccomp --enable-ipv6 "$nopid" tap0
accepted tap0 --mtu 65520 -r 3 --disable-host-loopback --cidr 10.0.0.0/16 "$nopid" tap0
# RootlessKit 2.x with detach-netns
accepted tap0 --mtu 65520 -r 3 --disable-host-loopback --enable-seccomp \
	"--userns-path=$tmp" --netns-type=path "$nopath" tap0
echo "PASS: RootlessKit's argv forms (-r without -c)"

# Podman 4.3-4.5 and 4.6+/5, and its rootless-netns helper
accepted tap0 --disable-host-loopback --mtu=65520 --enable-sandbox --enable-seccomp --enable-ipv6 \
	-c -e 4 -r 3 --api-socket "$tmp/api.sock" --netns-type=path "$nopath" tap0 4</dev/null
accepted tap0 --disable-host-loopback --mtu=65520 --enable-sandbox --enable-seccomp --enable-ipv6 \
	-c -r 3 -e 4 --netns-type=path "$nopath" tap0 4</dev/null
accepted tap0 -c -r 3 --netns-type=path "$nopath" tap0
echo "PASS: Podman's argv forms"

# the rest of slirp4netns 1.2's parser: short options, --opt VALUE and --opt=VALUE,
# options after the positionals (getopt permutes), no TAPNAME, the deprecated spellings
accepted tap0 -c -m 1500 -6 -a "$tmp/a.sock" -e 4 "$nopid" 4</dev/null
accepted tap1 "$nopid" tap1 --mtu=9000 -r 3 --cidr=10.0.7.0/24
accepted tap0 --configure --exit-fd=4 --ready-fd=3 --mtu=65520 --enable-ipv6 --api-socket="$tmp/b.sock" \
	--netns-type=pid --target-type=netns --disable-dns --macaddress=02:00:00:00:00:01 \
	--outbound-addr=127.0.0.1 --outbound-addr6=::1 "$nopid" tap0 4</dev/null
accepted tap0 --no-host-loopback --create-sandbox "$nopid" tap0
grep -q -- "--create-sandbox is deprecated" "$tmp/err" || fail "no warning for --create-sandbox"
accepted tap0 -r 0 "$nopid" tap0
# slirp4netns warns about, and ignores, arguments after TAPNAME
accepted tap0 -r 3 "$nopid" tap0 extra
grep -q "too many arguments" "$tmp/err" || fail "no warning for an argument after TAPNAME"
echo "PASS: the rest of slirp4netns 1.2's command line"

# the ready fd gets exactly "1" (and nothing before a failure) is checked by the
# integration tests; here: -r without -c is not refused
"$SLIRP_FILTER" -r 3 "$nopid" tap0 3>/dev/null 2>"$tmp/err" || true
! grep -q "requires -c" "$tmp/err" || fail "-r without -c is still refused"
echo "PASS: -r without -c"
