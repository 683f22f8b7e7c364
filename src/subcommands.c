/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Dispatching the subcommands of the slirp-filter binary (see subcommands.h). */
#include "config.h"

#include <glib.h>
#include <string.h>

#include "subcommands.h"

bool subcommand_run(int argc, char **argv, int *status)
{
	static const struct {
		const char *word;
		int (*main)(int argc, char **argv);
	} cmds[] = {
		{ "suggest-policy", suggest_policy_main },
		{ "status", status_main },
		{ "audit", audit_main },
	};

	if (argc < 2)
		return false;
	for (size_t i = 0; i < G_N_ELEMENTS(cmds); i++) {
		if (strcmp(argv[1], cmds[i].word) == 0) {
			*status = cmds[i].main(argc - 1, argv + 1);
			return true;
		}
	}
	return false;
}
