/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: summaries of suppressed audit records (a flood must not hide a specific denial). */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "slirp-filter/audit-agg.h"
#include "slirp-filter/audit-read.h"
#include "slirp-filter/suggest.h"

#define T0 1764000000000000LL /* µs: 2025-11-24T16:00:00Z */

static GPtrArray *emitted;

static void collect(const char *line, void *data)
{
	(void)data;
	g_assert_true(g_str_has_suffix(line, "}\n"));
	g_ptr_array_add(emitted, g_strndup(line, strlen(line) - 1));
}

static SfPolicy *policy_of(const char *text)
{
	g_autoptr(GError) error = NULL;
	SfPolicy *p = sf_policy_parse(text, strlen(text), "t.policy", &error);

	g_assert_no_error(error);
	return p;
}

static SfAddr addr(const char *text)
{
	SfAddr a = { 0 };
	uint8_t v4[4];

	if (inet_pton(AF_INET, text, v4) == 1)
		sf_addr_from_ipv4(&a, v4);
	else
		g_assert_cmpint(inet_pton(AF_INET6, text, a.b), ==, 1);
	return a;
}

/* A denied SYN to @dst:@dport from 10.0.2.100:@sport, as egress.c sees it. */
static void syn(SfFlowKey *k, SfFilterEvent *ev, const char *dst, uint16_t dport, uint16_t sport,
		SfReason reason, int32_t rule)
{
	memset(k, 0, sizeof(*k));
	memset(ev, 0, sizeof(*ev));
	k->src = addr("10.0.2.100");
	k->dst = addr(dst);
	k->proto = IPPROTO_TCP;
	k->sport = sport;
	k->dport = dport;
	ev->decided = true;
	ev->decision.allow = false;
	ev->decision.reason = reason;
	ev->decision.rule = rule;
	ev->decision.protected_range = -1;
}

static void parse_line(const char *line, SfAuditRecord *rec)
{
	g_autoptr(GError) error = NULL;

	if (!sf_audit_record_parse(line, strlen(line), rec, &error))
		g_error("%s: %s", line, error->message);
}

/* 5,000 denied SYNs to one port, then one to 4444: both destinations are in the log. */
static void test_flood_keeps_the_specific_denial(void)
{
	g_autoptr(SfPolicy) policy = policy_of("allow tcp to 198.51.100.0/24 port 443\n"
					       "deny tcp to 203.0.113.10\n");
	g_autoptr(SfAuditAgg) agg = sf_audit_agg_new(0);
	SfAuditAggKey key;
	SfFilterEvent ev;
	SfFlowKey k;
	SfAuditRecord rec;

	emitted = g_ptr_array_new_with_free_func(g_free);
	for (unsigned i = 0; i < 5000; i++) {
		syn(&k, &ev, "203.0.113.10", 80, (uint16_t)(10000 + i), SF_REASON_RULE_DENY, 1);
		sf_audit_agg_key_flow(&key, policy, NULL, &k, &ev, NULL);
		g_assert_true(sf_audit_agg_add(agg, &key, policy, T0 + i * 100));
	}
	g_assert_cmpuint(sf_audit_agg_count(agg), ==, 1); /* source ports do not make new keys */
	syn(&k, &ev, "192.0.2.44", 4444, 40000, SF_REASON_DEFAULT_DENY, -1);
	sf_audit_agg_key_flow(&key, policy, NULL, &k, &ev, NULL);
	g_assert_true(sf_audit_agg_add(agg, &key, policy, T0 + 600000));
	g_assert_cmpuint(sf_audit_agg_count(agg), ==, 2);

	/* 5001 denials suppressed, 7 allowed-flow records too */
	g_assert_cmpuint(sf_audit_agg_flush(agg, T0 + 1000000, 7, 5001, collect, NULL), ==, 3);
	g_assert_cmpuint(emitted->len, ==, 3);
	g_assert_cmpstr(emitted->pdata[0], ==,
			"{\"time\":\"2025-11-24T16:00:01.000Z\",\"event\":\"flow\",\"verdict\":\"deny\","
			"\"reason\":\"rule-deny\",\"rule\":\"t.policy:2\",\"proto\":\"tcp\",\"src\":\"10.0.2.100\","
			"\"dst\":\"203.0.113.10\",\"dport\":80,\"mode\":\"enforce\",\"count\":5000,"
			"\"first\":\"2025-11-24T16:00:00.000Z\",\"last\":\"2025-11-24T16:00:00.499Z\"}");
	g_assert_cmpstr(emitted->pdata[1], ==,
			"{\"time\":\"2025-11-24T16:00:01.000Z\",\"event\":\"flow\",\"verdict\":\"deny\","
			"\"reason\":\"default-deny\",\"proto\":\"tcp\",\"src\":\"10.0.2.100\","
			"\"dst\":\"192.0.2.44\",\"dport\":4444,\"mode\":\"enforce\",\"count\":1,"
			"\"first\":\"2025-11-24T16:00:00.600Z\",\"last\":\"2025-11-24T16:00:00.600Z\"}");
	g_assert_cmpstr(emitted->pdata[2], ==,
			"{\"time\":\"2025-11-24T16:00:01.000Z\",\"event\":\"audit-suppressed\",\"count\":5008,"
			"\"summarized\":5001,\"allowed\":7,\"overflow\":0}");

	/* the readers take them: a summary is a flow record with count, first, last */
	parse_line(emitted->pdata[0], &rec);
	g_assert_cmpint(rec.event, ==, SF_AUDIT_EV_FLOW);
	g_assert_cmpint(rec.count, ==, 5000);
	g_assert_cmpint(rec.dport, ==, 80);
	g_assert_cmpint(rec.first_us, ==, T0);
	g_assert_cmpint(rec.last_us, ==, T0 + 499000); /* written in ms: .499Z */
	{
		g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
		g_autofree char *text = sf_audit_record_format(&rec, utc, false);

		g_assert_true(strstr(text, "x5000 since 2025-11-24T16:00:00Z") != NULL);
	}
	sf_audit_record_clear(&rec);
	parse_line(emitted->pdata[2], &rec);
	g_assert_cmpint(rec.event, ==, SF_AUDIT_EV_SUPPRESSED);
	g_assert_cmpint(rec.count, ==, 5008);
	g_assert_cmpint(rec.summarized, ==, 5001);
	g_assert_cmpint(rec.overflow, ==, 0);
	sf_audit_record_clear(&rec);

	/* flushed: empty, and a quiet interval writes nothing */
	g_assert_cmpuint(sf_audit_agg_count(agg), ==, 0);
	g_ptr_array_set_size(emitted, 0);
	g_assert_cmpuint(sf_audit_agg_flush(agg, T0 + 2000000, 0, 0, collect, NULL), ==, 0);
	g_ptr_array_unref(emitted);
}

/* A port scan over a full table: the first keys are summarized, the rest counted as overflow. */
static void test_full_table_overflow(void)
{
	g_autoptr(SfPolicy) policy = policy_of("");
	g_autoptr(SfAuditAgg) agg = sf_audit_agg_new(4);
	SfAuditAggKey key;
	SfFilterEvent ev;
	SfFlowKey k;
	SfAuditRecord rec;

	emitted = g_ptr_array_new_with_free_func(g_free);
	for (unsigned port = 1; port <= 6; port++) {
		syn(&k, &ev, "192.0.2.9", (uint16_t)port, 1000, SF_REASON_DEFAULT_DENY, -1);
		sf_audit_agg_key_flow(&key, policy, NULL, &k, &ev, NULL);
		g_assert_cmpint(sf_audit_agg_add(agg, &key, policy, T0), ==, port <= 4);
	}
	/* a key already held still counts when full */
	syn(&k, &ev, "192.0.2.9", 2, 1001, SF_REASON_DEFAULT_DENY, -1);
	sf_audit_agg_key_flow(&key, policy, NULL, &k, &ev, NULL);
	g_assert_true(sf_audit_agg_add(agg, &key, policy, T0 + 5));
	g_assert_cmpuint(sf_audit_agg_flush(agg, T0, 0, 7, collect, NULL), ==, 5);
	parse_line(emitted->pdata[1], &rec);
	g_assert_cmpint(rec.dport, ==, 2);
	g_assert_cmpint(rec.count, ==, 2);
	sf_audit_record_clear(&rec);
	parse_line(emitted->pdata[4], &rec);
	g_assert_cmpint(rec.count, ==, 7);
	g_assert_cmpint(rec.summarized, ==, 5);
	g_assert_cmpint(rec.overflow, ==, 2);
	sf_audit_record_clear(&rec);
	g_ptr_array_unref(emitted);
}

/* DNS refusals: one summary per (name, qtype, verdict, reason, rule); protected ranges named. */
static void test_dns_and_protected(void)
{
	g_autoptr(SfPolicy) policy = policy_of("deny any to evil.example\n");
	g_autoptr(SfAuditAgg) agg = sf_audit_agg_new(0);
	SfProtected prot = { 0 };
	SfCidr c;
	SfAuditAggKey key;
	SfFilterEvent ev;
	SfFlowKey k;
	SfAuditRecord rec;

	emitted = g_ptr_array_new_with_free_func(g_free);
	for (int i = 0; i < 3; i++) {
		sf_audit_agg_key_dns(&key, policy, "deny", "denied-by-rule", 0, "evil.example", 1);
		sf_audit_agg_add(agg, &key, policy, T0 + i);
	}
	sf_audit_agg_key_dns(&key, policy, "deny", "qtype-not-allowed", -1, "web.example", 10);
	sf_audit_agg_add(agg, &key, policy, T0 + 9);
	g_assert_cmpint(sf_cidr_parse("169.254.0.0/16", &c, NULL), ==, TRUE);
	g_assert_true(sf_protected_add(&prot, &c, "link-local"));
	syn(&k, &ev, "169.254.169.254", 80, 5, SF_REASON_PROTECTED, -1);
	ev.decision.protected_range = 0;
	ev.decision.name = "meta.example";
	sf_audit_agg_key_flow(&key, policy, &prot, &k, &ev, "audit-deny");
	sf_audit_agg_add(agg, &key, policy, T0 + 10);
	g_assert_cmpuint(sf_audit_agg_flush(agg, T0 + 20, 0, 5, collect, NULL), ==, 4);
	g_assert_true(strstr(emitted->pdata[0], "\"event\":\"dns\",\"verdict\":\"deny\",\"reason\":"
				"\"denied-by-rule\",\"rule\":\"t.policy:1\",\"name\":\"evil.example\","
				"\"qtype\":\"A\",\"mode\":\"enforce\",\"count\":3,") != NULL);
	g_assert_true(strstr(emitted->pdata[1], "\"name\":\"web.example\",\"qtype\":\"NULL\"") != NULL);
	g_assert_true(strstr(emitted->pdata[2], "\"verdict\":\"audit-deny\",\"reason\":\"protected\","
				"\"range\":\"link-local\"") != NULL);
	g_assert_true(strstr(emitted->pdata[2], "\"name\":\"meta.example\"") != NULL);
	parse_line(emitted->pdata[0], &rec);
	g_assert_cmpint(rec.event, ==, SF_AUDIT_EV_DNS);
	g_assert_cmpint(rec.count, ==, 3);
	sf_audit_record_clear(&rec);
	g_ptr_array_unref(emitted);
}

/* suggest-policy counts a summary as COUNT flows over its first..last span. */
static void test_suggest_weighs_summaries(void)
{
	static const char *const lines[] = {
		"{\"time\":\"2025-11-24T16:00:05.000Z\",\"event\":\"flow\",\"verdict\":\"audit-deny\","
		"\"reason\":\"default-deny\",\"proto\":\"tcp\",\"src\":\"10.0.2.100\",\"dst\":\"192.0.2.44\","
		"\"dport\":4444,\"mode\":\"audit\",\"count\":250,\"first\":\"2025-11-24T16:00:01.000Z\","
		"\"last\":\"2025-11-24T16:00:04.000Z\"}",
		"{\"time\":\"2025-11-24T16:00:06.000Z\",\"event\":\"flow\",\"verdict\":\"audit-deny\","
		"\"reason\":\"default-deny\",\"proto\":\"tcp\",\"src\":\"10.0.2.100\",\"sport\":5,"
		"\"dst\":\"192.0.2.44\",\"dport\":4444,\"mode\":\"audit\"}",
	};
	g_autoptr(SfSuggest) s = sf_suggest_new();
	SfSuggestOptions opts = { 0 };
	g_autofree char *text = NULL;

	sf_suggest_begin_source(s, "t.jsonl");
	for (size_t i = 0; i < G_N_ELEMENTS(lines); i++) {
		SfAuditRecord rec;

		parse_line(lines[i], &rec);
		g_assert_true(sf_suggest_add(s, &rec));
		sf_audit_record_clear(&rec);
	}
	sf_suggest_end_source(s, 0);
	text = sf_suggest_render(s, &opts);
	if (strstr(text, "allow tcp to 192.0.2.44 port 4444") == NULL ||
	    strstr(text, "251 flows") == NULL || strstr(text, "first 2025-11-24T16:00:01Z") == NULL)
		g_error("suggested:\n%s", text);
}

/* Bad summaries are refused by the reader, with a reason. */
static void test_reader_checks_summaries(void)
{
	static const char *const bad[] = {
		"{\"time\":\"2025-11-24T16:00:05Z\",\"event\":\"flow\",\"verdict\":\"deny\",\"reason\":\"x\","
		"\"proto\":\"icmp\",\"src\":\"10.0.2.100\",\"dst\":\"192.0.2.1\",\"count\":0,"
		"\"first\":\"2025-11-24T16:00:05Z\",\"last\":\"2025-11-24T16:00:05Z\"}",
		"{\"time\":\"2025-11-24T16:00:05Z\",\"event\":\"dns\",\"verdict\":\"deny\",\"reason\":\"x\","
		"\"name\":\"a.example\",\"count\":3}",
		"{\"time\":\"2025-11-24T16:00:05Z\",\"event\":\"dns\",\"verdict\":\"deny\",\"reason\":\"x\","
		"\"name\":\"a.example\",\"count\":3,\"first\":\"2025-11-24T16:00:05Z\",\"last\":\"2025-11-24T16:00:04Z\"}",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		SfAuditRecord rec;

		g_assert_false(sf_audit_record_parse(bad[i], strlen(bad[i]), &rec, &error));
		g_assert_error(error, SF_AUDIT_READ_ERROR, SF_AUDIT_READ_ERROR_BAD_VALUE);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/audit-agg/flood-keeps-the-specific-denial", test_flood_keeps_the_specific_denial);
	g_test_add_func("/audit-agg/full-table-overflow", test_full_table_overflow);
	g_test_add_func("/audit-agg/dns-and-protected", test_dns_and_protected);
	g_test_add_func("/audit-agg/suggest-weighs-summaries", test_suggest_weighs_summaries);
	g_test_add_func("/audit-agg/reader-checks-summaries", test_reader_checks_summaries);
	return g_test_run();
}
