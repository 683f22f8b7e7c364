#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Podman 5.4 (Debian 13 tree), rootless: with the project's drop-in a plain `podman run` (no --network) uses slirp-filter, not pasta; confined; the policy holds.
. "$(dirname "$0")/lib.sh"
podman5_setup

cat > "$SF_TMP/run.sh" <<'RUN'
. /tmp/sf/inner-lib.sh
rootless_user
make_rootfs /tmp/sf/urootfs "$SF_UID:$SF_GID"
POL=()
policy_supported && POL=(SLIRP_FILTER_POLICY=/tmp/sf/policy)

# plain: no --network at all; Podman 5 alone would pick pasta
upm "${POL[@]}" run -d --name u1 --rootfs /tmp/sf/urootfs sleep 1000 >/dev/null ||
	fail "rootless podman run -d failed"
wait_until 10 test -s /tmp/sf/helper.pids || fail "a plain rootless podman run did not start slirp-filter"
helper=$(last_helper)
check_argv
[ "$(status_field "$helper" Uid | cut -f1)" = "$SF_UID" ] || fail "the helper does not run as the test user"
[ "$(readlink "/proc/$helper/ns/user")" != "$(readlink /proc/self/ns/user)" ] ||
	fail "the helper is not in Podman's user namespace"
check_helper_confined "$helper"
pass "rootless Podman 5: a plain podman run uses slirp-filter (default_rootless_network_cmd), Seccomp 2, no capabilities"

out=$(upm exec u1 sh -c "$CHECKS_SH" 2>&1) || fail "podman exec failed: $out"
expect_checks "$out"
pass "rootless Podman 5: traffic and the policy named by SLIRP_FILTER_POLICY"

upm stop -t 0 u1 >/dev/null || fail "podman stop failed"
wait_until 10 bash -c "! kill -0 $helper 2>/dev/null" || fail "the helper outlived conmon"
upm "${POL[@]}" start u1 >/dev/null || fail "podman start failed"
wait_until 10 bash -c "[ \"\$(tail -n 1 /tmp/sf/helper.pids)\" != $helper ]" || fail "no fresh helper after start"
check_helper_confined "$(last_helper)"
out=$(upm exec u1 sh -c "$CHECKS_SH" 2>&1) || fail "podman exec after start failed: $out"
expect_checks "$out"
pass "rootless Podman 5: stop ends the helper; start runs a fresh confined one with the same policy"

out=$(upm "${POL[@]}" run --rm --network slirp4netns --rootfs /tmp/sf/urootfs \
	timeout 10 wget -q -O - http://203.0.113.10/ 2>&1) || fail "rootless podman run --rm failed: $out"
[ "$out" = "$SF_HTTP_BODY" ] || fail "rootless podman run --rm fetched: $out"
upm rm -f -t 0 u1 >/dev/null || fail "podman rm failed"
pass "rootless Podman 5: --network slirp4netns --rm works too; container removed"
RUN
podman5_run "$SF_TMP/run.sh" || fail "the run inside the Podman 5 tree failed (status $?)"
