/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: the in-process resolver's parsers on any byte string.
 *
 * Theory of operation: the same input is used three ways. (1) As one UDP
 * query through sf_dns_query_check(), under an enforcing policy and an
 * audit-mode one. (2) As the byte stream of a DNS-over-TCP connection
 * through sf_dns_stream_feed(), in one chunk, split at a point the last
 * byte chooses, and one byte at a time: all three must yield the same
 * messages and end in the same state; each message then goes through
 * sf_dns_query_check() as a TCP query. (3) As an upstream answer to three
 * fixed queries through sf_dns_answer_process(), then sf_dns_answer_learn()
 * and the cache (insert, then a hit later). (4) Through the fast path for
 * cache hits, sf_dns_fast_answer(), against a cache filled at start-up
 * (CNAME chain, many AAAA, HTTPS, NXDOMAIN): once as it is (UDP and TCP),
 * and once as a query for a cached name whose header bits, id, letter
 * case, EDNS record (and client cookie), transport, MTU cap and age the
 * input chooses, with the rest of the input appended when it asks for that
 * (so most of these hit and the rest must fall back).
 *
 * Properties beyond "no crash": a query is FORWARDed only if the policy
 * allows its name, and the name in the upstream query built for it (parsed
 * back with ldns, independently of q->norm) is exactly the name the policy
 * was asked about: no upstream query for a denied name. DROP only for
 * messages under 12 bytes or with QR set; every built reply parses and
 * carries the client's id. An answer's learned addresses are never in a
 * rebinding range unless the policy explicitly allows them, and a UDP reply
 * fits the client's size. Whenever the fast path answers, the slow path
 * (sf_dns_query_check, sf_dns_cache_lookup, sf_dns_answer_learn) sends the
 * same bytes and learns the same addresses; a derived query of the common
 * case (opcode QUERY, no trailing bytes, no OPT or one with a UDP size of at
 * least 512) must be answered by the fast path.
 */
#include "config.h"

#include <glib.h>
#include <ldns/ldns.h>
#include <string.h>

#include "slirp-filter/dns.h"

#include "fuzz-util.h"

#define SENT_ID 0x4242

/* The cached answers of (4): name, type, rcode, records in presentation form. */
#define N_CACHED 4
static const struct {
	const char *name;
	ldns_rr_type type;
	uint8_t rcode;
	const char *rrs[4];
	unsigned n_aaaa; /* that many AAAA records more */
} cached[N_CACHED] = {
	{ "web.example", LDNS_RR_TYPE_A, 0,
	  { "web.example. 300 IN CNAME Img.CDN.example.", "img.cdn.example. 60 IN A 203.0.113.80",
	    "img.cdn.example. 60 IN A 203.0.113.81", NULL }, 0 },
	{ "api.example", LDNS_RR_TYPE_AAAA, 0, { NULL }, 30 },
	{ "img.cdn.example", LDNS_RR_TYPE_HTTPS, 0,
	  { "img.cdn.example. 300 IN HTTPS 1 . alpn=h2 ipv4hint=203.0.113.80", NULL }, 0 },
	{ "nx.cdn.example", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN,
	  { "cdn.example. 300 IN SOA ns.cdn.example. h.cdn.example. 1 2 3 4 120", NULL }, 0 },
};

static struct {
	SfPolicy *enforce, *audit;
	SfCidr nets[2];
	SfDnsQuery fixed[3];
	bool fixed_tcp[3];
	SfDnsCache *cache;
} G;

static SfPolicy *policy(const char *text)
{
	g_autoptr(GError) error = NULL;
	SfPolicy *p = sf_policy_parse(text, strlen(text), "fuzz.policy", &error);

	if (p == NULL) {
		fprintf(stderr, "%s\n", error->message);
		abort();
	}
	return p;
}

/* A query built with ldns, checked: the fixed questions the answers are matched against. */
static void fixed_query(SfDnsQuery *q, const char *name, ldns_rr_type type, bool edns, bool tcp)
{
	ldns_pkt *p = NULL;
	uint8_t *wire = NULL, reply[512];
	size_t n = 0, rlen;

	if (ldns_pkt_query_new_frm_str(&p, name, type, LDNS_RR_CLASS_IN, LDNS_RD) != LDNS_STATUS_OK)
		abort();
	ldns_pkt_set_id(p, 0x1234);
	if (edns)
		ldns_pkt_set_edns_udp_size(p, 1232);
	if (ldns_pkt2wire(&wire, p, &n) != LDNS_STATUS_OK)
		abort();
	if (sf_dns_query_check(wire, n, tcp, G.enforce, q, reply, sizeof(reply), &rlen) !=
	    SF_DNS_QUERY_FORWARD)
		abort();
	free(wire);
	ldns_pkt_free(p);
}

/* Caches the answer of cached[@i], processed at FUZZ_NOW_MS. */
static void fill_cache(unsigned i)
{
	SfDnsAnswer ans;
	SfDnsQuery q;
	ldns_pkt *p = NULL;
	uint8_t *wire = NULL;
	size_t n = 0;

	fixed_query(&q, cached[i].name, cached[i].type, false, false);
	if (ldns_pkt_query_new_frm_str(&p, cached[i].name, cached[i].type, LDNS_RR_CLASS_IN,
				       LDNS_RD) != LDNS_STATUS_OK)
		abort();
	ldns_pkt_set_id(p, SENT_ID);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_ra(p, true);
	ldns_pkt_set_rcode(p, cached[i].rcode);
	for (unsigned k = 0; k < G_N_ELEMENTS(cached[i].rrs) + cached[i].n_aaaa; k++) {
		g_autofree char *text = NULL;
		ldns_rr *rr = NULL;
		ldns_pkt_section section = LDNS_SECTION_ANSWER;

		if (k < G_N_ELEMENTS(cached[i].rrs)) {
			if (cached[i].rrs[k] == NULL)
				continue;
			text = g_strdup(cached[i].rrs[k]);
			if (strstr(text, " SOA ") != NULL)
				section = LDNS_SECTION_AUTHORITY;
		} else {
			text = g_strdup_printf("%s. %u IN AAAA 2001:db8::%x", cached[i].name, 300 + k, k);
		}
		if (ldns_rr_new_frm_str(&rr, text, 0, NULL, NULL) != LDNS_STATUS_OK ||
		    !ldns_pkt_push_rr(p, section, rr))
			abort();
	}
	if (ldns_pkt2wire(&wire, p, &n) != LDNS_STATUS_OK)
		abort();
	if (sf_dns_answer_process(wire, n, &q, SENT_ID, G.enforce, G.nets, G_N_ELEMENTS(G.nets),
				  FUZZ_NOW_MS, &ans) != SF_DNS_ANSWER_REPLY ||
	    !sf_dns_cache_insert(G.cache, &q, &ans))
		abort();
	sf_dns_answer_clear(&ans);
	free(wire);
	ldns_pkt_free(p);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
	G.enforce = policy(FUZZ_POLICY);
	G.audit = policy(FUZZ_POLICY "mode audit\ndns deny-response refused\n");
	if (!sf_cidr_parse(FUZZ_CIDR, &G.nets[0], NULL) || !sf_cidr_parse("fd00::/64", &G.nets[1], NULL))
		abort();
	fixed_query(&G.fixed[0], "Web.Example.", LDNS_RR_TYPE_A, false, false);
	fixed_query(&G.fixed[1], "api.example.", LDNS_RR_TYPE_AAAA, true, false);
	fixed_query(&G.fixed[2], "img.cdn.example.", LDNS_RR_TYPE_HTTPS, true, true);
	G.fixed_tcp[2] = true;
	G.cache = sf_dns_cache_new(16);
	for (unsigned i = 0; i < N_CACHED; i++)
		fill_cache(i);
	return 0;
}

void fuzz_target_cleanup(void)
{
	sf_policy_free(G.enforce);
	sf_policy_free(G.audit);
	sf_dns_cache_free(G.cache);
	memset(&G, 0, sizeof(G));
}

/* The question name of @wire, lower case, without the final dot; FALSE if none. */
static bool question_name(const uint8_t *wire, size_t len, char *out, size_t size, uint16_t *id)
{
	ldns_pkt *p = NULL;
	char *text;
	bool ok = false;

	if (ldns_wire2pkt(&p, wire, len) != LDNS_STATUS_OK)
		return false;
	*id = ldns_pkt_id(p);
	if (ldns_pkt_qdcount(p) == 1 && ldns_rr_list_rr(ldns_pkt_question(p), 0) != NULL) {
		text = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(p), 0)));
		if (text != NULL) {
			size_t n = strlen(text);

			if (n > 1 && text[n - 1] == '.')
				text[--n] = '\0';
			for (size_t i = 0; i < n; i++)
				text[i] = g_ascii_tolower(text[i]);
			g_strlcpy(out, text, size);
			ok = true;
			free(text);
		}
	} else {
		out[0] = '\0';
		ok = true;
	}
	ldns_pkt_free(p);
	return ok;
}

static void check_reply(const uint8_t *reply, size_t rlen, uint16_t id, const char *what)
{
	char name[1100];
	uint16_t rid = 0;

	FUZZ_CHECK(rlen >= 12, "%s: a reply of %zu bytes", what, rlen);
	FUZZ_CHECK(question_name(reply, rlen, name, sizeof(name), &rid), "%s: the reply does not parse",
		   what);
	FUZZ_CHECK(rid == id, "%s: reply id %u, query id %u", what, rid, id);
	FUZZ_CHECK(reply[2] & 0x80, "%s: the reply has no QR bit", what);
}

static void query(const uint8_t *msg, size_t len, bool tcp)
{
	uint8_t reply[4096], up[512];
	size_t rlen = 0, ulen = 0;
	SfDnsQuery q;
	SfDnsVerdict v = sf_dns_query_check(msg, len, tcp, G.enforce, &q, reply, sizeof(reply), &rlen);
	SfDnsCounters c = { 0 };

	sf_dns_counters_query(&c, v, &q);
	switch (v) {
	case SF_DNS_QUERY_DROP:
		FUZZ_CHECK(len < 12 || (msg[2] & 0x80), "a query with a header and no QR was dropped");
		break;
	case SF_DNS_QUERY_REFUSE:
		check_reply(reply, rlen, (uint16_t)(msg[0] << 8 | msg[1]), "refusal");
		break;
	case SF_DNS_QUERY_FORWARD: {
		SfNameMatch m;
		char asked[1100];
		uint16_t uid = 0;
		char type[16];

		sf_policy_match_name(G.enforce, q.norm, &m);
		FUZZ_CHECK(q.norm[0] != '\0' && m.allowed, "query for \"%s\" forwarded, policy denies it",
			   q.norm);
		FUZZ_CHECK(sf_dns_upstream_query(&q, SENT_ID, up, sizeof(up), &ulen),
			   "no upstream query for a forwarded name");
		FUZZ_CHECK(question_name(up, ulen, asked, sizeof(asked), &uid) && uid == SENT_ID,
			   "the upstream query does not parse");
		FUZZ_CHECK(strcmp(asked, q.norm) == 0,
			   "the upstream query asks \"%s\", the policy allowed \"%s\"", asked, q.norm);
		sf_dns_type_name(q.qtype, type, sizeof(type));
		if (sf_dns_reply_servfail(&q, reply, sizeof(reply), &rlen))
			check_reply(reply, rlen, q.id, "servfail");
		break;
	}
	}
	/* audit mode: whatever the names, no crash; refusals still well formed */
	v = sf_dns_query_check(msg, len, tcp, G.audit, &q, reply, sizeof(reply), &rlen);
	if (v == SF_DNS_QUERY_REFUSE)
		check_reply(reply, rlen, q.id, "audit-mode refusal");
}

/* ---- (2) the TCP stream, three ways ---- */

typedef struct {
	GByteArray *msgs; /* each: 2-byte length + message */
	SfDnsStreamStatus last;
	size_t pending;
} Run;

static void feed(SfDnsStream *s, const uint8_t *p, size_t n, Run *r)
{
	const uint8_t *msg;
	size_t mlen;

	for (;;) {
		r->last = sf_dns_stream_feed(s, &p, &n, &msg, &mlen);
		if (r->last != SF_DNS_STREAM_MESSAGE)
			break;
		FUZZ_CHECK(mlen > 0 && mlen <= SF_DNS_MSG_MAX, "a stream message of %zu bytes", mlen);
		g_byte_array_append(r->msgs, (const uint8_t[]){ (uint8_t)(mlen >> 8), (uint8_t)mlen }, 2);
		g_byte_array_append(r->msgs, msg, (guint)mlen);
	}
	FUZZ_CHECK(r->last == SF_DNS_STREAM_ERROR || n == 0, "MORE with %zu bytes left unconsumed", n);
	r->pending = sf_dns_stream_pending(s);
	FUZZ_CHECK(r->pending <= 2 + SF_DNS_MSG_MAX, "%zu bytes buffered", r->pending);
}

static bool same_bytes(const GByteArray *a, const GByteArray *b)
{
	return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static void stream(const uint8_t *data, size_t size)
{
	Run whole = { .msgs = g_byte_array_new() }, split = { .msgs = g_byte_array_new() },
	    bytes = { .msgs = g_byte_array_new() };
	SfDnsStream *s;
	size_t at = size > 0 ? (size_t)data[size - 1] * size / 256 : 0;

	s = sf_dns_stream_new();
	feed(s, data, size, &whole);
	sf_dns_stream_free(s);

	s = sf_dns_stream_new();
	feed(s, data, at, &split);
	if (split.last != SF_DNS_STREAM_ERROR)
		feed(s, data + at, size - at, &split);
	sf_dns_stream_free(s);

	s = sf_dns_stream_new();
	for (size_t i = 0; i < size && bytes.last != SF_DNS_STREAM_ERROR; i++)
		feed(s, data + i, 1, &bytes);
	sf_dns_stream_free(s);

	FUZZ_CHECK(same_bytes(whole.msgs, split.msgs) && same_bytes(whole.msgs, bytes.msgs),
		   "the messages depend on how the stream was split (at %zu)", at);
	FUZZ_CHECK((whole.last == SF_DNS_STREAM_ERROR) == (split.last == SF_DNS_STREAM_ERROR) &&
		   (whole.last == SF_DNS_STREAM_ERROR) == (bytes.last == SF_DNS_STREAM_ERROR),
		   "the error depends on how the stream was split");
	FUZZ_CHECK(whole.last == SF_DNS_STREAM_ERROR ||
		   (whole.pending == split.pending && whole.pending == bytes.pending),
		   "the bytes buffered depend on how the stream was split");

	for (guint off = 0; off + 2 <= whole.msgs->len;) {
		size_t mlen = (size_t)whole.msgs->data[off] << 8 | whole.msgs->data[off + 1];

		query(whole.msgs->data + off + 2, mlen, true);
		off += 2 + (guint)mlen;
	}
	g_byte_array_unref(whole.msgs);
	g_byte_array_unref(split.msgs);
	g_byte_array_unref(bytes.msgs);
}

/* ---- (3) upstream answers ---- */

/*
 * A reply of the shape dns-answer.c writes without ldns (A/AAAA records of
 * the asked name only, nothing in authority, at most OPT in additional) is
 * byte for byte what ldns renders for the message parsed back.
 */
static void check_direct_bytes(const uint8_t *reply, size_t rlen)
{
	ldns_pkt *p = NULL;
	const ldns_rr_list *an;
	const ldns_rdf *qname;
	uint8_t *wire = NULL;
	size_t n = 0;
	bool direct = true;

	if (ldns_wire2pkt(&p, reply, rlen) != LDNS_STATUS_OK)
		return; /* check_reply() has said it */
	an = ldns_pkt_answer(p);
	qname = ldns_rr_list_rr_count(ldns_pkt_question(p)) == 1
			? ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(p), 0))
			: NULL;
	if (qname == NULL || ldns_pkt_nscount(p) != 0 || ldns_pkt_arcount(p) != 0 || ldns_pkt_tc(p))
		direct = false;
	for (size_t i = 0; direct && i < ldns_rr_list_rr_count(an); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(an, i);

		direct = (ldns_rr_get_type(rr) == LDNS_RR_TYPE_A || ldns_rr_get_type(rr) == LDNS_RR_TYPE_AAAA) &&
			 ldns_dname_compare(ldns_rr_owner(rr), qname) == 0;
	}
	if (direct) {
		FUZZ_CHECK(ldns_pkt2wire(&wire, p, &n) == LDNS_STATUS_OK, "ldns cannot render a reply");
		FUZZ_CHECK(n == rlen && memcmp(wire, reply, n) == 0,
			   "a direct reply of %zu bytes differs from ldns's %zu", rlen, n);
	}
	free(wire);
	ldns_pkt_free(p);
}

static void answer(const uint8_t *data, size_t size, unsigned which)
{
	const SfDnsQuery *q = &G.fixed[which];
	g_auto(SfDnsAnswer) ans = { 0 };
	g_auto(SfDnsAnswer) hit = { 0 };
	SfDnsAnswerResult r;
	SfLearned *learned;
	SfDnsCache *cache;
	SfDnsCounters c = { 0 };

	r = sf_dns_answer_process(data, size, q, SENT_ID, G.enforce, G.nets, G_N_ELEMENTS(G.nets),
				  FUZZ_NOW_MS, &ans);
	sf_dns_counters_answer(&c, r, &ans);
	if (r == SF_DNS_ANSWER_IGNORE)
		return;
	FUZZ_CHECK(ans.reply != NULL, "an answer result without a reply");
	check_reply(ans.reply, ans.reply_len, q->id, "answer");
	check_direct_bytes(ans.reply, ans.reply_len);
	FUZZ_CHECK(G.fixed_tcp[which] || ans.reply_len <= q->udp_size,
		   "a UDP reply of %zu bytes for a client size of %u", ans.reply_len, q->udp_size);
	FUZZ_CHECK(ans.n_learn <= SF_DNS_LEARN_MAX, "%u addresses to learn", ans.n_learn);
	for (unsigned i = 0; i < ans.n_learn; i++) {
		const char *cls = sf_dns_addr_rebinding_class(&ans.learn[i].addr, G.nets,
							      G_N_ELEMENTS(G.nets));

		FUZZ_CHECK(cls == NULL || sf_policy_explicitly_allows(G.enforce, &ans.learn[i].addr),
			   "a %s address is learned from an answer", cls);
		FUZZ_CHECK(ans.learn[i].ttl >= G.enforce->ttl_min && ans.learn[i].ttl <= G.enforce->ttl_max,
			   "learned TTL %u outside the policy's clamp", ans.learn[i].ttl);
	}
	if (r != SF_DNS_ANSWER_REPLY)
		return;
	learned = sf_learned_new(16);
	sf_dns_answer_learn(&ans, q, learned, FUZZ_NOW_MS);
	check_reply(ans.reply, ans.reply_len, q->id, "answer after learning");
	cache = sf_dns_cache_new(4);
	if (sf_dns_cache_insert(cache, q, &ans) &&
	    sf_dns_cache_lookup(cache, q, G.enforce, FUZZ_NOW_MS + 1500, &hit)) {
		check_reply(hit.reply, hit.reply_len, q->id, "cache hit");
		sf_dns_answer_learn(&hit, q, learned, FUZZ_NOW_MS + 1500);
	}
	sf_dns_cache_sweep(cache, FUZZ_NOW_MS + 3600 * 1000);
	sf_dns_cache_free(cache);
	sf_learned_free(learned);
}

/* ---- (4) the fast path for cache hits ---- */

/* A learned address and name as text, for comparing two tables. */
static void dump_learned(const SfLearnedInfo *info, void *data)
{
	char a[48];

	g_string_append_printf(data, "%s %s %" G_GINT64_FORMAT ";",
			       sf_addr_to_string(&info->addr, a, sizeof(a)), info->name, info->expire_ms);
}

/*
 * @msg through the fast path; when it answers, the slow path must send the
 * same bytes and learn the same. Returns whether the fast path answered.
 */
static bool fast(const uint8_t *msg, size_t len, bool tcp, unsigned cap, int64_t now_ms)
{
	static uint8_t fbuf[SF_DNS_MSG_MAX], sbuf[SF_DNS_MSG_MAX];
	g_auto(SfDnsAnswer) ans = { 0 };
	SfLearned *lf, *ls;
	SfDnsFastHit hit;
	SfDnsCounters c = { 0 };
	SfDnsQuery q;
	size_t rlen;
	bool answered;

	lf = sf_learned_new(64);
	answered = sf_dns_fast_answer(G.cache, msg, len, tcp, cap, G.enforce, lf, now_ms, fbuf,
				      sizeof(fbuf), &hit);
	if (!answered) {
		FUZZ_CHECK(sf_learned_count(lf) == 0, "the fast path declined but learned addresses");
		sf_learned_free(lf);
		return false;
	}
	sf_dns_counters_fast(&c, &hit);
	check_reply(fbuf, hit.reply_len, (uint16_t)(msg[0] << 8 | msg[1]), "fast reply");

	/* the slow path, as src/resolver.c runs it */
	FUZZ_CHECK(sf_dns_query_check(msg, len, tcp, G.enforce, &q, sbuf, sizeof(sbuf), &rlen) ==
			   SF_DNS_QUERY_FORWARD,
		   "the fast path answered a query the slow path does not forward");
	if (!tcp && cap > 0)
		q.udp_size = (uint16_t)MIN((unsigned)q.udp_size, cap);
	FUZZ_CHECK(tcp || hit.reply_len <= q.udp_size, "a fast UDP reply of %zu bytes for a limit of %u",
		   hit.reply_len, q.udp_size);
	FUZZ_CHECK(sf_dns_cache_lookup(G.cache, &q, G.enforce, now_ms, &ans),
		   "the fast path answered a query the slow path does not find in the cache");
	ls = sf_learned_new(64);
	sf_dns_answer_learn(&ans, &q, ls, now_ms);
	FUZZ_CHECK(ans.reply != NULL && ans.reply_len == hit.reply_len &&
			   memcmp(ans.reply, fbuf, hit.reply_len) == 0,
		   "the fast reply (%zu bytes) differs from the slow path's (%zu bytes)", hit.reply_len,
		   ans.reply_len);
	FUZZ_CHECK(ans.truncated == hit.truncated && ans.n_learn == hit.n_learn,
		   "the fast path truncated/learned otherwise than the slow path");
	{
		g_autoptr(GString) a = g_string_new(NULL);
		g_autoptr(GString) b = g_string_new(NULL);

		sf_learned_foreach(lf, dump_learned, a);
		sf_learned_foreach(ls, dump_learned, b);
		FUZZ_CHECK(g_string_equal(a, b), "learned: fast \"%s\", slow \"%s\"", a->str, b->str);
	}
	sf_learned_free(ls);
	sf_learned_free(lf);
	return true;
}

/* A query for a cached name shaped by the input (see the theory of operation). */
static void derived(const uint8_t *data, size_t size)
{
	uint8_t m[SF_DNS_MSG_MAX];
	size_t len = 0, rest;
	unsigned which, b2, cap;
	bool tcp, edns, tail, common;
	uint16_t edns_size;
	int64_t now_ms;
	const char *name;
	size_t k = 0;

	if (size < 20)
		return;
	which = data[0] % N_CACHED;
	name = cached[which].name;
	b2 = data[3];
	tcp = data[5] & 1;
	edns = data[5] & 2;
	tail = data[5] & 4;
	if (!(data[5] & 8))
		b2 &= 0x07; /* mostly QUERY: keep AA TC RD only */
	cap = data[6] & 1 ? 512u + data[7] * 8u : 0;
	now_ms = FUZZ_NOW_MS + (int64_t)data[8] * 230; /* under the shortest TTL (60 s) */
	edns_size = (uint16_t)(data[9] << 8 | data[10]);
	m[len++] = data[1];
	m[len++] = data[2];
	m[len++] = (uint8_t)b2;
	m[len++] = data[4];
	memcpy(m + len, (const uint8_t[]){ 0, 1, 0, 0, 0, 0, 0, edns ? 1 : 0 }, 8);
	len += 8;
	/* the name, letter case from data[11..18] */
	for (const char *p = name; *p != '\0';) {
		size_t l = strcspn(p, ".");

		m[len++] = (uint8_t)l;
		for (size_t i = 0; i < l; i++, k++)
			m[len++] = (uint8_t)((data[11 + k % 8] >> (k / 8 % 8)) & 1 ? g_ascii_toupper(p[i])
										   : p[i]);
		p += l;
		if (*p == '.')
			p++;
	}
	m[len++] = 0;
	memcpy(m + len, (const uint8_t[]){ (uint8_t)(cached[which].type >> 8), (uint8_t)cached[which].type,
					   0, 1 }, 4);
	len += 4;
	if (edns) {
		bool cookie = data[5] & 16; /* a client cookie: 8 bytes from the input */

		memcpy(m + len, (const uint8_t[]){ 0, 0, 41, (uint8_t)(edns_size >> 8), (uint8_t)edns_size,
						   data[12], data[13], data[14], data[15], 0, cookie ? 12 : 0 },
		       11);
		len += 11;
		if (cookie) {
			memcpy(m + len, (const uint8_t[]){ 0, 10, 0, 8 }, 4);
			memcpy(m + len + 4, data + 12, 8);
			len += 12;
		}
	}
	rest = size - 20;
	if (tail && rest > 0) {
		rest = MIN(rest, sizeof(m) - len);
		memcpy(m + len, data + 20, rest);
		len += rest;
	}
	common = (b2 & 0xf8) == 0 && !(tail && rest > 0) && (!edns || edns_size >= 512);
	if (fast(m, len, tcp, cap, now_ms))
		return;
	FUZZ_CHECK(!common, "the fast path declined a common query for cached %s", name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	query(data, size, false);
	stream(data, size);
	for (unsigned i = 0; i < G_N_ELEMENTS(G.fixed); i++)
		answer(data, size, i);
	fast(data, size, false, 0, FUZZ_NOW_MS + 1500);
	fast(data, size, true, 0, FUZZ_NOW_MS + 1500);
	derived(data, size);
	return 0;
}
