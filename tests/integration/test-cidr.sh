#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --cidr moves every address: guest +100, gateway +2, DNS +3; traffic still flows.
. "$(dirname "$0")/../lib/topology.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss
topo_setup
topo_start_servers
echo "nameserver 10.5.0.3" > "/etc/netns/$SF_CONT_NS/resolv.conf"
topo_start_helper --cidr=10.5.0.0/16 -c -r 3 -e 4 --netns-type=path "/run/netns/$SF_CONT_NS" tap0
ip -n "$SF_CONT_NS" -4 addr show dev tap0 | grep >/dev/null 'inet 10.5.0.100/16' || fail "tap0 is not 10.5.0.100/16"
ip -n "$SF_CONT_NS" route show default | grep >/dev/null 'via 10.5.0.2' || fail "default route not via 10.5.0.2"
in_cont ping -c1 -W2 10.5.0.2 >/dev/null || fail "10.5.0.2 does not answer"
[ "$(http_get http://203.0.113.10/)" = "$SF_HTTP_BODY" ] || fail "HTTP through the moved network failed"
in_cont timeout 5 busybox nslookup web.example 10.5.0.3 | grep >/dev/null 203.0.113.10 || fail "DNS at 10.5.0.3 failed"
pass "--cidr=10.5.0.0/16"
topo_stop_helper
