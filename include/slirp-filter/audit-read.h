/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading audit records back: one JSON line in, a checked record out; and one human line out. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

#define SF_AUDIT_READ_ERROR (sf_audit_read_error_quark())
GQuark sf_audit_read_error_quark(void);

/* What was wrong with a line; the GError message says it in words. */
typedef enum {
	SF_AUDIT_READ_ERROR_TOO_LONG,  /* over SF_AUDIT_READ_LINE_MAX bytes */
	SF_AUDIT_READ_ERROR_NOT_JSON,  /* not JSON, or nested deeper than a record ever is */
	SF_AUDIT_READ_ERROR_NOT_RECORD, /* JSON, but not an object with "time" and "event" */
	SF_AUDIT_READ_ERROR_MISSING,   /* a field the event needs is missing or of the wrong type */
	SF_AUDIT_READ_ERROR_BAD_VALUE, /* a field is there but its value is impossible */
} SfAuditReadError;

/*
 * Longest line read as a record. The writer's records are at most
 * SF_AUDIT_LINE_MAX (2 KiB); anything much longer is not one of ours.
 */
#define SF_AUDIT_READ_LINE_MAX (64 * 1024)

typedef enum {
	SF_AUDIT_EV_FLOW,
	SF_AUDIT_EV_DNS,
	SF_AUDIT_EV_POLICY_LOADED,
	SF_AUDIT_EV_POLICY_RELOADED,
	SF_AUDIT_EV_POLICY_REFUSED,
	SF_AUDIT_EV_SUPPRESSED,
	SF_AUDIT_EV_OTHER, /* an event this build does not know: valid, shown generically */
} SfAuditEvent;

/**
 * SfAuditRecord:
 * One parsed record. The strings point into @root and live as long as the
 * record; absent fields are NULL (strings) or -1 (ports, counts).
 */
typedef struct {
	JsonNode *root;
	SfAuditEvent event;
	const char *event_name;
	const char *time;     /* as written: RFC 3339 */
	int64_t time_us;      /* the same as Unix time in microseconds */
	const char *verdict;  /* flow: allow, deny, audit-deny, cut; dns: deny, audit-deny, strip, servfail */
	const char *reason;
	const char *rule;     /* "FILE:LINE" */
	const char *range;    /* flow, reason protected: which range */
	const char *proto;    /* tcp, udp, icmp, icmpv6 */
	const char *src, *dst;
	int sport, dport;     /* tcp and udp only */
	const char *name;     /* flow: the name that opened dst; dns: the name asked */
	const char *qtype;
	const char *cname;    /* dns: the denied name in the chain */
	const char *stripped_first, *stripped_why;
	int64_t stripped;
	const char *mode;
	const char *policy, *chosen_by, *summary, *error; /* policy-* events */
	int64_t count;        /* audit-suppressed: records suppressed; flow, dns: a summary of COUNT
			       * records (the rate limit suppressed them), -1 for a single one */
	const char *first, *last; /* a summary: the first and last of its records (RFC 3339) */
	int64_t first_us, last_us; /* the same in Unix µs; the record's time when not a summary */
	int64_t summarized, allowed, overflow; /* audit-suppressed: its parts, -1 when absent */
	int64_t flows_cut;    /* policy-reloaded */
	bool truncated;       /* the writer cut the record to fit */
} SfAuditRecord;

/**
 * sf_audit_record_parse:
 * Parses one line (@len bytes, no trailing newline needed, any bytes) with
 * json-glib and checks that it holds what its event needs: every record a
 * string "time" in RFC 3339 and "event"; a flow verdict, reason, proto,
 * src and dst as IP addresses, and for tcp/udp a dport of 0..65535; a dns
 * record verdict, reason and name. Unknown events are accepted with the
 * common fields only. On error returns FALSE, sets @error
 * (SF_AUDIT_READ_ERROR) and leaves @rec cleared. @rec is overwritten:
 * clear a record before parsing into it again.
 */
bool sf_audit_record_parse(const char *line, size_t len, SfAuditRecord *rec, GError **error);

/** sf_audit_record_clear: frees what a successful parse holds; safe on a cleared record. */
void sf_audit_record_clear(SfAuditRecord *rec);

/**
 * sf_audit_record_format:
 * One human-readable line (no newline), e.g.
 * "18:01:48 DENY       tcp 10.0.2.100:42520 -> 203.0.113.10:7 (default-deny)"
 * or "18:01:48 DNS DENY   exfil.example A (not-allowed)". The time is shown
 * in @tz (NULL: local time). With @color the verdict is wrapped in ANSI
 * colours.
 */
char *sf_audit_record_format(const SfAuditRecord *rec, GTimeZone *tz, bool color);

/**
 * sf_audit_format_bad_line:
 * The line shown for a line that is not a record: "? " and at most 200
 * bytes of it with control and non-ASCII bytes escaped, then why.
 */
char *sf_audit_format_bad_line(const char *line, size_t len, const char *why, bool color);

/**
 * sf_audit_time_format:
 * @time_us (Unix µs) as "YYYY-MM-DDTHH:MM:SSZ" into @buf (at least 24 bytes).
 */
const char *sf_audit_time_format(int64_t time_us, char *buf, size_t size);

/**
 * SfLineSplitter:
 * Bytes in, lines out, with a bound: a line longer than @max bytes is
 * delivered once, cut to @max bytes and flagged, and the rest of it is
 * dropped, so a corrupt log without newlines never costs more than @max
 * bytes of memory. A final '\r' is removed. Empty lines are delivered too.
 */
typedef struct SfLineSplitter SfLineSplitter;

/* Called per line: @line is NUL-terminated at @len; @lineno counts from 1. */
typedef void (*SfLineFunc)(const char *line, size_t len, bool too_long, uint64_t lineno, void *data);

/** sf_line_splitter_new: lines of at most @max bytes. */
SfLineSplitter *sf_line_splitter_new(size_t max);
/** sf_line_splitter_free: NULL-safe. */
void sf_line_splitter_free(SfLineSplitter *ls);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SfLineSplitter, sf_line_splitter_free)
/** sf_line_splitter_feed: calls @fn for every line @buf completes. */
void sf_line_splitter_feed(SfLineSplitter *ls, const char *buf, size_t len, SfLineFunc fn, void *data);
/** sf_line_splitter_finish: end of input: delivers a last line that had no newline. */
void sf_line_splitter_finish(SfLineSplitter *ls, SfLineFunc fn, void *data);
/** sf_line_splitter_reset: forgets a partial line (the file was truncated); line numbers restart at 1. */
void sf_line_splitter_reset(SfLineSplitter *ls);
/** sf_line_splitter_pending: bytes of an unfinished line held. */
size_t sf_line_splitter_pending(const SfLineSplitter *ls);
