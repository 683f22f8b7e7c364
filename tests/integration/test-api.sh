#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The API socket adds, lists and removes forwards that really carry traffic, and refuses bad requests.
. "$(dirname "$0")/../lib/topology.sh"
topo_require_root_and_tools socat ss python3
topo_setup
api=$SF_TMP/api.sock
# under umask 000 the socket is still owner-only (issue 13 item 9)
old_umask=$(umask)
umask 000
topo_start_helper $(podman_args) -a "$api"
umask "$old_umask"
[ "$(stat -c %a "$api")" = 600 ] || fail "the API socket is mode $(stat -c %a "$api") under umask 000, not 600"
pass "the API socket is mode 600 under umask 000"
call() { printf '%s' "$1" | timeout 5 socat -t 5 - "UNIX-CONNECT:$api"; }
# call_open: a client that keeps its write side open and waits for the reply
call_open() { (printf '%s' "$1"; sleep 3) | timeout 5 socat -t 5 - "UNIX-CONNECT:$api"; }
jget() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

# servers inside the container
bg_in "$SF_CONT_NS" "$SF_TMP/ctcp.log" socat TCP4-LISTEN:80,fork,reuseaddr SYSTEM:'echo from-container-tcp'
bg_in "$SF_CONT_NS" "$SF_TMP/cudp.log" socat -u UDP4-RECV:53,bind=10.0.2.100 OPEN:"$SF_TMP/cudp.got",creat,append
wait_until 5 port_listening "$SF_CONT_NS" t 80 || fail "container TCP server"
wait_until 5 port_listening "$SF_CONT_NS" u 53 || fail "container UDP server"

# a guest_addr that is not the container's network is refused, with what is wrong
for g in 127.0.0.1 203.0.113.10 10.0.2.2 10.0.2.3 10.0.2.255; do
	r=$(call '{"execute":"add_hostfwd","arguments":{"proto":"tcp","host_addr":"127.0.0.1","host_port":8090,"guest_addr":"'$g'","guest_port":80}}')
	echo "$r" | grep >/dev/null 'arguments.guest_addr is' || fail "add_hostfwd to guest_addr $g not refused: $r"
done
[ "$(call '{"execute":"list_hostfwd"}' | jget 'len(d["entries"])')" = 0 ] || fail "a refused forward was recorded"
pass "add_hostfwd refuses guest_addr outside the guest network, the gateway, DNS and broadcast"
r=$(call '{"execute":"add_hostfwd","arguments":{"proto":"tcp","host_addr":"0.0.0.0","host_port":8080,"guest_addr":"","guest_port":80}}')
id_tcp=$(echo "$r" | jget 'd["return"]["id"]') || fail "add tcp: $r"
r=$(call_open '{"execute":"add_hostfwd","arguments":{"proto":"udp","host_addr":"127.0.0.1","host_port":5353,"guest_port":53}}')
id_udp=$(echo "$r" | jget 'd["return"]["id"]') || fail "add udp (client keeping its side open): $r"
[ "$id_tcp" != "$id_udp" ] || fail "same id twice"

got=$(in_host timeout 5 socat -t 2 - TCP:127.0.0.1:8080 </dev/null) || true
[ "$got" = from-container-tcp ] || fail "TCP forward did not carry traffic: \"$got\""
got=$(in_host timeout 5 socat -t 2 - TCP:198.51.100.1:8080 </dev/null) || true
[ "$got" = from-container-tcp ] || fail "TCP forward on 0.0.0.0 not reachable via the host address: \"$got\""
# the receiver in the container namespace writes what it gets to a file
udp_arrived() { grep -q "$1" "$SF_TMP/cudp.got" 2>/dev/null; }
echo "udp-fwd-$SF_ID" | in_host socat -u - UDP:127.0.0.1:5353
wait_until 5 udp_arrived "udp-fwd-$SF_ID" || fail "UDP forward did not carry the datagram into the container"
pass "add_hostfwd tcp and udp carry traffic"

r=$(call '{"execute":"list_hostfwd"}')
[ "$(echo "$r" | jget 'len(d["entries"])')" = 2 ] || fail "list: $r"
[ "$(echo "$r" | jget 'len(d["return"]["entries"])')" = 2 ] || fail "list (return form): $r"
[ "$(echo "$r" | jget '[e for e in d["entries"] if e["proto"]=="tcp"][0]["guest_addr"]')" = 10.0.2.100 ] || fail "guest_addr default: $r"
[ "$(echo "$r" | jget '[e for e in d["entries"] if e["proto"]=="udp"][0]["host_addr"]')" = 127.0.0.1 ] || fail "host_addr: $r"
pass "list_hostfwd in both forms"

# a port already forwarded is refused the way slirp4netns refuses it
r=$(call '{"execute":"add_hostfwd","arguments":{"proto":"tcp","host_port":8080,"guest_port":80}}')
[ "$(echo "$r" | jget 'd["error"]["desc"]')" = "bad request: add_hostfwd: slirp_add_hostfwd failed" ] || fail "duplicate port: $r"

r=$(call "{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":$id_tcp}}")
[ "$r" = '{"return":{}}' ] || fail "remove: $r"
if got=$(in_host timeout 5 socat -t 2 - TCP:127.0.0.1:8080 </dev/null) && [ -n "$got" ]; then
	fail "TCP forward still carries traffic after remove_hostfwd"
fi
r=$(call "{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":$id_tcp}}")
[ "$(echo "$r" | jget 'd["error"]["desc"]')" = "bad request: remove_hostfwd: bad arguments.id" ] || fail "remove twice: $r"
[ "$(call '{"execute":"list_hostfwd"}' | jget 'len(d["entries"])')" = 1 ] || fail "list after remove"
pass "remove_hostfwd stops the forward"

expect_err() {
	local r
	r=$(call "$1")
	[ "$(echo "$r" | jget 'd["error"]["desc"]')" = "$2" ] || fail "request $1 answered $r, expected $2"
}
expect_err 'not json at all' "bad request: cannot parse JSON"
expect_err '[1,2,3]' "bad request: json_object() failed"
expect_err '{"arguments":{}}' "bad request: no execute found"
expect_err '{"execute":"shutdown"}' "bad request: unknown execute"
expect_err '{"execute":"add_hostfwd","arguments":{"proto":"sctp","host_port":1,"guest_port":1}}' "bad request: add_hostfwd: bad arguments.proto"
expect_err '{"execute":"add_hostfwd","arguments":{"proto":"tcp","host_port":70000,"guest_port":1}}' "bad request: add_hostfwd: bad arguments.host_port"
expect_err '{"execute":"add_hostfwd","arguments":{"proto":"tcp","host_addr":"::1","host_port":1,"guest_port":1}}' "bad request: add_hostfwd: bad arguments.host_addr"
pass "malformed requests get an error reply"

# oversized BYTES: a client that writes a request of BYTES, shuts down its write side and
# reads the reply to EOF, as slirp4netns's clients do; prints "complete" or "cut-short"
# (the write failed: EPIPE or ECONNRESET), then the reply. It reads the reply either way,
# so the helper's answer is judged, whenever the helper closed.
oversized() {
	timeout 15 python3 - "$api" "$1" <<-'EOF'
	import socket, sys
	s = socket.socket(socket.AF_UNIX)
	s.settimeout(10)
	s.connect(sys.argv[1])
	try:
	    s.sendall(b" " * int(sys.argv[2]))
	    s.shutdown(socket.SHUT_WR)
	    how = "complete"
	except (BrokenPipeError, ConnectionResetError):
	    how = "cut-short"
	got = b""
	try:
	    while True:
	        d = s.recv(4096)
	        if not d:
	            break
	        got += d
	except ConnectionResetError:
	    pass
	print(how, got.decode())
	EOF
}
too_large='{"error":{"desc":"bad request: too large message"}}'
# the helper answers at 8 KiB and 1 byte, then reads and discards the rest of the request
# (up to 1 MiB) before it closes: a client's whole write succeeds and it reads the error
for size in 100000 1000000; do
	r=$(oversized "$size") || fail "oversized request of $size bytes: the client failed: $r"
	[ "$r" = "complete $too_large" ] || fail "oversized request of $size bytes: $r"
done
# past the 1 MiB it discards, the helper closes: the write is cut short, the reply still read
r=$(oversized 4000000) || fail "oversized request of 4 MB: the client failed: $r"
[ "$r" = "cut-short $too_large" ] || fail "oversized request of 4 MB: $r"
grep -q 'API: closing a client that sent [0-9]* bytes more after its reply' "$SF_HELPER_LOG" ||
	fail "no log of the client closed after the drain bound"
kill -0 "$SF_HELPER_PID" || fail "helper died"
pass "oversized requests: the error is read after a whole write of 100 kB and 1 MB, and after a 4 MB write cut short"

# a silent client must not stall the data path or the API
(sleep 8) | socat - "UNIX-CONNECT:$api" >/dev/null 2>&1 &
silent=$!
SF_PIDS+=("$silent")
sleep 0.2
echo "udp-fwd2-$SF_ID" | in_host socat -u - UDP:127.0.0.1:5353
wait_until 5 udp_arrived "udp-fwd2-$SF_ID" || fail "traffic stalled while a silent API client is connected"
[ "$(call '{"execute":"list_hostfwd"}' | jget 'len(d["entries"])')" = 1 ] || fail "API stalled by a silent client"
kill -0 "$SF_HELPER_PID" || fail "helper died"
pass "a silent client stalls nothing"
topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "exit status $SF_HELPER_RC"
