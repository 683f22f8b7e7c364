/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The audit log writer: JSON lines to a 0600 file or stderr, rate-limited. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "slirp-filter/filter.h"
#include "slirp-filter/policy.h"

typedef struct AuditLog AuditLog;

/*
 * Records per second (and burst) before the rest are summarized or counted,
 * not written; allowed flows and denials each have a bucket of this size.
 */
#define AUDIT_RATE_PER_S 200
#define AUDIT_BURST 1000
/* Distinct suppressed denials summarized per flush (one second); more are only counted. */
#define AUDIT_SUMMARY_MAX 512

/**
 * audit_log_open:
 * Appends to @path (created 0600, never following a final symlink), or
 * writes to stderr when @path is NULL. Returns NULL and sets @error when the
 * file cannot be opened.
 */
AuditLog *audit_log_open(const char *path, GError **error);

/**
 * audit_log_reopen:
 * Opens the file again by its path (after logrotate moved it, or someone
 * removed it) and writes there from now on. 0, or -errno with the old file
 * kept. A no-op for stderr.
 */
int audit_log_reopen(AuditLog *log);

/** audit_log_free: NULL-safe. */
void audit_log_free(AuditLog *log);

/**
 * audit_log_write:
 * Writes one line (which ends in '\n') with one write(2), so concurrent
 * appends never interleave. @limited lines (flow records) pass the rate
 * limit first; the others (policy events) always go out. A failed write
 * (disk full, file removed) is counted, never fatal.
 */
void audit_log_write(AuditLog *log, const char *line, bool limited, int64_t now_ms);

/**
 * audit_log_admit:
 * Takes the denials' rate-limit token for one limited line before it is
 * formatted: FALSE means the line would be suppressed (and is counted as
 * such), so the caller skips formatting it and writes an admitted line
 * with @limited FALSE. A flood of denied flows then costs no formatting.
 */
bool audit_log_admit(AuditLog *log, int64_t now_ms);

/**
 * audit_log_admit_flow:
 * audit_log_admit() for the flow record sf_audit_flow(policy, prot, key,
 * ev, verdict) would write: an allowed flow takes from the allowed budget,
 * any other from the denials' one. FALSE: do not write it; a denial is
 * then counted into the summaries under what the record says.
 */
bool audit_log_admit_flow(AuditLog *log, const SfPolicy *policy, const SfProtected *prot,
			  const SfFlowKey *key, const SfFilterEvent *ev, const char *verdict,
			  int64_t now_ms);

/**
 * audit_log_admit_dns:
 * The same for a "dns" record (verdict, reason, @rule or -1, @name as
 * logged, @qtype): the denials' budget, summarized when refused.
 */
bool audit_log_admit_dns(AuditLog *log, const SfPolicy *policy, const char *verdict,
			 const char *reason, int32_t rule, const char *name, uint16_t qtype,
			 int64_t now_ms);

/**
 * audit_log_flush_suppressed:
 * Writes the summaries of the suppressed denials (one record each, with
 * count, first, last) and an "audit-suppressed" record with the totals, if
 * anything was suppressed since the last call. Call it every second.
 */
void audit_log_flush_suppressed(AuditLog *log, int64_t now_ms);

/** audit_log_counters: lines written, suppressed by the limit, failed writes. */
void audit_log_counters(const AuditLog *log, uint64_t *written, uint64_t *suppressed,
			uint64_t *failed);

/** audit_log_path: the file, or NULL for stderr. */
const char *audit_log_path(const AuditLog *log);

/** audit_log_fd: the descriptor written to (kept open through the sandbox). */
int audit_log_fd(const AuditLog *log);
