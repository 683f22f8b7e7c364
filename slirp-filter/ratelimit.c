/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Token bucket rate limiter in integer milli-tokens with an injected clock. */
#include "slirp-filter/ratelimit.h"

#include <string.h>

void sf_ratelimit_init(SfRateLimit *rl, uint32_t rate_per_s, uint32_t burst)
{
	memset(rl, 0, sizeof(*rl));
	rl->rate_per_s = rate_per_s;
	rl->burst = burst ? burst : 1;
	rl->millitokens = (uint64_t)rl->burst * 1000;
}

static void refill(SfRateLimit *rl, int64_t now_ms)
{
	uint64_t cap = (uint64_t)rl->burst * 1000, elapsed;

	if (!rl->started || now_ms <= rl->last_ms) {
		/* first use, same millisecond, or a clock gone backwards: no tokens */
		rl->started = true;
		rl->last_ms = now_ms;
		return;
	}
	/* now_ms > last_ms, so the difference fits in uint64_t */
	elapsed = (uint64_t)now_ms - (uint64_t)rl->last_ms;
	rl->last_ms = now_ms;
	if (rl->rate_per_s == 0 || rl->millitokens >= cap)
		return;
	/* rate_per_s tokens/s == rate_per_s milli-tokens/ms; avoid the overflow */
	if (elapsed >= (cap - rl->millitokens) / rl->rate_per_s + 1)
		rl->millitokens = cap;
	else
		rl->millitokens += elapsed * rl->rate_per_s;
}

bool sf_ratelimit_take(SfRateLimit *rl, int64_t now_ms)
{
	refill(rl, now_ms);
	if (rl->millitokens >= 1000) {
		rl->millitokens -= 1000;
		return true;
	}
	if (rl->suppressed < UINT64_MAX)
		rl->suppressed++;
	return false;
}

uint64_t sf_ratelimit_take_suppressed(SfRateLimit *rl)
{
	uint64_t n = rl->suppressed;

	rl->suppressed = 0;
	return n;
}
