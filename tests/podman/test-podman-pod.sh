#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A rootless pod on slirp4netns: two containers share one slirp-filter helper and are both held to its policy.
. "$(dirname "$0")/rootless.sh"
podman_rootless_setup

policy=$SF_TMP/policy
write_test_policy "$policy"
POL=()
policy_supported && POL=(SLIRP_FILTER_POLICY="$policy")

# no registry: the infra container's image is our busybox tree, imported locally;
# its command ends on SIGTERM so the pod stops at once
cat > "$SF_USER_ROOTFS/bin/sf-infra" <<'SH'
#!/bin/sh
trap 'exit 0' TERM INT
while :; do sleep 1 & wait $!; done
SH
chmod 755 "$SF_USER_ROOTFS/bin/sf-infra"
tar -C "$SF_USER_ROOTFS" -cf "$SF_TMP/rootfs.tar" .
chmod 644 "$SF_TMP/rootfs.tar"
upm import -q "$SF_TMP/rootfs.tar" localhost/sf-busybox:test >/dev/null || fail "podman import failed"

pod=sfpod$SF_ID
SF_USER_PODS+=("$pod")
upm "${POL[@]}" pod create --name "$pod" --network slirp4netns \
	--infra-image localhost/sf-busybox:test --infra-command /bin/sf-infra >/dev/null ||
	fail "podman pod create --network slirp4netns failed"
upm "${POL[@]}" pod start "$pod" >/dev/null || fail "podman pod start failed"
for c in a b; do
	SF_USER_CONTAINERS+=("$pod-$c")
	upm "${POL[@]}" run -d --name "$pod-$c" --pod "$pod" --rootfs "$SF_USER_ROOTFS" sleep 1000 >/dev/null ||
		fail "podman run --pod ($c) failed"
done
[ "$(wc -l < "$SF_TMP/helper.pids")" -eq 1 ] || fail "want one helper for the pod, got: $(helper_pids | tr '\n' ' ')"
helper=$(last_helper)
check_helper_confined "$helper"
pass "pod: one slirp-filter helper for the pod's network, Seccomp 2, no capabilities"

for c in a b; do
	out=$(upm exec "$pod-$c" sh -c "$CHECKS_SH" 2>&1) || fail "podman exec $pod-$c failed: $out"
	echo "$c: $(echo "$out" | tr '\n' ' ')"
	echo "$out" | grep >/dev/null -x http80=ok || fail "container $c cannot fetch http://203.0.113.10/"
	policy_supported && expect_policy "$out"
done
# the two containers share one network namespace: b reaches a's server on localhost
upm exec -d "$pod-a" httpd -p 8080 -h /www >/dev/null || fail "httpd in container a"
out=$(upm exec "$pod-b" sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O - http://127.0.0.1:8080/ && exit 0; sleep 0.3; done; exit 1' 2>&1) ||
	fail "container b does not see container a's port: $out"
if policy_supported; then
	pass "pod: both containers are held to the one policy (port 80 allowed; port 7, 203.0.113.99 refused)"
else
	echo "SKIP (part): this build has no egress policy yet; allow/deny checks did not run"
	pass "pod: both containers reach the test server through the one helper"
fi

upm pod rm -f -t 0 "$pod" >/dev/null || fail "podman pod rm failed"
wait_until 10 bash -c "! kill -0 $helper 2>/dev/null" || fail "the pod's helper outlived the pod"
pass "pod: the helper exited with the pod"
