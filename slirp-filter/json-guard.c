/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inputs json-glib 1.6 leaks memory on, refused before they reach its parser. */
#include <glib.h>

#include "slirp-filter/json-guard.h"

/*
 * Whether @buf holds what json-glib 1.6 (Debian 12) mishandles and leaks
 * memory on, found by tests/fuzz/fuzz-api: a top-level value followed by an
 * object or array ("{}{}", "1 []"), which it accepts, keeping the last value
 * and leaking the others; and a \u escape of a UTF-16 surrogate (D800-DFFF),
 * whose "malformed surrogate pair" error leaks. No slirp4netns request needs
 * either (every string it carries is ASCII), so such a request is refused
 * before it is parsed. Anything else that is malformed is left to the parser.
 * Strings are counted as json-glib 1.6 counts them: a \u followed by a hex
 * digit takes up to four hex digits and the first other byte after them, a
 * quote included (so that quote does not end the string).
 */
bool sf_json_glib_trap(const char *buf, size_t len)
{
	size_t depth = 0;
	bool in_string = false, seen = false;

	/* anywhere, in a string or not, however strings are counted: \uD800-\uDFFF */
	for (size_t i = 0; i + 3 < len; i++)
		if (buf[i] == '\\' && buf[i + 1] == 'u' && (buf[i + 2] == 'd' || buf[i + 2] == 'D') &&
		    g_ascii_xdigit_value(buf[i + 3]) >= 8)
			return true;
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];

		if (in_string) {
			if (c == '\\' && i + 2 < len && buf[i + 1] == 'u' && g_ascii_isxdigit(buf[i + 2])) {
				size_t k = i + 2, end = MIN(i + 6, len);

				while (k < end && g_ascii_isxdigit(buf[k]))
					k++;
				i = k < end ? k : end - 1; /* the first other byte goes too */
			} else if (c == '\\') {
				i++; /* the escaped byte (a 'u' without hex digits alone) */
			} else if (c == '"') {
				in_string = false;
				if (depth == 0)
					seen = true; /* a top-level string ended */
			}
			continue;
		}
		if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			if (depth == 0 && seen)
				return true;
			depth++;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				return false; /* malformed: the parser says so */
			if (--depth == 0)
				seen = true;
		} else if (depth == 0 && c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			seen = true;
		}
	}
	return false;
}
