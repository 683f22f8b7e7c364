#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The man pages (issue 8): the built slirp-filter(1) and slirp-filter.policy(5) render with groff
# and man without a single warning, and say what they must: every option of --help, the
# subcommands, the environment, and every keyword of the policy language (as docs/policy.md does).
# Usage: test-man.sh PAGE... (the built pages, as meson passes them).
set -euo pipefail
SLIRP_FILTER=${SLIRP_FILTER:?}
SRC=${SF_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
TMP=$(mktemp -d /tmp/sf-man.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "PASS: $*"; }
command -v groff >/dev/null || { echo "SKIP: groff is not installed"; exit 77; }
[ $# -ge 2 ] || fail "usage: test-man.sh PAGE..."

for page in "$@"; do
	name=${page##*/}
	[ -s "$page" ] || fail "$page is missing or empty"
	groff -man -Tutf8 -ww -z "$page" 2>"$TMP/groff.err" || fail "groff failed on $name: $(cat "$TMP/groff.err")"
	[ ! -s "$TMP/groff.err" ] || fail "groff warns about $name: $(cat "$TMP/groff.err")"
	if command -v man >/dev/null; then
		MANWIDTH=80 man --warnings -l "$page" >"$TMP/$name.txt" 2>"$TMP/man.err" || fail "man -l failed on $name: $(cat "$TMP/man.err")"
		[ ! -s "$TMP/man.err" ] || fail "man -l warns about $name: $(cat "$TMP/man.err")"
	else
		groff -man -Tutf8 "$page" 2>/dev/null | sed 's/.\x08//g' >"$TMP/$name.txt"
	fi
	pass "$name renders without warnings"
done

one=$TMP/slirp-filter.1.txt
five=$TMP/slirp-filter.policy.5.txt
[ -s "$one" ] && [ -s "$five" ] || fail "expected slirp-filter.1 and slirp-filter.policy.5 among: $*"
# man hyphenates words at line ends; join those back before searching
for f in "$one" "$five"; do
	tr '\n' ' ' <"$f" | sed -e 's/‐ *//g' -e 's/  */ /g' >"$f.flat"
done

for section in NAME SYNOPSIS DESCRIPTION OPTIONS SUBCOMMANDS 'API SOCKET' 'AUDIT LOG' ENVIRONMENT FILES \
	'EXIT STATUS' EXAMPLES 'SEE ALSO'; do
	grep -q "^$section\$" "$one" || fail "slirp-filter(1) has no $section section"
done
for opt in $("$SLIRP_FILTER" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u); do
	grep -qF -- "$opt" "$one.flat" || fail "slirp-filter(1) does not document $opt (from --help)"
done
for s in suggest-policy status audit; do
	"$SLIRP_FILTER" "$s" --help | grep -oE -- '--[a-z][a-z0-9-]+' | sort -u | while read -r opt; do
		grep -qF -- "$opt" "$one.flat" || fail "slirp-filter(1) does not document $s $opt"
	done
done
for word in SLIRP_FILTER_POLICY SLIRP_FILTER_AUDIT_LOG XDG_CONFIG_HOME NO_COLOR containers.conf.d \
	network_cmd_path default_rootless_network_cmd Environment=SLIRP_FILTER_POLICY get_status \
	get_counters reload_policy add_hostfwd list_hostfwd remove_hostfwd /etc/slirp-filter/policy \
	'podman run'; do
	grep -qF -- "$word" "$one.flat" || fail "slirp-filter(1) does not mention $word"
done
pass "slirp-filter(1): every section, every option of --help and of the subcommands, the environment, Podman"

for section in NAME SYNOPSIS RULES SETTINGS 'CHOOSING THE POLICY' EXAMPLES 'SEE ALSO'; do
	grep -q "^$section\$" "$five" || fail "slirp-filter.policy(5) has no $section section"
done
for word in allow deny tcp udp icmp any host port version 'mode enforce' audit upstream ttl-min ttl-max \
	grace deny-response nxdomain refused learned-max 'flows max' 'reload flows' cut keep 'log allowed' \
	'*.PARENT' 0.0.0.0/0 ::/0 SLIRP_FILTER_POLICY XDG_CONFIG_HOME /etc/slirp-filter/policy \
	suggest-policy --check-policy; do
	grep -qF -- "$word" "$five.flat" || fail "slirp-filter.policy(5) does not mention '$word'"
	grep -qF -- "${word/\*.PARENT/*.example}" "$SRC/docs/policy.md" || fail "docs/policy.md does not mention '$word'"
done
pass "slirp-filter.policy(5) and docs/policy.md: every keyword, the selection order, examples"
