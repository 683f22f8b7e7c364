# SPDX-License-Identifier: GPL-2.0-or-later
# Podman 5 set-up: the Debian 13 tree of scripts/podman5-tree, entered in private namespaces inside the test topology.
#
# Theory of operation: the test builds the topology of tests/lib/topology.sh
# (helper side "host", test servers in "inet"), then stages what the run
# needs in its temporary directory: the helper built here with every runtime
# library and the Debian 12 dynamic loader (it runs on Debian 13 through a
# wrapper that names that loader), the project's Podman drop-in with
# @BINDIR@ = /opt/slirp-filter/bin, a test drop-in, a busybox root, the
# policy and the script to run. It then starts
#   nsenter --net=HOST-NS unshare --mount --pid --fork --propagation private
# so everything in the tree runs in the isolated network namespace, in a
# mount namespace whose mounts (proc, sys, dev, a private /dev/net with its
# own tun node, tmpfs on /run, /tmp and the container storage, the test
# resolv.conf) never reach the machine, and in a PID namespace whose end
# takes every process started inside with it (Podman's pause process,
# conmon, helpers). pivot_root, not chroot: the kernel refuses user
# namespaces to a chrooted process, and rootless Podman needs one. The
# cached tree itself is never written to.

. "$(dirname "${BASH_SOURCE[0]}")/../lib/topology.sh"

SF_SOURCE_ROOT=${SF_SOURCE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SF_P5_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# podman5_stage_helper DIR: the helper, its libraries and the Debian 12 loader, run by DIR/bin/slirp-filter
podman5_stage_helper() {
	local dir=$1 lib loader
	mkdir -p "$dir/bin" "$dir/lib"
	cp "$SLIRP_FILTER" "$dir/bin/slirp-filter.bin"
	loader=$(readelf -l "$SLIRP_FILTER" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	[ -n "$loader" ] || fail "cannot read the helper's program interpreter"
	cp -L "$loader" "$dir/lib/"
	for lib in $(ldd "$SLIRP_FILTER" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'); do
		cp -L "$lib" "$dir/lib/"
	done
	cat > "$dir/bin/slirp-filter" <<WRAP
#!/bin/sh
# slirp-filter built on Debian 12, with its own loader and libraries
exec /opt/slirp-filter/lib/$(basename "$loader") --inhibit-cache --library-path /opt/slirp-filter/lib \\
	/opt/slirp-filter/bin/slirp-filter.bin "\$@"
WRAP
	chmod -R a+rX "$dir"
	chmod 755 "$dir/bin/slirp-filter"
}

podman5_setup() {
	topo_require_root_and_tools unshare nsenter readelf ldd busybox socat dnsmasq iperf3 ss mountpoint
	if [ -n "${SF_PODMAN5_TREE:-}" ] && [ -f "$SF_PODMAN5_TREE/.slirp-filter-tree-complete" ]; then
		SF_TREE=$SF_PODMAN5_TREE
	else
		command -v debootstrap >/dev/null ||
			[ -f /var/cache/slirp-filter/trixie-podman5/.slirp-filter-tree-complete ] ||
			skip "debootstrap is not installed and no Podman 5 tree is cached (scripts/install-deps)"
		SF_TREE=$("$SF_SOURCE_ROOT/scripts/podman5-tree") || fail "could not build the Podman 5 tree"
	fi
	echo "Podman 5 tree: $SF_TREE ($(tr '\n' ' ' < "$SF_TREE/.slirp-filter-tree-complete"))"
	topo_setup
	topo_start_servers

	SF_STAGE=$SF_TMP/stage
	mkdir -p "$SF_STAGE/sf/conf.d"
	chmod 755 "$SF_TMP" "$SF_STAGE"
	podman5_stage_helper "$SF_STAGE/opt"
	sed 's|@BINDIR@|/opt/slirp-filter/bin|' "$SF_SOURCE_ROOT/containers.conf.d/50-slirp-filter.conf.in" \
		> "$SF_STAGE/sf/conf.d/50-slirp-filter.conf"
	cat > "$SF_STAGE/sf/conf.d/60-test.conf" <<CONF
# test only: a wrapper that records each helper's PID before it runs /opt/slirp-filter/bin/slirp-filter
[engine]
network_cmd_path = "/tmp/sf/network-cmd"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
	cat > "$SF_STAGE/sf/network-cmd" <<'WRAP'
#!/bin/sh
echo "$*" >> /tmp/sf/argv.log
case "$*" in *tap0*) echo $$ >> /tmp/sf/helper.pids ;; esac
exec /opt/slirp-filter/bin/slirp-filter "$@"
WRAP
	chmod 755 "$SF_STAGE/sf/network-cmd"
	cat > "$SF_STAGE/sf/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "/var/lib/containers/storage"
runroot = "/run/containers/storage"
CONF
	echo "nameserver 203.0.113.53" > "$SF_STAGE/sf/resolv.conf"
	echo "$SF_HTTP_BODY" > "$SF_STAGE/sf/http-body"
	cp "$SF_P5_DIR/inner-lib.sh" "$SF_STAGE/sf/"
	# a busybox root from the tree's own busybox-static, made inside (its applet list)
	cat > "$SF_STAGE/sf/policy" <<POL
# slirp-filter test policy: only HTTP to the test web server
allow tcp to 203.0.113.10 port 80
allow tcp to web.example port 80
POL
	: > "$SF_STAGE/sf/argv.log"
	: > "$SF_STAGE/sf/helper.pids"
	chmod 666 "$SF_STAGE/sf/argv.log" "$SF_STAGE/sf/helper.pids"
	chmod -R a+rX "$SF_STAGE/sf"
	if "$SLIRP_FILTER" --help 2>/dev/null | grep >/dev/null -- '--policy'; then
		echo 1 > "$SF_STAGE/sf/policy-supported"
	fi
}

# podman5_run SCRIPT: runs SCRIPT (a file) with bash inside the tree; returns its status
podman5_run() {
	cp "$1" "$SF_STAGE/sf/run.sh"
	cat > "$SF_TMP/enter.sh" <<'ENTER'
set -euo pipefail
tree=$1 stage=$2
# crun refuses cgroup "hybrid" mode while a controller sits on cgroup2 (see tests/podman/lib.sh)
f=/sys/fs/cgroup/unified/cgroup.controllers
if [ -r "$f" ]; then
	for c in $(cat "$f"); do
		mkdir -p "/sys/fs/cgroup/$c" 2>/dev/null || mount -t tmpfs -o remount,rw tmpfs /sys/fs/cgroup
		mkdir -p "/sys/fs/cgroup/$c"
		mountpoint -q "/sys/fs/cgroup/$c" || mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c"
	done
fi
mount --bind "$tree" "$tree"
mount -t proc proc "$tree/proc"
mount --rbind /sys "$tree/sys"
mount --rbind /dev "$tree/dev"
mount -t tmpfs -o mode=0755,size=16k tmpfs "$tree/dev/net"
mknod -m 666 "$tree/dev/net/tun" c 10 200
mount -t tmpfs -o mode=0755 tmpfs "$tree/run"
mount -t tmpfs -o mode=1777 tmpfs "$tree/tmp"
mount -t tmpfs -o mode=0700 tmpfs "$tree/var/lib/containers"
mount -t tmpfs -o mode=0755 tmpfs "$tree/etc/containers/containers.conf.d"
mount --bind "$stage/opt" "$tree/opt/slirp-filter"
mount -o remount,bind,ro "$tree/opt/slirp-filter"
cp -a "$stage/sf" "$tree/tmp/sf"
cp "$stage/sf/conf.d/"*.conf "$tree/etc/containers/containers.conf.d/"
mount --bind "$tree/tmp/sf/resolv.conf" "$tree/etc/resolv.conf"
cd "$tree"
pivot_root . .oldroot
cd /
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
hash -r
umount -l /.oldroot
mount --make-rshared /
export PODMAN_IGNORE_CGROUPSV1_WARNING=1 CONTAINERS_STORAGE_CONF=/tmp/sf/storage.conf
exec /bin/bash /tmp/sf/run.sh
ENTER
	local rc=0
	nsenter --net="/run/netns/$SF_HOST_NS" unshare --mount --pid --fork --kill-child --propagation private \
		bash "$SF_TMP/enter.sh" "$SF_TREE" "$SF_STAGE" </dev/null || rc=$?
	return "$rc"
}
