/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The fast path for cache hits: a common query answered from a stored,
 * finished reply, without ldns and without allocating.
 *
 * Theory of operation: most of the container's queries are repeats of a
 * name it asked before, and for those the slow path (sf_dns_query_check(),
 * then sf_dns_cache_lookup()) spends most of its time in ldns: parsing the
 * query, parsing the cached answer again, rendering and compressing it. The
 * fast path takes only the common, well-formed case and hands everything
 * else to the slow path untouched (it returns FALSE having changed nothing,
 * so the slow path decides exactly as before).
 *
 * The query is read from its wire form, every byte bounds-checked: at most
 * 326 bytes; QR clear and opcode QUERY (the other header bits are ignored,
 * as the slow path ignores them, except RD, which is copied); QDCOUNT 1,
 * ANCOUNT and NSCOUNT 0, ARCOUNT 0 or 1; a question name of plain labels
 * (no compression pointer) of letters, digits, '-' and '_', not the root,
 * at most 253 characters as text; type and class; then either nothing, or
 * one OPT record with the root owner, a UDP size of at least 512 and either
 * no option or one well-formed COOKIE option (RFC 7873: 8 bytes of client
 * cookie, or 16-40 with a server cookie; dig and c-ares send one, and like
 * the slow path, a server without cookie support ignores it); and nothing
 * after it. Any other option (client subnet, padding, ...) is the slow
 * path's. Such a name is exactly one the slow path accepts, and its
 * lower-case text is the slow path's q->norm. The remaining query checks
 * are repeated (class IN, a forwarded qtype, not the DoH canary), the
 * cache's key is built from that text and looked up (an absent or expired
 * entry, or one without a template, is the slow path's), and the policy is
 * asked again: the name must be allowed with no deny rule, which in audit
 * mode leaves every would-be refusal, and its audit record, to the slow
 * path (the cache is cleared on a reload anyway).
 *
 * The template is made when the answer is cached, by sf_dns_render() itself:
 * the reply for a query with id 0, RD clear, no EDNS, the name in lower
 * case, no age, no size limit. It is rendered a second time with the name in
 * upper case and EDNS, and kept only if the two differ exactly where the
 * fast path patches them: the question name's letters, ARCOUNT (+1), and the
 * OPT record appended at the end (kept as the EDNS tail). ldns compresses
 * names case-insensitively, so every owner equal to the asked name is a
 * pointer to the question and every other name keeps the canonical form's
 * bytes: copying the client's question over the template's gives the
 * client's letter case wherever the slow path would put it (DNS 0x20). The
 * offsets and values of all TTL fields are recorded once. Per query: copy
 * the template, set the id and RD, copy the question, write every TTL
 * decreased by the entry's age in whole seconds (0 at most, as the slow
 * path's age_list() does), and for EDNS append the tail and add one to
 * ARCOUNT. A reply larger than the client's limit (TCP: 65535; UDP: its
 * EDNS size clamped to 512..4096, or 512, and capped by the caller at what
 * the tap's MTU carries) becomes what the slow path sends instead: the
 * header with TC, no records, the question and OPT when the query had one.
 *
 * Side effects of a hit are the slow path's: the entry's addresses with
 * time left are re-armed in the learned table (remaining TTL clamped by the
 * policy) before the reply exists, the hit is counted and the entry becomes
 * the most recently used. If the learned table refuses an address, the slow
 * path must strip it from the reply, so the fast path gives up and the slow
 * path repeats the learning (adding an address already held under the same
 * name only extends its expiry to the same value: nothing changes twice).
 * A slow-path hit writes an audit record only in cases left to it (a
 * learned-table refusal, audit mode's would-be refusals; rebinding strips
 * and CNAME denials are never reported on a hit), so a fast hit writes
 * none; the caller counts it with sf_dns_counters_fast().
 */
#include <string.h>

#include "slirp-filter/dns.h"
#include "dns-private.h"
#include "wire.h"

#define OPT_LEN 11u  /* root owner, type, class (UDP size), TTL, RDLENGTH 0 */
#define COOKIE_CODE 10u
#define COOKIE_MAX 40u /* client (8) and server cookie (8-32) */
/* header, the longest name (255), type and class, one OPT record with a COOKIE option */
#define QUERY_MAX (SF_DNS_HEADER_LEN + 255u + 4u + OPT_LEN + 4u + COOKIE_MAX)

typedef struct {
	uint32_t off;  /* of the TTL field in the template */
	uint32_t ttl;  /* its value when the answer was cached */
} TtlSlot;

struct SfDnsTemplate {
	size_t len;            /* the reply without OPT */
	size_t qlen;           /* question bytes at offset 12: name, type, class */
	size_t n_ttl;
	uint8_t opt[OPT_LEN];  /* the OPT record the slow path appends for an EDNS query */
	TtlSlot *ttls;         /* n_ttl, in the same allocation */
	uint8_t *wire;         /* len bytes, in the same allocation */
};

/* ---- the template ---- */

/* Renders @canon for a synthetic query (@name as asked, @edns) with the slow path's renderer. */
static bool render(const uint8_t *canon, size_t canon_len, const char *name, const char *norm,
		   uint16_t qtype, uint16_t qclass, bool edns, SfDnsAnswer *ans)
{
	ldns_pkt *pkt = NULL;
	SfDnsQuery q;

	memset(&q, 0, sizeof(q));
	q.opcode = LDNS_PACKET_QUERY;
	q.edns = edns;
	q.tcp = true; /* no size limit: the fast path applies the client's */
	q.udp_size = SF_DNS_UDP_MIN;
	q.qtype = qtype;
	q.qclass = qclass;
	q.deny_rule = -1;
	q.match.deny_rule = -1;
	g_strlcpy(q.name, name, sizeof(q.name));
	g_strlcpy(q.norm, norm, sizeof(q.norm));
	if (ldns_wire2pkt(&pkt, canon, canon_len) != LDNS_STATUS_OK) {
		ldns_pkt_free(pkt);
		return false;
	}
	return sf_dns_render(pkt, &q, 0, ans) && !ans->truncated && ans->reply != NULL; /* takes pkt */
}

/* Skips the (possibly compressed) name at *@pos of @w. */
static bool skip_name(const uint8_t *w, size_t len, size_t *pos)
{
	for (;;) {
		uint8_t l;

		if (*pos >= len)
			return false;
		l = w[*pos];
		if ((l & 0xc0) == 0xc0) {
			if (len - *pos < 2)
				return false;
			*pos += 2;
			return true;
		}
		if (l > 63)
			return false;
		*pos += 1;
		if (l == 0)
			return true;
		if (len - *pos < l)
			return false;
		*pos += l;
	}
}

/* Finds the TTL fields of every record after the question (ending at @qend); @out may be NULL. */
static bool find_ttls(const uint8_t *w, size_t len, size_t qend, TtlSlot *out, size_t *n)
{
	size_t pos = qend, count = (size_t)rd16(w + 6) + rd16(w + 8) + rd16(w + 10);

	*n = 0;
	for (size_t i = 0; i < count; i++) {
		size_t rdlen;

		if (!skip_name(w, len, &pos) || len - pos < 10)
			return false;
		if (out != NULL)
			out[*n] = (TtlSlot){ .off = (uint32_t)(pos + 4), .ttl = rd32(w + pos + 4) };
		(*n)++;
		rdlen = rd16(w + pos + 8);
		pos += 10;
		if (len - pos < rdlen)
			return false;
		pos += rdlen;
	}
	return pos == len;
}

SfDnsTemplate *sf_dns_template_new(const uint8_t *canon, size_t canon_len, const char *norm,
				   uint16_t qtype, uint16_t qclass)
{
	g_auto(SfDnsAnswer) lower = { 0 };
	g_auto(SfDnsAnswer) upper = { 0 };
	char up[SF_DNS_NAME_MAX + 1];
	size_t nlen = strlen(norm), name_wire, qend, n_ttl;
	const uint8_t *a, *b;
	SfDnsTemplate *t;

	if (canon == NULL || nlen == 0 || nlen > SF_DNS_NAME_MAX)
		return NULL;
	for (size_t i = 0; i <= nlen; i++)
		up[i] = g_ascii_toupper(norm[i]);
	if (!render(canon, canon_len, norm, norm, qtype, qclass, false, &lower) ||
	    !render(canon, canon_len, up, norm, qtype, qclass, true, &upper))
		return NULL;
	a = lower.reply;
	b = upper.reply;
	name_wire = nlen + 2; /* a length byte per label (one per dot, plus one) and the root */
	qend = SF_DNS_HEADER_LEN + name_wire + 4;
	/* the shape the patching relies on */
	if (lower.reply_len < qend || lower.reply_len + OPT_LEN > SF_DNS_MSG_MAX ||
	    upper.reply_len != lower.reply_len + OPT_LEN)
		return NULL;
	if (rd16(a) != 0 || a[2] != 0x80 || rd16(a + 4) != 1 || memcmp(a, b, 10) != 0 ||
	    rd16(b + 10) != (uint16_t)(rd16(a + 10) + 1))
		return NULL;
	if (g_ascii_strncasecmp((const char *)a + SF_DNS_HEADER_LEN, (const char *)b + SF_DNS_HEADER_LEN,
				name_wire) != 0 ||
	    memcmp(a + SF_DNS_HEADER_LEN + name_wire, b + SF_DNS_HEADER_LEN + name_wire,
		   lower.reply_len - SF_DNS_HEADER_LEN - name_wire) != 0)
		return NULL; /* the letter case shows outside the question: not patchable */
	if (rd16(a + qend - 4) != qtype || rd16(a + qend - 2) != qclass)
		return NULL;
	if (!find_ttls(a, lower.reply_len, qend, NULL, &n_ttl))
		return NULL;

	t = g_malloc(sizeof(*t) + n_ttl * sizeof(TtlSlot) + lower.reply_len);
	t->len = lower.reply_len;
	t->qlen = qend - SF_DNS_HEADER_LEN;
	t->n_ttl = n_ttl;
	memcpy(t->opt, b + lower.reply_len, OPT_LEN);
	t->ttls = (TtlSlot *)(t + 1);
	t->wire = (uint8_t *)(t->ttls + n_ttl);
	memcpy(t->wire, a, t->len);
	find_ttls(t->wire, t->len, qend, t->ttls, &n_ttl);
	return t;
}

/* ---- the query ---- */

typedef struct {
	bool rd, edns;
	uint16_t udp_size;    /* EDNS size clamped to 512..4096; 512 without EDNS */
	uint16_t qtype, qclass;
	size_t qlen;          /* question bytes at offset 12 */
	char norm[SF_DNS_NAME_MAX + 1];
} FastQuery;

/* Reads @msg if it is the common case described above; FALSE for anything else. */
static bool fast_parse(const uint8_t *msg, size_t len, FastQuery *fq)
{
	size_t pos = SF_DNS_HEADER_LEN, text = 0;
	uint16_t arcount;

	if (msg == NULL || len < SF_DNS_HEADER_LEN + 6 || len > QUERY_MAX)
		return false;
	if ((msg[2] & 0xf8) != 0) /* QR, opcode */
		return false;
	arcount = rd16(msg + 10);
	if (rd16(msg + 4) != 1 || rd16(msg + 6) != 0 || rd16(msg + 8) != 0 || arcount > 1)
		return false;
	for (;;) {
		uint8_t l;

		if (pos >= len)
			return false;
		l = msg[pos++];
		if (l == 0)
			break;
		if (l > 63 || len - pos < l) /* a pointer or an extended label: the slow path's */
			return false;
		if (text + (text > 0) + l > SF_DNS_NAME_MAX)
			return false;
		if (text > 0)
			fq->norm[text++] = '.';
		for (size_t i = 0; i < l; i++) {
			char c = (char)msg[pos + i];

			if (!g_ascii_isalnum(c) && c != '-' && c != '_')
				return false;
			fq->norm[text++] = g_ascii_tolower(c);
		}
		pos += l;
	}
	if (text == 0 || len - pos < 4) /* the root, or no type and class */
		return false;
	fq->norm[text] = '\0';
	fq->qtype = rd16(msg + pos);
	fq->qclass = rd16(msg + pos + 2);
	pos += 4;
	fq->qlen = pos - SF_DNS_HEADER_LEN;
	fq->rd = (msg[2] & 0x01) != 0;
	fq->edns = false;
	fq->udp_size = SF_DNS_UDP_MIN;
	if (arcount == 1) {
		uint16_t size, rdlen;

		if (len - pos < OPT_LEN || msg[pos] != 0 || rd16(msg + pos + 1) != LDNS_RR_TYPE_OPT)
			return false;
		size = rd16(msg + pos + 3);
		rdlen = rd16(msg + pos + 9);
		if (size < SF_DNS_UDP_MIN)
			return false;
		pos += OPT_LEN;
		if (rdlen > 0) {
			/* one COOKIE option: code, length, 8 or 16-40 bytes */
			uint16_t clen;

			if (rdlen < 4 || len - pos != rdlen || rd16(msg + pos) != COOKIE_CODE)
				return false;
			clen = rd16(msg + pos + 2);
			if (clen != rdlen - 4 || (clen != 8 && (clen < 16 || clen > COOKIE_MAX)))
				return false;
			pos += rdlen;
		}
		fq->edns = true;
		fq->udp_size = (uint16_t)MIN(size, SF_DNS_UDP_CLIENT_MAX);
	}
	return pos == len;
}

/* ---- the answer ---- */

bool sf_dns_fast_answer(SfDnsCache *cache, const uint8_t *msg, size_t len, bool tcp,
			unsigned udp_cap, const SfPolicy *policy, SfLearned *learned, int64_t now_ms,
			uint8_t *reply, size_t reply_size, SfDnsFastHit *hit)
{
	char key[SF_DNS_CACHE_KEY_MAX];
	const SfDnsTemplate *t;
	SfDnsCacheRef ref;
	SfNameMatch m;
	FastQuery fq;
	size_t limit, full, n;
	uint32_t age_s;
	unsigned n_learn = 0;

	memset(hit, 0, sizeof(*hit));
	if (cache == NULL || policy == NULL || learned == NULL || reply == NULL ||
	    !fast_parse(msg, len, &fq))
		return false;
	if (fq.qclass != LDNS_RR_CLASS_IN || !sf_dns_qtype_allowed(policy, fq.qtype) ||
	    sf_dns_is_canary(fq.norm))
		return false;
	sf_dns_cache_key(fq.qtype, fq.qclass, fq.norm, key);
	if (!sf_dns_cache_find(cache, key, now_ms, &ref) || ref.tpl == NULL)
		return false;
	t = ref.tpl;
	if (t->qlen != fq.qlen)
		return false;
	sf_policy_match_name(policy, fq.norm, &m);
	if (!m.allowed)
		return false; /* refused, or audit mode's record: the slow path's */

	age_s = now_ms > ref.at_ms ? (uint32_t)((now_ms - ref.at_ms) / 1000) : 0;
	limit = tcp ? SF_DNS_MSG_MAX : fq.udp_size;
	if (!tcp && udp_cap > 0)
		limit = MIN(limit, (size_t)udp_cap);
	full = t->len + (fq.edns ? OPT_LEN : 0);
	n = full > limit ? SF_DNS_HEADER_LEN + t->qlen + (fq.edns ? OPT_LEN : 0) : full;
	if (n > reply_size)
		return false;

	/* the addresses are open before the reply exists */
	sf_learned_begin(learned);
	for (unsigned i = 0; i < ref.n_learn && i < SF_DNS_LEARN_MAX; i++) {
		uint32_t rt = ref.learn[i].record_ttl;

		if (rt <= age_s)
			continue;
		if (!sf_learned_add(learned, &ref.learn[i].addr, ref.norm, now_ms,
				    sf_policy_ttl_clamp(policy, rt - age_s)))
			return false; /* the slow path strips what could not be opened */
		n_learn++;
	}

	if (full > limit) {
		/* the slow path's TC reply: header, question, OPT; no records */
		memcpy(reply, t->wire, SF_DNS_HEADER_LEN);
		reply[2] |= 0x02; /* TC */
		wr16(reply + 6, 0);
		wr16(reply + 8, 0);
		wr16(reply + 10, fq.edns ? 1 : 0);
		hit->truncated = true;
	} else {
		memcpy(reply, t->wire, t->len);
		for (size_t i = 0; i < t->n_ttl; i++) {
			uint32_t ttl = t->ttls[i].ttl;

			wr32(reply + t->ttls[i].off, ttl > age_s ? ttl - age_s : 0);
		}
		if (fq.edns)
			wr16(reply + 10, (uint16_t)(rd16(reply + 10) + 1));
	}
	reply[0] = msg[0]; /* the client's id */
	reply[1] = msg[1];
	if (fq.rd)
		reply[2] |= 0x01;
	memcpy(reply + SF_DNS_HEADER_LEN, msg + SF_DNS_HEADER_LEN, t->qlen);
	if (fq.edns)
		memcpy(reply + n - OPT_LEN, t->opt, OPT_LEN);

	sf_dns_cache_touch(cache, &ref);
	hit->reply_len = n;
	hit->n_learn = n_learn;
	return true;
}

void sf_dns_counters_fast(SfDnsCounters *c, const SfDnsFastHit *hit)
{
	/* sf_dns_counters_query(FORWARD, reason NONE) */
	c->queries++;
	c->forwarded++;
	c->by_reason[SF_DNS_REASON_NONE]++;
	/* sf_dns_counters_answer(REPLY, a cache hit: nothing stripped, no reason) */
	c->answers++;
	c->cache_hits++;
	if (hit->truncated)
		c->truncated++;
	c->cache_fast++;
}
