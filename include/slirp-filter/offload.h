/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tap offloads: the virtio-net header in front of every frame on a tap
 * opened with IFF_VNET_HDR, checksums the guest leaves to us, and large
 * segments in both directions (see offload.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* struct virtio_net_hdr (legacy, host byte order): the tap's default header size */
#define SF_VNET_HDR_LEN 10
#define SF_VNET_F_NEEDS_CSUM 1
#define SF_VNET_GSO_NONE 0
#define SF_VNET_GSO_TCPV4 1
#define SF_VNET_GSO_TCPV6 4
#define SF_VNET_GSO_ECN 0x80

/* Largest coalesced frame: an Ethernet header and a 64 KiB IP datagram. */
#define SF_COALESCE_FRAME_MAX (14 + 65535)

/**
 * sf_offload_rx:
 * Completes a frame read from the tap after its virtio-net header @vnet.
 * A frame that asks for a checksum (NEEDS_CSUM: the guest kernel offloaded
 * it, as it does for every TCP segment once TSO is on) gets its TCP or UDP
 * checksum computed and written, since libslirp verifies it. Returns false
 * when the frame must be dropped: a checksum request that does not point at
 * the checksum field of the TCP or UDP header this frame really has, a
 * segmentation type other than TCP (v4/v6), or one that does not match the
 * frame. Everything else in the frame is left to the filter.
 */
bool sf_offload_rx(uint8_t *frame, size_t len, const uint8_t vnet[SF_VNET_HDR_LEN]);

/**
 * SfCoalescer:
 * Merges consecutive in-order TCP segments libslirp sends to the guest on
 * one connection into one large segment (userspace GRO), written with a
 * GSO virtio-net header so the guest's stack takes 64 KiB per frame instead
 * of one MSS. Lives in the daemon's state: nothing is allocated.
 */
typedef struct {
	uint8_t buf[SF_VNET_HDR_LEN + SF_COALESCE_FRAME_MAX]; /* header, then the frame */
	size_t len;      /* frame bytes staged; 0 when empty */
	size_t l4off;    /* TCP header offset in the frame */
	size_t hdrlen;   /* Ethernet + IP + TCP header bytes */
	int family;
	uint32_t next_seq;
	uint16_t mss;    /* payload of the first segment: the GSO size */
	unsigned nsegs;
	bool closed;     /* a short or PSH segment ended the run */
	uint64_t merged; /* segments appended to another (statistics) */
} SfCoalescer;

void sf_coalescer_init(SfCoalescer *c);

/**
 * sf_coalescer_add:
 * Takes @frame when it continues the staged segment, or starts a new stage
 * with it when nothing is staged and it is a plain TCP data segment (ACK,
 * optionally PSH) short enough for a second one of its size to fit in a
 * merged frame. Returns false otherwise: the caller then flushes with
 * sf_coalescer_take() and offers the frame again, or writes it on its own.
 */
bool sf_coalescer_add(SfCoalescer *c, const uint8_t *frame, size_t len);

/**
 * sf_coalescer_take:
 * Finishes the staged frame (IP length, IPv4 header checksum, TCP partial
 * checksum and GSO header when segments were merged) and empties the stage.
 * Returns the length of the virtio-net header plus frame at *@out, 0 when
 * nothing was staged. *@out stays valid until the next add.
 */
size_t sf_coalescer_take(SfCoalescer *c, const uint8_t **out);

/**
 * sf_offload_clamp_mss:
 * When @frame is a TCP SYN whose MSS option is above @mss, lowers it to
 * @mss and recomputes the TCP checksum. Returns true when it changed the
 * frame. The option list is walked with bounds checks; a malformed one is
 * left alone (false).
 */
bool sf_offload_clamp_mss(uint8_t *frame, size_t len, uint16_t mss);

/** sf_offload_syn_mss: the MSS option of a TCP SYN in @frame, 0 when it has none. */
uint16_t sf_offload_syn_mss(const uint8_t *frame, size_t len);
