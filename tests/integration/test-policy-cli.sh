#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Policy files from the command line (issue 3): --check-policy reports every error as
# FILE:LINE:COL (exit 1) or a summary (exit 0); a bad policy stops the helper before it is
# ready, with the error on stderr; the policy is chosen by --policy, then $SLIRP_FILTER_POLICY,
# then $XDG_CONFIG_HOME/slirp-filter/policy, then /etc/slirp-filter/policy, then the built-in
# deny-all default, and the log says which and why.
. "$(dirname "$0")/../lib/topology.sh"
. "$(dirname "$0")/policy-lib.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss python3
topo_setup

# ---- --check-policy ----
good=$(write_policy good 'version 1' 'allow tcp to 203.0.113.10 port 80' 'allow any to 198.51.100.0/24' \
	'deny tcp to 198.51.100.66 port 22' 'allow udp to 2001:db8::/32 port 53,123,1000-2000' \
	'allow tcp to web.example port 443' 'mode audit')
rc=0
"$SLIRP_FILTER" --check-policy "$good" >"$SF_TMP/out" 2>"$SF_TMP/err" || rc=$?
[ "$rc" -eq 0 ] || fail "--check-policy on a good file exited $rc: $(cat "$SF_TMP/err")"
[ ! -s "$SF_TMP/err" ] || fail "--check-policy on a good file wrote to stderr: $(cat "$SF_TMP/err")"
[ "$(wc -l <"$SF_TMP/out")" -eq 1 ] || fail "the summary is not one line: $(cat "$SF_TMP/out")"
grep -q "^$good: 5 rules (4 allow, 1 deny; 1 name rule), mode audit" "$SF_TMP/out" || fail "summary: $(cat "$SF_TMP/out")"
example=$(cd "$(dirname "$0")/../.." && pwd)/examples/policy.example
if [ -f "$example" ]; then
	"$SLIRP_FILTER" --check-policy "$example" >"$SF_TMP/out" 2>&1 || fail "examples/policy.example does not check: $(cat "$SF_TMP/out")"
fi
pass "--check-policy on good files: a one-line summary, exit 0"

bad=$(write_policy bad '# several mistakes, one per line' \
	'allow tcp to 10.0.0.1/8' \
	'alow tcp to 198.51.100.1' \
	'allow tcp port 443' \
	'allow tcp to 198.51.100.0/24 port 5000-4000' \
	'allow udp to 198.51.100.7 port 0' \
	'allow icmp to 198.51.100.8 port 7' \
	'mode strict' \
	'allow tcp to 198.51.100.9 port 80' \
	'allow tcp to 198.51.100.9 port 80' \
	'allow tcp to 198.51.100.10 port 70000')
rc=0
"$SLIRP_FILTER" --check-policy "$bad" >"$SF_TMP/out" 2>"$SF_TMP/err" || rc=$?
[ "$rc" -eq 1 ] || fail "--check-policy on a bad file exited $rc"
[ ! -s "$SF_TMP/out" ] || fail "--check-policy on a bad file wrote a summary: $(cat "$SF_TMP/out")"
expect_error() { # LINE:COL MESSAGE
	grep -qxF "$bad:$1: $2" "$SF_TMP/err" || fail "no error \"$bad:$1: $2\" in: $(cat "$SF_TMP/err")"
}
expect_error 2:14 '"10.0.0.1/8" has host bits set; the network is 10.0.0.0/8'
expect_error 3:1 "unknown keyword 'alow' (did you mean 'allow'?)"
expect_error 4:11 "missing 'to TARGET'; to allow every address write 'to 0.0.0.0/0' and 'to ::/0' explicitly"
expect_error 5:35 'inverted port range 5000-4000: write 4000-5000'
expect_error 6:32 'port 0 is not valid: ports are 1 to 65535'
expect_error 7:28 "'port' with icmp: ICMP has no ports"
expect_error 8:6 "unknown mode 'strict' (expected enforce or audit)"
expect_error 10:1 'duplicate of the rule at line 9'
expect_error 11:33 'port 70000 is out of range: ports are 1 to 65535'
[ "$(wc -l <"$SF_TMP/err")" -eq 9 ] || fail "expected exactly 9 error lines: $(cat "$SF_TMP/err")"
grep -vq "^$bad:[0-9]*:[0-9]*: " "$SF_TMP/err" && fail "an error line without FILE:LINE:COL: $(grep -v "^$bad:[0-9]*:[0-9]*: " "$SF_TMP/err")"
rc=0
"$SLIRP_FILTER" --check-policy "$SF_TMP/missing.policy" >"$SF_TMP/out" 2>"$SF_TMP/err" || rc=$?
[ "$rc" -eq 1 ] || fail "--check-policy on a missing file exited $rc"
grep -q "$SF_TMP/missing.policy" "$SF_TMP/err" || fail "the error for a missing file does not name it: $(cat "$SF_TMP/err")"
pass "--check-policy on a bad file: all 9 errors as FILE:LINE:COL, exit 1; a missing file, exit 1"

# ---- the helper, with a wrapper that shapes its environment per case ----
topo_start_servers
REAL=$SLIRP_FILTER
export XDG_CONFIG_HOME=$SF_TMP/xdg
mkdir -p "$SF_TMP/etc-ovl"
# SF_WRAP_UNSET_POLICY=1: no $SLIRP_FILTER_POLICY (topo_start_helper always sets one);
# SF_WRAP_ETC=FILE: /etc/slirp-filter/policy is FILE, in a private mount namespace only (an
# overlay on /etc whose upper layer also holds the test namespace's resolv.conf)
cat >"$SF_TMP/wrap" <<EOF
#!/bin/bash
set -e
if [ "\${SF_WRAP_UNSET_POLICY:-0}" = 1 ]; then unset SLIRP_FILTER_POLICY; fi
if [ -n "\${SF_WRAP_ETC:-}" ]; then
	exec unshare --mount --propagation private "$SF_TMP/wrap-etc" "\$@"
fi
exec "$REAL" "\$@"
EOF
cat >"$SF_TMP/wrap-etc" <<EOF
#!/bin/bash
set -e
d=$SF_TMP/etc-ovl
# ip netns exec mounted /etc/netns/$SF_HOST_NS/resolv.conf here: it must stay the one in force
grep -qx 'nameserver 203.0.113.53' /etc/resolv.conf || { echo "wrap-etc: not the test's resolv.conf" >&2; exit 1; }
mount -t tmpfs -o mode=0755 tmpfs "\$d"
mkdir -p "\$d/upper/slirp-filter" "\$d/work"
cp /etc/resolv.conf "\$d/upper/resolv.conf"
cp "\$SF_WRAP_ETC" "\$d/upper/slirp-filter/policy"
mount -t overlay overlay -o "lowerdir=/etc,upperdir=\$d/upper,workdir=\$d/work" /etc
[ "\$(grep nameserver /etc/resolv.conf)" = 'nameserver 203.0.113.53' ] || { echo "wrap-etc: resolv.conf lost" >&2; exit 1; }
exec "$REAL" "\$@"
EOF
chmod +x "$SF_TMP/wrap" "$SF_TMP/wrap-etc"
SLIRP_FILTER=$SF_TMP/wrap

# ---- a bad policy at start-up: no ready, a non-zero exit, the errors on stderr ----
wait_helper_exit() { # sets SF_HELPER_RC; fails if the helper is still running after 5 s
	local i
	for i in $(seq 100); do kill -0 "$SF_HELPER_PID" 2>/dev/null || break; sleep 0.05; done
	kill -0 "$SF_HELPER_PID" 2>/dev/null && fail "$1: the helper is still running"
	SF_HELPER_RC=0
	wait "$SF_HELPER_PID" || SF_HELPER_RC=$?
	SF_HELPER_PID=""
}
no_ready() { local r=""; ! read -r -t 0.2 -n 1 -u "$SF_READY_R" r; }
for case in bad missing; do
	if [ $case = bad ]; then SF_POLICY=$bad; else SF_POLICY=$SF_TMP/missing.policy; fi
	SF_NO_READY=1 topo_start_helper $(podman_args)
	wait_helper_exit "policy $case"
	[ "$SF_HELPER_RC" -ne 0 ] || fail "policy $case: the helper exited 0"
	no_ready || fail "policy $case: the ready fd was written"
	grep -q "$SF_POLICY" "$SF_HELPER_LOG" || fail "policy $case: stderr does not name the file: $(cat "$SF_HELPER_LOG")"
	ip -n "$SF_CONT_NS" link show tap0 >/dev/null 2>&1 && fail "policy $case: tap0 was created"
done
SF_POLICY=$bad SF_NO_READY=1 topo_start_helper $(podman_args)
wait_helper_exit "policy bad (again)"
grep -qF "$bad:3:1: unknown keyword 'alow'" "$SF_HELPER_LOG" || fail "stderr lacks $bad:3:1: $(cat "$SF_HELPER_LOG")"
grep -qF "$bad:11:33: port 70000" "$SF_HELPER_LOG" || fail "stderr lacks the last error $bad:11:33: $(cat "$SF_HELPER_LOG")"
pass "a bad or missing policy file: the helper exits non-zero before ready, errors on stderr, no tap"

# ---- selection order ----
pol_opt=$(write_policy opt 'allow tcp to 203.0.113.10 port 80')  # HTTP only
pol_env=$(write_policy env 'allow tcp to 203.0.113.10 port 7')   # echo only
mkdir -p "$XDG_CONFIG_HOME/slirp-filter"
pol_user=$XDG_CONFIG_HOME/slirp-filter/policy
printf '%s\n' 'allow tcp to 203.0.113.10 port 9' >"$pol_user" # whoami only
pol_sys=$(write_policy sys 'allow tcp to 203.0.113.10 port 80' 'allow tcp to 203.0.113.10 port 7')

reach() { # which of HTTP (80), echo (7), whoami (9) the container reaches: e.g. "80 9"
	local out=""
	[ "$(http_get http://203.0.113.10/ 2>/dev/null)" = "$SF_HTTP_BODY" ] && out="$out 80"
	[ "$(tcp_echo 203.0.113.10 7 "e-$SF_ID" 2>/dev/null)" = "e-$SF_ID" ] && out="$out 7"
	[ "$(in_cont timeout 5 socat -t 2 - TCP:203.0.113.10:9 </dev/null 2>/dev/null)" = 198.51.100.1 ] && out="$out 9"
	echo "${out# }"
}
run_case() { # NAME EXPECTED-LOG-LINE EXPECTED-REACH [HELPER ARGS...]
	local name=$1 line=$2 want=$3 got
	shift 3
	SF_AUDIT_LOG=$SF_TMP/audit-$name.log
	topo_start_helper "$@" $(podman_args)
	grep -qF "$line" "$SF_HELPER_LOG" || fail "$name: the log does not say \"$line\": $(cat "$SF_HELPER_LOG")"
	got=$(reach)
	[ "$got" = "$want" ] || fail "$name: the container reaches \"$got\", expected \"$want\""
	topo_stop_helper
	[ "$SF_HELPER_RC" -eq 0 ] || fail "$name: helper exited $SF_HELPER_RC"
	pass "$name: $line; reaches only: ${want:-nothing}"
}
SF_POLICY=$pol_env run_case option "policy: $pol_opt, chosen by --policy" 80 --policy "$pol_opt"
expect_audit 1 "option" event=policy-loaded "policy=$pol_opt" chosen-by=--policy
SF_POLICY=$pol_env run_case environment "policy: $pol_env, chosen by \$SLIRP_FILTER_POLICY" 7
expect_audit 1 "environment" event=policy-loaded "policy=$pol_env" "chosen-by=\$SLIRP_FILTER_POLICY"
SF_WRAP_UNSET_POLICY=1 run_case user-file "policy: $pol_user, chosen by the per-user file" 9
expect_audit 1 "user file" event=policy-loaded "policy=$pol_user" "chosen-by=the per-user file"
export SF_WRAP_UNSET_POLICY=1
SF_WRAP_ETC=$pol_sys run_case user-beats-system "policy: $pol_user, chosen by the per-user file" 9
rm -f "$pol_user"
SF_WRAP_ETC=$pol_sys run_case system-file "policy: /etc/slirp-filter/policy, chosen by the system file" "80 7"
expect_audit 1 "system file" event=policy-loaded policy=/etc/slirp-filter/policy "chosen-by=the system file"
unset SF_WRAP_UNSET_POLICY
if [ -e /etc/slirp-filter/policy ]; then
	# the wrapper can add a system file but not take the machine's away
	echo "NOTE: /etc/slirp-filter/policy exists on this machine: the built-in default is not tested"
	exit 0
fi
SF_WRAP_UNSET_POLICY=1 run_case built-in "policy: built-in default (deny all egress), chosen by no policy file was found" ""
expect_audit 1 "built-in" event=policy-loaded "policy=built-in default"
# the built-in default refuses with an RST like any other denial
SF_WRAP_UNSET_POLICY=1 topo_start_helper $(podman_args)
expect_refused_fast "$(probe_cont tcp 203.0.113.10 80)" "built-in default: HTTP"
expect_audit 1 "built-in" event=flow verdict=deny reason=default-deny dst=203.0.113.10 dport=80
topo_stop_helper
pass "the built-in default refuses HTTP at once"
