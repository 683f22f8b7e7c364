#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# RootlessKit publishing a port with --port-driver=slirp4netns and builtin; SIGKILL of the helper, then a clean restart.
. "$(dirname "$0")/lib.sh"
rk_setup
mkdir -p "$SF_TMP/www-child"
echo "served from the rootlesskit child $SF_ID" > "$SF_TMP/www-child/index.html"
chmod -R a+rX "$SF_TMP/www-child"
state=$SF_TMP/rk-state
mkdir -p "$state"
chown "$SF_UID:$SF_GID" "$state"

# child_serving N [PROBES]: the child of run N serves HTTP on its port 80 until
# $SF_TMP/stop-N exists, then runs PROBES (default: the policy probes)
child_serving() {
	echo "busybox httpd -f -p 80 -h $SF_TMP/www-child & h=\$!
		while [ ! -e $SF_TMP/stop-$1 ]; do sleep 0.05; done
		kill \$h
		${2-$RK_PROBES}"
}
host_get() { in_host timeout 10 busybox wget -q -O - "$1" 2>/dev/null; }
published() { [ "$(host_get "http://$1:8080/")" = "served from the rootlesskit child $SF_ID" ]; }
# stop N: let run N's child finish; its probes (made after the stop) go to probes-N.out
stop() {
	local rc=0
	touch "$SF_TMP/stop-$1"
	wait "$SF_RK_PID" || rc=$?
	[ "$rc" -eq 0 ] || rk_fail "run $1: rootlesskit exited $rc: $(cat "$SF_TMP/probes-$1.out")"
}

n=0
for driver in slirp4netns builtin; do
	n=$((n + 1))
	rk_bg "$SF_TMP/probes-$n.out" --state-dir="$state" --port-driver=$driver -p 0.0.0.0:8080:80/tcp \
		-- sh -c "$(child_serving $n)"
	wait_until 20 published 127.0.0.1 || rk_fail "port driver $driver: 127.0.0.1:8080 does not reach the child"
	published 198.51.100.1 || rk_fail "port driver $driver: 198.51.100.1:8080 does not reach the child"
	stop $n
	rk_expect_policy "$(cat "$SF_TMP/probes-$n.out")"
	if [ $driver = slirp4netns ]; then
		grep -q -- "--api-socket $state/.s4nn.sock" "$SF_TMP/argv.log" ||
			rk_fail "the slirp4netns port driver did not pass --api-socket: $(tail -n 1 "$SF_TMP/argv.log")"
	fi
	pass "--port-driver=$driver publishes 8080 -> 80 from the host namespace; policy holds"
done

# SIGKILL, RootlessKit's only way of stopping the helper: nothing it leaves may break the next start
n=$((n + 1))
# (no probes in this run: its network is gone)
rk_bg "$SF_TMP/probes-$n.out" --state-dir="$state" --port-driver=slirp4netns -p 0.0.0.0:8080:80/tcp \
	-- sh -c "$(child_serving $n true)"
wait_until 20 published 127.0.0.1 || rk_fail "run $n: not published"
killed=$(last_helper)
kill -9 "$killed"
# RootlessKit reaps it only when it stops: a zombie until then
dead() { [ ! -e "/proc/$1" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat")" = Z ]; }
wait_until 5 dead "$killed" || rk_fail "helper $killed survived SIGKILL"
! published 127.0.0.1 || rk_fail "the port still answers with its helper killed"
stop $n
n=$((n + 1))
rk_bg "$SF_TMP/probes-$n.out" --state-dir="$state" --port-driver=slirp4netns -p 0.0.0.0:8080:80/tcp \
	-- sh -c "$(child_serving $n)"
wait_until 20 published 127.0.0.1 || rk_fail "after SIGKILL of the helper, the next start does not publish"
[ "$(last_helper)" != "$killed" ] || rk_fail "no new helper"
stop $n
rk_expect_policy "$(cat "$SF_TMP/probes-$n.out")"
pass "SIGKILL of the helper: the next start (same state dir, API socket and port) works"
