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
 * happen per new flow and never allocate. Expired slots stay until a sweep
 * (the daemon runs one every few seconds) so an established flow can still
 * find the name that opened it during the grace period.
 */
#include <string.h>

#include "slirp-filter/policy.h"

typedef struct {
	const char *name; /* interned in SfLearned.names; NULL: free slot */
	int64_t expire_ms;
} Slot;

typedef struct {
	SfAddr addr;
	Slot slots[SF_LEARNED_NAMES_PER_ADDR];
} Entry;

/* An interned name; the table's key is its own text. */
typedef struct {
	guint refs;
	char text[];
} Name;

struct SfLearned {
	GHashTable *addrs; /* SfAddr* (inside Entry) -> Entry* */
	GHashTable *names; /* Name.text -> Name* */
	uint32_t max;
};

static guint addr_hash(gconstpointer p)
{
	const SfAddr *a = p;
	guint h = 2166136261u;

	for (size_t i = 0; i < sizeof(a->b); i++)
		h = (h ^ a->b[i]) * 16777619u;
	return h;
}

static gboolean addr_equal(gconstpointer a, gconstpointer b)
{
	return memcmp(a, b, sizeof(SfAddr)) == 0;
}

SfLearned *sf_learned_new(uint32_t max)
{
	SfLearned *l = g_new0(SfLearned, 1);

	l->addrs = g_hash_table_new_full(addr_hash, addr_equal, NULL, g_free);
	l->names = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	l->max = MAX(max, 1);
	return l;
}

void sf_learned_free(SfLearned *learned)
{
	if (learned == NULL)
		return;
	g_hash_table_destroy(learned->addrs);
	g_hash_table_destroy(learned->names);
	g_free(learned);
}

static const char *name_ref(SfLearned *l, const char *name)
{
	Name *n = g_hash_table_lookup(l->names, name);
	size_t len;

	if (n == NULL) {
		len = strnlen(name, 253);
		n = g_malloc(sizeof(Name) + len + 1);
		n->refs = 0;
		memcpy(n->text, name, len);
		n->text[len] = '\0';
		g_hash_table_insert(l->names, n->text, n);
	}
	n->refs++;
	return n->text;
}

static void name_unref(SfLearned *l, const char *name)
{
	Name *n = g_hash_table_lookup(l->names, name);

	if (n != NULL && --n->refs == 0)
		g_hash_table_remove(l->names, name);
}

static void slot_clear(SfLearned *l, Slot *s)
{
	if (s->name != NULL)
		name_unref(l, s->name);
	s->name = NULL;
}

static bool entry_empty(const Entry *e)
{
	for (unsigned i = 0; i < SF_LEARNED_NAMES_PER_ADDR; i++)
		if (e->slots[i].name != NULL)
			return false;
	return true;
}

/* Drops expired slots (and entries left empty); returns the slots dropped. */
static uint32_t sweep(SfLearned *l, int64_t before_ms)
{
	GHashTableIter it;
	gpointer value;
	uint32_t dropped = 0;

	g_hash_table_iter_init(&it, l->addrs);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		Entry *e = value;

		for (unsigned i = 0; i < SF_LEARNED_NAMES_PER_ADDR; i++) {
			if (e->slots[i].name != NULL && e->slots[i].expire_ms < before_ms) {
				slot_clear(l, &e->slots[i]);
				dropped++;
			}
		}
		if (entry_empty(e))
			g_hash_table_iter_remove(&it);
	}
	return dropped;
}

bool sf_learned_add(SfLearned *learned, const SfAddr *addr, const char *name, int64_t now_ms,
		    uint32_t ttl_s)
{
	int64_t expire = now_ms + (int64_t)ttl_s * 1000;
	Entry *e = g_hash_table_lookup(learned->addrs, addr);
	Slot *free_slot = NULL, *soonest = NULL;

	if (e == NULL) {
		if (g_hash_table_size(learned->addrs) >= learned->max)
			sweep(learned, now_ms);
		if (g_hash_table_size(learned->addrs) >= learned->max)
			return false;
		e = g_new0(Entry, 1);
		e->addr = *addr;
		g_hash_table_insert(learned->addrs, &e->addr, e);
	}
	for (unsigned i = 0; i < SF_LEARNED_NAMES_PER_ADDR; i++) {
		Slot *s = &e->slots[i];

		if (s->name != NULL && strcmp(s->name, name) == 0) {
			s->expire_ms = MAX(s->expire_ms, expire);
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
	return true;
}

uint32_t sf_learned_count(const SfLearned *learned)
{
	return g_hash_table_size(learned->addrs);
}

uint32_t sf_learned_sweep(SfLearned *learned, int64_t now_ms, int64_t grace_ms)
{
	return sweep(learned, now_ms - grace_ms);
}

unsigned sf_learned_lookup(const SfLearned *learned, const SfAddr *addr, int64_t now_ms,
			   const char **names, int64_t *expires, unsigned max)
{
	const Entry *e = g_hash_table_lookup(learned->addrs, addr);
	unsigned n = 0;

	if (e == NULL)
		return 0;
	for (unsigned i = 0; i < SF_LEARNED_NAMES_PER_ADDR && n < max; i++) {
		if (e->slots[i].name == NULL || e->slots[i].expire_ms <= now_ms)
			continue;
		names[n] = e->slots[i].name;
		expires[n] = e->slots[i].expire_ms;
		n++;
	}
	return n;
}

uint32_t sf_learned_rebind(SfLearned *learned, const SfPolicy *policy)
{
	GHashTableIter it;
	gpointer value;
	uint32_t dropped = 0;

	g_hash_table_iter_init(&it, learned->addrs);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		Entry *e = value;

		for (unsigned i = 0; i < SF_LEARNED_NAMES_PER_ADDR; i++) {
			SfNameMatch m;

			if (e->slots[i].name == NULL)
				continue;
			sf_policy_match_name(policy, e->slots[i].name, &m);
			if (!m.allowed) {
				slot_clear(learned, &e->slots[i]);
				dropped++;
			}
		}
		if (entry_empty(e))
			g_hash_table_iter_remove(&it);
	}
	return dropped;
}

void sf_learned_foreach(const SfLearned *learned, void (*fn)(const SfLearnedInfo *info, void *data),
			void *data)
{
	GHashTableIter it;
	gpointer value;

	g_hash_table_iter_init(&it, learned->addrs);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		const Entry *e = value;

		for (unsigned i = 0; i < SF_LEARNED_NAMES_PER_ADDR; i++) {
			SfLearnedInfo info = { .addr = e->addr, .name = e->slots[i].name,
					       .expire_ms = e->slots[i].expire_ms };

			if (info.name != NULL)
				fn(&info, data);
		}
	}
}
