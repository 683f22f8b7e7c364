#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Tap offloads (slirp-filter/offload.c): the guest sends TSO frames (IPv4) and partial checksums,
# libslirp's segments reach it merged, the MSS it is offered is clamped, data survives
# both ways at both MTUs and both families, and a virtio-net header that does not match
# its frame (sent through a packet socket with PACKET_VNET_HDR) is dropped and counted.
# The helper runs confined (sandbox and seccomp), as Podman runs it.
. "$(dirname "$0")/../lib/topology.sh"
. "$(dirname "$0")/policy-lib.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss python3 cmp tcpdump
topo_setup
topo_start_servers
SF_API=$SF_TMP/api.sock
in_cont sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.router_solicitation_delay=0
head -c $((24 * 1024 * 1024)) /dev/urandom > "$SF_TMP/up.bin"

# the send MSS of a connection the container opens to ADDR port 7 (the echo server)
send_mss() {
	in_cont python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 7), timeout=5)
print(s.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG))' "$1"
}

# uploads up.bin to ADDR through a sink in the internet namespace, then compares
upload() { # ADDR PORT
	local got=$SF_TMP/up.got.$2
	bg_in "$SF_INET_NS" "$SF_TMP/sink.$2.log" socat -u "TCP6-LISTEN:$2,ipv6only=0,reuseaddr" "OPEN:$got,creat,trunc"
	wait_until 5 port_listening "$SF_INET_NS" t "$2" || fail "the sink on port $2 did not start"
	local target=$1
	case $1 in *:*) target="[$1]" ;; esac
	in_cont timeout 30 socat -u "OPEN:$SF_TMP/up.bin" "TCP:$target:$2" || fail "upload to $1 failed"
	wait_until 10 cmp -s "$got" "$SF_TMP/up.bin" || fail "upload to $1 arrived corrupted or short"
}

port=9300
for mtu in 1500 65520; do
	topo_start_helper -6 --mtu=$mtu $(confine_args) -a "$SF_API" -c -r 3 -e 4 --netns-type=path "/run/netns/$SF_CONT_NS" tap0
	wait_until 10 has_fd00 || fail "no IPv6 address on tap0"
	[ "$(counter return.tap.offloads)" = True ] || fail "offloads are off: $(api '{"execute":"get_counters"}')"
	[ "$(counter return.tap.mss_clamp)" = 8960 ] || fail "no MSS clamp"
	for addr in 203.0.113.10 2001:db8::10; do
		url=http://203.0.113.10/big.bin
		[ "$addr" = 2001:db8::10 ] && url="http://[2001:db8::10]/big.bin"
		in_cont timeout 20 busybox wget -q -O "$SF_TMP/big.got" "$url" || fail "download from $addr at MTU $mtu failed"
		cmp -s "$SF_TMP/big.got" "$SF_TMP/www/big.bin" || fail "download from $addr at MTU $mtu corrupted"
		port=$((port + 1))
		upload "$addr" $port
	done
	merged=$(counter return.tap.segments_merged)
	gso=$(counter return.tap.gso_frames_in)
	[ "$(counter return.tap.offload_dropped)" = 0 ] || fail "frames dropped for their virtio-net header"
	if [ $mtu = 1500 ]; then
		# the container sent frames larger than its MTU (TSO), and got merged ones
		[ "$gso" -gt 100 ] || fail "no TSO frames from the container at MTU 1500 ($gso)"
		[ "$merged" -gt 100 ] || fail "libslirp's segments were not merged at MTU 1500 ($merged)"
		[ "$(send_mss 203.0.113.10)" = 1460 ] || fail "the MSS at MTU 1500 is not 1460"
		[ "$(send_mss 2001:db8::10)" = 1440 ] || fail "the IPv6 MSS at MTU 1500 is not 1440"
	else
		# libslirp offers 65480; the clamp keeps the container's TSO frames multi-segment.
		# No TSO for IPv6 (libslirp refuses IPv6 packets above its MTU): no clamp there.
		mss=$(send_mss 203.0.113.10)
		[ "$mss" = 8960 ] || fail "the MSS at MTU 65520 is $mss, not the clamp 8960"
		mss=$(send_mss 2001:db8::10)
		[ "$mss" -gt 8960 ] || fail "the IPv6 MSS at MTU 65520 is clamped ($mss)"
	fi
	pass "MTU $mtu: data intact both ways over IPv4 and IPv6 (TSO frames in: $gso, segments merged: $merged)"
	topo_stop_helper
done

# --disable-offload: frame by frame, as slirp4netns
topo_start_helper --mtu=1500 --disable-offload $(confine_args) -a "$SF_API" -c -r 3 -e 4 \
	--netns-type=path "/run/netns/$SF_CONT_NS" tap0
[ "$(counter return.tap.offloads)" = False ] || fail "--disable-offload left the offloads on"
[ "$(counter return.tap.mss_clamp)" = 0 ] || fail "--disable-offload left the MSS clamp on"
in_cont timeout 20 busybox wget -q -O "$SF_TMP/big.got" http://203.0.113.10/big.bin || fail "download without offloads failed"
cmp -s "$SF_TMP/big.got" "$SF_TMP/www/big.bin" || fail "download without offloads corrupted"
port=$((port + 1))
upload 203.0.113.10 $port
[ "$(counter return.tap.gso_frames_in)" = 0 ] || fail "TSO frames arrived with --disable-offload"
[ "$(counter return.tap.segments_merged)" = 0 ] || fail "segments were merged with --disable-offload"
topo_stop_helper
pass "--disable-offload: data intact both ways, no TSO frames, nothing merged"

# checksum requests the kernel lets through (it refuses one inside the IP header)
# that do not point at the TCP checksum field
SF_POLICY=$(write_policy offload 'allow tcp to 203.0.113.10 port 7')
topo_start_helper $(confine_args) -a "$SF_API" -c -r 3 -e 4 --netns-type=path "/run/netns/$SF_CONT_NS" tap0
tcp_echo 203.0.113.10 7 warm >/dev/null || fail "echo through the helper"
GW_MAC=$(ip -n "$SF_CONT_NS" neigh show 10.0.2.2 | awk '{ print $5; exit }')
[ -n "$GW_MAC" ] || fail "no neighbour entry for the gateway"
raw() { in_cont python3 "${SF_PROBE%/*}/rawframe.py" --gw-mac "$GW_MAC" syn --dst 203.0.113.10 --dport 7 "$@" >/dev/null; }
a0=$(counter return.flows.allowed)
capture_start syn 'tcp port 7 and tcp[tcpflags] & tcp-syn != 0'
raw --vnet-csum 38:12 --sport 40001
raw --vnet-csum 34:6 --sport 40002
wait_until 5 test "$(counter return.tap.offload_dropped)" = 2 || fail "mismatched checksum requests not dropped: $(counter return.tap.offload_dropped)"
[ "$(counter return.flows.allowed)" = "$a0" ] || fail "a frame with a mismatched checksum request reached the filter"
sleep 0.5
capture_has 'Flags \[S\]' && fail "a SYN with a mismatched checksum request reached the server"
# the control: the right request, a garbage checksum the helper must replace
raw --vnet-csum 34:16 --sport 40003
wait_until 5 test "$(counter return.flows.allowed)" -gt "$a0" || fail "a good checksum request was dropped"
# libslirp checks the checksum: it connects to the server only if the helper computed it
wait_until 5 capture_has '> 203\.0\.113\.10\.7: Flags \[S\]' ||
	fail "the SYN with a completed checksum did not reach the server: $(cat "$SF_CAPTURE_FILE")"
capture_stop
[ "$(counter return.tap.offload_dropped)" = 2 ] || fail "the good request was dropped"
pass "mismatched virtio-net checksum requests are dropped and counted; a good one is completed"
