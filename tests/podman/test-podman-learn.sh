#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The README's "from no policy to an enforced one in three commands" (issue 8), under rootful
# Podman in the isolated topology: a busybox container in audit mode with examples/learn.policy,
# `slirp-filter suggest-policy` on its log, then the same container under the suggestion. It
# prints each command's output as the README shows it (only `pm` and `--rootfs` differ).
. "$(dirname "$0")/lib.sh"
learn=$(cd "$(dirname "$0")/../.." && pwd)/examples/learn.policy
podman_setup
cd "$SF_TMP"

workload='wget -qO- http://web.example/ && ping -c1 -W3 web.example | head -2'
out=$SF_TMP/out

echo '$ SLIRP_FILTER_POLICY=$PWD/examples/learn.policy SLIRP_FILTER_AUDIT_LOG=$PWD/audit.jsonl \'
echo "    podman run --rm --network slirp4netns busybox sh -c '$workload'"
SLIRP_FILTER_POLICY=$learn SLIRP_FILTER_AUDIT_LOG=$SF_TMP/audit.jsonl \
	pm run --rm --network slirp4netns --rootfs "$SF_ROOTFS" sh -c "$workload" >"$out" 2>&1 ||
	fail "the audit run failed: $(cat "$out")"
cat "$out"
grep -qx "$SF_HTTP_BODY" "$out" || fail "the audit run did not fetch the page"
grep -q 'bytes from 203.0.113.10' "$out" || fail "the audit run did not ping web.example"

echo '$ slirp-filter suggest-policy audit.jsonl | tee web.policy'
"$SLIRP_FILTER" suggest-policy audit.jsonl >web.policy 2>"$out" || fail "suggest-policy: $(cat "$out")"
sed "s|$SF_TMP/||" web.policy
grep -qx 'allow tcp to web.example port 80' web.policy || fail "no rule for the fetch"
grep -qx 'allow icmp to web.example' web.policy || fail "no rule for the ping"
[ "$(grep -c '^allow' web.policy)" -eq 2 ] || fail "more rules than the workload needs"
"$SLIRP_FILTER" --check-policy web.policy >"$out" 2>&1 || fail "the suggestion does not check: $(cat "$out")"

check='nc -w 3 203.0.113.10 7 </dev/null && echo port 7 reached || echo port 7 refused'
echo '$ SLIRP_FILTER_POLICY=$PWD/web.policy \'
echo "    podman run --rm --network slirp4netns busybox sh -c '$workload; $check'"
SLIRP_FILTER_POLICY=$SF_TMP/web.policy SLIRP_FILTER_AUDIT_LOG=$SF_TMP/enforce.jsonl \
	pm run --rm --network slirp4netns --rootfs "$SF_ROOTFS" sh -c "$workload; $check" >"$out" 2>&1 ||
	fail "the enforce run failed: $(cat "$out")"
cat "$out"
grep -qx "$SF_HTTP_BODY" "$out" || fail "the enforce run did not fetch the page"
grep -q 'bytes from 203.0.113.10' "$out" || fail "the enforce run did not ping web.example"
grep -qx 'port 7 refused' "$out" || fail "port 7, which the workload never used, was reachable"
grep -q '"verdict":"deny","reason":"default-deny".*"dport":7' enforce.jsonl || fail "no deny record for port 7"
grep -q '"verdict":"deny"' audit.jsonl && fail "the audit run denied something"
pass "audit run, suggest-policy, enforce run: the workload passes, port 7 is refused"
