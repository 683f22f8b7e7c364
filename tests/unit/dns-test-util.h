/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers for the DNS unit tests: policies from text, messages built with ldns. */
#pragma once

#include <glib.h>
#include <ldns/ldns.h>

#include "slirp-filter/dns.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(ldns_pkt, ldns_pkt_free)

/* A message in wire form. */
typedef struct {
	uint8_t b[SF_DNS_MSG_MAX];
	size_t len;
} TMsg;

/* The policy of @text; the test fails if it does not parse. */
SfPolicy *t_policy(const char *text);

/* The wire form of @pkt into @m. */
void t_wire(const ldns_pkt *pkt, TMsg *m);

/* A query for @name/@type with @id, RD set; @edns_size 0: no OPT. */
ldns_pkt *t_query_pkt(const char *name, uint16_t type, uint16_t id, uint16_t edns_size);
void t_query(TMsg *m, const char *name, uint16_t type, uint16_t id, uint16_t edns_size);

/* Parses @len bytes; the test fails if ldns cannot. */
ldns_pkt *t_parse(const uint8_t *b, size_t len);

/*
 * An upstream answer: @id, QR RD RA, @rcode, the question (@qname, @qtype,
 * IN), and records in presentation form, NULL-terminated; a record
 * prefixed with "ns:" goes to the authority section, "ar:" to additional.
 */
void t_answer(TMsg *m, uint16_t id, const char *qname, uint16_t qtype, uint8_t rcode,
	      const char *const *rrs);

/* Runs sf_dns_query_check() on a query for @name/@type and asserts FORWARD. */
void t_forward(const SfPolicy *policy, const char *name, uint16_t type, uint16_t id,
	       uint16_t edns_size, bool tcp, SfDnsQuery *q);

/* How many records of @type the answer section of @pkt holds. */
unsigned t_count(const ldns_pkt *pkt, ldns_rr_type type);

/* TRUE when the answer section of @pkt holds an A/AAAA record of @addr_text. */
bool t_has_addr(const ldns_pkt *pkt, const char *addr_text);

/* The SfAddr of @text (v4 or v6). */
SfAddr t_addr(const char *text);

/* The owner of the question of @pkt as text, without final dot (g_free). */
char *t_qname(const ldns_pkt *pkt);
