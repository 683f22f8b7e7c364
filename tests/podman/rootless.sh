# SPDX-License-Identifier: GPL-2.0-or-later
# Rootless Podman set-up on top of lib.sh: a test-only user that exists only in the test's mount namespace.
#
# Theory of operation: lib.sh already runs the test in a private mount
# namespace. There the user is made by bind-mounting edited copies of
# /etc/passwd, /etc/group, /etc/subuid and /etc/subgid over the originals,
# and /dev/net gets a private tmpfs with a 0666 tun node, so the machine's
# files and its 0600 /dev/net/tun never change. The user's home, runtime
# directory, storage and the per-user drop-in
# (~/.config/containers/containers.conf.d/) live in the test's temporary
# directory. Rootless Podman then runs as that user inside the isolated
# "host" network namespace with a clean environment (no CONTAINERS_CONF):
# it finds slirp-filter through the drop-in only. Cleanup removes the
# containers, stops the rootless pause process by its PID file, and kills
# by PID whatever else still runs as the test-only uid.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# first_free_id FILE START: the smallest id >= START not used in the colon file FILE (field 3)
first_free_id() {
	local id=$2
	while cut -d: -f3 "$1" | grep >/dev/null -x "$id"; do id=$((id + 1)); done
	echo "$id"
}

# subid_start FILE: a range start above every range in FILE (and at least 400000)
subid_start() {
	awk -F: 'BEGIN { m = 400000 } { e = $2 + $3; if (e > m) m = e } END { print m }' "$1"
}

# rootless_bind_copy FILE: replace FILE, in this mount namespace only, by an editable copy
rootless_bind_copy() {
	local copy=$SF_TMP/etc${1//\//_}
	[ -e "$1" ] || skip "$1 does not exist (rootless Podman needs it; the test does not create it)"
	cp -p "$1" "$copy"
	chmod 644 "$copy"
	mount --bind "$copy" "$1"
	echo "$copy"
}

# rootless_test_user: an unprivileged user of this test only (SF_USER, SF_UID, SF_GID, home
# SF_HOME under $SF_TMP) with 65536 subordinate ids, in bind-mounted copies of the id files of
# this test's private mount namespace, and a private /dev/net/tun it may open
rootless_test_user() {
	SF_USER=sfu$SF_ID
	SF_UID=$(first_free_id /etc/passwd 30000)
	SF_GID=$(first_free_id /etc/group "$SF_UID")
	local subuid subgid
	subuid=$(subid_start /etc/subuid)
	subgid=$(subid_start /etc/subgid)
	chmod 755 "$SF_TMP"
	SF_HOME=$SF_TMP/home
	mkdir -p "$SF_HOME"
	echo "$SF_USER:x:$SF_UID:$SF_GID::$SF_HOME:/bin/sh" >> "$(rootless_bind_copy /etc/passwd)"
	echo "$SF_USER:x:$SF_GID:" >> "$(rootless_bind_copy /etc/group)"
	echo "$SF_USER:$subuid:65536" >> "$(rootless_bind_copy /etc/subuid)"
	echo "$SF_USER:$subgid:65536" >> "$(rootless_bind_copy /etc/subgid)"
	# a private /dev/net: the machine's tun node stays 0600
	mount -t tmpfs -o mode=0755,size=16k tmpfs /dev/net
	mknod -m 666 /dev/net/tun c 10 200
}

podman_rootless_setup() {
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	command -v newuidmap >/dev/null || skip "newuidmap is not installed (uidmap)"
	podman_setup
	trap podman_rootless_cleanup EXIT
	rootless_test_user
	mkdir -p "$SF_HOME/.config/containers/containers.conf.d"

	# the user cannot read a build tree under /root: give it its own copy of the binary
	mkdir -p "$SF_TMP/bin"
	cp "$SLIRP_FILTER" "$SF_TMP/bin/slirp-filter"
	SF_USER_WRAPPER=$SF_TMP/bin/network-cmd
	cat > "$SF_USER_WRAPPER" <<WRAP
#!/bin/sh
echo "\$*" >> "$SF_TMP/argv.log"
case "\$*" in *tap0*) echo \$\$ >> "$SF_TMP/helper.pids" ;; esac
exec "$SF_TMP/bin/slirp-filter" "\$@"
WRAP
	chmod 755 "$SF_USER_WRAPPER"
	touch "$SF_TMP/argv.log" "$SF_TMP/helper.pids"
	chmod 666 "$SF_TMP/argv.log" "$SF_TMP/helper.pids"

	local n
	n=$(ulimit -Hn)
	cat > "$SF_HOME/.config/containers/containers.conf.d/50-slirp-filter.conf" <<CONF
# the per-user drop-in a rootless user installs (see README)
[containers]
default_ulimits = ["nofile=$n:$n", "nproc=32768:32768"]

[engine]
network_cmd_path = "$SF_USER_WRAPPER"
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "crun"

[network]
default_rootless_network_cmd = "slirp4netns"
CONF
	cat > "$SF_HOME/.config/containers/storage.conf" <<CONF
[storage]
driver = "vfs"
CONF
	# short: Podman puts <64 hex>.net sockets there, and a socket path has 108 bytes
	SF_XDG=$SF_TMP/x
	mkdir -p "$SF_XDG"
	chmod 700 "$SF_XDG"
	# the container's root belongs to the user (its root inside)
	SF_USER_ROOTFS=$SF_TMP/rootfs-$SF_USER
	cp -a "$SF_ROOTFS" "$SF_USER_ROOTFS"
	chown -R "$SF_UID:$SF_GID" "$SF_HOME" "$SF_XDG" "$SF_USER_ROOTFS"
	SF_USER_CONTAINERS=()
}

# upm [VAR=VALUE...] ARGS...: rootless podman as the test user in the isolated host namespace
upm() {
	local envs=()
	while [ $# -gt 0 ] && [[ $1 == [A-Z]*=* ]]; do envs+=("$1"); shift; done
	nsenter --net="/run/netns/$SF_HOST_NS" setpriv --reuid="$SF_UID" --regid="$SF_GID" --init-groups \
		env -i HOME="$SF_HOME" USER="$SF_USER" LOGNAME="$SF_USER" XDG_RUNTIME_DIR="$SF_XDG" \
		PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin "${envs[@]}" \
		podman "$@"
}

# helper_pids: PIDs of every helper Podman started so far (recorded by the wrapper)
helper_pids() { cat "$SF_TMP/helper.pids"; }

# last_helper: the PID of the newest helper Podman started
last_helper() { tail -n 1 "$SF_TMP/helper.pids"; }

# status_field PID NAME: one field of /proc/PID/status
status_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# check_helper_confined PID: Seccomp 2, no capabilities at all, no new privileges
check_helper_confined() {
	local pid=$1 f
	kill -0 "$pid" 2>/dev/null || fail "helper $pid is not running"
	[ "$(status_field "$pid" Seccomp)" = 2 ] || fail "helper $pid: Seccomp $(status_field "$pid" Seccomp), want 2"
	[ "$(status_field "$pid" NoNewPrivs)" = 1 ] || fail "helper $pid: NoNewPrivs is not 1"
	for f in CapInh CapPrm CapEff CapBnd CapAmb; do
		[ "$(status_field "$pid" $f)" = 0000000000000000 ] ||
			fail "helper $pid: $f $(status_field "$pid" $f)"
	done
	echo "  helper $pid: $(grep -E '^(Uid|Seccomp|NoNewPrivs|CapPrm|CapEff|CapBnd):' "/proc/$pid/status" | tr -s '\t ' ' ' | tr '\n' ' ')"
}

# policy_supported: the helper under test knows --policy (the egress policy has landed)
policy_supported() { "$SLIRP_FILTER" --help 2>/dev/null | grep >/dev/null -- '--policy'; }

# write_test_policy FILE: port 80 on 203.0.113.10 and web.example, nothing else
write_test_policy() {
	cat > "$1" <<POL
# slirp-filter test policy: only HTTP to the test web server
allow tcp to 203.0.113.10 port 80
allow tcp to web.example port 80
POL
	chmod 644 "$1"
}

# CHECKS_SH: run inside a container; prints one "name=ok|no" line per probe
CHECKS_SH='
probe() { n=$1; shift; if "$@" >/dev/null 2>&1; then echo "$n=ok"; else echo "$n=no"; fi; }
probe http80 sh -c "timeout 10 wget -q -O - http://203.0.113.10/ | grep >/dev/null ."
probe name80 sh -c "timeout 10 wget -q -O - http://web.example/ | grep >/dev/null ."
probe tcp7 sh -c "echo hi | timeout 5 nc 203.0.113.10 7 | grep >/dev/null hi"
probe other80 sh -c "timeout 5 wget -q -O - http://203.0.113.99/ | grep >/dev/null ."
'

# expect_policy OUTPUT: the probes of CHECKS_SH show the test policy in force
expect_policy() {
	local out=$1 want
	for want in http80=ok name80=ok tcp7=no other80=no; do
		echo "$out" | grep >/dev/null -x "$want" || fail "policy check: want $want, got: $(echo "$out" | tr '\n' ' ')"
	done
}

podman_rootless_cleanup() {
	local rc=$? c pid
	set +e
	for c in "${SF_USER_CONTAINERS[@]}"; do
		upm rm -f -t 0 "$c" >/dev/null 2>&1
	done
	for c in "${SF_USER_PODS[@]}"; do
		upm pod rm -f -t 0 "$c" >/dev/null 2>&1
	done
	if [ -n "${SF_XDG:-}" ] && [ -s "$SF_XDG/libpod/tmp/pause.pid" ]; then
		kill "$(cat "$SF_XDG/libpod/tmp/pause.pid")" 2>/dev/null
	fi
	# anything else of the test-only uid (conmon, a helper): by PID
	if [ -n "${SF_UID:-}" ]; then
		for pid in $(pgrep -u "$SF_UID"); do kill "$pid" 2>/dev/null; done
		sleep 0.2
		for pid in $(pgrep -u "$SF_UID"); do kill -9 "$pid" 2>/dev/null; done
	fi
	(exit "$rc")
	podman_cleanup
}
SF_USER_PODS=()
