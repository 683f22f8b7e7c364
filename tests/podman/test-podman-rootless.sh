#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Rootless Podman 4.3 finds slirp-filter through the per-user drop-in; the helper is confined and enforces the policy named by SLIRP_FILTER_POLICY.
. "$(dirname "$0")/rootless.sh"
podman_rootless_setup

policy=$SF_TMP/policy
write_test_policy "$policy"
POL=()
policy_supported && POL=(SLIRP_FILTER_POLICY="$policy")

# a plain `podman run` (no --network): the drop-in's default_rootless_network_cmd is ignored by 4.3,
# whose rootless default is slirp4netns anyway; either way it must be our binary
name=sfrl$SF_ID
SF_USER_CONTAINERS+=("$name")
upm "${POL[@]}" run -d --name "$name" --network slirp4netns --rootfs "$SF_USER_ROOTFS" sleep 1000 >/dev/null ||
	fail "rootless podman run -d failed"
wait_until 10 test -s "$SF_TMP/helper.pids" || fail "Podman never started slirp-filter: $(cat "$SF_TMP/argv.log")"
helper=$(last_helper)
wait_until 10 grep -q 'seccomp: allow-list in place' "/proc/$helper/fd/2" 2>/dev/null || true
check_helper_confined "$helper"
[ "$(status_field "$helper" Uid | cut -f1)" = "$SF_UID" ] || fail "the helper does not run as the test user"
[ "$(readlink "/proc/$helper/ns/user")" != "$(readlink /proc/self/ns/user)" ] ||
	fail "the helper is not in Podman's user namespace"
pass "rootless: Podman started slirp-filter from its user namespace: Seccomp 2, no capabilities"
grep -- "--netns-type" "$SF_TMP/argv.log" | head -1

out=$(upm exec "$name" sh -c "$CHECKS_SH" 2>&1) || fail "podman exec failed: $out"
echo "$out"
echo "$out" | grep >/dev/null -x http80=ok || fail "the rootless container cannot fetch http://203.0.113.10/"
if policy_supported; then
	expect_policy "$out"
	pass "rootless: SLIRP_FILTER_POLICY on the podman run line: port 80 allowed, port 7 and 203.0.113.99 refused"
else
	echo "SKIP (part): this build has no egress policy yet; allow/deny checks did not run"
fi

# plain rootless run without --network: still slirp-filter
before=$(wc -l < "$SF_TMP/helper.pids")
out=$(upm "${POL[@]}" run --rm --rootfs "$SF_USER_ROOTFS" timeout 10 wget -q -O - http://203.0.113.10/ 2>&1) ||
	fail "plain rootless podman run failed: $out"
[ "$out" = "$SF_HTTP_BODY" ] || fail "plain rootless run fetched: $out"
[ "$(wc -l < "$SF_TMP/helper.pids")" -gt "$before" ] || fail "a plain rootless run did not use slirp-filter"
pass "rootless: a plain podman run (no --network) goes through slirp-filter too"

upm rm -f -t 0 "$name" >/dev/null || fail "podman rm failed"
wait_until 5 bash -c "! kill -0 $helper 2>/dev/null" || fail "the helper outlived its container"
pass "rootless: the helper exited with its container"
