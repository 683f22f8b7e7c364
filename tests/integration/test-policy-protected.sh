#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Protected ranges and fail-closed parsing (issue 3): with `allow any to 0.0.0.0/0` and
# `allow any to ::/0`, host loopback (10.0.2.2), cloud metadata (169.254.169.254) and multicast
# stay refused; raw frames written to the tap (an IPv4 fragment, GRE, IPv4 options, spoofed
# sources) are dropped and counted. Listeners on each target and a capture on the test
# internet's veth prove that nothing arrived, and controls prove the listeners would have seen it.
. "$(dirname "$0")/../lib/topology.sh"
. "$(dirname "$0")/policy-lib.sh"
topo_require_root_and_tools socat ss python3 ping tcpdump
topo_setup

# host loopback: a TCP and a UDP listener on the host namespace's 127.0.0.1
bg_in "$SF_HOST_NS" "$SF_TMP/loop-tcp.log" socat -d -d TCP4-LISTEN:8081,bind=127.0.0.1,fork,reuseaddr SYSTEM:'echo host-loopback-reached'
bg_in "$SF_HOST_NS" "$SF_TMP/loop-udp.log" socat -u UDP4-RECV:8082,bind=127.0.0.1 OPEN:"$SF_TMP/loop-udp.got",creat,append
# cloud metadata: 169.254.169.254 in the test internet, routed from the host namespace
ip -n "$SF_INET_NS" addr add 169.254.169.254/32 dev lo
ip -n "$SF_HOST_NS" route add 169.254.169.254/32 via 198.51.100.254
bg_in "$SF_INET_NS" "$SF_TMP/meta.log" socat -d -d TCP4-LISTEN:80,bind=169.254.169.254,fork,reuseaddr SYSTEM:'echo metadata-reached'
# multicast: a member of 224.0.0.251 on the test internet's veth (mDNS port)
bg_in "$SF_INET_NS" "$SF_TMP/mcast.log" socat -u UDP4-RECV:5353,ip-add-membership=224.0.0.251:i0,reuseaddr OPEN:"$SF_TMP/mcast.got",creat,append
wait_until 5 port_listening "$SF_HOST_NS" t 8081 || fail "loopback TCP listener"
wait_until 5 port_listening "$SF_HOST_NS" u 8082 || fail "loopback UDP listener"
wait_until 5 port_listening "$SF_INET_NS" t 80 || fail "metadata listener"
wait_until 5 port_listening "$SF_INET_NS" u 5353 || fail "multicast listener"

# IPv6 without the waits that are not under test (DAD, the first RS's delay): tap0 inherits these
in_cont sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.router_solicitation_delay=0
SF_POLICY=$(write_policy wide 'allow any to 0.0.0.0/0' 'allow any to ::/0')
SF_AUDIT_LOG=$SF_TMP/audit.log
SF_API=$SF_TMP/api.sock
capture_start out "src host 198.51.100.1 or src host 2001:db8:1::1"
# without --disable-host-loopback: libslirp itself would forward 10.0.2.2 to 127.0.0.1
topo_start_helper -6 --enable-sandbox --enable-seccomp -c -r 3 -e 4 -a "$SF_API" \
	--netns-type=path "/run/netns/$SF_CONT_NS" tap0

# ---- protected destinations ----
expect_refused_fast "$(probe_cont tcp 10.0.2.2 8081)" "TCP to the host's loopback (10.0.2.2:8081)"
expect_result "$(probe_cont udp 10.0.2.2 8082 --send "loop-$SF_ID")" EHOSTUNREACH "UDP to the host's loopback (10.0.2.2:8082)"
expect_refused_fast "$(probe_cont tcp 169.254.169.254 80)" "TCP to the metadata address"
probe_cont udp 224.0.0.251 5353 --send "mcast-$SF_ID" --timeout 1 >/dev/null
wait_until 10 has_fd00 || fail "no fd00::/64 address from router advertisements"
probe_cont udp ff02::fb%tap0 5353 --send "mcast6-$SF_ID" --timeout 1 >/dev/null
probe_cont udp ff05::fb 5353 --send "mcast6s-$SF_ID" --timeout 1 >/dev/null
in_cont ping -c1 -W1 169.254.169.254 >/dev/null 2>&1 && fail "ping to 169.254.169.254 answered"
expect_audit 1 "host loopback TCP" event=flow verdict=deny reason=protected "range=host loopback" proto=tcp dst=10.0.2.2 dport=8081
expect_audit 1 "host loopback UDP" event=flow verdict=deny reason=protected "range=host loopback" proto=udp dst=10.0.2.2 dport=8082
expect_audit 1 "metadata TCP" event=flow verdict=deny reason=protected range=link-local proto=tcp dst=169.254.169.254 dport=80
expect_audit 1 "metadata ICMP" event=flow verdict=deny reason=protected range=link-local proto=icmp dst=169.254.169.254
expect_audit 1 "multicast UDP" event=flow verdict=deny reason=protected range=multicast proto=udp dst=224.0.0.251 dport=5353
expect_audit 1 "IPv6 link-local multicast UDP" event=flow verdict=deny reason=protected range=multicast proto=udp dst=ff02::fb dport=5353
expect_audit 1 "IPv6 site multicast UDP" event=flow verdict=deny reason=protected range=multicast proto=udp dst=ff05::fb dport=5353
pass "host loopback, 169.254.169.254, 224.0.0.251, ff02::fb and ff05::fb refused with allow any to 0.0.0.0/0 and ::/0, each audited as protected"

# ---- raw frames on the tap ----
in_cont ping -c1 -W2 10.0.2.2 >/dev/null || fail "ping to the gateway fails"
gw_mac=$(ip -n "$SF_CONT_NS" neigh show 10.0.2.2 dev tap0 | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }')
[ -n "$gw_mac" ] || fail "no neighbour entry for the gateway"
raw() { in_cont timeout 10 python3 "$SF_RAWFRAME" --ifname tap0 --gw-mac "$gw_mac" "$@" >/dev/null; }
before=$(api '{"execute":"get_counters"}')
raw fragment --dst 203.0.113.10 --dport 40001 --payload "frag-$SF_ID"
raw gre --dst 203.0.113.10 --dport 40002 --payload "gre-$SF_ID"
raw options --dst 203.0.113.10 --dport 40003 --payload "opts-$SF_ID"
raw syn --src 10.0.2.77 --dst 203.0.113.10 --dport 40004
raw syn --src 198.51.100.77 --dst 203.0.113.10 --dport 40005
# the control: the same path with a well-formed datagram, which the policy allows
raw udp --dst 203.0.113.10 --dport 40000 --payload "control-$SF_ID"
wait_until 5 capture_has '> 203\.0\.113\.10\.40000: UDP' || fail "the control datagram written to the tap did not arrive"
after=$(api '{"execute":"get_counters"}')
delta() { echo $(( $(echo "$after" | jget "return.drops.$1") - $(echo "$before" | jget "return.drops.$1") )); }
[ "$(delta fragment)" -eq 2 ] || fail "drops.fragment rose by $(delta fragment), not 2: $before -> $after"
[ "$(delta unsupported-protocol)" -eq 1 ] || fail "drops.unsupported-protocol rose by $(delta unsupported-protocol), not 1: $after"
[ "$(delta ip-options)" -eq 1 ] || fail "drops.ip-options rose by $(delta ip-options), not 1: $after"
[ "$(delta spoofed)" -eq 2 ] || fail "drops.spoofed rose by $(delta spoofed), not 2: $after"
pass "raw frames: 2 fragments, 1 GRE, 1 with IP options and 2 spoofed SYNs dropped and counted"

# ---- nothing arrived ----
sleep 0.3
capture_stop
expect_not_captured '> 203\.0\.113\.10\.4000[1-5]' "a raw frame (fragment, options, spoofed SYN)"
expect_not_captured 'GRE|proto GRE|ip-proto-47' "the GRE packet"
expect_not_captured '> 169\.254\.169\.254' "traffic to the metadata address"
expect_not_captured '> 224\.0\.0\.251|> ff0[0-9a-f]::' "multicast"
[ ! -s "$SF_TMP/loop-udp.got" ] || fail "the host's loopback UDP listener got: $(cat "$SF_TMP/loop-udp.got")"
[ ! -s "$SF_TMP/mcast.got" ] || fail "the multicast listener got: $(cat "$SF_TMP/mcast.got")"
grep -q 'accepting connection' "$SF_TMP/loop-tcp.log" && fail "the host's loopback listener accepted a connection"
grep -q 'accepting connection' "$SF_TMP/meta.log" && fail "the metadata listener accepted a connection"
pass "nothing reached the listeners or the test internet"

# ---- controls: each listener logs what does reach it ----
got=$(in_host timeout 5 socat -t 2 - TCP:127.0.0.1:8081 </dev/null) || true
[ "$got" = host-loopback-reached ] || fail "control: the host loopback listener does not answer: $got"
grep -q 'accepting connection' "$SF_TMP/loop-tcp.log" || fail "control: the loopback listener does not log connections"
echo "loopctl-$SF_ID" | in_host socat -u - UDP4:127.0.0.1:8082
wait_until 3 grep -q "loopctl-$SF_ID" "$SF_TMP/loop-udp.got" || fail "control: the loopback UDP listener does not record datagrams"
got=$(in_host timeout 5 socat -t 2 - TCP:169.254.169.254:80 </dev/null) || true
[ "$got" = metadata-reached ] || fail "control: the metadata listener is not reachable from the host namespace: $got"
grep -q 'accepting connection' "$SF_TMP/meta.log" || fail "control: the metadata listener does not log connections"
echo "mcastctl-$SF_ID" | in_host socat -u - UDP4-DATAGRAM:224.0.0.251:5353
wait_until 3 grep -q "mcastctl-$SF_ID" "$SF_TMP/mcast.got" || fail "control: multicast from the host namespace does not reach the listener"
pass "controls: every listener is reachable from the host namespace and logs it"

c=$(api '{"execute":"get_counters"}')
[ "$(echo "$c" | jget return.denied_by_reason.protected)" -eq "$(audit_count event=flow verdict=deny reason=protected)" ] ||
	fail "denied_by_reason.protected does not match the audit log: $c"
topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "helper exited $SF_HELPER_RC"
