/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers for the DNS unit tests: policies from text, messages built with ldns. */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "dns-test-util.h"

SfPolicy *t_policy(const char *text)
{
	g_autoptr(GError) error = NULL;
	SfPolicy *p = sf_policy_parse(text, strlen(text), "test", &error);

	g_assert_no_error(error);
	g_assert_nonnull(p);
	return p;
}

void t_wire(const ldns_pkt *pkt, TMsg *m)
{
	uint8_t *w = NULL;
	size_t n = 0;

	g_assert_cmpint(ldns_pkt2wire(&w, pkt, &n), ==, LDNS_STATUS_OK);
	g_assert_cmpuint(n, <=, sizeof(m->b));
	memcpy(m->b, w, n);
	m->len = n;
	free(w);
}

ldns_pkt *t_query_pkt(const char *name, uint16_t type, uint16_t id, uint16_t edns_size)
{
	ldns_pkt *p = NULL;

	g_assert_cmpint(ldns_pkt_query_new_frm_str(&p, name, (ldns_rr_type)type, LDNS_RR_CLASS_IN,
						   LDNS_RD),
			==, LDNS_STATUS_OK);
	ldns_pkt_set_id(p, id);
	if (edns_size > 0)
		ldns_pkt_set_edns_udp_size(p, edns_size);
	return p;
}

void t_query(TMsg *m, const char *name, uint16_t type, uint16_t id, uint16_t edns_size)
{
	g_autoptr(ldns_pkt) p = t_query_pkt(name, type, id, edns_size);

	t_wire(p, m);
}

ldns_pkt *t_parse(const uint8_t *b, size_t len)
{
	ldns_pkt *p = NULL;

	g_assert_cmpint(ldns_wire2pkt(&p, b, len), ==, LDNS_STATUS_OK);
	return p;
}

void t_answer(TMsg *m, uint16_t id, const char *qname, uint16_t qtype, uint8_t rcode,
	      const char *const *rrs)
{
	g_autoptr(ldns_pkt) p = t_query_pkt(qname, qtype, id, 0);

	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_ra(p, true);
	ldns_pkt_set_rcode(p, rcode);
	for (size_t i = 0; rrs != NULL && rrs[i] != NULL; i++) {
		const char *text = rrs[i];
		ldns_pkt_section section = LDNS_SECTION_ANSWER;
		ldns_rr *rr = NULL;

		if (g_str_has_prefix(text, "ns:")) {
			section = LDNS_SECTION_AUTHORITY;
			text += 3;
		} else if (g_str_has_prefix(text, "ar:")) {
			section = LDNS_SECTION_ADDITIONAL;
			text += 3;
		}
		if (ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL) != LDNS_STATUS_OK)
			g_error("bad test record '%s'", text);
		g_assert_true(ldns_pkt_push_rr(p, section, rr));
	}
	t_wire(p, m);
}

void t_forward(const SfPolicy *policy, const char *name, uint16_t type, uint16_t id,
	       uint16_t edns_size, bool tcp, SfDnsQuery *q)
{
	TMsg m;
	uint8_t reply[SF_DNS_REPLY_MIN];
	size_t n = 0;

	t_query(&m, name, type, id, edns_size);
	g_assert_cmpint(sf_dns_query_check(m.b, m.len, tcp, policy, q, reply, sizeof(reply), &n), ==,
			SF_DNS_QUERY_FORWARD);
}

unsigned t_count(const ldns_pkt *pkt, ldns_rr_type type)
{
	const ldns_rr_list *l = ldns_pkt_answer(pkt);
	unsigned n = 0;

	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(l, i)) == type)
			n++;
	return n;
}

bool t_has_addr(const ldns_pkt *pkt, const char *addr_text)
{
	const ldns_rr_list *l = ldns_pkt_answer(pkt);
	SfAddr want = t_addr(addr_text);

	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(l, i);
		const ldns_rdf *rd;
		SfAddr a;

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_A && ldns_rr_get_type(rr) != LDNS_RR_TYPE_AAAA)
			continue;
		rd = ldns_rr_rdf(rr, 0);
		if (ldns_rdf_size(rd) == 4)
			sf_addr_from_ipv4(&a, ldns_rdf_data(rd));
		else
			memcpy(a.b, ldns_rdf_data(rd), 16);
		if (memcmp(&a, &want, sizeof(a)) == 0)
			return true;
	}
	return false;
}

SfAddr t_addr(const char *text)
{
	SfAddr a;
	uint8_t v4[4];

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, text, v4) == 1)
		sf_addr_from_ipv4(&a, v4);
	else
		g_assert_cmpint(inet_pton(AF_INET6, text, a.b), ==, 1);
	return a;
}

char *t_qname(const ldns_pkt *pkt)
{
	const ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	char *s = ldns_rdf2str(ldns_rr_owner(q));
	char *out;
	size_t n = strlen(s);

	if (n > 1 && s[n - 1] == '.')
		s[n - 1] = '\0';
	out = g_strdup(s);
	free(s);
	return out;
}
