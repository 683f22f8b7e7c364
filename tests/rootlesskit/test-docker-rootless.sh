#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Docker rootless end to end: Debian's docker.io, dockerd-rootless.sh, slirp-filter named in DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS.
#
# No registry: the image is `docker import` of a busybox-static rootfs. The
# client is Debian's /usr/bin/docker by absolute path (another docker on PATH
# may not be Debian's). Docker 20.10's dockerd-rootless.sh has no
# DETACH_NETNS: dockerd, its embedded DNS (127.0.0.11 on user-defined
# networks) and its registry pulls all live in RootlessKit's namespace, so
# every name a container looks up reaches slirp-filter's resolver; the test
# proves it with the resolver's own audit records, on the default bridge and
# on a user-defined network.
. "$(dirname "$0")/lib.sh"
dockerd_rootless=/usr/share/docker.io/contrib/dockerd-rootless.sh
docker=/usr/bin/docker
[ -x "$dockerd_rootless" ] && [ -x "$docker" ] && command -v dockerd >/dev/null ||
	skip "Debian's docker.io is not installed (dockerd-rootless.sh, /usr/bin/docker; scripts/install-deps)"
rk_setup
command -v containerd >/dev/null && command -v runc >/dev/null || skip "containerd or runc is missing"

mkdir -p "$SF_HOME/.config/docker"
# vfs: no overlayfs in a user namespace on every kernel; no "dns" key: the default works (docs/rootlesskit.md)
echo '{"storage-driver":"vfs"}' > "$SF_HOME/.config/docker/daemon.json"
chown -R "$SF_UID:$SF_GID" "$SF_HOME"
as_user PATH=/usr/bin:/bin:/usr/sbin:/sbin DOCKERD_ROOTLESS_ROOTLESSKIT_NET=slirp4netns \
	DOCKERD_ROOTLESS_ROOTLESSKIT_MTU=65520 \
	DOCKERD_ROOTLESS_ROOTLESSKIT_FLAGS="--slirp4netns-binary=$SF_RK_WRAPPER --debug" \
	"$dockerd_rootless" >"$SF_TMP/dockerd.log" 2>&1 </dev/null &
SF_RK_PIDS+=("$!")
D() { as_user DOCKER_HOST="unix://$SF_XDG/docker.sock" "$docker" "$@"; }
d_fail() { echo "--- dockerd-rootless.sh log ---" >&2; tail -n 40 "$SF_TMP/dockerd.log" >&2; rk_fail "$@"; }
wait_until 60 D info || d_fail "dockerd did not come up"
argv=$(cat "$SF_TMP/argv.log")
[[ $argv == "--mtu 65520 -r 3 --disable-host-loopback --enable-sandbox --enable-seccomp "[0-9]*" tap0" ]] ||
	d_fail "dockerd-rootless.sh's RootlessKit passed \"$argv\""
pass "dockerd-rootless.sh started slirp-filter: $argv"

podman_make_rootfs "$SF_TMP/bb"
tar -C "$SF_TMP/bb" -cf "$SF_TMP/bb.tar" .
chmod 644 "$SF_TMP/bb.tar"
D import "$SF_TMP/bb.tar" sf-busybox:test >/dev/null || d_fail "docker import"

# denied_queries NAME: how many DNS deny records slirp-filter wrote for NAME
denied_queries() { grep -c "\"event\":\"dns\",\"verdict\":\"deny\".*\"name\":\"$1\"" "$SF_TMP/audit.jsonl" || true; }
check_run() { # LABEL DOCKER-RUN-ARGS...
	local label=$1 out
	shift
	before=$(denied_queries "denied-$SF_ID.example")
	out=$(D run --rm "$@" sf-busybox:test sh -c "$RK_PROBES") || d_fail "$label: docker run exited $?: $out"
	rk_expect_policy "$out"
	[ "$(denied_queries "denied-$SF_ID.example")" -gt "$before" ] ||
		d_fail "$label: the denied name never reached slirp-filter's resolver (DNS bypassed the filter)"
	pass "$label: allowed name reachable, denied name NXDOMAIN (seen by slirp-filter, not upstream), denied address refused"
}
check_run "default bridge"
D network create sf-net >/dev/null || d_fail "docker network create"
check_run "user-defined network (embedded DNS 127.0.0.11)" --network sf-net
