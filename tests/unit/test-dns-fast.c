/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests: the fast path for cache hits (dns-fast.c) against the slow path.
 *
 * Two resolvers are emulated side by side, each with its own cache, learned
 * table and counters filled alike: "slow" runs only the slow path
 * (sf_dns_query_check, sf_dns_cache_lookup, sf_dns_answer_learn), "fast"
 * tries sf_dns_fast_answer() first, as src/resolver.c does. After every
 * query the two must have sent the same bytes and be in the same state.
 */
#include "config.h"

#include <string.h>

#include "dns-test-util.h"

#define POLICY                                                                                     \
	"allow any to *.example.org\n"                                                             \
	"allow any to example.net\n"                                                               \
	"allow any to *.example.net\n"                                                             \
	"deny any to blocked.example.org\n"                                                        \
	"dns ttl-min 30 ttl-max 3600\n"

#define T0 10000 /* ms: when the answers are cached */
#define EDNS_SIZE0 (-2) /* in test_falls_back's cases: an OPT record with UDP size 0 */

/* ---- queries built byte by byte ---- */

typedef struct {
	const char *name;   /* as sent (letter case), no final dot */
	uint16_t qtype, qclass;
	uint16_t id;
	uint8_t b2, b3;     /* header bytes 2 (QR opcode AA TC RD) and 3 (RA Z AD CD rcode) */
	uint16_t qdcount, ancount, nscount; /* 0: the default (1, 0, 0) */
	int edns;           /* -1: no OPT; else its UDP size */
	uint32_t edns_ttl;  /* extended rcode, version, DO */
	const uint8_t *opt_data; /* options */
	size_t opt_len;
	const uint8_t *extra; /* appended as is */
	size_t extra_len;
	int arcount;        /* -1: as the OPT says */
} QSpec;

static void put16(TMsg *m, uint16_t v)
{
	m->b[m->len++] = (uint8_t)(v >> 8);
	m->b[m->len++] = (uint8_t)v;
}

static void put_name(TMsg *m, const char *name)
{
	g_auto(GStrv) labels = g_strsplit(name, ".", -1);

	for (size_t i = 0; labels[i] != NULL; i++) {
		size_t n = strlen(labels[i]);

		if (n == 0)
			continue;
		m->b[m->len++] = (uint8_t)n;
		memcpy(m->b + m->len, labels[i], n);
		m->len += n;
	}
	m->b[m->len++] = 0;
}

static void build(TMsg *m, const QSpec *s)
{
	m->len = 0;
	put16(m, s->id);
	m->b[m->len++] = s->b2;
	m->b[m->len++] = s->b3;
	put16(m, s->qdcount ? s->qdcount : 1);
	put16(m, s->ancount);
	put16(m, s->nscount);
	put16(m, (uint16_t)(s->arcount >= 0 ? s->arcount : s->edns >= 0));
	put_name(m, s->name);
	put16(m, s->qtype);
	put16(m, s->qclass ? s->qclass : LDNS_RR_CLASS_IN);
	if (s->edns >= 0) {
		m->b[m->len++] = 0;
		put16(m, LDNS_RR_TYPE_OPT);
		put16(m, (uint16_t)s->edns);
		put16(m, (uint16_t)(s->edns_ttl >> 16));
		put16(m, (uint16_t)s->edns_ttl);
		put16(m, (uint16_t)s->opt_len);
		if (s->opt_len > 0) /* (opt_data may be NULL then) */
			memcpy(m->b + m->len, s->opt_data, s->opt_len);
		m->len += s->opt_len;
	}
	if (s->extra_len > 0) {
		memcpy(m->b + m->len, s->extra, s->extra_len);
		m->len += s->extra_len;
	}
}

/* ---- two resolvers ---- */

typedef struct {
	SfDnsCache *cache;
	SfLearned *learned;
	SfDnsCounters c;
	bool use_fast;
} Side;

typedef struct {
	const SfPolicy *policy;
	Side slow, fast;
} Pair;

typedef enum { R_NONE, R_REPLY, R_UPSTREAM } Outcome;

/* One query as src/resolver.c handles it; *@fast: the fast path answered. */
static Outcome side_query(Side *s, const SfPolicy *policy, const TMsg *m, bool tcp, unsigned cap,
			  int64_t now_ms, TMsg *out, bool *fast)
{
	g_auto(SfDnsAnswer) ans = { 0 };
	SfDnsFastHit hit;
	SfDnsQuery q;
	SfDnsVerdict v;
	size_t rlen = 0;

	*fast = false;
	out->len = 0;
	if (s->use_fast && sf_dns_fast_answer(s->cache, m->b, m->len, tcp, cap, policy, s->learned,
					      now_ms, out->b, sizeof(out->b), &hit)) {
		sf_dns_counters_fast(&s->c, &hit);
		out->len = hit.reply_len;
		*fast = true;
		return R_REPLY;
	}
	v = sf_dns_query_check(m->b, m->len, tcp, policy, &q, out->b, sizeof(out->b), &rlen);
	sf_dns_counters_query(&s->c, v, &q);
	if (v == SF_DNS_QUERY_DROP)
		return R_NONE;
	if (v == SF_DNS_QUERY_REFUSE) {
		out->len = rlen;
		return R_REPLY;
	}
	if (!tcp && cap > 0)
		q.udp_size = (uint16_t)MIN((unsigned)q.udp_size, cap);
	if (!sf_dns_cache_lookup(s->cache, &q, policy, now_ms, &ans))
		return R_UPSTREAM;
	sf_dns_counters_answer(&s->c, ans.result, &ans);
	sf_dns_answer_learn(&ans, &q, s->learned, now_ms);
	if (ans.reply == NULL)
		return R_NONE;
	memcpy(out->b, ans.reply, ans.reply_len);
	out->len = ans.reply_len;
	return R_REPLY;
}

static void dump_one(const SfLearnedInfo *info, void *data)
{
	char a[48];

	g_ptr_array_add(data, g_strdup_printf("%s %s %" G_GINT64_FORMAT,
					      sf_addr_to_string(&info->addr, a, sizeof(a)), info->name,
					      info->expire_ms));
}

static gint cmp_lines(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *learned_dump(const SfLearned *l)
{
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);

	sf_learned_foreach(l, dump_one, lines);
	g_ptr_array_sort(lines, cmp_lines);
	g_ptr_array_add(lines, NULL);
	return g_strjoinv("\n", (char **)lines->pdata);
}

/* The two sides are in the same state (fast path counters aside). */
static void assert_same_state(const Pair *p)
{
	SfDnsCounters a = p->slow.c, b = p->fast.c;
	SfDnsCacheStats sa, sb;
	g_autofree char *la = learned_dump(p->slow.learned);
	g_autofree char *lb = learned_dump(p->fast.learned);

	g_assert_cmpuint(a.cache_fast, ==, 0);
	b.cache_fast = 0;
	g_assert_cmpmem(&a, sizeof(a), &b, sizeof(b));
	sf_dns_cache_stats(p->slow.cache, &sa);
	sf_dns_cache_stats(p->fast.cache, &sb);
	g_assert_cmpuint(sa.fast_hits, ==, 0);
	sb.fast_hits = 0;
	g_assert_cmpmem(&sa, sizeof(sa), &sb, sizeof(sb));
	g_assert_cmpuint(sf_dns_cache_count(p->slow.cache), ==, sf_dns_cache_count(p->fast.cache));
	g_assert_cmpstr(la, ==, lb);
}

/*
 * Runs @m through both sides and compares. Returns whether the fast path
 * answered; @want_fast: 1 it must, 0 it must not, -1 either. The reply goes
 * to @reply when not NULL.
 */
static bool both_reply(Pair *p, const TMsg *m, bool tcp, unsigned cap, int64_t now_ms,
		       int want_fast, TMsg *reply)
{
	static TMsg a, b;
	bool fa, fb;
	Outcome oa = side_query(&p->slow, p->policy, m, tcp, cap, now_ms, &a, &fa);
	Outcome ob = side_query(&p->fast, p->policy, m, tcp, cap, now_ms, &b, &fb);

	g_assert_false(fa);
	if (want_fast >= 0)
		g_assert_cmpint(fb, ==, want_fast);
	g_assert_cmpint(oa, ==, ob);
	g_assert_cmpmem(a.b, a.len, b.b, b.len);
	assert_same_state(p);
	if (reply != NULL) {
		memcpy(reply->b, b.b, b.len);
		reply->len = b.len;
	}
	return fb;
}

static bool both(Pair *p, const TMsg *m, bool tcp, unsigned cap, int64_t now_ms, int want_fast)
{
	return both_reply(p, m, tcp, cap, now_ms, want_fast, NULL);
}

static void pair_init(Pair *p, const SfPolicy *policy, uint32_t learned_max)
{
	p->policy = policy;
	p->slow = (Side){ .cache = sf_dns_cache_new(0), .learned = sf_learned_new(learned_max) };
	p->fast = (Side){ .cache = sf_dns_cache_new(0), .learned = sf_learned_new(learned_max),
			  .use_fast = true };
}

static void pair_clear(Pair *p)
{
	sf_dns_cache_free(p->slow.cache);
	sf_dns_cache_free(p->fast.cache);
	sf_learned_free(p->slow.learned);
	sf_learned_free(p->fast.learned);
}

/* Caches the answer @rrs for @name/@type in both caches at @now_ms; returns its cache TTL. */
static uint32_t fill(Pair *p, const SfPolicy *policy, const char *name, uint16_t type,
		     uint8_t rcode, const char *const *rrs, int64_t now_ms)
{
	g_auto(SfDnsAnswer) ans = { 0 };
	SfDnsQuery q;
	TMsg m;

	t_forward(policy, name, type, 1, 0, false, &q);
	t_answer(&m, 0x4000, name, type, rcode, rrs);
	g_assert_cmpint(sf_dns_answer_process(m.b, m.len, &q, 0x4000, policy, NULL, 0, now_ms, &ans),
			==, SF_DNS_ANSWER_REPLY);
	g_assert_true(sf_dns_cache_insert(p->slow.cache, &q, &ans));
	g_assert_true(sf_dns_cache_insert(p->fast.cache, &q, &ans));
	return ans.cache_ttl;
}

/* ---- the entries ---- */

typedef struct {
	const char *name;
	uint16_t type;
	uint8_t rcode;
	const char *const *rrs;
	uint32_t cache_ttl;
} Entry;

static const char *const www_a[] = {
	"www.example.org. 300 IN CNAME Edge.CDN.example.NET.",
	"edge.cdn.example.net. 120 IN CNAME e2.cdn.example.net.",
	"e2.cdn.example.net. 60 IN A 198.51.100.20",
	"e2.cdn.example.net. 60 IN A 198.51.100.21",
	"other.example.net. 60 IN A 198.51.100.99", /* unrelated: dropped */
	"ns:example.org. 300 IN NS ns1.example.org.",
	"ar:ns1.example.org. 300 IN A 198.51.100.53",
	NULL
};
static const char *const www_aaaa[] = {
	"www.example.org. 300 IN AAAA 2001:db8::1",
	"WWW.example.org. 200 IN AAAA 2001:db8::2",
	NULL
};
static const char *const gone[] = {
	"ns:example.org. 3600 IN SOA ns.example.org. h.example.org. 1 7200 3600 1209600 60", NULL
};
static const char *const nodata[] = {
	"ns:example.org. 3600 IN SOA ns.example.org. h.example.org. 1 7200 3600 1209600 90", NULL
};
static const char *const mx[] = {
	"mx.example.org. 300 IN MX 10 mail.example.org.",
	"mx.example.org. 300 IN MX 20 mx2.Example.ORG.",
	"mx.example.org. 300 IN MX 30 mx.example.org.",
	NULL
};
static const char *const srv[] = {
	"_sip._tcp.example.org. 300 IN SRV 10 5 5060 sip.example.org.", NULL
};
static const char *const odd[] = { "a-b_c.9x.example.net. 77 IN A 203.0.113.9", NULL };
static const char *const apex[] = { "example.net. 3600 IN A 203.0.113.10", NULL };
static const char *const https[] = {
	"www.example.org. 300 IN HTTPS 1 . alpn=h2 ipv4hint=198.51.100.20", NULL
};
static const char *const cname_only[] = {
	"sub.example.org. 300 IN CNAME www.example.org.", NULL
};
static const char *const v4v6[] = {
	"dual.example.org. 300 IN CNAME dual.cdn.example.net.",
	"dual.cdn.example.net. 300 IN AAAA 2001:db8:1::10",
	"dual.cdn.example.net. 300 IN AAAA 2001:db8:1::11",
	NULL
};

/* 40 AAAA records (TC at 512), and TXT records over 1452 bytes (TC at 1232 and under the MTU cap). */
static GPtrArray *big_aaaa(void)
{
	GPtrArray *rrs = g_ptr_array_new_with_free_func(g_free);

	for (int i = 0; i < 40; i++)
		g_ptr_array_add(rrs, g_strdup_printf("big.example.org. %d IN AAAA 2001:db8::%x", 300 + i,
						     i + 1));
	g_ptr_array_add(rrs, NULL);
	return rrs;
}

static GPtrArray *big_txt(void)
{
	GPtrArray *rrs = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *s = g_strnfill(200, 'x');

	for (int i = 0; i < 10; i++)
		g_ptr_array_add(rrs, g_strdup_printf("huge.example.org. 600 IN TXT \"%d%s\"", i, s));
	g_ptr_array_add(rrs, NULL);
	return rrs;
}

/* A name of 249 characters under example.org. */
static char *long_name(void)
{
	g_autofree char *a = g_strnfill(63, 'a');
	g_autofree char *b = g_strnfill(63, 'b');
	g_autofree char *c = g_strnfill(63, 'c');
	g_autofree char *d = g_strnfill(45, 'd');
	char *n = g_strdup_printf("%s.%s.%s.%s.example.org", a, b, c, d);

	g_assert_cmpuint(strlen(n), ==, 249);
	return n;
}

/* @name with letters in upper case where @mask says (0: as is; ~0: all) */
static char *with_case(const char *name, uint64_t mask)
{
	char *s = g_strdup(name);

	for (size_t i = 0; s[i] != '\0'; i++)
		if (mask & (1ull << (i % 64)))
			s[i] = g_ascii_toupper(s[i]);
		else
			s[i] = g_ascii_tolower(s[i]);
	return s;
}

static void test_same_as_slow_path(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(GPtrArray) big = big_aaaa();
	g_autoptr(GPtrArray) txt = big_txt();
	g_autofree char *lname = long_name();
	const char *const lrr_fmt = "%s. 400 IN A 203.0.113.77";
	g_autofree char *lrr = g_strdup_printf(lrr_fmt, lname);
	const char *lrrs[] = { lrr, NULL };
	Entry entries[] = {
		{ "www.example.org", LDNS_RR_TYPE_A, 0, www_a, 0 },
		{ "www.example.org", LDNS_RR_TYPE_AAAA, 0, www_aaaa, 0 },
		{ "big.example.org", LDNS_RR_TYPE_AAAA, 0, (const char *const *)big->pdata, 0 },
		{ "huge.example.org", LDNS_RR_TYPE_TXT, 0, (const char *const *)txt->pdata, 0 },
		{ "gone.example.org", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, gone, 0 },
		{ "v4only.example.org", LDNS_RR_TYPE_AAAA, 0, nodata, 0 },
		{ "mx.example.org", LDNS_RR_TYPE_MX, 0, mx, 0 },
		{ "_sip._tcp.example.org", LDNS_RR_TYPE_SRV, 0, srv, 0 },
		{ "a-b_c.9x.example.net", LDNS_RR_TYPE_A, 0, odd, 0 },
		{ "example.net", LDNS_RR_TYPE_A, 0, apex, 0 },
		{ "www.example.org", LDNS_RR_TYPE_HTTPS, 0, https, 0 },
		{ "sub.example.org", LDNS_RR_TYPE_CNAME, 0, cname_only, 0 },
		{ "dual.example.org", LDNS_RR_TYPE_AAAA, 0, v4v6, 0 },
		{ lname, LDNS_RR_TYPE_A, 0, lrrs, 0 },
	};
	static const int edns[] = { -1, 512, 1232, 1400, 4096, 65535, 1452, 600 };
	static const uint32_t edns_ttl[] = { 0, 0x8000, 0x00010000, 0x01008000 };
	/* no option, a client cookie (dig, c-ares), client and server cookie */
	static const uint8_t cookie8[] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t cookie24[] = { 0, 10, 0, 24, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
					    13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24 };
	static const struct { const uint8_t *b; size_t n; } opts[] = {
		{ NULL, 0 }, { cookie8, sizeof(cookie8) }, { cookie24, sizeof(cookie24) },
	};
	static const struct { bool tcp; unsigned cap; } how[] = {
		{ false, 0 }, { false, 1452 }, { false, 512 }, { true, 1452 },
	};
	static const uint8_t b2_extra[] = { 0, 0x04, 0x02, 0x06 };  /* AA, TC in the query */
	static const uint8_t b3_extra[] = { 0, 0x10, 0x20, 0x40, 0x30, 0x8f }; /* CD, AD, Z, RA+rcode */
	unsigned n_fast = 0, n_tc = 0, n = 0;
	Pair p;

	pair_init(&p, policy, 1024);
	for (size_t e = 0; e < G_N_ELEMENTS(entries); e++)
		entries[e].cache_ttl = fill(&p, policy, entries[e].name, entries[e].type,
					    entries[e].rcode, entries[e].rrs, T0);
	for (size_t e = 0; e < G_N_ELEMENTS(entries); e++) {
		const Entry *en = &entries[e];
		int64_t ages[] = { 0, 999, 1500, en->cache_ttl * 500 + 123,
				   (int64_t)en->cache_ttl * 1000 - 1 };

		for (size_t a = 0; a < G_N_ELEMENTS(ages); a++) {
			for (unsigned cs = 0; cs < 3; cs++) {
				uint64_t mask = cs == 0 ? 0 : cs == 1 ? ~(uint64_t)0
								     : ((uint64_t)g_test_rand_int() << 32 |
									(uint32_t)g_test_rand_int());
				g_autofree char *name = with_case(en->name, mask);

				for (unsigned rd = 0; rd < 2; rd++)
					for (size_t x = 0; x < G_N_ELEMENTS(edns); x++)
						for (size_t h = 0; h < G_N_ELEMENTS(how); h++) {
							QSpec s = {
								.name = name, .qtype = en->type,
								.id = (uint16_t)g_test_rand_int(),
								.b2 = (uint8_t)(rd |
										b2_extra[n % G_N_ELEMENTS(b2_extra)]),
								.b3 = b3_extra[(n / 4) % G_N_ELEMENTS(b3_extra)],
								.edns = edns[x],
								.edns_ttl = edns_ttl[n % G_N_ELEMENTS(edns_ttl)],
								.opt_data = edns[x] >= 0 ? opts[n % 3].b : NULL,
								.opt_len = edns[x] >= 0 ? opts[n % 3].n : 0,
								.arcount = -1,
							};
							static TMsg m, out;

							build(&m, &s);
							if (both_reply(&p, &m, how[h].tcp, how[h].cap,
								       T0 + ages[a], 1, &out))
								n_fast++;
							n++;
							if (out.b[2] & 0x02)
								n_tc++;
							g_assert_cmpuint(out.b[0] << 8 | out.b[1], ==, s.id);
							g_assert_cmpmem(out.b + 12, strlen(name) + 2, m.b + 12,
									strlen(name) + 2);
						}
			}
		}
	}
	g_assert_cmpuint(n_fast, ==, n);
	g_assert_cmpuint(n_tc, >, 0);
	g_assert_cmpuint(p.fast.c.cache_fast, ==, n);
	{
		SfDnsCacheStats st;

		sf_dns_cache_stats(p.fast.cache, &st);
		g_assert_cmpuint(st.fast_hits, ==, n);
		g_assert_cmpuint(st.hits, ==, n);
	}
	/* the reply is what the client expects: parsed, TTLs aged */
	{
		TMsg m, out;
		bool fast;
		QSpec s = { .name = "WwW.ExAmPlE.oRg", .qtype = LDNS_RR_TYPE_A, .id = 77, .b2 = 1,
			    .edns = 1232, .arcount = -1 };
		g_autoptr(ldns_pkt) r = NULL;
		g_autofree char *qn = NULL;

		build(&m, &s);
		side_query(&p.fast, policy, &m, false, 0, T0 + 50500, &out, &fast);
		g_assert_true(fast);
		r = t_parse(out.b, out.len);
		qn = t_qname(r);
		g_assert_cmpstr(qn, ==, "WwW.ExAmPlE.oRg");
		g_assert_cmpuint(ldns_pkt_id(r), ==, 77);
		g_assert_true(ldns_pkt_rd(r));
		g_assert_true(ldns_pkt_ra(r));
		g_assert_true(ldns_pkt_edns(r));
		g_assert_cmpuint(ldns_pkt_edns_udp_size(r), ==, SF_DNS_EDNS_SIZE);
		g_assert_cmpuint(t_count(r, LDNS_RR_TYPE_CNAME), ==, 2);
		g_assert_cmpuint(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(r), 0)), ==, 250);
		g_assert_cmpuint(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(r), 3)), ==, 10);
		g_assert_true(t_has_addr(r, "198.51.100.21"));
	}
	pair_clear(&p);
}

/* The fast path is taken for the common query and re-arms the addresses; a miss is not. */
static void test_taken_and_rearms(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	QSpec s = { .name = "www.example.org", .qtype = LDNS_RR_TYPE_A, .id = 1, .b2 = 1,
		    .edns = -1, .arcount = -1 };
	const char *names[4];
	int64_t expires[4];
	SfAddr a20 = t_addr("198.51.100.20");
	TMsg m;
	Pair p;

	pair_init(&p, policy, 1024);
	build(&m, &s);
	/* not cached yet: both go upstream */
	g_assert_false(both(&p, &m, false, 0, T0, 0));
	fill(&p, policy, "www.example.org", LDNS_RR_TYPE_A, 0, www_a, T0);
	g_assert_true(both(&p, &m, false, 0, T0 + 5000, 1));
	g_assert_cmpuint(p.fast.c.cache_fast, ==, 1);
	g_assert_cmpuint(p.fast.c.cache_hits, ==, 1);
	/* the A record's TTL was 60: 55 s left, clamped to ttl-min 30..3600 */
	g_assert_cmpuint(sf_learned_lookup(p.fast.learned, &a20, T0 + 5000, names, expires, 4), ==, 1);
	g_assert_cmpstr(names[0], ==, "www.example.org");
	g_assert_cmpint(expires[0], ==, T0 + 5000 + 55000);
	/* 40 s later: re-armed again, for the remaining 20 s clamped up to 30 */
	g_assert_true(both(&p, &m, false, 0, T0 + 45000, 1));
	g_assert_cmpuint(sf_learned_lookup(p.fast.learned, &a20, T0 + 45000, names, expires, 4), ==, 1);
	g_assert_cmpint(expires[0], ==, T0 + 45000 + 30000);
	/* expired: the slow path counts the miss and removes it */
	g_assert_false(both(&p, &m, false, 0, T0 + 60000, 0));
	g_assert_cmpuint(sf_dns_cache_count(p.fast.cache), ==, 0);
	pair_clear(&p);
}

/* Everything the fast path must leave to the slow path, and the state stays the same. */
static void test_falls_back(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(SfPolicy) stricter = t_policy("allow any to example.net\ndeny any to www.example.org\n");
	static const uint8_t ecs[] = { 0, 8, 0, 7, 0, 1, 24, 0, 192, 0, 2 };
	static const uint8_t padding[] = { 0, 12, 0, 0 };
	static const uint8_t unknown[] = { 0xfd, 0xe9, 0, 1, 0 };
	static const uint8_t cookie_short[] = { 0, 10, 0, 7, 1, 2, 3, 4, 5, 6, 7 };
	static const uint8_t cookie_12[] = { 0, 10, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	static const uint8_t cookie_bad_len[] = { 0, 10, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t cookie_and_padding[] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 12, 0, 0 };
	/* a second question (the same name again), an A record, a byte of garbage */
	static const uint8_t q2[] = { 3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'o',
				      'r', 'g', 0, 0, 1, 0, 1 };
	static const uint8_t a_rr[] = { 0, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1 };
	static const uint8_t junk[] = { 0 };
	static const uint8_t opt_ok[] = { 0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 0 };
	static const uint8_t opt_named[] = { 1, 'x', 0, 0, 41, 4, 208, 0, 0, 0, 0, 0, 0 };
	const QSpec base = { .name = "www.example.org", .qtype = LDNS_RR_TYPE_A, .id = 9, .b2 = 1,
			     .edns = -1, .arcount = -1 };
	struct {
		const char *what;
		QSpec s;
	} cases[] = {
		{ "two questions", { .qdcount = 2, .extra = q2, .extra_len = sizeof(q2) } },
		{ "no question", { .qdcount = 0xffff } },
		{ "EDNS client subnet option", { .edns = 1232, .opt_data = ecs, .opt_len = sizeof(ecs) } },
		{ "EDNS padding option", { .edns = 1232, .opt_data = padding, .opt_len = sizeof(padding) } },
		{ "EDNS unknown option", { .edns = 1232, .opt_data = unknown, .opt_len = sizeof(unknown) } },
		{ "EDNS cookie of 7 bytes", { .edns = 1232, .opt_data = cookie_short,
					      .opt_len = sizeof(cookie_short) } },
		{ "EDNS cookie of 12 bytes", { .edns = 1232, .opt_data = cookie_12,
					       .opt_len = sizeof(cookie_12) } },
		{ "EDNS cookie longer than its option", { .edns = 1232, .opt_data = cookie_bad_len,
							  .opt_len = sizeof(cookie_bad_len) } },
		{ "EDNS cookie and padding", { .edns = 1232, .opt_data = cookie_and_padding,
					       .opt_len = sizeof(cookie_and_padding) } },
		{ "EDNS size under 512", { .edns = 511 } },
		{ "EDNS size 0", { .edns = EDNS_SIZE0 } },
		{ "opcode IQUERY", { .b2 = 0x08 | 1 } },
		{ "opcode STATUS", { .b2 = 0x10 | 1 } },
		{ "opcode NOTIFY", { .b2 = 0x20 | 1 } },
		{ "opcode UPDATE", { .b2 = 0x28 } },
		{ "QR set", { .b2 = 0x81 } },
		{ "an answer record", { .ancount = 1, .extra = a_rr, .extra_len = sizeof(a_rr) } },
		{ "an authority record", { .nscount = 1, .extra = a_rr, .extra_len = sizeof(a_rr) } },
		{ "an additional A record", { .arcount = 1, .extra = a_rr, .extra_len = sizeof(a_rr) } },
		{ "two OPT records", { .edns = 1232, .arcount = 2, .extra = opt_ok,
				       .extra_len = sizeof(opt_ok) } },
		{ "OPT with an owner", { .arcount = 1, .extra = opt_named, .extra_len = sizeof(opt_named) } },
		{ "trailing byte", { .extra = junk, .extra_len = 1 } },
		{ "trailing byte after OPT", { .edns = 1232, .extra = junk, .extra_len = 1 } },
		{ "ARCOUNT 1 without a record", { .arcount = 1 } },
		{ "class CH", { .qclass = LDNS_RR_CLASS_CH } },
		{ "class ANY", { .qclass = LDNS_RR_CLASS_ANY } },
		{ "qtype ANY", { .qtype = LDNS_RR_TYPE_ANY } },
		{ "qtype AXFR", { .qtype = LDNS_RR_TYPE_AXFR } },
		{ "qtype OPT", { .qtype = LDNS_RR_TYPE_OPT } },
		{ "not cached (type)", { .qtype = LDNS_RR_TYPE_TXT } },
		{ "not cached (name)", { .name = "ftp.example.org" } },
		{ "a name with a space", { .name = "w w.example.org" } },
		{ "a name with '*'", { .name = "*.example.org" } },
		{ "a name with a high byte", { .name = "ww\xc3\xa9.example.org" } },
		{ "the root", { .name = "" } },
		{ "a denied name", { .name = "blocked.example.org" } },
		{ "the canary", { .name = "use-application-dns.net" } },
	};
	TMsg m;
	Pair p;

	pair_init(&p, policy, 1024);
	fill(&p, policy, "www.example.org", LDNS_RR_TYPE_A, 0, www_a, T0);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		QSpec s = base;
		const QSpec *c = &cases[i].s;

		g_test_message("%s", cases[i].what);
		if (c->name != NULL)
			s.name = c->name;
		if (c->qtype != 0)
			s.qtype = c->qtype;
		s.qclass = c->qclass;
		if (c->b2 != 0)
			s.b2 = c->b2;
		s.qdcount = c->qdcount == 0xffff ? 0 : c->qdcount;
		s.ancount = c->ancount;
		s.nscount = c->nscount;
		if (c->edns != 0) /* 0: none, as in base */
			s.edns = c->edns == EDNS_SIZE0 ? 0 : c->edns;
		s.opt_data = c->opt_data;
		s.opt_len = c->opt_len;
		s.extra = c->extra;
		s.extra_len = c->extra_len;
		s.arcount = c->arcount != 0 ? c->arcount : -1;
		build(&m, &s);
		if (c->qdcount == 0xffff) /* QDCOUNT 0 with the question still there */
			m.b[5] = 0;
		both(&p, &m, false, 0, T0 + 1000, 0);
		both(&p, &m, true, 0, T0 + 1000, 0);
	}

	/* a compression pointer as the question name (to the name of a first question) */
	{
		QSpec s = base;

		build(&m, &s);
		m.b[12] = 0xc0;
		m.b[13] = 12;
		both(&p, &m, false, 0, T0 + 1000, 0);
	}
	/* a label of 64 bytes, and every prefix of a good query */
	{
		g_autofree char *l64 = g_strnfill(64, 'a');
		g_autofree char *name = g_strdup_printf("%s.example.org", l64);
		QSpec s = base;

		s.name = name;
		build(&m, &s);
		both(&p, &m, false, 0, T0 + 1000, 0);
		s = base;
		s.edns = 1232;
		build(&m, &s);
		for (size_t len = 0; len < m.len; len++) {
			TMsg cut = m;

			cut.len = len;
			both(&p, &cut, false, 0, T0 + 1000, 0);
		}
		both(&p, &m, false, 0, T0 + 1000, 1);
	}
	/* NULL and short input */
	{
		SfDnsFastHit hit;
		uint8_t out[512];

		g_assert_false(sf_dns_fast_answer(p.fast.cache, NULL, 0, false, 0, policy, p.fast.learned,
						  T0, out, sizeof(out), &hit));
		g_assert_false(sf_dns_fast_answer(p.fast.cache, m.b, 11, false, 0, policy, p.fast.learned,
						  T0, out, sizeof(out), &hit));
		/* a reply buffer too small */
		g_assert_false(sf_dns_fast_answer(p.fast.cache, m.b, m.len, false, 0, policy,
						  p.fast.learned, T0, out, 40, &hit));
		g_assert_true(sf_dns_fast_answer(p.fast.cache, m.b, m.len, false, 0, policy,
						 p.fast.learned, T0, out, sizeof(out), &hit));
	}
	/* the policy changed without the cache being cleared: the slow path decides */
	{
		QSpec s = base;
		SfDnsFastHit hit;
		uint8_t out[512];

		build(&m, &s);
		g_assert_false(sf_dns_fast_answer(p.fast.cache, m.b, m.len, false, 0, stricter,
						  p.fast.learned, T0 + 1000, out, sizeof(out), &hit));
	}
	pair_clear(&p);
}

/* Audit mode: a name enforce mode would refuse is answered (and audited) by the slow path. */
static void test_audit_mode_falls_back(void)
{
	g_autoptr(SfPolicy) policy = t_policy("mode audit\nallow any to www.example.org\n"
					      "deny any to blocked.example.org\n");
	const char *rrs[] = { "other.example.org. 300 IN A 198.51.100.7", NULL };
	const char *brrs[] = { "blocked.example.org. 300 IN A 198.51.100.8", NULL };
	QSpec s = { .name = "other.example.org", .qtype = LDNS_RR_TYPE_A, .id = 3, .b2 = 1,
		    .edns = -1, .arcount = -1 };
	TMsg m;
	Pair p;

	pair_init(&p, policy, 1024);
	fill(&p, policy, "other.example.org", LDNS_RR_TYPE_A, 0, rrs, T0);
	fill(&p, policy, "blocked.example.org", LDNS_RR_TYPE_A, 0, brrs, T0);
	fill(&p, policy, "www.example.org", LDNS_RR_TYPE_A, 0, www_a, T0);
	build(&m, &s);
	both(&p, &m, false, 0, T0 + 1000, 0);
	s.name = "blocked.example.org";
	build(&m, &s);
	both(&p, &m, false, 0, T0 + 1000, 0);
	s.name = "www.example.org";
	build(&m, &s);
	both(&p, &m, false, 0, T0 + 1000, 1);
	pair_clear(&p);
}

/* An entry cached under a wider `dns allow-qtypes` is not served once the policy narrows it. */
static void test_qtype_list_falls_back(void)
{
	g_autoptr(SfPolicy) wide = t_policy("allow any to www.example.org\n"
					    "dns allow-qtypes TYPE65280\n");
	g_autoptr(SfPolicy) narrow = t_policy("allow any to www.example.org\n");
	const char *rrs[] = { "www.example.org. 300 IN TYPE65280 \\# 4 01020304", NULL };
	QSpec s = { .name = "www.example.org", .qtype = 65280, .id = 3, .b2 = 1, .edns = -1,
		    .arcount = -1 };
	TMsg m;
	Pair p;

	pair_init(&p, wide, 1024);
	fill(&p, wide, "www.example.org", 65280, 0, rrs, T0);
	build(&m, &s);
	both(&p, &m, false, 0, T0 + 1000, 1); /* served fast while the list has it */
	p.policy = narrow;
	both(&p, &m, false, 0, T0 + 1000, 0); /* then the slow path's refusal */
	pair_clear(&p);
}

/* A learned table without room: the slow path strips what it cannot open, so it answers. */
static void test_learned_full_falls_back(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	QSpec s = { .name = "www.example.org", .qtype = LDNS_RR_TYPE_AAAA, .id = 3, .b2 = 1,
		    .edns = -1, .arcount = -1 };
	TMsg m, out;
	bool fast;
	Pair p;

	pair_init(&p, policy, 1);
	fill(&p, policy, "www.example.org", LDNS_RR_TYPE_AAAA, 0, www_aaaa, T0);
	build(&m, &s);
	both(&p, &m, false, 0, T0 + 1000, 0);
	g_assert_cmpuint(p.fast.c.cache_fast, ==, 0);
	side_query(&p.fast, policy, &m, false, 0, T0 + 2000, &out, &fast);
	g_assert_false(fast);
	{
		g_autoptr(ldns_pkt) r = t_parse(out.b, out.len);

		g_assert_true(t_has_addr(r, "2001:db8::1"));
		g_assert_false(t_has_addr(r, "2001:db8::2"));
	}
	pair_clear(&p);
}

/* The counters of a fast hit are those of a slow-path hit (sf_dns_counters_fast). */
static void test_counters(void)
{
	SfDnsCounters c = { 0 };
	SfDnsFastHit hit = { .reply_len = 100, .truncated = true };

	sf_dns_counters_fast(&c, &hit);
	g_assert_cmpuint(c.queries, ==, 1);
	g_assert_cmpuint(c.forwarded, ==, 1);
	g_assert_cmpuint(c.answers, ==, 1);
	g_assert_cmpuint(c.cache_hits, ==, 1);
	g_assert_cmpuint(c.cache_fast, ==, 1);
	g_assert_cmpuint(c.truncated, ==, 1);
	g_assert_cmpuint(c.refused + c.dropped + c.ignored, ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/dns/fast/same-as-slow-path", test_same_as_slow_path);
	g_test_add_func("/dns/fast/taken-and-rearms", test_taken_and_rearms);
	g_test_add_func("/dns/fast/falls-back", test_falls_back);
	g_test_add_func("/dns/fast/audit-mode-falls-back", test_audit_mode_falls_back);
	g_test_add_func("/dns/fast/learned-full-falls-back", test_learned_full_falls_back);
	g_test_add_func("/dns/fast/counters", test_counters);
	g_test_add_func("/dns/fast/qtype-list-falls-back", test_qtype_list_falls_back);
	return g_test_run();
}
