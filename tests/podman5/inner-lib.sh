# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for scripts that run inside the Podman 5 tree (after pivot_root, see lib.sh).
set -euo pipefail

SF_HTTP_BODY=$(cat /tmp/sf/http-body)
SF_UID=30000
SF_GID=30000
SF_USER=sfu5
SF_HOME=/tmp/sf/home
SF_XDG=/tmp/sf/x

fail() {
	echo "FAIL: $*" >&2
	echo "--- argv Podman passed ---" >&2
	cat /tmp/sf/argv.log >&2 || true
	exit 1
}
pass() { echo "PASS: $*"; }
policy_supported() { [ -f /tmp/sf/policy-supported ]; }

wait_until() {
	local deadline=$(( $(date +%s%N) + $1 * 1000000000 ))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# make_rootfs DIR OWNER: busybox-static of this tree with its applets, passwd and group
make_rootfs() {
	local dir=$1 applet
	mkdir -p "$dir/bin" "$dir/etc" "$dir/www" "$dir/tmp" "$dir/root"
	cp /bin/busybox "$dir/bin/busybox"
	for applet in $("$dir/bin/busybox" --list); do
		[ -e "$dir/bin/$applet" ] || ln -s busybox "$dir/bin/$applet"
	done
	echo "root:x:0:0:root:/root:/bin/sh" > "$dir/etc/passwd"
	echo "root:x:0:" > "$dir/etc/group"
	echo "served from inside the container" > "$dir/www/index.html"
	chown -R "$2" "$dir"
}

status_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
last_helper() { tail -n 1 /tmp/sf/helper.pids; }

# check_helper_confined PID: Seccomp 2, no capabilities at all, no new privileges
check_helper_confined() {
	local pid=$1 f
	kill -0 "$pid" 2>/dev/null || fail "helper $pid is not running"
	[ "$(status_field "$pid" Seccomp)" = 2 ] || fail "helper $pid: Seccomp $(status_field "$pid" Seccomp), want 2"
	[ "$(status_field "$pid" NoNewPrivs)" = 1 ] || fail "helper $pid: NoNewPrivs is not 1"
	for f in CapInh CapPrm CapEff CapBnd CapAmb; do
		[ "$(status_field "$pid" $f)" = 0000000000000000 ] || fail "helper $pid: $f $(status_field "$pid" $f)"
	done
	echo "  helper $pid: $(grep -E '^(Uid|Seccomp|NoNewPrivs|CapPrm|CapEff|CapBnd):' "/proc/$pid/status" | tr -s '\t ' ' ' | tr '\n' ' ')"
}

# check_argv: Podman 5's argv shape reached the helper
check_argv() {
	local run
	grep -qx -- "--help" /tmp/sf/argv.log || fail "Podman did not probe --help"
	run=$(grep -- "tap0" /tmp/sf/argv.log | tail -1)
	case " $run " in
	*" -c -r 3 -e 4 "*"--netns-type=path "*" tap0 ") ;;
	*) fail "not Podman 5's argv shape (-c -r 3 -e 4 --netns-type=path NETNS tap0): $run" ;;
	esac
	echo "  argv: $run"
}

# CHECKS_SH: run inside a container; prints one "name=ok|no" line per probe
CHECKS_SH='
probe() { n=$1; shift; if "$@" >/dev/null 2>&1; then echo "$n=ok"; else echo "$n=no"; fi; }
probe http80 sh -c "timeout 10 wget -q -O - http://203.0.113.10/ | grep >/dev/null ."
probe name80 sh -c "timeout 10 wget -q -O - http://web.example/ | grep >/dev/null ."
probe tcp7 sh -c "echo hi | timeout 5 nc 203.0.113.10 7 | grep >/dev/null hi"
probe other80 sh -c "timeout 5 wget -q -O - http://203.0.113.99/ | grep >/dev/null ."
'

# expect_checks OUTPUT: HTTP always passes; with the policy, only it does
expect_checks() {
	local out=$1 want
	echo "  $(echo "$out" | tr '\n' ' ')"
	echo "$out" | grep >/dev/null -x http80=ok || fail "no HTTP to 203.0.113.10 from the container"
	policy_supported || { echo "  (this build has no egress policy yet: allow/deny checks skipped)"; return 0; }
	for want in http80=ok name80=ok tcp7=no other80=no; do
		echo "$out" | grep >/dev/null -x "$want" || fail "policy check: want $want, got: $(echo "$out" | tr '\n' ' ')"
	done
}

# rootless_user: a user that exists only in this mount namespace (bind-mounted copies of the files)
rootless_user() {
	local f
	for f in passwd group subuid subgid; do
		cp -p "/etc/$f" "/tmp/sf/etc-$f"
		mount --bind "/tmp/sf/etc-$f" "/etc/$f"
	done
	echo "$SF_USER:x:$SF_UID:$SF_GID::$SF_HOME:/bin/sh" >> /etc/passwd
	echo "$SF_USER:x:$SF_GID:" >> /etc/group
	echo "$SF_USER:400000:65536" >> /etc/subuid
	echo "$SF_USER:400000:65536" >> /etc/subgid
	mkdir -p "$SF_HOME/.config/containers" "$SF_XDG"
	chmod 700 "$SF_XDG"
	printf '[storage]\ndriver = "vfs"\n' > "$SF_HOME/.config/containers/storage.conf"
	chown -R "$SF_UID:$SF_GID" "$SF_HOME" "$SF_XDG"
	chmod 755 /tmp/sf
}

# upm [VAR=VALUE...] ARGS...: rootless podman as the test user, clean environment
upm() {
	local envs=()
	while [ $# -gt 0 ] && [[ $1 == [A-Z]*=* ]]; do envs+=("$1"); shift; done
	setpriv --reuid="$SF_UID" --regid="$SF_GID" --init-groups \
		env -i HOME="$SF_HOME" USER="$SF_USER" LOGNAME="$SF_USER" XDG_RUNTIME_DIR="$SF_XDG" \
		PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin PODMAN_IGNORE_CGROUPSV1_WARNING=1 \
		"${envs[@]}" podman "$@"
}
