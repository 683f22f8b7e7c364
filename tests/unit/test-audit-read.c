/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: reading audit records back, the human-readable lines, the bounded line splitter. */
#include "config.h"

#include <string.h>

#include "slirp-filter/audit.h"
#include "slirp-filter/audit-read.h"

#define FLOW_DENY "{\"time\":\"2026-11-23T18:01:48.437Z\",\"event\":\"flow\",\"verdict\":\"deny\"," \
	"\"reason\":\"default-deny\",\"proto\":\"tcp\",\"src\":\"10.0.2.100\",\"sport\":42520," \
	"\"dst\":\"203.0.113.10\",\"dport\":7,\"mode\":\"enforce\"}"

static bool parse(const char *line, SfAuditRecord *rec, GError **error)
{
	return sf_audit_record_parse(line, strlen(line), rec, error);
}

static char *fmt(const char *line, bool color)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
	SfAuditRecord rec;
	char *out;

	if (!parse(line, &rec, &error))
		g_error("\"%s\" did not parse: %s", line, error->message);
	out = sf_audit_record_format(&rec, utc, color);
	sf_audit_record_clear(&rec);
	return out;
}

static void expect_bad(const char *line, size_t len, SfAuditReadError code, const char *msg_part)
{
	g_autoptr(GError) error = NULL;
	SfAuditRecord rec;

	if (sf_audit_record_parse(line, len, &rec, &error))
		g_error("\"%.*s\" was accepted", (int)MIN(len, 100), line);
	g_assert_error(error, SF_AUDIT_READ_ERROR, (gint)code);
	if (strstr(error->message, msg_part) == NULL)
		g_error("message \"%s\" lacks \"%s\"", error->message, msg_part);
	g_assert_null(rec.root);
	g_assert_cmpint(rec.dport, ==, -1);
}

static void test_parse_flow(void)
{
	g_autoptr(GError) error = NULL;
	SfAuditRecord r;

	g_assert_true(parse(FLOW_DENY, &r, &error));
	g_assert_no_error(error);
	g_assert_cmpint(r.event, ==, SF_AUDIT_EV_FLOW);
	g_assert_cmpstr(r.time, ==, "2026-11-23T18:01:48.437Z");
	g_assert_cmpint(r.time_us, ==, G_GINT64_CONSTANT(1795456908437000));
	g_assert_cmpstr(r.verdict, ==, "deny");
	g_assert_cmpstr(r.reason, ==, "default-deny");
	g_assert_cmpstr(r.proto, ==, "tcp");
	g_assert_cmpstr(r.src, ==, "10.0.2.100");
	g_assert_cmpint(r.sport, ==, 42520);
	g_assert_cmpstr(r.dst, ==, "203.0.113.10");
	g_assert_cmpint(r.dport, ==, 7);
	g_assert_null(r.name);
	g_assert_null(r.rule);
	g_assert_cmpstr(r.mode, ==, "enforce");
	g_assert_false(r.truncated);
	sf_audit_record_clear(&r);
	sf_audit_record_clear(&r); /* twice is fine */

	/* ICMP has no ports; IPv6 addresses; a name and a rule */
	g_assert_true(parse("{\"time\":\"2026-11-23T18:01:48Z\",\"event\":\"flow\",\"verdict\":\"audit-deny\","
			    "\"reason\":\"learned\",\"rule\":\"/p:3\",\"proto\":\"icmpv6\",\"src\":\"fd00::100\","
			    "\"dst\":\"2001:db8::10\",\"name\":\"web.example\",\"mode\":\"audit\"}",
			    &r, NULL));
	g_assert_cmpint(r.dport, ==, -1);
	g_assert_cmpstr(r.name, ==, "web.example");
	g_assert_cmpstr(r.rule, ==, "/p:3");
	sf_audit_record_clear(&r);
}

static void test_parse_others(void)
{
	SfAuditRecord r;

	g_assert_true(parse("{\"time\":\"2026-11-23T18:01:48.435Z\",\"event\":\"dns\",\"verdict\":\"strip\","
			    "\"reason\":\"rebinding\",\"name\":\"r.example\",\"qtype\":\"A\",\"stripped\":2,"
			    "\"stripped-first\":\"127.0.0.1\",\"stripped-why\":\"loopback\",\"mode\":\"enforce\"}",
			    &r, NULL));
	g_assert_cmpint(r.event, ==, SF_AUDIT_EV_DNS);
	g_assert_cmpstr(r.name, ==, "r.example");
	g_assert_cmpstr(r.qtype, ==, "A");
	g_assert_cmpint(r.stripped, ==, 2);
	g_assert_cmpstr(r.stripped_first, ==, "127.0.0.1");
	sf_audit_record_clear(&r);

	g_assert_true(parse("{\"time\":\"2026-11-23T18:01:48Z\",\"event\":\"policy-reloaded\",\"policy\":\"/p\","
			    "\"chosen-by\":\"--policy\",\"summary\":\"/p: 1 rule\",\"flows-cut\":3}", &r, NULL));
	g_assert_cmpint(r.event, ==, SF_AUDIT_EV_POLICY_RELOADED);
	g_assert_cmpstr(r.chosen_by, ==, "--policy");
	g_assert_cmpint(r.flows_cut, ==, 3);
	sf_audit_record_clear(&r);

	g_assert_true(parse("{\"time\":\"2026-11-23T18:01:48Z\",\"event\":\"audit-suppressed\",\"count\":9}", &r, NULL));
	g_assert_cmpint(r.event, ==, SF_AUDIT_EV_SUPPRESSED);
	g_assert_cmpint(r.count, ==, 9);
	sf_audit_record_clear(&r);

	/* a future event is a valid record */
	g_assert_true(parse("{\"time\":\"2026-11-23T18:01:48+02:00\",\"event\":\"new-thing\",\"x\":[1,{}]}", &r, NULL));
	g_assert_cmpint(r.event, ==, SF_AUDIT_EV_OTHER);
	g_assert_cmpint(r.time_us, ==, G_GINT64_CONSTANT(1795449708000000));
	sf_audit_record_clear(&r);
}

/* What our own writer produces, the reader takes (also a record the writer had to cut). */
static void test_roundtrip(void)
{
	SfAuditLine line;
	SfAuditRecord r;
	char longname[3000];

	sf_audit_begin(&line, G_GINT64_CONSTANT(1795456908437000), "flow");
	sf_audit_str(&line, "verdict", "allow");
	sf_audit_str(&line, "reason", "learned");
	sf_audit_str(&line, "rule", "/home/u/a \"quoted\" policy:1");
	sf_audit_str(&line, "proto", "udp");
	sf_audit_str(&line, "src", "10.0.2.100");
	sf_audit_int(&line, "sport", 5000);
	sf_audit_str(&line, "dst", "2001:db8::10");
	sf_audit_int(&line, "dport", 53);
	sf_audit_str(&line, "name", "ns.example");
	sf_audit_end(&line);
	g_assert_true(sf_audit_record_parse(line.buf, line.len - 1, &r, NULL));
	g_assert_cmpstr(r.time, ==, "2026-11-23T18:01:48.437Z");
	g_assert_cmpstr(r.rule, ==, "/home/u/a \"quoted\" policy:1");
	g_assert_cmpint(r.dport, ==, 53);
	sf_audit_record_clear(&r);

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	sf_audit_begin(&line, 0, "dns");
	sf_audit_str(&line, "verdict", "deny");
	sf_audit_str(&line, "reason", "not-allowed");
	sf_audit_str(&line, "name", "x.example");
	sf_audit_str(&line, "cname", longname);
	sf_audit_end(&line);
	g_assert_true(sf_audit_record_parse(line.buf, line.len, &r, NULL));
	g_assert_true(r.truncated);
	g_assert_null(r.cname);
	sf_audit_record_clear(&r);
}

static void test_parse_errors(void)
{
	g_autofree char *huge = g_strnfill(SF_AUDIT_READ_LINE_MAX + 1, ' ');
	g_autofree char *deep = g_strnfill(50000, '[');
	static const char nul[] = "{\"time\":\"2026-11-23T18:01:48Z\",\0\"event\":\"flow\"}";

	expect_bad(huge, strlen(huge), SF_AUDIT_READ_ERROR_TOO_LONG, "longer than");
	expect_bad(deep, strlen(deep), SF_AUDIT_READ_ERROR_NOT_JSON, "nested too deeply");
	expect_bad(nul, sizeof(nul) - 1, SF_AUDIT_READ_ERROR_NOT_JSON, "NUL");
	expect_bad("", 0, SF_AUDIT_READ_ERROR_NOT_RECORD, "not a JSON object");
	expect_bad("hello", 5, SF_AUDIT_READ_ERROR_NOT_JSON, "not JSON");
	expect_bad("{\"time\":\"2026", 13, SF_AUDIT_READ_ERROR_NOT_JSON, "not JSON");
	expect_bad("[1,2]", 5, SF_AUDIT_READ_ERROR_NOT_RECORD, "not a JSON object");
	expect_bad("42", 2, SF_AUDIT_READ_ERROR_NOT_RECORD, "not a JSON object");
	/* what json-glib 1.6 leaks on is refused before it parses (ASan/valgrind see the leak) */
	{
		static const char two[] = "{}{\"time\":\"2026-11-23T18:01:48Z\",\"event\":\"flow\"}";
		static const char surrogate[] = "{\"a\":\"\\ud800\"}";

		expect_bad(two, sizeof(two) - 1, SF_AUDIT_READ_ERROR_NOT_JSON, "not exactly one value");
		expect_bad(surrogate, sizeof(surrogate) - 1, SF_AUDIT_READ_ERROR_NOT_JSON,
			   "not exactly one value");
	}
#define BAD(json, code, part) expect_bad(json, strlen(json), code, part)
	BAD("{\"event\":\"flow\"}", SF_AUDIT_READ_ERROR_NOT_RECORD, "no \"time\"");
	BAD("{\"time\":\"2026-11-23T18:01:48Z\"}", SF_AUDIT_READ_ERROR_NOT_RECORD, "not an audit record");
	BAD("{\"time\":5,\"event\":\"flow\"}", SF_AUDIT_READ_ERROR_NOT_RECORD, "not an audit record");
	BAD("{\"time\":\"yesterday\",\"event\":\"flow\"}", SF_AUDIT_READ_ERROR_BAD_VALUE, "RFC 3339");
	BAD("{\"time\":\"2026-11-23T18:01:48\",\"event\":\"flow\"}", SF_AUDIT_READ_ERROR_BAD_VALUE, "RFC 3339");
	BAD("{\"time\":\"2026-11-23T18:01:48Z\",\"event\":\"flow\",\"verdict\":\"deny\"}",
	    SF_AUDIT_READ_ERROR_MISSING, "a \"flow\" record without \"reason\"");
	BAD("{\"time\":\"2026-11-23T18:01:48Z\",\"event\":\"flow\",\"verdict\":\"deny\",\"reason\":\"x\","
	    "\"proto\":\"tcp\",\"src\":\"10.0.2.100\",\"dst\":\"203.0.113.10\"}",
	    SF_AUDIT_READ_ERROR_MISSING, "without \"dport\"");
	BAD("{\"time\":\"2026-11-23T18:01:48Z\",\"event\":\"flow\",\"verdict\":\"deny\",\"reason\":\"x\","
	    "\"proto\":\"tcp\",\"src\":\"10.0.2.100\",\"dst\":\"203.0.113.10\",\"dport\":\"80\"}",
	    SF_AUDIT_READ_ERROR_MISSING, "without \"dport\"");
	BAD("{\"time\":\"2026-11-23T18:01:48Z\",\"event\":\"flow\",\"verdict\":\"deny\",\"reason\":\"x\","
	    "\"proto\":\"udp\",\"src\":\"10.0.2.100\",\"dst\":\"203.0.113.10\",\"dport\":70000}",
	    SF_AUDIT_READ_ERROR_BAD_VALUE, "70000 is not a port");
	BAD("{\"time\":\"2026-11-23T18:01:48Z\",\"event\":\"flow\",\"verdict\":\"deny\",\"reason\":\"x\","
	    "\"proto\":\"icmp\",\"src\":\"10.0.2.100\",\"dst\":\"web.example\"}",
	    SF_AUDIT_READ_ERROR_BAD_VALUE, "\"web.example\" is not an IP address");
	BAD("{\"time\":\"2026-11-23T18:01:48Z\",\"event\":\"flow\",\"verdict\":[],\"reason\":\"x\"}",
	    SF_AUDIT_READ_ERROR_MISSING, "without \"verdict\"");
	BAD("{\"time\":\"2026-11-23T18:01:48Z\",\"event\":\"dns\",\"verdict\":\"deny\",\"reason\":\"x\"}",
	    SF_AUDIT_READ_ERROR_MISSING, "a \"dns\" record without \"name\"");
	BAD("{\"time\":\"2026-11-23T18:01:48Z\",\"event\":\"audit-suppressed\"}", SF_AUDIT_READ_ERROR_MISSING,
	    "without \"count\"");
#undef BAD
}

static void test_format(void)
{
	struct {
		const char *json, *want;
	} cases[] = {
		{ FLOW_DENY, "18:01:48 DENY       tcp 10.0.2.100:42520 -> 203.0.113.10:7 (default-deny)" },
		{ "{\"time\":\"2026-11-23T18:01:48Z\",\"event\":\"flow\",\"verdict\":\"allow\",\"reason\":\"learned\","
		  "\"rule\":\"/home/u/web.policy:1\",\"proto\":\"tcp\",\"src\":\"fd00::100\",\"sport\":1,"
		  "\"dst\":\"2001:db8::10\",\"dport\":80,\"name\":\"web.example\"}",
		  "18:01:48 ALLOW      tcp [fd00::100]:1 -> [2001:db8::10]:80 web.example (learned, web.policy:1)" },
		{ "{\"time\":\"2026-11-23T18:01:48Z\",\"event\":\"flow\",\"verdict\":\"audit-deny\",\"reason\":\"protected\","
		  "\"range\":\"multicast\",\"proto\":\"icmp\",\"src\":\"10.0.2.100\",\"dst\":\"224.0.0.1\"}",
		  "18:01:48 AUDIT-DENY icmp 10.0.2.100 -> 224.0.0.1 (protected: multicast)" },
		{ "{\"time\":\"2026-11-23T18:01:48Z\",\"event\":\"dns\",\"verdict\":\"deny\",\"reason\":\"not-allowed\","
		  "\"name\":\"exfil.example\",\"qtype\":\"A\"}",
		  "18:01:48 DNS DENY   exfil.example A (not-allowed)" },
		{ "{\"time\":\"2026-11-23T18:01:48Z\",\"event\":\"dns\",\"verdict\":\"deny\",\"reason\":\"cname-denied\","
		  "\"rule\":\"/p:4\",\"name\":\"alias.example\",\"qtype\":\"AAAA\",\"cname\":\"blocked.example\"}",
		  "18:01:48 DNS DENY   alias.example AAAA (cname-denied: blocked.example, p:4)" },
		{ "{\"time\":\"2026-11-23T18:01:48Z\",\"event\":\"dns\",\"verdict\":\"strip\",\"reason\":\"rebinding\","
		  "\"name\":\"r.example\",\"qtype\":\"A\",\"stripped\":3,\"stripped-first\":\"127.0.0.1\","
		  "\"stripped-why\":\"loopback\"}",
		  "18:01:48 DNS STRIP  r.example A (rebinding: removed 127.0.0.1 loopback and 2 more)" },
		{ "{\"time\":\"2026-11-23T18:01:48Z\",\"event\":\"policy-refused\",\"policy\":\"/p\",\"chosen-by\":\"--policy\","
		  "\"error\":\"/p:1:1: bad\\n/p:2:1: worse\\n/p:3:1: worst\\n\",\"in-force\":\"x\"}",
		  "18:01:48 POLICY     refused /p (chosen by --policy): /p:1:1: bad (and 2 more); kept in force" },
		{ "{\"time\":\"2026-11-23T18:01:48Z\",\"event\":\"policy-loaded\",\"policy\":\"/p\","
		  "\"summary\":\"/p: 2 rules (2 allow, 0 deny; 1 name rule), mode audit\",\"mode\":\"audit\"}",
		  "18:01:48 POLICY     loaded /p: 2 rules (2 allow, 0 deny; 1 name rule), mode audit" },
		{ "{\"time\":\"2026-11-23T18:01:48Z\",\"event\":\"audit-suppressed\",\"count\":1}",
		  "18:01:48 SUPPRESSED 1 record over the audit rate limit" },
		{ "{\"time\":\"2026-11-23T18:01:48Z\",\"event\":\"later\",\"a\":\"b\\u001b[31m\",\"n\":[1]}",
		  "18:01:48 LATER      a=b\\x1b[31m n=[1]" },
		{ "{\"time\":\"2026-11-23T18:01:48Z\",\"event\":\"dns\",\"verdict\":\"servfail\",\"reason\":\"upstream-failed\","
		  "\"name\":\"x.example\",\"truncated\":true}",
		  "18:01:48 DNS SERVFAIL x.example (upstream-failed) [record truncated]" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *got = fmt(cases[i].json, false);

		g_assert_cmpstr(got, ==, cases[i].want);
	}
	{
		g_autofree char *c = fmt(FLOW_DENY, true);

		g_assert_nonnull(strstr(c, "\033[1;31mDENY\033[0m"));
		g_assert_true(g_str_has_prefix(c, "\033[2m18:01:48\033[0m "));
	}
}

static void test_bad_line(void)
{
	g_autofree char *a = sf_audit_format_bad_line("ab\x01\xff", 4, "not JSON", false);
	g_autofree char *long_line = g_strnfill(500, 'x');
	g_autofree char *b = sf_audit_format_bad_line(long_line, 500, "why", false);
	g_autofree char *c = sf_audit_format_bad_line("x", 1, "why", true);

	g_assert_cmpstr(a, ==, "? ab\\x01\\xff  [not JSON]");
	g_assert_cmpuint(strlen(b), ==, 2 + 200 + 3 + 7);
	g_assert_true(g_str_has_suffix(b, "...  [why]"));
	g_assert_true(g_str_has_prefix(c, "\033[2m"));
}

static void test_time_format(void)
{
	char buf[32];

	g_assert_cmpstr(sf_audit_time_format(G_GINT64_CONSTANT(1795456908437000), buf, sizeof(buf)), ==,
			"2026-11-23T18:01:48Z");
	g_assert_cmpstr(sf_audit_time_format(0, buf, sizeof(buf)), ==, "1970-01-01T00:00:00Z");
}

typedef struct {
	GPtrArray *lines;
	GArray *flags;
} Collected;

static void collect(const char *line, size_t len, bool too_long, uint64_t lineno, void *data)
{
	Collected *c = data;

	g_assert_cmpuint(strlen(line), ==, len);
	g_assert_cmpuint(lineno, ==, c->lines->len + 1);
	g_ptr_array_add(c->lines, g_strdup(line));
	g_array_append_val(c->flags, too_long);
}

static void test_splitter(void)
{
	g_autoptr(SfLineSplitter) ls = sf_line_splitter_new(8);
	Collected c = { g_ptr_array_new_with_free_func(g_free), g_array_new(FALSE, FALSE, sizeof(bool)) };
	const char *input = "one\r\ntwo\n\nthis line is too long\nlast";

	/* byte by byte: lines are whole whatever the chunks */
	for (size_t i = 0; i < strlen(input); i++)
		sf_line_splitter_feed(ls, input + i, 1, collect, &c);
	g_assert_cmpuint(c.lines->len, ==, 4);
	g_assert_cmpuint(sf_line_splitter_pending(ls), ==, 4);
	sf_line_splitter_finish(ls, collect, &c);
	g_assert_cmpuint(c.lines->len, ==, 5);
	g_assert_cmpstr(c.lines->pdata[0], ==, "one");
	g_assert_cmpstr(c.lines->pdata[1], ==, "two");
	g_assert_cmpstr(c.lines->pdata[2], ==, "");
	g_assert_cmpstr(c.lines->pdata[3], ==, "this lin");
	g_assert_true(g_array_index(c.flags, bool, 3));
	g_assert_false(g_array_index(c.flags, bool, 4));
	g_assert_cmpstr(c.lines->pdata[4], ==, "last");
	sf_line_splitter_finish(ls, collect, &c); /* nothing pending: nothing delivered */
	g_assert_cmpuint(c.lines->len, ==, 5);

	/* reset drops a partial line and restarts the numbering */
	g_ptr_array_set_size(c.lines, 0);
	g_array_set_size(c.flags, 0);
	sf_line_splitter_feed(ls, "partial", 7, collect, &c);
	sf_line_splitter_reset(ls);
	sf_line_splitter_feed(ls, "new\n", 4, collect, &c);
	g_assert_cmpuint(c.lines->len, ==, 1);
	g_assert_cmpstr(c.lines->pdata[0], ==, "new");
	g_ptr_array_unref(c.lines);
	g_array_unref(c.flags);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/audit-read/parse/flow", test_parse_flow);
	g_test_add_func("/audit-read/parse/others", test_parse_others);
	g_test_add_func("/audit-read/parse/roundtrip", test_roundtrip);
	g_test_add_func("/audit-read/parse/errors", test_parse_errors);
	g_test_add_func("/audit-read/format/records", test_format);
	g_test_add_func("/audit-read/format/bad-line", test_bad_line);
	g_test_add_func("/audit-read/format/time", test_time_format);
	g_test_add_func("/audit-read/splitter", test_splitter);
	return g_test_run();
}
