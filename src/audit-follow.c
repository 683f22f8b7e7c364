/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `slirp-filter audit [--follow] [FILE]`: the audit log as one readable
 * line per decision, while a container runs.
 *
 * Theory of operation: bytes are read as they come and cut into lines
 * (bounded, see SfLineSplitter); each line is parsed and formatted by the
 * core (slirp-filter/audit-read.c); a line that is not a record is shown
 * as such, never fatal. With --follow the file is polled like `tail -F`:
 * at end of file we sleep a little, then stat the path: a different inode
 * means the log was rotated or recreated (the old file is drained, the new
 * one read from its start), a size below our offset means it was truncated
 * (we start again at 0), a missing file is waited for.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "slirp-filter/audit-read.h"
#include "subcommands.h"

#define FOLLOW_POLL_MS 200
/* With -n N, the last N lines are looked for in at most this much of the file's end. */
#define TAIL_WINDOW (4u * 1024 * 1024)
#define TAIL_DEFAULT_FOLLOW 10

typedef struct {
	bool color;
	GTimeZone *tz;
	int64_t tail;       /* show only the last N lines of what is there at the start; -1: all */
	bool collecting;    /* reading what is there at the start (with a tail) */
	bool skip_partial;  /* the first line after a seek into the middle of the file */
	GQueue ring;        /* formatted lines while collecting */
} Out;

static void usage(FILE *out)
{
	fputs("Usage: slirp-filter audit [--follow] [-n N] [--color=WHEN] [FILE]\n"
	      "Shows the audit log (JSON lines) as one readable line per decision.\n"
	      "FILE defaults to $SLIRP_FILTER_AUDIT_LOG, else stdin; - is stdin.\n\n"
	      "  -f, --follow      keep reading as the file grows; follows it when it is\n"
	      "                    truncated, rotated or recreated (like tail -F)\n"
	      "  -n, --lines=N     start with the last N lines (default: all, or 10 with --follow;\n"
	      "                    \"all\" for every line)\n"
	      "  --color=WHEN      auto (default: when stdout is a terminal and NO_COLOR is not\n"
	      "                    set), always or never\n"
	      "  -h, --help        show this help\n", out);
}

static void emit(Out *o, char *line)
{
	if (o->collecting) {
		g_queue_push_tail(&o->ring, line);
		if (o->tail >= 0 && g_queue_get_length(&o->ring) > (guint)o->tail)
			g_free(g_queue_pop_head(&o->ring));
		return;
	}
	puts(line);
	g_free(line);
}

static void flush_ring(Out *o)
{
	char *line;

	o->collecting = false;
	while ((line = g_queue_pop_head(&o->ring)) != NULL) {
		puts(line);
		g_free(line);
	}
	fflush(stdout);
}

static void on_line(const char *line, size_t len, bool too_long, uint64_t lineno, void *data)
{
	Out *o = data;
	g_autoptr(GError) error = NULL;
	SfAuditRecord rec;

	(void)lineno;
	if (o->skip_partial) {
		o->skip_partial = false;
		return;
	}
	if (len == 0 && !too_long)
		return;
	if (too_long) {
		emit(o, sf_audit_format_bad_line(line, len, "longer than 65536 bytes", o->color));
	} else if (sf_audit_record_parse(line, len, &rec, &error)) {
		emit(o, sf_audit_record_format(&rec, o->tz, o->color));
		sf_audit_record_clear(&rec);
	} else {
		emit(o, sf_audit_format_bad_line(line, len, error->message, o->color));
	}
}

/* Reads @fd to its current end; FALSE on a read error (printed). */
static bool drain(int fd, const char *label, SfLineSplitter *ls, Out *o)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "slirp-filter: audit: %s: %s\n", label, g_strerror(errno));
			return false;
		}
		if (n == 0)
			return true;
		sf_line_splitter_feed(ls, buf, (size_t)n, on_line, o);
	}
}

/* With a tail: start near the end of a regular file, dropping the partial line we land in. */
static void seek_tail(int fd, Out *o)
{
	struct stat st;

	if (o->tail < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return;
	if (st.st_size > (off_t)TAIL_WINDOW && lseek(fd, st.st_size - (off_t)TAIL_WINDOW, SEEK_SET) >= 0)
		o->skip_partial = true;
}

static int open_log(const char *path)
{
	int fd;

	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	while (fd < 0 && errno == EINTR);
	return fd;
}

static void nap(void)
{
	poll(NULL, 0, FOLLOW_POLL_MS);
}

/* Follows @path by name (tail -F); returns only on a hard error. */
static int follow_path(const char *path, int *fdp, SfLineSplitter *ls, Out *o)
{
	struct stat cur, now;
	int fd = *fdp;

	if (fstat(fd, &cur) < 0) {
		fprintf(stderr, "slirp-filter: audit: %s: %s\n", path, g_strerror(errno));
		return SUBCOMMAND_ERROR;
	}
	for (;;) {
		off_t pos;

		if (!drain(fd, path, ls, o))
			return SUBCOMMAND_ERROR;
		fflush(stdout);
		nap();
		if (stat(path, &now) < 0)
			continue; /* removed: keep reading the old file until a new one appears */
		if (now.st_ino != cur.st_ino || now.st_dev != cur.st_dev) {
			int nfd;

			/* rotated or recreated: finish the old file, then read the new one from its start */
			if (!drain(fd, path, ls, o))
				return SUBCOMMAND_ERROR;
			sf_line_splitter_finish(ls, on_line, o);
			nfd = open_log(path);
			if (nfd < 0)
				continue; /* gone again: retry */
			close(fd);
			fd = *fdp = nfd;
			if (fstat(fd, &cur) < 0)
				return SUBCOMMAND_ERROR;
			sf_line_splitter_reset(ls);
			fprintf(stderr, "slirp-filter: audit: %s was replaced; following the new file\n", path);
			continue;
		}
		pos = lseek(fd, 0, SEEK_CUR);
		if (pos >= 0 && now.st_size < pos) {
			fprintf(stderr, "slirp-filter: audit: %s was truncated; reading it from the start\n", path);
			lseek(fd, 0, SEEK_SET);
			sf_line_splitter_reset(ls);
		}
	}
}

int audit_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "lines", required_argument, NULL, 'n' },
		{ "color", required_argument, NULL, 'c' },
		{ "colour", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	g_autoptr(SfLineSplitter) ls = sf_line_splitter_new(SF_AUDIT_READ_LINE_MAX);
	g_autoptr(GTimeZone) tz = g_time_zone_new_local();
	Out o = { .tz = tz, .tail = -2 };
	const char *when = "auto", *path = NULL, *nc = g_getenv("NO_COLOR"), *term = g_getenv("TERM");
	bool follow = false, is_stdin;
	int opt, fd, rc = SUBCOMMAND_OK;

	g_queue_init(&o.ring);
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+fn:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			follow = true;
			break;
		case 'n': {
			char *end;
			long long v;

			if (strcmp(optarg, "all") == 0) {
				o.tail = -1;
				break;
			}
			v = strtoll(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 0 || v > 1000000) {
				fprintf(stderr, "slirp-filter: audit: -n takes a number of lines (0 to 1000000) or "
						"\"all\", not \"%s\"\n", optarg);
				return SUBCOMMAND_ERROR;
			}
			o.tail = v;
			break;
		}
		case 'c':
			if (strcmp(optarg, "auto") != 0 && strcmp(optarg, "always") != 0 &&
			    strcmp(optarg, "never") != 0) {
				fprintf(stderr, "slirp-filter: audit: --color takes auto, always or never, not \"%s\"\n",
					optarg);
				return SUBCOMMAND_ERROR;
			}
			when = optarg;
			break;
		case 'h':
			usage(stdout);
			return SUBCOMMAND_OK;
		default:
			if (optopt == 'n')
				fprintf(stderr, "slirp-filter: audit: -n needs a number of lines\n");
			else
				fprintf(stderr, "slirp-filter: audit: unrecognized option '%s' (see --help)\n",
					argv[optind - 1]);
			return SUBCOMMAND_ERROR;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "slirp-filter: audit: one FILE at most (see --help)\n");
		return SUBCOMMAND_ERROR;
	}
	if (argc - optind == 1)
		path = argv[optind];
	else if (g_getenv("SLIRP_FILTER_AUDIT_LOG") != NULL && g_getenv("SLIRP_FILTER_AUDIT_LOG")[0] != '\0')
		path = g_getenv("SLIRP_FILTER_AUDIT_LOG");
	else
		path = "-";
	is_stdin = strcmp(path, "-") == 0;
	if (is_stdin && isatty(STDIN_FILENO)) {
		fprintf(stderr, "slirp-filter: audit: name the audit log (FILE, or $SLIRP_FILTER_AUDIT_LOG), "
				"or pipe it in (see --help)\n");
		return SUBCOMMAND_ERROR;
	}
	if (o.tail == -2)
		o.tail = follow ? TAIL_DEFAULT_FOLLOW : -1;
	/* https://no-color.org: a set, non-empty NO_COLOR turns colour off */
	o.color = strcmp(when, "always") == 0 ||
		  (strcmp(when, "auto") == 0 && isatty(STDOUT_FILENO) && (nc == NULL || nc[0] == '\0') &&
		   g_strcmp0(term, "dumb") != 0);
	if (follow)
		setvbuf(stdout, NULL, _IOLBF, 0);

	if (is_stdin) {
		fd = STDIN_FILENO;
	} else {
		fd = open_log(path);
		while (fd < 0 && errno == ENOENT && follow) {
			static bool said;

			if (!said)
				fprintf(stderr, "slirp-filter: audit: waiting for %s to appear\n", path);
			said = true;
			nap();
			fd = open_log(path);
		}
		if (fd < 0) {
			fprintf(stderr, "slirp-filter: audit: %s: %s\n", path, g_strerror(errno));
			return SUBCOMMAND_ERROR;
		}
	}
	o.collecting = o.tail >= 0;
	seek_tail(fd, &o);
	if (!drain(fd, is_stdin ? "stdin" : path, ls, &o))
		rc = SUBCOMMAND_ERROR;
	/* without --follow a last line without newline is complete; with it, it may be half-written */
	if (!follow)
		sf_line_splitter_finish(ls, on_line, &o);
	flush_ring(&o);
	if (rc == SUBCOMMAND_OK && follow) {
		struct stat st;

		if (!is_stdin)
			rc = follow_path(path, &fd, ls, &o);
		else if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			/* a redirected file: follow its growth by descriptor */
			while ((rc = drain(fd, "stdin", ls, &o) ? SUBCOMMAND_OK : SUBCOMMAND_ERROR) == SUBCOMMAND_OK) {
				fflush(stdout);
				nap();
			}
	}
	sf_line_splitter_finish(ls, on_line, &o);
	flush_ring(&o);
	if (!is_stdin)
		close(fd);
	return rc;
}
