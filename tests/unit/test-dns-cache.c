/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the answer cache: aged hits for new ids and case, expiry, eviction, negatives. */
#include "config.h"

#include <string.h>

#include "dns-test-util.h"

#define POLICY "allow any to *.example.org\ndns ttl-min 30 ttl-max 3600\n"

/* Processes an answer for @name at @now_ms and inserts it into @cache. */
static bool fill(SfDnsCache *cache, const SfPolicy *policy, const char *name, uint16_t type,
		 uint8_t rcode, const char *const *rrs, int64_t now_ms)
{
	g_auto(SfDnsAnswer) ans = { 0 };
	SfDnsQuery q;
	TMsg m;

	t_forward(policy, name, type, 1, 0, false, &q);
	t_answer(&m, 0x4000, name, type, rcode, rrs);
	g_assert_cmpint(sf_dns_answer_process(m.b, m.len, &q, 0x4000, policy, NULL, 0, now_ms, &ans),
			==, SF_DNS_ANSWER_REPLY);
	return sf_dns_cache_insert(cache, &q, &ans);
}

static bool hit(SfDnsCache *cache, const SfPolicy *policy, const char *name, uint16_t type,
		uint16_t id, int64_t now_ms, SfDnsAnswer *ans)
{
	SfDnsQuery q;

	t_forward(policy, name, type, id, 0, false, &q);
	return sf_dns_cache_lookup(cache, &q, policy, now_ms, ans);
}

static void test_hit_aged(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(SfDnsCache) cache = sf_dns_cache_new(0);
	const char *rrs[] = { "www.example.org. 300 IN CNAME edge.cdn.example.net.",
			      "edge.cdn.example.net. 120 IN A 198.51.100.20", NULL };
	g_auto(SfDnsAnswer) ans = { 0 };
	g_autoptr(ldns_pkt) p = NULL;
	g_autofree char *qn = NULL;
	SfDnsCacheStats st;

	g_assert_true(fill(cache, policy, "www.example.org", LDNS_RR_TYPE_A, 0, rrs, 10000));
	g_assert_cmpuint(sf_dns_cache_count(cache), ==, 1);

	/* 100.5 s later, another id, another case */
	g_assert_true(hit(cache, policy, "WWW.Example.ORG", LDNS_RR_TYPE_A, 0x9999, 110500, &ans));
	g_assert_true(ans.from_cache);
	g_assert_cmpint(ans.result, ==, SF_DNS_ANSWER_REPLY);
	/* the learn list comes back with the remaining TTL: re-armed on every hit */
	g_assert_cmpuint(ans.n_learn, ==, 1);
	g_assert_cmpuint(ans.learn[0].record_ttl, ==, 20);
	g_assert_cmpuint(ans.learn[0].ttl, ==, 30); /* ttl-min */
	p = t_parse(ans.reply, ans.reply_len);
	g_assert_cmpuint(ldns_pkt_id(p), ==, 0x9999);
	qn = t_qname(p);
	g_assert_cmpstr(qn, ==, "WWW.Example.ORG");
	g_assert_cmpuint(t_count(p, LDNS_RR_TYPE_CNAME), ==, 1);
	g_assert_cmpuint(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 0)), ==, 200);
	g_assert_cmpuint(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 1)), ==, 20);
	g_assert_true(t_has_addr(p, "198.51.100.20"));

	/* another type is another key */
	{
		g_auto(SfDnsAnswer) a2 = { 0 };

		g_assert_false(hit(cache, policy, "www.example.org", LDNS_RR_TYPE_AAAA, 1, 110500, &a2));
	}
	sf_dns_cache_stats(cache, &st);
	g_assert_cmpuint(st.hits, ==, 1);
	g_assert_cmpuint(st.misses, ==, 1);
	g_assert_cmpuint(st.inserts, ==, 1);
}

static void test_hit_edns_and_truncation(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(SfDnsCache) cache = sf_dns_cache_new(0);
	g_autoptr(GPtrArray) rrs = g_ptr_array_new_with_free_func(g_free);
	SfDnsQuery q;

	for (int i = 0; i < 40; i++)
		g_ptr_array_add(rrs, g_strdup_printf("big.example.org. 300 IN AAAA 2001:db8::%x", i + 1));
	g_ptr_array_add(rrs, NULL);
	g_assert_true(fill(cache, policy, "big.example.org", LDNS_RR_TYPE_AAAA, 0,
			   (const char *const *)rrs->pdata, 0));
	for (int mode = 0; mode < 3; mode++) {
		g_auto(SfDnsAnswer) ans = { 0 };
		g_autoptr(ldns_pkt) p = NULL;

		t_forward(policy, "big.example.org", LDNS_RR_TYPE_AAAA, 3, mode == 1 ? 1232 : 0,
			  mode == 2, &q);
		g_assert_true(sf_dns_cache_lookup(cache, &q, policy, 1000, &ans));
		p = t_parse(ans.reply, ans.reply_len);
		g_assert_cmpint(ldns_pkt_edns(p), ==, mode == 1);
		g_assert_cmpint(ans.truncated, ==, mode == 0);
		g_assert_cmpint(ldns_pkt_tc(p), ==, mode == 0);
		g_assert_cmpuint(ldns_pkt_ancount(p), ==, mode == 0 ? 0 : 40);
		g_assert_cmpuint(ans.n_learn, ==, 40);
	}
}

static void test_expiry(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(SfDnsCache) cache = sf_dns_cache_new(0);
	const char *rrs[] = { "a.example.org. 60 IN A 198.51.100.1", NULL };
	SfDnsCacheStats st;

	g_assert_true(fill(cache, policy, "a.example.org", LDNS_RR_TYPE_A, 0, rrs, 0));
	{
		g_auto(SfDnsAnswer) ans = { 0 };
		g_autoptr(ldns_pkt) p = NULL;

		g_assert_true(hit(cache, policy, "a.example.org", LDNS_RR_TYPE_A, 1, 59999, &ans));
		p = t_parse(ans.reply, ans.reply_len);
		g_assert_cmpuint(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 0)), ==, 1);
	}
	{
		g_auto(SfDnsAnswer) ans = { 0 };

		g_assert_false(hit(cache, policy, "a.example.org", LDNS_RR_TYPE_A, 1, 60000, &ans));
		g_assert_null(ans.reply);
		g_assert_cmpuint(ans.n_learn, ==, 0);
	}
	g_assert_cmpuint(sf_dns_cache_count(cache), ==, 0);
	sf_dns_cache_stats(cache, &st);
	g_assert_cmpuint(st.expired, ==, 1);

	/* sweep */
	g_assert_true(fill(cache, policy, "a.example.org", LDNS_RR_TYPE_A, 0, rrs, 0));
	g_assert_cmpuint(sf_dns_cache_sweep(cache, 59000), ==, 0);
	g_assert_cmpuint(sf_dns_cache_sweep(cache, 60000), ==, 1);
	g_assert_cmpuint(sf_dns_cache_count(cache), ==, 0);
}

static void test_eviction_bound(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(SfDnsCache) cache = sf_dns_cache_new(4);
	SfDnsCacheStats st;

	for (int i = 0; i < 10; i++) {
		g_autofree char *name = g_strdup_printf("n%d.example.org", i);
		g_autofree char *rr = g_strdup_printf("%s. 300 IN A 198.51.100.%d", name, i + 1);
		const char *rrs[] = { rr, NULL };

		g_assert_true(fill(cache, policy, name, LDNS_RR_TYPE_A, 0, rrs, i));
		g_assert_cmpuint(sf_dns_cache_count(cache), <=, 4);
		if (i == 3) {
			/* touch n0: the least recently used is now n1 */
			g_auto(SfDnsAnswer) ans = { 0 };

			g_assert_true(hit(cache, policy, "n0.example.org", LDNS_RR_TYPE_A, 1, 5, &ans));
		}
	}
	g_assert_cmpuint(sf_dns_cache_count(cache), ==, 4);
	sf_dns_cache_stats(cache, &st);
	g_assert_cmpuint(st.evictions, ==, 6);
	{
		g_auto(SfDnsAnswer) ans = { 0 };

		g_assert_false(hit(cache, policy, "n1.example.org", LDNS_RR_TYPE_A, 1, 20, &ans));
	}
	for (int i = 6; i < 10; i++) {
		g_autofree char *name = g_strdup_printf("n%d.example.org", i);
		g_auto(SfDnsAnswer) ans = { 0 };

		g_assert_true(hit(cache, policy, name, LDNS_RR_TYPE_A, 1, 20, &ans));
	}

	/* the default size */
	{
		g_autoptr(SfDnsCache) big = sf_dns_cache_new(0);

		for (int i = 0; i < 4200; i++) {
			g_autofree char *name = g_strdup_printf("m%d.example.org", i);
			const char *soa[] = { "ns:example.org. 60 IN SOA ns.example.org. h.example.org. 1 2 3 4 60",
					      NULL };

			g_assert_true(fill(big, policy, name, LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, soa, i));
		}
		g_assert_cmpuint(sf_dns_cache_count(big), ==, SF_DNS_CACHE_DEFAULT);
		sf_dns_cache_clear(big);
		g_assert_cmpuint(sf_dns_cache_count(big), ==, 0);
	}
}

static void test_replace(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(SfDnsCache) cache = sf_dns_cache_new(0);
	const char *one[] = { "a.example.org. 300 IN A 198.51.100.1", NULL };
	const char *two[] = { "a.example.org. 300 IN A 198.51.100.2", NULL };
	g_auto(SfDnsAnswer) ans = { 0 };
	g_autoptr(ldns_pkt) p = NULL;

	g_assert_true(fill(cache, policy, "a.example.org", LDNS_RR_TYPE_A, 0, one, 0));
	g_assert_true(fill(cache, policy, "a.example.org", LDNS_RR_TYPE_A, 0, two, 1000));
	g_assert_cmpuint(sf_dns_cache_count(cache), ==, 1);
	g_assert_true(hit(cache, policy, "a.example.org", LDNS_RR_TYPE_A, 1, 2000, &ans));
	p = t_parse(ans.reply, ans.reply_len);
	g_assert_true(t_has_addr(p, "198.51.100.2"));
	g_assert_false(t_has_addr(p, "198.51.100.1"));
}

static void test_negative(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY);
	g_autoptr(SfDnsCache) cache = sf_dns_cache_new(0);
	const char *short_soa[] = {
		"ns:example.org. 3600 IN SOA ns.example.org. h.example.org. 1 7200 3600 1209600 60", NULL
	};
	const char *long_soa[] = {
		"ns:example.org. 86400 IN SOA ns.example.org. h.example.org. 1 7200 3600 1209600 3600", NULL
	};

	/* NXDOMAIN per the SOA minimum */
	g_assert_true(fill(cache, policy, "gone.example.org", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN,
			   short_soa, 0));
	{
		g_auto(SfDnsAnswer) ans = { 0 };
		g_autoptr(ldns_pkt) p = NULL;

		g_assert_true(hit(cache, policy, "gone.example.org", LDNS_RR_TYPE_A, 2, 59000, &ans));
		p = t_parse(ans.reply, ans.reply_len);
		g_assert_cmpuint(ldns_pkt_get_rcode(p), ==, LDNS_RCODE_NXDOMAIN);
		g_assert_cmpuint(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_authority(p), 0)), ==, 1);
		g_assert_cmpuint(ans.n_learn, ==, 0);
	}
	{
		g_auto(SfDnsAnswer) ans = { 0 };

		g_assert_false(hit(cache, policy, "gone.example.org", LDNS_RR_TYPE_A, 2, 60000, &ans));
	}

	/* NODATA, capped at 300 s */
	g_assert_true(fill(cache, policy, "v4only.example.org", LDNS_RR_TYPE_AAAA, 0, long_soa, 0));
	{
		g_auto(SfDnsAnswer) ans = { 0 };
		g_autoptr(ldns_pkt) p = NULL;

		g_assert_true(hit(cache, policy, "v4only.example.org", LDNS_RR_TYPE_AAAA, 2, 299000, &ans));
		p = t_parse(ans.reply, ans.reply_len);
		g_assert_cmpuint(ldns_pkt_get_rcode(p), ==, LDNS_RCODE_NOERROR);
		g_assert_cmpuint(ldns_pkt_ancount(p), ==, 0);
	}
	{
		g_auto(SfDnsAnswer) ans = { 0 };

		g_assert_false(hit(cache, policy, "v4only.example.org", LDNS_RR_TYPE_AAAA, 2, 300000, &ans));
	}

	/* not cacheable: without a SOA, SERVFAIL */
	g_assert_false(fill(cache, policy, "nosoa.example.org", LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN,
			    NULL, 0));
	g_assert_false(fill(cache, policy, "fail.example.org", LDNS_RR_TYPE_A, LDNS_RCODE_SERVFAIL,
			    NULL, 0));
	g_assert_cmpuint(sf_dns_cache_count(cache), ==, 0);
}

static void test_not_cacheable(void)
{
	g_autoptr(SfPolicy) policy = t_policy(POLICY "deny any to bad.example.org\n");
	g_autoptr(SfDnsCache) cache = sf_dns_cache_new(0);
	const char *denied[] = { "a.example.org. 300 IN CNAME bad.example.org.",
				 "bad.example.org. 300 IN A 198.51.100.1", NULL };
	const char *zero[] = { "z.example.org. 0 IN A 198.51.100.1", NULL };

	g_assert_false(fill(cache, policy, "a.example.org", LDNS_RR_TYPE_A, 0, denied, 0));
	g_assert_false(fill(cache, policy, "z.example.org", LDNS_RR_TYPE_A, 0, zero, 0));
	g_assert_cmpuint(sf_dns_cache_count(cache), ==, 0);
	sf_dns_cache_free(NULL);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/dns/cache/hit-aged", test_hit_aged);
	g_test_add_func("/dns/cache/hit-edns-and-truncation", test_hit_edns_and_truncation);
	g_test_add_func("/dns/cache/expiry", test_expiry);
	g_test_add_func("/dns/cache/eviction-bound", test_eviction_bound);
	g_test_add_func("/dns/cache/replace", test_replace);
	g_test_add_func("/dns/cache/negative", test_negative);
	g_test_add_func("/dns/cache/not-cacheable", test_not_cacheable);
	return g_test_run();
}
