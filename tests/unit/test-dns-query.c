/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the resolver's query checks on crafted queries, one test per rule. */
#include "config.h"

#include <string.h>

#include "dns-test-util.h"

#define POLICY                                                                                     \
	"allow tcp to web.example port 80\n"                                                       \
	"allow any to *.example.org\n"                                                             \
	"deny any to bad.example.org\n"                                                            \
	"allow tcp to xn--bcher-kva.example port 443\n"                                            \
	"allow tcp to _dmarc.example.com port 443\n"

typedef struct {
	SfDnsVerdict verdict;
	SfDnsQuery q;
	uint8_t reply[SF_DNS_REPLY_MIN];
	size_t len;
} Check;

static void check_msg(const SfPolicy *policy, const uint8_t *b, size_t len, Check *c)
{
	memset(c, 0, sizeof(*c));
	c->verdict = sf_dns_query_check(b, len, false, policy, &c->q, c->reply, sizeof(c->reply), &c->len);
	if (c->verdict == SF_DNS_QUERY_REFUSE)
		g_assert_cmpuint(c->len, >=, SF_DNS_HEADER_LEN);
	else
		g_assert_cmpuint(c->len, ==, 0);
}

static void check(const SfPolicy *policy, const char *name, uint16_t type, uint16_t id,
		  uint16_t edns, Check *c)
{
	TMsg m;

	t_query(&m, name, type, id, edns);
	check_msg(policy, m.b, m.len, c);
}

/* Asserts a REFUSE with @rcode and @reason, the id echoed, QR RA set, RD copied. */
static ldns_pkt *assert_refused(const Check *c, uint8_t rcode, SfDnsReason reason)
{
	ldns_pkt *p;

	g_assert_cmpint(c->verdict, ==, SF_DNS_QUERY_REFUSE);
	g_assert_cmpstr(sf_dns_reason_name(c->q.reason), ==, sf_dns_reason_name(reason));
	g_assert_cmpuint(c->q.rcode, ==, rcode);
	p = t_parse(c->reply, c->len);
	g_assert_cmpuint(ldns_pkt_get_rcode(p), ==, rcode);
	g_assert_cmpuint(ldns_pkt_id(p), ==, c->q.id);
	g_assert_true(ldns_pkt_qr(p));
	g_assert_true(ldns_pkt_ra(p));
	g_assert_cmpint(ldns_pkt_rd(p), ==, c->q.rd);
	g_assert_cmpuint(ldns_pkt_ancount(p), ==, 0);
	return p;
}

static void test_allowed_forward(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	Check c;

	check(policy, "web.example", LDNS_RR_TYPE_A, 0x1234, 0, &c);
	g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_FORWARD);
	g_assert_cmpuint(c.q.id, ==, 0x1234);
	g_assert_cmpstr(c.q.name, ==, "web.example");
	g_assert_cmpstr(c.q.norm, ==, "web.example");
	g_assert_cmpuint(c.q.qtype, ==, LDNS_RR_TYPE_A);
	g_assert_cmpuint(c.q.qclass, ==, LDNS_RR_CLASS_IN);
	g_assert_true(c.q.rd);
	g_assert_false(c.q.edns);
	g_assert_false(c.q.tcp);
	g_assert_cmpuint(c.q.udp_size, ==, 512);
	g_assert_cmpint(c.q.reason, ==, SF_DNS_REASON_NONE);
	g_assert_cmpint(c.q.deny_rule, ==, -1);
	g_assert_true(c.q.match.allowed);
	g_assert_cmpuint(c.q.match.n_allow, ==, 1);
	g_assert_cmpint(c.q.match.allow_rules[0], ==, 0);

	/* EDNS: the client's size, clamped */
	check(policy, "a.example.org", LDNS_RR_TYPE_AAAA, 7, 1400, &c);
	g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_FORWARD);
	g_assert_true(c.q.edns);
	g_assert_cmpuint(c.q.udp_size, ==, 1400);
	g_assert_cmpint(c.q.match.allow_rules[0], ==, 1);
	check(policy, "a.example.org", LDNS_RR_TYPE_A, 7, 65000, &c);
	g_assert_cmpuint(c.q.udp_size, ==, SF_DNS_UDP_CLIENT_MAX);
	check(policy, "a.example.org", LDNS_RR_TYPE_A, 7, 100, &c);
	g_assert_cmpuint(c.q.udp_size, ==, 512);
}

static void test_tcp_flag(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	SfDnsQuery q;

	t_forward(policy, "web.example", LDNS_RR_TYPE_A, 1, 0, true, &q);
	g_assert_true(q.tcp);
}

static void test_not_allowed_nxdomain(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(ldns_pkt) p = NULL;
	g_autofree char *qn = NULL;
	Check c;

	check(policy, "WwW.Evil.Example", LDNS_RR_TYPE_A, 0xbeef, 0, &c);
	p = assert_refused(&c, SF_DNS_RCODE_NXDOMAIN, SF_DNS_REASON_NOT_ALLOWED);
	g_assert_cmpint(c.q.deny_rule, ==, -1);
	g_assert_cmpstr(c.q.name, ==, "WwW.Evil.Example");
	g_assert_cmpstr(c.q.norm, ==, "www.evil.example");
	/* the question exactly as asked, no OPT without EDNS */
	g_assert_cmpuint(ldns_pkt_qdcount(p), ==, 1);
	qn = t_qname(p);
	g_assert_cmpstr(qn, ==, "WwW.Evil.Example");
	g_assert_false(ldns_pkt_edns(p));
}

static void test_not_allowed_refused(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY "dns deny-response refused\n");
	g_autoptr(ldns_pkt) p = NULL;
	Check c;

	check(policy, "evil.example", LDNS_RR_TYPE_A, 1, 1232, &c);
	p = assert_refused(&c, SF_DNS_RCODE_REFUSED, SF_DNS_REASON_NOT_ALLOWED);
	/* an OPT back when the query had one */
	g_assert_true(ldns_pkt_edns(p));
	g_assert_cmpuint(ldns_pkt_edns_udp_size(p), ==, SF_DNS_EDNS_SIZE);
}

static void test_random_subdomain_of_exact(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(ldns_pkt) p = NULL;
	Check c;

	check(policy, "secret-data-1f2e3d.web.example", LDNS_RR_TYPE_A, 1, 0, &c);
	p = assert_refused(&c, SF_DNS_RCODE_NXDOMAIN, SF_DNS_REASON_NOT_ALLOWED);
}

static void test_wildcard_suffix(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(ldns_pkt) p = NULL;
	Check c;

	check(policy, "a.example.org", LDNS_RR_TYPE_A, 1, 0, &c);
	g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_FORWARD);
	check(policy, "x.y.Example.ORG", LDNS_RR_TYPE_A, 1, 0, &c);
	g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_FORWARD);
	check(policy, "example.org", LDNS_RR_TYPE_A, 1, 0, &c);
	p = assert_refused(&c, SF_DNS_RCODE_NXDOMAIN, SF_DNS_REASON_NOT_ALLOWED);
}

static void test_deny_rule_wins(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(ldns_pkt) p = NULL;
	Check c;

	check(policy, "Bad.Example.org", LDNS_RR_TYPE_A, 1, 0, &c);
	p = assert_refused(&c, SF_DNS_RCODE_NXDOMAIN, SF_DNS_REASON_DENIED_BY_RULE);
	g_assert_cmpint(c.q.deny_rule, ==, 2);
}

static void test_case_echo_0x20(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	Check c;

	check(policy, "wEb.ExAmPlE", LDNS_RR_TYPE_A, 9, 0, &c);
	g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_FORWARD);
	g_assert_cmpstr(c.q.name, ==, "wEb.ExAmPlE");
	g_assert_cmpstr(c.q.norm, ==, "web.example");

	/* the upstream query carries the canonical (lower) case: 0x20 bits stay here */
	{
		uint8_t buf[SF_DNS_REPLY_MIN];
		size_t n = 0;
		g_autoptr(ldns_pkt) p = NULL;
		g_autofree char *qn = NULL;

		g_assert_true(sf_dns_upstream_query(&c.q, 0x4242, buf, sizeof(buf), &n));
		p = t_parse(buf, n);
		qn = t_qname(p);
		g_assert_cmpstr(qn, ==, "web.example");
	}
}

/*
 * The round trip: the upstream sees only the lower-case name, answers for
 * it (echoing what it was sent), and the client gets its own letter case
 * back in the question and in the owners equal to it.
 */
static void test_case_restored(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	static const char *const names[] = { "wEb.ExAmPlE", "WEB.EXAMPLE", "web.example" };

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		g_auto(SfDnsAnswer) ans = { 0 };
		g_autoptr(ldns_pkt) up = NULL;
		g_autoptr(ldns_pkt) reply = NULL;
		g_autoptr(ldns_pkt) answer = NULL;
		g_autofree char *sent = NULL;
		g_autofree char *back = NULL;
		ldns_rr *rr = NULL;
		uint8_t buf[SF_DNS_REPLY_MIN];
		size_t n = 0;
		char *owner;
		SfDnsQuery q;
		TMsg m;

		t_forward(policy, names[i], LDNS_RR_TYPE_A, 0x2020, 0, false, &q);
		g_assert_true(sf_dns_upstream_query(&q, 0x5151, buf, sizeof(buf), &n));
		up = t_parse(buf, n);
		sent = t_qname(up);
		g_assert_cmpstr(sent, ==, "web.example");
		/* the upstream's answer: its question as received, a record for it */
		answer = ldns_pkt_clone(up);
		ldns_pkt_set_qr(answer, true);
		ldns_pkt_set_ra(answer, true);
		g_assert_cmpint(ldns_rr_new_frm_str(&rr, "web.example. 60 IN A 198.51.100.7", 0, NULL,
						    NULL), ==, LDNS_STATUS_OK);
		g_assert_true(ldns_pkt_push_rr(answer, LDNS_SECTION_ANSWER, rr));
		t_wire(answer, &m);
		g_assert_cmpint(sf_dns_answer_process(m.b, m.len, &q, 0x5151, policy, NULL, 0, 0, &ans),
				==, SF_DNS_ANSWER_REPLY);
		reply = t_parse(ans.reply, ans.reply_len);
		g_assert_cmpuint(ldns_pkt_id(reply), ==, 0x2020);
		back = t_qname(reply);
		g_assert_cmpstr(back, ==, names[i]);
		owner = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_answer(reply), 0)));
		g_assert_true(strlen(owner) == strlen(names[i]) + 1 &&
			      strncmp(owner, names[i], strlen(names[i])) == 0);
		free(owner);
	}
}

/*
 * Nothing but the question comes from the client: its header bits (CD, AD,
 * an odd id), its EDNS version, DO bit, UDP size and options (COOKIE, ECS,
 * padding, an unknown one) are not in the upstream query.
 */
static void test_upstream_canonical(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(ldns_pkt) cq = t_query_pkt("A.Example.Org", LDNS_RR_TYPE_TXT, 0xbeef, 4096);
	g_autoptr(ldns_pkt) up = NULL;
	g_autofree char *qn = NULL;
	uint8_t buf[SF_DNS_REPLY_MIN];
	size_t n = 0;
	Check c;
	TMsg m;
	/* COOKIE (10), ECS (8), padding (12), a private option (65001) */
	static const uint8_t opts[] = {
		0x00, 0x0a, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8,
		0x00, 0x08, 0x00, 0x07, 0x00, 0x01, 24, 0, 198, 51, 100,
		0x00, 0x0c, 0x00, 0x04, 0xaa, 0xbb, 0xcc, 0xdd,
		0xfd, 0xe9, 0x00, 0x02, 0x42, 0x42,
	};

	ldns_pkt_set_cd(cq, true);
	ldns_pkt_set_ad(cq, true);
	ldns_pkt_set_edns_do(cq, true);
	ldns_pkt_set_edns_version(cq, 0);
	ldns_pkt_set_edns_z(cq, 0x7fff);
	ldns_pkt_set_edns_data(cq, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_UNKNOWN, sizeof(opts), opts));
	t_wire(cq, &m);
	check_msg(policy, m.b, m.len, &c);
	g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_FORWARD);
	g_assert_true(sf_dns_upstream_query(&c.q, 0x0102, buf, sizeof(buf), &n));
	up = t_parse(buf, n);
	g_assert_cmpuint(ldns_pkt_id(up), ==, 0x0102);
	g_assert_true(ldns_pkt_rd(up));
	g_assert_false(ldns_pkt_cd(up));
	g_assert_false(ldns_pkt_ad(up));
	g_assert_false(ldns_pkt_aa(up));
	g_assert_false(ldns_pkt_tc(up));
	g_assert_false(ldns_pkt_qr(up));
	g_assert_true(ldns_pkt_edns(up));
	g_assert_false(ldns_pkt_edns_do(up));
	g_assert_cmpuint(ldns_pkt_edns_z(up), ==, 0);
	g_assert_cmpuint(ldns_pkt_edns_version(up), ==, 0);
	g_assert_cmpuint(ldns_pkt_edns_udp_size(up), ==, SF_DNS_EDNS_SIZE);
	g_assert_true(ldns_pkt_edns_data(up) == NULL || ldns_rdf_size(ldns_pkt_edns_data(up)) == 0);
	g_assert_cmpuint(ldns_pkt_ancount(up) + ldns_pkt_nscount(up) + ldns_pkt_arcount(up), ==, 0);
	qn = t_qname(up);
	g_assert_cmpstr(qn, ==, "a.example.org");
	/* the exact bytes: header, question, one bare OPT (what an integration test checks too) */
	g_assert_cmpuint(n, ==, 12 + 15 + 4 + 11);
	g_assert_cmpmem(buf + 2, 10, "\x01\x00\x00\x01\x00\x00\x00\x00\x00\x01", 10);
	g_assert_cmpmem(buf + n - 11, 11, "\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00", 11);
}

/*
 * Only the listed query types are forwarded: NULL, SPF, HINFO, private-use
 * and unassigned types are REFUSED for an allowed name and never leave;
 * `dns allow-qtypes` widens the list, audit mode forwards and reports.
 */
static void test_qtype_refused(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(SfPolicy) wide = t_policy("dns allow-qtypes NULL,65280\n" POLICY);
	g_autoptr(SfPolicy) audit = t_policy("mode audit\n" POLICY);
	static const uint16_t listed[] = { 1, 2, 5, 6, 12, 15, 16, 28, 33, 35, 43, 44, 48, 52, 61,
					   64, 65, 257 };
	static const uint16_t refused[] = { LDNS_RR_TYPE_NULL, 99 /* SPF */, LDNS_RR_TYPE_HINFO,
					    65280, 65534, 4000, LDNS_RR_TYPE_RRSIG, LDNS_RR_TYPE_NSEC };
	Check c;

	for (size_t i = 0; i < G_N_ELEMENTS(listed); i++) {
		check(policy, "web.example", listed[i], 1, 0, &c);
		g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_FORWARD);
		g_assert_true(sf_dns_qtype_allowed(policy, listed[i]));
	}
	for (size_t i = 0; i < G_N_ELEMENTS(refused); i++) {
		g_autoptr(ldns_pkt) p = NULL;
		g_autofree char *qn = NULL;

		g_test_message("qtype %u", refused[i]);
		check(policy, "Web.Example", refused[i], (uint16_t)i, 1232, &c);
		p = assert_refused(&c, SF_DNS_RCODE_REFUSED, SF_DNS_REASON_QTYPE);
		qn = t_qname(p);
		g_assert_cmpstr(qn, ==, "Web.Example");
		g_assert_true(ldns_pkt_edns(p));
		g_assert_cmpstr(sf_dns_reason_name(SF_DNS_REASON_QTYPE), ==, "qtype-not-allowed");
	}
	/* widened: exactly the listed ones */
	check(wide, "web.example", LDNS_RR_TYPE_NULL, 1, 0, &c);
	g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_FORWARD);
	g_assert_cmpint(c.q.reason, ==, SF_DNS_REASON_NONE);
	check(wide, "web.example", 65280, 1, 0, &c);
	g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_FORWARD);
	check(wide, "web.example", 65281, 1, 0, &c);
	g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_REFUSE);
	check(wide, "web.example", 99, 1, 0, &c);
	g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_REFUSE);
	/* a denied name is still the name's refusal */
	check(wide, "evil.example", LDNS_RR_TYPE_NULL, 1, 0, &c);
	ldns_pkt_free(assert_refused(&c, SF_DNS_RCODE_NXDOMAIN, SF_DNS_REASON_NOT_ALLOWED));
	/* meta types stay refused whatever the list */
	g_assert_false(sf_dns_qtype_allowed(wide, LDNS_RR_TYPE_ANY));
	g_assert_false(sf_dns_qtype_allowed(NULL, LDNS_RR_TYPE_NULL));
	/* audit mode: forwarded, with the reason enforce would give */
	check(audit, "web.example", LDNS_RR_TYPE_NULL, 1, 0, &c);
	g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_FORWARD);
	g_assert_cmpint(c.q.reason, ==, SF_DNS_REASON_QTYPE);
	check(audit, "evil.example", LDNS_RR_TYPE_NULL, 1, 0, &c);
	g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_FORWARD);
	g_assert_cmpint(c.q.reason, ==, SF_DNS_REASON_NOT_ALLOWED);
}

static void test_trailing_dot(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	Check c;

	check(policy, "web.example.", LDNS_RR_TYPE_A, 1, 0, &c);
	g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_FORWARD);
	g_assert_cmpstr(c.q.name, ==, "web.example");
	g_assert_cmpstr(c.q.norm, ==, "web.example");
}

static void test_idn_punycode(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(ldns_pkt) p = NULL;
	Check c;
	TMsg m;
	ldns_rr *question;
	ldns_rdf *raw;
	static const uint8_t buecher[] = "\x07" "b\xc3\xbc" "cher" "\x07" "example";

	check(policy, "XN--BCHER-KVA.example", LDNS_RR_TYPE_A, 1, 0, &c);
	g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_FORWARD);
	g_assert_cmpstr(c.q.norm, ==, "xn--bcher-kva.example");

	/* raw UTF-8 on the wire is not a name: FORMERR */
	p = t_query_pkt("x.example", LDNS_RR_TYPE_A, 5, 0);
	question = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	raw = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, sizeof(buecher), buecher);
	ldns_rdf_deep_free(ldns_rr_owner(question));
	ldns_rr_set_owner(question, raw);
	t_wire(p, &m);
	check_msg(policy, m.b, m.len, &c);
	ldns_pkt_free(assert_refused(&c, SF_DNS_RCODE_FORMERR, SF_DNS_REASON_BAD_NAME));
	g_assert_cmpstr(c.q.norm, ==, "");
}

static void test_underscore_allowed(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	Check c;

	check(policy, "_dmarc.example.com", LDNS_RR_TYPE_TXT, 1, 0, &c);
	g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_FORWARD);
}

static void test_meta_types_refused(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	static const struct {
		uint16_t type;
		SfDnsReason reason;
	} cases[] = {
		{ LDNS_RR_TYPE_ANY, SF_DNS_REASON_ANY },
		{ LDNS_RR_TYPE_AXFR, SF_DNS_REASON_ZONE_TRANSFER },
		{ LDNS_RR_TYPE_IXFR, SF_DNS_REASON_ZONE_TRANSFER },
		{ LDNS_RR_TYPE_MAILB, SF_DNS_REASON_META_TYPE },
		{ LDNS_RR_TYPE_TSIG, SF_DNS_REASON_META_TYPE },
		{ LDNS_RR_TYPE_OPT, SF_DNS_REASON_META_TYPE },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		Check c;
		g_autoptr(ldns_pkt) p = NULL;
		g_autofree char *qn = NULL;

		/* even for an allowed name */
		check(policy, "Web.Example", cases[i].type, (uint16_t)i, 0, &c);
		p = assert_refused(&c, SF_DNS_RCODE_REFUSED, cases[i].reason);
		qn = t_qname(p);
		g_assert_cmpstr(qn, ==, "Web.Example");
		g_assert_cmpuint(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(p), 0)), ==,
				 cases[i].type);
	}
}

static void test_bad_class(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(ldns_pkt) q = NULL;
	TMsg m;
	Check c;

	g_assert_cmpint(ldns_pkt_query_new_frm_str(&q, "version.bind", LDNS_RR_TYPE_TXT,
						   LDNS_RR_CLASS_CH, LDNS_RD),
			==, LDNS_STATUS_OK);
	t_wire(q, &m);
	check_msg(policy, m.b, m.len, &c);
	ldns_pkt_free(assert_refused(&c, SF_DNS_RCODE_REFUSED, SF_DNS_REASON_BAD_CLASS));
}

static void test_question_count(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(ldns_pkt) two = t_query_pkt("web.example", LDNS_RR_TYPE_A, 77, 0);
	g_autoptr(ldns_pkt) zero = ldns_pkt_new();
	ldns_rr *second = NULL;
	TMsg m;
	Check c;

	g_assert_cmpint(ldns_rr_new_question_frm_str(&second, "a.example.org A", NULL, NULL), ==,
			LDNS_STATUS_OK);
	g_assert_true(ldns_pkt_push_rr(two, LDNS_SECTION_QUESTION, second));
	t_wire(two, &m);
	check_msg(policy, m.b, m.len, &c);
	ldns_pkt_free(assert_refused(&c, SF_DNS_RCODE_FORMERR, SF_DNS_REASON_QDCOUNT));
	g_assert_cmpuint(c.q.id, ==, 77);

	ldns_pkt_set_id(zero, 78);
	t_wire(zero, &m);
	check_msg(policy, m.b, m.len, &c);
	ldns_pkt_free(assert_refused(&c, SF_DNS_RCODE_FORMERR, SF_DNS_REASON_QDCOUNT));
	g_assert_cmpuint(c.q.id, ==, 78);
}

static void test_opcode_notimp(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(ldns_pkt) q = t_query_pkt("web.example", LDNS_RR_TYPE_A, 3, 0);
	g_autoptr(ldns_pkt) p = NULL;
	TMsg m;
	Check c;

	ldns_pkt_set_opcode(q, LDNS_PACKET_STATUS); /* opcode 2 */
	t_wire(q, &m);
	check_msg(policy, m.b, m.len, &c);
	p = assert_refused(&c, SF_DNS_RCODE_NOTIMP, SF_DNS_REASON_OPCODE);
	g_assert_cmpint(ldns_pkt_get_opcode(p), ==, LDNS_PACKET_STATUS);
}

static void test_short_and_response_dropped(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(ldns_pkt) q = t_query_pkt("web.example", LDNS_RR_TYPE_A, 3, 0);
	TMsg m;
	Check c;

	t_wire(q, &m);
	for (size_t len = 0; len < SF_DNS_HEADER_LEN; len++) {
		check_msg(policy, m.b, len, &c);
		g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_DROP);
		g_assert_cmpint(c.q.reason, ==, SF_DNS_REASON_SHORT);
	}
	check_msg(policy, NULL, 0, &c);
	g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_DROP);

	ldns_pkt_set_qr(q, true);
	t_wire(q, &m);
	check_msg(policy, m.b, m.len, &c);
	g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_DROP);
	g_assert_cmpint(c.q.reason, ==, SF_DNS_REASON_RESPONSE);
}

static void test_garbage(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(GRand) rand = g_rand_new_with_seed(4);
	TMsg m;
	Check c;

	/* a truncated question: FORMERR with the id */
	t_query(&m, "web.example", LDNS_RR_TYPE_A, 0x5151, 0);
	for (size_t len = SF_DNS_HEADER_LEN; len < m.len; len++) {
		check_msg(policy, m.b, len, &c);
		ldns_pkt_free(assert_refused(&c, SF_DNS_RCODE_FORMERR, c.q.reason));
		g_assert_true(c.q.reason == SF_DNS_REASON_MALFORMED ||
			      c.q.reason == SF_DNS_REASON_TOO_LONG);
		g_assert_cmpuint(c.q.id, ==, 0x5151);
	}

	/* random bytes: never a FORWARD of garbage, every reply parses */
	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)g_rand_int_range(rand, 0, 80);

		for (size_t i = 0; i < len; i++)
			m.b[i] = (uint8_t)g_rand_int(rand);
		if (len > 5 && round % 2 == 0) {
			m.b[2] &= 0x07; /* a query, opcode 0 */
			m.b[4] = 0;
			m.b[5] = 1;
		}
		check_msg(policy, m.b, len, &c);
		if (c.verdict == SF_DNS_QUERY_REFUSE) {
			g_autoptr(ldns_pkt) p = t_parse(c.reply, c.len);

			g_assert_cmpuint(ldns_pkt_id(p), ==, c.q.id);
			g_assert_true(ldns_pkt_qr(p));
		} else if (c.verdict == SF_DNS_QUERY_FORWARD) {
			SfNameMatch mm;

			sf_policy_match_name(policy, c.q.norm, &mm);
			g_assert_true(mm.allowed);
		}
	}
}

/* A query whose name is given as raw wire labels (for names ldns will not build). */
static void raw_query(TMsg *m, const uint8_t *name, size_t name_len)
{
	static const uint8_t hdr[12] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };

	memcpy(m->b, hdr, sizeof(hdr));
	memcpy(m->b + 12, name, name_len);
	memcpy(m->b + 12 + name_len, "\x00\x01\x00\x01", 4);
	m->len = 12 + name_len + 4;
}

static void test_too_long(void)
{
	g_autoptr(SfPolicy) policy = t_policy("allow any to *\n");
	uint8_t name[300];
	size_t n = 0;
	TMsg m;
	Check c;

	/* five labels of 50: 256 bytes on the wire, over 253 characters */
	for (int l = 0; l < 5; l++) {
		name[n++] = 50;
		memset(name + n, 'a', 50);
		n += 50;
	}
	name[n++] = 0;
	raw_query(&m, name, n);
	check_msg(policy, m.b, m.len, &c);
	ldns_pkt_free(assert_refused(&c, SF_DNS_RCODE_FORMERR, SF_DNS_REASON_TOO_LONG));
	g_assert_cmpuint(c.q.id, ==, 0x1234);

	/* a label of 64 */
	n = 0;
	name[n++] = 64;
	memset(name + n, 'b', 64);
	n += 64;
	name[n++] = 0;
	raw_query(&m, name, n);
	check_msg(policy, m.b, m.len, &c);
	ldns_pkt_free(assert_refused(&c, SF_DNS_RCODE_FORMERR, SF_DNS_REASON_TOO_LONG));

	/* the longest legal name (253 characters) is fine */
	n = 0;
	for (int l = 0; l < 4; l++) {
		size_t ll = l < 3 ? 63 : 61;

		name[n++] = (uint8_t)ll;
		memset(name + n, 'c', ll);
		n += ll;
	}
	name[n++] = 0;
	raw_query(&m, name, n);
	check_msg(policy, m.b, m.len, &c);
	g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_FORWARD);
	g_assert_cmpuint(strlen(c.q.norm), ==, 253);
}

static void test_non_ldh(void)
{
	g_autoptr(SfPolicy) policy = t_policy("allow any to *\n");
	static const uint8_t dot_in_label[] = "\x03" "a.b" "\x07" "example";
	static const uint8_t space[] = "\x03" "a b" "\x07" "example";
	static const uint8_t star[] = "\x01" "*" "\x07" "example";
	static const uint8_t nul[] = "\x03" "a\0b" "\x07" "example";
	const uint8_t *names[] = { dot_in_label, space, star, nul };
	const size_t sizes[] = { sizeof(dot_in_label), sizeof(space), sizeof(star), sizeof(nul) };

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		TMsg m;
		Check c;

		raw_query(&m, names[i], sizes[i]); /* the literal's NUL is the root label */
		check_msg(policy, m.b, m.len, &c);
		ldns_pkt_free(assert_refused(&c, SF_DNS_RCODE_FORMERR, SF_DNS_REASON_BAD_NAME));
		g_assert_cmpstr(c.q.norm, ==, "");
		g_assert_nonnull(strchr(c.q.name, '.'));
	}
}

static void test_root_name(void)
{
	g_autoptr(SfPolicy) policy = t_policy("allow any to *\n");
	Check c;

	check(policy, ".", LDNS_RR_TYPE_NS, 1, 0, &c);
	ldns_pkt_free(assert_refused(&c, SF_DNS_RCODE_NXDOMAIN, SF_DNS_REASON_NOT_ALLOWED));
	g_assert_cmpstr(c.q.name, ==, ".");
}

static void test_canary(void)
{
	/* even when every name is allowed */
	g_autoptr(SfPolicy) policy = t_policy("allow any to *\ndns deny-response refused\n");
	const char *names[] = { "use-application-dns.net", "Use-Application-DNS.net.",
				"x.use-application-dns.net" };
	Check c;

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		check(policy, names[i], LDNS_RR_TYPE_A, 1, 0, &c);
		ldns_pkt_free(assert_refused(&c, SF_DNS_RCODE_NXDOMAIN, SF_DNS_REASON_CANARY));
	}
	check(policy, "notuse-application-dns.net", LDNS_RR_TYPE_A, 1, 0, &c);
	g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_FORWARD);
}

static void test_audit_mode(void)
{
	g_autoptr(SfPolicy) policy = t_policy("mode audit\n" POLICY);
	Check c;

	check(policy, "evil.example", LDNS_RR_TYPE_A, 1, 0, &c);
	g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_FORWARD);
	g_assert_cmpint(c.q.reason, ==, SF_DNS_REASON_NOT_ALLOWED);
	check(policy, "bad.example.org", LDNS_RR_TYPE_A, 1, 0, &c);
	g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_FORWARD);
	g_assert_cmpint(c.q.reason, ==, SF_DNS_REASON_DENIED_BY_RULE);
	g_assert_cmpint(c.q.deny_rule, ==, 2);
	/* protocol refusals stay */
	check(policy, "web.example", LDNS_RR_TYPE_ANY, 1, 0, &c);
	g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_REFUSE);
}

static void test_upstream_query(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(ldns_pkt) p = NULL;
	g_autofree char *qn = NULL;
	uint8_t buf[SF_DNS_REPLY_MIN];
	SfDnsQuery q;
	size_t n = 0;

	t_forward(policy, "A.Example.Org", LDNS_RR_TYPE_AAAA, 0x1111, 0, false, &q);
	q.rd = false; /* upstream always gets RD */
	g_assert_true(sf_dns_upstream_query(&q, 0xabcd, buf, sizeof(buf), &n));
	p = t_parse(buf, n);
	g_assert_cmpuint(ldns_pkt_id(p), ==, 0xabcd);
	g_assert_true(ldns_pkt_rd(p));
	g_assert_false(ldns_pkt_qr(p));
	g_assert_cmpint(ldns_pkt_get_opcode(p), ==, LDNS_PACKET_QUERY);
	g_assert_true(ldns_pkt_edns(p));
	g_assert_cmpuint(ldns_pkt_edns_udp_size(p), ==, 1232);
	g_assert_cmpuint(ldns_pkt_qdcount(p), ==, 1);
	qn = t_qname(p);
	g_assert_cmpstr(qn, ==, "a.example.org");
	g_assert_cmpuint(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(p), 0)), ==,
			 LDNS_RR_TYPE_AAAA);
	/* too small a buffer */
	g_assert_false(sf_dns_upstream_query(&q, 1, buf, 20, &n));
}

/* The upstream query as ldns renders it (what sf_dns_upstream_query() built before it wrote bytes itself). */
static size_t ldns_upstream(const char *norm, uint16_t qtype, uint16_t id, uint8_t *out, size_t size)
{
	g_autoptr(ldns_pkt) p = ldns_pkt_new();
	ldns_rr *rr = ldns_rr_new();
	uint8_t *wire = NULL;
	size_t n = 0;

	ldns_rr_set_owner(rr, ldns_dname_new_frm_str(norm));
	ldns_rr_set_type(rr, (ldns_rr_type)qtype);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_set_question(rr, true);
	ldns_pkt_set_id(p, id);
	ldns_pkt_set_rd(p, true);
	ldns_pkt_set_opcode(p, LDNS_PACKET_QUERY);
	g_assert_true(ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, rr));
	ldns_pkt_set_edns_udp_size(p, SF_DNS_EDNS_SIZE);
	g_assert_cmpint(ldns_pkt2wire(&wire, p, &n), ==, LDNS_STATUS_OK);
	g_assert_cmpuint(n, <=, size);
	memcpy(out, wire, n);
	free(wire);
	return n;
}

/*
 * The upstream query is written byte by byte: the same bytes as ldns makes,
 * for short and for the longest names; a buffer one byte short and a name
 * the query check could never have passed (q->norm is the only input) give
 * FALSE and nothing to send.
 */
static void test_upstream_builder(void)
{
	g_autoptr(SfPolicy) policy = t_policy("allow any to *\n");
	static const char *const bad[] = { "", ".", "a..b", ".a", "a.", "A.example", "a b.example",
					   "a*.example", "a\\.example" };
	char label63[64], name253[254], name254[255], label64[70];
	const char *good[] = { "a", "x-1.cdn7.example", "_dmarc.example.com", label63, name253 };
	uint8_t buf[SF_DNS_REPLY_MIN], ref[SF_DNS_REPLY_MIN];
	SfDnsQuery q;
	size_t n, rn;

	memset(label63, 'q', 63);
	label63[63] = '\0';
	g_snprintf(name253, sizeof(name253), "%s.%s.%s.%.61s", label63, label63, label63, label63);
	g_assert_cmpuint(strlen(name253), ==, 253);
	g_snprintf(name254, sizeof(name254), "a%s", name253);
	memset(label64, 'r', 64);
	g_strlcpy(label64 + 64, ".ex", 6);
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		t_forward(policy, good[i], LDNS_RR_TYPE_HTTPS, 7, 1232, false, &q);
		g_assert_cmpstr(q.norm, ==, good[i]);
		n = 0;
		g_assert_true(sf_dns_upstream_query(&q, 0x5a5a, buf, sizeof(buf), &n));
		rn = ldns_upstream(good[i], LDNS_RR_TYPE_HTTPS, 0x5a5a, ref, sizeof(ref));
		g_assert_cmpmem(buf, n, ref, rn);
		/* exactly the size fits, one byte less does not */
		g_assert_true(sf_dns_upstream_query(&q, 0x5a5a, buf, rn, &n));
		g_assert_false(sf_dns_upstream_query(&q, 0x5a5a, buf, rn - 1, &n));
	}
	memset(&q, 0, sizeof(q));
	q.qtype = LDNS_RR_TYPE_A;
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_strlcpy(q.norm, bad[i], sizeof(q.norm));
		g_assert_false(sf_dns_upstream_query(&q, 1, buf, sizeof(buf), &n));
	}
	g_strlcpy(q.norm, label64, sizeof(q.norm));
	g_assert_false(sf_dns_upstream_query(&q, 1, buf, sizeof(buf), &n));
	memcpy(q.norm, name254, sizeof(q.norm)); /* 254 characters, unterminated */
	g_assert_false(sf_dns_upstream_query(&q, 1, buf, sizeof(buf), &n));
}

/*
 * The question name is read from its wire form when it is plain labels:
 * the client's letter case kept in q->name, the lower case in q->norm; a
 * compression pointer that loops is ldns's FORMERR (too-long) before any
 * of it is read; a name over 253 characters or with any other byte goes the
 * old way (the reasons are checked in too-long and non-ldh).
 */
static void test_read_name_wire(void)
{
	g_autoptr(SfPolicy) policy = t_policy("allow any to *\n");
	/* "WwW" then a pointer back to its own start: a loop */
	static const uint8_t loop[] = { 3, 'W', 'w', 'W', 0xc0, 12 };
	static const uint8_t mixed[] = "\x05" "Ab-_9" "\x04" "cDn7" "\x07" "eXample";
	Check c;
	TMsg m;

	raw_query(&m, mixed, sizeof(mixed));
	check_msg(policy, m.b, m.len, &c);
	g_assert_cmpint(c.verdict, ==, SF_DNS_QUERY_FORWARD);
	g_assert_cmpstr(c.q.name, ==, "Ab-_9.cDn7.eXample");
	g_assert_cmpstr(c.q.norm, ==, "ab-_9.cdn7.example");

	raw_query(&m, loop, sizeof(loop));
	check_msg(policy, m.b, m.len, &c);
	ldns_pkt_free(assert_refused(&c, SF_DNS_RCODE_FORMERR, SF_DNS_REASON_TOO_LONG));
	g_assert_cmpstr(c.q.norm, ==, "");
}

static void test_servfail(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	uint8_t buf[SF_DNS_REPLY_MIN];
	size_t n = 0;
	SfDnsQuery q;

	for (int edns = 0; edns < 2; edns++) {
		g_autoptr(ldns_pkt) p = NULL;
		g_autofree char *qn = NULL;

		t_forward(policy, "WEB.example", LDNS_RR_TYPE_A, 0x7777, edns ? 1232 : 0, false, &q);
		g_assert_true(sf_dns_reply_servfail(&q, buf, sizeof(buf), &n));
		p = t_parse(buf, n);
		g_assert_cmpuint(ldns_pkt_get_rcode(p), ==, LDNS_RCODE_SERVFAIL);
		g_assert_cmpuint(ldns_pkt_id(p), ==, 0x7777);
		g_assert_true(ldns_pkt_qr(p));
		g_assert_true(ldns_pkt_rd(p));
		g_assert_cmpint(ldns_pkt_edns(p), ==, edns);
		qn = t_qname(p);
		g_assert_cmpstr(qn, ==, "WEB.example");
	}
}

static void test_reason_names(void)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	char buf[16];

	for (int r = 0; r < SF_DNS_REASON_N; r++) {
		const char *name = sf_dns_reason_name((SfDnsReason)r);

		g_assert_nonnull(name);
		g_assert_cmpstr(name, !=, "unknown");
		g_assert_false(g_hash_table_contains(seen, name));
		g_hash_table_add(seen, (gpointer)name);
	}
	g_assert_cmpstr(sf_dns_reason_name(SF_DNS_REASON_NOT_ALLOWED), ==, "not-allowed");
	g_assert_cmpstr(sf_dns_reason_name(SF_DNS_REASON_DENIED_BY_RULE), ==, "denied-by-rule");
	g_assert_cmpstr(sf_dns_reason_name(SF_DNS_REASON_ANY), ==, "any-refused");
	g_assert_cmpstr(sf_dns_reason_name(SF_DNS_REASON_ZONE_TRANSFER), ==, "zone-transfer");
	g_assert_cmpstr(sf_dns_reason_name(SF_DNS_REASON_MALFORMED), ==, "malformed");
	g_assert_cmpstr(sf_dns_reason_name(SF_DNS_REASON_OPCODE), ==, "bad-opcode");
	g_assert_cmpstr(sf_dns_reason_name(SF_DNS_REASON_TOO_LONG), ==, "too-long");
	g_assert_cmpstr(sf_dns_reason_name(SF_DNS_REASON_CANARY), ==, "canary");
	g_assert_cmpstr(sf_dns_reason_name(SF_DNS_REASON_N), ==, "unknown");
	g_assert_cmpstr(sf_dns_type_name(LDNS_RR_TYPE_A, buf, sizeof(buf)), ==, "A");
	g_assert_cmpstr(sf_dns_type_name(LDNS_RR_TYPE_HTTPS, buf, sizeof(buf)), ==, "HTTPS");
	g_assert_cmpstr(sf_dns_type_name(LDNS_RR_TYPE_ANY, buf, sizeof(buf)), ==, "ANY");
	g_assert_cmpstr(sf_dns_type_name(LDNS_RR_TYPE_AXFR, buf, sizeof(buf)), ==, "AXFR");
	g_assert_cmpstr(sf_dns_type_name(65000, buf, sizeof(buf)), ==, "TYPE65000");
}

static void test_counters(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	SfDnsCounters counters = { 0 };
	Check c;

	check(policy, "web.example", LDNS_RR_TYPE_A, 1, 0, &c);
	sf_dns_counters_query(&counters, c.verdict, &c.q);
	check(policy, "evil.example", LDNS_RR_TYPE_A, 1, 0, &c);
	sf_dns_counters_query(&counters, c.verdict, &c.q);
	check_msg(policy, (const uint8_t *)"abc", 3, &c);
	sf_dns_counters_query(&counters, c.verdict, &c.q);
	g_assert_cmpuint(counters.queries, ==, 3);
	g_assert_cmpuint(counters.forwarded, ==, 1);
	g_assert_cmpuint(counters.refused, ==, 1);
	g_assert_cmpuint(counters.dropped, ==, 1);
	g_assert_cmpuint(counters.by_reason[SF_DNS_REASON_NOT_ALLOWED], ==, 1);
	g_assert_cmpuint(counters.by_reason[SF_DNS_REASON_SHORT], ==, 1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/dns/query/allowed-forward", test_allowed_forward);
	g_test_add_func("/dns/query/tcp-flag", test_tcp_flag);
	g_test_add_func("/dns/query/not-allowed-nxdomain", test_not_allowed_nxdomain);
	g_test_add_func("/dns/query/not-allowed-refused", test_not_allowed_refused);
	g_test_add_func("/dns/query/random-subdomain-of-exact", test_random_subdomain_of_exact);
	g_test_add_func("/dns/query/wildcard-suffix", test_wildcard_suffix);
	g_test_add_func("/dns/query/deny-rule-wins", test_deny_rule_wins);
	g_test_add_func("/dns/query/case-echo-0x20", test_case_echo_0x20);
	g_test_add_func("/dns/query/case-restored", test_case_restored);
	g_test_add_func("/dns/query/upstream-canonical", test_upstream_canonical);
	g_test_add_func("/dns/query/qtype-refused", test_qtype_refused);
	g_test_add_func("/dns/query/trailing-dot", test_trailing_dot);
	g_test_add_func("/dns/query/idn-punycode", test_idn_punycode);
	g_test_add_func("/dns/query/underscore", test_underscore_allowed);
	g_test_add_func("/dns/query/meta-types-refused", test_meta_types_refused);
	g_test_add_func("/dns/query/bad-class", test_bad_class);
	g_test_add_func("/dns/query/question-count", test_question_count);
	g_test_add_func("/dns/query/opcode-notimp", test_opcode_notimp);
	g_test_add_func("/dns/query/short-and-response-dropped", test_short_and_response_dropped);
	g_test_add_func("/dns/query/garbage", test_garbage);
	g_test_add_func("/dns/query/too-long", test_too_long);
	g_test_add_func("/dns/query/non-ldh", test_non_ldh);
	g_test_add_func("/dns/query/root-name", test_root_name);
	g_test_add_func("/dns/query/canary", test_canary);
	g_test_add_func("/dns/query/audit-mode", test_audit_mode);
	g_test_add_func("/dns/query/upstream-query", test_upstream_query);
	g_test_add_func("/dns/query/upstream-builder", test_upstream_builder);
	g_test_add_func("/dns/query/read-name-wire", test_read_name_wire);
	g_test_add_func("/dns/query/servfail", test_servfail);
	g_test_add_func("/dns/query/reason-names", test_reason_names);
	g_test_add_func("/dns/query/counters", test_counters);
	return g_test_run();
}
