# SPDX-License-Identifier: GPL-2.0-or-later
# A second test resolver (dnsmasq on 203.0.113.54) with the records the DNS tests need.
#
# The harness's resolver on 203.0.113.53 is the host namespace's resolv.conf
# entry; this one is named by the tests' policies (`upstream 203.0.113.54`),
# so its query log shows exactly what slirp-filter forwarded.

# dns_upstream_start: starts it; records are documentation addresses of the test's own namespaces.
dns_upstream_start() {
	local big
	big=$(printf 'x%.0s' $(seq 200))
	ip -n "$SF_INET_NS" addr add 203.0.113.54/32 dev lo
	ip -n "$SF_INET_NS" addr add 203.0.113.11/32 dev lo
	ip -n "$SF_INET_NS" addr add 203.0.113.12/32 dev lo
	ip -n "$SF_INET_NS" addr add 203.0.113.13/32 dev lo
	SF_UPSTREAM_LOG=$SF_TMP/upstream.log
	bg_in "$SF_INET_NS" "$SF_TMP/upstream.out" dnsmasq -k --conf-file=/dev/null --no-resolv \
		--no-hosts --user=root --group=root --bind-interfaces --listen-address=203.0.113.54 \
		--port=53 --log-queries --log-facility="$SF_UPSTREAM_LOG" --pid-file= \
		--host-record=web.example,203.0.113.10,2001:db8::10,60 \
		--host-record=other.example,203.0.113.11,60 \
		--host-record=target.cdn.example,203.0.113.12,60 \
		--cname=alias.example,target.cdn.example \
		--host-record=blocked.example,203.0.113.11,60 \
		--cname=bad-alias.example,blocked.example \
		--host-record=rebind-lo.example,127.0.0.1,60 \
		--host-record=rebind-gw.example,10.0.2.2,60 \
		--host-record=rebind-meta.example,169.254.169.254,60 \
		--host-record=rebind-lan.example,192.168.1.1,60 \
		--host-record=short.example,203.0.113.13,1 \
		--txt-record=big.example,"$big","$big","$big" \
		--address=/use-application-dns.net/203.0.113.10 \
		--address=/cdn7.example/203.0.113.10
	wait_until 5 port_listening "$SF_INET_NS" u 53 || fail "the test upstream did not start"
	wait_until 5 bash -c "ip netns exec $SF_INET_NS dig +short +time=1 +tries=1 @203.0.113.54 web.example | grep >/dev/null 203.0.113.10" ||
		fail "the test upstream does not answer: $(cat "$SF_TMP/upstream.out")"
}

# upstream_saw NAME: whether the test upstream's query log mentions NAME.
upstream_saw() { grep -qi "query\[[A-Z]*\] $1 from" "$SF_UPSTREAM_LOG"; }

# cdig ARGS...: dig from the container against the DNS address (one try, 3 s).
cdig() { in_cont dig +time=3 +tries=1 "$@"; }
