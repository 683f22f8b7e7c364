/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading the nameservers of a resolv.conf. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "resolvconf.h"

int resolvconf_read(const char *path, SfAddr *out, unsigned max)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	g_autoptr(GError) error = NULL;
	unsigned n = 0;

	if (!g_file_get_contents(path, &text, NULL, &error))
		return error->code == G_FILE_ERROR_NOENT ? -ENOENT : -EIO;
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l != NULL && n < max; l++) {
		g_auto(GStrv) words = g_strsplit_set(g_strstrip(*l), " \t", -1);
		char *addr, *pct;
		uint8_t b[16];

		if (words[0] == NULL || strcmp(words[0], "nameserver") != 0 || words[1] == NULL)
			continue;
		addr = words[1];
		if ((pct = strchr(addr, '%')) != NULL)
			*pct = '\0';
		if (inet_pton(AF_INET, addr, b) == 1)
			sf_addr_from_ipv4(&out[n++], b);
		else if (inet_pton(AF_INET6, addr, b) == 1)
			memcpy(out[n++].b, b, 16);
	}
	return (int)n;
}
