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
 * and the cache (insert, then a hit later).
 *
 * Properties beyond "no crash": a query is FORWARDed only if the policy
 * allows its name, and the name in the upstream query built for it (parsed
 * back with ldns, independently of q->norm) is exactly the name the policy
 * was asked about: no upstream query for a denied name. DROP only for
 * messages under 12 bytes or with QR set; every built reply parses and
 * carries the client's id. An answer's learned addresses are never in a
 * rebinding range unless the policy explicitly allows them, and a UDP reply
 * fits the client's size.
 */
#include "config.h"

#include <glib.h>
#include <ldns/ldns.h>
#include <string.h>

#include "slirp-filter/dns.h"

#include "fuzz-util.h"

#define SENT_ID 0x4242

static struct {
	SfPolicy *enforce, *audit;
	SfCidr nets[2];
	SfDnsQuery fixed[3];
	bool fixed_tcp[3];
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
	return 0;
}

void fuzz_target_cleanup(void)
{
	sf_policy_free(G.enforce);
	sf_policy_free(G.audit);
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	query(data, size, false);
	stream(data, size);
	for (unsigned i = 0; i < G_N_ELEMENTS(G.fixed); i++)
		answer(data, size, i);
	return 0;
}
