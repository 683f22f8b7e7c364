# SPDX-License-Identifier: GPL-2.0-or-later
# Podman end-to-end set-up: private mount namespace, machine quirks, busybox rootfs, test-local config.
#
# Theory of operation: the test re-executes itself in a private mount
# namespace, so that everything it mounts (the cgroup fix, a test
# resolv.conf over /etc/resolv.conf, Podman's own mounts) disappears with
# it. It then builds the topology of tests/lib/topology.sh and runs rootful
# Podman inside the isolated "host" network namespace (nsenter --net; `ip
# netns exec` remounts /sys and crun then fails), with CONTAINERS_CONF
# pointing at a config written here that names the helper under test as
# network_cmd_path, and with storage in the test's temporary directory.
# Podman copies the host's nameservers into the container, so the
# resolv.conf it sees names only the test resolver.

if [ -z "${SF_IN_MOUNTNS:-}" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (rootful Podman, network namespaces)"; exit 77; }
	command -v unshare >/dev/null || { echo "SKIP: unshare is not installed"; exit 77; }
	exec unshare --mount --propagation private env SF_IN_MOUNTNS=1 bash "$0" "$@"
fi

. "$(dirname "${BASH_SOURCE[0]}")/../lib/topology.sh"

# crun refuses cgroup "hybrid" mode while a controller sits on cgroup2:
# mounting such a controller on a v1 hierarchy (in this mount namespace
# only) empties the unified hierarchy's controller list.
podman_fix_cgroups() {
	local f=/sys/fs/cgroup/unified/cgroup.controllers c
	[ -r "$f" ] || return 0
	for c in $(cat "$f"); do
		mkdir -p "/sys/fs/cgroup/$c" 2>/dev/null || mount -t tmpfs -o remount,rw tmpfs /sys/fs/cgroup
		mkdir -p "/sys/fs/cgroup/$c"
		mountpoint -q "/sys/fs/cgroup/$c" || mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/$c" ||
			fail "cannot move cgroup controller $c off cgroup2"
	done
}

# podman_make_rootfs DIR: busybox-static with its applet links, passwd and group.
podman_make_rootfs() {
	local dir=$1 applet
	mkdir -p "$dir/bin" "$dir/etc" "$dir/www" "$dir/tmp" "$dir/root"
	cp "$(command -v busybox)" "$dir/bin/busybox"
	for applet in $("$dir/bin/busybox" --list); do
		[ -e "$dir/bin/$applet" ] || ln -s busybox "$dir/bin/$applet"
	done
	echo "root:x:0:0:root:/root:/bin/sh" > "$dir/etc/passwd"
	echo "root:x:0:" > "$dir/etc/group"
	echo "served from inside the container $SF_ID" > "$dir/www/index.html"
}

podman_setup() {
	topo_require_root_and_tools podman crun busybox socat dnsmasq iperf3 ss nsenter mountpoint
	busybox --list >/dev/null 2>&1 || skip "busybox is not the static multi-call binary"
	podman_fix_cgroups
	topo_setup
	topo_start_servers
	echo "nameserver 203.0.113.53" > "$SF_TMP/resolv.conf"
	mount --bind "$SF_TMP/resolv.conf" /etc/resolv.conf
	SF_ROOTFS=$SF_TMP/rootfs
	podman_make_rootfs "$SF_ROOTFS"
	# Podman must have really run our binary: a wrapper logs the argv it got
	SF_WRAPPER=$SF_TMP/network-cmd
	cat > "$SF_WRAPPER" <<WRAP
#!/bin/sh
echo "\$*" >> "$SF_TMP/argv.log"
exec "$SLIRP_FILTER" "\$@"
WRAP
	chmod +x "$SF_WRAPPER"
	local n
	n=$(ulimit -Hn)
	cat > "$SF_TMP/containers.conf" <<CONF
[containers]
# root here lacks CAP_SYS_RESOURCE: Podman's default ulimits would fail
default_ulimits = ["nofile=$n:$n", "nproc=32768:32768"]

[engine]
network_cmd_path = "$SF_WRAPPER"
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "crun"

[network]
default_rootless_network_cmd = "slirp4netns"
CONF
	cat > "$SF_TMP/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$SF_TMP/storage"
runroot = "$SF_TMP/runroot"
CONF
	export CONTAINERS_CONF=$SF_TMP/containers.conf
	export CONTAINERS_STORAGE_CONF=$SF_TMP/storage.conf
	# the helper inherits Podman's environment: its policy, unless a test sets another
	export SLIRP_FILTER_POLICY=${SF_POLICY:-$SF_ALLOW_ALL}
	export XDG_RUNTIME_DIR=$SF_TMP/xdg
	mkdir -p "$XDG_RUNTIME_DIR"
	SF_CONTAINERS=()
	trap podman_cleanup EXIT
}

# pm ARGS...: podman inside the isolated host namespace with the test's config.
pm() {
	nsenter --net="/run/netns/$SF_HOST_NS" podman --tmpdir "$SF_TMP/libpod-tmp" "$@"
}

podman_cleanup() {
	local rc=$? c
	set +e
	for c in "${SF_CONTAINERS[@]}"; do
		pm rm -f -t 0 "$c" >/dev/null 2>&1
	done
	(exit "$rc")
	topo_cleanup
}
