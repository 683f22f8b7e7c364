/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The get_status API command: the daemon's live state as one JSON reply. */
#pragma once

#include "daemon.h"

/* Learned addresses and flows listed at most; the reply says how many more there were. */
#define STATUS_LIST_MAX 1000

/**
 * daemon_status_json:
 * `{"return":{"version":..,"policy":{..},"counters":{..},"learned":[..],
 * "learned_total":N,"learned_truncated":N,"flows":[..],"flows_total":N,
 * "flows_truncated":N}}`, newly allocated (docs in slirp-filter(1), STATUS).
 */
char *daemon_status_json(Daemon *d);

/** status_api_get_status: daemon_status_json() as an ApiHooks.get_status (@opaque: the Daemon). */
char *status_api_get_status(void *opaque);
