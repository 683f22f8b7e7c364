/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Internet checksum (RFC 1071), shared by the reply builders and the tap offloads. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/**
 * sf_csum_add:
 * Adds the one's complement sum of @len bytes at @p, taken as big-endian
 * 16-bit words (a trailing odd byte is the high half of a word), to @sum.
 * The result is not folded; it stays exact while @sum is below 2^31.
 * Reads eight bytes per step, so a 64 KiB segment costs a few microseconds.
 */
uint32_t sf_csum_add(uint32_t sum, const uint8_t *p, size_t len);

/** sf_csum_reduce: @sum folded to 16 bits, not complemented (a partial checksum). */
uint16_t sf_csum_reduce(uint32_t sum);

/** sf_csum_fold: @sum folded to 16 bits and complemented: the value for the header field. */
static inline uint16_t sf_csum_fold(uint32_t sum)
{
	return (uint16_t)~sf_csum_reduce(sum);
}

/**
 * sf_csum_pseudo:
 * The (unfolded) sum of the TCP/UDP/ICMPv6 pseudo-header for @l4len bytes of
 * @proto after the IP header at @ip (IPv4 when @family is AF_INET, else IPv6).
 */
uint32_t sf_csum_pseudo(int family, const uint8_t *ip, uint8_t proto, size_t l4len);
