/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inputs json-glib 1.6 leaks memory on, refused before they reach its parser. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/**
 * sf_json_glib_trap:
 * TRUE when @len bytes of @buf hold something json-glib 1.6 (Debian 12)
 * accepts or rejects while leaking memory: several top-level values, or a
 * \u escape of a UTF-16 surrogate. Callers refuse such input unparsed (the
 * API socket, the audit log reader); everything else is the parser's.
 */
bool sf_json_glib_trap(const char *buf, size_t len);
