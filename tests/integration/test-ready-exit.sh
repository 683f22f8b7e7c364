#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The ready fd gets "1"; closing the exit fd (or SIGTERM) ends the helper with 0 and removes the API socket.
. "$(dirname "$0")/../lib/topology.sh"
topo_require_root_and_tools ss
topo_setup

api=$SF_TMP/api.sock
topo_start_helper $(podman_args) -a "$api"   # fails unless the ready fd gets exactly "1"
pass "ready fd got 1"
[ -S "$api" ] || fail "API socket $api was not created before the ready fd"
ip -n "$SF_CONT_NS" link show tap0 >/dev/null || fail "tap0 missing while ready"
topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "exit status $SF_HELPER_RC after the exit fd closed"
[ ! -e "$api" ] || fail "API socket left behind after exit"
ip -n "$SF_CONT_NS" link show tap0 >/dev/null 2>&1 && fail "tap0 still exists after exit"
pass "exit fd: exit 0, API socket removed, tap gone"

topo_start_helper $(podman_args) -a "$api"
kill -TERM "$SF_HELPER_PID"
wait_until 5 bash -c "! kill -0 $SF_HELPER_PID" || fail "SIGTERM did not stop the helper"
rc=0; wait "$SF_HELPER_PID" || rc=$?
SF_HELPER_PID=""
[ "$rc" -eq 0 ] || fail "exit status $rc after SIGTERM"
[ ! -e "$api" ] || fail "API socket left behind after SIGTERM"
pass "SIGTERM: exit 0, API socket removed"

# a target namespace that does not exist: exit 1 with a reason, nothing written to the ready fd
SF_NO_READY=1 topo_start_helper -c -r 3 -e 4 --netns-type=path /run/netns/does-not-exist-$SF_ID tap0
wait_until 5 bash -c "! kill -0 $SF_HELPER_PID" || fail "helper hangs on a missing namespace"
rc=0; wait "$SF_HELPER_PID" || rc=$?
SF_HELPER_PID=""
[ "$rc" -eq 1 ] || fail "exit status $rc for a missing namespace"
grep -q "does-not-exist" "$SF_HELPER_LOG" || fail "no reason given for a missing namespace"
if read -r -t 0.2 -n 1 -u "$SF_READY_R" r; then fail "ready fd got \"$r\" although start-up failed"; fi
pass "missing namespace: exit 1 with a reason, ready fd untouched"
