/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: suggesting a policy from audit records (names first, grouping, wildcards, sections). */
#include "config.h"

#include <string.h>

#include "slirp-filter/policy.h"
#include "slirp-filter/suggest.h"

/* Feeds one record written as JSON; the time is 2026-11-23T10:00:SSZ. */
static bool feed(SfSuggest *s, const char *json)
{
	g_autoptr(GError) error = NULL;
	SfAuditRecord rec;
	bool used;

	if (!sf_audit_record_parse(json, strlen(json), &rec, &error))
		g_error("test record does not parse: %s: %s", json, error->message);
	used = sf_suggest_add(s, &rec);
	sf_audit_record_clear(&rec);
	return used;
}

static bool flow(SfSuggest *s, int sec, const char *verdict, const char *reason, const char *proto,
		 const char *dst, int dport, const char *name)
{
	g_autofree char *ports = dport >= 0 ? g_strdup_printf(",\"sport\":40000,\"dport\":%d", dport) : g_strdup("");
	g_autofree char *n = name != NULL ? g_strdup_printf(",\"name\":\"%s\"", name) : g_strdup("");
	g_autofree char *json = g_strdup_printf(
		"{\"time\":\"2026-11-23T10:00:%02dZ\",\"event\":\"flow\",\"verdict\":\"%s\",\"reason\":\"%s\","
		"\"proto\":\"%s\",\"src\":\"10.0.2.100\",\"dst\":\"%s\"%s%s,\"mode\":\"audit\"}",
		sec, verdict, reason, proto, dst, ports, n);

	return feed(s, json);
}

static bool dns(SfSuggest *s, int sec, const char *verdict, const char *reason, const char *name,
		const char *qtype)
{
	g_autofree char *json = g_strdup_printf(
		"{\"time\":\"2026-11-23T10:00:%02dZ\",\"event\":\"dns\",\"verdict\":\"%s\",\"reason\":\"%s\","
		"\"name\":\"%s\",\"qtype\":\"%s\",\"mode\":\"audit\"}", sec, verdict, reason, name, qtype);

	return feed(s, json);
}

/* Renders, checks that the text is a valid policy in enforce mode, returns it. */
static char *render(SfSuggest *s, bool wildcards)
{
	SfSuggestOptions o = { .wildcards = wildcards };
	g_autoptr(GError) error = NULL;
	g_autoptr(SfPolicy) p = NULL;
	char *text = sf_suggest_render(s, &o);

	p = sf_policy_parse(text, strlen(text), "suggested", &error);
	if (p == NULL)
		g_error("the suggestion does not parse:\n%s\n---\n%s", error->message, text);
	g_assert_cmpint(p->mode, ==, SF_MODE_ENFORCE);
	g_assert_cmpuint(p->rules->len, ==, sf_suggest_rule_count(s));
	return text;
}

static bool has_line(const char *text, const char *line)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	for (guint i = 0; lines[i] != NULL; i++)
		if (strcmp(lines[i], line) == 0)
			return true;
	return false;
}

#define assert_line(text, line)                                                               \
	do {                                                                                  \
		if (!has_line(text, line))                                                    \
			g_error("no line \"%s\" in:\n%s", line, text);                         \
	} while (0)
#define assert_no_line(text, line)                                                            \
	do {                                                                                  \
		if (has_line(text, line))                                                     \
			g_error("unexpected line \"%s\" in:\n%s", line, text);                 \
	} while (0)

static void test_names_first(void)
{
	g_autoptr(SfSuggest) s = sf_suggest_new();
	g_autofree char *text = NULL;

	sf_suggest_begin_source(s, "run1.jsonl");
	g_assert_true(dns(s, 0, "audit-deny", "not-allowed", "web.example", "A"));
	g_assert_true(flow(s, 1, "audit-deny", "default-deny", "tcp", "203.0.113.10", 443, "web.example"));
	g_assert_true(flow(s, 2, "audit-deny", "default-deny", "tcp", "203.0.113.11", 80, "web.example"));
	g_assert_true(flow(s, 3, "allow", "learned", "icmp", "203.0.113.10", -1, "web.example"));
	g_assert_true(flow(s, 4, "audit-deny", "default-deny", "udp", "198.51.100.9", 123, NULL));
	sf_suggest_end_source(s, 0);
	text = render(s, false);
	assert_line(text, "version 1");
	assert_line(text, "mode enforce");
	assert_line(text, "allow tcp to web.example port 80,443");
	assert_line(text, "allow icmp to web.example");
	assert_line(text, "allow udp to 198.51.100.9 port 123");
	assert_line(text, "# web.example: 3 flows, first 2026-11-23T10:00:01Z, last 2026-11-23T10:00:03Z; "
			  "looked up 1 time (A)");
	assert_line(text, "# 198.51.100.9: 1 flow (udp 123), at 2026-11-23T10:00:04Z");
	assert_line(text, "#   run1.jsonl: 5 records used, first 2026-11-23T10:00:00Z, last 2026-11-23T10:00:04Z");
	/* the web server's addresses never get rules of their own */
	g_assert_null(strstr(text, "to 203.0.113.1"));
	/* names come before the addresses, which are under a warning */
	g_assert_true(strstr(text, "web.example port") < strstr(text, "# WARNING"));
	g_assert_true(strstr(text, "# WARNING") < strstr(text, "allow udp to 198.51.100.9"));
	g_assert_cmpuint(sf_suggest_rule_count(s), ==, 3);
}

static void test_ports_grouped(void)
{
	g_autoptr(SfSuggest) s = sf_suggest_new();
	g_autofree char *text = NULL;
	static const int ports[] = { 443, 80, 8000, 8001, 8002, 8003, 9000, 9001, 80 };

	for (size_t i = 0; i < G_N_ELEMENTS(ports); i++)
		flow(s, (int)i, "audit-deny", "default-deny", "tcp", "198.51.100.1", ports[i], "api.example");
	flow(s, 10, "audit-deny", "default-deny", "udp", "198.51.100.1", 53, "api.example");
	flow(s, 11, "audit-deny", "default-deny", "udp", "198.51.100.1", 65535, "api.example");
	text = render(s, false);
	assert_line(text, "allow tcp to api.example port 80,443,8000-8003,9000,9001");
	assert_line(text, "allow udp to api.example port 53,65535");
	assert_line(text, "# api.example: 11 flows, first 2026-11-23T10:00:00Z, last 2026-11-23T10:00:11Z");
}

static void test_many_ports_split(void)
{
	g_autoptr(SfSuggest) s = sf_suggest_new();
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	unsigned rules = 0;

	/* every other port: no ranges, far more than one 4096-byte line holds */
	for (int p = 2; p <= 20000; p += 2)
		flow(s, 0, "audit-deny", "default-deny", "udp", "2001:db8::1", p, NULL);
	text = render(s, false);
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_assert_cmpuint(strlen(lines[i]), <, 4096);
		if (g_str_has_prefix(lines[i], "allow udp to 2001:db8::1 port 2,"))
			g_assert_cmpuint(i, >, 0);
		rules += g_str_has_prefix(lines[i], "allow udp to 2001:db8::1 port ");
	}
	g_assert_cmpuint(rules, >, 10);
	g_assert_cmpuint(sf_suggest_rule_count(s), ==, rules);
}

static void test_closed_and_ignored(void)
{
	g_autoptr(SfSuggest) s = sf_suggest_new();
	g_autofree char *text = NULL;

	g_assert_true(flow(s, 0, "audit-deny", "protected", "tcp", "10.0.2.2", 5432, NULL));
	g_assert_true(flow(s, 1, "deny", "protected", "udp", "224.0.0.251", 5353, NULL));
	g_assert_true(flow(s, 2, "deny", "rule-deny", "tcp", "198.51.100.66", 22, NULL));
	/* what a policy has nothing to say about */
	g_assert_false(flow(s, 3, "cut", "default-deny", "tcp", "198.51.100.5", 80, NULL));
	g_assert_false(flow(s, 4, "allow", "inbound", "tcp", "198.51.100.5", 40000, NULL));
	g_assert_false(flow(s, 5, "audit-deny", "default-deny", "udp", "198.51.100.5", 0, NULL));
	g_assert_false(flow(s, 6, "audit-deny", "default-deny", "other", "198.51.100.5", -1, NULL));
	g_assert_false(dns(s, 7, "strip", "rebinding", "r.example", "A"));
	g_assert_false(dns(s, 8, "deny", "denied-by-rule", "ads.example", "A"));
	g_assert_false(dns(s, 9, "servfail", "upstream-failed", "slow.example", "A"));
	g_assert_false(feed(s, "{\"time\":\"2026-11-23T10:00:10Z\",\"event\":\"policy-loaded\"}"));
	text = render(s, false);
	/* the range is named from the address, not from the record */
	g_assert_nonnull(strstr(text, "# 224.0.0.251: 1 flow (udp 5353), at 2026-11-23T10:00:01Z\n"
				      "# protected (multicast): only a rule that names it opens it\n"
				      "# allow udp to 224.0.0.251 port 5353\n"));
	g_assert_nonnull(strstr(text, "# refused by the deny rule at ?\n# allow tcp to 198.51.100.66 port 22\n"));
	g_assert_cmpuint(sf_suggest_rule_count(s), ==, 0);
	g_assert_null(strstr(text, "\nallow "));
	g_assert_null(strstr(text, "198.51.100.5"));
	g_assert_nonnull(strstr(text, "allows nothing"));
}

static void test_host_loopback(void)
{
	g_autoptr(SfSuggest) s = sf_suggest_new();
	g_autofree char *text = NULL;

	feed(s, "{\"time\":\"2026-11-23T10:00:00Z\",\"event\":\"flow\",\"verdict\":\"audit-deny\",\"reason\":\"protected\","
		"\"range\":\"host loopback\",\"proto\":\"tcp\",\"src\":\"10.0.2.100\",\"sport\":1,\"dst\":\"10.0.2.2\","
		"\"dport\":5432,\"mode\":\"audit\"}");
	feed(s, "{\"time\":\"2026-11-23T10:00:01Z\",\"event\":\"flow\",\"verdict\":\"deny\",\"reason\":\"rule-deny\","
		"\"rule\":\"/p:3\",\"proto\":\"tcp\",\"src\":\"10.0.2.100\",\"sport\":1,\"dst\":\"198.51.100.66\","
		"\"dport\":25,\"mode\":\"enforce\"}");
	text = render(s, false);
	assert_line(text, "# allow tcp to host port 5432");
	assert_line(text, "# protected (host loopback): only a rule that names it opens it");
	assert_line(text, "# refused by the deny rule at /p:3");
	/* uncommented, the suggestions are valid rules too */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(SfPolicy) p = sf_policy_parse("allow tcp to host port 5432\n", 28, "x", &error);

		g_assert_no_error(error);
		g_assert_nonnull(p);
	}
}

static void test_lookups_only(void)
{
	g_autoptr(SfSuggest) s = sf_suggest_new();
	g_autofree char *text = NULL;

	g_assert_true(dns(s, 0, "audit-deny", "not-allowed", "telemetry.example", "A"));
	g_assert_true(dns(s, 1, "deny", "not-allowed", "telemetry.example", "AAAA"));
	g_assert_true(dns(s, 2, "deny", "not-allowed", "telemetry.example", "A"));
	g_assert_true(dns(s, 3, "audit-deny", "not-allowed", "used.example", "A"));
	flow(s, 4, "audit-deny", "default-deny", "tcp", "198.51.100.1", 443, "used.example");
	text = render(s, false);
	assert_line(text, "# telemetry.example: looked up 3 times (A, AAAA), first 2026-11-23T10:00:00Z, "
			  "last 2026-11-23T10:00:02Z");
	assert_line(text, "# allow tcp to telemetry.example port 443");
	assert_no_line(text, "allow tcp to telemetry.example port 443");
	assert_line(text, "allow tcp to used.example port 443");
	g_assert_null(strstr(text, "# used.example: looked up"));
}

static void test_wildcards(void)
{
	g_autoptr(SfSuggest) s = sf_suggest_new();
	g_autofree char *plain = NULL, *wild = NULL;

	flow(s, 0, "audit-deny", "default-deny", "tcp", "198.51.100.1", 443, "a.cdn.example");
	flow(s, 1, "audit-deny", "default-deny", "tcp", "198.51.100.2", 80, "b.cdn.example");
	flow(s, 2, "audit-deny", "default-deny", "tcp", "198.51.100.3", 443, "cdn.example");
	flow(s, 3, "audit-deny", "default-deny", "tcp", "198.51.100.4", 443, "x.github.io");
	flow(s, 4, "audit-deny", "default-deny", "tcp", "198.51.100.5", 443, "y.github.io");
	flow(s, 5, "audit-deny", "default-deny", "tcp", "198.51.100.6", 443, "one.co.uk");
	flow(s, 6, "audit-deny", "default-deny", "tcp", "198.51.100.7", 443, "two.co.uk");
	flow(s, 7, "audit-deny", "default-deny", "tcp", "198.51.100.8", 443, "alone.other.example");
	flow(s, 8, "audit-deny", "default-deny", "tcp", "198.51.100.9", 443, "localhost1");
	flow(s, 9, "audit-deny", "default-deny", "tcp", "198.51.100.9", 443, "localhost2");
	dns(s, 10, "audit-deny", "not-allowed", "c.cdn.example", "A"); /* covered by the wildcard */
	plain = render(s, false);
	assert_line(plain, "allow tcp to a.cdn.example port 443");
	g_assert_null(strstr(plain, "*."));
	assert_line(plain, "# allow tcp to c.cdn.example port 443");

	wild = render(s, true);
	assert_line(wild, "allow tcp to *.cdn.example port 80,443");
	assert_line(wild, "# covers a.cdn.example, b.cdn.example (and every other subdomain, not the name itself)");
	assert_line(wild, "# *.cdn.example: 2 flows, first 2026-11-23T10:00:00Z, last 2026-11-23T10:00:01Z");
	assert_line(wild, "allow tcp to cdn.example port 443");  /* the apex is not covered */
	assert_no_line(wild, "allow tcp to a.cdn.example port 443");
	assert_line(wild, "allow tcp to x.github.io port 443"); /* a shared-hosting parent */
	assert_line(wild, "allow tcp to one.co.uk port 443");   /* a public suffix */
	assert_line(wild, "allow tcp to alone.other.example port 443");
	assert_line(wild, "allow tcp to localhost1 port 443");  /* no parent at all */
	g_assert_null(strstr(wild, "c.cdn.example: looked up"));
	/* rendering again gives the same text */
	{
		g_autofree char *again = render(s, true);

		g_assert_cmpstr(again, ==, wild);
	}
}

static void test_addresses(void)
{
	g_autoptr(SfSuggest) s = sf_suggest_new();
	g_autofree char *text = NULL;

	/* names a rule cannot hold fall back to the address (an IPv6 flow to ::ffff:x: see
	 * /suggest/protected-by-address) */
	flow(s, 0, "audit-deny", "default-deny", "tcp", "198.51.100.20", 80, NULL);
	flow(s, 1, "audit-deny", "default-deny", "tcp", "198.51.100.21", 80, "1.2.3");
	flow(s, 2, "audit-deny", "default-deny", "tcp", "198.51.100.22", 80, "bad..name");
	flow(s, 3, "audit-deny", "default-deny", "icmpv6", "2001:DB8::1", -1, NULL);
	flow(s, 4, "audit-deny", "default-deny", "tcp", "203.0.113.10", 80, "web.example");
	flow(s, 5, "audit-deny", "default-deny", "tcp", "203.0.113.10", 80, NULL);
	text = render(s, false);
	assert_line(text, "allow tcp to 198.51.100.20 port 80");
	assert_line(text, "allow tcp to 198.51.100.21 port 80");
	assert_line(text, "allow tcp to 198.51.100.22 port 80");
	assert_line(text, "allow icmp to 2001:db8::1");
	assert_line(text, "allow tcp to 203.0.113.10 port 80");
	assert_line(text, "# NOTE: at other times an answer for web.example: these flows came after the");
	/* numeric order: .20 .21 .22 before 203.0.113.10 before IPv6 */
	g_assert_true(strstr(text, "to 198.51.100.20") < strstr(text, "to 198.51.100.21"));
	g_assert_true(strstr(text, "to 198.51.100.22") < strstr(text, "to 203.0.113.10"));
	g_assert_true(strstr(text, "to 203.0.113.10") < strstr(text, "to 2001:db8::1"));
}

static void test_sources(void)
{
	g_autoptr(SfSuggest) s = sf_suggest_new();
	g_autofree char *text = NULL;

	sf_suggest_begin_source(s, "a.jsonl");
	flow(s, 1, "audit-deny", "default-deny", "tcp", "198.51.100.1", 443, "x.example");
	sf_suggest_end_source(s, 3);
	sf_suggest_begin_source(s, "b.jsonl");
	sf_suggest_end_source(s, 0);
	sf_suggest_begin_source(s, "c.jsonl");
	flow(s, 9, "audit-deny", "default-deny", "tcp", "198.51.100.1", 8443, "x.example");
	sf_suggest_end_source(s, 1);
	text = render(s, false);
	assert_line(text, "#   a.jsonl: 1 record used, 3 lines skipped, at 2026-11-23T10:00:01Z");
	assert_line(text, "#   b.jsonl: 0 records used");
	assert_line(text, "#   c.jsonl: 1 record used, 1 line skipped, at 2026-11-23T10:00:09Z");
	assert_line(text, "# 4 unusable log lines were skipped: what they recorded is not covered.");
	assert_line(text, "allow tcp to x.example port 443,8443");
}

static void test_empty(void)
{
	g_autoptr(SfSuggest) s = sf_suggest_new();
	g_autofree char *text = render(s, true);

	g_assert_nonnull(strstr(text, "allows nothing"));
	g_assert_cmpuint(sf_suggest_rule_count(s), ==, 0);
	sf_suggest_free(NULL);
}

/*
 * Issue 13 item 8: protected destinations are known by their address, not
 * by the record's reason. Hand-written records that call loopback,
 * unspecified, link-local, multicast, broadcast, the gateway, the DNS
 * address, the host's resolver or any IPv4-mapped IPv6 address
 * "default-deny" or "rule-allow" produce comments, never an active rule.
 */
static void test_protected_by_address(void)
{
	static const char *const dsts[] = {
		"127.0.0.1", "::ffff:127.0.0.1", "0.0.0.0", "::ffff:0.0.0.0", "::", "::1",
		"169.254.169.254", "::ffff:169.254.169.254", "fe80::1", "224.0.0.251", "ff02::fb",
		"255.255.255.255", "10.0.2.255", "10.0.2.2", "::ffff:10.0.2.2", "fd00::2", "10.0.2.3",
		"fd00::3", "10.0.2.15", "198.51.100.53", "::ffff:198.51.100.53", "::ffff:198.51.100.20",
	};
	g_autoptr(SfSuggest) s = sf_suggest_new();
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	SfAddr resolver;
	uint8_t r[4] = { 198, 51, 100, 53 };
	int t = 0;

	sf_addr_from_ipv4(&resolver, r);
	sf_suggest_set_network(s, NULL, &resolver, 1);
	for (size_t i = 0; i < G_N_ELEMENTS(dsts); i++) {
		g_assert_true(flow(s, t++ % 60, "audit-deny", "default-deny", "tcp", dsts[i], 5432, NULL));
		g_assert_true(flow(s, t++ % 60, "allow", "rule-allow", "udp", dsts[i], 53, NULL));
		g_assert_true(flow(s, t++ % 60, "allow", "learned", "tcp", dsts[i], 443, "web.example"));
	}
	flow(s, 0, "allow", "rule-allow", "tcp", "198.51.100.20", 443, NULL); /* an ordinary one */
	text = render(s, false);
	g_assert_cmpuint(sf_suggest_rule_count(s), ==, 1);
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++)
		if (g_str_has_prefix(lines[i], "allow") || g_str_has_prefix(lines[i], "deny"))
			g_assert_cmpstr(lines[i], ==, "allow tcp to 198.51.100.20 port 443");
	g_assert_nonnull(strstr(text, "# protected (loopback): only a rule that names it opens it\n"));
	g_assert_nonnull(strstr(text, "# protected (this network): "));
	g_assert_nonnull(strstr(text, "# protected (unspecified): "));
	g_assert_nonnull(strstr(text, "# protected (link-local): "));
	g_assert_nonnull(strstr(text, "# protected (host resolver): "));
	g_assert_nonnull(strstr(text, "# protected (slirp network): "));
	g_assert_nonnull(strstr(text, "# protected (host loopback): only a rule that names it opens it\n# allow tcp to host port 443,5432\n"));
	g_assert_nonnull(strstr(text, "# protected (IPv4-mapped): IPv6 packets to ::ffff:0:0/96 are "
				      "always refused; a rule for the IPv4 address 198.51.100.20 opens "
				      "it over IPv4\n"));
	/* the text is still a policy, and opens nothing of the above */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(SfPolicy) p = sf_policy_parse(text, strlen(text), "s", &error);

		g_assert_no_error(error);
		g_assert_cmpuint(p->rules->len, ==, 1);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/suggest/protected-by-address", test_protected_by_address);
	g_test_add_func("/suggest/names-first", test_names_first);
	g_test_add_func("/suggest/ports-grouped", test_ports_grouped);
	g_test_add_func("/suggest/many-ports-split", test_many_ports_split);
	g_test_add_func("/suggest/closed-and-ignored", test_closed_and_ignored);
	g_test_add_func("/suggest/host-loopback", test_host_loopback);
	g_test_add_func("/suggest/lookups-only", test_lookups_only);
	g_test_add_func("/suggest/wildcards", test_wildcards);
	g_test_add_func("/suggest/addresses", test_addresses);
	g_test_add_func("/suggest/sources", test_sources);
	g_test_add_func("/suggest/empty", test_empty);
	return g_test_run();
}
