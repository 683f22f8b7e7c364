/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The flow table.
 *
 * Theory of operation: one array of slots allocated at start-up, open
 * addressing with linear probing, at most half full (capacity is the next
 * power of two at or above twice the bound), so a probe is short and the
 * table never allocates afterwards. The container chooses the keys, so the
 * hash is seeded with a random value per table: it cannot aim collisions
 * at one bucket. Deletion shifts the following entries back (no
 * tombstones), which keeps probes short under churn. Expiry is lazy (an
 * expired entry met by a lookup is removed) plus a sweep the daemon runs
 * with a slot budget, so neither costs more than a bounded time. A full
 * table refuses the new flow (the container filled it: its own flows are
 * not evicted for it) after a sweep of SF_FLOW_FULL_SWEEP slots at most. Only
 * allowed flows are stored: a denied flow is decided again on each packet,
 * which costs less than a microsecond and means a flood to denied
 * destinations can never crowd allowed flows out of the table.
 */
#include <netinet/in.h>
#include <string.h>

#include "slirp-filter/flow.h"

struct SfFlowTable {
	SfFlow *slots;
	uint32_t mask;  /* capacity - 1 */
	uint32_t count;
	uint32_t max;
	uint32_t sweep_at;
	uint64_t seed;
};

G_STATIC_ASSERT(sizeof(SfFlowKey) == 40);

static inline uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* A seeded multiply-rotate mix over the key's five 64-bit words. */
static uint32_t key_hash(const SfFlowTable *t, const SfFlowKey *key)
{
	uint64_t w[5], h = t->seed;

	memcpy(w, key, sizeof(w));
	for (int i = 0; i < 5; i++) {
		h ^= rotl(w[i] * 0x87c37b91114253d5ull, 31) * 0x4cf5ad432745937full;
		h = rotl(h, 27) * 5 + 0x52dce729;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (uint32_t)h;
}

void sf_flow_key_from_packet(const SfPacket *pkt, SfFlowKey *key)
{
	memset(key, 0, sizeof(*key)); /* hashed and compared as bytes, padding included */
	key->src = pkt->src;
	key->dst = pkt->dst;
	key->sport = pkt->sport;
	key->dport = pkt->dport;
	key->proto = pkt->proto;
}

SfFlowTable *sf_flow_table_new(uint32_t max)
{
	SfFlowTable *t = g_new0(SfFlowTable, 1);
	uint32_t cap = 16;

	max = MAX(max, 1);
	while (cap < max * 2u && cap < (1u << 31))
		cap <<= 1;
	t->slots = g_new0(SfFlow, cap);
	t->mask = cap - 1;
	t->max = max;
	t->seed = ((uint64_t)g_random_int() << 32) | g_random_int();
	return t;
}

void sf_flow_table_free(SfFlowTable *table)
{
	if (table == NULL)
		return;
	g_free(table->slots);
	g_free(table);
}

static bool key_equal(const SfFlowKey *a, const SfFlowKey *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Removes slot @i and shifts back the run that follows it. */
static void remove_at(SfFlowTable *t, uint32_t i)
{
	uint32_t j = i;

	t->slots[i].used = 0;
	t->count--;
	for (;;) {
		uint32_t home;

		j = (j + 1) & t->mask;
		if (!t->slots[j].used)
			return;
		home = key_hash(t, &t->slots[j].key) & t->mask;
		/* move j into the hole at i unless its home lies cyclically in (i, j] */
		if (i <= j ? (home > i && home <= j) : (home > i || home <= j))
			continue;
		t->slots[i] = t->slots[j];
		t->slots[j].used = 0;
		i = j;
	}
}

SfFlow *sf_flow_lookup(SfFlowTable *table, const SfFlowKey *key, int64_t now_ms)
{
	for (uint32_t i = key_hash(table, key) & table->mask;; i = (i + 1) & table->mask) {
		SfFlow *f = &table->slots[i];

		if (!f->used)
			return NULL;
		if (key_equal(&f->key, key)) {
			if (f->expire_ms > now_ms)
				return f;
			remove_at(table, i);
			return NULL;
		}
	}
}

SfFlow *sf_flow_insert(SfFlowTable *table, const SfFlowKey *key, int64_t now_ms)
{
	uint32_t i;

	if (table->count >= table->max) {
		/* the bound counts swept entries only: reclaim expired ones first, a
		 * bounded stretch per refused insert (a full table of live flows must
		 * cost a new flow no more than an empty one; the cursor moves on, so
		 * repeated attempts cover the whole table) */
		sf_flow_expire(table, now_ms, SF_FLOW_FULL_SWEEP);
		if (table->count >= table->max)
			return NULL;
	}
	for (i = key_hash(table, key) & table->mask; table->slots[i].used; i = (i + 1) & table->mask)
		;
	memset(&table->slots[i], 0, sizeof(SfFlow));
	table->slots[i].key = *key;
	table->slots[i].used = 1;
	table->slots[i].rule = -1;
	table->slots[i].valid_until_ms = INT64_MAX;
	table->count++;
	sf_flow_touch(&table->slots[i], now_ms);
	return &table->slots[i];
}

void sf_flow_remove(SfFlowTable *table, SfFlow *flow)
{
	uint32_t i = (uint32_t)(flow - table->slots);

	g_return_if_fail(i <= table->mask && flow->used);
	remove_at(table, i);
}

void sf_flow_touch(SfFlow *flow, int64_t now_ms)
{
	int64_t timeout;

	switch (flow->key.proto) {
	case IPPROTO_TCP:
		timeout = flow->tcp_state == SF_TCP_ESTABLISHED ? SF_FLOW_TIMEOUT_TCP_ESTABLISHED_MS
			  : flow->tcp_state == SF_TCP_CLOSING  ? SF_FLOW_TIMEOUT_TCP_CLOSING_MS
							       : SF_FLOW_TIMEOUT_TCP_SYN_MS;
		break;
	case IPPROTO_UDP:
		timeout = SF_FLOW_TIMEOUT_UDP_MS;
		break;
	default:
		timeout = SF_FLOW_TIMEOUT_ICMP_MS;
		break;
	}
	flow->expire_ms = now_ms + timeout;
}

uint32_t sf_flow_expire(SfFlowTable *table, int64_t now_ms, uint32_t budget)
{
	uint32_t removed = 0, cap = table->mask + 1;

	budget = MIN(budget, cap);
	for (uint32_t scanned = 0; scanned < budget;) {
		uint32_t i = table->sweep_at;
		SfFlow *f = &table->slots[i];

		if (f->used && f->expire_ms <= now_ms) {
			/* an entry shifted into i is looked at next; removals are bounded by count */
			remove_at(table, i);
			removed++;
			continue;
		}
		table->sweep_at = (i + 1) & table->mask;
		scanned++;
	}
	return removed;
}

uint32_t sf_flow_count(const SfFlowTable *table)
{
	return table->count;
}

uint32_t sf_flow_max(const SfFlowTable *table)
{
	return table->max;
}

uint32_t sf_flow_capacity(const SfFlowTable *table)
{
	return table->mask + 1;
}

SfFlow *sf_flow_slot(SfFlowTable *table, uint32_t i)
{
	if (i > table->mask || !table->slots[i].used)
		return NULL;
	return &table->slots[i];
}
