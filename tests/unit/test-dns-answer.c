/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: upstream answer validation, the CNAME rule, rebinding, hints, TTLs, truncation. */
#include "config.h"

#include <string.h>

#include "dns-test-util.h"

#define POLICY                                                                                     \
	"allow tcp to web.example port 80\n"                                                       \
	"allow any to *.example.org\n"                                                             \
	"deny any to bad.example.org\n"                                                            \
	"deny any to tracker.example\n"                                                            \
	"allow tcp to 10.9.0.0/16 port 80\n"                                                       \
	"dns ttl-min 30 ttl-max 600\n"

static SfCidr nets[2];

static void init_nets(void)
{
	g_assert_true(sf_cidr_parse("10.0.2.0/24", &nets[0], NULL));
	g_assert_true(sf_cidr_parse("fd00::/64", &nets[1], NULL));
}

/* Processes an answer built from @rrs for a query of @name/@type (sent id 0x4000). */
static SfDnsAnswerResult run(const SfPolicy *policy, const char *name, uint16_t type,
			     uint8_t rcode, const char *const *rrs, SfDnsQuery *q, SfDnsAnswer *ans)
{
	TMsg m;

	t_forward(policy, name, type, 0x0101, 0, false, q);
	t_answer(&m, 0x4000, name, type, rcode, rrs);
	return sf_dns_answer_process(m.b, m.len, q, 0x4000, policy, nets, G_N_ELEMENTS(nets),
				     1000, ans);
}

static ldns_pkt *reply_pkt(const SfDnsAnswer *ans)
{
	g_assert_nonnull(ans->reply);
	return t_parse(ans->reply, ans->reply_len);
}

static bool learned(const SfDnsAnswer *ans, const char *addr)
{
	SfAddr a = t_addr(addr);

	for (unsigned i = 0; i < ans->n_learn; i++)
		if (memcmp(&ans->learn[i].addr, &a, sizeof(a)) == 0)
			return true;
	return false;
}

static void test_basic(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	const char *rrs[] = { "web.example. 300 IN A 198.51.100.7",
			      "web.example. 300 IN A 198.51.100.8", NULL };
	g_auto(SfDnsAnswer) ans = { 0 };
	g_autoptr(ldns_pkt) p = NULL;
	g_autofree char *qn = NULL;
	SfDnsQuery q;

	g_assert_cmpint(run(policy, "Web.EXAMPLE", LDNS_RR_TYPE_A, 0, rrs, &q, &ans), ==,
			SF_DNS_ANSWER_REPLY);
	g_assert_cmpint(ans.reason, ==, SF_DNS_REASON_NONE);
	g_assert_cmpuint(ans.rcode, ==, 0);
	g_assert_cmpuint(ans.n_learn, ==, 2);
	g_assert_true(learned(&ans, "198.51.100.7"));
	g_assert_true(learned(&ans, "198.51.100.8"));
	g_assert_cmpuint(ans.learn[0].ttl, ==, 300);
	g_assert_cmpuint(ans.cache_ttl, ==, 300);
	g_assert_false(ans.truncated);
	p = reply_pkt(&ans);
	g_assert_cmpuint(ldns_pkt_id(p), ==, 0x0101);
	g_assert_true(ldns_pkt_qr(p));
	g_assert_true(ldns_pkt_ra(p));
	g_assert_true(ldns_pkt_rd(p));
	g_assert_false(ldns_pkt_aa(p));
	qn = t_qname(p);
	g_assert_cmpstr(qn, ==, "Web.EXAMPLE");
	g_assert_cmpuint(t_count(p, LDNS_RR_TYPE_A), ==, 2);
	g_assert_true(t_has_addr(p, "198.51.100.7"));
	/* the owners take the asked case too */
	{
		char *owner = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_answer(p), 0)));

		g_assert_cmpstr(owner, ==, "Web.EXAMPLE.");
		free(owner);
	}
	g_assert_false(ldns_pkt_edns(p));
}

static void test_edns_echo(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	const char *rrs[] = { "web.example. 300 IN A 198.51.100.7", NULL };
	g_auto(SfDnsAnswer) ans = { 0 };
	g_autoptr(ldns_pkt) p = NULL;
	SfDnsQuery q;
	TMsg m;

	t_forward(policy, "web.example", LDNS_RR_TYPE_A, 5, 1400, false, &q);
	t_answer(&m, 9, "web.example", LDNS_RR_TYPE_A, 0, rrs);
	g_assert_cmpint(sf_dns_answer_process(m.b, m.len, &q, 9, policy, NULL, 0, 0, &ans), ==,
			SF_DNS_ANSWER_REPLY);
	p = reply_pkt(&ans);
	g_assert_true(ldns_pkt_edns(p));
	g_assert_cmpuint(ldns_pkt_edns_udp_size(p), ==, SF_DNS_EDNS_SIZE);
}

static void test_validation_ignores(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	const char *rrs[] = { "web.example. 300 IN A 198.51.100.7", NULL };
	SfDnsQuery q;
	TMsg m;

	t_forward(policy, "web.example", LDNS_RR_TYPE_A, 5, 0, false, &q);

	/* wrong id */
	{
		g_auto(SfDnsAnswer) ans = { 0 };

		t_answer(&m, 0x4001, "web.example", LDNS_RR_TYPE_A, 0, rrs);
		g_assert_cmpint(sf_dns_answer_process(m.b, m.len, &q, 0x4000, policy, NULL, 0, 0, &ans),
				==, SF_DNS_ANSWER_IGNORE);
		g_assert_cmpint(ans.reason, ==, SF_DNS_REASON_WRONG_ID);
		g_assert_cmpuint(ans.n_learn, ==, 0);
		g_assert_null(ans.reply);
	}
	/* wrong question name, type */
	{
		g_auto(SfDnsAnswer) ans = { 0 };
		const char *other[] = { "evil.example. 300 IN A 198.51.100.9", NULL };

		t_answer(&m, 0x4000, "evil.example", LDNS_RR_TYPE_A, 0, other);
		g_assert_cmpint(sf_dns_answer_process(m.b, m.len, &q, 0x4000, policy, NULL, 0, 0, &ans),
				==, SF_DNS_ANSWER_IGNORE);
		g_assert_cmpint(ans.reason, ==, SF_DNS_REASON_WRONG_QUESTION);
		g_assert_cmpuint(ans.n_learn, ==, 0);
	}
	{
		g_auto(SfDnsAnswer) ans = { 0 };

		t_answer(&m, 0x4000, "web.example", LDNS_RR_TYPE_AAAA, 0, NULL);
		g_assert_cmpint(sf_dns_answer_process(m.b, m.len, &q, 0x4000, policy, NULL, 0, 0, &ans),
				==, SF_DNS_ANSWER_IGNORE);
		g_assert_cmpint(ans.reason, ==, SF_DNS_REASON_WRONG_QUESTION);
	}
	/* the same name in another case is the same question */
	{
		g_auto(SfDnsAnswer) ans = { 0 };
		const char *upper[] = { "WEB.EXAMPLE. 300 IN A 198.51.100.7", NULL };

		t_answer(&m, 0x4000, "WEB.EXAMPLE", LDNS_RR_TYPE_A, 0, upper);
		g_assert_cmpint(sf_dns_answer_process(m.b, m.len, &q, 0x4000, policy, NULL, 0, 0, &ans),
				==, SF_DNS_ANSWER_REPLY);
		g_assert_cmpuint(ans.n_learn, ==, 1);
	}
	/* not a response */
	{
		g_auto(SfDnsAnswer) ans = { 0 };
		g_autoptr(ldns_pkt) p = NULL;

		t_answer(&m, 0x4000, "web.example", LDNS_RR_TYPE_A, 0, rrs);
		p = t_parse(m.b, m.len);
		ldns_pkt_set_qr(p, false);
		t_wire(p, &m);
		g_assert_cmpint(sf_dns_answer_process(m.b, m.len, &q, 0x4000, policy, NULL, 0, 0, &ans),
				==, SF_DNS_ANSWER_IGNORE);
		g_assert_cmpint(ans.reason, ==, SF_DNS_REASON_NOT_RESPONSE);
	}
	/* two questions */
	{
		g_auto(SfDnsAnswer) ans = { 0 };
		g_autoptr(ldns_pkt) p = NULL;
		ldns_rr *second = NULL;

		t_answer(&m, 0x4000, "web.example", LDNS_RR_TYPE_A, 0, rrs);
		p = t_parse(m.b, m.len);
		g_assert_cmpint(ldns_rr_new_question_frm_str(&second, "web.example A", NULL, NULL), ==,
				LDNS_STATUS_OK);
		ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, second);
		t_wire(p, &m);
		g_assert_cmpint(sf_dns_answer_process(m.b, m.len, &q, 0x4000, policy, NULL, 0, 0, &ans),
				==, SF_DNS_ANSWER_IGNORE);
		g_assert_cmpint(ans.reason, ==, SF_DNS_REASON_WRONG_QUESTION);
	}
	/* garbage and truncation, under the right id */
	{
		g_auto(SfDnsAnswer) ans = { 0 };

		t_answer(&m, 0x4000, "web.example", LDNS_RR_TYPE_A, 0, rrs);
		for (size_t len = 0; len < m.len; len++) {
			g_assert_cmpint(sf_dns_answer_process(m.b, len, &q, 0x4000, policy, NULL, 0, 0,
							      &ans),
					==, SF_DNS_ANSWER_IGNORE);
			g_assert_cmpuint(ans.n_learn, ==, 0);
			sf_dns_answer_clear(&ans);
		}
	}
}

static void test_cname_chain_learned(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	const char *rrs[] = {
		"web.example. 300 IN CNAME web.cdn.example.net.",
		"web.cdn.example.net. 60 IN CNAME edge7.cdn.example.net.",
		"edge7.cdn.example.net. 20 IN A 203.0.113.5",
		"other.example. 300 IN A 192.0.2.99",          /* unrelated: dropped */
		"web.cdn.example.net. 60 IN CNAME decoy.example.", /* second CNAME: dropped */
		"ar:edge7.cdn.example.net. 20 IN A 203.0.113.6",
		NULL
	};
	g_auto(SfDnsAnswer) ans = { 0 };
	g_autoptr(ldns_pkt) p = NULL;
	SfDnsQuery q;

	g_assert_cmpint(run(policy, "web.example", LDNS_RR_TYPE_A, 0, rrs, &q, &ans), ==,
			SF_DNS_ANSWER_REPLY);
	g_assert_cmpuint(ans.n_learn, ==, 1);
	g_assert_true(learned(&ans, "203.0.113.5"));
	g_assert_cmpuint(ans.learn[0].record_ttl, ==, 20);
	g_assert_cmpuint(ans.learn[0].ttl, ==, 30); /* ttl-min */
	g_assert_cmpuint(ans.n_dropped, ==, 3);
	g_assert_cmpuint(ans.cache_ttl, ==, 20);
	p = reply_pkt(&ans);
	g_assert_cmpuint(t_count(p, LDNS_RR_TYPE_CNAME), ==, 2);
	g_assert_cmpuint(t_count(p, LDNS_RR_TYPE_A), ==, 1);
	g_assert_false(t_has_addr(p, "192.0.2.99"));
	g_assert_cmpuint(ldns_pkt_arcount(p), ==, 0);
}

static void test_cname_into_denied(void)
{
	const char *rrs[] = { "a.example.org. 300 IN CNAME x.cdn.example.net.",
			      "x.cdn.example.net. 300 IN CNAME bad.example.org.",
			      "bad.example.org. 300 IN A 203.0.113.9", NULL };

	for (int refused = 0; refused < 2; refused++) {
		g_autoptr(SfPolicy) policy =
			t_policy(refused ? POLICY "dns deny-response refused\n" : POLICY);
		g_auto(SfDnsAnswer) ans = { 0 };
		g_autoptr(ldns_pkt) p = NULL;
		g_autofree char *qn = NULL;
		SfDnsQuery q;

		g_assert_cmpint(run(policy, "A.example.org", LDNS_RR_TYPE_A, 0, rrs, &q, &ans), ==,
				SF_DNS_ANSWER_REPLY);
		g_assert_cmpint(ans.reason, ==, SF_DNS_REASON_CNAME_DENIED);
		g_assert_cmpint(ans.rule, ==, 2);
		g_assert_cmpstr(ans.denied_name, ==, "bad.example.org");
		g_assert_cmpuint(ans.n_learn, ==, 0);
		g_assert_cmpuint(ans.cache_ttl, ==, 0);
		p = reply_pkt(&ans);
		g_assert_cmpuint(ldns_pkt_get_rcode(p), ==,
				 refused ? LDNS_RCODE_REFUSED : LDNS_RCODE_NXDOMAIN);
		g_assert_cmpuint(ldns_pkt_ancount(p), ==, 0);
		qn = t_qname(p);
		g_assert_cmpstr(qn, ==, "A.example.org");
	}
}

static void test_cname_outside_policy_followed(void)
{
	/* the other side of the rule: a chain name nobody allows (but none denies) is fine */
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	const char *rrs[] = { "a.example.org. 300 IN CNAME cdn.unlisted.example.",
			      "cdn.unlisted.example. 300 IN A 203.0.113.10", NULL };
	g_auto(SfDnsAnswer) ans = { 0 };
	SfDnsQuery q;

	g_assert_cmpint(run(policy, "a.example.org", LDNS_RR_TYPE_A, 0, rrs, &q, &ans), ==,
			SF_DNS_ANSWER_REPLY);
	g_assert_cmpint(ans.reason, ==, SF_DNS_REASON_NONE);
	g_assert_true(learned(&ans, "203.0.113.10"));
}

static void test_cname_loop_and_length(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	const char *loop[] = { "a.example.org. 300 IN CNAME b.example.net.",
			       "b.example.net. 300 IN CNAME A.EXAMPLE.ORG.",
			       "b.example.net. 300 IN A 203.0.113.11", NULL };
	g_autoptr(GPtrArray) chain = g_ptr_array_new_with_free_func(g_free);
	SfDnsQuery q;

	{
		g_auto(SfDnsAnswer) ans = { 0 };
		g_autoptr(ldns_pkt) p = NULL;

		g_assert_cmpint(run(policy, "a.example.org", LDNS_RR_TYPE_A, 0, loop, &q, &ans), ==,
				SF_DNS_ANSWER_REPLY);
		g_assert_cmpint(ans.reason, ==, SF_DNS_REASON_CNAME_LOOP);
		g_assert_cmpuint(ans.n_learn, ==, 0);
		p = reply_pkt(&ans);
		g_assert_cmpuint(ldns_pkt_get_rcode(p), ==, LDNS_RCODE_SERVFAIL);
	}

	/* 16 links are followed, 17 are not */
	for (int links = 16; links <= 17; links++) {
		g_auto(SfDnsAnswer) ans = { 0 };

		g_ptr_array_set_size(chain, 0);
		for (int i = 0; i < links; i++) {
			g_autofree char *owner = i == 0 ? g_strdup("a.example.org")
							: g_strdup_printf("c%d.example.net", i);

			g_ptr_array_add(chain, g_strdup_printf("%s. 300 IN CNAME c%d.example.net.", owner,
							       i + 1));
		}
		g_ptr_array_add(chain, g_strdup_printf("c%d.example.net. 300 IN A 203.0.113.12", links));
		g_ptr_array_add(chain, NULL);
		g_assert_cmpint(run(policy, "a.example.org", LDNS_RR_TYPE_A, 0,
				    (const char *const *)chain->pdata, &q, &ans),
				==, SF_DNS_ANSWER_REPLY);
		if (links == 16) {
			g_assert_cmpint(ans.reason, ==, SF_DNS_REASON_NONE);
			g_assert_true(learned(&ans, "203.0.113.12"));
		} else {
			g_assert_cmpint(ans.reason, ==, SF_DNS_REASON_CNAME_TOO_LONG);
			g_assert_cmpuint(ans.rcode, ==, LDNS_RCODE_SERVFAIL);
			g_assert_cmpuint(ans.n_learn, ==, 0);
		}
	}
}

static void test_rebinding_classes(void)
{
	static const struct {
		const char *addr, *what;
	} cases[] = {
		{ "127.0.0.1", "loopback" },     { "127.255.0.9", "loopback" },
		{ "::1", "loopback" },           { "169.254.169.254", "link-local" },
		{ "fe80::1", "link-local" },     { "10.1.2.3", "private" },
		{ "172.16.5.5", "private" },     { "172.31.255.1", "private" },
		{ "192.168.1.1", "private" },    { "100.64.1.1", "private" },
		{ "100.127.255.255", "private" }, { "fc00::1", "private" },
		{ "fd12:3456::1", "private" },   { "224.0.0.251", "multicast" },
		{ "239.1.1.1", "multicast" },    { "ff02::fb", "multicast" },
		{ "0.0.0.0", "unspecified" },    { "0.1.2.3", "unspecified" },
		{ "::", "unspecified" },         { "255.255.255.255", "broadcast" },
		{ "240.0.0.1", "reserved" },     { "10.0.2.2", "slirp-network" },
		{ "10.0.2.3", "slirp-network" }, { "fd00::3", "slirp-network" },
		{ "::ffff:127.0.0.1", "loopback" }, { "::ffff:10.0.0.1", "private" },
		{ "::ffff:169.254.169.254", "link-local" }, { "64:ff9b::a00:1", "private" },
		{ "2002:c0a8:101::1", "private" }, { "::127.0.0.1", "unspecified" },
		/* local-use NAT64 (RFC 8215), whole; SIIT ::ffff:0:a.b.c.d by what it carries */
		{ "64:ff9b:1::a00:1", "private" }, { "64:ff9b:1::c633:6401", "private" },
		{ "64:ff9b:1:ffff:ffff::1", "private" }, { "::ffff:0:7f00:1", "loopback" },
		{ "::ffff:0:a00:1", "private" },  { "::ffff:0:a9fe:a9fe", "link-local" },
		{ "::ffff:0:0:0", "unspecified" }, { "::ffff:0:c633:6401", NULL },
		{ "64:ff9b:2::1", NULL },        { "64:ff9b::c633:6401", NULL },
		{ "198.51.100.1", NULL },        { "8.8.8.8", NULL },
		{ "172.32.0.1", NULL },          { "100.128.0.1", NULL },
		{ "2001:db8::1", NULL },         { "::ffff:198.51.100.1", NULL },
		{ "fe00::1", NULL },
	};

	init_nets();
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		SfAddr a = t_addr(cases[i].addr);

		g_test_message("%s", cases[i].addr);
		g_assert_cmpstr(sf_dns_addr_rebinding_class(&a, nets, G_N_ELEMENTS(nets)), ==,
				cases[i].what);
	}
}

static void test_rebinding_stripped(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	const char *v4[] = { "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.0.1", "100.64.0.1",
			     "169.254.169.254", "224.0.0.251", "0.0.0.0", "255.255.255.255",
			     "10.0.2.2" };
	const char *v6[] = { "::1", "fe80::1", "fd12::1", "ff02::1", "::", "::ffff:127.0.0.1",
			     "::ffff:192.168.1.1", "fd00::3" };

	for (size_t i = 0; i < G_N_ELEMENTS(v4) + G_N_ELEMENTS(v6); i++) {
		bool is6 = i >= G_N_ELEMENTS(v4);
		const char *addr = is6 ? v6[i - G_N_ELEMENTS(v4)] : v4[i];
		g_autofree char *bad = g_strdup_printf("web.example. 300 IN %s %s", is6 ? "AAAA" : "A",
						       addr);
		const char *good = is6 ? "web.example. 300 IN AAAA 2001:db8::7"
				       : "web.example. 300 IN A 198.51.100.7";
		const char *rrs[] = { bad, good, NULL };
		g_auto(SfDnsAnswer) ans = { 0 };
		g_autoptr(ldns_pkt) p = NULL;
		SfDnsQuery q;

		g_test_message("%s", addr);
		g_assert_cmpint(run(policy, "web.example", is6 ? LDNS_RR_TYPE_AAAA : LDNS_RR_TYPE_A, 0,
				    rrs, &q, &ans),
				==, SF_DNS_ANSWER_REPLY);
		g_assert_cmpuint(ans.n_stripped, ==, 1);
		g_assert_nonnull(ans.stripped[0].what);
		g_assert_cmpuint(ans.n_learn, ==, 1);
		g_assert_false(learned(&ans, addr));
		p = reply_pkt(&ans);
		g_assert_false(t_has_addr(p, addr));
		g_assert_true(t_has_addr(p, is6 ? "2001:db8::7" : "198.51.100.7"));
	}

	/* only a rebinding address: an empty NOERROR, nothing learned */
	{
		const char *rrs[] = { "web.example. 300 IN A 127.0.0.1", NULL };
		g_auto(SfDnsAnswer) ans = { 0 };
		g_autoptr(ldns_pkt) p = NULL;
		SfDnsQuery q;

		g_assert_cmpint(run(policy, "web.example", LDNS_RR_TYPE_A, 0, rrs, &q, &ans), ==,
				SF_DNS_ANSWER_REPLY);
		g_assert_cmpuint(ans.n_learn, ==, 0);
		p = reply_pkt(&ans);
		g_assert_cmpuint(ldns_pkt_get_rcode(p), ==, LDNS_RCODE_NOERROR);
		g_assert_cmpuint(ldns_pkt_ancount(p), ==, 0);
		g_assert_cmpuint(ans.cache_ttl, ==, 0); /* no SOA */
	}
}

/* The DNS upstreams' own addresses, in every form, whatever rule covers them (issue 13 item 6). */
static void test_rebinding_upstreams(void)
{
	g_autoptr(SfPolicy) policy =
		t_policy("allow any to 0.0.0.0/0\nallow any to ::/0\nallow any to *\n"
			 "allow any to 203.0.113.53\n");
	SfCidr up[4];
	static const struct {
		const char *addr;
		bool stripped;
		const char *answer_what; /* why the answer drops it; NULL: kept */
	} cases[] = {
		{ "203.0.113.53", true, "host-resolver" },
		/* an AAAA inside ::ffff:0:0/96 never opens anything (issue 13 item 1): it goes as
		 * ipv4-mapped before its IPv4 address is looked at */
		{ "::ffff:203.0.113.53", true, "ipv4-mapped" },
		{ "::ffff:0:203.0.113.53", true, "host-resolver" },
		{ "64:ff9b::cb00:7135", true, "host-resolver" },
		{ "2002:cb00:7135::1", true, "host-resolver" },
		{ "2001:db8::53", true, "host-resolver" },
		{ "203.0.113.54", false, NULL },
		{ "::ffff:203.0.113.54", false, "ipv4-mapped" },
		{ "2001:db8::54", false, NULL },
	};

	init_nets();
	up[0] = nets[0];
	up[1] = nets[1];
	g_assert_true(sf_cidr_parse("203.0.113.53/32", &up[2], NULL));
	g_assert_true(sf_cidr_parse("2001:db8::53/128", &up[3], NULL));
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		SfAddr a = t_addr(cases[i].addr);
		bool is6 = strchr(cases[i].addr, ':') != NULL;
		g_autofree char *rr = g_strdup_printf("web.example.org. 300 IN %s %s",
						      is6 ? "AAAA" : "A", cases[i].addr);
		const char *rrs[] = { rr, NULL };
		uint16_t type = is6 ? LDNS_RR_TYPE_AAAA : LDNS_RR_TYPE_A;
		g_auto(SfDnsAnswer) ans = { 0 };
		SfDnsQuery q;
		TMsg m;

		g_test_message("%s", cases[i].addr);
		g_assert_cmpstr(sf_dns_addr_rebinding_class(&a, up, G_N_ELEMENTS(up)), ==,
				cases[i].stripped ? "host-resolver" : NULL);
		t_forward(policy, "web.example.org", type, 0x0101, 0, false, &q);
		t_answer(&m, 0x4000, "web.example.org", type, 0, rrs);
		g_assert_cmpint(sf_dns_answer_process(m.b, m.len, &q, 0x4000, policy, up,
						      G_N_ELEMENTS(up), 1000, &ans),
				==, SF_DNS_ANSWER_REPLY);
		g_assert_cmpuint(ans.n_stripped, ==, cases[i].answer_what != NULL ? 1 : 0);
		g_assert_cmpuint(ans.n_learn, ==, cases[i].answer_what != NULL ? 0 : 1);
		if (cases[i].answer_what != NULL)
			g_assert_cmpstr(ans.stripped[0].what, ==, cases[i].answer_what);
	}
}

/* `allow any to ::/0` keeps none of the IPv6 forms of a rebinding address (issue 13 item 6). */
static void test_rebinding_v6_forms(void)
{
	g_autoptr(SfPolicy) policy =
		t_policy("allow any to 0.0.0.0/0\nallow any to ::/0\nallow any to *\n");
	const char *forms[] = { "64:ff9b:1::1", "64:ff9b:1::c633:6401", "::ffff:0:7f00:1",
				"::ffff:0:a00:1", "64:ff9b::a00:1", "2002:a00:1::1",
				"::ffff:10.0.0.1" };

	init_nets();
	for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
		g_autofree char *rr = g_strdup_printf("web.example.org. 300 IN AAAA %s", forms[i]);
		const char *rrs[] = { rr, "web.example.org. 300 IN AAAA 2001:db8::7", NULL };
		g_auto(SfDnsAnswer) ans = { 0 };
		SfDnsQuery q;

		g_test_message("%s", forms[i]);
		g_assert_cmpint(run(policy, "web.example.org", LDNS_RR_TYPE_AAAA, 0, rrs, &q, &ans),
				==, SF_DNS_ANSWER_REPLY);
		g_assert_cmpuint(ans.n_stripped, ==, 1);
		g_assert_false(learned(&ans, forms[i]));
		g_assert_true(learned(&ans, "2001:db8::7"));
	}
}

static void test_rebinding_explicit_allow(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	const char *rrs[] = { "web.example. 300 IN A 10.9.1.1", "web.example. 300 IN A 10.8.1.1",
			      NULL };
	g_auto(SfDnsAnswer) ans = { 0 };
	g_autoptr(ldns_pkt) p = NULL;
	SfDnsQuery q;

	g_assert_cmpint(run(policy, "web.example", LDNS_RR_TYPE_A, 0, rrs, &q, &ans), ==,
			SF_DNS_ANSWER_REPLY);
	g_assert_true(learned(&ans, "10.9.1.1"));
	g_assert_false(learned(&ans, "10.8.1.1"));
	p = reply_pkt(&ans);
	g_assert_true(t_has_addr(p, "10.9.1.1"));
	g_assert_false(t_has_addr(p, "10.8.1.1"));

	/* a wide rule does not count as explicit */
	{
		g_autoptr(SfPolicy) wide = t_policy("allow any to web.example\nallow any to 0.0.0.0/0\n");
		g_auto(SfDnsAnswer) a2 = { 0 };

		g_assert_cmpint(run(wide, "web.example", LDNS_RR_TYPE_A, 0, rrs, &q, &a2), ==,
				SF_DNS_ANSWER_REPLY);
		g_assert_cmpuint(a2.n_learn, ==, 0);
		g_assert_cmpuint(a2.n_stripped, ==, 2);
	}
}

static void test_audit_mode(void)
{
	g_autoptr(SfPolicy) policy = t_policy("mode audit\n" POLICY);
	const char *rrs[] = { "a.example.org. 300 IN CNAME bad.example.org.",
			      "bad.example.org. 300 IN A 127.0.0.1",
			      "bad.example.org. 300 IN A 203.0.113.1", NULL };
	g_auto(SfDnsAnswer) ans = { 0 };
	g_autoptr(ldns_pkt) p = NULL;
	SfDnsQuery q;

	g_assert_cmpint(run(policy, "a.example.org", LDNS_RR_TYPE_A, 0, rrs, &q, &ans), ==,
			SF_DNS_ANSWER_REPLY);
	g_assert_cmpint(ans.reason, ==, SF_DNS_REASON_CNAME_DENIED);
	g_assert_cmpuint(ans.n_stripped, ==, 1);
	g_assert_false(learned(&ans, "127.0.0.1"));
	g_assert_true(learned(&ans, "203.0.113.1"));
	g_assert_cmpuint(ans.cache_ttl, ==, 0);
	p = reply_pkt(&ans);
	g_assert_true(t_has_addr(p, "127.0.0.1"));
}

static void test_https_hints(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	const char *rrs[] = {
		"web.example. 300 IN HTTPS 1 . alpn=h2,h3 ipv4hint=10.0.0.1,198.51.100.3 "
		"ech=AEX+DQBB ipv6hint=2001:db8::1 port=8443",
		"web.example. 300 IN HTTPS 2 . mandatory=ipv4hint alpn=h2 ipv4hint=198.51.100.3",
		"web.example. 300 IN HTTPS 0 svc.web.example.",
		"web.example. 300 IN HTTPS 3 . alpn=h2",
		NULL
	};
	g_auto(SfDnsAnswer) ans = { 0 };
	g_autoptr(ldns_pkt) p = NULL;
	SfDnsQuery q;
	bool seen_rewritten = false;

	g_assert_cmpint(run(policy, "web.example", LDNS_RR_TYPE_HTTPS, 0, rrs, &q, &ans), ==,
			SF_DNS_ANSWER_REPLY);
	g_assert_cmpuint(ans.n_hints_removed, ==, 2);
	g_assert_cmpuint(ans.n_learn, ==, 0);
	p = reply_pkt(&ans);
	g_assert_cmpuint(t_count(p, LDNS_RR_TYPE_HTTPS), ==, 3); /* the mandatory one is gone */
	for (size_t i = 0; i < ldns_rr_list_rr_count(ldns_pkt_answer(p)); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ldns_pkt_answer(p), i);
		char *text = ldns_rr2str(rr);

		g_assert_null(strstr(text, "hint"));
		g_assert_null(strstr(text, "mandatory"));
		if (strstr(text, "ech=AEX+DQBB") != NULL) {
			g_assert_nonnull(strstr(text, "alpn=h2,h3"));
			g_assert_nonnull(strstr(text, "port=8443"));
			seen_rewritten = true;
		}
		free(text);
	}
	g_assert_true(seen_rewritten);

	/* SVCB alike; all parameters hints: an empty parameter list */
	{
		const char *svcb[] = { "_dns.web.example. 300 IN SVCB 1 web.example. ipv6hint=fd00::3",
				       NULL };
		g_autoptr(SfPolicy) p2 = t_policy("allow any to *.web.example\n");
		g_auto(SfDnsAnswer) a2 = { 0 };
		g_autoptr(ldns_pkt) r2 = NULL;

		g_assert_cmpint(run(p2, "_dns.web.example", LDNS_RR_TYPE_SVCB, 0, svcb, &q, &a2), ==,
				SF_DNS_ANSWER_REPLY);
		g_assert_cmpuint(a2.n_hints_removed, ==, 1);
		r2 = reply_pkt(&a2);
		g_assert_cmpuint(t_count(r2, LDNS_RR_TYPE_SVCB), ==, 1);
	}
}

static void test_ttl_clamp_and_cap(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	const char *rrs[] = { "web.example. 5 IN A 198.51.100.1", "web.example. 86400 IN A 198.51.100.2",
			      NULL };
	g_auto(SfDnsAnswer) ans = { 0 };
	g_autoptr(ldns_pkt) p = NULL;
	SfDnsQuery q;

	g_assert_cmpint(run(policy, "web.example", LDNS_RR_TYPE_A, 0, rrs, &q, &ans), ==,
			SF_DNS_ANSWER_REPLY);
	g_assert_cmpuint(ans.n_learn, ==, 2);
	g_assert_cmpuint(ans.learn[0].record_ttl, ==, 5);
	g_assert_cmpuint(ans.learn[0].ttl, ==, 30);   /* floor */
	g_assert_cmpuint(ans.learn[1].record_ttl, ==, 600);
	g_assert_cmpuint(ans.learn[1].ttl, ==, 600);  /* ceiling */
	p = reply_pkt(&ans);
	for (size_t i = 0; i < ldns_rr_list_rr_count(ldns_pkt_answer(p)); i++)
		g_assert_cmpuint(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), i)), <=, 600);
	g_assert_cmpuint(ans.cache_ttl, ==, 5);
}

static void test_truncation(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(GPtrArray) rrs = g_ptr_array_new_with_free_func(g_free);
	SfDnsQuery q;
	TMsg m;

	for (int i = 0; i < 60; i++)
		g_ptr_array_add(rrs, g_strdup_printf("web.example. 300 IN AAAA 2001:db8::%x", i + 1));
	g_ptr_array_add(rrs, NULL);
	t_answer(&m, 0x4000, "web.example", LDNS_RR_TYPE_AAAA, 0, (const char *const *)rrs->pdata);
	g_assert_cmpuint(m.len, >, 512);

	for (int mode = 0; mode < 3; mode++) { /* UDP 512, UDP EDNS 4096, TCP */
		g_auto(SfDnsAnswer) ans = { 0 };
		g_autoptr(ldns_pkt) p = NULL;

		t_forward(policy, "web.example", LDNS_RR_TYPE_AAAA, 0x0202, mode == 1 ? 4096 : 0,
			  mode == 2, &q);
		g_assert_cmpint(sf_dns_answer_process(m.b, m.len, &q, 0x4000, policy, nets, 2, 0, &ans),
				==, SF_DNS_ANSWER_REPLY);
		g_assert_cmpuint(ans.n_learn, ==, 60); /* learned either way: the TCP retry is a cache hit */
		p = reply_pkt(&ans);
		g_assert_cmpuint(ldns_pkt_id(p), ==, 0x0202);
		if (mode == 0) {
			g_assert_true(ans.truncated);
			g_assert_cmpuint(ans.reply_len, <=, 512);
			g_assert_true(ldns_pkt_tc(p));
			g_assert_cmpuint(ldns_pkt_qdcount(p), ==, 1);
			g_assert_cmpuint(ldns_pkt_ancount(p), ==, 0);
			g_assert_cmpuint(ans.canon_len, >, 512); /* the cache keeps the whole answer */
		} else {
			g_assert_false(ans.truncated);
			g_assert_false(ldns_pkt_tc(p));
			g_assert_cmpuint(ldns_pkt_ancount(p), ==, 60);
		}
	}
}

static void test_learn_limit(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(GPtrArray) rrs = g_ptr_array_new_with_free_func(g_free);
	g_auto(SfDnsAnswer) ans = { 0 };
	g_autoptr(ldns_pkt) p = NULL;
	SfDnsQuery q;

	for (int i = 0; i < 70; i++)
		g_ptr_array_add(rrs, g_strdup_printf("web.example. 300 IN A 198.51.100.%d", i + 1));
	g_ptr_array_add(rrs, NULL);
	TMsg m;

	t_forward(policy, "web.example", LDNS_RR_TYPE_A, 1, 0, true, &q);
	t_answer(&m, 0x4000, "web.example", LDNS_RR_TYPE_A, 0, (const char *const *)rrs->pdata);
	g_assert_cmpint(sf_dns_answer_process(m.b, m.len, &q, 0x4000, policy, NULL, 0, 0, &ans), ==,
			SF_DNS_ANSWER_REPLY);
	g_assert_cmpuint(ans.n_learn, ==, SF_DNS_LEARN_MAX);
	g_assert_cmpuint(ans.n_stripped, ==, 70 - SF_DNS_LEARN_MAX);
	g_assert_false(ans.truncated);
	p = reply_pkt(&ans);
	g_assert_cmpuint(t_count(p, LDNS_RR_TYPE_A), ==, SF_DNS_LEARN_MAX);
	g_assert_false(t_has_addr(p, "198.51.100.70"));
}

static void test_rcode_passthrough(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	SfDnsQuery q;

	{
		g_auto(SfDnsAnswer) ans = { 0 };
		g_autoptr(ldns_pkt) p = NULL;
		const char *rrs[] = { "web.example. 300 IN A 198.51.100.1", NULL };

		g_assert_cmpint(run(policy, "web.example", LDNS_RR_TYPE_A, LDNS_RCODE_SERVFAIL, rrs, &q,
				    &ans),
				==, SF_DNS_ANSWER_REPLY);
		g_assert_cmpuint(ans.rcode, ==, LDNS_RCODE_SERVFAIL);
		g_assert_cmpuint(ans.n_learn, ==, 0);
		g_assert_cmpuint(ans.cache_ttl, ==, 0);
		p = reply_pkt(&ans);
		g_assert_cmpuint(ldns_pkt_get_rcode(p), ==, LDNS_RCODE_SERVFAIL);
		g_assert_cmpuint(ldns_pkt_ancount(p), ==, 0);
	}
	{
		g_auto(SfDnsAnswer) ans = { 0 };
		g_autoptr(ldns_pkt) p = NULL;
		const char *rrs[] = {
			"ns:example.org. 3600 IN SOA ns.example.org. host.example.org. 1 7200 3600 1209600 120",
			"ns:example.org. 3600 IN NS ns.example.org.", NULL
		};

		g_assert_cmpint(run(policy, "nope.example.org", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, rrs,
				    &q, &ans),
				==, SF_DNS_ANSWER_REPLY);
		g_assert_cmpuint(ans.rcode, ==, LDNS_RCODE_NXDOMAIN);
		g_assert_cmpuint(ans.cache_ttl, ==, 120);
		p = reply_pkt(&ans);
		g_assert_cmpuint(ldns_pkt_get_rcode(p), ==, LDNS_RCODE_NXDOMAIN);
		g_assert_cmpuint(ldns_pkt_nscount(p), ==, 1);
		g_assert_cmpuint(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_authority(p), 0)), ==, 120);
	}
}

static void test_upstream_truncated(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_auto(SfDnsAnswer) ans = { 0 };
	g_autoptr(ldns_pkt) p = NULL;
	g_autoptr(ldns_pkt) r = NULL;
	SfDnsQuery q;
	TMsg m;

	t_forward(policy, "web.example", LDNS_RR_TYPE_A, 5, 0, false, &q);
	t_answer(&m, 0x4000, "web.example", LDNS_RR_TYPE_A, 0, NULL);
	p = t_parse(m.b, m.len);
	ldns_pkt_set_tc(p, true);
	t_wire(p, &m);
	g_assert_cmpint(sf_dns_answer_process(m.b, m.len, &q, 0x4000, policy, NULL, 0, 0, &ans), ==,
			SF_DNS_ANSWER_RETRY_TCP);
	g_assert_cmpint(ans.reason, ==, SF_DNS_REASON_UPSTREAM_TRUNCATED);
	g_assert_cmpuint(ans.n_learn, ==, 0);
	r = reply_pkt(&ans);
	g_assert_true(ldns_pkt_tc(r));
	g_assert_cmpuint(ldns_pkt_id(r), ==, 5);
}

static void test_learn_into_table(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(SfLearned) table = sf_learned_new(1);
	const char *rrs[] = { "web.example. 300 IN A 198.51.100.1", "web.example. 300 IN A 198.51.100.2",
			      NULL };
	g_auto(SfDnsAnswer) ans = { 0 };
	g_autoptr(ldns_pkt) p = NULL;
	const char *names[4];
	int64_t exp[4];
	SfDnsQuery q;
	SfAddr a1 = t_addr("198.51.100.1");

	g_assert_cmpint(run(policy, "web.example", LDNS_RR_TYPE_A, 0, rrs, &q, &ans), ==,
			SF_DNS_ANSWER_REPLY);
	/* room for one address: the other is removed from the reply (fail closed) */
	g_assert_cmpuint(sf_dns_answer_learn(&ans, &q, table, 1000), ==, 1);
	g_assert_cmpuint(ans.n_learn, ==, 1);
	g_assert_cmpuint(sf_learned_lookup(table, &a1, 1000, names, exp, 4), ==, 1);
	g_assert_cmpstr(names[0], ==, "web.example");
	g_assert_cmpint(exp[0], ==, 1000 + 300 * 1000);
	p = reply_pkt(&ans);
	g_assert_true(t_has_addr(p, "198.51.100.1"));
	g_assert_false(t_has_addr(p, "198.51.100.2"));
	g_assert_cmpuint(ldns_pkt_ancount(p), ==, 1);
}

/*
 * Issue 13 item 1 (learned addresses keep their family): an AAAA record for
 * a public ::ffff:a.b.c.d would be learned as the IPv4 address a.b.c.d (one
 * key space) and open it to IPv4 flows. It is stripped and learns nothing.
 */
static void test_aaaa_mapped(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(SfLearned) table = sf_learned_new(16);
	const char *rrs[] = { "web.example. 300 IN AAAA ::ffff:198.51.100.7",
			      "web.example. 300 IN AAAA 2001:db8::7", NULL };
	g_auto(SfDnsAnswer) ans = { 0 };
	g_autoptr(ldns_pkt) p = NULL;
	const char *names[4];
	int64_t exp[4];
	SfDnsQuery q;
	SfAddr v4 = t_addr("198.51.100.7");

	g_assert_cmpint(run(policy, "web.example", LDNS_RR_TYPE_AAAA, 0, rrs, &q, &ans), ==,
			SF_DNS_ANSWER_REPLY);
	g_assert_cmpuint(ans.n_stripped, ==, 1);
	g_assert_cmpstr(ans.stripped[0].what, ==, "ipv4-mapped");
	g_assert_cmpuint(ans.n_learn, ==, 1);
	sf_dns_answer_learn(&ans, &q, table, 1000);
	g_assert_cmpuint(sf_learned_lookup(table, &v4, 1000, names, exp, 4), ==, 0);
	p = reply_pkt(&ans);
	g_assert_false(t_has_addr(p, "::ffff:198.51.100.7"));
	g_assert_true(t_has_addr(p, "2001:db8::7"));
}

/* Asserts that @ans's reply is byte for byte what ldns renders for the message it holds. */
static void assert_ldns_bytes(const SfDnsAnswer *ans)
{
	g_autoptr(ldns_pkt) p = reply_pkt(ans);
	uint8_t *wire = NULL;
	size_t n = 0;

	g_assert_cmpint(ldns_pkt2wire(&wire, p, &n), ==, LDNS_STATUS_OK);
	g_assert_cmpmem(ans->reply, ans->reply_len, wire, n);
	free(wire);
}

/*
 * The common reply (A or AAAA records of the asked name only) is written
 * without ldns: the same bytes as ldns_pkt2wire() makes (the question in the
 * client's case, owners compressed to it, OPT last), with and without EDNS,
 * for one and several records, for an empty NOERROR answer, for a rcode
 * passed through; the other shapes (a CNAME chain, SOA in authority) go
 * through ldns and are compared the same way.
 */
static void test_render_direct(void)
{
	g_autoptr(SfPolicy) policy = t_policy("allow any to *\n");
	const char *one[] = { "web.example. 300 IN A 198.51.100.7", NULL };
	const char *three[] = { "WEB.example. 300 IN A 198.51.100.7", "web.example. 20 IN A 198.51.100.8",
				"web.EXAMPLE. 0 IN A 198.51.100.9", NULL };
	const char *six[] = { "web.example. 300 IN AAAA 2001:db8::1", "web.example. 300 IN AAAA 2001:db8::2", NULL };
	const char *chain[] = { "web.example. 300 IN CNAME cdn.example.", "cdn.example. 60 IN A 198.51.100.7",
				NULL };
	const char *soa[] = { "ns:example. 300 IN SOA ns.example. host.example. 1 2 3 4 60", NULL };
	const char *none[] = { NULL };
	struct {
		const char *asked;
		uint16_t type, edns;
		uint8_t rcode;
		bool tcp;
		const char *const *rrs;
	} cases[] = {
		{ "web.example", LDNS_RR_TYPE_A, 0, 0, false, one },
		{ "wEb.ExAmPlE", LDNS_RR_TYPE_A, 1232, 0, false, three },
		{ "Web.Example", LDNS_RR_TYPE_AAAA, 4096, 0, true, six },
		{ "web.example", LDNS_RR_TYPE_A, 0, 0, false, none },
		{ "web.example", LDNS_RR_TYPE_A, 1232, LDNS_RCODE_SERVFAIL, false, none },
		{ "WEB.example", LDNS_RR_TYPE_A, 1232, 0, false, chain },
		{ "web.example", LDNS_RR_TYPE_A, 0, LDNS_RCODE_NXDOMAIN, false, soa },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_auto(SfDnsAnswer) ans = { 0 };
		g_autoptr(ldns_pkt) p = NULL;
		g_autofree char *qn = NULL;
		SfDnsQuery q;
		TMsg m;

		t_forward(policy, cases[i].asked, cases[i].type, 0x7777, cases[i].edns, cases[i].tcp, &q);
		t_answer(&m, 0x4000, cases[i].asked, cases[i].type, cases[i].rcode, cases[i].rrs);
		g_assert_cmpint(sf_dns_answer_process(m.b, m.len, &q, 0x4000, policy, nets, G_N_ELEMENTS(nets),
						      1000, &ans),
				==, SF_DNS_ANSWER_REPLY);
		assert_ldns_bytes(&ans);
		p = reply_pkt(&ans);
		qn = t_qname(p);
		g_assert_cmpstr(qn, ==, cases[i].asked);
		g_assert_cmpuint(ldns_pkt_id(p), ==, 0x7777);
		g_assert_cmpuint(ldns_pkt_get_rcode(p), ==, cases[i].rcode);
		g_assert_cmpint(ldns_pkt_edns(p), ==, cases[i].edns > 0);
	}
	/* the longest name (253 characters, four labels, mixed case) comes back as asked */
	{
		g_auto(SfDnsAnswer) ans = { 0 };
		g_autoptr(ldns_pkt) p = NULL;
		g_autofree char *qn = NULL;
		g_autofree char *rr = NULL;
		const char *rrs[2];
		char name[254], l63[64];
		SfDnsQuery q;
		TMsg m;

		for (int i = 0; i < 63; i++)
			l63[i] = i % 2 ? 'a' : 'Z';
		l63[63] = '\0';
		g_snprintf(name, sizeof(name), "%s.%s.%s.%.61s", l63, l63, l63, l63);
		g_assert_cmpuint(strlen(name), ==, 253);
		rr = g_strdup_printf("%s. 300 IN A 198.51.100.7", name);
		rrs[0] = rr;
		rrs[1] = NULL;
		t_forward(policy, name, LDNS_RR_TYPE_A, 0x7777, 1232, false, &q);
		t_answer(&m, 0x4000, name, LDNS_RR_TYPE_A, 0, rrs);
		g_assert_cmpint(sf_dns_answer_process(m.b, m.len, &q, 0x4000, policy, nets, G_N_ELEMENTS(nets),
						      1000, &ans),
				==, SF_DNS_ANSWER_REPLY);
		assert_ldns_bytes(&ans);
		p = reply_pkt(&ans);
		qn = t_qname(p);
		g_assert_cmpstr(qn, ==, name);
		g_assert_cmpuint(t_count(p, LDNS_RR_TYPE_A), ==, 1);
	}
}

static void test_counters(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	const char *rrs[] = { "web.example. 300 IN A 127.0.0.1", "web.example. 300 IN A 198.51.100.1",
			      NULL };
	g_auto(SfDnsAnswer) ans = { 0 };
	SfDnsCounters c = { 0 };
	SfDnsQuery q;

	sf_dns_counters_answer(&c, run(policy, "web.example", LDNS_RR_TYPE_A, 0, rrs, &q, &ans), &ans);
	g_assert_cmpuint(c.answers, ==, 1);
	g_assert_cmpuint(c.stripped, ==, 1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	init_nets();
	g_test_add_func("/dns/answer/basic", test_basic);
	g_test_add_func("/dns/answer/edns-echo", test_edns_echo);
	g_test_add_func("/dns/answer/validation-ignores", test_validation_ignores);
	g_test_add_func("/dns/answer/cname-chain-learned", test_cname_chain_learned);
	g_test_add_func("/dns/answer/cname-into-denied", test_cname_into_denied);
	g_test_add_func("/dns/answer/cname-outside-policy-followed", test_cname_outside_policy_followed);
	g_test_add_func("/dns/answer/cname-loop-and-length", test_cname_loop_and_length);
	g_test_add_func("/dns/answer/rebinding-classes", test_rebinding_classes);
	g_test_add_func("/dns/answer/aaaa-mapped", test_aaaa_mapped);
	g_test_add_func("/dns/answer/rebinding-stripped", test_rebinding_stripped);
	g_test_add_func("/dns/answer/rebinding-explicit-allow", test_rebinding_explicit_allow);
	g_test_add_func("/dns/answer/rebinding-upstreams", test_rebinding_upstreams);
	g_test_add_func("/dns/answer/rebinding-v6-forms", test_rebinding_v6_forms);
	g_test_add_func("/dns/answer/audit-mode", test_audit_mode);
	g_test_add_func("/dns/answer/https-hints", test_https_hints);
	g_test_add_func("/dns/answer/ttl-clamp-and-cap", test_ttl_clamp_and_cap);
	g_test_add_func("/dns/answer/truncation", test_truncation);
	g_test_add_func("/dns/answer/learn-limit", test_learn_limit);
	g_test_add_func("/dns/answer/rcode-passthrough", test_rcode_passthrough);
	g_test_add_func("/dns/answer/upstream-truncated", test_upstream_truncated);
	g_test_add_func("/dns/answer/learn-into-table", test_learn_into_table);
	g_test_add_func("/dns/answer/render-direct", test_render_direct);
	g_test_add_func("/dns/answer/counters", test_counters);
	return g_test_run();
}
