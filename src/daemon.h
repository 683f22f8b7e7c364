/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The daemon's state: one instance per process, owned by main(). */
#pragma once

#include <poll.h>
#include <slirp/libslirp.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "cli.h"
#include "slirp-filter/filter.h"
#include "slirp-filter/offload.h"
#include "slirp-filter/ratelimit.h"
#include "slirp-filter/reply.h"
#include "slirp-filter/upstreams.h"

struct ApiServer;
struct AuditLog;
struct Resolver;

/* The largest MSS offered to the guest while TSO is on (src/main.c says why). */
#define DAEMON_TSO_MSS_MAX 8960

/* The files the DNS upstreams are read from (src/upstreams.c). */
#define DAEMON_UPSTREAM_FILES 2

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

	/* the egress policy (policy-load.c); swapped whole on reload */
	SfPolicy *policy;
	char *policy_path;     /* NULL: the built-in default */
	const char *policy_why; /* how it was chosen, for the log and status */
	int64_t policy_loaded_us; /* wall clock */
	uint64_t reloads, reloads_refused;
	SfLearned *learned;
	SfFlowTable *flows;
	SfFilter filter;
	SfRateLimit reply_limit; /* RSTs and ICMP errors to the guest */
	struct AuditLog *audit;
	struct Resolver *resolver; /* NULL with --disable-dns */
	bool host_loopback;        /* libslirp may reach 127.0.0.1 (a `host` rule at start) */
	/* the DNS upstreams, used and protected (upstreams.c) */
	SfUpstreamSet upstreams;
	struct stat upstream_files[DAEMON_UPSTREAM_FILES]; /* as last read */
	int64_t upstreams_check_ms;
	bool upstreams_recheck; /* an upstream is new: decide the flows again */
	int64_t next_maintenance_ms;
	unsigned maintenance_ticks;
	uint64_t replies_sent, replies_suppressed;
	uint64_t tap_read_errors;
	uint64_t tap_write_errors;
	bool tap_offloads;    /* the guest may send partial checksums and TSO frames */
	uint16_t mss_clamp;   /* 0, or the MSS libslirp's SYNs offer the guest at most */
	uint64_t tap_gso_frames_in;   /* TSO frames from the guest */
	uint64_t tap_offload_dropped; /* frames whose virtio-net header did not match them */

	/* poll set, rebuilt each iteration in place; grows, never shrinks */
	struct pollfd *fds;
	int nfds;
	int fds_cap;

	/* libslirp timers (a handful: created at start, never per packet) */
	SlirpTimerSlot *timers;
	unsigned ntimers;

	/* read with one readv(): the tap's virtio-net header, then the frame */
	uint8_t frame_vnet[SF_VNET_HDR_LEN];
	uint8_t frame[DAEMON_FRAME_MAX];
	/* libslirp's segments to the guest, merged until the loop next sleeps */
	SfCoalescer tx;
	uint8_t reply[SF_REPLY_MAX], reply2[SF_REPLY_MAX];
} Daemon;

/**
 * daemon_tap_send:
 * A frame from libslirp to the guest: merged with the segments before it
 * when it continues them (slirp-filter/offload.h), else written after them;
 * written as it is when offloads are off.
 */
void daemon_tap_send(Daemon *d, const uint8_t *buf, size_t len);

/** daemon_tap_write: writes one frame of ours (a reply, DNS) after whatever is staged. */
void daemon_tap_write(Daemon *d, const uint8_t *buf, size_t len);

/** daemon_tap_flush: writes the staged frame; the loop calls it before it sleeps. */
void daemon_tap_flush(Daemon *d);

/**
 * daemon_tap_read:
 * Reads one frame into d->frame and its length into *@len: returns 1, or 0
 * when the tap has nothing more (or a read error, counted and logged), or
 * -1 for a frame dropped because its virtio-net header does not match it
 * (counted).
 */
int daemon_tap_read(Daemon *d, size_t *len);

/**
 * daemon_policy_init:
 * Chooses the policy (--policy, $SLIRP_FILTER_POLICY, the per-user file,
 * the system file, the built-in default), loads it and logs which and why.
 * A file that fails to load is a start-up error (-1, message on stderr),
 * never a fallback to another policy.
 */
int daemon_policy_init(Daemon *d);

/**
 * daemon_policy_reload:
 * Re-reads the policy file atomically: on success the new policy replaces
 * the old one and flows it denies are cut (unless `reload flows keep`);
 * on failure the old one stays in force. Returns TRUE on success; sets
 * @error otherwise. Both outcomes are logged and audited.
 */
bool daemon_policy_reload(Daemon *d, GError **error);

/** daemon_policy_free: releases the policy, learned table and flow table. */
void daemon_policy_free(Daemon *d);

/**
 * daemon_egress_frame:
 * Runs one frame read from the tap through the filter and acts on the
 * verdict: slirp_input(), a refusal reply, a cut, audit records.
 */
void daemon_egress_frame(Daemon *d, size_t len, int64_t now_ms);

/** daemon_egress_maintain: periodic expiry and log upkeep; returns ms until the next call. */
int daemon_egress_maintain(Daemon *d, int64_t now_ms);

/** daemon_policy_has_host_rule: whether @policy has an allow rule to `host`. */
bool daemon_policy_has_host_rule(const SfPolicy *policy);

/**
 * daemon_upstreams_init:
 * Reads the upstreams (the policy's, resolv.conf's, systemd-resolved's),
 * protects them and hooks the filter so a new flow to a DNS port first
 * catches up with a changed resolv.conf. After daemon_policy_init().
 */
void daemon_upstreams_init(Daemon *d, int64_t now_ms);

/**
 * daemon_upstreams_refresh:
 * Reads the files again if they changed (or @force: after a reload) and
 * updates, in this order, the set, the filter's protected ranges and the
 * resolver. Returns TRUE when an address became protected; the flows are
 * then decided again by the next daemon_upstreams_cut().
 */
bool daemon_upstreams_refresh(Daemon *d, bool force, int64_t now_ms);

/** daemon_upstreams_cut: cuts the flows a new upstream's protection denies, if any. */
void daemon_upstreams_cut(Daemon *d, int64_t now_ms);

/** daemon_upstreams_tick: the loop's once-a-second check of the files, then the cut. */
void daemon_upstreams_tick(Daemon *d, int64_t now_ms);

/** daemon_egress_cut_denied: re-decides every flow after a reload; cuts the denied ones. */
unsigned daemon_egress_cut_denied(Daemon *d, int64_t now_ms);

/** daemon_egress_cut_upstreams: the same for the flows to a known DNS upstream only. */
unsigned daemon_egress_cut_upstreams(Daemon *d, int64_t now_ms);

/** daemon_counters_json: the counters as a JSON object (newly allocated). */
char *daemon_counters_json(Daemon *d);

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
