#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The in-process resolver: allowed names resolve and open their addresses; denied ones never leave.
. "$(dirname "$0")/../lib/topology.sh"
. "$(dirname "$0")/../lib/dns-upstream.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss dig
topo_setup
topo_start_servers
dns_upstream_start

SF_AUDIT_LOG=$SF_TMP/audit.jsonl
SF_POLICY=$(write_policy dns \
	'upstream 203.0.113.54' \
	'allow tcp to web.example port 80' \
	'allow tcp to alias.example port 80' \
	'allow tcp to bad-alias.example port 80' \
	'deny any to blocked.example' \
	'allow tcp to rebind-lo.example port 80' \
	'allow tcp to rebind-gw.example port 80' \
	'allow tcp to rebind-meta.example port 80' \
	'allow tcp to rebind-lan.example port 80' \
	'allow any to big.example' \
	'allow any to use-application-dns.net')
topo_start_helper -6 $(podman_args)
wait_until 10 bash -c "ip -n $SF_CONT_NS -6 addr show dev tap0 scope global | grep >/dev/null fd00"

# nothing is open before a lookup: no CIDR rule names the web server
http_get http://203.0.113.10/ >/dev/null 2>&1 && fail "203.0.113.10 reachable before any lookup"
got=$(cdig +short @10.0.2.3 web.example A) || fail "dig web.example failed"
[ "$got" = 203.0.113.10 ] || fail "web.example A answered \"$got\""
[ "$(http_get http://203.0.113.10/)" = "$SF_HTTP_BODY" ] || fail "the learned address does not connect on port 80"
tcp_echo 203.0.113.10 7 x >/dev/null 2>&1 && fail "the learned address is open on port 7 too"
grep '"event":"flow"' "$SF_AUDIT_LOG" | grep '"dst":"203.0.113.10"' | grep >/dev/null '"reason":"learned","rule":"[^"]*:2".*"name":"web.example"' ||
	fail "no audit record names web.example as the reason: $(grep flow "$SF_AUDIT_LOG")"
pass "an allowed name resolves over UDP and opens its address on the rule's port only"

got=$(cdig +short +tcp @10.0.2.3 web.example A) || fail "dig +tcp failed"
[ "$got" = 203.0.113.10 ] || fail "DNS over TCP answered \"$got\""
got=$(cdig +short @fd00::3 web.example AAAA) || fail "dig over IPv6 failed"
[ "$got" = 2001:db8::10 ] || fail "web.example AAAA via fd00::3 answered \"$got\""
got=$(cdig +short +tcp @fd00::3 web.example AAAA) || fail "dig +tcp over IPv6 failed"
[ "$got" = 2001:db8::10 ] || fail "DNS over TCP via fd00::3 answered \"$got\""
pass "DNS over TCP, and over IPv6 (UDP and TCP) on fd00::3"

# letter case is echoed (0x20), a final dot is fine
got=$(cdig @10.0.2.3 WeB.ExAmPlE. A | grep -E '^WeB\.ExAmPlE\.\s' | head -1)
[ -n "$got" ] || fail "the query's letter case was not echoed"
pass "0x20 letter case echoed"

# a denied name: NXDOMAIN, never forwarded; its address (looked up out of band) is refused
out=$(cdig @10.0.2.3 other.example A) || true
echo "$out" | grep >/dev/null 'status: NXDOMAIN' || fail "other.example was not NXDOMAIN: $out"
upstream_saw other.example && fail "the denied name other.example reached the upstream"
oob=$(in_inet dig +short @203.0.113.54 other.example A)
[ "$oob" = 203.0.113.11 ] || fail "out-of-band lookup gave \"$oob\""
http_get "http://$oob/" >/dev/null 2>&1 && fail "the denied name's address $oob is reachable"
grep '"event":"dns"' "$SF_AUDIT_LOG" | grep >/dev/null '"verdict":"deny","reason":"not-allowed".*"name":"other.example","qtype":"A"' ||
	fail "no audit record for the refused name"
pass "a denied name gets NXDOMAIN, is never forwarded, and its address stays closed"

out=$(cdig @10.0.2.3 secret-data-$RANDOM.web.example A) || true
echo "$out" | grep >/dev/null 'status: NXDOMAIN' || fail "a subdomain of an exact name was answered: $out"
grep -qi 'secret-data' "$SF_UPSTREAM_LOG" && fail "a random subdomain of web.example reached the upstream"
out=$(cdig @10.0.2.3 nothere.example A) || true
echo "$out" | grep >/dev/null 'status: NXDOMAIN' || fail "a nonexistent name was not NXDOMAIN"
pass "random subdomains of an allowed exact name and unknown names: NXDOMAIN, nothing forwarded"

out=$(cdig @10.0.2.3 web.example AXFR 2>&1) || true
echo "$out" | grep >/dev/null -E 'Transfer failed|REFUSED' || fail "a zone transfer was not refused: $out"
out=$(cdig @10.0.2.3 web.example ANY) || true
echo "$out" | grep >/dev/null 'status: REFUSED' || fail "ANY was not refused: $out"
upstream_saw web.example.*ANY && fail "ANY reached the upstream"
out=$(cdig @10.0.2.3 use-application-dns.net A) || true
echo "$out" | grep >/dev/null 'status: NXDOMAIN' || fail "the DoH canary was answered: $out"
pass "AXFR and ANY refused; use-application-dns.net NXDOMAIN"

# mDNS and other resolvers are flows like any other, and denied
in_cont timeout 5 dig +time=2 +tries=1 @224.0.0.251 -p 5353 web.local >/dev/null 2>&1 &&
	fail "an mDNS query was answered"
grep '"event":"flow"' "$SF_AUDIT_LOG" | grep >/dev/null '"verdict":"deny","reason":"protected","range":"multicast".*"dst":"224.0.0.251","dport":5353' ||
	fail "no audit record for the mDNS query"
pass "mDNS to 224.0.0.251:5353 refused"

# CNAME chains: followed and learned under the asked name; refused when they reach a denied name
got=$(cdig +short @10.0.2.3 alias.example A | tail -1)
[ "$got" = 203.0.113.12 ] || fail "alias.example did not resolve through its CNAME: \"$got\""
[ "$(http_get http://203.0.113.12/)" = "$SF_HTTP_BODY" ] || fail "the CNAME target's address is not open"
out=$(cdig @10.0.2.3 bad-alias.example A) || true
echo "$out" | grep >/dev/null 'status: NXDOMAIN' || fail "a CNAME into a denied name was answered: $out"
echo "$out" | grep >/dev/null 203.0.113.11 && fail "the denied CNAME target's address was returned"
http_get http://203.0.113.11/ >/dev/null 2>&1 && fail "the denied CNAME target's address is reachable"
pass "CNAME to an unlisted name is followed and learned; CNAME into a denied name is NXDOMAIN"

# rebinding: answers pointing into loopback, the gateway, metadata or a LAN are stripped
for n in rebind-lo rebind-gw rebind-meta rebind-lan; do
	got=$(cdig +short @10.0.2.3 $n.example A) || fail "dig $n.example failed"
	[ -z "$got" ] || fail "$n.example still answered \"$got\""
done
in_cont timeout 5 socat -T 2 - TCP:10.0.2.2:80,connect-timeout=2 </dev/null >/dev/null 2>&1 &&
	fail "10.0.2.2:80 reachable after a rebinding answer"
in_cont timeout 5 socat -T 2 - TCP:169.254.169.254:80,connect-timeout=2 </dev/null >/dev/null 2>&1 &&
	fail "169.254.169.254:80 reachable after a rebinding answer"
grep '"event":"dns"' "$SF_AUDIT_LOG" | grep >/dev/null '"verdict":"strip".*"name":"rebind-meta.example".*"stripped-first":"169.254.169.254"' ||
	fail "no audit record of the stripped metadata address"
pass "rebinding answers (127.0.0.1, 10.0.2.2, 169.254.169.254, 192.168.1.1) stripped and refused"

# a UDP answer too large for the client is truncated, and the TCP retry gets it whole
out=$(cdig +noedns +ignore @10.0.2.3 big.example TXT) || fail "dig big.example failed"
echo "$out" | grep >/dev/null 'flags:.* tc' || fail "a 600-byte answer to a 512-byte client was not truncated: $out"
got=$(cdig +noedns +short @10.0.2.3 big.example TXT)
[ "$(echo "$got" | grep -o x | wc -l)" -eq 600 ] || fail "the TCP retry did not return the whole TXT record: $got"
pass "truncated over UDP, complete over the TCP retry"

# a second lookup is answered from the cache (the upstream sees web.example A once)
cdig +short @10.0.2.3 web.example A >/dev/null
n=$(grep -c 'query\[A\] web.example from 198.51.100.1' "$SF_UPSTREAM_LOG")
[ "$n" -eq 1 ] || fail "web.example A reached the upstream $n times (cache): $(cat "$SF_UPSTREAM_LOG")"
pass "repeated lookups are answered from the cache"

topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "helper exited $SF_HELPER_RC"
