/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The audit log writer: JSON lines to a 0600 file or stderr, rate-limited. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit-log.h"
#include "slirp-filter/audit.h"
#include "slirp-filter/ratelimit.h"

struct AuditLog {
	int fd;
	char *path;
	SfRateLimit limit;
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

void audit_log_flush_suppressed(AuditLog *log, int64_t now_ms)
{
	uint64_t n = sf_ratelimit_take_suppressed(&log->limit);
	SfAuditLine line;

	if (n == 0)
		return;
	log->suppressed_total += n;
	sf_audit_begin(&line, g_get_real_time(), "audit-suppressed");
	sf_audit_int(&line, "count", (int64_t)MIN(n, (uint64_t)G_MAXINT64));
	audit_log_write(log, sf_audit_end(&line), false, now_ms);
}

void audit_log_counters(const AuditLog *log, uint64_t *written, uint64_t *suppressed,
			uint64_t *failed)
{
	*written = log->written;
	*suppressed = log->suppressed_total + log->limit.suppressed;
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
