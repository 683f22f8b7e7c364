/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Audit records: one JSON object per line, formatted into a fixed buffer. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slirp-filter/filter.h"
#include "slirp-filter/policy.h"

/* Longest record; a longer one is cut at a field boundary and marked "truncated":true. */
#define SF_AUDIT_LINE_MAX 2048

/**
 * SfAuditLine:
 * A JSON object being written into @buf. Writing never allocates: audit
 * records are produced on the data path (a flow's first packet).
 */
typedef struct {
	char buf[SF_AUDIT_LINE_MAX];
	size_t len;
	bool truncated;
} SfAuditLine;

/**
 * sf_audit_begin:
 * Starts a record with "time" (RFC 3339, UTC, ms, from @realtime_us) and
 * "event" (@event).
 */
void sf_audit_begin(SfAuditLine *line, int64_t realtime_us, const char *event);
/** sf_audit_str: adds "key":"value" (JSON-escaped; NULL @value is skipped). */
void sf_audit_str(SfAuditLine *line, const char *key, const char *value);
/** sf_audit_int: adds "key":N. */
void sf_audit_int(SfAuditLine *line, const char *key, int64_t value);
/** sf_audit_bool: adds "key":true|false. */
void sf_audit_bool(SfAuditLine *line, const char *key, bool value);
/** sf_audit_raw: adds "key":JSON where @json is already valid JSON (an object from json-glib). */
void sf_audit_raw(SfAuditLine *line, const char *key, const char *json);
/** sf_audit_end: closes the object and appends '\n'; returns the line (NUL-terminated). */
const char *sf_audit_end(SfAuditLine *line);

/**
 * sf_audit_flow:
 * A flow decision record: verdict ("allow", "deny", or "audit-deny" for a
 * flow audit mode let through), reason, rule ("file:line"), protocol,
 * source and destination address and port, and the name that opened the
 * address. @verdict overrides the one derived from @ev when non-NULL (e.g.
 * "cut").
 */
void sf_audit_flow(SfAuditLine *line, int64_t realtime_us, const SfPolicy *policy,
		   const SfProtected *prot, const SfFlowKey *key, const SfFilterEvent *ev,
		   const char *verdict);

/** sf_audit_proto_name: "tcp", "udp", "icmp", "icmpv6" for an IP protocol number. */
const char *sf_audit_proto_name(uint8_t ipproto);

/** sf_audit_rule_ref: "FILE:LINE" of @rule into @buf, or "" for -1. */
const char *sf_audit_rule_ref(const SfPolicy *policy, int32_t rule, char *buf, size_t size);
