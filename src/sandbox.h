/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --enable-sandbox: an empty read-only root, no capabilities, no inherited fds, tight limits. */
#pragma once

#include <stdbool.h>
#include <sys/resource.h>

/**
 * SandboxKeep:
 * A file the running daemon still opens by path after the sandbox is in
 * place. Its directory (not the file: editors and resolvers replace files
 * by rename) is bind-mounted at the same path, read-only unless
 * @dir_writable. Symbolic links in the path are followed and their targets'
 * directories kept as well. A file whose directory does not exist is
 * skipped (logged); the daemon then simply cannot open it later.
 */
typedef struct {
	const char *path;
	bool dir_writable; /* the daemon creates or removes files there */
} SandboxKeep;

/**
 * SandboxConfig:
 * What sandbox_enter() keeps. Descriptors 0, 1 and 2 are always kept;
 * descriptors the daemon opened itself are close-on-exec and stay (libslirp's,
 * the API server's); every other descriptor that came through exec is closed
 * unless listed in @keep_fds (e.g. the ready and exit fds).
 */
typedef struct {
	const SandboxKeep *keep;
	unsigned n_keep;
	const int *keep_fds;
	unsigned n_keep_fds;
	/* the API may still add port forwards: keep CAP_NET_BIND_SERVICE
	 * where it is effective (see docs/sandbox.md) */
	bool port_forwards;
	/* RLIMIT_NOFILE (libslirp opens one host socket per flow); 0: default */
	rlim_t max_files;
	/* RLIMIT_DATA in bytes; 0: SANDBOX_DATA_BASE plus SANDBOX_DATA_PER_FILE
	 * for each descriptor RLIMIT_NOFILE allows; RLIM_INFINITY: leave it */
	rlim_t max_data;
} SandboxConfig;

/* Descriptors beyond one per flow: tap, signalfd, API, DNS upstreams, logs. */
#define SANDBOX_FILES_SPARE 256
/* Default RLIMIT_NOFILE: the default flow limit plus the spare. */
#define SANDBOX_FILES_DEFAULT (65536 + SANDBOX_FILES_SPARE)
/*
 * Measured (docs/sandbox.md): libslirp reserves about 385 KiB of address
 * space per open TCP flow (socket buffers; ~20 KiB of it resident), and
 * every such flow holds one descriptor, so the data limit follows the
 * descriptor limit. The base covers the frame buffers, the flow table, the
 * learned-address cache and GLib.
 */
#define SANDBOX_DATA_PER_FILE ((rlim_t)400 << 10)
#define SANDBOX_DATA_BASE ((rlim_t)256 << 20)

/**
 * sandbox_enter:
 * Confines the calling process for good (see the theory of operation in
 * sandbox.c). Call it once, single-threaded, after every start-up resource
 * is open and before the ready fd is written. Returns 0, or -errno after
 * logging which stage failed; the process is then in an unspecified,
 * partly confined state and must exit.
 */
int sandbox_enter(const SandboxConfig *cfg);
