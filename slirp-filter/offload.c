/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tap offloads.
 *
 * Theory of operation: without offloads every 1,460-byte TCP segment costs
 * a read() or write() on the tap, a pass through libslirp and, on the
 * guest's side, a pass through its stack; at MTU 1500 that per-segment work
 * is what limits throughput. The tap is opened with IFF_VNET_HDR and told
 * (TUNSETOFFLOAD) that we take partial checksums and TCP segmentation, so
 * the guest kernel hands us segments of up to 64 KiB, leaving their TCP
 * checksum to us: sf_offload_rx() computes it (libslirp checks it). The
 * frame is one IP datagram with a correct total length, which libslirp
 * takes whole whatever the MTU. In the other direction libslirp cuts its
 * data into MSS-sized segments; SfCoalescer glues runs of them back into one
 * frame and writes it with a GSO header, marked NEEDS_CSUM with the
 * pseudo-header sum in the checksum field, as a NIC with receive offloads
 * would: the guest's stack takes it whole, and re-segments it itself only
 * if it forwards it.
 *
 * The virtio-net header comes from the guest's kernel, which a process with
 * CAP_NET_RAW in the container can drive through a packet socket with
 * PACKET_VNET_HDR, so it is checked like the rest of the frame: the
 * checksum request must point at the checksum field of the TCP or UDP
 * header our own parser finds, else the frame is dropped.
 */
#include <netinet/in.h>
#include <string.h>

#include "slirp-filter/csum.h"
#include "slirp-filter/frame.h"
#include "slirp-filter/offload.h"
#include "wire.h"

#define ETH_HLEN 14
#define TCP_CSUM_OFF 16
#define UDP_CSUM_OFF 6
#define TCP_PSH 0x08
#define TCP_ACK 0x10

/* virtio-net header fields are in host byte order (legacy header, same host) */
static uint16_t vnet16(const uint8_t *vnet, size_t off)
{
	uint16_t v;

	memcpy(&v, vnet + off, 2);
	return v;
}

static void vnet16_put(uint8_t *vnet, size_t off, uint16_t v)
{
	memcpy(vnet + off, &v, 2);
}

bool sf_offload_rx(uint8_t *frame, size_t len, const uint8_t vnet[SF_VNET_HDR_LEN])
{
	uint8_t gso = vnet[1] & (uint8_t)~SF_VNET_GSO_ECN;
	uint16_t csum_start = vnet16(vnet, 6), csum_offset = vnet16(vnet, 8);
	size_t want_off;
	uint8_t *l4;
	uint32_t sum;
	uint16_t c;
	SfPacket pkt;

	if (!(vnet[0] & SF_VNET_F_NEEDS_CSUM))
		return gso == SF_VNET_GSO_NONE; /* a kernel always offloads the checksum of a GSO frame */
	if (gso != SF_VNET_GSO_NONE && gso != SF_VNET_GSO_TCPV4 && gso != SF_VNET_GSO_TCPV6)
		return false;
	if (sf_frame_parse(frame, len, &pkt) != SF_FRAME_OK)
		return false;
	if (pkt.proto == IPPROTO_TCP)
		want_off = TCP_CSUM_OFF;
	else if (pkt.proto == IPPROTO_UDP && gso == SF_VNET_GSO_NONE)
		want_off = UDP_CSUM_OFF;
	else
		return false;
	if (gso == SF_VNET_GSO_TCPV4 && pkt.family != AF_INET)
		return false;
	if (gso == SF_VNET_GSO_TCPV6 && pkt.family != AF_INET6)
		return false;
	if (csum_start != pkt.l4_offset || csum_offset != want_off || pkt.l4_len < want_off + 2)
		return false;
	l4 = frame + pkt.l4_offset;
	wr16(l4 + want_off, 0);
	sum = sf_csum_pseudo(pkt.family, frame + pkt.l3_offset, pkt.proto, pkt.l4_len);
	c = sf_csum_fold(sf_csum_add(sum, l4, pkt.l4_len));
	if (pkt.proto == IPPROTO_UDP && c == 0)
		c = 0xffff; /* RFC 768: zero means "no checksum" */
	wr16(l4 + want_off, c);
	return true;
}

void sf_coalescer_init(SfCoalescer *c)
{
	c->len = 0;
	c->nsegs = 0;
	c->closed = false;
	c->merged = 0;
}

static uint8_t *stage(SfCoalescer *c)
{
	return c->buf + SF_VNET_HDR_LEN;
}

/* The frame's TCP segment if it is plain data (ACK, maybe PSH) libslirp may
 * have cut from a longer run; false otherwise. */
static bool plain_data_segment(const uint8_t *frame, size_t len, SfPacket *pkt)
{
	if (sf_frame_parse(frame, len, pkt) != SF_FRAME_OK || pkt->proto != IPPROTO_TCP)
		return false;
	if ((pkt->tcp_flags & (uint8_t)~TCP_PSH) != TCP_ACK || pkt->payload_len == 0)
		return false;
	return frame[pkt->l4_offset + 18] == 0 && frame[pkt->l4_offset + 19] == 0; /* no urgent data */
}

static bool start(SfCoalescer *c, const uint8_t *frame, const SfPacket *pkt)
{
	size_t end = pkt->payload_offset + pkt->payload_len; /* drops Ethernet padding */

	/* no room for a second segment as long: nothing to merge, and staging
	 * would only copy it (libslirp's segments at MTU 65520) */
	if (end + pkt->payload_len > SF_COALESCE_FRAME_MAX || pkt->payload_len > 0xffff)
		return false;
	memcpy(stage(c), frame, end);
	c->len = end;
	c->l4off = pkt->l4_offset;
	c->hdrlen = pkt->payload_offset;
	c->family = pkt->family;
	c->next_seq = rd32(frame + pkt->l4_offset + 4) + (uint32_t)pkt->payload_len;
	c->mss = (uint16_t)pkt->payload_len;
	c->nsegs = 1;
	c->closed = (pkt->tcp_flags & TCP_PSH) != 0;
	return true;
}

/* Does @frame continue the staged run: same headers but the IPv4 ID, lengths and checksums? */
static bool continues(const SfCoalescer *c, const uint8_t *frame, const SfPacket *pkt)
{
	const uint8_t *s = c->buf + SF_VNET_HDR_LEN;
	const uint8_t *sip = s + ETH_HLEN, *fip = frame + ETH_HLEN;
	const uint8_t *st = s + c->l4off, *ft = frame + pkt->l4_offset;

	if (c->closed || pkt->family != c->family || pkt->l4_offset != c->l4off ||
	    pkt->payload_offset != c->hdrlen || pkt->payload_len > c->mss ||
	    c->len + pkt->payload_len > SF_COALESCE_FRAME_MAX)
		return false;
	if (memcmp(s, frame, ETH_HLEN) != 0)
		return false;
	if (c->family == AF_INET) {
		/* version/IHL, TOS (ECN marks included); flags+fragment, TTL, protocol; addresses */
		if (memcmp(sip, fip, 2) != 0 || memcmp(sip + 6, fip + 6, 4) != 0 ||
		    memcmp(sip + 12, fip + 12, 8) != 0)
			return false;
	} else {
		/* version, traffic class, flow label; next header, hop limit; addresses */
		if (memcmp(sip, fip, 4) != 0 || memcmp(sip + 6, fip + 6, 34) != 0)
			return false;
	}
	if (rd32(ft + 4) != c->next_seq)
		return false;
	/* ports; acknowledgment, offset, flags (the staged run has ACK only: PSH closes it),
	 * window; urgent pointer and options */
	return memcmp(st, ft, 4) == 0 && memcmp(st + 8, ft + 8, 5) == 0 && (ft[13] & (uint8_t)~TCP_PSH) == st[13] &&
	       memcmp(st + 14, ft + 14, 2) == 0 &&
	       memcmp(st + 18, ft + 18, c->hdrlen - c->l4off - 18) == 0;
}

bool sf_coalescer_add(SfCoalescer *c, const uint8_t *frame, size_t len)
{
	SfPacket pkt;
	uint8_t *s;

	if (!plain_data_segment(frame, len, &pkt))
		return false;
	if (c->len == 0)
		return start(c, frame, &pkt);
	if (!continues(c, frame, &pkt))
		return false;
	s = stage(c);
	memcpy(s + c->len, frame + pkt.payload_offset, pkt.payload_len);
	c->len += pkt.payload_len;
	c->next_seq += (uint32_t)pkt.payload_len;
	c->nsegs++;
	c->merged++;
	if (pkt.tcp_flags & TCP_PSH) {
		s[c->l4off + 13] |= TCP_PSH;
		c->closed = true;
	}
	if (pkt.payload_len < c->mss)
		c->closed = true; /* only the last segment may be short */
	return true;
}

size_t sf_coalescer_take(SfCoalescer *c, const uint8_t **out)
{
	uint8_t *vnet = c->buf, *s = stage(c), *ip = s + ETH_HLEN;
	size_t len = c->len, l4len = len - c->l4off;

	if (len == 0)
		return 0;
	memset(vnet, 0, SF_VNET_HDR_LEN);
	if (c->nsegs > 1) {
		if (c->family == AF_INET) {
			wr16(ip + 2, (uint16_t)(len - ETH_HLEN));
			wr16(ip + 10, 0);
			wr16(ip + 10, sf_csum_fold(sf_csum_add(0, ip, c->l4off - ETH_HLEN)));
		} else {
			wr16(ip + 4, (uint16_t)(len - c->l4off));
		}
		/* NEEDS_CSUM: the field holds the pseudo-header sum, as for a partial checksum */
		wr16(s + c->l4off + TCP_CSUM_OFF,
		     sf_csum_reduce(sf_csum_pseudo(c->family, ip, IPPROTO_TCP, l4len)));
		vnet[0] = SF_VNET_F_NEEDS_CSUM;
		vnet[1] = c->family == AF_INET ? SF_VNET_GSO_TCPV4 : SF_VNET_GSO_TCPV6;
		vnet16_put(vnet, 2, (uint16_t)c->hdrlen);
		vnet16_put(vnet, 4, c->mss);
		vnet16_put(vnet, 6, (uint16_t)c->l4off);
		vnet16_put(vnet, 8, TCP_CSUM_OFF);
	}
	c->len = 0;
	c->nsegs = 0;
	c->closed = false;
	*out = c->buf;
	return SF_VNET_HDR_LEN + len;
}

#define TCP_SYN 0x02
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2

/* Offset of the MSS option's value in a TCP SYN, 0 if there is none. */
static size_t syn_mss_offset(const uint8_t *frame, size_t len, SfPacket *pkt)
{
	size_t off, end;

	if (sf_frame_parse(frame, len, pkt) != SF_FRAME_OK || pkt->proto != IPPROTO_TCP ||
	    !(pkt->tcp_flags & TCP_SYN))
		return 0;
	off = pkt->l4_offset + 20;
	end = pkt->payload_offset; /* the parser checked the data offset against the frame */
	while (off < end) {
		uint8_t kind = frame[off], olen;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			off++;
			continue;
		}
		if (off + 1 >= end)
			break;
		olen = frame[off + 1];
		if (olen < 2 || olen > end - off)
			break;
		if (kind == TCPOPT_MSS)
			return olen == 4 ? off + 2 : 0;
		off += olen;
	}
	return 0;
}

uint16_t sf_offload_syn_mss(const uint8_t *frame, size_t len)
{
	SfPacket pkt;
	size_t at = syn_mss_offset(frame, len, &pkt);

	return at ? rd16(frame + at) : 0;
}

bool sf_offload_clamp_mss(uint8_t *frame, size_t len, uint16_t mss)
{
	SfPacket pkt;
	size_t at = syn_mss_offset(frame, len, &pkt);
	uint8_t *l4 = frame + pkt.l4_offset;

	if (at == 0 || rd16(frame + at) <= mss)
		return false;
	wr16(frame + at, mss);
	wr16(l4 + TCP_CSUM_OFF, 0);
	wr16(l4 + TCP_CSUM_OFF,
	     sf_csum_fold(sf_csum_add(sf_csum_pseudo(pkt.family, frame + pkt.l3_offset, IPPROTO_TCP,
						     pkt.l4_len),
				      l4, pkt.l4_len)));
	return true;
}
