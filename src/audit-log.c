/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit log writer: JSON lines to a 0600 file or stderr, rate-limited.
 *
 * Two token buckets: allowed-flow records take from one, every other
 * record (denied, cut and audit-deny flows, DNS refusals) from the other,
 * so allowed traffic can never use up the budget of the denials. A denial
 * the limit refuses is counted into the summary table (audit-agg.h) under
 * what its record would have said; audit_log_flush_suppressed() writes the
 * summaries, so the log keeps which destinations and names were denied
 * and how often even under a flood. Suppressed allowed records are only
 * counted.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit-log.h"
#include "slirp-filter/audit-agg.h"
#include "slirp-filter/audit.h"
#include "slirp-filter/ratelimit.h"

struct AuditLog {
	int fd;
	char *path;
	SfRateLimit limit;         /* denials and everything else but allowed flows */
	SfRateLimit limit_allowed; /* allowed-flow records */
	SfAuditAgg *agg;           /* the suppressed denials, until the next flush */
	uint64_t written, suppressed_total, failed;
};

AuditLog *audit_log_open(const char *path, GError **error)
{
	AuditLog *log;
	int fd = STDERR_FILENO;

	if (path != NULL) {
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0) {
			int err = errno;

			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
				    "audit log %s: %s", path, g_strerror(err));
			return NULL;
		}
	}
	log = g_new0(AuditLog, 1);
	log->fd = fd;
	log->path = g_strdup(path);
	sf_ratelimit_init(&log->limit, AUDIT_RATE_PER_S, AUDIT_BURST);
	sf_ratelimit_init(&log->limit_allowed, AUDIT_RATE_PER_S, AUDIT_BURST);
	log->agg = sf_audit_agg_new(AUDIT_SUMMARY_MAX);
	return log;
}

/* #syscalls: openat(O_WRONLY|O_APPEND) dup3 fsync fdatasync: the audit log reopened on SIGHUP, in place of the old descriptor */
int audit_log_reopen(AuditLog *log)
{
	int fd;

	if (log->path == NULL)
		return 0;
	fd = open(log->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	/* dup3 keeps the descriptor number the sandbox was told about */
	if (dup3(fd, log->fd, O_CLOEXEC) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	return 0;
}

void audit_log_free(AuditLog *log)
{
	if (log == NULL)
		return;
	audit_log_flush_suppressed(log, 0); /* what was summarized is not lost at exit */
	sf_audit_agg_free(log->agg);
	if (log->path != NULL)
		close(log->fd);
	g_free(log->path);
	g_free(log);
}

void audit_log_write(AuditLog *log, const char *line, bool limited, int64_t now_ms)
{
	size_t len = strlen(line);
	ssize_t n;

	if (limited && !sf_ratelimit_take(&log->limit, now_ms))
		return;
	do
		n = write(log->fd, line, len);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)len)
		log->written++;
	else
		log->failed++;
}

bool audit_log_admit(AuditLog *log, int64_t now_ms)
{
	return sf_ratelimit_take(&log->limit, now_ms);
}

bool audit_log_admit_flow(AuditLog *log, const SfPolicy *policy, const SfProtected *prot,
			  const SfFlowKey *key, const SfFilterEvent *ev, const char *verdict,
			  int64_t now_ms)
{
	bool allowed = verdict == NULL && !ev->table_full && !ev->audit_only && ev->decision.allow;
	SfAuditAggKey k;

	if (allowed)
		return sf_ratelimit_take(&log->limit_allowed, now_ms); /* counted when refused */
	if (sf_ratelimit_take(&log->limit, now_ms))
		return true;
	sf_audit_agg_key_flow(&k, policy, prot, key, ev, verdict);
	sf_audit_agg_add(log->agg, &k, policy, g_get_real_time());
	return false;
}

bool audit_log_admit_dns(AuditLog *log, const SfPolicy *policy, const char *verdict,
			 const char *reason, int32_t rule, const char *name, uint16_t qtype,
			 int64_t now_ms)
{
	SfAuditAggKey k;

	if (sf_ratelimit_take(&log->limit, now_ms))
		return true;
	sf_audit_agg_key_dns(&k, policy, verdict, reason, rule, name, qtype);
	sf_audit_agg_add(log->agg, &k, policy, g_get_real_time());
	return false;
}

static void write_unlimited(const char *line, void *data)
{
	AuditLog *log = data;

	audit_log_write(log, line, false, 0);
}

void audit_log_flush_suppressed(AuditLog *log, int64_t now_ms)
{
	uint64_t allowed = sf_ratelimit_take_suppressed(&log->limit_allowed);
	uint64_t denied = sf_ratelimit_take_suppressed(&log->limit);

	(void)now_ms;
	log->suppressed_total += allowed + denied;
	sf_audit_agg_flush(log->agg, g_get_real_time(), allowed, denied, write_unlimited, log);
}

void audit_log_counters(const AuditLog *log, uint64_t *written, uint64_t *suppressed,
			uint64_t *failed)
{
	*written = log->written;
	*suppressed = log->suppressed_total + log->limit.suppressed + log->limit_allowed.suppressed;
	*failed = log->failed;
}

const char *audit_log_path(const AuditLog *log)
{
	return log->path;
}

int audit_log_fd(const AuditLog *log)
{
	return log->fd;
}
