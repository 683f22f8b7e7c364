/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Building the refusal frames (TCP RST, ICMP unreachable) written back to the container. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slirp-filter/frame.h"

/*
 * Largest frame any builder here produces: Ethernet (14) + a 1280-byte IPv6
 * packet (the ICMPv6 error size cap of RFC 4443). IPv4 errors stop at 576
 * bytes of IP, RSTs at 60.
 */
#define SF_REPLY_MAX (14 + 1280)

/* Why a datagram is refused, mapped to the ICMP/ICMPv6 unreachable code. */
typedef enum {
	SF_UNREACH_ADMIN_PROHIBITED, /* ICMP 3/13, ICMPv6 1/1 */
	SF_UNREACH_PORT,             /* ICMP 3/3,  ICMPv6 1/4 */
} SfUnreachKind;

/**
 * sf_reply_tcp_rst:
 * Builds into @out (@size bytes, not overlapping @frame) the RST answering
 * the refused TCP segment @pkt, which sf_frame_parse() parsed from the
 * @len bytes of @frame with SF_FRAME_OK. MACs, addresses and ports are
 * swapped, TTL/hop limit 64, numbers per RFC 793: a segment with ACK gets
 * RST seq=SEG.ACK; otherwise RST|ACK seq=0 ack=SEG.SEQ+payload+SYN+FIN.
 * Returns the frame length, or 0 when no RST may or can be sent: @pkt is a
 * RST, not TCP, inconsistent with @len, has a non-unicast source or
 * destination (MAC or IP), or @size is too small.
 */
size_t sf_reply_tcp_rst(const uint8_t *frame, size_t len, const SfPacket *pkt,
                        uint8_t *out, size_t size);

/**
 * sf_reply_tcp_rst_flow:
 * Builds into @out a RST (RST|ACK when @with_ack; the ack field is zero
 * otherwise) from @src:@sport to @dst:@dport with sequence @seq, Ethernet
 * source @smac and destination @dmac. IPv4 when both addresses are
 * IPv4-mapped, IPv6 when neither is. Used to cut an established flow from
 * both sides. Returns the frame length, or 0 for mixed families or a too
 * small @size.
 */
size_t sf_reply_tcp_rst_flow(const uint8_t smac[6], const uint8_t dmac[6],
                             const SfAddr *src, const SfAddr *dst,
                             uint16_t sport, uint16_t dport,
                             uint32_t seq, uint32_t ack, bool with_ack,
                             uint8_t *out, size_t size);

/**
 * sf_reply_unreachable:
 * Builds into @out (not overlapping @frame) an ICMP (IPv4) or ICMPv6
 * destination unreachable of @kind for the packet @pkt parsed from @frame,
 * sent from @pkt's destination to its source. It quotes the offending IP
 * packet from its IP header on: IPv4 up to a 576-byte reply (RFC 1812
 * 4.3.2.3), IPv6 up to a 1280-byte reply (RFC 4443), never past the IP
 * payload bounds in @pkt nor @len. Returns the frame length, or 0 when no
 * error may or can be sent: @pkt is ICMP other than an echo request, an
 * unknown protocol, inconsistent with @len, has a non-unicast source or
 * destination (MAC or IP: multicast, broadcast, unspecified, loopback), or
 * @size is too small.
 */
size_t sf_reply_unreachable(const uint8_t *frame, size_t len, const SfPacket *pkt,
                            SfUnreachKind kind, uint8_t *out, size_t size);

/**
 * sf_reply_tcp_segment:
 * A TCP segment from @src:@sport to @dst:@dport (same family) with @flags,
 * @window and @plen bytes of @payload; with SYN and @mss > 0 it carries an
 * MSS option. The ACK field is @ack only when @flags has ACK. Used by the
 * DNS-over-TCP responder on the DNS address. Returns the frame length, or
 * 0 if it does not fit in @size.
 */
size_t sf_reply_tcp_segment(const uint8_t smac[6], const uint8_t dmac[6], const SfAddr *src,
			    const SfAddr *dst, uint16_t sport, uint16_t dport, uint32_t seq,
			    uint32_t ack, uint8_t flags, uint16_t window, uint16_t mss,
			    const uint8_t *payload, size_t plen, uint8_t *out, size_t size);

/**
 * sf_reply_udp:
 * A UDP datagram from @src:@sport to @dst:@dport (same family) carrying
 * @plen bytes of @payload, with its checksum. Returns the frame length, or
 * 0 if it does not fit in @size.
 */
size_t sf_reply_udp(const uint8_t smac[6], const uint8_t dmac[6], const SfAddr *src,
		    const SfAddr *dst, uint16_t sport, uint16_t dport, const uint8_t *payload,
		    size_t plen, uint8_t *out, size_t size);
