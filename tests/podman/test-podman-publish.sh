#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# podman run -p with port_handler=slirp4netns publishes a port through slirp-filter's API socket.
. "$(dirname "$0")/lib.sh"
podman_setup

name=sfpub$SF_ID
SF_CONTAINERS+=("$name")
pm run -d --name "$name" --network slirp4netns:port_handler=slirp4netns -p 18080:80 \
	--rootfs "$SF_ROOTFS" httpd -f -p 80 -h /www >/dev/null || fail "podman run -d -p failed"
fetch() { in_host timeout 5 busybox wget -q -O - "http://$1:18080/"; }
wait_until 15 fetch 127.0.0.1 || fail "published port 18080 does not answer"
[ "$(fetch 127.0.0.1)" = "served from inside the container $SF_ID" ] || fail "wrong page on 127.0.0.1:18080"
[ "$(fetch 198.51.100.1)" = "served from inside the container $SF_ID" ] || fail "wrong page on 198.51.100.1:18080"
grep -q -- "--api-socket" "$SF_TMP/argv.log" || fail "Podman did not pass --api-socket: $(cat "$SF_TMP/argv.log")"
pass "-p 18080:80 with port_handler=slirp4netns, through the API socket"

pm rm -f -t 0 "$name" >/dev/null || fail "podman rm failed"
wait_until 5 bash -c "! ip netns exec $SF_HOST_NS ss -Hltn 'sport = :18080' | grep >/dev/null ." ||
	fail "port 18080 still open after the container was removed"
pass "the helper exited with the container and the port closed"
