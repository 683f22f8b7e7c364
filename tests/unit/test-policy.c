/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: policy decisions (deny over allow, protected ranges, learned addresses, names). */
#include <arpa/inet.h>
#include <glib.h>
#include <string.h>

#include "slirp-filter/policy.h"

static SfPolicy *parse(const char *text)
{
	g_autoptr(GError) error = NULL;
	SfPolicy *p = sf_policy_parse(text, strlen(text), "t.policy", &error);

	g_assert_no_error(error);
	g_assert_nonnull(p);
	return p;
}

static SfAddr addr(const char *text)
{
	SfAddr a;
	uint8_t b[16];

	if (inet_pton(AF_INET, text, b) == 1)
		sf_addr_from_ipv4(&a, b);
	else
		g_assert_cmpint(inet_pton(AF_INET6, text, a.b), ==, 1);
	return a;
}

static SfProtected protected_default(void)
{
	SfProtected prot = { 0 };
	const char *ranges[][2] = {
		{ "10.0.2.2/32", "host loopback" }, { "10.0.2.0/24", "slirp network" },
		{ "169.254.0.0/16", "link-local" }, { "224.0.0.0/4", "multicast" },
		{ "fe80::/10", "link-local" },      { "198.51.100.53/32", "host resolver" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(ranges); i++) {
		SfCidr c;

		g_assert_true(sf_cidr_parse(ranges[i][0], &c, NULL));
		g_assert_true(sf_protected_add(&prot, &c, ranges[i][1]));
	}
	return prot;
}

static SfDecision decide(const SfPolicy *p, const SfLearned *l, uint8_t proto, const char *dst,
			 uint16_t port, int64_t now)
{
	SfProtected prot = protected_default();
	SfAddr a = addr(dst);
	SfDecision d;

	sf_policy_decide(p, &prot, l, proto, &a, port, strcmp(dst, "10.0.2.2") == 0, now, &d);
	return d;
}

static void test_cidr_ports_protos(void)
{
	g_autoptr(SfPolicy) p = parse("allow tcp to 198.51.100.0/24 port 80,443\n"
				      "allow udp to 2001:db8::/32 port 1000-2000\n"
				      "allow icmp to 198.51.100.10\n");
	SfDecision d;

	d = decide(p, NULL, SF_PROTO_TCP, "198.51.100.7", 443, 0);
	g_assert_true(d.allow);
	g_assert_cmpint(d.reason, ==, SF_REASON_RULE_ALLOW);
	g_assert_cmpint(d.rule, ==, 0);
	g_assert_false(decide(p, NULL, SF_PROTO_TCP, "198.51.100.7", 22, 0).allow);
	g_assert_false(decide(p, NULL, SF_PROTO_UDP, "198.51.100.7", 443, 0).allow);
	g_assert_true(decide(p, NULL, SF_PROTO_UDP, "2001:db8:5::1", 1500, 0).allow);
	g_assert_false(decide(p, NULL, SF_PROTO_UDP, "2001:db8:5::1", 2001, 0).allow);
	g_assert_false(decide(p, NULL, SF_PROTO_UDP, "2001:db9::1", 1500, 0).allow);
	g_assert_true(decide(p, NULL, SF_PROTO_ICMP, "198.51.100.10", 0, 0).allow);
	g_assert_false(decide(p, NULL, SF_PROTO_ICMP, "198.51.100.11", 0, 0).allow);
	d = decide(p, NULL, SF_PROTO_TCP, "203.0.113.1", 80, 0);
	g_assert_false(d.allow);
	g_assert_cmpint(d.reason, ==, SF_REASON_DEFAULT_DENY);
	g_assert_cmpint(d.rule, ==, -1);
	/* sf_policy_decide() reads the family off the form: ::ffff:x is IPv4 x there (an IPv6
	 * flow to ::ffff:x goes through sf_policy_decide_af(): see /policy/families) */
	g_assert_true(decide(p, NULL, SF_PROTO_TCP, "::ffff:198.51.100.7", 80, 0).allow);
	g_assert_false(decide(p, NULL, SF_PROTO_TCP, "::ffff:203.0.113.1", 80, 0).allow);
}

static SfDecision decide_af(const SfPolicy *p, const SfLearned *l, int family, uint8_t proto,
			    const char *dst, uint16_t port)
{
	SfAddr a = addr(dst);
	SfDecision d;

	sf_policy_decide_af(p, NULL, l, family, proto, &a, port, false, 1000, &d);
	return d;
}

static void expect_parse_error(const char *text, const char *fragment)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SfPolicy) p = sf_policy_parse(text, strlen(text), "t.policy", &error);

	g_assert_null(p);
	g_assert_error(error, SF_POLICY_ERROR, SF_POLICY_ERROR_SYNTAX);
	if (strstr(error->message, fragment) == NULL)
		g_error("\"%s\" lacks \"%s\"", error->message, fragment);
}

/*
 * Issue 13 item 1: an IPv6 rule never matches an IPv4 flow and an IPv4 rule
 * never an IPv6 one, allow and deny alike, whatever the prefix; rules
 * inside ::ffff:0:0/96 are refused with file:line:col.
 */
static void test_families(void)
{
	static const char *const v6_prefixes[] = {
		"::/0", "::/1", "::/80", "::/95", "::/96", "::fffe:0:0/95", "::ffff:0:0:0/96",
	};
	static const char *const v4_dsts[] = {
		"198.51.100.7", "0.0.0.0", "127.0.0.1", "255.255.255.255", "10.0.2.2",
	};
	static const char *const v6_dsts[] = {
		"::ffff:198.51.100.7", "::ffff:0:0", "::ffff:127.0.0.1", "2001:db8::1", "::",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(v6_prefixes); i++) {
		g_autofree char *allow = g_strdup_printf("allow any to %s\n", v6_prefixes[i]);
		g_autofree char *deny = g_strdup_printf("allow any to 0.0.0.0/0\ndeny any to %s\n",
							v6_prefixes[i]);
		g_autoptr(SfPolicy) a = parse(allow);
		g_autoptr(SfPolicy) d = parse(deny);

		for (size_t k = 0; k < G_N_ELEMENTS(v4_dsts); k++) {
			SfDecision x = decide_af(a, NULL, AF_INET, SF_PROTO_TCP, v4_dsts[k], 80);

			g_assert_false(x.allow);
			g_assert_cmpint(x.reason, ==, SF_REASON_DEFAULT_DENY);
			x = decide_af(d, NULL, AF_INET, SF_PROTO_TCP, v4_dsts[k], 80);
			g_assert_true(x.allow);
			g_assert_cmpint(x.rule, ==, 0);
		}
	}
	/* the other way: 0.0.0.0/0 (::ffff:0:0/96 in the key space) meets no IPv6 flow */
	{
		g_autoptr(SfPolicy) a = parse("allow any to 0.0.0.0/0\n");
		g_autoptr(SfPolicy) d = parse("allow any to ::/0\ndeny any to 0.0.0.0/0\n");

		for (size_t k = 0; k < G_N_ELEMENTS(v6_dsts); k++) {
			g_assert_false(decide_af(a, NULL, AF_INET6, SF_PROTO_TCP, v6_dsts[k], 80).allow);
			/* (the filter protects ::ffff:0:0/96 for IPv6 flows: test-filter) */
			g_assert_cmpint(decide_af(d, NULL, AF_INET6, SF_PROTO_TCP, v6_dsts[k], 80).reason,
					==, SF_REASON_RULE_ALLOW);
		}
		g_assert_true(decide_af(a, NULL, AF_INET, SF_PROTO_TCP, "198.51.100.7", 80).allow);
	}
	/* an A answer opens IPv4 only, not ::ffff:it */
	{
		g_autoptr(SfPolicy) p = parse("allow tcp to web.example port 80\n");
		g_autoptr(SfLearned) l = sf_learned_new(16);
		SfAddr a = addr("203.0.113.10");

		g_assert_true(sf_learned_add(l, &a, "web.example", 0, 60));
		g_assert_true(decide_af(p, l, AF_INET, SF_PROTO_TCP, "203.0.113.10", 80).allow);
		g_assert_false(decide_af(p, l, AF_INET6, SF_PROTO_TCP, "::ffff:203.0.113.10", 80).allow);
	}
	/* protected ranges keep their family */
	{
		SfProtected prot = { 0 };
		SfCidr c;
		SfAddr lo = addr("127.0.0.1");

		g_assert_true(sf_cidr_parse("127.0.0.0/8", &c, NULL));
		g_assert_true(sf_protected_add(&prot, &c, "loopback"));
		c = (SfCidr){ .prefix = addr("::ffff:0:0"), .len = 96 };
		g_assert_true(sf_protected_add_ipv6(&prot, &c, "IPv4-mapped"));
		g_assert_cmpint(sf_protected_find_af(&prot, AF_INET, &lo), ==, 0);
		g_assert_cmpint(sf_protected_find_af(&prot, AF_INET6, &lo), ==, 1);
		g_assert_cmpint(sf_protected_find(&prot, &lo), ==, 0);
	}
	/* a rule inside ::ffff:0:0/96: file:line:col, and the IPv4 form to write instead */
	expect_parse_error("allow tcp to 198.51.100.0/24\nallow tcp to ::ffff:0:0/96 port 80\n",
			   "t.policy:2:14: \"::ffff:0:0/96\" is IPv4-mapped");
	expect_parse_error("allow tcp to ::ffff:0:0/97\n", "write 0.0.0.0/1");
	expect_parse_error("deny any to ::ffff:127.0.0.1\n", "IPv6 packets to it are always refused");
	expect_parse_error("allow any to ::ffff:0:0/95\n", "host bits set");
}

static void test_deny_wins(void)
{
	g_autoptr(SfPolicy) p = parse("allow any to 203.0.113.0/24\n"
				      "deny any to 203.0.113.66\n"
				      "allow tcp to 203.0.113.64/30 port 443\n"
				      "deny tcp to 0.0.0.0/0 port 25\n");
	SfDecision d;

	d = decide(p, NULL, SF_PROTO_TCP, "203.0.113.66", 443, 0);
	g_assert_false(d.allow);
	g_assert_cmpint(d.reason, ==, SF_REASON_RULE_DENY);
	g_assert_cmpint(d.rule, ==, 1);
	/* a wider deny wins over a narrower allow too */
	g_assert_false(decide(p, NULL, SF_PROTO_TCP, "203.0.113.5", 25, 0).allow);
	g_assert_true(decide(p, NULL, SF_PROTO_TCP, "203.0.113.5", 26, 0).allow);
}

static void test_edges(void)
{
	g_autoptr(SfPolicy) all = parse("allow any to 0.0.0.0/0\nallow any to ::/0\nallow any to *\n");
	g_autoptr(SfPolicy) v6 = parse("allow tcp to 2001:db8::1/128\n");

	g_assert_true(decide(all, NULL, SF_PROTO_TCP, "203.0.113.5", 1, 0).allow);
	g_assert_true(decide(all, NULL, SF_PROTO_UDP, "2001:db8::5", 65535, 0).allow);
	g_assert_true(decide(v6, NULL, SF_PROTO_TCP, "2001:db8::1", 80, 0).allow);
	g_assert_false(decide(v6, NULL, SF_PROTO_TCP, "2001:db8::2", 80, 0).allow);
}

static void test_protected(void)
{
	g_autoptr(SfPolicy) all = parse("allow any to 0.0.0.0/0\nallow any to ::/0\n");
	g_autoptr(SfPolicy) named = parse("allow tcp to 169.254.169.254 port 80\n"
					  "allow tcp to host port 5432\n"
					  "allow udp to 198.51.100.53 port 53\n");
	SfDecision d;

	/* wide rules never open a protected range */
	d = decide(all, NULL, SF_PROTO_TCP, "169.254.169.254", 80, 0);
	g_assert_false(d.allow);
	g_assert_cmpint(d.reason, ==, SF_REASON_PROTECTED);
	g_assert_cmpint(d.protected_range, >=, 0);
	g_assert_false(decide(all, NULL, SF_PROTO_TCP, "10.0.2.2", 5432, 0).allow);
	g_assert_false(decide(all, NULL, SF_PROTO_UDP, "224.0.0.251", 5353, 0).allow);
	g_assert_false(decide(all, NULL, SF_PROTO_UDP, "198.51.100.53", 53, 0).allow);
	g_assert_false(decide(all, NULL, SF_PROTO_TCP, "fe80::1", 80, 0).allow);
	g_assert_false(decide(all, NULL, SF_PROTO_TCP, "10.0.2.9", 80, 0).allow);
	/* rules that name them do */
	g_assert_true(decide(named, NULL, SF_PROTO_TCP, "169.254.169.254", 80, 0).allow);
	g_assert_false(decide(named, NULL, SF_PROTO_TCP, "169.254.169.254", 81, 0).allow);
	g_assert_true(decide(named, NULL, SF_PROTO_TCP, "10.0.2.2", 5432, 0).allow);
	g_assert_false(decide(named, NULL, SF_PROTO_TCP, "10.0.2.2", 5433, 0).allow);
	g_assert_true(decide(named, NULL, SF_PROTO_UDP, "198.51.100.53", 53, 0).allow);
}

static void test_learned(void)
{
	g_autoptr(SfPolicy) p = parse("allow tcp to web.example port 80\n"
				      "allow tcp to *.example.org port 443\n"
				      "dns grace 10\n");
	g_autoptr(SfLearned) l = sf_learned_new(16);
	SfAddr a = addr("203.0.113.10"), b = addr("203.0.113.11"), priv = addr("169.254.1.1");
	SfDecision d;

	g_assert_true(sf_learned_add(l, &a, "web.example", 1000, 60));
	g_assert_true(sf_learned_add(l, &b, "cdn.example.org", 1000, 5));
	g_assert_true(sf_learned_add(l, &priv, "web.example", 1000, 60));
	d = decide(p, l, SF_PROTO_TCP, "203.0.113.10", 80, 2000);
	g_assert_true(d.allow);
	g_assert_cmpint(d.reason, ==, SF_REASON_LEARNED);
	g_assert_cmpstr(d.name, ==, "web.example");
	g_assert_cmpint(d.valid_until_ms, ==, 1000 + 60000 + 10000);
	/* only the rule's ports and protocol */
	g_assert_false(decide(p, l, SF_PROTO_TCP, "203.0.113.10", 443, 2000).allow);
	g_assert_false(decide(p, l, SF_PROTO_UDP, "203.0.113.10", 80, 2000).allow);
	g_assert_true(decide(p, l, SF_PROTO_TCP, "203.0.113.11", 443, 2000).allow);
	/* expired: closed for new flows */
	g_assert_false(decide(p, l, SF_PROTO_TCP, "203.0.113.11", 443, 6001).allow);
	/* a learned address never opens a protected range */
	g_assert_false(decide(p, l, SF_PROTO_TCP, "169.254.1.1", 80, 2000).allow);
	/* re-adding refreshes */
	g_assert_true(sf_learned_add(l, &b, "cdn.example.org", 7000, 5));
	g_assert_true(decide(p, l, SF_PROTO_TCP, "203.0.113.11", 443, 8000).allow);
	/* a name the policy no longer allows opens nothing, and rebind drops it */
	{
		g_autoptr(SfPolicy) q = parse("allow tcp to web.example port 80\n");

		d = decide(q, l, SF_PROTO_TCP, "203.0.113.11", 443, 8000);
		g_assert_false(d.allow);
		/* the refusal still names what led there, for the audit log */
		g_assert_cmpstr(d.name, ==, "cdn.example.org");
		g_assert_cmpuint(sf_learned_rebind(l, q), ==, 1);
		g_assert_cmpuint(sf_learned_count(l), ==, 2);
	}
	/* the sweep keeps names through the grace period */
	g_assert_cmpuint(sf_learned_sweep(l, 1000 + 60000 + 5000, 10000), ==, 0);
	g_assert_cmpuint(sf_learned_sweep(l, 1000 + 60000 + 10001, 10000), ==, 2);
	g_assert_cmpuint(sf_learned_count(l), ==, 0);
}

static void learn_ip(SfLearned *l, uint8_t last, const char *name, int64_t now_ms, uint32_t ttl)
{
	uint8_t ip[4] = { 203, 0, 113, last };
	SfAddr a;

	sf_addr_from_ipv4(&a, ip);
	sf_learned_begin(l);
	g_assert_true(sf_learned_add(l, &a, name, now_ms, ttl));
}

static bool learned_has(const SfLearned *l, uint8_t last, int64_t now_ms)
{
	uint8_t ip[4] = { 203, 0, 113, last };
	const char *names[SF_LEARNED_NAMES_PER_ADDR];
	int64_t exp[SF_LEARNED_NAMES_PER_ADDR];
	SfAddr a;

	sf_addr_from_ipv4(&a, ip);
	return sf_learned_lookup(l, &a, now_ms, names, exp, G_N_ELEMENTS(names)) > 0;
}

static void test_learned_bounds(void)
{
	g_autoptr(SfLearned) l = sf_learned_new(4);
	SfAddr a;
	uint8_t ip[4] = { 203, 0, 113, 0 };
	const char *names[SF_LEARNED_NAMES_PER_ADDR];
	int64_t exp[SF_LEARNED_NAMES_PER_ADDR];
	SfLearnedStats st;

	/* one answer of five addresses into a table of four: the fifth is refused,
	 * never one the same answer opened (the client would read a closed address) */
	sf_learned_begin(l);
	for (int i = 0; i < 4; i++) {
		ip[3] = (uint8_t)i;
		sf_addr_from_ipv4(&a, ip);
		g_assert_true(sf_learned_add(l, &a, "a.example", 0, 10));
	}
	ip[3] = 99;
	sf_addr_from_ipv4(&a, ip);
	g_assert_false(sf_learned_add(l, &a, "a.example", 0, 10));
	for (uint8_t i = 0; i < 4; i++)
		g_assert_true(learned_has(l, i, 0));
	/* without sf_learned_begin() nothing is evicted: fail closed */
	g_assert_false(sf_learned_add(l, &a, "a.example", 20000, 10));
	/* the next answer evicts the entry nearest to expiry (expired ones count) */
	sf_learned_begin(l);
	g_assert_true(sf_learned_add(l, &a, "a.example", 20000, 10));
	sf_learned_stats(l, &st);
	g_assert_cmpuint(st.count, ==, 4);
	g_assert_cmpuint(st.refused, ==, 2);
	g_assert_cmpuint(st.evicted_expired, ==, 1);
	g_assert_cmpuint(st.evicted_live, ==, 0);
	/* one address, more names than slots: the soonest to expire gives way */
	for (int i = 0; i < SF_LEARNED_NAMES_PER_ADDR + 1; i++) {
		g_autofree char *n = g_strdup_printf("n%d.example", i);

		g_assert_true(sf_learned_add(l, &a, n, 20000, (uint32_t)(100 + i)));
	}
	g_assert_cmpuint(sf_learned_lookup(l, &a, 20000, names, exp, G_N_ELEMENTS(names)), ==,
			 SF_LEARNED_NAMES_PER_ADDR);
}

/* A full table evicts in expiry order: the entry whose names all expire first goes first. */
static void test_learned_eviction_order(void)
{
	g_autoptr(SfLearned) l = sf_learned_new(16);
	SfLearnedStats st;

	/* expiries 100 s, 99 s, ... 85 s, in a shuffled order */
	for (unsigned i = 0; i < 16; i++) {
		unsigned k = (i * 7) % 16;

		learn_ip(l, (uint8_t)k, "a.example", 0, 100 - k);
	}
	/* a second name keeps address 15 (85 s) until 200 s */
	learn_ip(l, 15, "b.example", 0, 200);
	/* a refresh moves address 14 (86 s) to 300 s */
	learn_ip(l, 14, "a.example", 0, 300);
	/* eight new addresses: 13, 12, ... 6 (87 s ... 94 s) give way, in that order */
	for (unsigned i = 0; i < 8; i++) {
		learn_ip(l, (uint8_t)(100 + i), "c.example", 1000, 1000);
		g_assert_false(learned_has(l, (uint8_t)(13 - i), 1000));
		if (i < 7)
			g_assert_true(learned_has(l, (uint8_t)(12 - i), 1000));
	}
	for (uint8_t k = 0; k <= 5; k++)
		g_assert_true(learned_has(l, k, 1000));
	g_assert_true(learned_has(l, 14, 1000));
	g_assert_true(learned_has(l, 15, 1000));
	/* at 96.5 s, 5 and 4 have expired: they go first, counted as such */
	learn_ip(l, 120, "c.example", 96500, 1000);
	learn_ip(l, 121, "c.example", 96500, 1000);
	g_assert_false(learned_has(l, 5, 90000));
	g_assert_false(learned_has(l, 4, 90000));
	g_assert_true(learned_has(l, 3, 90000));
	sf_learned_stats(l, &st);
	g_assert_cmpuint(st.evicted_live, ==, 8);
	g_assert_cmpuint(st.evicted_expired, ==, 2);
	g_assert_cmpuint(st.count, ==, 16);
	/* the sweep takes the expired ones in the same order, and nothing live */
	g_assert_cmpuint(sf_learned_sweep(l, 200000, 0), ==, 4);
	g_assert_cmpuint(sf_learned_count(l), ==, 12);
	g_assert_true(learned_has(l, 15, 199000));
	g_assert_false(learned_has(l, 3, 90000));
}

/*
 * Issue 13: a full table must cost an insert no more than an empty one. The
 * table of the default size, N new addresses timed into it empty, then N
 * more into it full (each evicting one); the bound is generous (a loaded
 * machine) but far below a sweep of the table per insert, which took
 * seconds here.
 */
static void test_learned_full_cost(void)
{
	const uint32_t max = SF_POLICY_DEFAULT_LEARNED_MAX, n = 20000;
	g_autoptr(SfLearned) l = sf_learned_new(max);
	int64_t t0, t_empty, t_full;
	uint32_t next = 0;
	SfLearnedStats st;

	/* one answer of 64 addresses after another, as the hostile upstream sends them */
#define LEARN_BATCH(count, at_ms)                                                            \
	for (uint32_t i = 0; i < (count); i++, next++) {                                     \
		SfAddr a = { 0 };                                                            \
                                                                                             \
		a.b[0] = 0x20; a.b[1] = 0x01; a.b[2] = 0x0d; a.b[3] = 0xb8;                  \
		memcpy(a.b + 12, &next, 4);                                                  \
		if (i % 64 == 0)                                                             \
			sf_learned_begin(l);                                                 \
		g_assert_true(sf_learned_add(l, &a, (i / 64) % 2 ? "x.wild.example" : "y.wild.example", \
					     (at_ms), 3600));                                \
	}
	t0 = g_get_monotonic_time();
	LEARN_BATCH(n, 0);
	t_empty = g_get_monotonic_time() - t0;
	LEARN_BATCH(max - n, 0);
	g_assert_cmpuint(sf_learned_count(l), ==, max);
	t0 = g_get_monotonic_time();
	LEARN_BATCH(n, 1000);
	t_full = g_get_monotonic_time() - t0;
#undef LEARN_BATCH
	sf_learned_stats(l, &st);
	g_test_message("%u inserts: %.1f ms into an empty table, %.1f ms into a full one", n,
		       (double)t_empty / 1000.0, (double)t_full / 1000.0);
	g_assert_cmpuint(st.count, ==, max);
	g_assert_cmpuint(st.evicted_live, ==, n);
	g_assert_cmpint(t_full, <=, 10 * t_empty + 200 * 1000);
	/* the oldest went first: the first address learned is gone, the last ones stay */
	{
		SfAddr a = { 0 };
		const char *names[SF_LEARNED_NAMES_PER_ADDR];
		int64_t exp[SF_LEARNED_NAMES_PER_ADDR];
		uint32_t first = 0, last = next - 1;

		a.b[0] = 0x20, a.b[1] = 0x01, a.b[2] = 0x0d, a.b[3] = 0xb8;
		memcpy(a.b + 12, &first, 4);
		g_assert_cmpuint(sf_learned_lookup(l, &a, 2000, names, exp, 4), ==, 0);
		memcpy(a.b + 12, &last, 4);
		g_assert_cmpuint(sf_learned_lookup(l, &a, 2000, names, exp, 4), ==, 1);
	}
}

static void test_names(void)
{
	g_autoptr(SfPolicy) p = parse("allow tcp to web.example port 80\n"
				      "allow any to *.example.org\n"
				      "deny any to bad.example.org\n");
	g_autoptr(SfPolicy) star = parse("allow any to *\ndeny any to *.evil.example\n");
	SfNameMatch m;

	sf_policy_match_name(p, "web.example", &m);
	g_assert_true(m.allowed);
	g_assert_cmpuint(m.n_allow, ==, 1);
	sf_policy_match_name(p, "secret.web.example", &m);
	g_assert_false(m.allowed);
	sf_policy_match_name(p, "a.b.example.org", &m);
	g_assert_true(m.allowed);
	sf_policy_match_name(p, "example.org", &m); /* the apex is not a subdomain */
	g_assert_false(m.allowed);
	sf_policy_match_name(p, "bad.example.org", &m);
	g_assert_false(m.allowed);
	g_assert_cmpint(m.deny_rule, ==, 2);
	sf_policy_match_name(star, "anything.example", &m);
	g_assert_true(m.allowed);
	sf_policy_match_name(star, "x.evil.example", &m);
	g_assert_false(m.allowed);
}

static void test_explicitly_allows(void)
{
	g_autoptr(SfPolicy) all = parse("allow any to 0.0.0.0/0\nallow any to ::/0\n");
	g_autoptr(SfPolicy) lan = parse("allow tcp to 10.1.0.0/16 port 80\n");
	SfAddr lo = addr("127.0.0.1"), ten = addr("10.1.2.3"), pub = addr("203.0.113.1");

	g_assert_false(sf_policy_explicitly_allows(all, &lo));
	g_assert_false(sf_policy_explicitly_allows(all, &ten));
	g_assert_true(sf_policy_explicitly_allows(all, &pub));
	g_assert_true(sf_policy_explicitly_allows(lan, &ten));
	g_assert_false(sf_policy_explicitly_allows(lan, &lo));
}

static void test_default(void)
{
	g_autoptr(SfPolicy) p = sf_policy_new_default();
	SfNameMatch m;

	g_assert_false(decide(p, NULL, SF_PROTO_TCP, "203.0.113.1", 80, 0).allow);
	sf_policy_match_name(p, "web.example", &m);
	g_assert_false(m.allowed);
	g_assert_cmpint(p->mode, ==, SF_MODE_ENFORCE);
}

/* 100,000 CIDR rules and 100,000 learned addresses: load well under 1 s, decide well under 1 us. */
static void test_scale(void)
{
	GString *text = g_string_sized_new(4 << 20);
	g_autoptr(SfPolicy) p = NULL;
	g_autoptr(SfLearned) l = sf_learned_new(200000);
	int64_t t0, t1;
	uint32_t x = 12345;
	unsigned allowed = 0;
	const unsigned n_decide = 1000000;

	for (unsigned i = 0; i < 100000; i++)
		g_string_append_printf(text, "allow tcp to %u.%u.%u.0/24 port %u\n", 11 + i / 65536,
				       (i / 256) % 256, i % 256, 1 + i % 1000);
	g_string_append(text, "allow tcp to *.example.org port 443\n");
	t0 = g_get_monotonic_time();
	{
		g_autoptr(GError) error = NULL;

		p = sf_policy_parse(text->str, text->len, "scale.policy", &error);
		g_assert_no_error(error);
	}
	for (unsigned i = 0; i < 100000; i++) {
		uint8_t ip[4] = { 100, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };
		SfAddr a;

		sf_addr_from_ipv4(&a, ip);
		sf_learned_add(l, &a, "cdn.example.org", 0, 3600);
	}
	t1 = g_get_monotonic_time();
	g_test_message("100,000 CIDR rules parsed and 100,000 addresses learned in %.1f ms",
		       (double)(t1 - t0) / 1000.0);
	t0 = g_get_monotonic_time();
	for (unsigned i = 0; i < n_decide; i++) {
		uint8_t ip[4];
		SfAddr a;
		SfDecision d;

		x = x * 1664525u + 1013904223u;
		ip[0] = (uint8_t)(x >> 31 ? 100 : 11 + (x & 1));
		ip[1] = (uint8_t)(x >> 8);
		ip[2] = (uint8_t)(x >> 16);
		ip[3] = (uint8_t)(x >> 24);
		sf_addr_from_ipv4(&a, ip);
		sf_policy_decide(p, NULL, l, SF_PROTO_TCP, &a, 443, false, 1000, &d);
		allowed += d.allow;
	}
	t1 = g_get_monotonic_time();
	g_test_message("%u decisions in %.1f ms: %.0f ns each (%u allowed)", n_decide,
		       (double)(t1 - t0) / 1000.0, (double)(t1 - t0) * 1000.0 / n_decide, allowed);
	g_assert_cmpuint(allowed, >, 0);
	if (g_getenv("SF_NO_TIMING") == NULL && !g_test_undefined()) {
		/* generous bounds so a loaded CI machine passes; the figures above are the report */
		g_assert_cmpfloat((double)(t1 - t0) * 1000.0 / n_decide, <, 2000.0);
	}
	g_string_free(text, TRUE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/policy/cidr-ports-protos", test_cidr_ports_protos);
	g_test_add_func("/policy/deny-wins", test_deny_wins);
	g_test_add_func("/policy/families", test_families);
	g_test_add_func("/policy/edges", test_edges);
	g_test_add_func("/policy/protected", test_protected);
	g_test_add_func("/policy/learned", test_learned);
	g_test_add_func("/policy/learned-bounds", test_learned_bounds);
	g_test_add_func("/policy/learned-eviction-order", test_learned_eviction_order);
	g_test_add_func("/policy/learned-full-cost", test_learned_full_cost);
	g_test_add_func("/policy/names", test_names);
	g_test_add_func("/policy/explicitly-allows", test_explicitly_allows);
	g_test_add_func("/policy/default", test_default);
	g_test_add_func("/policy/scale", test_scale);
	return g_test_run();
}
