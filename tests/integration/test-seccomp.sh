#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --enable-seccomp: the filter is live (a forbidden call kills with SIGSYS), and works without the sandbox too.
# it inspects the confinement: confined in sanitizer builds too (tests/lib/topology.sh)
SF_KEEP_CONFINED=1
. "$(dirname "$0")/../lib/topology.sh"
topo_require_root_and_tools socat
build_root=${SF_BUILD_ROOT:-$(dirname "$(dirname "$SLIRP_FILTER")")}
grep -q '^#define SF_TEST_HOOKS 1' "$build_root/config.h" 2>/dev/null ||
	skip "the helper was built without -Dtest_hooks=true (scripts/test builds build-test with it)"
topo_setup
topo_start_servers

status_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# the hidden trigger: right after the ready fd, the daemon calls unshare(0), which the filter forbids
export SLIRP_FILTER_TEST_HOOK=forbidden-syscall
topo_start_helper $(podman_args)
pid=$SF_HELPER_PID
wait_until 5 bash -c "! kill -0 $pid" || fail "the helper survived a forbidden system call"
rc=0; wait "$pid" || rc=$?
SF_HELPER_PID=""
[ "$rc" -eq $((128 + 31)) ] || fail "exit status $rc, want $((128 + 31)) (SIGSYS)"
grep -q "test hook: calling unshare(0)" "$SF_HELPER_LOG" || fail "the test hook did not run"
grep -q "test hook: unshare(0) returned" "$SF_HELPER_LOG" && fail "unshare(0) returned under the filter"
pass "a forbidden system call in the running daemon: killed by SIGSYS (status $rc)"

# the control: the same trigger without --enable-seccomp is harmless, so the filter did the killing
topo_start_helper --enable-sandbox -c -r 3 -e 4 --netns-type=path "/run/netns/$SF_CONT_NS" tap0
sleep 0.3
kill -0 "$SF_HELPER_PID" || fail "without the filter the helper died anyway"
grep -q "test hook: unshare(0) returned 0" "$SF_HELPER_LOG" || fail "the hook did not run without the filter"
topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "exit status $SF_HELPER_RC without the filter"
pass "control: without --enable-seccomp the same call returns and the helper lives"
unset SLIRP_FILTER_TEST_HOOK

# --enable-seccomp without --enable-sandbox: mode 2, no new privileges, traffic flows
topo_start_helper --enable-seccomp -c -r 3 -e 4 --netns-type=path "/run/netns/$SF_CONT_NS" tap0
[ "$(status_field "$SF_HELPER_PID" Seccomp)" = 2 ] || fail "Seccomp is not 2"
[ "$(status_field "$SF_HELPER_PID" NoNewPrivs)" = 1 ] || fail "NoNewPrivs is not 1"
[ "$(http_get http://203.0.113.10/)" = "$SF_HTTP_BODY" ] || fail "no HTTP under the filter alone"
[ "$(udp_echo 203.0.113.10 7 udp-under-filter)" = udp-under-filter ] || fail "no UDP under the filter alone"
topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "exit status $SF_HELPER_RC"
pass "--enable-seccomp alone: Seccomp 2, NoNewPrivs 1, TCP and UDP pass, clean exit"
