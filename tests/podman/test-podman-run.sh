#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Rootful Podman runs a container through slirp-filter: it fetches a page, resolves a name, and got Podman's argv.
. "$(dirname "$0")/lib.sh"
podman_setup

out=$(pm run --rm --network slirp4netns --rootfs "$SF_ROOTFS" \
	sh -c 'timeout 10 wget -q -O - http://203.0.113.10/; echo "--"; timeout 10 nslookup web.example 10.0.2.3; echo "--"; cat /etc/resolv.conf; ip -4 addr show tap0' 2>&1) ||
	fail "podman run failed: $out"
echo "$out"
echo "$out" | grep >/dev/null -x "$SF_HTTP_BODY" || fail "the container did not fetch the test page"
pass "the container fetched http://203.0.113.10/ through slirp-filter"
echo "$out" | grep -A3 "^Name:.*web.example" | grep >/dev/null "203.0.113.10" || fail "web.example did not resolve in the container"
pass "the container resolved web.example through 10.0.2.3"
echo "$out" | grep >/dev/null "inet 10.0.2.100/24" || fail "tap0 not configured as 10.0.2.100/24"

# Podman probed --help, then started our binary with its own argv
grep -qx -- "--help" "$SF_TMP/argv.log" || fail "Podman never probed --help: $(cat "$SF_TMP/argv.log")"
run_argv=$(grep -- "--netns-type=path" "$SF_TMP/argv.log" | head -1)
for want in --disable-host-loopback --mtu=65520 --enable-sandbox --enable-seccomp -c "-r " "-e " tap0; do
	case " $run_argv " in *" $want"*) ;; *) fail "Podman's argv lacks $want: $run_argv" ;; esac
done
pass "Podman ran slirp-filter with: $run_argv"

# named by environment: the container reaches it by name over HTTP too
out=$(pm run --rm --network slirp4netns --rootfs "$SF_ROOTFS" timeout 10 wget -q -O - http://web.example/ 2>&1) ||
	fail "fetch by name failed: $out"
[ "$out" = "$SF_HTTP_BODY" ] || fail "fetch by name returned: $out"
pass "fetch by name"
