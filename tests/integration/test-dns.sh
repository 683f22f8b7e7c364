#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# DNS to 10.0.2.3 is answered (relayed to the host namespace's resolver); --disable-dns turns it off.
. "$(dirname "$0")/../lib/topology.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss
topo_setup
topo_start_servers
topo_start_helper $(podman_args)
in_cont timeout 5 busybox nslookup web.example 10.0.2.3 | grep >/dev/null 203.0.113.10 || fail "web.example did not resolve through 10.0.2.3"
[ "$(http_get http://web.example/)" = "$SF_HTTP_BODY" ] || fail "fetch by name failed"
grep -q 'query\[A\] web.example' "$SF_TMP/dnsmasq.log" || fail "the upstream never saw the query"
pass "DNS through 10.0.2.3"
topo_stop_helper

topo_start_helper --disable-dns $(podman_args)
in_cont timeout 5 busybox nslookup web.example 10.0.2.3 >/dev/null 2>&1 && fail "10.0.2.3 still answers with --disable-dns"
pass "--disable-dns"
topo_stop_helper
