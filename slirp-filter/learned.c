/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Addresses learned from DNS answers, with the names that opened them.
 *
 * Theory of operation: one hash table keyed by address; each address keeps
 * up to SF_LEARNED_NAMES_PER_ADDR (name, expiry) slots, because a CDN
 * address often answers for several allowed names. Names are interned in a
 * reference-counted table so thousands of addresses of one name share one
 * string, and a stream of random names cannot grow memory past the bound on
 * addresses. Adding happens per DNS answer (it may allocate); lookups
 * happen per new flow and never allocate.
 *
 * The upstream chooses the addresses and the names (a hostile server behind
 * an allowed wildcard answers as many distinct addresses as it likes), so
 * every operation costs the same whether the table is empty or full, and
 * nothing on the data path walks the table:
 *  - both hash tables are chained through the entries, with a bucket array
 *    sized once for the bound (never rehashed) and a hash seeded per table
 *    (the upstream cannot aim its addresses or names at one bucket);
 *  - every entry sits in a binary min-heap keyed by its expiry (the latest
 *    of its names' expiries). When the table is full, a new address evicts
 *    the root: the entry nearest to expiry, an expired one whenever there is
 *    one. O(log n), counted (SfLearnedStats: evicted_expired, evicted_live).
 *    Eviction rather than refusal: the address a client is about to connect
 *    to is the one just answered, so the newest answer always works; the
 *    flows already decided keep their own validity (filter.c), only a new
 *    flow to an evicted address is decided again (and denied). The one
 *    refusal: an address of the answer being learned (sf_learned_begin)
 *    is never evicted for another of the same answer (a table smaller than
 *    one answer), so what the client reads is open; the caller strips the
 *    refused address (counted: refused);
 *  - the periodic sweep pops expired entries from the heap, at most
 *    SWEEP_BUDGET per call; one not yet swept costs nothing (a lookup skips
 *    expired names; a full table evicts it first).
 * Expired names stay until their entry is swept or evicted, so the status
 * output can show them during the grace period of the flows they opened.
 * Only a reload (sf_learned_rebind) walks the whole table.
 */
#include <string.h>

#include "slirp-filter/policy.h"

/* entries the periodic sweep removes at most per call */
#define SWEEP_BUDGET 4096u

/* An interned name. */
typedef struct Name {
	struct Name *next; /* hash chain */
	uint32_t hash;
	guint refs;
	char text[];
} Name;

typedef struct {
	const Name *name; /* NULL: free slot */
	int64_t expire_ms;
} Slot;

typedef struct Entry {
	SfAddr addr;
	struct Entry *next; /* hash chain */
	uint32_t hash;
	uint32_t heap_at;   /* index in SfLearned.heap */
	int64_t key_ms;     /* the latest expiry of the slots: the heap's order */
	uint64_t batch;     /* the answer that added or refreshed it last */
	Slot slots[SF_LEARNED_NAMES_PER_ADDR];
} Entry;

struct SfLearned {
	Entry **addrs;  /* buckets, mask + 1 of them */
	Name **names;   /* buckets, mask + 1 of them */
	uint32_t mask;
	Entry **heap;   /* count of them, a min-heap on key_ms */
	uint32_t count;
	uint32_t max;
	uint64_t seed;
	uint64_t batch;  /* the answer being learned (sf_learned_begin) */
	SfLearnedStats stats;
};

static inline uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t mix(uint64_t h, uint64_t w)
{
	h ^= rotl(w * 0x87c37b91114253d5ull, 31) * 0x4cf5ad432745937full;
	return rotl(h, 27) * 5 + 0x52dce729;
}

static inline uint32_t finish(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (uint32_t)h;
}

static uint32_t addr_hash(const SfLearned *l, const SfAddr *a)
{
	uint64_t w[2];

	memcpy(w, a->b, sizeof(w));
	return finish(mix(mix(l->seed, w[0]), w[1]));
}

static uint32_t name_hash(const SfLearned *l, const char *s, size_t len)
{
	uint64_t h = l->seed ^ len;

	for (; len >= 8; s += 8, len -= 8) {
		uint64_t w;

		memcpy(&w, s, 8);
		h = mix(h, w);
	}
	if (len > 0) {
		uint64_t w = 0;

		memcpy(&w, s, len);
		h = mix(h, w);
	}
	return finish(h);
}

SfLearned *sf_learned_new(uint32_t max)
{
	SfLearned *l = g_new0(SfLearned, 1);
	uint32_t cap = 16;

	l->max = MAX(max, 1);
	while (cap < l->max && cap < (1u << 31))
		cap <<= 1;
	l->mask = cap - 1;
	/* large zeroed blocks come from mmap: pages cost memory once touched */
	l->addrs = g_new0(Entry *, cap);
	l->names = g_new0(Name *, cap);
	l->heap = g_new(Entry *, l->max);
	l->seed = ((uint64_t)g_random_int() << 32) | g_random_int();
	l->batch = 1;
	return l;
}

static unsigned entry_remove(SfLearned *l, Entry *e);

void sf_learned_free(SfLearned *learned)
{
	if (learned == NULL)
		return;
	while (learned->count > 0)
		entry_remove(learned, learned->heap[learned->count - 1]);
	g_free(learned->addrs);
	g_free(learned->names);
	g_free(learned->heap);
	g_free(learned);
}

/* ---- names ---- */

static const Name *name_ref(SfLearned *l, const char *name)
{
	size_t len = strnlen(name, 253);
	uint32_t h = name_hash(l, name, len);
	Name **b = &l->names[h & l->mask], *n;

	for (n = *b; n != NULL; n = n->next)
		if (n->hash == h && strncmp(n->text, name, len) == 0 && n->text[len] == '\0')
			break;
	if (n == NULL) {
		n = g_malloc(sizeof(Name) + len + 1);
		n->hash = h;
		n->refs = 0;
		memcpy(n->text, name, len);
		n->text[len] = '\0';
		n->next = *b;
		*b = n;
	}
	n->refs++;
	return n;
}

static void name_unref(SfLearned *l, const Name *name)
{
	Name **p = &l->names[name->hash & l->mask];

	for (; *p != NULL; p = &(*p)->next) {
		if (*p != name)
			continue;
		if (--(*p)->refs == 0) {
			Name *dead = *p;

			*p = dead->next;
			g_free(dead);
		}
		return;
	}
}

static void slot_clear(SfLearned *l, Slot *s)
{
	if (s->name != NULL)
		name_unref(l, s->name);
	s->name = NULL;
}

/* ---- the heap ---- */

static void heap_set(SfLearned *l, uint32_t i, Entry *e)
{
	l->heap[i] = e;
	e->heap_at = i;
}

static void sift_up(SfLearned *l, uint32_t i)
{
	Entry *e = l->heap[i];

	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (l->heap[parent]->key_ms <= e->key_ms)
			break;
		heap_set(l, i, l->heap[parent]);
		i = parent;
	}
	heap_set(l, i, e);
}

static void sift_down(SfLearned *l, uint32_t i)
{
	Entry *e = l->heap[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= l->count)
			break;
		if (c + 1 < l->count && l->heap[c + 1]->key_ms < l->heap[c]->key_ms)
			c++;
		if (e->key_ms <= l->heap[c]->key_ms)
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, e);
}

/* @e's key changed: restore the heap order around it. */
static void heap_fix(SfLearned *l, Entry *e)
{
	uint32_t i = e->heap_at;

	sift_up(l, i);
	if (e->heap_at == i)
		sift_down(l, i);
}

static void entry_rekey(SfLearned *l, Entry *e)
{
	int64_t key = INT64_MIN;

	for (unsigned i = 0; i < SF_LEARNED_NAMES_PER_ADDR; i++)
		if (e->slots[i].name != NULL)
			key = MAX(key, e->slots[i].expire_ms);
	if (key != e->key_ms) {
		e->key_ms = key;
		heap_fix(l, e);
	}
}

/* ---- entries ---- */

static Entry *entry_find(const SfLearned *l, const SfAddr *addr, uint32_t h)
{
	for (Entry *e = l->addrs[h & l->mask]; e != NULL; e = e->next)
		if (e->hash == h && memcmp(&e->addr, addr, sizeof(SfAddr)) == 0)
			return e;
	return NULL;
}

/* Unlinks @e from its chain and the heap and frees it (with its names); returns the slots it held. */
static unsigned entry_remove(SfLearned *l, Entry *e)
{
	Entry **p = &l->addrs[e->hash & l->mask];
	uint32_t at = e->heap_at;
	unsigned held = 0;

	while (*p != e)
		p = &(*p)->next;
	*p = e->next;
	l->count--;
	if (at < l->count) {
		heap_set(l, at, l->heap[l->count]);
		heap_fix(l, l->heap[at]);
	}
	for (unsigned i = 0; i < SF_LEARNED_NAMES_PER_ADDR; i++) {
		held += e->slots[i].name != NULL;
		slot_clear(l, &e->slots[i]);
	}
	g_free(e);
	return held;
}

bool sf_learned_add(SfLearned *learned, const SfAddr *addr, const char *name, int64_t now_ms,
		    uint32_t ttl_s)
{
	int64_t expire = now_ms + (int64_t)ttl_s * 1000;
	uint32_t h = addr_hash(learned, addr);
	Entry *e = entry_find(learned, addr, h);
	Slot *free_slot = NULL, *soonest = NULL;

	if (e == NULL) {
		if (learned->count >= learned->max) {
			/* full: the entry nearest to expiry gives way, unless this very
			 * answer holds it (the client would see an address not open) */
			Entry *root = learned->heap[0];

			if (root->batch == learned->batch) {
				learned->stats.refused++;
				return false;
			}
			if (root->key_ms < now_ms)
				learned->stats.evicted_expired++;
			else
				learned->stats.evicted_live++;
			entry_remove(learned, root);
		}
		e = g_new0(Entry, 1);
		e->addr = *addr;
		e->hash = h;
		e->key_ms = expire;
		e->next = learned->addrs[h & learned->mask];
		learned->addrs[h & learned->mask] = e;
		heap_set(learned, learned->count++, e);
		sift_up(learned, e->heap_at);
		learned->stats.inserted++;
	}
	e->batch = learned->batch;
	for (unsigned i = 0; i < SF_LEARNED_NAMES_PER_ADDR; i++) {
		Slot *s = &e->slots[i];

		if (s->name != NULL && strcmp(s->name->text, name) == 0) {
			if (expire > s->expire_ms) {
				s->expire_ms = expire;
				entry_rekey(learned, e);
			}
			return true;
		}
		if (s->name == NULL && free_slot == NULL)
			free_slot = s;
		if (s->name != NULL && (soonest == NULL || s->expire_ms < soonest->expire_ms))
			soonest = s;
	}
	if (free_slot == NULL) {
		/* the name closest to expiry gives way (it may keep the address through
		 * the others; its own flows are re-decided when their validity ends) */
		free_slot = soonest;
		slot_clear(learned, free_slot);
	}
	free_slot->name = name_ref(learned, name);
	free_slot->expire_ms = expire;
	entry_rekey(learned, e);
	return true;
}

void sf_learned_begin(SfLearned *learned)
{
	learned->batch++;
}

uint32_t sf_learned_count(const SfLearned *learned)
{
	return learned->count;
}

void sf_learned_stats(const SfLearned *learned, SfLearnedStats *stats)
{
	*stats = learned->stats;
	stats->count = learned->count;
	stats->max = learned->max;
}

uint32_t sf_learned_sweep(SfLearned *learned, int64_t now_ms, int64_t grace_ms)
{
	uint32_t dropped = 0;

	for (unsigned n = 0; n < SWEEP_BUDGET && learned->count > 0; n++) {
		Entry *root = learned->heap[0];

		if (root->key_ms >= now_ms - grace_ms)
			break;
		dropped += entry_remove(learned, root);
		learned->stats.expired++;
	}
	return dropped;
}

unsigned sf_learned_lookup(const SfLearned *learned, const SfAddr *addr, int64_t now_ms,
			   const char **names, int64_t *expires, unsigned max)
{
	const Entry *e = entry_find(learned, addr, addr_hash(learned, addr));
	unsigned n = 0;

	if (e == NULL)
		return 0;
	for (unsigned i = 0; i < SF_LEARNED_NAMES_PER_ADDR && n < max; i++) {
		if (e->slots[i].name == NULL || e->slots[i].expire_ms <= now_ms)
			continue;
		names[n] = e->slots[i].name->text;
		expires[n] = e->slots[i].expire_ms;
		n++;
	}
	return n;
}

uint32_t sf_learned_rebind(SfLearned *learned, const SfPolicy *policy)
{
	/* a reload, not the data path: every entry is looked at once (from a
	 * copy of the heap, which the removals below reorder) */
	uint32_t n = learned->count, dropped = 0;
	g_autofree Entry **all = g_memdup2(learned->heap, sizeof(Entry *) * MAX(n, 1));

	for (uint32_t i = 0; i < n; i++) {
		Entry *e = all[i];
		bool changed = false, any = false;

		for (unsigned k = 0; k < SF_LEARNED_NAMES_PER_ADDR; k++) {
			SfNameMatch m;

			if (e->slots[k].name == NULL)
				continue;
			sf_policy_match_name(policy, e->slots[k].name->text, &m);
			if (!m.allowed) {
				slot_clear(learned, &e->slots[k]);
				dropped++;
				changed = true;
			} else {
				any = true;
			}
		}
		if (!any)
			entry_remove(learned, e);
		else if (changed)
			entry_rekey(learned, e);
	}
	return dropped;
}

void sf_learned_foreach(const SfLearned *learned, void (*fn)(const SfLearnedInfo *info, void *data),
			void *data)
{
	for (uint32_t i = 0; i < learned->count; i++) {
		const Entry *e = learned->heap[i];

		for (unsigned k = 0; k < SF_LEARNED_NAMES_PER_ADDR; k++) {
			SfLearnedInfo info = { .addr = e->addr, .expire_ms = e->slots[k].expire_ms };

			if (e->slots[k].name == NULL)
				continue;
			info.name = e->slots[k].name->text;
			fn(&info, data);
		}
	}
}
