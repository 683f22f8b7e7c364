/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: the tap offloads (slirp-filter/offload.c) on any bytes.
 *
 * Theory of operation: the input is read as records, each a 2-byte length,
 * a 10-byte virtio-net header and that many frame bytes (the last record
 * takes what is left). Each frame goes through the three entry points the
 * daemon uses: sf_offload_rx() as a frame read from the tap behind that
 * header; sf_coalescer_add()/sf_coalescer_take() as a frame from libslirp
 * (one coalescer across the records, so runs can form); and
 * sf_offload_clamp_mss() as a SYN from libslirp.
 *
 * Properties beyond "no crash, no UB": a frame sf_offload_rx() accepts with
 * a checksum request parses, and its TCP or UDP checksum, checked here by
 * an RFC 1071 sum written independently of csum.c, is right; every merged
 * frame parses, its IP length matches what was taken, and a GSO header has
 * a segment size no larger than the payload; a clamped SYN parses and
 * carries the clamp.
 */
#include "config.h"

#include <netinet/in.h>
#include <string.h>

#include "slirp-filter/frame.h"
#include "slirp-filter/offload.h"

#include "fuzz-util.h"

#define CLAMP 8960

static SfCoalescer coalescer;
static uint8_t frame[SF_COALESCE_FRAME_MAX + 64];

static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < n)
		s += (uint32_t)p[i] << 8;
	return s;
}

/* 0 when the L4 checksum of @pkt in @f is right (pseudo-header included). */
static uint16_t l4_check(const uint8_t *f, const SfPacket *pkt)
{
	const uint8_t *ip = f + pkt->l3_offset;
	uint32_t s;

	if (pkt->family == AF_INET)
		s = sum16(0, ip + 12, 8);
	else
		s = sum16(0, ip + 8, 32) + (uint32_t)(pkt->l4_len >> 16);
	s += pkt->proto + (uint32_t)(pkt->l4_len & 0xffff);
	s = sum16(s, f + pkt->l4_offset, pkt->l4_len);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void check_taken(void)
{
	const uint8_t *out;
	size_t n = sf_coalescer_take(&coalescer, &out);
	SfPacket pkt;
	uint16_t gso_size;

	if (n == 0)
		return;
	FUZZ_CHECK(n > SF_VNET_HDR_LEN && n <= SF_VNET_HDR_LEN + SF_COALESCE_FRAME_MAX, "taken %zu bytes", n);
	FUZZ_CHECK(sf_frame_parse(out + SF_VNET_HDR_LEN, n - SF_VNET_HDR_LEN, &pkt) == SF_FRAME_OK,
		   "a merged frame does not parse");
	FUZZ_CHECK(pkt.payload_offset + pkt.payload_len == n - SF_VNET_HDR_LEN,
		   "the merged frame's IP length disagrees with its size");
	if (out[1] != SF_VNET_GSO_NONE) {
		memcpy(&gso_size, out + 4, 2);
		FUZZ_CHECK(gso_size > 0 && gso_size <= pkt.payload_len, "GSO size %u for %zu bytes",
			   gso_size, pkt.payload_len);
	}
}

static void one(const uint8_t *vnet, const uint8_t *data, size_t len)
{
	SfPacket pkt;

	if (len > sizeof(frame))
		len = sizeof(frame);
	/* from the guest */
	memcpy(frame, data, len);
	if (sf_offload_rx(frame, len, vnet) && (vnet[0] & SF_VNET_F_NEEDS_CSUM)) {
		FUZZ_CHECK(sf_frame_parse(frame, len, &pkt) == SF_FRAME_OK, "an accepted frame does not parse");
		FUZZ_CHECK(l4_check(frame, &pkt) == 0, "a completed checksum is wrong");
	}
	/* from libslirp */
	if (!sf_coalescer_add(&coalescer, data, len)) {
		check_taken();
		sf_coalescer_add(&coalescer, data, len);
	}
	memcpy(frame, data, len);
	if (sf_offload_clamp_mss(frame, len, CLAMP)) {
		FUZZ_CHECK(sf_frame_parse(frame, len, &pkt) == SF_FRAME_OK, "a clamped SYN does not parse");
		FUZZ_CHECK(sf_offload_syn_mss(frame, len) == CLAMP, "the clamp did not stick");
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

void fuzz_target_cleanup(void)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sf_coalescer_init(&coalescer);
	while (size >= 2 + SF_VNET_HDR_LEN) {
		size_t len = (size_t)data[0] << 8 | data[1];
		const uint8_t *vnet = data + 2;

		data += 2 + SF_VNET_HDR_LEN;
		size -= 2 + SF_VNET_HDR_LEN;
		if (len > size)
			len = size;
		one(vnet, data, len);
		data += len;
		size -= len;
	}
	check_taken();
	return 0;
}
