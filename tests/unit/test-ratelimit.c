/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the token bucket under an injected clock. */
#include "config.h"

#include <glib.h>

#include "slirp-filter/ratelimit.h"

static unsigned take_n(SfRateLimit *rl, int64_t now, unsigned n)
{
	unsigned ok = 0;

	for (unsigned i = 0; i < n; i++)
		ok += sf_ratelimit_take(rl, now);
	return ok;
}

static void test_burst_then_refuse(void)
{
	SfRateLimit rl;

	sf_ratelimit_init(&rl, 10, 5);
	g_assert_cmpuint(take_n(&rl, 1000, 5), ==, 5);
	g_assert_false(sf_ratelimit_take(&rl, 1000));
	g_assert_false(sf_ratelimit_take(&rl, 1050)); /* half a token */
	g_assert_cmpuint(sf_ratelimit_take_suppressed(&rl), ==, 2);
	g_assert_cmpuint(sf_ratelimit_take_suppressed(&rl), ==, 0);
}

static void test_refill_rate(void)
{
	SfRateLimit rl;

	sf_ratelimit_init(&rl, 10, 5); /* one token every 100 ms */
	g_assert_cmpuint(take_n(&rl, 0, 10), ==, 5);
	g_assert_false(sf_ratelimit_take(&rl, 99));
	g_assert_true(sf_ratelimit_take(&rl, 100)); /* 1.0 token at 100 ms */
	g_assert_false(sf_ratelimit_take(&rl, 100));
	/* partial tokens accumulate across calls: 0.1 + 0.9 */
	g_assert_false(sf_ratelimit_take(&rl, 110));
	g_assert_true(sf_ratelimit_take(&rl, 200));
	/* a long pause fills up to burst, not beyond */
	g_assert_cmpuint(take_n(&rl, 10000, 20), ==, 5);
	/* sustained: over 10 s at one call per ms, rate * 10 go through */
	sf_ratelimit_init(&rl, 10, 1);
	unsigned ok = 0;
	for (int64_t t = 0; t < 10000; t++)
		ok += sf_ratelimit_take(&rl, t);
	g_assert_cmpuint(ok, ==, 1 + 99); /* burst + one per 100 ms from 100 to 9900 */
	g_assert_cmpuint(sf_ratelimit_take_suppressed(&rl), ==, 10000 - ok);

	/* high rates: 1000/s is one per ms, 5000/s five per ms */
	sf_ratelimit_init(&rl, 5000, 5);
	g_assert_cmpuint(take_n(&rl, 0, 10), ==, 5);
	g_assert_cmpuint(take_n(&rl, 1, 10), ==, 5);
}

static void test_suppressed_count(void)
{
	SfRateLimit rl;

	sf_ratelimit_init(&rl, 1, 1);
	g_assert_true(sf_ratelimit_take(&rl, 0));
	g_assert_cmpuint(take_n(&rl, 10, 7), ==, 0);
	g_assert_cmpuint(sf_ratelimit_take_suppressed(&rl), ==, 7);
	g_assert_true(sf_ratelimit_take(&rl, 1000));
	g_assert_cmpuint(sf_ratelimit_take_suppressed(&rl), ==, 0);
	g_assert_cmpuint(take_n(&rl, 1001, 3), ==, 0);
	g_assert_cmpuint(sf_ratelimit_take_suppressed(&rl), ==, 3);
}

static void test_backwards_clock(void)
{
	SfRateLimit rl;

	sf_ratelimit_init(&rl, 10, 2);
	g_assert_cmpuint(take_n(&rl, 5000, 2), ==, 2);
	/* going back grants nothing, however far */
	g_assert_false(sf_ratelimit_take(&rl, 4000));
	g_assert_false(sf_ratelimit_take(&rl, INT64_MIN));
	/* the count restarted at the earlier time: only time elapsed since counts */
	g_assert_false(sf_ratelimit_take(&rl, INT64_MIN + 50));
	g_assert_true(sf_ratelimit_take(&rl, INT64_MIN + 100));
	g_assert_false(sf_ratelimit_take(&rl, INT64_MIN + 100));
	g_assert_cmpuint(sf_ratelimit_take_suppressed(&rl), ==, 4);
}

static void test_huge_gaps(void)
{
	SfRateLimit rl;

	sf_ratelimit_init(&rl, UINT32_MAX, UINT32_MAX);
	g_assert_true(sf_ratelimit_take(&rl, INT64_MIN));
	g_assert_true(sf_ratelimit_take(&rl, INT64_MAX)); /* gap of 2^64 - 1 ms */
	g_assert_cmpuint(rl.millitokens, ==, (uint64_t)UINT32_MAX * 1000 - 1000);
	g_assert_true(sf_ratelimit_take(&rl, INT64_MAX));

	sf_ratelimit_init(&rl, 1, 3);
	g_assert_cmpuint(take_n(&rl, INT64_MIN, 3), ==, 3);
	g_assert_false(sf_ratelimit_take(&rl, INT64_MIN));
	g_assert_cmpuint(take_n(&rl, INT64_MAX, 10), ==, 3);
	g_assert_cmpuint(rl.millitokens, ==, 0);

	sf_ratelimit_init(&rl, UINT32_MAX, 1);
	g_assert_true(sf_ratelimit_take(&rl, 0));
	g_assert_true(sf_ratelimit_take(&rl, 1));
	g_assert_false(sf_ratelimit_take(&rl, 1));
}

static void test_edge_params(void)
{
	SfRateLimit rl;

	/* rate 0: the burst, then never again */
	sf_ratelimit_init(&rl, 0, 2);
	g_assert_cmpuint(take_n(&rl, 0, 5), ==, 2);
	g_assert_cmpuint(take_n(&rl, INT64_MAX, 5), ==, 0);
	/* burst 0 is taken as 1 */
	sf_ratelimit_init(&rl, 1, 0);
	g_assert_true(sf_ratelimit_take(&rl, 0));
	g_assert_false(sf_ratelimit_take(&rl, 0));
	g_assert_true(sf_ratelimit_take(&rl, 1000));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ratelimit/burst-then-refuse", test_burst_then_refuse);
	g_test_add_func("/ratelimit/refill-rate", test_refill_rate);
	g_test_add_func("/ratelimit/suppressed-count", test_suppressed_count);
	g_test_add_func("/ratelimit/backwards-clock", test_backwards_clock);
	g_test_add_func("/ratelimit/huge-gaps", test_huge_gaps);
	g_test_add_func("/ratelimit/edge-params", test_edge_params);
	return g_test_run();
}
