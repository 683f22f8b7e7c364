#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live status (issue 8): `slirp-filter status API_SOCKET` and the get_status API command show the
# policy in force, the counters, the learned addresses with their TTL and the open flows, as tables
# and as JSON, from a helper running with Podman's argv (sandbox and seccomp on).
. "$(dirname "$0")/../lib/topology.sh"
. "$(dirname "$0")/policy-lib.sh"
topo_require_root_and_tools busybox socat dnsmasq iperf3 ss python3 dig
topo_setup
topo_start_servers

SF_POLICY=$(write_policy status 'allow tcp to web.example port 7,80' 'allow udp to 203.0.113.10 port 7' \
	'dns ttl-min 120 ttl-max 120')
SF_AUDIT_LOG=$SF_TMP/audit.jsonl
SF_API=$SF_TMP/api.sock
topo_start_helper $(podman_args) -a "$SF_API"

# ---- before any traffic ----
"$SLIRP_FILTER" status "$SF_API" >"$SF_TMP/st0" 2>"$SF_TMP/st0.err" || fail "status failed: $(cat "$SF_TMP/st0.err")"
[ ! -s "$SF_TMP/st0.err" ] || fail "status wrote to stderr: $(cat "$SF_TMP/st0.err")"
grep -qx "Policy    $SF_POLICY" "$SF_TMP/st0" || fail "no policy line: $(cat "$SF_TMP/st0")"
grep -qx 'Chosen by \$SLIRP_FILTER_POLICY' "$SF_TMP/st0" || fail "no chosen-by line: $(cat "$SF_TMP/st0")"
grep -qx 'Mode      enforce' "$SF_TMP/st0" || fail "no mode line: $(cat "$SF_TMP/st0")"
grep -q '^Rules     2 rules (2 allow, 0 deny; 1 name rule), mode enforce' "$SF_TMP/st0" || fail "no rules line: $(cat "$SF_TMP/st0")"
grep -Eq '^Loaded    20[0-9-]{8}T[0-9:]{8}\.[0-9]{3}Z \([0-9]+s ago\); 0 reload\(s\), 0 refused$' "$SF_TMP/st0" || fail "no loaded line: $(cat "$SF_TMP/st0")"
grep -qx 'Learned addresses (0)' "$SF_TMP/st0" || fail "learned addresses before any lookup: $(cat "$SF_TMP/st0")"
grep -qx 'Open flows (0)' "$SF_TMP/st0" || fail "flows before any traffic: $(cat "$SF_TMP/st0")"
pass "status before any traffic: policy file, chosen by, mode, rules, load time; no learned address, no flow"

# ---- a lookup, one long TCP connection through the name, one UDP flow by address ----
got=$(in_cont dig +short +time=3 +tries=1 @10.0.2.3 web.example A) || fail "dig failed"
[ "$got" = 203.0.113.10 ] || fail "web.example answered \"$got\""
hold_out=$SF_TMP/hold.out
bg_in "$SF_CONT_NS" "$hold_out" timeout 30 python3 "$SF_PROBE" hold 203.0.113.10 7 --interval 0.2 --duration 20
wait_until 5 grep -q '^echo 2' "$hold_out" || fail "the held connection does not echo: $(cat "$hold_out")"
sport=$(sed -n 's/^connected \([0-9]*\).*/\1/p' "$hold_out")
[ -n "$sport" ] || fail "no source port from the probe: $(cat "$hold_out")"
got=$(udp_echo 203.0.113.10 7 "u-$SF_ID") || fail "UDP echo failed"
[ "$got" = "u-$SF_ID" ] || fail "UDP echo answered \"$got\""

"$SLIRP_FILTER" status --json "$SF_API" >"$SF_TMP/st1.json" 2>"$SF_TMP/st1.err" || fail "status --json failed: $(cat "$SF_TMP/st1.err")"
SF_POLICY="$SF_POLICY" SF_SPORT="$sport" python3 - "$SF_TMP/st1.json" <<'PY' || fail "get_status JSON: $(cat "$SF_TMP/st1.json")"
import datetime, json, os, sys
r = json.load(open(sys.argv[1]))["return"]
pol = os.environ["SF_POLICY"]
p = r["policy"]
assert p["source"] == pol and p["chosen_by"] == "$SLIRP_FILTER_POLICY", p
assert p["mode"] == "enforce" and p["rules"] == 2 and p["reloads"] == 0, p
assert p["summary"].startswith(pol + ": 2 rules"), p
datetime.datetime.strptime(p["loaded"], "%Y-%m-%dT%H:%M:%S.%fZ")
assert p["audit_log"].endswith("/audit.jsonl"), p
c = r["counters"]
assert c["flows"]["allowed"] >= 2 and c["flows"]["active"] >= 2, c
assert c["mode"] == "enforce" and c["dns"]["queries"] >= 1, c
l = [e for e in r["learned"] if e["addr"] == "203.0.113.10" and e["name"] == "web.example"]
assert len(l) == 1 and 100 <= l[0]["ttl_left_s"] <= 120, r["learned"]
assert r["learned_total"] == len(r["learned"]) and r["learned_truncated"] == 0
f = [x for x in r["flows"] if x["proto"] == "tcp" and x["dport"] == 7 and x["sport"] == int(os.environ["SF_SPORT"])]
assert len(f) == 1, r["flows"]
f = f[0]
assert f["src"] == "10.0.2.100" and f["dst"] == "203.0.113.10" and f["state"] == "established", f
assert f["reason"] == "learned" and f["rule"] == pol + ":1" and f["name"] == "web.example", f
assert f["verdict"] == "allow" and f["packets"] >= 3 and 0 <= f["idle_s"] <= 2, f
u = [x for x in r["flows"] if x["proto"] == "udp" and x["dport"] == 7]
assert len(u) == 1 and u[0]["reason"] == "rule-allow" and u[0]["rule"] == pol + ":2" and u[0]["state"] == "open", u
assert r["flows_total"] == len(r["flows"]) and r["flows_truncated"] == 0
PY
pass "status --json: policy, counters, the learned address with its TTL, both flows with reason, rule, name, state, packets"

"$SLIRP_FILTER" status "$SF_API" >"$SF_TMP/st1" 2>&1 || fail "status failed: $(cat "$SF_TMP/st1")"
grep -qx 'Learned addresses (1)' "$SF_TMP/st1" || fail "learned: $(cat "$SF_TMP/st1")"
grep -Eq '^  203\.0\.113\.10 +[0-9]+m[0-9]{2}s  web\.example$' "$SF_TMP/st1" || fail "no learned row: $(cat "$SF_TMP/st1")"
grep -Eq "^  tcp +10\.0\.2\.100:$sport +203\.0\.113\.10:7 +established +[0-9]+ +[0-9]+s  learned web\.example \(status\.policy:1\)$" "$SF_TMP/st1" ||
	fail "no row for the TCP flow: $(cat "$SF_TMP/st1")"
grep -Eq '^  udp +10\.0\.2\.100:[0-9]+ +203\.0\.113\.10:7 +open +[0-9]+ +[0-9]+s  rule-allow \(status\.policy:2\), an address of web\.example$' "$SF_TMP/st1" ||
	fail "no row for the UDP flow: $(cat "$SF_TMP/st1")"
grep -Eq '^Flows     [0-9]+ active, [0-9]+ allowed, 0 denied$' "$SF_TMP/st1" || fail "no flow counters: $(cat "$SF_TMP/st1")"
pass "status tables: the learned address with its remaining TTL and the flows with why they are allowed"

# scripts can ask the API socket directly, in the same one-request form as get_counters
raw=$(api '{"execute":"get_status"}')
[ "$(echo "$raw" | jget return.policy.mode)" = enforce ] || fail "raw get_status: $raw"
[ "$(echo "$raw" | jget return.learned_total)" -ge 1 ] || fail "raw get_status: $raw"
pass "get_status on the API socket answers the same JSON"

# a reload shows in the status; the helper survived everything with seccomp on
printf '%s\n' 'allow tcp to web.example port 7,80' 'allow udp to 203.0.113.10 port 7' 'dns ttl-min 120 ttl-max 120' \
	'mode audit' >"$SF_POLICY"
kill -HUP "$SF_HELPER_PID"
wait_until 5 bash -c "'$SLIRP_FILTER' status --json '$SF_API' | grep >/dev/null '\"reloads\":1'" || fail "the reload does not show"
"$SLIRP_FILTER" status "$SF_API" >"$SF_TMP/st2" 2>&1 || fail "status after reload failed: $(cat "$SF_TMP/st2")"
grep -qx 'Mode      audit' "$SF_TMP/st2" || fail "mode after reload: $(cat "$SF_TMP/st2")"
grep -q '; 1 reload(s), 0 refused$' "$SF_TMP/st2" || fail "reloads after reload: $(cat "$SF_TMP/st2")"
kill -0 "$SF_HELPER_PID" 2>/dev/null || fail "the helper died"
pass "after SIGHUP the status shows the new mode and one reload"

topo_stop_helper
[ "$SF_HELPER_RC" -eq 0 ] || fail "helper exited $SF_HELPER_RC"
