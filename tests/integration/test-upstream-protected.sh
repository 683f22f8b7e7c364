#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The DNS upstreams stay protected whatever changes (issue 13 item 2). Under the README's
# "keep egress open" policy plus `deny any to evil.example`: /etc/resolv.conf is rewritten in
# place to a second resolver (203.0.113.54); at once, the container cannot reach it directly
# on port 53 (UDP or TCP), the old one stays protected, and the new one's query log never
# shows evil.example or the names sent to it directly, while allowed names now go to it.
# A policy's own `upstream` is not opened by a rule that covers it; `upstream 10.0.2.3` is
# refused with FILE:LINE:COL (at start and on reload); `upstream 127.0.0.1#PORT` is a
# resolver on the host's own loopback, which the container cannot reach through the gateway.
. "$(dirname "$0")/../lib/topology.sh"
. "$(dirname "$0")/policy-lib.sh"
. "$(dirname "$0")/../lib/dns-upstream.sh"
topo_require_root_and_tools socat ss python3 dig dnsmasq
topo_setup
topo_start_servers
dns_upstream_start
RESOLV=/etc/netns/$SF_HOST_NS/resolv.conf
SF_AUDIT_LOG=$SF_TMP/audit.log
SF_API=$SF_TMP/api.sock
OPEN=('allow any to 0.0.0.0/0' 'allow any to ::/0' 'allow any to *' 'deny any to evil.example')

# direct NAME [+tcp]: the container asks 203.0.113.54 itself; prints dig's status line
direct() { in_cont dig +time=2 +tries=1 "${@:2}" @203.0.113.54 "$1" 2>&1 | grep -E 'status:|timed out|refused|no servers' || true; }

# ---- the control: before the change, 203.0.113.54 is just an internet address ----
SF_POLICY=$(write_policy open "${OPEN[@]}")
topo_start_helper -c -r 3 -e 4 -a "$SF_API" --netns-type=path "/run/netns/$SF_CONT_NS" tap0
out=$(direct control-udp.example)
echo "$out" | grep >/dev/null 'status:' || fail "control: 203.0.113.54 does not answer the container directly: $out"
wait_until 3 upstream_saw control-udp.example || fail "control: the direct query is not in the upstream's log"
pass "control: before the change the container reaches 203.0.113.54 directly (its log shows it)"

# ---- resolv.conf rewritten in place (same inode), probed at once ----
ino=$(stat -c %i "$RESOLV")
echo "nameserver 203.0.113.54" > "$RESOLV"
[ "$(stat -c %i "$RESOLV")" = "$ino" ] || fail "resolv.conf was replaced, not rewritten in place"
for t in udp tcp; do
	flag=; [ $t = tcp ] && flag=+tcp
	out=$(direct evil.example $flag)
	echo "$out" | grep >/dev/null 'status:' && fail "$t: the container's evil.example reached the new resolver directly: $out"
	out=$(direct direct-$t.example $flag)
	echo "$out" | grep >/dev/null 'status:' && fail "$t: the container reached the new resolver directly: $out"
done
out=$(in_cont dig +time=2 +tries=1 @203.0.113.53 old-direct.example 2>&1 || true)
echo "$out" | grep >/dev/null 'status:' && fail "the old resolver is reachable directly after the change: $out"
expect_audit 1 "new resolver, UDP" event=flow verdict=deny reason=protected "range=host resolver" proto=udp dst=203.0.113.54 dport=53
expect_audit 1 "new resolver, TCP" event=flow verdict=deny reason=protected "range=host resolver" proto=tcp dst=203.0.113.54 dport=53
pass "right after resolv.conf changed, 203.0.113.54 (UDP and TCP 53) and the old 203.0.113.53 are refused"

# the helper itself now asks the new resolver: allowed names reach it, evil.example never
out=$(cdig +short other.example)
[ "$out" = 203.0.113.11 ] || fail "other.example through the helper after the change: '$out'"
upstream_saw other.example || fail "the helper does not ask the new resolver: $(cat "$SF_UPSTREAM_LOG")"
out=$(cdig evil.example)
echo "$out" | grep >/dev/null 'status: NXDOMAIN' || fail "evil.example was not denied: $out"
sleep 0.5
for n in evil.example direct-udp.example direct-tcp.example; do
	upstream_saw "$n" && fail "the new resolver's log shows $n: $(grep -i "$n" "$SF_UPSTREAM_LOG")"
done
pass "the new resolver got other.example from the helper and never evil.example or a direct query"
echo "nameserver 203.0.113.53" > "$RESOLV"
out=$(direct late-direct.example)
echo "$out" | grep >/dev/null 'status:' && fail "the dropped upstream became reachable again: $out"
upstream_saw late-direct.example && fail "the dropped upstream got a direct query"
pass "an upstream that is dropped from resolv.conf stays protected"
topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "helper exited $SF_HELPER_RC"

# ---- the policy's own upstream: a covering rule does not open it ----
SF_POLICY=$(write_policy pol-up "${OPEN[@]}" 'allow udp to 203.0.113.0/24 port 53' 'upstream 203.0.113.54')
topo_start_helper -c -r 3 -e 4 -a "$SF_API" --netns-type=path "/run/netns/$SF_CONT_NS" tap0
out=$(direct pol-direct.example)
echo "$out" | grep >/dev/null 'status:' && fail "the policy's upstream is reachable directly: $out"
expect_audit 1 "policy upstream" event=flow verdict=deny reason=protected "range=policy upstream" proto=udp dst=203.0.113.54 dport=53
[ "$(cdig +short web.example | head -1)" = 203.0.113.10 ] || fail "web.example through the policy's upstream"
upstream_saw pol-direct.example && fail "the policy's upstream got the direct query"
pass "a policy upstream is refused to the container even under 'allow udp to 203.0.113.0/24 port 53'"

# ---- upstream 10.0.2.3 is refused on reload (old policy stays), with FILE:LINE:COL ----
bad=$(write_policy slirp-up "${OPEN[@]}" 'upstream 203.0.113.54 10.0.2.3')
cp "$bad" "$SF_POLICY"
kill -HUP "$SF_HELPER_PID"
wait_until 5 grep -q "pol-up.policy:5:23: upstream 10.0.2.3 is inside the container's network 10.0.2.0/24" "$SF_HELPER_LOG" ||
	fail "reload with upstream 10.0.2.3 not refused with FILE:LINE:COL: $(tail -5 "$SF_HELPER_LOG")"
[ "$(cdig +short web.example | head -1)" = 203.0.113.10 ] || fail "the old policy is not in force after the refused reload"
topo_stop_helper
pass "a reload naming upstream 10.0.2.3 is refused with FILE:LINE:COL and the old policy stays"

# ---- ... and at start ----
SF_POLICY=$bad SF_NO_READY=1 topo_start_helper -c -r 3 -e 4 --netns-type=path "/run/netns/$SF_CONT_NS" tap0
wait_until 10 bash -c "! kill -0 $SF_HELPER_PID" || fail "the helper started with upstream 10.0.2.3"
grep -q "slirp-up.policy:5:23: upstream 10.0.2.3 is inside the container's network" "$SF_HELPER_LOG" ||
	fail "no FILE:LINE:COL error for upstream 10.0.2.3: $(cat "$SF_HELPER_LOG")"
wait "$SF_HELPER_PID" && fail "the helper exited 0 with upstream 10.0.2.3"
SF_HELPER_PID=""
pass "upstream 10.0.2.3 stops the helper at start with FILE:LINE:COL"

# ---- upstream 127.0.0.1#5354: the host's own loopback, from the helper's namespace ----
bg_in "$SF_HOST_NS" "$SF_TMP/lo-dns.out" dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts \
	--user=root --group=root --bind-interfaces --listen-address=127.0.0.1 --port=5354 \
	--host-record=loop.example,203.0.113.12,60 --log-queries --log-facility="$SF_TMP/lo-dns.log" --pid-file=
wait_until 5 port_listening "$SF_HOST_NS" u 5354 || fail "the loopback resolver did not start"
SF_POLICY=$(write_policy lo-up "${OPEN[@]}" 'upstream 127.0.0.1#5354')
topo_start_helper -c -r 3 -e 4 --netns-type=path "/run/netns/$SF_CONT_NS" tap0
[ "$(cdig +short loop.example)" = 203.0.113.12 ] || fail "loop.example through upstream 127.0.0.1#5354"
out=$(in_cont dig +time=2 +tries=1 -p 5354 @10.0.2.2 lo-direct.example 2>&1 || true)
echo "$out" | grep >/dev/null 'status:' && fail "the container reached the loopback upstream through the gateway: $out"
grep -qi 'lo-direct.example' "$SF_TMP/lo-dns.log" && fail "the loopback upstream got the direct query"
topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "helper exited $SF_HELPER_RC"
pass "upstream 127.0.0.1#5354 is the host's loopback resolver; the container cannot reach it through 10.0.2.2"
