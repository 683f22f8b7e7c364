/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Subcommands of the slirp-filter binary: suggest-policy, status, audit. */
#pragma once

#include <stdbool.h>

/*
 * A subcommand is recognised only as the very first argument, and only by
 * these exact words: Podman's slirp4netns command lines start with an
 * option and end with a PID or a path, so they can never collide.
 */

/**
 * subcommand_run:
 * When argv[1] names a subcommand, runs it and returns TRUE with its exit
 * status in *@status; otherwise returns FALSE and the daemon's command line
 * is parsed as usual.
 */
bool subcommand_run(int argc, char **argv, int *status);

/** suggest_policy_main: `slirp-filter suggest-policy [--wildcards] AUDIT.jsonl...` (argv[0] is the word). */
int suggest_policy_main(int argc, char **argv);
/** status_main: `slirp-filter status [--json] [--timeout=S] API_SOCKET`. */
int status_main(int argc, char **argv);
/** audit_main: `slirp-filter audit [--follow] [-n N] [--color=WHEN] [FILE]`. */
int audit_main(int argc, char **argv);

/* Exit statuses of the subcommands (also in slirp-filter(1)). */
#define SUBCOMMAND_OK 0
#define SUBCOMMAND_ERROR 1     /* bad usage, unreadable file, no answer */
#define SUBCOMMAND_SKIPPED 2   /* suggest-policy: some lines were unusable; the policy covers the rest */
