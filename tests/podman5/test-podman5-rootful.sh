#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Podman 5.4 (Debian 13 tree), rootful: `--network slirp4netns` runs slirp-filter with Podman 5's argv; confined; the policy holds.
. "$(dirname "$0")/lib.sh"
podman5_setup

cat > "$SF_TMP/run.sh" <<'RUN'
. /tmp/sf/inner-lib.sh
echo "  $(podman --version), $(crun --version | head -1)"
make_rootfs /tmp/sf/rootfs 0:0
POL=()
policy_supported && POL=(SLIRP_FILTER_POLICY=/tmp/sf/policy)

env "${POL[@]}" podman run -d --name c1 --network slirp4netns --rootfs /tmp/sf/rootfs sleep 1000 >/dev/null ||
	fail "rootful podman run -d --network slirp4netns failed"
wait_until 10 test -s /tmp/sf/helper.pids || fail "Podman 5 did not start slirp-filter"
helper=$(last_helper)
check_argv
check_helper_confined "$helper"
pass "rootful Podman 5: slirp-filter started with -c -r 3 -e 4, Seccomp 2, no capabilities"

out=$(podman exec c1 sh -c "$CHECKS_SH" 2>&1) || fail "podman exec failed: $out"
expect_checks "$out"
pass "rootful Podman 5: traffic and the policy named by SLIRP_FILTER_POLICY"

out=$(env "${POL[@]}" podman run --rm --network slirp4netns --rootfs /tmp/sf/rootfs \
	timeout 10 wget -q -O - http://203.0.113.10/ 2>&1) || fail "podman run --rm failed: $out"
[ "$out" = "$SF_HTTP_BODY" ] || fail "podman run --rm fetched: $out"
pass "rootful Podman 5: podman run --rm fetches the test page"

podman rm -f -t 0 c1 >/dev/null || fail "podman rm failed"
wait_until 10 bash -c "! kill -0 $helper 2>/dev/null" || fail "the helper outlived its container"
pass "rootful Podman 5: the helper exited with its container"
RUN
podman5_run "$SF_TMP/run.sh" || fail "the run inside the Podman 5 tree failed (status $?)"
