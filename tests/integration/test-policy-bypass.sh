#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The failure that started this project: a container whose policy allows only a web server
# must not reach a resolver of its own choosing, directly, on UDP 53, TCP 53, 853 (DoT) or
# 443 (DoH), over IPv4 or IPv6; nor the host's own resolver directly, even with a policy that
# allows every address. The rogue servers' logs and a capture prove nothing arrived.
. "$(dirname "$0")/../lib/topology.sh"
. "$(dirname "$0")/policy-lib.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss python3 nc tcpdump
topo_setup
topo_start_servers

# ---- the unauthorised resolver, 203.0.113.99 and 2001:db8::99: DNS on 53, TLS-ish on 853 and 443 ----
ip -n "$SF_INET_NS" addr add 2001:db8::99/128 dev lo
# IPv6 without the waits that are not under test (DAD, the first RS's delay): tap0 inherits these
in_cont sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.router_solicitation_delay=0
bg_in "$SF_INET_NS" "$SF_TMP/rogue-dns.out" dnsmasq -k --conf-file=/dev/null --no-resolv \
	--no-hosts --user=root --group=root --bind-interfaces --listen-address=203.0.113.99 \
	--listen-address=2001:db8::99 --port=53 --address=/#/203.0.113.10 \
	--log-queries --log-facility="$SF_TMP/rogue-dns.log" --pid-file=
for port in 853 443; do
	bg_in "$SF_INET_NS" "$SF_TMP/rogue-$port.log" socat -d -d TCP6-LISTEN:$port,ipv6only=0,fork,reuseaddr \
		SYSTEM:'echo rogue-reached'
done
rogue_dns_up() { grep -q "query\[A\] rogue-ready-$SF_ID" "$SF_TMP/rogue-dns.log"; }
wait_until 5 port_listening "$SF_INET_NS" t 853 || fail "rogue 853 did not start"
wait_until 5 port_listening "$SF_INET_NS" t 443 || fail "rogue 443 did not start"
rogue_answers() { in_inet python3 "$SF_PROBE" udp "$1" 53 --dns "rogue-ready-$SF_ID.example" | grep >/dev/null '^ok '; }
wait_until 5 rogue_answers 203.0.113.99 || fail "the rogue resolver does not answer on 203.0.113.99"
wait_until 5 rogue_answers 2001:db8::99 || fail "the rogue resolver does not answer on 2001:db8::99"
wait_until 3 rogue_dns_up || fail "the rogue resolver does not log queries"
rogue_touched() { # anything but the readiness checks in the rogue servers' logs
	grep -E 'query\[' "$SF_TMP/rogue-dns.log" | grep -v "rogue-ready-$SF_ID" ||
		grep -h 'accepting connection' "$SF_TMP/rogue-853.log" "$SF_TMP/rogue-443.log"
}

# ---- phase 1: a policy that allows only the web server ----
SF_POLICY=$(write_policy webonly 'allow tcp to 203.0.113.10 port 80' 'allow tcp to 2001:db8::10 port 80')
SF_AUDIT_LOG=$SF_TMP/audit1.log
capture_start phase1 'src host 198.51.100.1 or src host 2001:db8:1::1'
topo_start_helper -6 $(podman_args)
wait_until 10 has_fd00 || fail "no fd00::/64 address from router advertisements"
[ "$(http_get http://203.0.113.10/)" = "$SF_HTTP_BODY" ] || fail "the allowed web server is unreachable"

for dst in 203.0.113.99 2001:db8::99; do
	if [ "$dst" = 203.0.113.99 ]; then icmp_err=EHOSTUNREACH; fam=-4; else icmp_err=EACCES; fam=-6; fi
	# UDP 53: a real DNS query; the refusal comes back as ICMP administratively prohibited
	expect_result "$(probe_cont udp "$dst" 53 --dns "bypass-udp-$SF_ID.example")" "$icmp_err" "DNS over UDP to $dst"
	in_cont timeout 5 busybox nslookup "bypass-nslookup-$SF_ID.example" "$dst" >"$SF_TMP/nslookup.out" 2>&1 &&
		fail "nslookup via $dst answered: $(cat "$SF_TMP/nslookup.out")"
	# TCP 53: the check from the issue, word for word
	if in_cont nc -zv -w 3 "$fam" "$dst" 53 >"$SF_TMP/nc.out" 2>&1; then
		fail "nc -zv $dst 53 connected: $(cat "$SF_TMP/nc.out")"
	fi
	grep -q 'Connection refused' "$SF_TMP/nc.out" || fail "nc -zv $dst 53 failed without an RST: $(cat "$SF_TMP/nc.out")"
	expect_refused_fast "$(probe_cont tcpdns "$dst" 53 "bypass-tcp-$SF_ID.example")" "DNS over TCP to $dst"
	expect_refused_fast "$(probe_cont tcp "$dst" 853)" "DNS over TLS to $dst:853"
	expect_refused_fast "$(probe_cont tcp "$dst" 443)" "HTTPS (DoH) to $dst:443"
	expect_audit 1 "UDP $dst:53" event=flow verdict=deny reason=default-deny proto=udp dst=$dst dport=53
	expect_audit 2 "TCP $dst:53" event=flow verdict=deny reason=default-deny proto=tcp dst=$dst dport=53
	expect_audit 1 "TCP $dst:853" event=flow verdict=deny reason=default-deny proto=tcp dst=$dst dport=853
	expect_audit 1 "TCP $dst:443" event=flow verdict=deny reason=default-deny proto=tcp dst=$dst dport=443
	pass "$dst: DNS on UDP 53, TCP 53 (nc -zv), 853 and 443 refused"
done

# the host's resolver, directly, under the same policy
expect_result "$(probe_cont udp 203.0.113.53 53 --dns "direct-udp1-$SF_ID.example")" EHOSTUNREACH "DNS over UDP to the host's resolver"
expect_refused_fast "$(probe_cont tcpdns 203.0.113.53 53 "direct-tcp1-$SF_ID.example")" "DNS over TCP to the host's resolver"

# a last allowed connection: once it is captured, everything sent before it has been too
[ "$(http_get http://203.0.113.10/)" = "$SF_HTTP_BODY" ] || fail "the allowed web server is unreachable at the end"
sleep 0.3
capture_stop
topo_stop_helper
capture_has '> 203\.0\.113\.10\.80: Flags \[S\]' || fail "the capture did not see the allowed HTTP connection"
expect_not_captured '> 203\.0\.113\.99|> 2001:db8::99' "phase 1, traffic to the unauthorised resolver"
expect_not_captured '> 203\.0\.113\.53' "phase 1, traffic to the host's resolver"
if rogue_touched; then fail "the unauthorised resolver's servers logged a query or connection"; fi
if grep -q "direct-\|bypass-" "$SF_TMP/dnsmasq.log"; then
	fail "the host's resolver logged a direct query: $(grep "direct-\|bypass-" "$SF_TMP/dnsmasq.log")"
fi
pass "nothing reached the unauthorised resolver or the host's resolver (server logs, capture)"

# ---- phase 2: allow every address; the host's resolver stays closed ----
SF_POLICY=$SF_ALLOW_ALL
SF_AUDIT_LOG=$SF_TMP/audit2.log
capture_start phase2 'src host 198.51.100.1 and dst host 203.0.113.53'
topo_start_helper $(podman_args)
expect_result "$(probe_cont udp 203.0.113.53 53 --dns "direct-udp2-$SF_ID.example")" EHOSTUNREACH "DNS over UDP to the host's resolver with allow-all"
expect_refused_fast "$(probe_cont tcpdns 203.0.113.53 53 "direct-tcp2-$SF_ID.example")" "DNS over TCP to the host's resolver with allow-all"
if in_cont nc -zv -w 3 203.0.113.53 53 >"$SF_TMP/nc.out" 2>&1; then
	fail "nc -zv 203.0.113.53 53 connected with allow-all: $(cat "$SF_TMP/nc.out")"
fi
expect_audit 1 "UDP to the host's resolver" event=flow verdict=deny reason=protected "range=host resolver" proto=udp dst=203.0.113.53 dport=53
expect_audit 2 "TCP to the host's resolver" event=flow verdict=deny reason=protected "range=host resolver" proto=tcp dst=203.0.113.53 dport=53
# controls: the same rogue servers are reachable, and log it, when the policy allows them,
# so phase 1's refusals and empty logs were the policy's doing
# connect only: socat's SYSTEM child races a client's half-close, so the reply text is not
# reliable; the server's own log line below proves the connection arrived
got=$(probe_cont tcp 203.0.113.99 443)
[ "$got" != "${got#ok }" ] || fail "allow-all did not reach 203.0.113.99:443: $got"
wait_until 3 grep -q 'accepting connection' "$SF_TMP/rogue-443.log" || fail "the rogue 443 server does not log connections"
got=$(probe_cont udp 203.0.113.99 53 --dns "control-$SF_ID.example")
[ "$got" != "${got#ok }" ] || fail "allow-all did not reach the rogue resolver on UDP 53: $got"
wait_until 3 grep -q "query\[A\] control-$SF_ID.example" "$SF_TMP/rogue-dns.log" || fail "the rogue resolver did not log the control query"
# control: the DNS address of the slirp network still resolves through the host's resolver
got=$(probe_cont udp 10.0.2.3 53 --dns "relay-$SF_ID.example")
[ "$got" != "${got#ok }" ] || fail "DNS through 10.0.2.3 failed: $got"
wait_until 3 grep -q "query\[A\] relay-$SF_ID.example" "$SF_TMP/dnsmasq.log" || fail "the host's resolver did not log the relayed query"
topo_stop_helper
capture_stop
capture_has "A\\? relay-$SF_ID\\.example" || fail "the capture did not see the relayed query"
expect_not_captured 'direct-' "phase 2, a direct query to the host's resolver"
expect_not_captured '> 203\.0\.113\.53\.53: Flags \[S' "phase 2, TCP to the host's resolver"
if grep -q "direct-" "$SF_TMP/dnsmasq.log"; then
	fail "the host's resolver logged a direct query: $(grep "direct-" "$SF_TMP/dnsmasq.log")"
fi
pass "the host's resolver refused directly on UDP/TCP 53 even with allow any to 0.0.0.0/0; reachable through 10.0.2.3"
