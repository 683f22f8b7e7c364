#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# RootlessKit's way of running the helper, without RootlessKit: an existing tap, -r without -c, no exit fd, SIGKILL.
#
# RootlessKit (pkg/network/slirp4netns) makes a user+network namespace, runs
# `ip tuntap add name tap0 mode tap` and `ip link set tap0 up` in it, gives
# tap0 its address and route itself, then runs
# `BIN --mtu 65520 -r 3 [--disable-host-loopback] [--cidr C] [--api-socket S]
# [--enable-sandbox] [--enable-seccomp] [--enable-ipv6] PID tap0` with no
# exit fd and stops it with SIGKILL. The tests/rootlesskit suite runs the real
# RootlessKit; this one needs only root and checks the parts one by one.
. "$(dirname "$0")/../lib/topology.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss unshare nsenter python3
topo_setup
topo_start_servers
api=$SF_TMP/s4nn.sock

# the child RootlessKit makes: its own user and network namespace, tap0 made and configured there
unshare --user --map-root-user --net sleep 600 </dev/null >/dev/null 2>&1 &
upid=$!
SF_PIDS+=("$upid")
wait_until 5 bash -c "[ \"\$(readlink /proc/$upid/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]" ||
	fail "no child namespace"
in_child() { nsenter -t "$upid" -U -n --preserve-credentials "$@"; }
in_child ip tuntap add name tap0 mode tap
in_child ip link set tap0 up
in_child ip link set lo up
in_child ip link set tap0 mtu 65520
in_child ip addr add 10.0.2.100/24 dev tap0
in_child ip route add default via 10.0.2.2 dev tap0
child_get() { in_child timeout 10 busybox wget -q -O - "$1"; }

# rk_start ARGS...: the helper as RootlessKit runs it (ready fd 3, no exit fd)
rk_start() {
	topo_start_helper --mtu 65520 -r 3 --disable-host-loopback --api-socket "$api" \
		$(confine_args) --enable-ipv6 "$@" "$upid" tap0
}
# rk_kill: RootlessKit's stop: SIGKILL, then wait
rk_kill() {
	kill -9 "$SF_HELPER_PID"
	wait "$SF_HELPER_PID" 2>/dev/null || true
	SF_HELPER_PID=""
}
call() { printf '%s' "$1" | timeout 5 socat -t 5 - "UNIX-CONNECT:$api"; }

rk_start
[ "$(child_get http://203.0.113.10/)" = "$SF_HTTP_BODY" ] || fail "HTTP through the tap RootlessKit made"
# the tap is still the one RootlessKit configured: address and MTU untouched
[[ $(in_child ip -o addr show dev tap0) == *"inet 10.0.2.100/24"* ]] || fail "tap0 lost its address"
[[ $(in_child ip -o link show dev tap0) == *"mtu 65520"* ]] || fail "tap0 lost its MTU"
pass "-r 3 without -c attaches to the existing, configured tap0; ready fd got 1"

# RootlessKit's port driver "slirp4netns": add_hostfwd with the child's address
nsenter -t "$upid" -U -n --preserve-credentials socat TCP4-LISTEN:80,fork,reuseaddr \
	SYSTEM:'echo from-rootlesskit-child' </dev/null >"$SF_TMP/child-srv.log" 2>&1 &
SF_PIDS+=("$!")
wait_until 5 bash -c "[ -n \"\$(nsenter -t $upid -U -n --preserve-credentials ss -Hlnt 'sport = :80')\" ]" ||
	fail "server in the child"
r=$(call '{"execute":"add_hostfwd","arguments":{"proto":"tcp","host_addr":"0.0.0.0","host_port":8080,"guest_addr":"10.0.2.100","guest_port":80}}')
echo "$r" | grep >/dev/null '"return":{"id":' || fail "add_hostfwd: $r"
got=$(in_host timeout 5 socat -t 2 - TCP:127.0.0.1:8080 </dev/null) || true
[ "$got" = from-rootlesskit-child ] || fail "published port: \"$got\""
pass "add_hostfwd as RootlessKit's port driver sends it"

# a second helper on the same tap: refused loudly, the first one keeps working
rc=0
ip netns exec "$SF_HOST_NS" env SLIRP_FILTER_POLICY="$SF_ALLOW_ALL" timeout 10 "$SLIRP_FILTER" \
	--mtu 65520 -r 3 "$upid" tap0 3>/dev/null >"$SF_TMP/second.log" 2>&1 </dev/null || rc=$?
[ "$rc" -eq 1 ] || fail "a second helper on the same tap exited $rc: $(cat "$SF_TMP/second.log")"
grep -q "another process holds it" "$SF_TMP/second.log" || fail "no reason given: $(cat "$SF_TMP/second.log")"
[ "$(child_get http://203.0.113.10/)" = "$SF_HTTP_BODY" ] || fail "the first helper broke"
pass "a second helper on a held tap says why and exits 1"

# SIGKILL leaves the socket file; the next start (same path, same tap) must work
rk_kill
[ -S "$api" ] || fail "expected the killed helper's socket file to remain (test premise)"
rk_start --cidr 10.0.2.0/24
[ "$(child_get http://203.0.113.10/)" = "$SF_HTTP_BODY" ] || fail "HTTP after a SIGKILL and restart"
r=$(call '{"execute":"add_hostfwd","arguments":{"proto":"tcp","host_addr":"0.0.0.0","host_port":8080,"guest_addr":"10.0.2.100","guest_port":80}}')
echo "$r" | grep >/dev/null '"return":{"id":1}' || fail "add_hostfwd after restart (port 8080 free again, ids from 1): $r"
got=$(in_host timeout 5 socat -t 2 - TCP:127.0.0.1:8080 </dev/null) || true
[ "$got" = from-rootlesskit-child ] || fail "published port after restart: \"$got\""
pass "after SIGKILL the next start reuses the API socket path, the tap and the host port"
rk_kill
