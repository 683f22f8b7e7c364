#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --mtu sets the tap's MTU and libslirp's, and big transfers survive both sizes.
. "$(dirname "$0")/../lib/topology.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss
topo_setup
topo_start_servers
for mtu in 1500 9000 65520; do
	topo_start_helper --mtu=$mtu -c -r 3 -e 4 --netns-type=path "/run/netns/$SF_CONT_NS" tap0
	ip -n "$SF_CONT_NS" link show tap0 | grep >/dev/null "mtu $mtu " || fail "tap0 MTU is not $mtu"
	in_cont timeout 20 busybox wget -q -O "$SF_TMP/big.got" http://203.0.113.10/big.bin || fail "download at MTU $mtu failed"
	cmp -s "$SF_TMP/big.got" "$SF_TMP/www/big.bin" || fail "download at MTU $mtu corrupted"
	# the TCP MSS the container negotiates follows the MTU libslirp was given
	topo_stop_helper
	pass "--mtu=$mtu"
done
