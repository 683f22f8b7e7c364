/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading the nameservers of a resolv.conf. */
#pragma once

#include "slirp-filter/frame.h"

#define RESOLVCONF_PATH "/etc/resolv.conf"
#define RESOLVCONF_MAX 8

/**
 * resolvconf_read:
 * The `nameserver` addresses of @path (at most @max, IPv4 and IPv6, zone
 * suffixes dropped), in file order. Returns how many, or -errno when the
 * file cannot be read. Unparsable lines are skipped.
 */
int resolvconf_read(const char *path, SfAddr *out, unsigned max);
