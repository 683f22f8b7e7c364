/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Summaries of suppressed audit records.
 *
 * Theory of operation: the audit log takes a token per record from one of
 * two buckets, one for allowed flows and one for everything else (denied,
 * cut, audit-deny flows and DNS refusals), so a busy allowed workload can
 * never use up the denials' budget. A denial record the bucket refuses
 * comes here instead of being dropped. Its key (see SfAuditAggKey: the
 * record without its source port and time) is looked up in an
 * open-addressing hash table of 2 * max slots over an array of max entries
 * (linear probing, no deletion: the table is emptied at once on flush), so
 * a flood of one denial costs a hash and a compare per frame and a scan of
 * 5,000 ports costs at most max entries. An entry keeps the count and the
 * first and last times. The daemon flushes every second (and before a
 * reload or exit): each entry becomes one summary record, then one
 * "audit-suppressed" record says how many records were suppressed and how
 * many of those are not in a summary (allowed flows, which are only
 * counted, and denials that found the table full). A reader (audit-read.c,
 * suggest.c) reads a summary as COUNT occurrences of the record.
 */
#include <netinet/in.h>
#include <string.h>

#include "slirp-filter/audit-agg.h"
#include "slirp-filter/audit.h"
#include "slirp-filter/dns.h"

typedef struct {
	SfAuditAggKey key;
	char verdict[16], reason[32], range[32], mode[8];
	char rule[256];            /* "FILE:LINE", formatted when the entry is made */
	uint64_t count;
	int64_t first_us, last_us;
} Entry;

struct SfAuditAgg {
	unsigned max, n;
	Entry *entries;
	uint16_t *slots;           /* 1 + entry index; 0: empty */
	unsigned n_slots;          /* a power of two, >= 2 * max */
	uint64_t summarized;       /* records counted into entries since the last flush */
};

void sf_audit_agg_key_flow(SfAuditAggKey *k, const SfPolicy *policy, const SfProtected *prot,
			   const SfFlowKey *key, const SfFilterEvent *ev, const char *verdict)
{
	const SfDecision *d = &ev->decision;

	memset(k, 0, sizeof(*k));
	k->event = SF_AUDIT_AGG_FLOW;
	/* as sf_audit_flow() says it */
	k->verdict = verdict != NULL ? verdict
		     : ev->table_full ? "deny" : ev->audit_only ? "audit-deny" : d->allow ? "allow" : "deny";
	k->reason = ev->table_full ? "flow-table-full" : sf_reason_name(d->reason);
	if (d->reason == SF_REASON_PROTECTED && prot != NULL && d->protected_range >= 0 &&
	    (unsigned)d->protected_range < prot->n)
		k->range = prot->what[d->protected_range];
	k->rule = d->rule;
	k->proto = key->proto;
	k->src = key->src;
	k->dst = key->dst;
	if (key->proto == IPPROTO_TCP || key->proto == IPPROTO_UDP)
		k->port = key->dport;
	if (d->name != NULL)
		g_strlcpy(k->name, d->name, sizeof(k->name));
	k->mode = policy->mode == SF_MODE_AUDIT ? "audit" : "enforce";
}

void sf_audit_agg_key_dns(SfAuditAggKey *k, const SfPolicy *policy, const char *verdict,
			  const char *reason, int32_t rule, const char *name, uint16_t qtype)
{
	memset(k, 0, sizeof(*k));
	k->event = SF_AUDIT_AGG_DNS;
	k->verdict = verdict;
	k->reason = reason;
	k->rule = rule;
	k->port = qtype;
	if (name != NULL)
		g_strlcpy(k->name, name, sizeof(k->name));
	k->mode = policy->mode == SF_MODE_AUDIT ? "audit" : "enforce";
}

SfAuditAgg *sf_audit_agg_new(unsigned max)
{
	SfAuditAgg *agg = g_new0(SfAuditAgg, 1);

	agg->max = MIN(max == 0 ? SF_AUDIT_AGG_DEFAULT : max, 65535u);
	agg->n_slots = 4;
	while (agg->n_slots < 2 * agg->max)
		agg->n_slots *= 2;
	agg->entries = g_new0(Entry, agg->max);
	agg->slots = g_new0(uint16_t, agg->n_slots);
	return agg;
}

void sf_audit_agg_free(SfAuditAgg *agg)
{
	if (agg == NULL)
		return;
	g_free(agg->entries);
	g_free(agg->slots);
	g_free(agg);
}

unsigned sf_audit_agg_count(const SfAuditAgg *agg)
{
	return agg->n;
}

static uint32_t mix(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u; /* FNV-1a */
	return h;
}

static uint32_t key_hash(const SfAuditAggKey *k)
{
	uint32_t h = 2166136261u;

	h = mix(h, &k->event, 1);
	h = mix(h, &k->proto, 1);
	h = mix(h, &k->port, 2);
	h = mix(h, &k->rule, 4);
	h = mix(h, &k->src, sizeof(k->src));
	h = mix(h, &k->dst, sizeof(k->dst));
	h = mix(h, &k->verdict, sizeof(k->verdict));
	h = mix(h, &k->reason, sizeof(k->reason));
	h = mix(h, &k->range, sizeof(k->range));
	h = mix(h, &k->mode, sizeof(k->mode));
	return mix(h, k->name, strlen(k->name));
}

static bool key_eq(const SfAuditAggKey *a, const SfAuditAggKey *b)
{
	return a->event == b->event && a->proto == b->proto && a->port == b->port &&
	       a->rule == b->rule && memcmp(&a->src, &b->src, sizeof(a->src)) == 0 &&
	       memcmp(&a->dst, &b->dst, sizeof(a->dst)) == 0 && a->verdict == b->verdict &&
	       a->reason == b->reason && a->range == b->range && a->mode == b->mode &&
	       strcmp(a->name, b->name) == 0;
}

bool sf_audit_agg_add(SfAuditAgg *agg, const SfAuditAggKey *key, const SfPolicy *policy,
		      int64_t realtime_us)
{
	unsigned mask = agg->n_slots - 1, i = key_hash(key) & mask;
	Entry *e;

	/* the table is never more than half full: a free slot ends every probe */
	for (; agg->slots[i] != 0; i = (i + 1) & mask) {
		e = &agg->entries[agg->slots[i] - 1];
		if (key_eq(&e->key, key)) {
			e->count++;
			e->first_us = MIN(e->first_us, realtime_us);
			e->last_us = MAX(e->last_us, realtime_us);
			agg->summarized++;
			return true;
		}
	}
	if (agg->n >= agg->max)
		return false;
	e = &agg->entries[agg->n];
	memset(e, 0, sizeof(*e));
	e->key = *key;
	g_strlcpy(e->verdict, key->verdict != NULL ? key->verdict : "?", sizeof(e->verdict));
	g_strlcpy(e->reason, key->reason != NULL ? key->reason : "?", sizeof(e->reason));
	if (key->range != NULL)
		g_strlcpy(e->range, key->range, sizeof(e->range));
	g_strlcpy(e->mode, key->mode != NULL ? key->mode : "enforce", sizeof(e->mode));
	if (policy != NULL)
		sf_audit_rule_ref(policy, key->rule, e->rule, sizeof(e->rule));
	e->count = 1;
	e->first_us = e->last_us = realtime_us;
	agg->slots[i] = (uint16_t)(++agg->n);
	agg->summarized++;
	return true;
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ", the form of a record's "time". */
static const char *time_text(int64_t us, char buf[40])
{
	SfAuditLine tmp;
	const char *start, *end;
	size_t n;

	/* one formatter for both: take the time sf_audit_begin() writes */
	sf_audit_begin(&tmp, us, "");
	start = tmp.buf + strlen("{\"time\":\"");
	/* the line is not NUL-terminated until sf_audit_end(): copy just the time, never strlen() it */
	end = memchr(start, '"', (size_t)(tmp.buf + sizeof(tmp.buf) - start));
	n = end != NULL ? MIN((size_t)(end - start), (size_t)39) : 0;
	memcpy(buf, start, n);
	buf[n] = '\0';
	return buf;
}

static void put_summary(const Entry *e, int64_t realtime_us, SfAuditLine *line)
{
	const SfAuditAggKey *k = &e->key;
	char addr[48], first[40], last[40], type[16];
	bool ports = k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP;

	if (k->event == SF_AUDIT_AGG_FLOW) {
		sf_audit_begin(line, realtime_us, "flow");
		sf_audit_str(line, "verdict", e->verdict);
		sf_audit_str(line, "reason", e->reason);
		if (e->range[0] != '\0')
			sf_audit_str(line, "range", e->range);
		if (e->rule[0] != '\0')
			sf_audit_str(line, "rule", e->rule);
		sf_audit_str(line, "proto", sf_audit_proto_name(k->proto));
		sf_audit_str(line, "src", sf_addr_to_string(&k->src, addr, sizeof(addr)));
		sf_audit_str(line, "dst", sf_addr_to_string(&k->dst, addr, sizeof(addr)));
		if (ports)
			sf_audit_int(line, "dport", k->port);
		if (k->name[0] != '\0')
			sf_audit_str(line, "name", k->name);
	} else {
		sf_audit_begin(line, realtime_us, "dns");
		sf_audit_str(line, "verdict", e->verdict);
		sf_audit_str(line, "reason", e->reason);
		if (e->rule[0] != '\0')
			sf_audit_str(line, "rule", e->rule);
		sf_audit_str(line, "name", k->name);
		sf_audit_str(line, "qtype", sf_dns_type_name(k->port, type, sizeof(type)));
	}
	sf_audit_str(line, "mode", e->mode);
	sf_audit_int(line, "count", (int64_t)MIN(e->count, (uint64_t)G_MAXINT64));
	sf_audit_str(line, "first", time_text(e->first_us, first));
	sf_audit_str(line, "last", time_text(e->last_us, last));
}

unsigned sf_audit_agg_flush(SfAuditAgg *agg, int64_t realtime_us, uint64_t allowed, uint64_t denied,
			    SfAuditEmit emit, void *data)
{
	SfAuditLine line;
	unsigned emitted = 0;
	uint64_t summarized = agg->summarized, overflow;

	for (unsigned i = 0; i < agg->n; i++) {
		put_summary(&agg->entries[i], realtime_us, &line);
		emit(sf_audit_end(&line), data);
		emitted++;
	}
	/* denials the table had no room for, or suppressed without a key */
	overflow = denied > summarized ? denied - summarized : 0;
	if (allowed + summarized + overflow > 0) {
		uint64_t total = allowed + summarized + overflow;

		sf_audit_begin(&line, realtime_us, "audit-suppressed");
		sf_audit_int(&line, "count", (int64_t)MIN(total, (uint64_t)G_MAXINT64));
		sf_audit_int(&line, "summarized", (int64_t)MIN(summarized, (uint64_t)G_MAXINT64));
		sf_audit_int(&line, "allowed", (int64_t)MIN(allowed, (uint64_t)G_MAXINT64));
		sf_audit_int(&line, "overflow", (int64_t)MIN(overflow, (uint64_t)G_MAXINT64));
		emit(sf_audit_end(&line), data);
		emitted++;
	}
	memset(agg->slots, 0, agg->n_slots * sizeof(*agg->slots));
	agg->n = 0;
	agg->summarized = 0;
	return emitted;
}
