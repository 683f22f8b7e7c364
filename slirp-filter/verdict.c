/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Frame verdict seam: the single point between read(tapfd) and slirp_input(). */
#include "slirp-filter/verdict.h"

#define ETH_HEADER_LEN 14

SfVerdict sf_verdict_frame(SfVerdictCounters *counters, const uint8_t *frame, size_t len)
{
	if (frame == NULL || len < ETH_HEADER_LEN) {
		counters->frames_runt++;
		counters->frames_dropped++;
		return SF_VERDICT_DROP;
	}
	counters->frames_passed++;
	return SF_VERDICT_PASS;
}
