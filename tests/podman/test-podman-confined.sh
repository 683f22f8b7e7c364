#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Rootful Podman: the helper it starts runs with Seccomp 2 and no capabilities; only with the API socket it keeps CAP_NET_BIND_SERVICE, which a published port below 1024 needs.
. "$(dirname "$0")/lib.sh"
podman_setup

# the test's wrapper also records each helper's PID (exec keeps it)
cat > "$SF_WRAPPER" <<WRAP
#!/bin/sh
echo "\$*" >> "$SF_TMP/argv.log"
case "\$*" in *tap0*) echo \$\$ >> "$SF_TMP/helper.pids" ;; esac
exec "$SLIRP_FILTER" "\$@"
WRAP
status_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
# caps PID WANT: every capability set of PID; effective and permitted must be WANT
caps() {
	local f want
	[ "$(status_field "$1" Seccomp)" = 2 ] || fail "helper $1: Seccomp $(status_field "$1" Seccomp)"
	[ "$(status_field "$1" NoNewPrivs)" = 1 ] || fail "helper $1: NoNewPrivs is not 1"
	for f in CapInh CapPrm CapEff CapBnd CapAmb; do
		want=0000000000000000
		case $f in CapPrm | CapEff) want=$2 ;; esac
		[ "$(status_field "$1" $f)" = "$want" ] || fail "helper $1: $f $(status_field "$1" $f), want $want"
	done
	echo "  helper $1: $(grep -E '^(Uid|Seccomp|NoNewPrivs|CapPrm|CapEff|CapBnd):' "/proc/$1/status" | tr -s '\t ' ' ' | tr '\n' ' ')"
}

name=sfcf$SF_ID
SF_CONTAINERS+=("$name")
pm run -d --name "$name" --network slirp4netns --rootfs "$SF_ROOTFS" sleep 1000 >/dev/null || fail "podman run -d failed"
wait_until 10 test -s "$SF_TMP/helper.pids" || fail "no helper started"
h=$(tail -n 1 "$SF_TMP/helper.pids")
caps "$h" 0000000000000000
pm rm -f -t 0 "$name" >/dev/null
pass "rootful, no published port: Seccomp 2, no capabilities at all"

name=sfcp$SF_ID
SF_CONTAINERS+=("$name")
pm run -d --name "$name" --network slirp4netns:port_handler=slirp4netns -p 81:80 \
	--rootfs "$SF_ROOTFS" httpd -f -p 80 -h /www >/dev/null || fail "podman run -d -p 81:80 failed"
wait_until 10 bash -c "[ \"\$(tail -n 1 $SF_TMP/helper.pids)\" != $h ]" || fail "no second helper"
h=$(tail -n 1 "$SF_TMP/helper.pids")
caps "$h" 0000000000000400
wait_until 10 bash -c "ip netns exec $SF_HOST_NS timeout 5 busybox wget -q -O - http://127.0.0.1:81/ | grep >/dev/null ." ||
	fail "port 81, added through the API after the sandbox, does not answer"
pm rm -f -t 0 "$name" >/dev/null
pass "rootful with the API socket: only CAP_NET_BIND_SERVICE, and -p 81:80 works through it"
