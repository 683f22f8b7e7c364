/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The API socket server (-a PATH): non-blocking, polled by the main loop. */
#pragma once

#include <netinet/in.h>
#include <poll.h>
#include <slirp/libslirp.h>
#include <stdint.h>

typedef struct ApiServer ApiServer;

/**
 * api_server_new:
 * Listens on the unix socket @path (a stale file there is removed first).
 * @guest_default is the address forwards go to when guest_addr is empty.
 * Returns 0 or -errno.
 */
int api_server_new(const char *path, Slirp *slirp, struct in_addr guest_default, ApiServer **out);

/** api_server_free: closes every connection and unlinks the socket; NULL-safe. */
void api_server_free(ApiServer *api);

/**
 * api_server_fill:
 * Appends the pollfds the server wants (listener, then clients) to @fds,
 * at most @max, and lowers *@timeout_ms to the nearest client deadline.
 * Returns how many entries were appended.
 */
int api_server_fill(ApiServer *api, struct pollfd *fds, int max, int64_t now_ms, int *timeout_ms);

/** api_server_dispatch: handles the revents of the @n entries api_server_fill() appended. */
void api_server_dispatch(ApiServer *api, const struct pollfd *fds, int n, int64_t now_ms);
