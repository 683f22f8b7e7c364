/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Internet checksum.
 *
 * The one's complement sum does not depend on byte order (RFC 1071 2.B):
 * summing native 32-bit words into a 64-bit accumulator and swapping the
 * folded result once gives the sum of big-endian 16-bit words. That is
 * what makes checksumming a 64 KiB segment (tap offloads) cheap next to
 * the byte-pair loop the reply builders used before.
 */
#include <netinet/in.h>
#include <string.h>

#include "slirp-filter/csum.h"

static uint16_t fold64(uint64_t acc)
{
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

uint32_t sf_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t acc = 0;
	uint16_t native;

	for (; len >= 8; p += 8, len -= 8) {
		uint64_t w;

		memcpy(&w, p, 8);
		acc += (w & 0xffffffffu) + (w >> 32);
	}
	if (len >= 4) {
		uint32_t w;

		memcpy(&w, p, 4);
		acc += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t w;

		memcpy(&w, p, 2);
		acc += w;
		p += 2;
		len -= 2;
	}
	if (len) {
		/* the high half of a big-endian word: where the byte sits in memory */
		uint8_t last[2] = { p[0], 0 };
		uint16_t w;

		memcpy(&w, last, 2);
		acc += w;
	}
	native = fold64(acc);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	native = (uint16_t)(native << 8 | native >> 8);
#endif
	return sum + native;
}

uint16_t sf_csum_reduce(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint32_t sf_csum_pseudo(int family, const uint8_t *ip, uint8_t proto, size_t l4len)
{
	uint32_t sum;

	if (family == AF_INET) {
		sum = sf_csum_add(0, ip + 12, 8); /* source and destination */
	} else {
		sum = sf_csum_add(0, ip + 8, 32);
		sum += (uint32_t)(l4len >> 16);
	}
	return sum + proto + (uint32_t)(l4len & 0xffff);
}
