/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Helpers shared by the DNS modules of the core (not installed, not for the daemon). */
#pragma once

#include <ldns/ldns.h>
#include <string.h>

#include "slirp-filter/dns.h"
#include "wire.h"

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
/* @pkt in wire form in a new malloc() block (free() it) in *@wire; FALSE if ldns fails. */
bool sf_dns_pkt_to_wire(const ldns_pkt *pkt, uint8_t **wire, size_t *len);

/*
 * Turns @canon (a processed answer, taken over) into the reply for @q in
 * @ans: the client's id, RD, letter case (question and owners equal to the
 * asked name), TTLs decreased by @age_s, OPT when the query had one, TC
 * reply when over the client's limit. FALSE if ldns fails.
 */
bool sf_dns_render(ldns_pkt *canon, const SfDnsQuery *q, uint32_t age_s, SfDnsAnswer *ans);

/* The query checks the fast path repeats (dns-query.c). */
bool sf_dns_is_canary(const char *norm);
SfDnsReason sf_dns_qtype_reason(uint16_t qtype);

/* ---- the fast path's stored replies (dns-fast.c) and its view of the cache (dns-cache.c) ---- */

/* A cached answer as a finished reply: built once per cache entry, patched per query. */
typedef struct SfDnsTemplate SfDnsTemplate;

/*
 * The template of the canonical answer @canon for (@norm, @qtype, @qclass),
 * rendered by sf_dns_render() itself; NULL when the rendering does not have
 * the shape the fast path relies on (the entry is then served by the slow
 * path only). Free with g_free().
 */
SfDnsTemplate *sf_dns_template_new(const uint8_t *canon, size_t canon_len, const char *norm,
				   uint16_t qtype, uint16_t qclass);

/* "type/class/name": the cache's key, shared by the slow and the fast path. */
#define SF_DNS_CACHE_KEY_MAX (SF_DNS_NAME_MAX + 16)
void sf_dns_cache_key(uint16_t qtype, uint16_t qclass, const char *norm,
		      char key[SF_DNS_CACHE_KEY_MAX]);

/* A fresh cache entry as the fast path sees it (valid until the cache changes). */
typedef struct {
	void *entry;
	const SfDnsTemplate *tpl;    /* NULL: no template, slow path only */
	const char *norm;            /* the entry's name (the learned table's key) */
	int64_t at_ms;               /* when the answer was processed */
	unsigned n_learn;
	const SfDnsLearn *learn;
} SfDnsCacheRef;

/* The unexpired entry of @key at @now_ms; FALSE otherwise, changing nothing (no stats). */
bool sf_dns_cache_find(SfDnsCache *cache, const char *key, int64_t now_ms, SfDnsCacheRef *ref);
/* Counts a (fast) hit on @ref's entry and makes it the most recently used. */
void sf_dns_cache_touch(SfDnsCache *cache, const SfDnsCacheRef *ref);

/* Bytes of the bare OPT record sf_dns_put_bare_opt() writes. */
#define SF_DNS_BARE_OPT_LEN 11u

/*
 * Writes a bare OPT record at @p (SF_DNS_BARE_OPT_LEN bytes, the caller has
 * checked the room): root owner, type OPT, class = UDP size SF_DNS_EDNS_SIZE,
 * TTL 0 (extended rcode, version, DO and Z all 0), no options.
 */
static inline void sf_dns_put_bare_opt(uint8_t *p)
{
	p[0] = 0;
	wr16(p + 1, LDNS_RR_TYPE_OPT);
	wr16(p + 3, SF_DNS_EDNS_SIZE);
	memset(p + 5, 0, 6);
}
