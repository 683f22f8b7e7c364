#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Issue 13 item 4: the upstream sees a canonical query, never the container's covert bits.
#
# Documented behaviour checked (docs/policy.md "DNS queries", slirp-filter/dns-query.c):
# - the query an upstream receives is built by slirp-filter: the name in lower case whatever
#   case the container used (0x20), RD set and no other flag, EDNS version 0 with UDP size
#   1232, no DO bit and no options (the container's COOKIE, client subnet, CD, AD are not
#   forwarded); the container gets its own letter case back in the question and the owners;
# - query types outside the forwarded list (NULL, SPF, private-use) are answered REFUSED,
#   never forwarded, and audit-logged as qtype-not-allowed; `dns allow-qtypes` widens the list.
. "$(dirname "$0")/../lib/topology.sh"
topo_require_root_and_tools busybox socat dnsmasq ss python3 dig
topo_setup
topo_start_servers
H=$(cd "$(dirname "$0")" && pwd)/hostile.py
ip -n "$SF_INET_NS" addr add 203.0.113.55/32 dev lo
WIRE=$SF_TMP/wire.log
: >"$WIRE"
# a logging upstream: every datagram it receives, in hex; answers 203.0.113.10 echoing the question
bg_in "$SF_INET_NS" "$SF_TMP/upstream.log" python3 "$H" dns-server --bind 203.0.113.55 --seconds 60 --log "$WIRE"
wait_until 5 grep -q '^listening' "$SF_TMP/upstream.log" || fail "the upstream did not start: $(cat "$SF_TMP/upstream.log")"

SF_AUDIT_LOG=$SF_TMP/audit.jsonl
SF_POLICY=$(write_policy canon 'upstream 203.0.113.55' 'allow tcp to *.canon.example port 80' \
	'dns allow-qtypes TYPE65280')
topo_start_helper $(podman_args)
cdig() { in_cont dig +time=3 +tries=1 "$@"; }

# every covert bit dig can set: 0x20 case, CD, AD, DO, a cookie, a client subnet, EDNS size 4000
out=$(cdig @10.0.2.3 WwW.CaNoN.ExAmPlE A +cdflag +adflag +dnssec +cookie=0102030405060708 \
	+subnet=198.51.100.0/24 +bufsize=4000 +ednsopt=65001:4242) || fail "dig failed: $out"
echo "$out" | grep >/dev/null 'status: NOERROR' || fail "the allowed name was not answered: $out"
echo "$out" | grep >/dev/null -E '^;WwW\.CaNoN\.ExAmPlE\.\s+IN\s+A' || fail "the question's case was not restored: $out"
echo "$out" | grep >/dev/null -E '^WwW\.CaNoN\.ExAmPlE\.\s+[0-9]+\s+IN\s+A\s+203\.0\.113\.10' ||
	fail "the answer's owner is not in the asked case: $out"
[ "$(wc -l <"$WIRE")" -eq 1 ] || fail "the upstream got $(wc -l <"$WIRE") datagrams: $(cat "$WIRE")"
# id (random) | flags RD | 1 question, 0, 0, 1 additional | www.canon.example A IN | OPT: root,
# type 41, size 1232, rcode/version/flags 0, no options
want=01000001000000000001037777770563616e6f6e076578616d706c65000001000100002904d0000000000000
got=$(cut -c5- "$WIRE")
[ "$got" = "$want" ] || fail "the upstream received
  $got
instead of the canonical
  $want"
pass "the upstream receives only the canonical query (lower case, RD, bare EDNS 1232); the client gets its case back"

# query types real software does not use: REFUSED here, never forwarded, audited
for t in NULL SPF TYPE65281 HINFO; do
	out=$(cdig @10.0.2.3 data.canon.example $t) || true
	echo "$out" | grep >/dev/null 'status: REFUSED' || fail "qtype $t was not refused: $out"
done
[ "$(wc -l <"$WIRE")" -eq 1 ] || fail "a refused qtype reached the upstream: $(cat "$WIRE")"
for t in NULL SPF TYPE65281 HINFO; do
	grep '"event":"dns"' "$SF_AUDIT_LOG" | grep >/dev/null "\"verdict\":\"deny\",\"reason\":\"qtype-not-allowed\".*\"name\":\"data.canon.example\",\"qtype\":\"$t\"" ||
		fail "no audit record of the refused $t query: $(grep '"dns"' "$SF_AUDIT_LOG")"
done
pass "NULL, SPF, TYPE65281 and HINFO are refused locally, never forwarded, and audited"

out=$(cdig @10.0.2.3 data.canon.example TYPE65280) || true
echo "$out" | grep >/dev/null 'status: NOERROR' || fail "the widened qtype TYPE65280 was not forwarded: $out"
grep -q 'ff000001' "$WIRE" || fail "the upstream did not see the TYPE65280 query: $(cat "$WIRE")"
out=$(cdig @10.0.2.3 www.canon.example TXT) || true
echo "$out" | grep >/dev/null 'status: NOERROR' || fail "TXT (in the built-in list) was not forwarded: $out"
pass "'dns allow-qtypes TYPE65280' forwards that type; the built-in list (TXT) still works"

topo_stop_helper
