#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The exact argv shapes Podman 4.3-4.5 (-e 3 -r 4) and 4.6+/5 (-r 3 -e 4) pass.
. "$(dirname "$0")/../lib/topology.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss
topo_setup
topo_start_servers
api=$SF_TMP/api.sock
# Podman 4.3.1
topo_start_helper --ready-at 4 --exit-at 3 --disable-host-loopback --mtu=65520 --enable-sandbox \
	--enable-seccomp --enable-ipv6 -c -e 3 -r 4 --api-socket "$api" --netns-type=path "/run/netns/$SF_CONT_NS" tap0
[ "$(http_get http://203.0.113.10/)" = "$SF_HTTP_BODY" ] || fail "Podman 4.3 argv: HTTP failed"
topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "Podman 4.3 argv: exit $SF_HELPER_RC"
pass "Podman 4.3 argv"
# Podman 4.6+ and 5.x
topo_start_helper --disable-host-loopback --mtu=65520 --enable-sandbox --enable-seccomp --enable-ipv6 \
	-c -r 3 -e 4 --netns-type=path "/run/netns/$SF_CONT_NS" tap0
[ "$(http_get http://203.0.113.10/)" = "$SF_HTTP_BODY" ] || fail "Podman 5 argv: HTTP failed"
topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "Podman 5 argv: exit $SF_HELPER_RC"
pass "Podman 4.6+/5 argv"
