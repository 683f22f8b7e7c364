/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one decision every guest frame passes before it reaches libslirp. */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef enum {
	SF_VERDICT_PASS = 0, /* hand the frame to slirp_input() */
	SF_VERDICT_DROP,     /* drop silently (counted) */
} SfVerdict;

typedef struct {
	uint64_t frames_passed;
	uint64_t frames_dropped;
	uint64_t frames_runt;
} SfVerdictCounters;

/**
 * sf_verdict_frame:
 * Decides what happens to one Ethernet frame read from the tap. This is the
 * seam where the egress policy plugs in; for now it passes every frame that
 * is long enough to hold an Ethernet header and drops runts (libslirp would
 * ignore them anyway). Never allocates; reads at most @len bytes of @frame.
 */
SfVerdict sf_verdict_frame(SfVerdictCounters *counters, const uint8_t *frame, size_t len);
