/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A token bucket for refusal replies and audit lines, with an injected clock. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/*
 * SfRateLimit:
 * Tokens are kept in thousandths so a rate in tokens per second refills
 * exactly rate_per_s milli-tokens per millisecond, all in integers.
 * Treat the fields as private; embed by value, no allocation.
 */
typedef struct {
	uint32_t rate_per_s;   /* tokens added per second; 0: never refills */
	uint32_t burst;        /* bucket size in tokens (at least 1) */
	uint64_t millitokens;  /* current fill, <= burst * 1000 */
	int64_t last_ms;       /* clock of the last refill */
	bool started;          /* last_ms is valid */
	uint64_t suppressed;   /* refusals since the last take_suppressed */
} SfRateLimit;

/**
 * sf_ratelimit_init:
 * Sets @rl to a full bucket of @burst tokens (a @burst of 0 is taken as 1)
 * refilling at @rate_per_s tokens per second.
 */
void sf_ratelimit_init(SfRateLimit *rl, uint32_t rate_per_s, uint32_t burst);

/**
 * sf_ratelimit_take:
 * Refills @rl for the time since the last call (@now_ms from a monotonic
 * clock; a clock going backwards grants nothing and restarts the count
 * from @now_ms) and takes one token. Returns TRUE to go ahead, FALSE when
 * the bucket is empty; the refusal is counted.
 */
bool sf_ratelimit_take(SfRateLimit *rl, int64_t now_ms);

/**
 * sf_ratelimit_take_suppressed:
 * Returns how many sf_ratelimit_take() calls were refused since the last
 * call, and resets the count (for a "N suppressed" log line).
 */
uint64_t sf_ratelimit_take_suppressed(SfRateLimit *rl);
