#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The PID form (default --netns-type=pid, and explicit) and --userns-path with a user namespace.
. "$(dirname "$0")/../lib/topology.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss unshare nsenter
topo_setup
topo_start_servers

# a process sitting in the container namespace
bg_in "$SF_CONT_NS" "$SF_TMP/sleeper.log" sleep 600
pid=${SF_PIDS[-1]}
for form in "" "--netns-type=pid"; do
	topo_start_helper $form -c -r 3 -e 4 "$pid" tap0
	[ "$(http_get http://203.0.113.10/)" = "$SF_HTTP_BODY" ] || fail "PID form ($form): HTTP failed"
	pass "PID form ${form:-(default netns-type)}"
	topo_stop_helper
done

# a user namespace owning a new network namespace, as rootless Podman has
unshare --user --map-root-user --net sleep 600 </dev/null >/dev/null 2>&1 &
upid=$!
SF_PIDS+=("$upid")
wait_until 5 bash -c "[ \"\$(readlink /proc/$upid/ns/user)\" != \"\$(readlink /proc/self/ns/user)\" ]" || fail "no user namespace"
topo_start_helper --userns-path=/proc/$upid/ns/user --netns-type=path -c -r 3 -e 4 /proc/$upid/ns/net tap0
got=$(nsenter -t "$upid" -U -n --preserve-credentials timeout 10 busybox wget -q -O - http://203.0.113.10/) || fail "userns: HTTP failed"
[ "$got" = "$SF_HTTP_BODY" ] || fail "userns: got \"$got\""
pass "--userns-path with --netns-type=path"
topo_stop_helper

# PID form joins the target's user namespace by itself
topo_start_helper -c -r 3 -e 4 "$upid" tap1
nsenter -t "$upid" -U -n --preserve-credentials ip link show tap1 >/dev/null || fail "PID form into a user namespace: no tap1"
pass "PID form into a process with its own user namespace"
topo_stop_helper
