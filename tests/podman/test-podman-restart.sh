#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Rootless stop/start/restart: the helper exits with conmon and leaves nothing behind; each start gets a fresh, confined helper with the same policy.
. "$(dirname "$0")/rootless.sh"
podman_rootless_setup

policy=$SF_TMP/policy
write_test_policy "$policy"
POL=()
policy_supported && POL=(SLIRP_FILTER_POLICY="$policy")

# check_run: the current helper is confined, the published port answers, the policy holds
check_run() {
	local helper=$1 out
	check_helper_confined "$helper"
	wait_until 10 bash -c "ip netns exec $SF_HOST_NS timeout 5 busybox wget -q -O - http://127.0.0.1:18082/ | grep >/dev/null ." ||
		fail "the published port 18082 does not answer"
	out=$(upm exec "$name" sh -c "$CHECKS_SH" 2>&1) || fail "podman exec failed: $out"
	echo "  $(echo "$out" | tr '\n' ' ')"
	echo "$out" | grep >/dev/null -x http80=ok || fail "no HTTP from the container"
	if policy_supported; then expect_policy "$out"; fi
}

# check_gone PID SOCKET: the helper has exited and removed its API socket
check_gone() {
	wait_until 10 bash -c "! kill -0 $1 2>/dev/null" || fail "helper $1 still runs after the container stopped"
	[ ! -e "$2" ] || fail "the API socket $2 was left behind"
}

name=sfrs$SF_ID
SF_USER_CONTAINERS+=("$name")
upm "${POL[@]}" run -d --name "$name" --network slirp4netns:port_handler=slirp4netns -p 18082:8080 \
	--rootfs "$SF_USER_ROOTFS" httpd -f -p 8080 -h /www >/dev/null || fail "podman run -d failed"
wait_until 10 test -s "$SF_TMP/helper.pids" || fail "no helper started"
h1=$(last_helper)
api=$(grep -o -- '--api-socket [^ ]*' "$SF_TMP/argv.log" | tail -1 | cut -d' ' -f2)
[ -n "$api" ] || fail "Podman passed no --api-socket: $(tail -1 "$SF_TMP/argv.log")"
check_run "$h1"
pass "run: helper $h1 confined, port published through the API socket, policy in force"

upm stop -t 0 "$name" >/dev/null || fail "podman stop failed"
check_gone "$h1" "$api"
pass "stop: helper $h1 exited with conmon and removed $api"

upm "${POL[@]}" start "$name" >/dev/null || fail "podman start failed"
wait_until 10 bash -c "[ \"\$(tail -n 1 $SF_TMP/helper.pids)\" != $h1 ]" || fail "start did not run a new helper"
h2=$(last_helper)
check_run "$h2"
pass "start: a fresh helper $h2, confined, same policy"

upm "${POL[@]}" restart -t 0 "$name" >/dev/null || fail "podman restart failed"
check_gone "$h2" "$api-not-checked"
wait_until 10 bash -c "[ \"\$(tail -n 1 $SF_TMP/helper.pids)\" != $h2 ]" || fail "restart did not run a new helper"
h3=$(last_helper)
check_run "$h3"
pass "restart: helper $h2 exited, a fresh helper $h3, confined, same policy"

if policy_supported; then
	# a restart without the variable (e.g. by hand, later): the per-user default file is what persists
	mkdir -p "$SF_HOME/.config/slirp-filter"
	cp "$policy" "$SF_HOME/.config/slirp-filter/policy"
	chown -R "$SF_UID:$SF_GID" "$SF_HOME/.config/slirp-filter"
	upm restart -t 0 "$name" >/dev/null || fail "podman restart (no variable) failed"
	wait_until 10 bash -c "[ \"\$(tail -n 1 $SF_TMP/helper.pids)\" != $h3 ]" || fail "no new helper"
	check_run "$(last_helper)"
	pass "restart without SLIRP_FILTER_POLICY: ~/.config/slirp-filter/policy keeps the same policy"
fi

upm rm -f -t 0 "$name" >/dev/null || fail "podman rm failed"
check_gone "$(last_helper)" "$api"
leftover=$(find "$SF_XDG" "$SF_HOME" -newer "$SF_TMP/argv.log" \( -type s -o -name '*.net' \) 2>/dev/null | grep -v '/libpod/tmp/pause' || true)
[ -z "$leftover" ] || fail "files left behind: $leftover"
pass "rm: no helper, no API socket left"
