/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The in-process filtering resolver on the DNS address: guest queries in, upstream I/O out. */
#pragma once

#include <poll.h>
#include <stdint.h>

#include "slirp-filter/frame.h"

struct Daemon;
typedef struct Resolver Resolver;

/* Queries waiting for an upstream at once; more get SERVFAIL at once. */
#define RESOLVER_PENDING_MAX 256
/* Per try; three tries (rotating upstreams) bound the wait at 4.5 s. */
#define RESOLVER_TRY_MS 1500
#define RESOLVER_TRIES 3

/**
 * resolver_new:
 * Opens the upstream sockets (IPv4, and IPv6 when possible) and reads the
 * upstreams: the policy's, else the host's resolv.conf. Returns NULL and
 * logs why when no socket can be opened.
 */
Resolver *resolver_new(struct Daemon *d);
/** resolver_free: NULL-safe; pending queries are dropped. */
void resolver_free(Resolver *res);

/**
 * resolver_frame:
 * A DNS frame from the guest to the DNS address (UDP or TCP port 53),
 * already parsed into @pkt by the filter. Answers it (refusal, cache) or
 * sends it upstream.
 */
void resolver_frame(Resolver *res, const uint8_t *frame, size_t len, const SfPacket *pkt,
		    int64_t now_ms);

/** resolver_fill: appends the resolver's pollfds (at most @max); lowers *@timeout_ms. */
int resolver_fill(Resolver *res, struct pollfd *fds, int max, int64_t now_ms, int *timeout_ms);

/** resolver_dispatch: handles the revents of what the last fill appended, and timeouts. */
void resolver_dispatch(Resolver *res, const struct pollfd *fds, int n, int64_t now_ms);

/**
 * resolver_upstreams_changed:
 * The daemon's upstream set changed (src/upstreams.c): the resolver asks
 * the new upstreams from the next try on, and strips answers pointing at
 * any known upstream.
 */
void resolver_upstreams_changed(Resolver *res);

/** resolver_policy_changed: after a reload (cached answers were filtered by the old policy). */
void resolver_policy_changed(Resolver *res);

/** resolver_counters_add: adds a "dns" member with the resolver's counters to a JsonBuilder object. */
void resolver_counters_add(Resolver *res, void *json_builder);
