/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's state: one instance per process, owned by main(). */
#pragma once

#include <poll.h>
#include <slirp/libslirp.h>
#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "slirp-filter/verdict.h"

struct ApiServer;

/* Largest frame: MTU 65521 plus the Ethernet header, rounded up. */
#define DAEMON_FRAME_MAX (65536 + 64)

typedef struct SlirpTimerSlot {
	SlirpTimerId id;
	void *cb_opaque;
	int64_t expire_ms; /* -1: not armed */
	bool in_use;
} SlirpTimerSlot;

typedef struct Daemon {
	const CliOptions *opts;
	Slirp *slirp;
	int tapfd;
	int exit_fd;   /* -1 if none */
	int signal_fd;
	struct ApiServer *api;
	bool quit;

	SfVerdictCounters verdicts;
	uint64_t tap_read_errors;
	uint64_t tap_write_errors;

	/* poll set, rebuilt each iteration in place; grows, never shrinks */
	struct pollfd *fds;
	int nfds;
	int fds_cap;

	/* libslirp timers (a handful: created at start, never per packet) */
	SlirpTimerSlot *timers;
	unsigned ntimers;

	uint8_t frame[DAEMON_FRAME_MAX];
} Daemon;

/**
 * daemon_slirp_start:
 * Creates the libslirp instance for @d->opts with the callbacks in
 * slirp-glue.c. Returns 0 or -1 after logging why.
 */
int daemon_slirp_start(Daemon *d);

/** daemon_now_ms: the monotonic clock libslirp's timers use, in ms. */
int64_t daemon_now_ms(void);

/**
 * daemon_timers_run:
 * Fires every expired libslirp timer; returns ms until the next one is due
 * (or -1 when none is armed).
 */
int daemon_timers_run(Daemon *d, int64_t now_ms);

/** daemon_loop_run: runs the poll loop until the exit fd or a signal ends it. */
int daemon_loop_run(Daemon *d);
