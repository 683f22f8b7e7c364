/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the policy file parser (every setting, every error message, name checks, speed). */
#include "config.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "slirp-filter/policy.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
	__has_feature(memory_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static SfPolicy *parse(const char *text)
{
	g_autoptr(GError) error = NULL;
	SfPolicy *p = sf_policy_parse(text, strlen(text), "t.conf", &error);

	if (p == NULL)
		g_error("unexpected parse failure:\n%s", error->message);
	return p;
}

/* Parses @text (@len bytes), expects failure and @expected among the error lines. */
static void expect_error_len(const char *text, size_t len, const char *expected)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SfPolicy) p = sf_policy_parse(text, len, "t.conf", &error);
	g_autofree char *want = g_strdup_printf("t.conf:%s", expected);

	g_assert_null(p);
	g_assert_error(error, SF_POLICY_ERROR, SF_POLICY_ERROR_SYNTAX);
	if (strstr(error->message, want) == NULL)
		g_error("\"%s\":\n\"%s\"\nlacks \"%s\"", text, error->message, want);
}

static void expect_error(const char *text, const char *expected)
{
	expect_error_len(text, strlen(text), expected);
}

static const SfRule *rule(const SfPolicy *p, guint i)
{
	g_assert_cmpuint(i, <, p->rules->len);
	return &g_array_index(p->rules, SfRule, i);
}

static const SfPortRange *ports(const SfPolicy *p, const SfRule *r)
{
	return &g_array_index(p->ports, SfPortRange, r->ports_first);
}

/* ---- accepted input ---- */

static void test_defaults(void)
{
	g_autoptr(SfPolicy) p = parse("");

	g_assert_cmpstr(p->source, ==, "t.conf");
	g_assert_cmpuint(p->rules->len, ==, 0);
	g_assert_cmpuint(p->upstreams->len, ==, 0);
	g_assert_cmpint(p->mode, ==, SF_MODE_ENFORCE);
	g_assert_cmpuint(p->ttl_min, ==, SF_POLICY_DEFAULT_TTL_MIN);
	g_assert_cmpuint(p->ttl_max, ==, SF_POLICY_DEFAULT_TTL_MAX);
	g_assert_cmpuint(p->grace, ==, SF_POLICY_DEFAULT_GRACE);
	g_assert_cmpuint(p->flows_max, ==, SF_POLICY_DEFAULT_FLOWS_MAX);
	g_assert_cmpuint(p->learned_max, ==, SF_POLICY_DEFAULT_LEARNED_MAX);
	g_assert_cmpint(p->deny_response, ==, SF_DNS_DENY_NXDOMAIN);
	g_assert_cmpint(p->reload_flows, ==, SF_RELOAD_FLOWS_CUT);
	g_assert_true(p->log_allowed);
	g_assert_nonnull(p->index);
}

static void test_design_example(void)
{
	g_autoptr(SfPolicy) p = parse(
		"# slirp-filter policy\n"
		"mode enforce                       # or: audit\n"
		"allow tcp to 198.51.100.0/24 port 80,443\n"
		"allow udp to 2001:db8::/32 port 1000-2000\n"
		"allow icmp to 198.51.100.10\n"
		"allow tcp to web.example port 80   # a DNS name: its answers open the address\n"
		"allow tcp to *.example.org port 443\n"
		"allow tcp to host port 5432        # host loopback through the gateway address\n"
		"allow any to 203.0.113.0/24        # any protocol, any port\n"
		"deny any to 198.51.100.66          # deny always wins over allow\n"
		"upstream 203.0.113.53              # DNS upstream(s); default: the host's resolv.conf\n"
		"dns ttl-min 5 ttl-max 3600         # clamp for learned addresses\n"
		"dns deny-response nxdomain         # or: refused\n");
	const SfRule *r;
	char buf[64];

	g_assert_cmpuint(p->rules->len, ==, 8);
	r = rule(p, 0);
	g_assert_cmpint(r->action, ==, SF_ACTION_ALLOW);
	g_assert_cmpuint(r->protos, ==, SF_PROTO_TCP);
	g_assert_cmpint(r->kind, ==, SF_TARGET_CIDR);
	g_assert_cmpstr(sf_cidr_to_string(&r->cidr, buf, sizeof(buf)), ==, "198.51.100.0/24");
	g_assert_cmpuint(r->ports_count, ==, 2);
	g_assert_cmpuint(ports(p, r)[0].lo, ==, 80);
	g_assert_cmpuint(ports(p, r)[1].hi, ==, 443);
	g_assert_cmpuint(r->line, ==, 3);
	g_assert_cmpuint(r->col, ==, 1);
	r = rule(p, 1);
	g_assert_cmpuint(r->protos, ==, SF_PROTO_UDP);
	g_assert_cmpstr(sf_cidr_to_string(&r->cidr, buf, sizeof(buf)), ==, "2001:db8::/32");
	g_assert_cmpuint(ports(p, r)[0].lo, ==, 1000);
	g_assert_cmpuint(ports(p, r)[0].hi, ==, 2000);
	r = rule(p, 2);
	g_assert_cmpuint(r->protos, ==, SF_PROTO_ICMP);
	g_assert_cmpuint(r->cidr.len, ==, 128);
	g_assert_cmpuint(r->ports_count, ==, 0);
	r = rule(p, 3);
	g_assert_cmpint(r->kind, ==, SF_TARGET_NAME);
	g_assert_cmpstr(r->name, ==, "web.example");
	r = rule(p, 4);
	g_assert_cmpint(r->kind, ==, SF_TARGET_SUFFIX);
	g_assert_cmpstr(r->name, ==, "example.org");
	r = rule(p, 5);
	g_assert_cmpint(r->kind, ==, SF_TARGET_HOST);
	g_assert_null(r->name);
	r = rule(p, 6);
	g_assert_cmpuint(r->protos, ==, SF_PROTO_ANY);
	r = rule(p, 7);
	g_assert_cmpint(r->action, ==, SF_ACTION_DENY);
	g_assert_cmpuint(p->upstreams->len, ==, 1);
	g_assert_cmpuint(g_array_index(p->upstreams, SfUpstream, 0).port, ==, 53);
}

static void test_settings(void)
{
	g_autoptr(SfPolicy) p = parse(
		"version 1\n"
		"mode audit\n"
		"dns ttl-max 100 ttl-min 10\n"
		"dns deny-response refused\n"
		"dns grace 0\n"
		"dns learned-max 1000\n"
		"flows max 1024\n"
		"reload flows keep\n"
		"log allowed no\n"
		"upstream 203.0.113.53#5353 2001:db8::53\n"
		"upstream 198.51.100.53\n");
	const SfUpstream *u;
	SfAddr want;

	g_assert_cmpint(p->mode, ==, SF_MODE_AUDIT);
	g_assert_cmpuint(p->ttl_min, ==, 10);
	g_assert_cmpuint(p->ttl_max, ==, 100);
	g_assert_cmpint(p->deny_response, ==, SF_DNS_DENY_REFUSED);
	g_assert_cmpuint(p->grace, ==, 0);
	g_assert_cmpuint(p->learned_max, ==, 1000);
	g_assert_cmpuint(p->flows_max, ==, 1024);
	g_assert_cmpint(p->reload_flows, ==, SF_RELOAD_FLOWS_KEEP);
	g_assert_false(p->log_allowed);
	g_assert_cmpuint(p->upstreams->len, ==, 3);
	u = &g_array_index(p->upstreams, SfUpstream, 0);
	sf_addr_from_ipv4(&want, (const uint8_t[]){ 203, 0, 113, 53 });
	g_assert_cmpmem(u->addr.b, 16, want.b, 16);
	g_assert_cmpuint(u->port, ==, 5353);
	u = &g_array_index(p->upstreams, SfUpstream, 1);
	g_assert_false(sf_addr_is_ipv4(&u->addr));
	g_assert_cmpuint(u->port, ==, 53);
}

static void test_ports_normalized(void)
{
	g_autoptr(SfPolicy) p = parse(
		"allow tcp to 198.51.100.1 port 443,80,81-90,85,91,1000-2000,1500-1600\n"
		"allow tcp to 198.51.100.2 port 1-65535\n"
		"allow tcp to 198.51.100.3 port 1-100,101-65535\n"
		"allow tcp to 198.51.100.4 port 65535,1\n");
	const SfRule *r = rule(p, 0);

	g_assert_cmpuint(r->ports_count, ==, 3);
	g_assert_cmpuint(ports(p, r)[0].lo, ==, 80);
	g_assert_cmpuint(ports(p, r)[0].hi, ==, 91);
	g_assert_cmpuint(ports(p, r)[1].lo, ==, 443);
	g_assert_cmpuint(ports(p, r)[1].hi, ==, 443);
	g_assert_cmpuint(ports(p, r)[2].lo, ==, 1000);
	g_assert_cmpuint(ports(p, r)[2].hi, ==, 2000);
	g_assert_true(sf_rule_ports_match(p, r, 85));
	g_assert_false(sf_rule_ports_match(p, r, 92));
	g_assert_cmpuint(rule(p, 1)->ports_count, ==, 0); /* the whole range is every port */
	g_assert_cmpuint(rule(p, 2)->ports_count, ==, 0);
	g_assert_cmpuint(rule(p, 3)->ports_count, ==, 2);
}

static void test_any_with_ports(void)
{
	g_autoptr(SfPolicy) p = parse("allow any to 198.51.100.1 port 53\n"
				      "allow any to 198.51.100.2\n");

	/* `any ... port` means tcp and udp on those ports: icmp has none */
	g_assert_cmpuint(rule(p, 0)->protos, ==, SF_PROTO_TCP | SF_PROTO_UDP);
	g_assert_cmpuint(rule(p, 1)->protos, ==, SF_PROTO_ANY);
}

static void test_targets(void)
{
	g_autoptr(SfPolicy) p = parse(
		"allow tcp to WEB.Example. port 80\n"
		"allow tcp to *.Example.ORG\n"
		"allow udp to *\n"
		"allow any to 0.0.0.0/0\n"
		"allow any to ::/0\n"
		"allow tcp to host\n"
		"allow tcp to _srv.x-y.example\n"
		"allow tcp to localhost\n"
		"allow tcp to xn--bcher-kva.example\n");

	g_assert_cmpstr(rule(p, 0)->name, ==, "web.example");
	g_assert_cmpint(rule(p, 1)->kind, ==, SF_TARGET_SUFFIX);
	g_assert_cmpstr(rule(p, 1)->name, ==, "example.org");
	g_assert_cmpint(rule(p, 2)->kind, ==, SF_TARGET_ALL_NAMES);
	g_assert_cmpint(rule(p, 3)->kind, ==, SF_TARGET_CIDR);
	g_assert_cmpuint(rule(p, 3)->cidr.len, ==, 96);
	g_assert_cmpuint(rule(p, 4)->cidr.len, ==, 0);
	g_assert_cmpint(rule(p, 5)->kind, ==, SF_TARGET_HOST);
	g_assert_cmpstr(rule(p, 6)->name, ==, "_srv.x-y.example");
	g_assert_cmpstr(rule(p, 7)->name, ==, "localhost");
}

static void test_lexical(void)
{
	g_autoptr(SfPolicy) p = parse("\xef\xbb\xbf# byte order mark, CRLF, tabs, comments\r\n"
				      "\t allow\ttcp  to 198.51.100.1 port 80 # trailing\r\n"
				      "   \r\n"
				      "#allow tcp to 198.51.100.2\r\n"
				      "allow tcp to 198.51.100.3");

	g_assert_cmpuint(p->rules->len, ==, 2);
	g_assert_cmpuint(rule(p, 0)->line, ==, 2);
	g_assert_cmpuint(rule(p, 0)->col, ==, 3);
	g_assert_cmpuint(rule(p, 1)->line, ==, 5);
	/* a '#' inside a word is part of it: here a bad port, never a silent comment */
	expect_error("allow tcp to 198.51.100.3 port 80#no", "1:32: '80#no' is not a port number");
	expect_error("allow tcp to 198.51.100.3 port 80\r\nallow tcp to x\ry\r\n", "2:14: name 'x\\x0dy': invalid character");
}

static void test_name_normalize(void)
{
	char out[256], big[300];

	g_assert_null(sf_name_normalize("Web.Example.", 12, out));
	g_assert_cmpstr(out, ==, "web.example");
	g_assert_null(sf_name_normalize("a", 1, out));
	g_assert_cmpstr(out, ==, "a");
	g_assert_nonnull(strstr(sf_name_normalize("", 0, out), "empty name"));
	g_assert_nonnull(strstr(sf_name_normalize(".", 1, out), "empty name"));
	g_assert_nonnull(strstr(sf_name_normalize("a..b", 4, out), "empty label"));
	g_assert_nonnull(strstr(sf_name_normalize(".a", 2, out), "empty label"));
	g_assert_nonnull(strstr(sf_name_normalize("a b", 3, out), "invalid character"));
	g_assert_nonnull(strstr(sf_name_normalize("a\0b", 3, out), "invalid character"));
	g_assert_nonnull(strstr(sf_name_normalize("a*.b", 4, out), "'*'"));
	g_assert_nonnull(strstr(sf_name_normalize("b\xc3\xbc" "cher.de", 9, out), "punycode"));

	/* 63-byte labels pass, 64 do not; 253 bytes pass (254 with the final dot), 254 do not */
	memset(big, 'a', sizeof(big));
	g_assert_null(sf_name_normalize(big, 63, out));
	g_assert_nonnull(strstr(sf_name_normalize(big, 64, out), "label longer than 63"));
	for (int i = 63; i < 300; i += 64)
		big[i] = '.';
	g_assert_null(sf_name_normalize(big, 253, out));
	g_assert_cmpuint(strlen(out), ==, 253);
	big[253] = '.';
	g_assert_null(sf_name_normalize(big, 254, out));
	big[253] = 'a';
	g_assert_nonnull(strstr(sf_name_normalize(big, 254, out), "longer than 253"));
}

/* ---- one test per error message ---- */

static void test_error_cidr(void)
{
	expect_error("allow tcp to 198.51.100.0/33", "1:14: prefix length \"33\" must be a number from 0 to 32");
	expect_error("allow tcp to 198.51.100.256", "1:14: \"198.51.100.256\" is not an IPv4 or IPv6 address");
	expect_error("allow tcp to 2001:db8::g", "1:14: \"2001:db8::g\" is not an IPv4 or IPv6 address");
	/* all digits and dots is an address, not a name */
	expect_error("allow tcp to 1.2.3", "1:14: \"1.2.3\" is not an IPv4 or IPv6 address");
	/* a word with a ':' is an address: control bytes and invalid UTF-8 in it are
	 * quoted the safe way, like every other word (tests/fuzz/fuzz-policy) */
	expect_error("allow tcp to 2001:db8::\x1b[2J\\", "1:14: '2001:db8::\\x1b[2J\\x5c' is not an IPv4 or IPv6 address or prefix");
}

static void test_error_host_bits(void)
{
	expect_error("allow tcp to 198.51.100.1/24", "1:14: \"198.51.100.1/24\" has host bits set; the network is 198.51.100.0/24");
	expect_error("deny any to 2001:db8::1/32", "1:13: \"2001:db8::1/32\" has host bits set; the network is 2001:db8::/32");
}

static void test_error_port_zero(void)
{
	expect_error("allow tcp to 198.51.100.1 port 0", "1:32: port 0 is not valid: ports are 1 to 65535");
	expect_error("allow tcp to 198.51.100.1 port 0-80", "1:32: port 0 is not valid");
}

static void test_error_port_too_big(void)
{
	expect_error("allow tcp to 198.51.100.1 port 80,65536", "1:35: port 65536 is out of range: ports are 1 to 65535");
	expect_error("allow tcp to 198.51.100.1 port 99999999999999999999", "1:32: port 99999999999999999999 is out of range");
	expect_error("allow tcp to 198.51.100.1 port 1-70000", "1:34: port 70000 is out of range");
}

static void test_error_port_not_numeric(void)
{
	expect_error("allow tcp to 198.51.100.1 port http", "1:32: 'http' is not a port number (1 to 65535)");
	expect_error("allow tcp to 198.51.100.1 port 80,-5", "1:35: incomplete port range '-5'");
	expect_error("allow tcp to 198.51.100.1 port 80-", "1:32: incomplete port range '80-'");
}

static void test_error_port_inverted(void)
{
	expect_error("allow tcp to 198.51.100.1 port 5000-4000", "1:32: inverted port range 5000-4000: write 4000-5000");
}

static void test_error_port_empty(void)
{
	expect_error("allow tcp to 198.51.100.1 port 80,,443", "1:35: empty entry in port list '80,,443'");
	expect_error("allow tcp to 198.51.100.1 port 80,", "1:35: empty entry in port list");
	expect_error("allow tcp to 198.51.100.1 port", "1:31: missing a port list");
}

static void test_error_unknown_keyword(void)
{
	expect_error("alow tcp to 198.51.100.1", "1:1: unknown keyword 'alow' (did you mean 'allow'?)");
	expect_error("  dsn ttl-min 5", "1:3: unknown keyword 'dsn' (did you mean 'dns'?)");
	expect_error("Deny tcp to 198.51.100.1", "1:1: unknown keyword 'Deny' (did you mean 'deny'?)");
	expect_error("permit tcp", "1:1: unknown keyword 'permit' (expected allow, deny, mode, upstream, dns, flows, reload, log or version)");
	expect_error("dns ttl-mn 5", "1:5: unknown dns setting 'ttl-mn' (did you mean 'ttl-min'?)");
	expect_error("flows maximum 5", "1:7: unknown flows setting 'maximum' (expected max)");
}

static void test_error_unknown_protocol(void)
{
	expect_error("allow tpc to 198.51.100.1", "1:7: unknown protocol 'tpc' (did you mean 'tcp'?)");
	expect_error("allow gre to 198.51.100.1", "1:7: unknown protocol 'gre' (expected tcp, udp, icmp or any)");
	expect_error("allow to 198.51.100.1", "1:7: missing protocol: write 'allow tcp|udp|icmp|any to TARGET'");
	expect_error("deny", "1:5: missing protocol: write 'deny tcp|udp|icmp|any to TARGET'");
}

static void test_error_missing_to(void)
{
	expect_error("allow tcp", "1:10: missing 'to TARGET'; to allow every address write 'to 0.0.0.0/0' and 'to ::/0' explicitly");
	expect_error("allow any port 443", "1:11: missing 'to TARGET'; to allow every address");
	expect_error("allow tcp 198.51.100.1 port 80", "1:11: missing 'to' before '198.51.100.1'");
}

static void test_error_missing_target(void)
{
	expect_error("allow tcp to", "1:13: missing target after 'to'");
	expect_error("allow tcp to port 80", "1:14: missing target after 'to'");
}

static void test_error_trailing(void)
{
	expect_error("allow tcp to 198.51.100.1 port 80 extra", "1:35: unexpected 'extra' at the end of the rule");
	expect_error("allow tcp to 198.51.100.1 80", "1:27: unexpected '80' after the target (did you mean 'port 80'?)");
	expect_error("allow tcp to 198.51.100.1 port 80, 443", "1:36: unexpected '443' after the port list (write the list without spaces");
	expect_error("mode audit now", "1:12: unexpected 'now' at the end of the line");
	expect_error("log allowed yes please", "1:17: unexpected 'please'");
}

static void test_error_duplicate(void)
{
	expect_error("allow tcp to 198.51.100.1 port 80,443\n"
		     "allow udp to 198.51.100.1 port 80,443\n"
		     "allow tcp to 198.51.100.1 port 443,80\n",
		     "3:1: duplicate of the rule at line 1");
	expect_error("deny any to Web.Example\n\n  deny any to web.example.\n", "3:3: duplicate of the rule at line 1");
	expect_error("allow tcp to host\nallow tcp to host\n", "2:1: duplicate of the rule at line 1");
	expect_error("allow tcp to *\nallow tcp to *\n", "2:1: duplicate of the rule at line 1");
	expect_error("allow tcp to 198.51.100.1 port 1-65535\nallow tcp to 198.51.100.1\n",
		     "2:1: duplicate of the rule at line 1");
	/* different ports, protocols or targets are not duplicates */
	{
		g_autoptr(SfPolicy) p = parse("allow tcp to 198.51.100.1 port 80\n"
					      "allow tcp to 198.51.100.1 port 81\n"
					      "allow udp to 198.51.100.1 port 80\n"
					      "allow tcp to 198.51.100.1/32 port 8080\n"
					      "allow tcp to web.example port 80\n"
					      "allow tcp to *.web.example port 80\n");

		g_assert_cmpuint(p->rules->len, ==, 6);
	}
}

static void test_error_contradiction(void)
{
	expect_error("deny tcp to 198.51.100.1 port 80\nallow tcp to 198.51.100.1 port 80\n",
		     "2:1: contradicts the rule at line 1: deny wins, so this allow never applies");
	expect_error("allow tcp to web.example port 80\ndeny tcp to web.example port 80\n",
		     "2:1: contradicts the rule at line 1: deny wins, so that allow never applies");
}

static void test_error_covered(void)
{
	/* the deny covers every protocol and port of the allow on the same target */
	expect_error("deny any to 198.51.100.1\nallow tcp to 198.51.100.1 port 443\n",
		     "2:1: contradicts the rule at line 1: deny wins, so this allow never applies");
	expect_error("deny tcp to host port 1-1000\nallow tcp to host port 22,80\n",
		     "2:1: contradicts the rule at line 1: deny wins, so this allow never applies");
	expect_error("allow udp to *.example.org port 53\ndeny any to *.example.org\n",
		     "2:1: contradicts the rule at line 1: deny wins, so that allow never applies");
	/* partial overlap is a legitimate exception, not an error */
	{
		g_autoptr(SfPolicy) p = parse("deny tcp to 198.51.100.1 port 22\n"
					      "allow tcp to 198.51.100.1 port 20-30\n"
					      "allow any to 198.51.100.1\n"
					      "deny tcp to 198.51.100.0/24\n"
					      "allow tcp to 198.51.100.0/25\n");

		g_assert_cmpuint(p->rules->len, ==, 5);
	}
}

/* The checks find earlier rules through their target's chain and the key table, however far back. */
static void test_error_far_back(void)
{
	g_autoptr(GString) s = g_string_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(SfPolicy) p = NULL;

	expect_error("allow tcp to 198.51.100.1 port 80\n"
		     "allow udp to 198.51.100.1 port 53\n"
		     "allow tcp to 198.51.100.2 port 22\n"
		     "allow tcp to 198.51.100.1 port 443\n"
		     "deny tcp to 198.51.100.1 port 400-500\n",
		     "5:1: contradicts the rule at line 4: deny wins, so that allow never applies");
	expect_error("allow tcp to a.example port 80\nallow tcp to b.example port 80\n"
		     "allow tcp to A.example. port 80\n",
		     "3:1: duplicate of the rule at line 1");
	/* a name and a suffix of the same text are different targets */
	expect_error("allow tcp to a.example port 80\nallow tcp to *.a.example port 80\n"
		     "deny tcp to *.a.example port 80\n",
		     "3:1: contradicts the rule at line 2: deny wins, so that allow never applies");
	p = parse("allow tcp to a.example port 80\nallow tcp to *.a.example port 80\n");
	g_assert_cmpuint(p->rules->len, ==, 2);
	g_clear_pointer(&p, sf_policy_free);

	/* past several growths of the tables */
	for (unsigned i = 0; i < 3000; i++)
		g_string_append_printf(s, "allow tcp to 10.0.%u.%u port %u\n", i / 256, i % 256,
				       1 + i % 7);
	g_string_append(s, "allow tcp to 10.0.5.244 port 6\n"); /* line 1525 again */
	g_string_append(s, "deny any to 10.0.1.2\n");          /* covers line 259 */
	p = sf_policy_parse(s->str, s->len, "t.conf", &error);
	g_assert_null(p);
	g_assert_error(error, SF_POLICY_ERROR, SF_POLICY_ERROR_SYNTAX);
	g_assert_cmpstr(error->message, ==,
			"t.conf:3001:1: duplicate of the rule at line 1525\n"
			"t.conf:3002:1: contradicts the rule at line 259: deny wins, so that allow never "
			"applies");
}

/* Rules of one target share its name; equal port lists are stored once. */
static void test_shared_storage(void)
{
	g_autoptr(SfPolicy) p = parse("allow tcp to web.example port 80,443\n"
				      "allow udp to Web.Example. port 443,80\n"
				      "allow tcp to *.web.example port 80,443\n"
				      "deny any to 198.51.100.1\n"
				      "allow tcp to 198.51.100.0/24 port 443,80\n"
				      "allow udp to 198.51.100.0/24 port 53\n");

	g_assert_cmpuint(p->rules->len, ==, 6);
	g_assert_true(rule(p, 0)->name == rule(p, 1)->name);
	g_assert_cmpstr(rule(p, 2)->name, ==, "web.example");
	g_assert_cmpuint(rule(p, 2)->kind, ==, SF_TARGET_SUFFIX);
	g_assert_null(rule(p, 3)->name);
	for (guint i = 1; i < 5; i++) {
		if (i == 3)
			continue;
		g_assert_cmpuint(rule(p, i)->ports_first, ==, rule(p, 0)->ports_first);
		g_assert_cmpuint(rule(p, i)->ports_count, ==, 2);
	}
	g_assert_cmpuint(rule(p, 3)->ports_count, ==, 0);
	g_assert_cmpuint(rule(p, 5)->ports_count, ==, 1);
	g_assert_cmpuint(ports(p, rule(p, 5))[0].lo, ==, 53);
	g_assert_cmpuint(p->ports->len, ==, 3);
	g_assert_cmpuint(ports(p, rule(p, 0))[0].lo, ==, 80);
	g_assert_cmpuint(ports(p, rule(p, 0))[1].lo, ==, 443);
}

static void test_error_name_too_long(void)
{
	g_autoptr(GString) s = g_string_new("allow tcp to ");

	for (int i = 0; i < 5; i++)
		g_string_append(s, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa."); /* 52 */
	/* quoted up to 32 bytes */
	expect_error(s->str, "1:14: name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...': name longer than 253 bytes");
}

static void test_error_label_too_long(void)
{
	expect_error("allow tcp to a234567890123456789012345678901234567890123456789012345678901234.example",
		     "1:14: name 'a2345678901234567890123456789012...': label longer than 63 bytes");
}

static void test_error_empty_label(void)
{
	expect_error("allow tcp to a..b", "1:14: name 'a..b': empty label");
	expect_error("allow tcp to *.", "1:14: name '*.': empty name");
}

static void test_error_non_ascii(void)
{
	expect_error("allow tcp to b\xc3\xbc" "cher.example",
		     "1:14: name 'b\xc3\xbc" "cher.example': non-ASCII name: write it in punycode (xn--...)");
	/* bytes that are not UTF-8: not policy text, nothing of the line is quoted */
	expect_error("allow tcp to b\xfc" "cher.example",
		     "1:15: not UTF-8: this is not a policy file (not text); stopped reading here");
}

static void test_error_bad_name(void)
{
	expect_error("allow tcp to web.*.example", "1:14: name 'web.*.example': '*' is allowed only as a whole first label");
	expect_error("allow tcp to *.*.example", "1:14: name '*.*.example': '*' is allowed only");
	expect_error("allow tcp to *example", "1:14: name '*example': '*' is allowed only");
	expect_error("allow tcp to web/example", "1:14: name 'web/example': invalid character");
}

static void test_error_icmp_port(void)
{
	expect_error("allow icmp to 198.51.100.1 port 7", "1:28: 'port' with icmp: ICMP has no ports");
}

static void test_error_out_of_range(void)
{
	expect_error("dns ttl-min 604801", "1:13: 'dns ttl-min' 604801 is out of range (0 to 604800)");
	expect_error("dns ttl-max 1w", "1:13: '1w' is not a number ('dns ttl-max' takes 0 to 604800)");
	expect_error("dns grace 3601", "1:11: 'dns grace' 3601 is out of range (0 to 3600)");
	expect_error("dns learned-max 0", "1:17: 'dns learned-max' 0 is out of range (16 to 16777216)");
	expect_error("flows max 8", "1:11: 'flows max' 8 is out of range (16 to 4194304)");
	expect_error("flows max 4194305", "1:11: 'flows max' 4194305 is out of range");
	expect_error("dns ttl-min", "1:12: missing a value after 'ttl-min'");
	expect_error("mode audit\nmode enforce\n", "2:1: 'mode' is already set at line 1");
	expect_error("dns grace 1 grace 2", "1:13: 'dns grace' is already set at line 1");
}

static void test_error_ttl_order(void)
{
	expect_error("dns ttl-min 100 ttl-max 10", "1:17: ttl-min 100 is greater than ttl-max 10");
	expect_error("dns ttl-max 10\n\ndns ttl-min 100\n", "3:5: ttl-min 100 is greater than ttl-max 10");
	/* against the default ttl-max */
	expect_error("dns ttl-min 7200", "1:5: ttl-min 7200 is greater than ttl-max 3600");
}

static void test_error_unknown_values(void)
{
	expect_error("mode enfrce", "1:6: unknown mode 'enfrce' (did you mean 'enforce'?)");
	expect_error("mode strict", "1:6: unknown mode 'strict' (expected enforce or audit)");
	expect_error("mode", "1:5: missing 'enforce' or 'audit' after 'mode'");
	expect_error("dns deny-response servfail", "1:19: unknown deny-response 'servfail' (expected nxdomain or refused)");
	expect_error("reload flows drop", "1:14: unknown reload flows value 'drop' (expected cut or keep)");
	expect_error("log allowed true", "1:13: unknown log allowed value 'true' (expected yes or no)");
}

static void test_error_version(void)
{
	expect_error("version 2\nallow tcp to 198.51.100.1\nfuture-keyword x\n",
		     "1:9: this policy needs version 2; this slirp-filter understands 1");
	{
		g_autoptr(GError) error = NULL;
		const char *text = "version 2\nfuture-keyword x\n";
		g_autoptr(SfPolicy) p = sf_policy_parse(text, strlen(text), "t.conf", &error);

		/* newer keywords are explained by the version error alone */
		g_assert_null(p);
		g_assert_null(strstr(error->message, "future-keyword"));
	}
	expect_error("version one", "1:9: 'one' is not a version number");
	expect_error("version 0", "1:9: '0' is not a version number");
	expect_error("allow tcp to 198.51.100.1\nversion 1\n", "2:1: 'version' must come before the first rule (line 1)");
}

static void test_error_upstreams(void)
{
	expect_error("upstream 1.2.3.1 1.2.3.2 1.2.3.3 1.2.3.4 1.2.3.5\n"
		     "upstream 1.2.3.6 1.2.3.7 1.2.3.8 1.2.3.9\n",
		     "2:34: too many upstreams: at most 8");
	expect_error("upstream dns.example", "1:10: 'dns.example' is not an IPv4 or IPv6 address");
	expect_error("upstream 203.0.113.53#", "1:23: missing port after '#'");
	expect_error("upstream 203.0.113.53#0", "1:23: port 0 is not valid");
	expect_error("upstream", "1:9: missing an address after 'upstream'");
}

static void test_error_line_too_long(void)
{
	g_autoptr(GString) s = g_string_new("allow tcp to 198.51.100.1\n# ");

	while (s->len < 26 + 4097)
		g_string_append_c(s, 'x');
	g_string_append(s, "\nallow tcp to 198.51.100.1 port 0\n");
	expect_error(s->str, "2:4097: line longer than 4096 bytes");
	expect_error(s->str, "3:32: port 0");
}

static void test_error_nul(void)
{
	static const char text[] = "allow tcp to 198.51.100.1\nallow tcp\0 to x\nmode x\n";
	g_autoptr(GError) error = NULL;
	g_autoptr(SfPolicy) p = sf_policy_parse(text, sizeof(text) - 1, "t.conf", &error);

	/* binary: one error, and nothing after it is read */
	g_assert_null(p);
	g_assert_cmpstr(error->message, ==,
			"t.conf:2:10: NUL byte: this is not a policy file (not text); stopped reading here");
}

static void test_every_error(void)
{
	g_autoptr(GError) error = NULL;
	const char *text = "alow tcp to 198.51.100.1\n"
			   "allow tcp to 198.51.100.1/24 port 0\n"
			   "allow tpc to a..b port 5000-4000\n";
	g_autoptr(SfPolicy) p = sf_policy_parse(text, strlen(text), "t.conf", &error);
	g_auto(GStrv) lines = NULL;

	g_assert_null(p);
	lines = g_strsplit(error->message, "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, 6);
	g_assert_true(g_str_has_prefix(lines[0], "t.conf:1:1: unknown keyword 'alow'"));
	g_assert_true(g_str_has_prefix(lines[1], "t.conf:2:14: "));
	g_assert_true(g_str_has_prefix(lines[2], "t.conf:2:35: port 0"));
	g_assert_true(g_str_has_prefix(lines[3], "t.conf:3:7: unknown protocol"));
	g_assert_true(g_str_has_prefix(lines[4], "t.conf:3:14: name 'a..b'"));
	g_assert_true(g_str_has_prefix(lines[5], "t.conf:3:24: inverted port range"));
}

static void test_error_limit(void)
{
	g_autoptr(GString) s = g_string_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(SfPolicy) p = NULL;
	g_auto(GStrv) lines = NULL;

	for (unsigned i = 0; i < SF_POLICY_ERRORS_MAX + 7; i++)
		g_string_append(s, "bogus\n");
	p = sf_policy_parse(s->str, s->len, "t.conf", &error);
	g_assert_null(p);
	lines = g_strsplit(error->message, "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, SF_POLICY_ERRORS_MAX + 1);
	g_assert_cmpstr(lines[SF_POLICY_ERRORS_MAX], ==,
			"t.conf:10: stopped after 10 errors; is this a policy file?");
	g_assert_true(g_str_has_prefix(lines[SF_POLICY_ERRORS_MAX - 1], "t.conf:10:1: "));
}

/* ---- summary, files ---- */

static void test_summary(void)
{
	g_autoptr(SfPolicy) p = parse("allow tcp to 198.51.100.0/24\n"
				      "allow tcp to web.example\n"
				      "allow udp to *\n"
				      "deny any to 198.51.100.66\n"
				      "upstream 203.0.113.53\n");
	g_autoptr(SfPolicy) q = parse("mode audit\nallow tcp to *.example\n"
				      "upstream 203.0.113.53 203.0.113.54\n");
	g_autoptr(SfPolicy) e = parse("");
	g_autofree char *s = sf_policy_summary(p);
	g_autofree char *t = sf_policy_summary(q);
	g_autofree char *u = sf_policy_summary(e);

	g_assert_cmpstr(s, ==, "t.conf: 4 rules (3 allow, 1 deny; 2 name rules), mode enforce, 1 upstream");
	g_assert_cmpstr(t, ==, "t.conf: 1 rule (1 allow, 0 deny; 1 name rule), mode audit, 2 upstreams");
	g_assert_cmpstr(u, ==, "t.conf: 0 rules (0 allow, 0 deny; 0 name rules), mode enforce, the host's resolvers");
}

static void test_load_file(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("sf-policy-XXXXXX", NULL);
	g_autofree char *good = g_build_filename(dir, "good", NULL);
	g_autofree char *bad = g_build_filename(dir, "bad", NULL);
	g_autofree char *empty = g_build_filename(dir, "empty", NULL);
	g_autofree char *missing = g_build_filename(dir, "missing", NULL);
	g_autofree char *want = NULL;
	SfPolicy *p;

	g_assert_nonnull(dir);
	g_assert_true(g_file_set_contents(good, "allow tcp to 198.51.100.1 port 80\n", -1, NULL));
	g_assert_true(g_file_set_contents(bad, "\n\nallow tcp to 198.51.100.1 port 0\n", -1, NULL));
	g_assert_true(g_file_set_contents(empty, "", 0, NULL));

	p = sf_policy_load_file(good, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(p->source, ==, good);
	g_assert_cmpuint(p->rules->len, ==, 1);
	sf_policy_free(p);

	/* an empty file is a valid policy that denies everything */
	p = sf_policy_load_file(empty, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(p->rules->len, ==, 0);
	sf_policy_free(p);

	p = sf_policy_load_file(bad, &error);
	g_assert_null(p);
	g_assert_error(error, SF_POLICY_ERROR, SF_POLICY_ERROR_SYNTAX);
	want = g_strdup_printf("%s:3:32: port 0", bad);
	g_assert_true(g_str_has_prefix(error->message, want));
	g_clear_error(&error);

	p = sf_policy_load_file(missing, &error);
	g_assert_null(p);
	g_assert_error(error, SF_POLICY_ERROR, SF_POLICY_ERROR_IO);
	g_free(want);
	want = g_strdup_printf("%s: %s", missing, g_strerror(ENOENT));
	g_assert_cmpstr(error->message, ==, want);
	g_clear_error(&error);

	p = sf_policy_load_file(dir, &error);
	g_assert_null(p);
	g_assert_error(error, SF_POLICY_ERROR, SF_POLICY_ERROR_IO);
	g_assert_true(g_str_has_prefix(error->message, dir));
	g_clear_error(&error);

	g_unlink(good);
	g_unlink(bad);
	g_unlink(empty);
	g_rmdir(dir);
}

static void test_example_file(void)
{
	const char *root = g_getenv("SF_SOURCE_ROOT");
	g_autoptr(GError) error = NULL;
	g_autofree char *path = NULL;
	g_autoptr(SfPolicy) p = NULL;

	if (root == NULL) {
		g_test_skip("SF_SOURCE_ROOT is not set");
		return;
	}
	path = g_build_filename(root, "examples", "policy.example", NULL);
	p = sf_policy_load_file(path, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(p->rules->len, >, 5);

	/* docs/policy.md shows the same file (without its SPDX line) */
	{
		g_autofree char *doc_path = g_build_filename(root, "docs", "policy.md", NULL);
		g_autofree char *doc = NULL, *example = NULL;
		const char *start, *body, *stop;

		g_assert_true(g_file_get_contents(doc_path, &doc, NULL, NULL));
		g_assert_true(g_file_get_contents(path, &example, NULL, NULL));
		start = strstr(doc, "## A complete example");
		g_assert_nonnull(start);
		start = strstr(start, "```\n");
		g_assert_nonnull(start);
		start += 4;
		stop = strstr(start, "\n```");
		g_assert_nonnull(stop);
		body = strchr(example, '\n');
		g_assert_nonnull(body);
		body++;
		g_assert_cmpmem(start, (gsize)(stop - start) + 1, body, strlen(body));
	}
}

static void test_speed(void)
{
	g_autoptr(GString) s = g_string_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(SfPolicy) p = NULL;
	int64_t t0, us;

	for (unsigned i = 0; i < 100000; i++)
		g_string_append_printf(s, "allow tcp to 10.%u.%u.%u port 443,8000-8080\n", i >> 16,
				       (i >> 8) & 255, i & 255);
	for (unsigned i = 0; i < 10000; i++)
		g_string_append_printf(s, "allow tcp to host%u.example port 443\n", i);
	t0 = g_get_monotonic_time();
	p = sf_policy_parse(s->str, s->len, "big.conf", &error);
	us = g_get_monotonic_time() - t0;
	g_assert_no_error(error);
	g_assert_cmpuint(p->rules->len, ==, 110000);
	g_test_message("110000 rules parsed and compiled in %" G_GINT64_FORMAT " us", us);
	/* $SF_NO_TIMING: set by `meson test --setup valgrind` (tests/meson.build) */
	if (SANITIZED || g_getenv("SF_NO_TIMING") != NULL)
		g_test_message("sanitizer build or valgrind: timing not asserted");
	else
		g_assert_cmpint(us, <, G_USEC_PER_SEC);
}

/* `dns allow-qtypes`: mnemonics (any case), TYPEnnn, numbers; meta types and junk are errors. */
static void test_dns_qtypes(void)
{
	g_autoptr(SfPolicy) none = parse("allow tcp to web.example\n");
	g_autoptr(SfPolicy) p = parse("dns ttl-min 10 allow-qtypes NULL,spf,TYPE65280,65281,Hinfo "
				      "grace 5\n");
	static const uint16_t on[] = { 10, 99, 65280, 65281, 13 };

	g_assert_null(none->dns_qtypes);
	g_assert_nonnull(p->dns_qtypes);
	for (size_t i = 0; i < G_N_ELEMENTS(on); i++)
		g_assert_true(p->dns_qtypes[on[i] / 8] & (1u << (on[i] % 8)));
	g_assert_false(p->dns_qtypes[65282 / 8] & (1u << (65282 % 8)));
	g_assert_cmpuint(p->ttl_min, ==, 10);
	g_assert_cmpuint(p->grace, ==, 5);

	expect_error("dns allow-qtypes NULL,BOGUS", "1:23: unknown query type 'BOGUS'");
	expect_error("dns allow-qtypes NULL,,SPF", "1:23: empty entry in query type list 'NULL,,SPF'");
	expect_error("dns allow-qtypes 0", "1:18: query type 0 is out of range: types are 1 to 65535");
	expect_error("dns allow-qtypes 65536", "1:18: query type 65536 is out of range");
	expect_error("dns allow-qtypes TYPE99999", "1:18: query type TYPE99999 is out of range");
	expect_error("dns allow-qtypes A,ANY", "1:20: 'ANY' is a meta query type (ANY): slirp-filter always refuses it");
	expect_error("dns allow-qtypes AXFR", "1:18: 'AXFR' is a meta query type");
	expect_error("dns allow-qtypes 41", "1:18: '41' is a meta query type (OPT)");
	expect_error("dns allow-qtypes 250", "1:18: '250' is a meta query type (TSIG)");
	expect_error("dns allow-qtypes", "1:17: missing a value after 'allow-qtypes'");
	expect_error("dns allow-qtypes NULL\ndns allow-qtypes SPF",
		     "2:5: 'dns allow-qtypes' is already set at line 1");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/policy-parse/defaults", test_defaults);
	g_test_add_func("/policy-parse/design-example", test_design_example);
	g_test_add_func("/policy-parse/settings", test_settings);
	g_test_add_func("/policy-parse/ports-normalized", test_ports_normalized);
	g_test_add_func("/policy-parse/any-with-ports", test_any_with_ports);
	g_test_add_func("/policy-parse/targets", test_targets);
	g_test_add_func("/policy-parse/lexical", test_lexical);
	g_test_add_func("/policy-parse/name-normalize", test_name_normalize);
	g_test_add_func("/policy-parse/error/cidr", test_error_cidr);
	g_test_add_func("/policy-parse/error/host-bits", test_error_host_bits);
	g_test_add_func("/policy-parse/error/port-zero", test_error_port_zero);
	g_test_add_func("/policy-parse/error/port-too-big", test_error_port_too_big);
	g_test_add_func("/policy-parse/error/port-not-numeric", test_error_port_not_numeric);
	g_test_add_func("/policy-parse/error/port-inverted", test_error_port_inverted);
	g_test_add_func("/policy-parse/error/port-empty", test_error_port_empty);
	g_test_add_func("/policy-parse/error/unknown-keyword", test_error_unknown_keyword);
	g_test_add_func("/policy-parse/error/unknown-protocol", test_error_unknown_protocol);
	g_test_add_func("/policy-parse/error/missing-to", test_error_missing_to);
	g_test_add_func("/policy-parse/error/missing-target", test_error_missing_target);
	g_test_add_func("/policy-parse/error/trailing", test_error_trailing);
	g_test_add_func("/policy-parse/error/duplicate", test_error_duplicate);
	g_test_add_func("/policy-parse/error/contradiction", test_error_contradiction);
	g_test_add_func("/policy-parse/error/covered", test_error_covered);
	g_test_add_func("/policy-parse/error/far-back", test_error_far_back);
	g_test_add_func("/policy-parse/shared-storage", test_shared_storage);
	g_test_add_func("/policy-parse/error/name-too-long", test_error_name_too_long);
	g_test_add_func("/policy-parse/error/label-too-long", test_error_label_too_long);
	g_test_add_func("/policy-parse/error/empty-label", test_error_empty_label);
	g_test_add_func("/policy-parse/error/non-ascii", test_error_non_ascii);
	g_test_add_func("/policy-parse/error/bad-name", test_error_bad_name);
	g_test_add_func("/policy-parse/error/icmp-port", test_error_icmp_port);
	g_test_add_func("/policy-parse/error/out-of-range", test_error_out_of_range);
	g_test_add_func("/policy-parse/error/ttl-order", test_error_ttl_order);
	g_test_add_func("/policy-parse/error/unknown-values", test_error_unknown_values);
	g_test_add_func("/policy-parse/error/version", test_error_version);
	g_test_add_func("/policy-parse/error/upstreams", test_error_upstreams);
	g_test_add_func("/policy-parse/error/line-too-long", test_error_line_too_long);
	g_test_add_func("/policy-parse/error/nul", test_error_nul);
	g_test_add_func("/policy-parse/error/every-error", test_every_error);
	g_test_add_func("/policy-parse/error/limit", test_error_limit);
	g_test_add_func("/policy-parse/summary", test_summary);
	g_test_add_func("/policy-parse/dns-qtypes", test_dns_qtypes);
	g_test_add_func("/policy-parse/load-file", test_load_file);
	g_test_add_func("/policy-parse/example-file", test_example_file);
	g_test_add_func("/policy-parse/speed", test_speed);
	return g_test_run();
}
