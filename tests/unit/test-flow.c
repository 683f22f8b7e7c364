/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the flow table's lookups, bound, expiry and deletion under churn. */
#include <glib.h>
#include <netinet/in.h>
#include <string.h>

#include "slirp-filter/flow.h"

static SfFlowKey key_n(uint32_t n, uint8_t proto)
{
	SfFlowKey k;
	uint8_t src[4] = { 10, 0, 2, 100 }, dst[4] = { 203, 0, (uint8_t)(n >> 8), (uint8_t)n };

	memset(&k, 0, sizeof(k));
	sf_addr_from_ipv4(&k.src, src);
	sf_addr_from_ipv4(&k.dst, dst);
	k.sport = (uint16_t)(40000 + (n >> 16));
	k.dport = 80;
	k.proto = proto;
	return k;
}

static void test_insert_lookup_remove(void)
{
	g_autoptr(SfFlowTable) t = sf_flow_table_new(100);
	SfFlowKey k = key_n(1, IPPROTO_TCP), other = key_n(2, IPPROTO_TCP);
	SfFlow *f;

	g_assert_null(sf_flow_lookup(t, &k, 0));
	f = sf_flow_insert(t, &k, 0);
	g_assert_nonnull(f);
	g_assert_cmpint(f->rule, ==, -1);
	g_assert_true(sf_flow_lookup(t, &k, 1) == f);
	g_assert_null(sf_flow_lookup(t, &other, 1));
	/* UDP to the same address and ports is another flow */
	other = key_n(1, IPPROTO_UDP);
	g_assert_null(sf_flow_lookup(t, &other, 1));
	sf_flow_remove(t, f);
	g_assert_null(sf_flow_lookup(t, &k, 1));
	g_assert_cmpuint(sf_flow_count(t), ==, 0);
}

static void test_bound(void)
{
	g_autoptr(SfFlowTable) t = sf_flow_table_new(50);
	SfFlowKey k;

	for (uint32_t i = 0; i < 50; i++) {
		k = key_n(i, IPPROTO_UDP);
		g_assert_nonnull(sf_flow_insert(t, &k, 0));
	}
	k = key_n(50, IPPROTO_UDP);
	/* full of live flows: the 51st is refused, the others keep working */
	g_assert_null(sf_flow_insert(t, &k, 1000));
	for (uint32_t i = 0; i < 50; i++) {
		k = key_n(i, IPPROTO_UDP);
		g_assert_nonnull(sf_flow_lookup(t, &k, 1000));
	}
	/* once they idle out, new flows fit again */
	k = key_n(50, IPPROTO_UDP);
	g_assert_nonnull(sf_flow_insert(t, &k, SF_FLOW_TIMEOUT_UDP_MS + 2000));
	/* (that insert swept a bounded stretch; the daemon's sweep takes the rest) */
	sf_flow_expire(t, SF_FLOW_TIMEOUT_UDP_MS + 2000, sf_flow_capacity(t));
	g_assert_cmpuint(sf_flow_count(t), ==, 1);
}

static void test_timeouts(void)
{
	g_autoptr(SfFlowTable) t = sf_flow_table_new(16);
	SfFlowKey k = key_n(7, IPPROTO_TCP);
	SfFlow *f = sf_flow_insert(t, &k, 0);

	/* a SYN that is never answered lasts SYN timeout */
	g_assert_null(sf_flow_lookup(t, &k, SF_FLOW_TIMEOUT_TCP_SYN_MS));
	f = sf_flow_insert(t, &k, 0);
	f->tcp_state = SF_TCP_ESTABLISHED;
	sf_flow_touch(f, 0);
	g_assert_nonnull(sf_flow_lookup(t, &k, SF_FLOW_TIMEOUT_TCP_SYN_MS + 1));
	f = sf_flow_lookup(t, &k, 1);
	f->tcp_state = SF_TCP_CLOSING;
	sf_flow_touch(f, 1);
	g_assert_null(sf_flow_lookup(t, &k, 1 + SF_FLOW_TIMEOUT_TCP_CLOSING_MS));
}

/* Many inserts and deletions with random keys: the table agrees with a GHashTable. */
static void test_churn(void)
{
	g_autoptr(SfFlowTable) t = sf_flow_table_new(4096);
	g_autoptr(GHashTable) ref = g_hash_table_new(g_direct_hash, g_direct_equal);
	GRand *r = g_rand_new_with_seed(42);

	for (int step = 0; step < 200000; step++) {
		uint32_t n = g_rand_int_range(r, 0, 6000);
		SfFlowKey k = key_n(n, IPPROTO_TCP);
		SfFlow *f = sf_flow_lookup(t, &k, 0);
		bool present = g_hash_table_contains(ref, GUINT_TO_POINTER(n + 1));

		g_assert_cmpint(f != NULL, ==, present);
		if (f != NULL && g_rand_boolean(r)) {
			sf_flow_remove(t, f);
			g_hash_table_remove(ref, GUINT_TO_POINTER(n + 1));
		} else if (f == NULL) {
			f = sf_flow_insert(t, &k, 0);
			if (g_hash_table_size(ref) < 4096) {
				g_assert_nonnull(f);
				g_hash_table_add(ref, GUINT_TO_POINTER(n + 1));
			} else {
				g_assert_null(f);
			}
		}
		g_assert_cmpuint(sf_flow_count(t), ==, g_hash_table_size(ref));
	}
	g_rand_free(r);
}

static void test_sweep_budget(void)
{
	g_autoptr(SfFlowTable) t = sf_flow_table_new(1000);
	uint32_t removed = 0;

	for (uint32_t i = 0; i < 1000; i++) {
		SfFlowKey k = key_n(i, IPPROTO_ICMP);

		g_assert_nonnull(sf_flow_insert(t, &k, 0));
	}
	/* a sweep looks at no more slots than its budget: one pass takes several calls */
	removed = sf_flow_expire(t, SF_FLOW_TIMEOUT_ICMP_MS, 64);
	g_assert_cmpuint(removed, <, 1000);
	for (int calls = 0; sf_flow_count(t) > 0; calls++) {
		g_assert_cmpint(calls, <, 2 * (int)sf_flow_capacity(t) / 64);
		removed += sf_flow_expire(t, SF_FLOW_TIMEOUT_ICMP_MS, 64);
	}
	g_assert_cmpuint(removed, ==, 1000);
}

/*
 * Issue 13: a full table must cost a new flow no more than an empty one. A
 * refused insert into a full table of live flows used to sweep the whole
 * table (2 x `flows max` slots) each time: a container SYN flood past the
 * bound cost a sweep per frame. Now it sweeps SF_FLOW_FULL_SWEEP slots.
 */
static void test_full_cost(void)
{
	const uint32_t max = 65536, n = 20000;
	g_autoptr(SfFlowTable) t = sf_flow_table_new(max);
	int64_t t0, t_empty, t_full;
	uint32_t i, tries;

	t0 = g_get_monotonic_time();
	for (i = 0; i < n; i++) {
		SfFlowKey k = key_n(i, IPPROTO_TCP);

		g_assert_nonnull(sf_flow_insert(t, &k, 0));
	}
	t_empty = g_get_monotonic_time() - t0;
	for (; i < max; i++) {
		SfFlowKey k = key_n(i, IPPROTO_TCP);

		g_assert_nonnull(sf_flow_insert(t, &k, 0));
	}
	t0 = g_get_monotonic_time();
	for (uint32_t j = 0; j < n; j++) {
		SfFlowKey k = key_n(max + j, IPPROTO_UDP);

		g_assert_null(sf_flow_insert(t, &k, 1000));
	}
	t_full = g_get_monotonic_time() - t0;
	g_test_message("%u inserts: %.1f ms into an empty table, %.1f ms refused by a full one", n,
		       (double)t_empty / 1000.0, (double)t_full / 1000.0);
	g_assert_cmpint(t_full, <=, 10 * t_empty + 200 * 1000);
	/* once they idle out, repeated attempts reclaim them: a pass over the table at most */
	for (tries = 0;; tries++) {
		SfFlowKey k = key_n(2 * max, IPPROTO_UDP);

		g_assert_cmpuint(tries, <=, sf_flow_capacity(t) / SF_FLOW_FULL_SWEEP + 1);
		if (sf_flow_insert(t, &k, SF_FLOW_TIMEOUT_TCP_SYN_MS + 1) != NULL)
			break;
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/flow/insert-lookup-remove", test_insert_lookup_remove);
	g_test_add_func("/flow/bound", test_bound);
	g_test_add_func("/flow/timeouts", test_timeouts);
	g_test_add_func("/flow/churn", test_churn);
	g_test_add_func("/flow/sweep-budget", test_sweep_budget);
	g_test_add_func("/flow/full-cost", test_full_cost);
	return g_test_run();
}
