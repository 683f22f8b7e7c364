/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The API socket server (-a PATH): non-blocking, polled by the main loop. */
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <slirp/libslirp.h>
#include <stdint.h>

#include "slirp-filter/netconfig.h"

typedef struct ApiServer ApiServer;

/**
 * api_server_new:
 * Listens on the unix socket @path; a stale socket there is removed first,
 * any other kind of file is left alone (-EEXIST); the socket is created
 * mode 0600 whatever the umask. @layout's guest address (cidr+100) is
 * where forwards go when guest_addr is empty; a guest_addr outside its
 * network (or its gateway, DNS, network or broadcast address) is refused
 * (sf_hostfwd_guest_check). @slirp must
 * outlive the server. Returns 0 and sets *@out, or -errno.
 */
int api_server_new(const char *path, Slirp *slirp, const SfNetLayout *layout, ApiServer **out);

/**
 * ApiHooks:
 * The daemon's answers to slirp-filter's own commands. Each returns a
 * newly allocated reply ({"return":...} or {"error":{"desc":...}}).
 */
typedef struct {
	char *(*reload_policy)(void *opaque);
	char *(*get_counters)(void *opaque);
	char *(*get_status)(void *opaque);
	/* a forward to @guest_port was added or removed */
	void (*forward_changed)(void *opaque, bool udp, int guest_port, bool added);
	void *opaque;
} ApiHooks;

/** api_server_set_hooks: installs @hooks (copied); without them those commands answer an error. */
void api_server_set_hooks(ApiServer *api, const ApiHooks *hooks);

/** api_server_free: closes every connection and unlinks the socket; NULL-safe. */
void api_server_free(ApiServer *api);

/**
 * api_server_fill:
 * Appends the pollfds the server wants (listener, then clients) to @fds,
 * at most @max, and lowers *@timeout_ms to the nearest client deadline.
 * Returns how many entries were appended.
 */
int api_server_fill(ApiServer *api, struct pollfd *fds, int max, int64_t now_ms, int *timeout_ms);

/**
 * api_server_dispatch:
 * Handles the revents of the @n entries the last api_server_fill() appended
 * (same order), and drops clients whose deadline is past: call it after
 * every poll, also when poll() timed out.
 */
void api_server_dispatch(ApiServer *api, const struct pollfd *fds, int n, int64_t now_ms);
