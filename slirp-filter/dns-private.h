/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the DNS modules of the core (not installed, not for the daemon). */
#pragma once

#include <ldns/ldns.h>

#include "slirp-filter/dns.h"

/* Every ldns object has one owner; these make that owner a g_autoptr. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ldns_pkt, ldns_pkt_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ldns_rr, ldns_rr_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ldns_rdf, ldns_rdf_deep_free)
/* shallow: the list only, not its records (lists here never own records) */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ldns_rr_list, ldns_rr_list_free)

/* The asked name of @q as an ldns dname in the client's letter case; NULL if invalid. */
ldns_rdf *sf_dns_q_dname(const SfDnsQuery *q);

/* A new question RR for @q (its name, type, class); NULL if @q holds no valid name. */
ldns_rr *sf_dns_q_question(const SfDnsQuery *q);

/*
 * A reply skeleton for @q: id, QR, RA, RD copied, @rcode, OPT when the query
 * had one; with @question (taken over, may be NULL: header only).
 */
ldns_pkt *sf_dns_reply_new(const SfDnsQuery *q, uint8_t rcode, ldns_rr *question);

/* @pkt in wire form into @buf; FALSE if it does not fit (or ldns fails). */
bool sf_dns_pkt_to_buf(const ldns_pkt *pkt, uint8_t *buf, size_t size, size_t *len);

/*
 * Turns @canon (a processed answer, taken over) into the reply for @q in
 * @ans: the client's id, RD, letter case (question and owners equal to the
 * asked name), TTLs decreased by @age_s, OPT when the query had one, TC
 * reply when over the client's limit. FALSE if ldns fails.
 */
bool sf_dns_render(ldns_pkt *canon, const SfDnsQuery *q, uint32_t age_s, SfDnsAnswer *ans);
