#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A policy chosen by an environment variable on the `podman run` line holds the container to it (rootful Podman).
. "$(dirname "$0")/lib.sh"
podman_setup
ip -n "$SF_INET_NS" addr add 203.0.113.11/32 dev lo

pol=$(write_policy podman \
	'allow tcp to web.example port 80' \
	'allow udp to 203.0.113.10 port 7')
audit=$SF_TMP/podman-audit.jsonl
script='
	echo "-- allowed name"; timeout 10 nslookup web.example 10.0.2.3
	echo "-- fetch by name"; timeout 10 wget -q -O - http://web.example/ && echo FETCH-OK
	echo "-- denied name"; timeout 10 nslookup denied.example 10.0.2.3 || echo NXDOMAIN-OK
	echo "-- other port"; timeout 5 nc 203.0.113.10 7 </dev/null && echo PORT7-REACHED || echo PORT7-REFUSED
	echo "-- other address"; timeout 10 wget -q -O - http://203.0.113.11/ && echo OTHER-REACHED || echo OTHER-REFUSED
	echo "-- host resolver"; timeout 5 nslookup web.example 203.0.113.53 && echo HOSTDNS-REACHED || echo HOSTDNS-REFUSED'
out=$(SLIRP_FILTER_POLICY=$pol SLIRP_FILTER_AUDIT_LOG=$audit \
	pm run --rm --network slirp4netns --rootfs "$SF_ROOTFS" sh -c "$script" 2>&1) || true
echo "$out"
echo "$out" | grep -A3 "^Name:.*web.example" | grep >/dev/null 203.0.113.10 || fail "the allowed name did not resolve"
echo "$out" | grep >/dev/null -x FETCH-OK || fail "the allowed name could not be fetched"
pass "the allowed name resolves and its address answers on port 80"
echo "$out" | grep >/dev/null -x NXDOMAIN-OK || fail "the denied name resolved"
echo "$out" | grep >/dev/null -x PORT7-REFUSED || fail "port 7 of the allowed address was reachable"
echo "$out" | grep >/dev/null -x OTHER-REFUSED || fail "203.0.113.11 was reachable"
echo "$out" | grep >/dev/null -x HOSTDNS-REFUSED || fail "the host's resolver 203.0.113.53 answered the container directly"
pass "a denied name, another port, another address and the host's resolver are all refused"
grep -q "\"policy\":\"$pol\"" "$audit" || fail "the helper did not load the policy named on the podman run line"
grep '"event":"dns"' "$audit" | grep >/dev/null '"name":"denied.example"' || fail "no audit record of the denied name"
grep '"event":"flow"' "$audit" | grep >/dev/null '"verdict":"deny".*"dst":"203.0.113.11"' || fail "no audit record of the denied address"
pass "SLIRP_FILTER_POLICY on the podman run line chose the policy; the audit log recorded the refusals"

# without any policy Podman's container gets the built-in default: nothing leaves
[ -e /etc/slirp-filter/policy ] && skip "this machine has a system policy (/etc/slirp-filter/policy)"
out=$(unset SLIRP_FILTER_POLICY; export XDG_CONFIG_HOME=$SF_TMP/no-config
	pm run --rm --network slirp4netns --rootfs "$SF_ROOTFS" \
	sh -c 'timeout 10 wget -q -O - http://203.0.113.10/ && echo REACHED || echo REFUSED' 2>&1) || true
echo "$out" | grep >/dev/null -x REFUSED || fail "without a policy the container reached the web server: $out"
pass "without a policy the built-in default denies all egress"
