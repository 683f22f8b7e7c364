/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A bounded cache of processed upstream answers, keyed on (name, type,
 * class), that hands back the learn list on every hit.
 *
 * Entries hold the canonical (already filtered) answer in wire form, the
 * time it was processed, its expiry (the smallest TTL in it, or the
 * negative TTL of RFC 2308 capped at 300 s) and its learn list. A hit is
 * rendered for the new query (its id, case, EDNS and size limit) with every
 * TTL decreased by the entry's age, and returns the learn list with the
 * remaining TTLs so the caller re-opens the addresses each time: a name
 * answered from the cache keeps its addresses reachable, unlike dnsmasq's
 * ipset which only learned on upstream answers. An expired entry is a miss
 * and is removed; when full, the least recently used entry is evicted
 * (a hash table for lookups, an intrusive queue for recency: O(1) both).
 * Entries depend on the policy that filtered them: clear the cache when the
 * policy changes.
 *
 * Each entry also keeps, built once at insertion, the template of the fast
 * path (dns-fast.c): the reply as the slow path renders it, ready to be
 * patched for each query. sf_dns_cache_find() and sf_dns_cache_touch() are
 * that path's view of the table: a lookup without side effects (an expired
 * entry is left for the slow path to count and remove), then the same hit
 * accounting and recency update as sf_dns_cache_lookup().
 */
#include <string.h>

#include "slirp-filter/dns.h"
#include "dns-private.h"

typedef struct {
	char *key;
	GList link;          /* in SfDnsCache.lru; link.data is the entry */
	uint8_t *canon;
	size_t canon_len;
	int64_t at_ms, expires_ms;
	unsigned n_learn;
	SfDnsLearn *learn;
	SfDnsTemplate *tpl;  /* the fast path's reply; NULL: slow path only */
	const char *norm;    /* inside key: the name */
} Entry;

struct SfDnsCache {
	GHashTable *table;   /* key -> Entry */
	GQueue lru;          /* head: most recently used */
	uint32_t max;
	SfDnsCacheStats stats;
};

/* "type/class/name": short, unique, and built on the stack for lookups. */
#define KEY_MAX SF_DNS_CACHE_KEY_MAX

/* Writes the decimal digits of @v at @p; returns the end. */
static char *put_uint(char *p, unsigned v)
{
	char digits[8];
	size_t n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	while (n > 0)
		*p++ = digits[--n];
	return p;
}

void sf_dns_cache_key(uint16_t qtype, uint16_t qclass, const char *norm, char key[KEY_MAX])
{
	/* "%u/%u/%s" without printf: this runs for every query of the fast path */
	char *p = put_uint(key, qtype);

	*p++ = '/';
	p = put_uint(p, qclass);
	*p++ = '/';
	g_strlcpy(p, norm, (size_t)(key + KEY_MAX - p)); /* 12 bytes used at most, 253 + 1 left */
}

static void make_key(const SfDnsQuery *q, char key[KEY_MAX])
{
	sf_dns_cache_key(q->qtype, q->qclass, q->norm, key);
}

static void entry_free(Entry *e)
{
	g_free(e->key);
	g_free(e->canon);
	g_free(e->learn);
	g_free(e->tpl);
	g_free(e);
}

static void entry_remove(SfDnsCache *cache, Entry *e)
{
	g_queue_unlink(&cache->lru, &e->link);
	g_hash_table_remove(cache->table, e->key); /* frees e */
}

SfDnsCache *sf_dns_cache_new(uint32_t max_entries)
{
	SfDnsCache *cache = g_new0(SfDnsCache, 1);

	cache->table = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)entry_free);
	g_queue_init(&cache->lru);
	cache->max = max_entries > 0 ? max_entries : SF_DNS_CACHE_DEFAULT;
	return cache;
}

void sf_dns_cache_clear(SfDnsCache *cache)
{
	if (cache == NULL)
		return;
	g_queue_init(&cache->lru); /* links live inside the entries */
	g_hash_table_remove_all(cache->table);
}

void sf_dns_cache_free(SfDnsCache *cache)
{
	if (cache == NULL)
		return;
	sf_dns_cache_clear(cache);
	g_hash_table_unref(cache->table);
	g_free(cache);
}

unsigned sf_dns_cache_count(const SfDnsCache *cache)
{
	return g_hash_table_size(cache->table);
}

void sf_dns_cache_stats(const SfDnsCache *cache, SfDnsCacheStats *stats)
{
	*stats = cache->stats;
}

unsigned sf_dns_cache_sweep(SfDnsCache *cache, int64_t now_ms)
{
	unsigned n = 0;
	GList *l = cache->lru.head;

	while (l != NULL) {
		Entry *e = l->data;

		l = l->next;
		if (now_ms >= e->expires_ms) {
			entry_remove(cache, e);
			cache->stats.expired++;
			n++;
		}
	}
	return n;
}

bool sf_dns_cache_insert(SfDnsCache *cache, const SfDnsQuery *q, const SfDnsAnswer *ans)
{
	char key[KEY_MAX];
	Entry *e;

	if (ans->result != SF_DNS_ANSWER_REPLY || ans->cache_ttl == 0 || ans->canon == NULL ||
	    ans->canon_len == 0 || q->norm[0] == '\0')
		return false;
	make_key(q, key);
	e = g_hash_table_lookup(cache->table, key);
	if (e != NULL)
		entry_remove(cache, e);
	while (g_hash_table_size(cache->table) >= cache->max && cache->lru.tail != NULL) {
		entry_remove(cache, cache->lru.tail->data);
		cache->stats.evictions++;
	}
	e = g_new0(Entry, 1);
	e->key = g_strdup(key);
	e->link.data = e;
	e->canon = g_memdup2(ans->canon, ans->canon_len);
	e->canon_len = ans->canon_len;
	e->at_ms = ans->at_ms;
	e->expires_ms = ans->at_ms + (int64_t)ans->cache_ttl * 1000;
	e->n_learn = ans->n_learn;
	e->learn = ans->n_learn > 0 ? g_memdup2(ans->learn, sizeof(SfDnsLearn) * ans->n_learn) : NULL;
	e->norm = strrchr(e->key, '/') + 1; /* names hold no '/' */
	e->tpl = sf_dns_template_new(e->canon, e->canon_len, q->norm, q->qtype, q->qclass);
	g_hash_table_insert(cache->table, e->key, e);
	g_queue_push_head_link(&cache->lru, &e->link);
	cache->stats.inserts++;
	return true;
}

bool sf_dns_cache_lookup(SfDnsCache *cache, const SfDnsQuery *q, const SfPolicy *policy,
			 int64_t now_ms, SfDnsAnswer *ans)
{
	char key[KEY_MAX];
	ldns_pkt *pkt = NULL;
	Entry *e;
	uint32_t age_s;

	memset(ans, 0, sizeof(*ans));
	ans->rule = -1;
	if (q->norm[0] == '\0')
		goto miss;
	make_key(q, key);
	e = g_hash_table_lookup(cache->table, key);
	if (e == NULL)
		goto miss;
	if (now_ms >= e->expires_ms) {
		entry_remove(cache, e);
		cache->stats.expired++;
		goto miss;
	}
	age_s = now_ms > e->at_ms ? (uint32_t)((now_ms - e->at_ms) / 1000) : 0;
	if (ldns_wire2pkt(&pkt, e->canon, e->canon_len) != LDNS_STATUS_OK) {
		ldns_pkt_free(pkt);
		entry_remove(cache, e);
		goto miss;
	}
	ans->at_ms = now_ms;
	ans->from_cache = true;
	for (unsigned i = 0; i < e->n_learn && ans->n_learn < SF_DNS_LEARN_MAX; i++) {
		uint32_t rt = e->learn[i].record_ttl;

		if (rt <= age_s)
			continue;
		ans->learn[ans->n_learn].addr = e->learn[i].addr;
		ans->learn[ans->n_learn].record_ttl = rt - age_s;
		ans->learn[ans->n_learn].ttl = sf_policy_ttl_clamp(policy, rt - age_s);
		ans->n_learn++;
	}
	if (!sf_dns_render(pkt, q, age_s, ans)) { /* takes pkt over */
		sf_dns_answer_clear(ans);
		goto miss;
	}
	ans->result = SF_DNS_ANSWER_REPLY;
	g_queue_unlink(&cache->lru, &e->link);
	g_queue_push_head_link(&cache->lru, &e->link);
	cache->stats.hits++;
	return true;

miss:
	cache->stats.misses++;
	return false;
}

bool sf_dns_cache_find(SfDnsCache *cache, const char *key, int64_t now_ms, SfDnsCacheRef *ref)
{
	Entry *e = g_hash_table_lookup(cache->table, key);

	if (e == NULL || now_ms >= e->expires_ms)
		return false; /* the slow path counts the miss (and removes the expired entry) */
	*ref = (SfDnsCacheRef){ .entry = e, .tpl = e->tpl, .norm = e->norm, .at_ms = e->at_ms,
				.n_learn = e->n_learn, .learn = e->learn };
	return true;
}

void sf_dns_cache_touch(SfDnsCache *cache, const SfDnsCacheRef *ref)
{
	Entry *e = ref->entry;

	g_queue_unlink(&cache->lru, &e->link);
	g_queue_push_head_link(&cache->lru, &e->link);
	cache->stats.hits++;
	cache->stats.fast_hits++;
}
