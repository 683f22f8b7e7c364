/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Upstream answers: validation, the CNAME rule, rebinding protection, the
 * addresses to learn, and the reply for the container.
 *
 * Theory of operation: an upstream datagram changes nothing unless it is
 * the answer to the query we sent: QR set, the id we picked, opcode QUERY,
 * exactly one question whose name equals the asked name (case-insensitive)
 * with the same type and class. Anything else (forged, late, unsolicited,
 * unparseable) is IGNORE and the caller keeps waiting, so an attacker
 * racing the real upstream can at most make us time out into SERVFAIL. A TC
 * answer is RETRY_TCP. An rcode other than NOERROR and NXDOMAIN is passed
 * through with the question only.
 *
 * The CNAME rule: the chain is followed from the asked name through the
 * answer section (at most 16 links; a name seen twice is a loop, answered
 * SERVFAIL). A CDN alias is normal, so a chain name need not be allowed by
 * the policy: the addresses at the end of the chain are learned under the
 * asked name's allow rule(s), on that rule's ports. UNLESS any name in the
 * chain matches a deny rule: then the whole answer becomes the policy's
 * deny response (NXDOMAIN or REFUSED, question only) and nothing is
 * learned, so `deny any to tracker.example` also holds when an allowed name
 * is an alias of it. A chain name that is not a valid name is SERVFAIL.
 *
 * The answer is rebuilt, never forwarded as received: the answer section
 * keeps only the chain's CNAME links and the records owned by the asked
 * name or a chain name (records of unrelated names, DNAMEs and RRSIGs are
 * dropped; the latter would no longer validate anyway); the authority
 * section keeps only SOA (negative caching); the additional section is
 * dropped, so glue never hands the client an address that was not
 * filtered. The rebinding rule: an A or AAAA record whose address is
 * loopback, link-local, private (RFC 1918, 100.64/10, fc00::/7),
 * multicast, unspecified, reserved/broadcast, inside the slirp network
 * (the caller's CIDRs), in the local-use NAT64 prefix 64:ff9b:1::/48, or
 * an IPv4-mapped/SIIT (::ffff:0:0:0/96)/NAT64/6to4 form of those is
 * stripped and not learned, unless sf_policy_explicitly_allows() (an allow
 * CIDR rule inside that range, and no deny). A DNS upstream's address
 * (a /128 among the caller's CIDRs, in any of those forms) is stripped
 * whatever the rules say. Every address left in the
 * answer is learned, and only those: at most SF_DNS_LEARN_MAX, later ones
 * are stripped too. HTTPS and SVCB records keep everything but their
 * ipv4hint and ipv6hint parameters, rewritten through ldns's SvcParams
 * presentation form, so clients connect to the filtered A/AAAA addresses;
 * a record whose `mandatory` key lists a hint is dropped whole (removing
 * the hint would make it invalid), as is one ldns cannot rewrite. TTLs are
 * capped at the policy's ttl-max; learned addresses use the record's TTL
 * clamped to ttl-min..ttl-max. The processed answer (the "canonical" form,
 * also what the cache keeps) is then rendered for the client: its id, RD
 * bit, the question and the asked name's owners in its letter case, OPT if
 * it sent one, and a TC reply with the question only when larger than its
 * UDP size. The common reply (A or AAAA records of the asked name, nothing
 * else) is written directly in the bytes ldns would make (render_direct());
 * every other shape goes through ldns_pkt2buffer_wire() into one reused
 * buffer. The canonical form is kept in wire form only when the cache will
 * keep the answer (cache_ttl > 0). In audit mode (policy->mode) a denied chain name and rebinding
 * addresses are only reported (reason, stripped[]), the answer is kept, and
 * the rebinding addresses are not learned.
 */
#include <string.h>

#include "slirp-filter/dns.h"
#include "dns-private.h"
#include "wire.h"

typedef struct {
	const ldns_rdf *names[SF_DNS_CNAME_MAX + 1]; /* [0]: the asked name */
	bool link_kept[SF_DNS_CNAME_MAX + 1];        /* the CNAME owned by names[i] is in the reply */
	size_t n;
} Chain;

/*
 * ldns_dname_compare(@a, @b) == 0, without its label-by-label walk: two
 * names in wire form are equal ignoring case exactly when their bytes are
 * (length bytes are at most 63, never a letter, so the labels line up).
 */
static bool dname_equal(const ldns_rdf *a, const ldns_rdf *b)
{
	const uint8_t *x, *y;
	size_t n;

	if (a == NULL || b == NULL)
		return a == b;
	x = ldns_rdf_data(a);
	y = ldns_rdf_data(b);
	n = ldns_rdf_size(a);
	if (n != ldns_rdf_size(b) || x == NULL || y == NULL)
		return false;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i] && g_ascii_tolower(x[i]) != g_ascii_tolower(y[i]))
			return false;
	return true;
}

static int chain_index(const Chain *c, const ldns_rdf *name)
{
	if (name == NULL || ldns_rdf_get_type(name) != LDNS_RDF_TYPE_DNAME)
		return -1;
	for (size_t i = 0; i < c->n; i++)
		if (dname_equal(c->names[i], name))
			return (int)i;
	return -1;
}

void sf_dns_answer_clear(SfDnsAnswer *ans)
{
	if (ans == NULL)
		return;
	free(ans->reply); /* both come from sf_dns_pkt_to_wire() */
	free(ans->canon);
	memset(ans, 0, sizeof(*ans));
	ans->rule = -1;
}

/* ---- rebinding ---- */

static const char *ipv4_class(const uint8_t a[4])
{
	if (a[0] == 0)
		return "unspecified";
	if (a[0] == 127)
		return "loopback";
	if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
	    (a[0] == 100 && (a[1] & 0xc0) == 64))
		return "private";
	if (a[0] == 169 && a[1] == 254)
		return "link-local";
	if (a[0] >= 224 && a[0] < 240)
		return "multicast";
	if (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255)
		return "broadcast";
	if (a[0] >= 240)
		return "reserved";
	return NULL;
}

/* Where @addr carries an IPv4 address (mapped, SIIT, NAT64, 6to4): into *@v4 (as SfAddr). */
static bool embedded_ipv4(const SfAddr *addr, SfAddr *v4)
{
	static const uint8_t siit[12] = { [8] = 0xff, [9] = 0xff };
	static const uint8_t nat64[12] = { 0x00, 0x64, 0xff, 0x9b };
	const uint8_t *b = addr->b;

	if (sf_addr_is_ipv4(addr)) {
		*v4 = *addr;
		return true;
	}
	if (memcmp(b, siit, 12) == 0 || memcmp(b, nat64, 12) == 0) {
		sf_addr_from_ipv4(v4, b + 12);
		return true;
	}
	if (b[0] == 0x20 && b[1] == 0x02) { /* 6to4: 2002:AABB:CCDD::/48 */
		sf_addr_from_ipv4(v4, b + 2);
		return true;
	}
	return false;
}

const char *sf_dns_addr_rebinding_class(const SfAddr *addr, const SfCidr *local_nets,
					size_t n_local_nets)
{
	static const uint8_t zero[16];
	static const uint8_t nat64_local[6] = { 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01 };
	const uint8_t *b = addr->b;
	SfAddr v4;
	bool has_v4 = embedded_ipv4(addr, &v4);

	for (size_t i = 0; i < n_local_nets; i++) {
		/* an upstream in whatever form carries it, the slirp network as written */
		if (local_nets[i].len == 128 &&
		    (sf_cidr_contains(&local_nets[i], addr) ||
		     (has_v4 && sf_cidr_contains(&local_nets[i], &v4))))
			return "host-resolver";
		if (local_nets[i].len < 128 && sf_cidr_contains(&local_nets[i], addr))
			return "slirp-network";
	}
	if (has_v4)
		return ipv4_class(v4.b + 12);
	if (memcmp(b, zero, 15) == 0)
		return b[15] == 1 ? "loopback" : "unspecified";
	if (memcmp(b, zero, 12) == 0) /* ::a.b.c.d, IPv4-compatible (deprecated) */
		return "unspecified";
	if (b[0] == 0xff)
		return "multicast";
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "link-local";
	if ((b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0))
		return "private"; /* unique local, and the old site-local fec0::/10 */
	if (memcmp(b, nat64_local, 6) == 0)
		return "private"; /* local-use NAT64 (RFC 8215): what it maps is the network's own */
	return NULL;
}

/* ---- HTTPS / SVCB ---- */

static bool is_hint_key(const char *key, size_t len)
{
	return (len == 8 && (memcmp(key, "ipv4hint", 8) == 0 || memcmp(key, "ipv6hint", 8) == 0)) ||
	       (len == 4 && (memcmp(key, "key4", 4) == 0 || memcmp(key, "key6", 4) == 0));
}

/* TRUE when the comma list of a `mandatory=` value names a hint key. */
static bool mandatory_names_hint(const char *v, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i == len || v[i] == ',') {
			size_t s = start, e = i;

			if (e - s >= 2 && v[s] == '"' && v[e - 1] == '"') {
				s++;
				e--;
			}
			if (is_hint_key(v + s, e - s))
				return true;
			start = i + 1;
		}
	}
	return false;
}

/*
 * Removes the hint parameters from the SvcParams presentation @text into
 * @out. Tokens are separated by unquoted spaces; a backslash escapes the
 * next character. Returns -1 when the record must be dropped, else how many
 * parameters were removed.
 */
static int strip_hints(const char *text, GString *out)
{
	size_t i = 0, n = strlen(text);
	int removed = 0;

	while (i < n) {
		size_t start, end, klen;
		bool quoted = false;

		while (i < n && g_ascii_isspace(text[i]))
			i++;
		if (i >= n)
			break;
		start = i;
		while (i < n && (quoted || !g_ascii_isspace(text[i]))) {
			if (text[i] == '\\' && i + 1 < n)
				i++;
			else if (text[i] == '"')
				quoted = !quoted;
			i++;
		}
		end = i;
		for (klen = 0; start + klen < end && text[start + klen] != '='; klen++)
			;
		if (is_hint_key(text + start, klen)) {
			removed++;
			continue;
		}
		if (klen == 9 && memcmp(text + start, "mandatory", 9) == 0 && start + klen < end &&
		    mandatory_names_hint(text + start + klen + 1, end - start - klen - 1))
			return -1;
		if (out->len > 0)
			g_string_append_c(out, ' ');
		g_string_append_len(out, text + start, (gssize)(end - start));
	}
	return removed;
}

/* A copy of the HTTPS/SVCB @rr without address hints, or NULL to drop it. */
static ldns_rr *svcb_without_hints(const ldns_rr *rr, unsigned *removed)
{
	g_autoptr(ldns_rr) copy = ldns_rr_clone(rr);
	g_autoptr(GString) kept = g_string_new(NULL);
	ldns_rdf *params, *fresh = NULL, *old;
	char *text;
	int n;

	if (copy == NULL)
		return NULL;
	if (ldns_rr_rd_count(copy) < 3)
		return g_steal_pointer(&copy); /* no SvcParams (AliasMode) */
	params = ldns_rr_rdf(copy, 2);
	if (params == NULL || ldns_rdf_get_type(params) != LDNS_RDF_TYPE_SVCPARAMS)
		return NULL; /* cannot look inside: drop rather than pass hints on */
	text = ldns_rdf2str(params);
	if (text == NULL)
		return NULL;
	n = strip_hints(text, kept);
	free(text);
	if (n < 0)
		return NULL;
	if (n == 0)
		return g_steal_pointer(&copy);
	if (ldns_str2rdf_svcparams(&fresh, kept->str) != LDNS_STATUS_OK || fresh == NULL) {
		ldns_rdf_deep_free(fresh);
		return NULL;
	}
	ldns_rdf_set_type(fresh, LDNS_RDF_TYPE_SVCPARAMS);
	old = ldns_rr_set_rdf(copy, fresh, 2);
	ldns_rdf_deep_free(old);
	*removed += (unsigned)n;
	return g_steal_pointer(&copy);
}

/* ---- rendering ---- */

/*
 * The wire form of @p when it is the common reply, written without ldns:
 * one question, answer records that are all A (4 bytes) or AAAA (16 bytes)
 * owned by the question's name (equal ignoring case), no authority or
 * additional records, no TSIG, and either no EDNS or exactly the OPT record
 * the renderer adds (UDP size 1232, every other field 0, no options). The
 * bytes are those ldns_pkt2wire() makes for it: the header from @p's
 * fields, the question name as labels, every owner compressed to a pointer
 * to it (offset 12), then OPT. Anything else returns FALSE and goes to
 * ldns (the unit test dns/answer/render-direct compares both).
 */
static bool render_direct(const ldns_pkt *p, uint8_t **wire, size_t *len)
{
	const ldns_rr_list *qs = ldns_pkt_question(p), *an = ldns_pkt_answer(p);
	const ldns_rr *qrr;
	const ldns_rdf *qname;
	size_t n_an = ldns_rr_list_rr_count(an), qlen, size, pos;
	bool edns = ldns_pkt_edns(p);
	uint8_t *w;

	if (ldns_rr_list_rr_count(qs) != 1 || ldns_pkt_qdcount(p) != 1 || ldns_pkt_ancount(p) != n_an ||
	    ldns_pkt_nscount(p) != 0 || ldns_rr_list_rr_count(ldns_pkt_authority(p)) != 0 ||
	    ldns_pkt_arcount(p) != 0 || ldns_rr_list_rr_count(ldns_pkt_additional(p)) != 0 ||
	    ldns_pkt_tsig(p) != NULL)
		return false;
	if (edns && (ldns_pkt_edns_udp_size(p) != SF_DNS_EDNS_SIZE || ldns_pkt_edns_extended_rcode(p) != 0 ||
		     ldns_pkt_edns_version(p) != 0 || ldns_pkt_edns_z(p) != 0 || ldns_pkt_edns_do(p) ||
		     ldns_pkt_edns_data(p) != NULL))
		return false;
	qrr = ldns_rr_list_rr(qs, 0);
	qname = ldns_rr_owner(qrr);
	if (qname == NULL || ldns_rdf_get_type(qname) != LDNS_RDF_TYPE_DNAME)
		return false;
	qlen = ldns_rdf_size(qname);
	if (qlen < 2 || qlen > LDNS_MAX_DOMAINLEN)
		return false; /* the root is never asked upstream; ldns's own limit */
	size = SF_DNS_HEADER_LEN + qlen + 4 + (edns ? SF_DNS_BARE_OPT_LEN : 0);
	for (size_t i = 0; i < n_an; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		ldns_rr_type t = ldns_rr_get_type(rr);
		const ldns_rdf *rd = ldns_rr_rd_count(rr) == 1 ? ldns_rr_rdf(rr, 0) : NULL;
		size_t want = t == LDNS_RR_TYPE_A ? 4 : t == LDNS_RR_TYPE_AAAA ? 16 : 0;

		if (want == 0 || rd == NULL || ldns_rdf_size(rd) != want || !dname_equal(ldns_rr_owner(rr), qname))
			return false;
		size += 2 + 10 + want;
	}
	if (size > SF_DNS_MSG_MAX)
		return false;
	w = malloc(size);
	if (w == NULL)
		return false;
	wr16(w, ldns_pkt_id(p));
	w[2] = (uint8_t)((ldns_pkt_qr(p) ? 0x80 : 0) | ((ldns_pkt_get_opcode(p) & 0x0f) << 3) |
			 (ldns_pkt_aa(p) ? 0x04 : 0) | (ldns_pkt_tc(p) ? 0x02 : 0) | (ldns_pkt_rd(p) ? 0x01 : 0));
	w[3] = (uint8_t)((ldns_pkt_ra(p) ? 0x80 : 0) | (ldns_pkt_ad(p) ? 0x20 : 0) |
			 (ldns_pkt_cd(p) ? 0x10 : 0) | (ldns_pkt_get_rcode(p) & 0x0f));
	wr16(w + 4, 1);
	wr16(w + 6, (uint16_t)n_an);
	wr16(w + 8, 0);
	wr16(w + 10, edns ? 1 : 0);
	pos = SF_DNS_HEADER_LEN;
	memcpy(w + pos, ldns_rdf_data(qname), qlen);
	pos += qlen;
	wr16(w + pos, (uint16_t)ldns_rr_get_type(qrr));
	wr16(w + pos + 2, (uint16_t)ldns_rr_get_class(qrr));
	pos += 4;
	for (size_t i = 0; i < n_an; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);
		const ldns_rdf *rd = ldns_rr_rdf(rr, 0);
		size_t rdlen = ldns_rdf_size(rd);

		wr16(w + pos, 0xc000 | SF_DNS_HEADER_LEN);
		wr16(w + pos + 2, (uint16_t)ldns_rr_get_type(rr));
		wr16(w + pos + 4, (uint16_t)ldns_rr_get_class(rr));
		wr32(w + pos + 6, ldns_rr_ttl(rr));
		wr16(w + pos + 10, (uint16_t)rdlen);
		memcpy(w + pos + 12, ldns_rdf_data(rd), rdlen);
		pos += 12 + rdlen;
	}
	if (edns) {
		sf_dns_put_bare_opt(w + pos);
		pos += SF_DNS_BARE_OPT_LEN;
	}
	*wire = w;
	*len = pos;
	return true;
}

static bool set_reply(SfDnsAnswer *ans, const ldns_pkt *p)
{
	uint8_t *wire = NULL;
	size_t n = 0;

	free(ans->reply);
	ans->reply = NULL;
	ans->reply_len = 0;
	if (p == NULL || (!render_direct(p, &wire, &n) && !sf_dns_pkt_to_wire(p, &wire, &n)))
		return false;
	ans->reply = wire;
	ans->reply_len = n;
	ans->rcode = ldns_pkt_get_rcode(p);
	return true;
}

/* Replaces the owner of @rr with a copy of @name. */
static void set_owner(ldns_rr *rr, const ldns_rdf *name)
{
	ldns_rdf *old = ldns_rr_owner(rr);

	ldns_rr_set_owner(rr, ldns_rdf_clone(name));
	ldns_rdf_deep_free(old);
}

static void age_list(ldns_rr_list *list, const ldns_rdf *qname, uint32_t age_s)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
		ldns_rr *rr = ldns_rr_list_rr(list, i);
		uint32_t ttl = ldns_rr_ttl(rr);

		ldns_rr_set_ttl(rr, ttl > age_s ? ttl - age_s : 0);
		if (qname != NULL && dname_equal(ldns_rr_owner(rr), qname))
			set_owner(rr, qname);
	}
}

bool sf_dns_render(ldns_pkt *canon, const SfDnsQuery *q, uint32_t age_s, SfDnsAnswer *ans)
{
	g_autoptr(ldns_pkt) p = canon;
	g_autoptr(ldns_rdf) qname = sf_dns_q_dname(q);
	ldns_rr_list *question;
	size_t limit = q->tcp ? SF_DNS_MSG_MAX : q->udp_size;

	if (p == NULL || qname == NULL)
		return false;
	ldns_pkt_set_id(p, q->id);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_ra(p, true);
	ldns_pkt_set_rd(p, q->rd);
	ldns_pkt_set_aa(p, false);
	ldns_pkt_set_ad(p, false);
	ldns_pkt_set_cd(p, false);
	ldns_pkt_set_tc(p, false);
	ldns_pkt_set_opcode(p, LDNS_PACKET_QUERY);
	question = ldns_pkt_question(p);
	if (ldns_rr_list_rr_count(question) != 1)
		return false;
	set_owner(ldns_rr_list_rr(question, 0), qname);
	age_list(ldns_pkt_answer(p), qname, age_s);
	age_list(ldns_pkt_authority(p), qname, age_s);
	age_list(ldns_pkt_additional(p), NULL, age_s);
	if (q->edns)
		ldns_pkt_set_edns_udp_size(p, SF_DNS_EDNS_SIZE);
	if (!set_reply(ans, p))
		return false;
	if (ans->reply_len > limit) {
		g_autoptr(ldns_pkt) tc = sf_dns_reply_new(q, ldns_pkt_get_rcode(p), sf_dns_q_question(q));

		if (tc == NULL)
			return false;
		ldns_pkt_set_tc(tc, true);
		ans->truncated = true;
		return set_reply(ans, tc);
	}
	return true;
}

/* ---- processing ---- */

static SfDnsAnswerResult ignore(SfDnsAnswer *ans, SfDnsReason reason)
{
	ans->result = SF_DNS_ANSWER_IGNORE;
	ans->reason = reason;
	return SF_DNS_ANSWER_IGNORE;
}

/* A reply to @q with only its question and @rcode (never cached). */
static SfDnsAnswerResult reply_rcode(SfDnsAnswer *ans, const SfDnsQuery *q, SfDnsReason reason,
				     uint8_t rcode, SfDnsAnswerResult result)
{
	g_autoptr(ldns_pkt) p = sf_dns_reply_new(q, rcode, sf_dns_q_question(q));

	ans->n_learn = 0;
	ans->reason = reason;
	ans->cache_ttl = 0;
	if (p != NULL && result == SF_DNS_ANSWER_RETRY_TCP)
		ldns_pkt_set_tc(p, true);
	if (!set_reply(ans, p))
		return ignore(ans, SF_DNS_REASON_UPSTREAM_MALFORMED); /* out of memory */
	ans->result = result;
	return result;
}

/* The first CNAME of @answer owned by @owner, or NULL. */
static const ldns_rr *find_cname(const ldns_rr_list *answer, const ldns_rdf *owner)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(answer); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(answer, i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME && ldns_rr_rd_count(rr) >= 1 &&
		    ldns_dname_compare(ldns_rr_owner(rr), owner) == 0)
			return rr;
	}
	return NULL;
}

/* The normalized text of @dname into @norm; FALSE if it is not a valid name. */
static bool normalize_dname(const ldns_rdf *dname, char norm[SF_DNS_NAME_MAX + 1])
{
	char *text = ldns_rdf2str(dname);
	size_t n;
	bool ok;

	if (text == NULL)
		return false;
	n = strlen(text);
	ok = sf_name_normalize(text, n, norm) == NULL;
	free(text);
	return ok;
}

static bool rr_addr(const ldns_rr *rr, SfAddr *addr)
{
	const ldns_rdf *rd = ldns_rr_rd_count(rr) == 1 ? ldns_rr_rdf(rr, 0) : NULL;

	if (rd == NULL)
		return false;
	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_A && ldns_rdf_get_type(rd) == LDNS_RDF_TYPE_A &&
	    ldns_rdf_size(rd) == 4) {
		sf_addr_from_ipv4(addr, ldns_rdf_data(rd));
		return true;
	}
	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_AAAA && ldns_rdf_get_type(rd) == LDNS_RDF_TYPE_AAAA &&
	    ldns_rdf_size(rd) == 16) {
		memcpy(addr->b, ldns_rdf_data(rd), 16);
		return true;
	}
	return false;
}

static void note_stripped(SfDnsAnswer *ans, const SfAddr *addr, const char *what)
{
	if (ans->n_stripped < SF_DNS_STRIPPED_MAX) {
		ans->stripped[ans->n_stripped].addr = *addr;
		ans->stripped[ans->n_stripped].what = what;
	}
	ans->n_stripped++;
}

/* Decides one address record: TRUE to keep it in the answer (learned, or kept in audit mode). */
static bool take_address(SfDnsAnswer *ans, const SfAddr *addr, uint32_t ttl, const SfPolicy *policy,
			 const SfCidr *nets, size_t n_nets)
{
	const char *what = sf_dns_addr_rebinding_class(addr, nets, n_nets);

	/* a DNS upstream is never a name's answer, whatever rule covers it */
	if (what != NULL && (strcmp(what, "host-resolver") == 0 ||
			     !sf_policy_explicitly_allows(policy, addr))) {
		note_stripped(ans, addr, what);
		return policy->mode == SF_MODE_AUDIT; /* audit: keep it, but do not learn it */
	}
	for (unsigned i = 0; i < ans->n_learn; i++) {
		if (memcmp(&ans->learn[i].addr, addr, sizeof(*addr)) == 0) {
			ans->learn[i].record_ttl = MAX(ans->learn[i].record_ttl, ttl);
			ans->learn[i].ttl = sf_policy_ttl_clamp(policy, ans->learn[i].record_ttl);
			return true;
		}
	}
	if (ans->n_learn >= SF_DNS_LEARN_MAX) {
		note_stripped(ans, addr, "over-limit");
		return false;
	}
	ans->learn[ans->n_learn].addr = *addr;
	ans->learn[ans->n_learn].record_ttl = ttl;
	ans->learn[ans->n_learn].ttl = sf_policy_ttl_clamp(policy, ttl);
	ans->n_learn++;
	return true;
}

/* SOA MINIMUM of @soa, or its TTL when unreadable. */
static uint32_t soa_minimum(const ldns_rr *soa)
{
	const ldns_rdf *min = ldns_rr_rd_count(soa) >= 7 ? ldns_rr_rdf(soa, 6) : NULL;

	if (min == NULL || ldns_rdf_size(min) != 4)
		return ldns_rr_ttl(soa);
	return ldns_rdf2native_int32(min);
}

SfDnsAnswerResult sf_dns_answer_process(const uint8_t *msg, size_t len, const SfDnsQuery *q,
					uint16_t sent_id, const SfPolicy *policy,
					const SfCidr *local_nets, size_t n_local_nets,
					int64_t now_ms, SfDnsAnswer *ans)
{
	g_autoptr(ldns_pkt) up = NULL;
	g_autoptr(ldns_pkt) out = NULL;
	g_autoptr(ldns_rdf) qname = NULL;
	const ldns_rr *qrr;
	const ldns_rr_list *answer, *authority;
	ldns_rr *question;
	uint8_t rcode, deny_rcode;
	bool audit = policy->mode == SF_MODE_AUDIT;
	bool has_qtype = false;
	uint32_t ttl_cap = policy->ttl_max, min_ttl = UINT32_MAX, neg_ttl = 0, soa_ttl = 0;
	bool have_soa = false;
	Chain chain;
	uint8_t *wire = NULL;
	size_t wire_len = 0;

	memset(ans, 0, sizeof(*ans));
	ans->rule = -1;
	ans->at_ms = now_ms;
	ans->result = SF_DNS_ANSWER_IGNORE;

	/* ---- is it the answer to our query? ---- */
	if (msg == NULL || len < SF_DNS_HEADER_LEN || len > SF_DNS_MSG_MAX)
		return ignore(ans, SF_DNS_REASON_UPSTREAM_MALFORMED);
	if (LDNS_ID_WIRE(msg) != sent_id)
		return ignore(ans, SF_DNS_REASON_WRONG_ID);
	if (!LDNS_QR_WIRE(msg))
		return ignore(ans, SF_DNS_REASON_NOT_RESPONSE);
	if (ldns_wire2pkt(&up, msg, len) != LDNS_STATUS_OK)
		return ignore(ans, SF_DNS_REASON_UPSTREAM_MALFORMED);
	qname = sf_dns_q_dname(q);
	if (qname == NULL || ldns_pkt_get_opcode(up) != LDNS_PACKET_QUERY ||
	    ldns_pkt_qdcount(up) != 1 || ldns_rr_list_rr_count(ldns_pkt_question(up)) != 1)
		return ignore(ans, SF_DNS_REASON_WRONG_QUESTION);
	qrr = ldns_rr_list_rr(ldns_pkt_question(up), 0);
	if (ldns_dname_compare(ldns_rr_owner(qrr), qname) != 0 ||
	    (uint16_t)ldns_rr_get_type(qrr) != q->qtype || (uint16_t)ldns_rr_get_class(qrr) != q->qclass)
		return ignore(ans, SF_DNS_REASON_WRONG_QUESTION);

	rcode = ldns_pkt_get_rcode(up);
	if (ldns_pkt_tc(up))
		return reply_rcode(ans, q, SF_DNS_REASON_UPSTREAM_TRUNCATED, rcode,
				   SF_DNS_ANSWER_RETRY_TCP);
	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN)
		return reply_rcode(ans, q, SF_DNS_REASON_NONE, rcode, SF_DNS_ANSWER_REPLY);

	/* ---- the CNAME chain ---- */
	answer = ldns_pkt_answer(up);
	authority = ldns_pkt_authority(up);
	deny_rcode = policy->deny_response == SF_DNS_DENY_REFUSED ? SF_DNS_RCODE_REFUSED
								   : SF_DNS_RCODE_NXDOMAIN;
	memset(&chain, 0, sizeof(chain));
	chain.names[0] = qname;
	chain.n = 1;
	for (;;) {
		const ldns_rr *link = find_cname(answer, chain.names[chain.n - 1]);
		const ldns_rdf *target = link != NULL ? ldns_rr_rdf(link, 0) : NULL;
		char norm[SF_DNS_NAME_MAX + 1];
		SfNameMatch m;

		if (target == NULL || ldns_rdf_get_type(target) != LDNS_RDF_TYPE_DNAME)
			break;
		if (chain_index(&chain, target) >= 0)
			return reply_rcode(ans, q, SF_DNS_REASON_CNAME_LOOP, SF_DNS_RCODE_SERVFAIL,
					   SF_DNS_ANSWER_REPLY);
		if (chain.n > SF_DNS_CNAME_MAX)
			return reply_rcode(ans, q, SF_DNS_REASON_CNAME_TOO_LONG,
					   SF_DNS_RCODE_SERVFAIL, SF_DNS_ANSWER_REPLY);
		if (!normalize_dname(target, norm))
			return reply_rcode(ans, q, SF_DNS_REASON_CNAME_BAD_NAME,
					   SF_DNS_RCODE_SERVFAIL, SF_DNS_ANSWER_REPLY);
		sf_policy_match_name(policy, norm, &m);
		if (m.deny_rule >= 0 && ans->rule < 0) {
			ans->rule = m.deny_rule;
			g_strlcpy(ans->denied_name, norm, sizeof(ans->denied_name));
			if (!audit)
				return reply_rcode(ans, q, SF_DNS_REASON_CNAME_DENIED, deny_rcode,
						   SF_DNS_ANSWER_REPLY);
			ans->reason = SF_DNS_REASON_CNAME_DENIED; /* audit: report only */
		}
		chain.names[chain.n++] = target;
	}

	/* ---- the rebuilt answer ---- */
	question = sf_dns_q_question(q);
	out = sf_dns_reply_new(q, rcode, question);
	if (out == NULL)
		return ignore(ans, SF_DNS_REASON_UPSTREAM_MALFORMED);
	ldns_pkt_set_edns_udp_size(out, 0); /* the canonical form carries no OPT */
	for (size_t i = 0; i < ldns_rr_list_rr_count(answer); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(answer, i);
		int idx = chain_index(&chain, ldns_rr_owner(rr));
		ldns_rr_type type = ldns_rr_get_type(rr);
		ldns_rr *keep = NULL;
		SfAddr addr;

		if (idx < 0) {
			ans->n_dropped++;
			continue;
		}
		switch (type) {
		case LDNS_RR_TYPE_CNAME:
			/* only the links of the chain, once each */
			if ((size_t)idx + 1 < chain.n && !chain.link_kept[idx] &&
			    ldns_dname_compare(ldns_rr_rdf(rr, 0), chain.names[idx + 1]) == 0) {
				chain.link_kept[idx] = true;
				keep = ldns_rr_clone(rr);
			}
			break;
		case LDNS_RR_TYPE_A:
		case LDNS_RR_TYPE_AAAA:
			if (!rr_addr(rr, &addr))
				break;
			if (type == LDNS_RR_TYPE_AAAA && sf_addr_is_ipv4(&addr)) {
				/* ::ffff:a.b.c.d would be learned as the IPv4 address a.b.c.d
				 * (one key space): the families stay apart, so it is never kept */
				note_stripped(ans, &addr, "ipv4-mapped");
				break;
			}
			if (take_address(ans, &addr, MIN(ldns_rr_ttl(rr), ttl_cap), policy, local_nets,
					 n_local_nets))
				keep = ldns_rr_clone(rr);
			break;
		case LDNS_RR_TYPE_SVCB:
		case LDNS_RR_TYPE_HTTPS:
			keep = svcb_without_hints(rr, &ans->n_hints_removed);
			break;
		case LDNS_RR_TYPE_RRSIG:
		case LDNS_RR_TYPE_DNAME:
		case LDNS_RR_TYPE_OPT:
			break;
		default:
			keep = ldns_rr_clone(rr);
			break;
		}
		if (keep == NULL) {
			ans->n_dropped++;
			continue;
		}
		ldns_rr_set_ttl(keep, MIN(ldns_rr_ttl(keep), ttl_cap));
		min_ttl = MIN(min_ttl, ldns_rr_ttl(keep));
		if ((uint16_t)type == q->qtype)
			has_qtype = true;
		if (!ldns_pkt_push_rr(out, LDNS_SECTION_ANSWER, keep)) {
			ldns_rr_free(keep);
			return ignore(ans, SF_DNS_REASON_UPSTREAM_MALFORMED);
		}
	}
	for (size_t i = 0; i < ldns_rr_list_rr_count(authority); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(authority, i);
		ldns_rr *keep;
		uint32_t ttl;

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA || have_soa) {
			ans->n_dropped++;
			continue;
		}
		/* RFC 2308: a negative answer lives for min(SOA TTL, SOA MINIMUM) */
		ttl = MIN(MIN(ldns_rr_ttl(rr), soa_minimum(rr)), ttl_cap);
		keep = ldns_rr_clone(rr);
		if (keep == NULL)
			return ignore(ans, SF_DNS_REASON_UPSTREAM_MALFORMED);
		ldns_rr_set_ttl(keep, ttl);
		if (!ldns_pkt_push_rr(out, LDNS_SECTION_AUTHORITY, keep)) {
			ldns_rr_free(keep);
			return ignore(ans, SF_DNS_REASON_UPSTREAM_MALFORMED);
		}
		have_soa = true;
		soa_ttl = ttl;
		neg_ttl = MIN(ttl, SF_DNS_NEG_TTL_MAX);
	}
	ans->n_dropped += (unsigned)ldns_rr_list_rr_count(ldns_pkt_additional(up));

	/* ---- how long it may be cached ---- */
	if (rcode == LDNS_RCODE_NXDOMAIN || !has_qtype) {
		/* negative (NXDOMAIN, or NODATA at the end of the chain): per the SOA */
		ans->cache_ttl = have_soa ? MIN(neg_ttl, min_ttl) : 0;
		if (have_soa)
			ldns_rr_set_ttl(ldns_rr_list_rr(ldns_pkt_authority(out), 0), neg_ttl);
	} else {
		ans->cache_ttl = have_soa ? MIN(min_ttl, soa_ttl) : min_ttl;
	}
	if (ans->cache_ttl == UINT32_MAX)
		ans->cache_ttl = 0;
	if (ans->reason == SF_DNS_REASON_CNAME_DENIED) /* audit mode: do not keep what enforce would refuse */
		ans->cache_ttl = 0;

	/* the canonical form is only what the cache keeps: none for an answer it will not keep */
	if (ans->cache_ttl > 0) {
		if (!sf_dns_pkt_to_wire(out, &wire, &wire_len))
			return ignore(ans, SF_DNS_REASON_UPSTREAM_MALFORMED);
		ans->canon = wire;
		ans->canon_len = wire_len;
	}
	if (!sf_dns_render(g_steal_pointer(&out), q, 0, ans))
		return ignore(ans, SF_DNS_REASON_UPSTREAM_MALFORMED);
	ans->result = SF_DNS_ANSWER_REPLY;
	return SF_DNS_ANSWER_REPLY;
}

/* Removes from @list the address records whose address is in @gone[0..n); returns how many. */
static unsigned remove_addresses(ldns_rr_list *list, const SfAddr *gone, unsigned n)
{
	g_autoptr(ldns_rr_list) kept = ldns_rr_list_new();
	unsigned removed = 0;
	size_t count = ldns_rr_list_rr_count(list);

	if (kept == NULL)
		return 0;
	for (size_t i = 0; i < count; i++) {
		ldns_rr *rr = ldns_rr_list_rr(list, i);
		SfAddr addr;
		bool drop = false;

		if (rr_addr(rr, &addr))
			for (unsigned k = 0; k < n && !drop; k++)
				drop = memcmp(&addr, &gone[k], sizeof(addr)) == 0;
		if (drop) {
			ldns_rr_free(rr);
			removed++;
		} else {
			ldns_rr_list_push_rr(kept, rr);
		}
	}
	/* @list now holds only pointers that moved to @kept or were freed */
	ldns_rr_list_set_rr_count(list, 0);
	for (size_t i = 0; i < ldns_rr_list_rr_count(kept); i++)
		ldns_rr_list_push_rr(list, ldns_rr_list_rr(kept, i));
	ldns_rr_list_set_rr_count(kept, 0);
	return removed;
}

unsigned sf_dns_answer_learn(SfDnsAnswer *ans, const SfDnsQuery *q, SfLearned *learned,
			     int64_t now_ms)
{
	SfAddr gone[SF_DNS_LEARN_MAX];
	unsigned n_gone = 0, kept = 0;
	g_autoptr(ldns_pkt) p = NULL;

	if (ans->result != SF_DNS_ANSWER_REPLY || q->norm[0] == '\0')
		return 0;
	sf_learned_begin(learned);
	for (unsigned i = 0; i < ans->n_learn; i++) {
		if (sf_learned_add(learned, &ans->learn[i].addr, q->norm, now_ms, ans->learn[i].ttl))
			ans->learn[kept++] = ans->learn[i];
		else
			gone[n_gone++] = ans->learn[i].addr;
	}
	ans->n_learn = kept;
	if (n_gone == 0 || ans->truncated || ans->reply == NULL)
		return n_gone;
	/* fail closed: the client must not see an address that is not open */
	if (ldns_wire2pkt(&p, ans->reply, ans->reply_len) != LDNS_STATUS_OK) {
		free(ans->reply);
		ans->reply = NULL;
		ans->reply_len = 0;
		return n_gone;
	}
	ldns_pkt_set_ancount(p, ldns_pkt_ancount(p) -
				(uint16_t)remove_addresses(ldns_pkt_answer(p), gone, n_gone));
	for (unsigned k = 0; k < n_gone; k++)
		note_stripped(ans, &gone[k], "learned-table-full");
	if (!set_reply(ans, p)) {
		free(ans->reply);
		ans->reply = NULL;
		ans->reply_len = 0;
	}
	ans->cache_ttl = 0;
	return n_gone;
}

void sf_dns_counters_answer(SfDnsCounters *c, SfDnsAnswerResult result, const SfDnsAnswer *ans)
{
	switch (result) {
	case SF_DNS_ANSWER_IGNORE:
		c->ignored++;
		break;
	case SF_DNS_ANSWER_RETRY_TCP:
		c->retried_tcp++;
		break;
	case SF_DNS_ANSWER_REPLY:
		c->answers++;
		break;
	}
	if (ans->from_cache)
		c->cache_hits++;
	if (ans->truncated)
		c->truncated++;
	c->stripped += ans->n_stripped;
	c->hints_removed += ans->n_hints_removed;
	if (ans->reason != SF_DNS_REASON_NONE && (unsigned)ans->reason < SF_DNS_REASON_N)
		c->by_reason[ans->reason]++;
}
