# SPDX-License-Identifier: GPL-2.0-or-later
# RootlessKit set-up: Debian's rootlesskit as an unprivileged test user, slirp-filter as its slirp4netns.
#
# Theory of operation: the Podman suite's machinery (tests/podman/lib.sh and
# rootless.sh) is reused for what is the same: the test re-executes itself in
# a private mount namespace, builds the isolated topology of
# tests/lib/topology.sh, bind-mounts a resolv.conf naming only the test
# resolver over /etc/resolv.conf, and makes a test-only user with subordinate
# ids by bind-mounting edited copies of /etc/passwd, group, subuid and subgid
# (the machine's files never change), with a private /dev/net holding a 0666
# tun node. RootlessKit then runs as that user inside the isolated "host"
# network namespace (nsenter --net), so the helper it starts, which stays in
# RootlessKit's own namespaces, has no way out but the veth to "inet".
# RootlessKit hides the helper's stderr unless --debug; every run here uses
# --debug and keeps that log, and the helper's audit records go to a file.
# The helper is named through a wrapper that records its argv and PID, so a
# test can prove which command line RootlessKit passed and inspect or SIGKILL
# the helper. The EXIT trap kills by PID whatever still runs as the test uid.

if [ -z "${SF_IN_MOUNTNS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (network namespaces, a test-only user)"; exit 77; }
	command -v rootlesskit >/dev/null ||
		{ echo "SKIP: rootlesskit is not installed (Debian package rootlesskit; scripts/install-deps)"; exit 77; }
	command -v newuidmap >/dev/null ||
		{ echo "SKIP: newuidmap is not installed (Debian package uidmap; scripts/install-deps)"; exit 77; }
fi
# re-executes this test in a private mount namespace, then brings topology.sh
. "$(dirname "${BASH_SOURCE[0]}")/../podman/rootless.sh"

# rk_setup: topology, servers, test resolv.conf, the test user and its copy of the helper
rk_setup() {
	topo_require_root_and_tools rootlesskit newuidmap newgidmap setpriv nsenter busybox socat dnsmasq \
		iperf3 ss mountpoint
	busybox --list >/dev/null 2>&1 || skip "busybox is not the static multi-call binary"
	topo_setup
	trap rk_cleanup EXIT
	topo_start_servers
	echo "nameserver 203.0.113.53" > "$SF_TMP/resolv.conf"
	mount --bind "$SF_TMP/resolv.conf" /etc/resolv.conf

	rootless_test_user

	# the user cannot read a build tree under /root: its own copy of the binary
	SF_BIN=$SF_TMP/bin
	mkdir -p "$SF_BIN"
	cp "$SLIRP_FILTER" "$SF_BIN/slirp-filter"
	SF_RK_WRAPPER=$SF_BIN/slirp4netns-wrapper
	cat > "$SF_RK_WRAPPER" <<WRAP
#!/bin/sh
case "\$*" in *tap0*) echo "\$*" >> "$SF_TMP/argv.log"; echo \$\$ >> "$SF_TMP/helper.pids" ;; esac
exec "$SF_BIN/slirp-filter" "\$@"
WRAP
	chmod 755 "$SF_RK_WRAPPER"
	touch "$SF_TMP/argv.log" "$SF_TMP/helper.pids" "$SF_TMP/audit.jsonl"
	chmod 666 "$SF_TMP/argv.log" "$SF_TMP/helper.pids" "$SF_TMP/audit.jsonl"
	SF_XDG=$SF_TMP/x
	mkdir -p "$SF_XDG"
	chmod 700 "$SF_XDG"
	chown -R "$SF_UID:$SF_GID" "$SF_HOME" "$SF_XDG"

	# the test policy: the web server by name and address on port 80, nothing else
	SF_RK_POLICY=$SF_TMP/rk.policy
	cat > "$SF_RK_POLICY" <<POL
# slirp-filter rootlesskit test policy
allow tcp to web.example port 80
allow tcp to 203.0.113.10 port 80
allow tcp to 2001:db8::10 port 80
POL
	chmod 644 "$SF_RK_POLICY"
	SF_RK_PIDS=()
	RK_PROBES=${RK_PROBES//@DENIED@/denied-$SF_ID.example}
}

# as_user [VAR=VALUE...] CMD...: CMD as the test user in the isolated host namespace, clean environment
as_user() {
	local envs=()
	while [ $# -gt 0 ] && [[ $1 == [A-Z]*=* ]]; do envs+=("$1"); shift; done
	nsenter --net="/run/netns/$SF_HOST_NS" setpriv --reuid="$SF_UID" --regid="$SF_GID" --init-groups \
		env -i HOME="$SF_HOME" USER="$SF_USER" LOGNAME="$SF_USER" XDG_RUNTIME_DIR="$SF_XDG" \
		PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
		SLIRP_FILTER_POLICY="${SF_POLICY:-$SF_RK_POLICY}" SLIRP_FILTER_AUDIT_LOG="$SF_TMP/audit.jsonl" \
		"${envs[@]}" "$@"
}

# rk ARGS... -- CMD...: rootlesskit (slirp-filter as its slirp4netns, --debug into
# $SF_TMP/rk.log) as the test user, in the foreground
rk() {
	as_user rootlesskit --debug --net=slirp4netns --slirp4netns-binary="$SF_RK_WRAPPER" \
		--disable-host-loopback --copy-up=/etc "$@" 2>>"$SF_TMP/rk.log"
}

# rk_bg LOG ARGS...: rk in the background; its PID is recorded (SF_RK_PID)
rk_bg() {
	local log=$1
	shift
	rk "$@" >"$log" 2>&1 </dev/null &
	SF_RK_PID=$!
	SF_RK_PIDS+=("$SF_RK_PID")
}

# rk_fail MSG: fail with RootlessKit's debug log and the helper's audit records
rk_fail() {
	echo "--- rootlesskit --debug log ---" >&2
	tail -n 60 "$SF_TMP/rk.log" >&2
	echo "--- audit log ---" >&2
	tail -n 20 "$SF_TMP/audit.jsonl" >&2
	fail "$@"
}

# last_helper: the PID of the newest helper RootlessKit started (recorded by the wrapper)
last_helper() { tail -n 1 "$SF_TMP/helper.pids"; }

# upstream_saw NAME: the test resolver's query log has a query for NAME
upstream_saw() { grep -q "query\[[A-Z]*\] $1 " "$SF_TMP/dnsmasq.log"; }

# RK_PROBES: run inside the RootlessKit child; one "name=ok|no" line per probe
# (DNS goes to the nameserver RootlessKit wrote into the child's /etc/resolv.conf)
RK_PROBES='
probe() { n=$1; shift; if "$@" >/dev/null 2>&1; then echo "$n=ok"; else echo "$n=no"; fi; }
echo "resolv=$(grep -m1 ^nameserver /etc/resolv.conf | cut -d" " -f2)"
probe name80 sh -c "timeout 10 busybox wget -q -O - http://web.example/ | grep >/dev/null ."
probe addr80 sh -c "timeout 10 busybox wget -q -O - http://203.0.113.10/ | grep >/dev/null ."
probe denied_name sh -c "timeout 10 busybox nslookup @DENIED@ 2>&1 | grep >/dev/null NXDOMAIN"
probe denied_addr_refused sh -c "echo hi | timeout 5 busybox nc 203.0.113.10 7; test \$? = 1"
probe other80 sh -c "timeout 5 busybox wget -q -O - http://203.0.113.99/ | grep >/dev/null ."
'

# rk_expect_policy OUTPUT: the probes show the test policy in force
rk_expect_policy() {
	local out=$1 want
	for want in name80=ok addr80=ok denied_name=ok denied_addr_refused=ok other80=no; do
		echo "$out" | grep >/dev/null -x "$want" || rk_fail "policy: want $want, got: $(echo "$out" | tr '\n' ' ')"
	done
	! upstream_saw "denied-$SF_ID.example" || rk_fail "the denied name reached the upstream resolver"
	upstream_saw web.example || rk_fail "the allowed name never reached the upstream resolver"
	grep -q '"verdict":"deny".*"dst":"203.0.113.10","dport":7' "$SF_TMP/audit.jsonl" ||
		rk_fail "no deny record for 203.0.113.10:7 in the audit log"
}

rk_cleanup() {
	local rc=$? pid
	set +e
	for pid in "${SF_RK_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	if [ -n "${SF_UID:-}" ]; then
		for pid in $(pgrep -u "$SF_UID"); do kill "$pid" 2>/dev/null; done
		sleep 0.2
		for pid in $(pgrep -u "$SF_UID"); do kill -9 "$pid" 2>/dev/null; done
	fi
	for pid in "${SF_RK_PIDS[@]}"; do wait "$pid" 2>/dev/null; done
	(exit "$rc")
	topo_cleanup
}
