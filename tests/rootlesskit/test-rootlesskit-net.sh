#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# RootlessKit --ipv6 and a --cidr other than the default, the policy holding in both.
. "$(dirname "$0")/lib.sh"
rk_setup

# IPv6: libslirp's router advertisements give the child fd00::/64; the policy opens 2001:db8::10 port 80 only
out=$(rk --ipv6 -- sh -c '
	i=0; until ip -6 route show default | grep >/dev/null via; do i=$((i + 1)); [ $i -lt 200 ] || break; sleep 0.05; done
	echo "addr6=$(ip -6 -o addr show dev tap0 scope global | grep -o "fd00::[0-9a-f:]*" | head -n 1)"
	if timeout 10 busybox wget -q -O - "http://[2001:db8::10]/" | grep >/dev/null .; then echo v6http=ok; else echo v6http=no; fi
	echo hi | timeout 5 busybox nc 2001:db8::10 7; echo "v6echo_rc=$?"
	'"$RK_PROBES") || rk_fail "--ipv6: rootlesskit exited $?: $out"
grep -q -- "--enable-ipv6 [0-9]* tap0" "$SF_TMP/argv.log" || rk_fail "--ipv6: argv $(tail -n 1 "$SF_TMP/argv.log")"
echo "$out" | grep >/dev/null '^addr6=fd00::' || rk_fail "--ipv6: no fd00::/64 address in the child: $out"
echo "$out" | grep >/dev/null -x v6http=ok || rk_fail "--ipv6: allowed HTTP over IPv6 failed: $out"
echo "$out" | grep >/dev/null -x v6echo_rc=1 || rk_fail "--ipv6: denied [2001:db8::10]:7 was not refused: $out"
grep -q '"verdict":"deny".*"dst":"2001:db8::10","dport":7' "$SF_TMP/audit.jsonl" ||
	rk_fail "--ipv6: no deny record for [2001:db8::10]:7"
rk_expect_policy "$out"
pass "--ipv6: the child gets fd00::/64, allowed IPv6 reachable, denied IPv6 refused, policy holds"

# a /16 instead of 10.0.2.0/24: RootlessKit computes +100, +2, +3 as slirp4netns does
out=$(rk --cidr=10.0.0.0/16 -- sh -c '
	echo "addr=$(ip -4 -o addr show dev tap0 | grep -o "inet [0-9./]*" | cut -d" " -f2)"
	echo "gw=$(ip -4 route show default | cut -d" " -f3)"
	'"$RK_PROBES") || rk_fail "--cidr: rootlesskit exited $?: $out"
grep -q -- "--cidr 10.0.0.0/16 " "$SF_TMP/argv.log" || rk_fail "--cidr: argv $(tail -n 1 "$SF_TMP/argv.log")"
for want in addr=10.0.0.100/16 gw=10.0.0.2 resolv=10.0.0.3; do
	echo "$out" | grep >/dev/null -x "$want" || rk_fail "--cidr: want $want, got: $(echo "$out" | tr '\n' ' ')"
done
rk_expect_policy "$out"
pass "--cidr=10.0.0.0/16: child 10.0.0.100/16 via 10.0.0.2, DNS 10.0.0.3 filtered, policy holds"
