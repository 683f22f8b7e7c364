/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A GLib log handler that writes one plain line per message to stderr. */
#include "config.h"

#include <stdio.h>
#include <glib.h>

#include "log.h"

static int log_level = 2;

/* #syscalls: write: log lines on stderr; ioctl(TCGETS): GLib's isatty(stderr) */
static void log_handler(const gchar *domain, GLogLevelFlags level, const gchar *message,
			gpointer data)
{
	const char *tag;
	int rank;

	if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) {
		tag = "error";
		rank = 0;
	} else if (level & G_LOG_LEVEL_WARNING) {
		tag = "warning";
		rank = 1;
	} else if (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO)) {
		tag = "info";
		rank = 2;
	} else {
		tag = "debug";
		rank = 3;
	}
	if (rank > log_level)
		return;
	fprintf(stderr, "slirp-filter: %s: %s\n", tag, message);
}

void log_init(int level)
{
	log_level = level;
	g_log_set_default_handler(log_handler, NULL);
}
