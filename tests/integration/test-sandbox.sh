#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# --enable-sandbox: empty read-only root, no capabilities, no inherited fds, limits; as root and unprivileged.
# it inspects the confinement: confined in sanitizer builds too (tests/lib/topology.sh)
SF_KEEP_CONFINED=1
. "$(dirname "$0")/../lib/topology.sh"
topo_require_root_and_tools socat ss setpriv unshare nsenter python3
topo_setup
topo_start_servers

# status_field PID NAME: one field of /proc/PID/status
status_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
# limit PID NAME: the soft limit of one line of /proc/PID/limits
limit() { grep "^$2" "/proc/$1/limits" | awk '{ print $(NF-2) }'; }

# check_confined PID WANT_CAPEFF: what every sandboxed helper must show
check_confined() {
	local pid=$1 want=$2 f
	[ "$(status_field "$pid" NoNewPrivs)" = 1 ] || fail "NoNewPrivs is not 1"
	for f in CapInh CapBnd CapAmb; do
		[ "$(status_field "$pid" $f)" = 0000000000000000 ] || fail "$f: $(status_field "$pid" $f)"
	done
	for f in CapEff CapPrm; do
		[ "$(status_field "$pid" $f)" = "$want" ] || fail "$f: $(status_field "$pid" $f), want $want"
	done
	# the root is a read-only tmpfs holding only the kept directories
	grep -q ' / / ro,.* - tmpfs ' "/proc/$pid/mountinfo" || fail "the root is not a read-only tmpfs: $(head -3 "/proc/$pid/mountinfo")"
	[ ! -e "/proc/$pid/root/usr" ] && [ ! -e "/proc/$pid/root/proc" ] && [ ! -e "/proc/$pid/root/dev" ] ||
		fail "the old root is still visible: $(ls -A "/proc/$pid/root/")"
	[ "$(limit "$pid" 'Max processes')" = 0 ] || fail "RLIMIT_NPROC is not 0"
	echo "  $(grep -E '^(Seccomp|NoNewPrivs|CapEff|CapPrm|CapBnd):' "/proc/$pid/status" | tr -s '\t ' ' ' | tr '\n' ' ')"
}

# --- as root, as Podman runs it, with an inherited fd that must not survive
api=$SF_TMP/api.sock
exec 9<"$SF_TMP/www/index.html"
topo_start_helper $(podman_args) -a "$api"
exec 9<&-
pid=$SF_HELPER_PID
# the API may add a forward below 1024 later: rootful keeps CAP_NET_BIND_SERVICE (bit 10) only
check_confined "$pid" 0000000000000400
[ "$(status_field "$pid" Seccomp)" = 2 ] || fail "Seccomp is not 2 under --enable-seccomp"
top=$(cd "/proc/$pid/root" && ls -A | sort | tr '\n' ' ')
[ "$top" = "etc tmp " ] || fail "unexpected entries in the new root: $top"
# bound recursively: the resolv.conf `ip netns exec` mounted over /etc/resolv.conf is the one seen
grep -qx "nameserver 203.0.113.53" "/proc/$pid/root/etc/resolv.conf" ||
	fail "the helper does not see the test's resolv.conf: $(cat "/proc/$pid/root/etc/resolv.conf")"
grep ' /etc ' "/proc/$pid/mountinfo" | grep >/dev/null ' ro,' || fail "/etc is not read-only in the sandbox"
grep " ${SF_TMP} " "/proc/$pid/mountinfo" | grep >/dev/null ' rw,' || fail "the API socket's directory is not writable"
pass "root: empty read-only root (kept: /etc read-only, the API socket's directory), only CAP_NET_BIND_SERVICE"

[ ! -e "/proc/$pid/fd/9" ] || fail "inherited fd 9 survived the sandbox: $(readlink "/proc/$pid/fd/9")"
for fd in /proc/"$pid"/fd/*; do
	t=$(readlink "$fd")
	case $t in
	socket:* | anon_inode:* | pipe:* | /dev/net/tun | /net/tun | /dev/null | "$SF_TMP"/exit | "$SF_HELPER_LOG") ;;
	*) fail "unexpected descriptor ${fd##*/} -> $t" ;;
	esac
done
pass "inherited fd 9 closed; only sockets, the tap, the signalfd, the exit fd and the log remain"

hard=$(ulimit -Hn)
want=$(( 65536 + 256 < hard ? 65536 + 256 : hard ))
[ "$(limit "$pid" 'Max open files')" = "$want" ] || fail "RLIMIT_NOFILE: $(limit "$pid" 'Max open files'), want $want"
data=$(( (256 << 20) + want * (400 << 10) ))
data_shown="$((data >> 20)) MiB"
# an AddressSanitizer build leaves RLIMIT_DATA as it was: its shadow memory is data (src/sandbox.c)
if [ "$SF_ASAN" = 1 ]; then
	data=$(limit $$ 'Max data size')
	data_shown="$data (ASan build)"
fi
[ "$(limit "$pid" 'Max data size')" = "$data" ] || fail "RLIMIT_DATA: $(limit "$pid" 'Max data size'), want $data"
pass "limits: $want files, $data_shown data, no processes"

# still a working helper: traffic, the API, a clean exit that removes the socket
[ "$(http_get http://203.0.113.10/)" = "$SF_HTTP_BODY" ] || fail "no HTTP through the sandboxed helper"
r=$(printf '%s' '{"execute":"add_hostfwd","arguments":{"proto":"tcp","host_addr":"127.0.0.1","host_port":8081,"guest_port":80}}' |
	timeout 5 socat -t 5 - "UNIX-CONNECT:$api") || fail "API call failed"
case $r in *'"return"'*) ;; *) fail "API add_hostfwd in the sandbox: $r" ;; esac
topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "exit status $SF_HELPER_RC"
[ ! -e "$api" ] || fail "API socket left behind"
pass "traffic, the API and a clean exit (socket removed) inside the sandbox"

# --- without the API socket nothing can add a forward: no capability at all
topo_start_helper --enable-sandbox -c -r 3 -e 4 --netns-type=path "/run/netns/$SF_CONT_NS" tap0
check_confined "$SF_HELPER_PID" 0000000000000000
[ "$(status_field "$SF_HELPER_PID" Seccomp)" = 0 ] || fail "a filter without --enable-seccomp"
[ "$(http_get http://203.0.113.10/)" = "$SF_HTTP_BODY" ] || fail "no HTTP with --enable-sandbox alone"
topo_stop_helper
pass "root without -a: no capabilities; --enable-sandbox alone works"

# --- a reload after pivot_root reads the new file (replaced by rename, as editors do)
if "$SLIRP_FILTER" --help | grep >/dev/null -- '--policy'; then
	pol=$SF_TMP/policy.d/policy
	mkdir -p "$SF_TMP/policy.d"
	echo "allow tcp to 203.0.113.10 port 80" > "$pol"
	topo_start_helper --policy "$pol" $(podman_args)
	[ "$(http_get http://203.0.113.10/)" = "$SF_HTTP_BODY" ] || fail "the first policy does not allow port 80"
	tcp_echo 203.0.113.10 7 first >/dev/null 2>&1 && fail "the first policy allows port 7"
	printf 'allow tcp to 203.0.113.10 port 7\n' > "$pol.new" && mv "$pol.new" "$pol"
	kill -HUP "$SF_HELPER_PID"
	wait_until 5 bash -c "[ \"\$(echo again | ip netns exec $SF_CONT_NS timeout 5 socat -t 2 - TCP:203.0.113.10:7)\" = again ]" ||
		fail "after SIGHUP the sandboxed helper did not apply the replaced policy file"
	http_get http://203.0.113.10/ >/dev/null 2>&1 && fail "port 80 still allowed after the reload"
	pass "SIGHUP inside the sandbox re-read the policy file replaced by rename"
	# unreadable (no capability overrides the mode now), then gone: refused, old policy kept
	chmod 000 "$pol"
	kill -HUP "$SF_HELPER_PID"
	sleep 0.5
	[ "$(tcp_echo 203.0.113.10 7 kept)" = kept ] || fail "an unreadable policy file changed the policy"
	rm -f "$pol"
	kill -HUP "$SF_HELPER_PID"
	sleep 0.5
	[ "$(tcp_echo 203.0.113.10 7 kept2)" = kept2 ] || fail "a missing policy file changed the policy"
	kill -0 "$SF_HELPER_PID" || fail "the helper died on a refused reload"
	topo_stop_helper
	pass "an unreadable or missing policy file is a refused reload; the old policy stays"
else
	echo "SKIP (part): this build has no --policy yet; the reload-after-pivot_root check did not run"
fi

# --- unprivileged, outside any user namespace: the helper makes its own user namespace.
# The target is a user+network namespace owned by nobody; /dev/net/tun (0600 on the
# machine) is replaced by a 0666 node only inside a private mount namespace.
ip netns exec "$SF_HOST_NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
	unshare --user --map-root-user --net sleep 1000 </dev/null >/dev/null 2>&1 &
target=$!
SF_PIDS+=("$target")
wait_until 5 grep -qx sleep "/proc/$target/comm" || fail "the unprivileged target namespace did not appear"
pol_args=""
if "$SLIRP_FILTER" --help | grep >/dev/null -- '--policy'; then
	chmod 755 "$SF_TMP"
	printf '%s\n' 'allow any to 0.0.0.0/0' 'allow any to ::/0' > "$SF_TMP/unpriv.policy"
	chmod 644 "$SF_TMP/unpriv.policy"
	pol_args="--policy $SF_TMP/unpriv.policy"
fi
cat > "$SF_TMP/unpriv.sh" <<EOF
mount -t tmpfs -o mode=0755 tmpfs /dev/net && mknod -m 666 /dev/net/tun c 10 200 || exit 1
exec setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
	"$SLIRP_FILTER" $pol_args --enable-sandbox --enable-seccomp -c -r 3 -e 4 \
	--userns-path=/proc/$target/ns/user --netns-type=path /proc/$target/ns/net tap0
EOF
SF_HELPER_LOG=$SF_TMP/unpriv.log
rm -f "$SF_TMP/ready" "$SF_TMP/exit"
mkfifo "$SF_TMP/ready" "$SF_TMP/exit"
sleep 100000 >"$SF_TMP/exit" &
SF_EXIT_HOLDER=$!
SF_PIDS+=("$SF_EXIT_HOLDER")
exec {SF_READY_R}<>"$SF_TMP/ready"
ip netns exec "$SF_HOST_NS" unshare --mount --propagation private bash "$SF_TMP/unpriv.sh" \
	3>"$SF_TMP/ready" 4<"$SF_TMP/exit" </dev/null >"$SF_HELPER_LOG" 2>&1 &
SF_HELPER_PID=$!
r=""
read -r -t 10 -n 1 -u "$SF_READY_R" r || true
[ "$r" = 1 ] || fail "the unprivileged helper did not become ready"
pid=$(pgrep -P "$SF_HELPER_PID" -x slirp-filter || echo "$SF_HELPER_PID")
[ "$(status_field "$pid" Uid | cut -f1)" = 65534 ] || fail "the helper does not run as nobody"
check_confined "$pid" 0000000000000000
[ "$(status_field "$pid" Seccomp)" = 2 ] || fail "Seccomp is not 2 (unprivileged)"
[ "$(readlink "/proc/$pid/ns/user")" != "$(readlink /proc/self/ns/user)" ] || fail "no user namespace of its own"
grep -q "own user namespace" "$SF_HELPER_LOG" || fail "the log does not say it made a user namespace"
out=$(nsenter --net="/proc/$target/ns/net" timeout 10 busybox wget -q -O - http://203.0.113.10/) || true
[ "$out" = "$SF_HTTP_BODY" ] || fail "no HTTP through the unprivileged sandboxed helper: $out"
topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "unprivileged helper: exit status $SF_HELPER_RC"
pass "unprivileged outside any user namespace: own user namespace, no capabilities, seccomp, traffic"
