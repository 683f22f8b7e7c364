/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Summaries of the audit records the rate limit suppressed: counts lost, never facts. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "slirp-filter/filter.h"
#include "slirp-filter/policy.h"

/*
 * When the audit log's rate limit refuses a denial record, the record is
 * not dropped: it is counted in a bounded table under what it says (for a
 * flow: protocol, source, destination, port, name, verdict, reason, rule,
 * protected range; for a DNS record: name, qtype, verdict, reason, rule),
 * and each flush writes one summary record per key ("this happened COUNT
 * times between FIRST and LAST"), then one "audit-suppressed" record with
 * the totals. When the table is full, further new keys are only counted
 * (the "overflow" of the audit-suppressed record). Pure: no clock (times
 * come in as realtime_us), no I/O (lines go to a callback); the table is
 * allocated once, adding never allocates.
 */

#define SF_AUDIT_AGG_DEFAULT 512u /* keys per flush interval */
#define SF_AUDIT_AGG_NAME 254u    /* a name as logged (longer ones are cut) */

typedef enum {
	SF_AUDIT_AGG_FLOW,
	SF_AUDIT_AGG_DNS,
} SfAuditAggEvent;

/**
 * SfAuditAggKey:
 * What a suppressed record says, as the table compares it. Build it with
 * sf_audit_agg_key_flow() or sf_audit_agg_key_dns(). The strings are
 * compared by address (they are the program's static names) and copied
 * when a key enters the table.
 */
typedef struct {
	uint8_t event;          /* SfAuditAggEvent */
	uint8_t proto;          /* flow: IP protocol number */
	uint16_t port;          /* flow: destination port (TCP, UDP; else 0); dns: qtype */
	int32_t rule;           /* index into the policy's rules, or -1 */
	SfAddr src, dst;        /* flow */
	const char *verdict, *reason, *range, *mode; /* range may be NULL */
	char name[SF_AUDIT_AGG_NAME]; /* "" when none */
} SfAuditAggKey;

/** sf_audit_agg_key_flow: the key of the flow record sf_audit_flow() would write. */
void sf_audit_agg_key_flow(SfAuditAggKey *k, const SfPolicy *policy, const SfProtected *prot,
			   const SfFlowKey *key, const SfFilterEvent *ev, const char *verdict);

/** sf_audit_agg_key_dns: the key of a "dns" record (@name as logged, @qtype, @rule or -1). */
void sf_audit_agg_key_dns(SfAuditAggKey *k, const SfPolicy *policy, const char *verdict,
			  const char *reason, int32_t rule, const char *name, uint16_t qtype);

typedef struct SfAuditAgg SfAuditAgg;

/** sf_audit_agg_new: a table of @max keys (0: SF_AUDIT_AGG_DEFAULT; at most 65535). */
SfAuditAgg *sf_audit_agg_new(unsigned max);
/** sf_audit_agg_free: NULL-safe. */
void sf_audit_agg_free(SfAuditAgg *agg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SfAuditAgg, sf_audit_agg_free)

/**
 * sf_audit_agg_add:
 * Counts one suppressed record of @key at @realtime_us. A new key takes a
 * slot (its rule reference "FILE:LINE" is formatted from @policy then);
 * TRUE when the record is in a summary, FALSE when the table was full (it
 * is counted as overflow). Bounded work, no allocation.
 */
bool sf_audit_agg_add(SfAuditAgg *agg, const SfAuditAggKey *key, const SfPolicy *policy,
		      int64_t realtime_us);

/** sf_audit_agg_count: keys held (until the next flush). */
unsigned sf_audit_agg_count(const SfAuditAgg *agg);

/* Receives one finished record (a JSON object and '\n'). */
typedef void (*SfAuditEmit)(const char *line, void *data);

/**
 * sf_audit_agg_flush:
 * Writes the summaries, in the order their keys first came, as records of
 * their own event ("flow" or "dns") with the fields of the key and
 * "count", "first", "last" (RFC 3339 times), time @realtime_us; then, if
 * anything was suppressed, one "audit-suppressed" record: "count" (every
 * suppressed record: @allowed + @denied), "summarized" (those in the
 * summaries), "allowed" (allowed-flow records, only counted), "overflow"
 * (denials without a summary: table full, or @denied above what was added).
 * Empties the table. Returns the number of records emitted.
 */
unsigned sf_audit_agg_flush(SfAuditAgg *agg, int64_t realtime_us, uint64_t allowed, uint64_t denied,
			    SfAuditEmit emit, void *data);
