#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --macaddress sets the tap's MAC (with -c), and the network works with it.
. "$(dirname "$0")/../lib/topology.sh"
topo_require_root_and_tools ss
topo_setup
topo_start_helper --macaddress=02:11:22:33:44:55 $(podman_args)
ip -n "$SF_CONT_NS" link show tap0 | grep >/dev/null 'link/ether 02:11:22:33:44:55' || fail "MAC not set"
in_cont ping -c1 -W2 10.0.2.2 >/dev/null || fail "gateway unreachable with the new MAC"
pass "--macaddress"
topo_stop_helper
