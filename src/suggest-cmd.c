/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `slirp-filter suggest-policy`: audit logs in, a v1 policy out (slirp-filter/suggest.c does the work). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "slirp-filter/audit-read.h"
#include "slirp-filter/policy.h"
#include "slirp-filter/suggest.h"

#include "resolvconf.h"
#include "subcommands.h"

/* Bad lines reported one by one per file; the rest are counted. */
#define REPORT_MAX 20

typedef struct {
	SfSuggest *s;
	const char *label;
	unsigned skipped;
	uint64_t records;
} ReadState;

static void usage(FILE *out)
{
	fputs("Usage: slirp-filter suggest-policy [--wildcards] AUDIT.jsonl... (- for stdin)\n"
	      "Prints a slirp-filter policy that allows what the audit logs recorded: run a\n"
	      "container with `mode audit` and --audit-log (or $SLIRP_FILTER_AUDIT_LOG) first.\n\n"
	      "  --wildcards  fold several subdomains of one parent into *.parent\n"
	      "  -h, --help   show this help\n\n"
	      "Unusable lines are reported on stderr with their line numbers and skipped.\n"
	      "Exit status: 0 the policy covers every line, 2 some lines were skipped,\n"
	      "1 an error (no policy printed).\n", out);
}

static void on_line(const char *line, size_t len, bool too_long, uint64_t lineno, void *data)
{
	ReadState *st = data;
	g_autoptr(GError) error = NULL;
	SfAuditRecord rec;
	const char *why;

	if (len == 0 && !too_long)
		return; /* blank lines are not records, and not errors */
	if (too_long) {
		why = "longer than 65536 bytes";
	} else if (sf_audit_record_parse(line, len, &rec, &error)) {
		sf_suggest_add(st->s, &rec);
		sf_audit_record_clear(&rec);
		st->records++;
		return;
	} else {
		why = error->message;
	}
	st->skipped++;
	if (st->skipped <= REPORT_MAX)
		fprintf(stderr, "slirp-filter: suggest-policy: %s:%" G_GUINT64_FORMAT ": %s; skipped\n",
			st->label, lineno, why);
}

/* Reads one log into @s; FALSE (message printed) when it cannot be read at all. */
static bool read_log(SfSuggest *s, const char *path, unsigned *skipped)
{
	g_autoptr(SfLineSplitter) ls = sf_line_splitter_new(SF_AUDIT_READ_LINE_MAX);
	ReadState st = { .s = s, .label = strcmp(path, "-") == 0 ? "stdin" : path };
	char buf[65536];
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	bool ok = true;

	if (fd < 0) {
		fprintf(stderr, "slirp-filter: suggest-policy: %s: %s\n", path, g_strerror(errno));
		return false;
	}
	sf_suggest_begin_source(s, st.label);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "slirp-filter: suggest-policy: %s: %s\n", path, g_strerror(errno));
			ok = false;
			break;
		}
		if (n == 0)
			break;
		sf_line_splitter_feed(ls, buf, (size_t)n, on_line, &st);
	}
	/* a last line without its newline (a log cut mid-write) is read like any other */
	sf_line_splitter_finish(ls, on_line, &st);
	if (fd != STDIN_FILENO)
		close(fd);
	if (st.skipped > REPORT_MAX)
		fprintf(stderr, "slirp-filter: suggest-policy: %s: ... and %u more unusable lines skipped\n",
			st.label, st.skipped - REPORT_MAX);
	sf_suggest_end_source(s, st.skipped);
	*skipped += st.skipped;
	return ok;
}

int suggest_policy_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "wildcards", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	SfSuggestOptions opts = { 0 };
	g_autoptr(SfSuggest) s = sf_suggest_new();
	g_autoptr(SfPolicy) check = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *text = NULL;
	unsigned skipped = 0;
	int opt;
	{
		/* the host's resolvers are protected destinations: never suggested as rules */
		SfAddr resolvers[RESOLVCONF_MAX];
		int n = resolvconf_read(RESOLVCONF_PATH, resolvers, RESOLVCONF_MAX);

		sf_suggest_set_network(s, NULL, resolvers, n > 0 ? (unsigned)n : 0);
	}

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'w':
			opts.wildcards = true;
			break;
		case 'h':
			usage(stdout);
			return SUBCOMMAND_OK;
		default:
			fprintf(stderr, "slirp-filter: suggest-policy: unrecognized option '%s' (see --help)\n",
				argv[optind - 1]);
			return SUBCOMMAND_ERROR;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "slirp-filter: suggest-policy: name at least one audit log (- for stdin; see --help)\n");
		return SUBCOMMAND_ERROR;
	}
	for (int i = optind; i < argc; i++)
		if (!read_log(s, argv[i], &skipped))
			return SUBCOMMAND_ERROR;

	text = sf_suggest_render(s, &opts);
	/* what we print must be a policy the helper accepts, whatever the logs held */
	check = sf_policy_parse(text, strlen(text), "suggested policy", &error);
	if (check == NULL) {
		fprintf(stderr, "slirp-filter: suggest-policy: internal error, the suggestion does not parse "
				"(please report this):\n%s\n", error->message);
		return SUBCOMMAND_ERROR;
	}
	fputs(text, stdout);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "slirp-filter: suggest-policy: writing the policy: %s\n", g_strerror(errno));
		return SUBCOMMAND_ERROR;
	}
	if (skipped > 0) {
		fprintf(stderr, "slirp-filter: suggest-policy: %u unusable line%s skipped; the policy covers "
				"the rest\n", skipped, skipped == 1 ? " was" : "s were");
		return SUBCOMMAND_SKIPPED;
	}
	return SUBCOMMAND_OK;
}
