#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# RootlessKit --net=slirp4netns with slirp-filter: sandbox and seccomp true and auto, the policy holding.
. "$(dirname "$0")/lib.sh"
rk_setup

for mode in true auto; do
	: > "$SF_TMP/argv.log"
	# the child waits until the test has looked at the helper, then probes
	rk_bg "$SF_TMP/probes-$mode.out" --slirp4netns-sandbox=$mode --slirp4netns-seccomp=$mode -- sh -c "
		while [ ! -e $SF_TMP/go-$mode ]; do sleep 0.05; done
		$RK_PROBES"
	wait_until 20 test -s "$SF_TMP/argv.log" || rk_fail "$mode: RootlessKit never started the helper"
	argv=$(cat "$SF_TMP/argv.log")
	pid=$(last_helper)
	[[ $argv == "--mtu 65520 -r 3 --disable-host-loopback --enable-sandbox --enable-seccomp "[0-9]*" tap0" ]] ||
		rk_fail "$mode: RootlessKit passed \"$argv\""
	# confined: seccomp in filter mode, no capabilities, once it is ready
	wait_until 10 grep -q '^Seccomp:[[:space:]]*2' "/proc/$pid/status" ||
		rk_fail "$mode: helper $pid is not under seccomp"
	grep -q '^CapEff:[[:space:]]*0000000000000000' "/proc/$pid/status" ||
		rk_fail "$mode: helper $pid has capabilities: $(grep ^Cap "/proc/$pid/status" | tr '\n' ' ')"
	touch "$SF_TMP/go-$mode"
	rc=0
	wait "$SF_RK_PID" || rc=$?
	[ "$rc" -eq 0 ] || rk_fail "$mode: rootlesskit exited $rc: $(cat "$SF_TMP/probes-$mode.out")"
	out=$(cat "$SF_TMP/probes-$mode.out")
	echo "$out" | grep >/dev/null -x "resolv=10.0.2.3" || rk_fail "$mode: the child's resolv.conf: $out"
	rk_expect_policy "$out"
	pass "--slirp4netns-sandbox=$mode --slirp4netns-seccomp=$mode: argv \"$argv\", confined, policy holds"
done
