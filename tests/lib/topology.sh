# SPDX-License-Identifier: GPL-2.0-or-later
# Isolated test topology (DESIGN.md section 4): host, internet and container namespaces.
#
# Theory of operation: every test builds its own three namespaces with names
# unique to its PID. "host" is where the helper under test runs; its only
# route is a veth to "inet", which holds the test servers on documentation
# addresses and routes nowhere else. "cont" is the container's namespace,
# which gets the helper's tap. Nothing here ever reaches the machine's own
# network; /etc/netns/<ns>/resolv.conf makes name lookups inside `ip netns
# exec` use the test's resolver instead of the machine's. Every process
# started here is recorded and killed by PID from the EXIT trap, and the
# namespaces and files are removed, whatever way the test ends.
#
#   host 198.51.100.1/24, 2001:db8:1::1/64  <-veth->  inet 198.51.100.254/24, 2001:db8:1::254/64
#   inet lo: 203.0.113.10 + 2001:db8::10 (HTTP 80, TCP/UDP echo 7, TCP "who am I" 9, iperf3 5201)
#            203.0.113.53 (dnsmasq: web.example -> 203.0.113.10 / 2001:db8::10, query log)
#            203.0.113.99 (a second, "unauthorised" resolver for the bypass tests)

set -euo pipefail

SF_ID=${SF_ID:-$$}
SF_HOST_NS=sfh$SF_ID
SF_INET_NS=sfi$SF_ID
SF_CONT_NS=sfc$SF_ID
SF_TMP=""
SF_PIDS=()
SF_HELPER_PID=""
SF_HELPER_LOG=""
SF_EXIT_HOLDER=""
SF_READY_R=""
SF_HTTP_BODY="slirp-filter test page $SF_ID"
SLIRP_FILTER=${SLIRP_FILTER:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/src/slirp-filter}

# Sanitizer builds (meson passes b_sanitize as SF_SANITIZE; scripts/test runs this suite
# in build-asan/ too). LeakSanitizer checks the helper at exit and needs /proc and
# ptrace for it, which --enable-sandbox (no /proc) and --enable-seccomp (no ptrace,
# no clone) take away: see "Sanitizers" in docs/sandbox.md. So in an ASan build
# podman_args leaves both flags out and the helper's leaks are checked, except in
# tests that inspect the confinement itself (SF_KEEP_CONFINED=1 before sourcing this
# file); a helper that runs confined gets detect_leaks=0 (ASan and UBSan stay on).
# A sanitizer report in a helper's log fails the test (topo_sanitizer_check).
SF_ASAN=0
case ${SF_SANITIZE:-none} in *address*) SF_ASAN=1 ;; esac
if [ "$SF_ASAN" = 1 ] && [ "${SF_KEEP_CONFINED:-0}" = 1 ]; then
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fi

skip() { echo "SKIP: $*"; exit 77; }

fail() {
	echo "FAIL: $*" >&2
	if [ -n "$SF_HELPER_LOG" ] && [ -s "$SF_HELPER_LOG" ]; then
		echo "--- helper log ($SF_HELPER_LOG) ---" >&2
		cat "$SF_HELPER_LOG" >&2
	fi
	exit 1
}

pass() { echo "PASS: $*"; }

# topo_require_root_and_tools TOOL...: skip (77) unless root and every TOOL exists.
topo_require_root_and_tools() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to create network namespaces"
	local t
	for t in ip "$@"; do
		command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
	done
	[ -x "$SLIRP_FILTER" ] || skip "no helper binary at $SLIRP_FILTER (build first)"
	[ -c /dev/net/tun ] || skip "/dev/net/tun is missing"
}

# topo_sanitizer_check LOG: in a sanitizer build, fail (1) when LOG holds an ASan, LSan or UBSan report.
topo_sanitizer_check() {
	[ "${SF_SANITIZE:-none}" != none ] && [ -n "$1" ] && [ -f "$1" ] || return 0
	grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' "$1" ||
		return 0
	echo "FAIL: a sanitizer report in the helper's log $1:" >&2
	grep -E -A60 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$1" | head -120 >&2
	return 1
}

topo_cleanup() {
	local rc=$? pid waits=50
	set +e
	# a sanitizer build's helper checks for leaks on its way out: give it time
	[ "${SF_SANITIZE:-none}" != none ] && waits=250
	if [ -n "$SF_HELPER_PID" ]; then SF_PIDS+=("$SF_HELPER_PID"); fi
	for pid in "${SF_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${SF_PIDS[@]}"; do
		for _ in $(seq "$waits"); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	topo_sanitizer_check "$SF_HELPER_LOG" || rc=1
	ip netns del "$SF_CONT_NS" 2>/dev/null
	ip netns del "$SF_HOST_NS" 2>/dev/null
	ip netns del "$SF_INET_NS" 2>/dev/null
	rm -rf "/etc/netns/$SF_HOST_NS" "/etc/netns/$SF_CONT_NS" "/etc/netns/$SF_INET_NS"
	[ -n "$SF_TMP" ] && rm -rf "$SF_TMP"
	exit "$rc"
}

# in_host/in_inet/in_cont CMD...: run CMD inside that namespace.
in_host() { ip netns exec "$SF_HOST_NS" "$@"; }
in_inet() { ip netns exec "$SF_INET_NS" "$@"; }
in_cont() { ip netns exec "$SF_CONT_NS" "$@"; }

# wait_until SECONDS CMD...: poll CMD every 50 ms until it succeeds; 1 on timeout.
wait_until() {
	local deadline=$(( $(date +%s%N) + $1 * 1000000000 ))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

topo_setup() {
	trap topo_cleanup EXIT
	trap 'exit 130' INT TERM
	SF_TMP=$(mktemp -d "/tmp/sf-test-$SF_ID.XXXXXX")
	ip netns add "$SF_INET_NS"
	ip netns add "$SF_HOST_NS"
	ip netns add "$SF_CONT_NS"
	ip link add name h0 netns "$SF_HOST_NS" type veth peer name i0 netns "$SF_INET_NS"
	ip -n "$SF_HOST_NS" link set lo up
	ip -n "$SF_HOST_NS" link set h0 up
	ip -n "$SF_HOST_NS" addr add 198.51.100.1/24 dev h0
	ip -n "$SF_HOST_NS" addr add 2001:db8:1::1/64 dev h0 nodad
	ip -n "$SF_HOST_NS" route add default via 198.51.100.254
	ip -n "$SF_HOST_NS" -6 route add default via 2001:db8:1::254
	ip -n "$SF_INET_NS" link set lo up
	ip -n "$SF_INET_NS" link set i0 up
	ip -n "$SF_INET_NS" addr add 198.51.100.254/24 dev i0
	ip -n "$SF_INET_NS" addr add 2001:db8:1::254/64 dev i0 nodad
	ip -n "$SF_INET_NS" addr add 203.0.113.10/32 dev lo
	ip -n "$SF_INET_NS" addr add 203.0.113.53/32 dev lo
	ip -n "$SF_INET_NS" addr add 203.0.113.99/32 dev lo
	ip -n "$SF_INET_NS" addr add 2001:db8::10/128 dev lo
	ip -n "$SF_CONT_NS" link set lo up
	# libslirp answers ICMP echo with unprivileged ICMP sockets
	in_host sysctl -qw net.ipv4.ping_group_range="0 2147483647"
	mkdir -p "/etc/netns/$SF_HOST_NS" "/etc/netns/$SF_CONT_NS" "/etc/netns/$SF_INET_NS"
	echo "nameserver 203.0.113.53" > "/etc/netns/$SF_HOST_NS/resolv.conf"
	echo "nameserver 10.0.2.3" > "/etc/netns/$SF_CONT_NS/resolv.conf"
	echo "nameserver 203.0.113.53" > "/etc/netns/$SF_INET_NS/resolv.conf"
	wait_until 5 in_host ping -c1 -W1 203.0.113.10 || fail "the test topology does not route"
	# the built-in default denies all egress: tests that are not about the
	# policy run with one that opens everything a rule can open
	SF_ALLOW_ALL=$SF_TMP/allow-all.policy
	printf '%s\n' 'allow any to 0.0.0.0/0' 'allow any to ::/0' 'allow any to *' > "$SF_ALLOW_ALL"
}

# write_policy NAME LINE...: a policy file in the test's directory; prints its path.
write_policy() {
	local f=$SF_TMP/$1.policy
	shift
	printf '%s\n' "$@" > "$f"
	echo "$f"
}

# bg_in NS LOG CMD...: start CMD in namespace NS in the background, record its PID.
bg_in() {
	local ns=$1 log=$2
	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 </dev/null &
	SF_PIDS+=("$!")
}

port_listening() { # NS PROTO(t|u) PORT
	ip netns exec "$1" ss -Hln"$2" "sport = :$3" | grep >/dev/null .
}

topo_start_servers() {
	mkdir -p "$SF_TMP/www"
	echo "$SF_HTTP_BODY" > "$SF_TMP/www/index.html"
	head -c 2000000 /dev/urandom > "$SF_TMP/www/big.bin"
	bg_in "$SF_INET_NS" "$SF_TMP/httpd.log" busybox httpd -f -vv -p 80 -h "$SF_TMP/www"
	bg_in "$SF_INET_NS" "$SF_TMP/tcpecho.log" socat TCP6-LISTEN:7,ipv6only=0,fork,reuseaddr PIPE
	# bound to the service address, or replies leave from the veth's address
	bg_in "$SF_INET_NS" "$SF_TMP/udpecho4.log" socat UDP4-RECVFROM:7,bind=203.0.113.10,fork PIPE
	bg_in "$SF_INET_NS" "$SF_TMP/udpecho6.log" socat UDP6-RECVFROM:7,bind=[2001:db8::10],fork PIPE
	bg_in "$SF_INET_NS" "$SF_TMP/whoami4.log" socat TCP4-LISTEN:9,bind=203.0.113.10,fork,reuseaddr \
		SYSTEM:'echo "$SOCAT_PEERADDR"'
	bg_in "$SF_INET_NS" "$SF_TMP/whoami6.log" socat TCP6-LISTEN:9,bind=[2001:db8::10],fork,reuseaddr \
		SYSTEM:'echo "$SOCAT_PEERADDR"'
	bg_in "$SF_INET_NS" "$SF_TMP/iperf3.log" iperf3 -s -p 5201
	bg_in "$SF_INET_NS" "$SF_TMP/dnsmasq.out" dnsmasq -k --conf-file=/dev/null --no-resolv \
		--no-hosts --user=root --group=root --bind-interfaces --listen-address=203.0.113.53 \
		--port=53 --address=/web.example/203.0.113.10 --address=/web.example/2001:db8::10 \
		--log-queries --log-facility="$SF_TMP/dnsmasq.log" --pid-file=
	wait_until 5 port_listening "$SF_INET_NS" t 80 || fail "httpd did not start"
	wait_until 5 port_listening "$SF_INET_NS" t 7 || fail "TCP echo did not start"
	wait_until 5 port_listening "$SF_INET_NS" u 7 || fail "UDP echo did not start"
	wait_until 5 port_listening "$SF_INET_NS" t 9 || fail "whoami did not start"
	wait_until 5 port_listening "$SF_INET_NS" t 5201 || fail "iperf3 did not start"
	wait_until 5 port_listening "$SF_INET_NS" u 53 || fail "dnsmasq did not start: $(cat "$SF_TMP/dnsmasq.out")"
}

# topo_start_helper [--ready-at N] [--exit-at N] ARGS...: run the helper in the host
# namespace with a ready fd at N (default 3) and an exit fd at N (default 4); waits for "1".
# Set SF_NO_READY=1 to start without waiting (for runs without -r).
# The policy is $SF_POLICY (default: allow all) passed as SLIRP_FILTER_POLICY, the way
# Podman's environment reaches the helper; audit records go to $SF_AUDIT_LOG if set.
topo_start_helper() {
	local ready_at=3 exit_at=4 r="" asan=${ASAN_OPTIONS:-}
	while [ $# -gt 0 ]; do
		case $1 in
		--ready-at) ready_at=$2; shift 2 ;;
		--exit-at) exit_at=$2; shift 2 ;;
		*) break ;;
		esac
	done
	# confined in an ASan build: no leak check at exit (see SF_ASAN above)
	if [ "$SF_ASAN" = 1 ] && [[ " $* " =~ \ --enable-(sandbox|seccomp)\  ]]; then
		asan="${asan:+$asan:}detect_leaks=0"
	fi
	# the previous helper's log is about to be replaced: its sanitizer reports first
	topo_sanitizer_check "$SF_HELPER_LOG" || { SF_HELPER_LOG=""; fail "(an earlier helper of this test)"; }
	SF_HELPER_LOG=$SF_TMP/helper.log
	rm -f "$SF_TMP/ready" "$SF_TMP/exit"
	mkfifo "$SF_TMP/ready" "$SF_TMP/exit"
	# the exit fifo's only writer is this holder process (never a fd of this
	# shell, which every later background job would inherit): killing it is
	# the hang-up Podman's conmon gives when it exits
	sleep 100000 >"$SF_TMP/exit" &
	SF_EXIT_HOLDER=$!
	SF_PIDS+=("$SF_EXIT_HOLDER")
	[ -n "$SF_READY_R" ] && exec {SF_READY_R}<&-
	exec {SF_READY_R}<>"$SF_TMP/ready"
	eval "SLIRP_FILTER_POLICY=\"\${SF_POLICY:-\$SF_ALLOW_ALL}\" SLIRP_FILTER_AUDIT_LOG=\"\${SF_AUDIT_LOG:-}\" \
		ASAN_OPTIONS=\"\$asan\" ip netns exec \"\$SF_HOST_NS\" \"\$SLIRP_FILTER\" \"\$@\" \
		${ready_at}>\"\$SF_TMP/ready\" ${exit_at}<\"\$SF_TMP/exit\" \
		${SF_READY_R}<&- </dev/null >\"\$SF_HELPER_LOG\" 2>&1 &"
	SF_HELPER_PID=$!
	[ "${SF_NO_READY:-0}" = 1 ] && return 0
	# wait until the byte is there (read -t 0 only looks), then read it: a `read -t`
	# that times out just as the byte arrives can lose it. The bound is generous (a
	# loaded machine, an ASan build); meson's timeout is the last resort.
	local deadline=$(( $(date +%s) + 60 ))
	while ! read -r -t 0 -u "$SF_READY_R"; do
		kill -0 "$SF_HELPER_PID" 2>/dev/null || fail "the helper exited before it was ready"
		[ "$(date +%s)" -lt "$deadline" ] || fail "the ready fd got nothing in 60 s"
		sleep 0.05
	done
	read -r -n 1 -u "$SF_READY_R" r
	[ "$r" = 1 ] || fail "the ready fd got \"$r\" instead of 1"
}

# topo_stop_helper: close the exit fd; sets SF_HELPER_RC to the helper's exit status.
topo_stop_helper() {
	kill "$SF_EXIT_HOLDER" 2>/dev/null
	wait "$SF_EXIT_HOLDER" 2>/dev/null || true
	local i
	for i in $(seq 100); do
		kill -0 "$SF_HELPER_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$SF_HELPER_PID" 2>/dev/null && fail "the helper did not exit within 5 s of the exit fd closing"
	SF_HELPER_RC=0
	wait "$SF_HELPER_PID" || SF_HELPER_RC=$?
	SF_HELPER_PID=""
	topo_sanitizer_check "$SF_HELPER_LOG" || { SF_HELPER_LOG=""; fail "(the helper's exit status: $SF_HELPER_RC)"; }
}

# The confinement flags Podman passes; none in an ASan build without SF_KEEP_CONFINED=1 (see SF_ASAN).
confine_args() {
	[ "$SF_ASAN" = 1 ] && [ "${SF_KEEP_CONFINED:-0}" != 1 ] && return 0
	echo "--enable-sandbox --enable-seccomp"
}
# The argv Podman >= 4.6 passes, with our namespace.
podman_args() {
	echo "--disable-host-loopback --mtu=65520 $(confine_args) -c -r 3 -e 4 --netns-type=path /run/netns/$SF_CONT_NS tap0"
}

# http_get URL: fetch from inside the container (busybox wget; -T segfaults, so timeout)
http_get() { in_cont timeout 10 busybox wget -q -O - "$1"; }

# tcp_echo ADDR PORT TEXT / udp_echo ADDR PORT TEXT: round trip from the container
tcp_echo() { echo "$3" | in_cont timeout 5 socat -t 2 - "TCP:$1:$2"; }
udp_echo() { echo "$3" | in_cont timeout 5 socat -t 2 - "UDP:$1:$2"; }
