/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guest frame parser.
 *
 * Theory of operation: the container writes these bytes, so nothing in them
 * is trusted. Every read goes through rd8/rd16 with the current bound, and
 * the bound shrinks as soon as a length field says the packet is shorter
 * than the frame (Ethernet padding), never grows past what was read. The
 * parser classifies rather than decides: anything it cannot fully
 * understand (fragments, IPv4 options, IPv6 extension headers, other IP
 * protocols, inconsistent lengths) gets its own result so the policy can
 * drop and count it. Only the headers needed for a decision are parsed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "slirp-filter/frame.h"
#include "wire.h"

#define ETH_HLEN 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IPV6 0x86dd
#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define TCP_HLEN 20
#define UDP_HLEN 8
#define ICMP_HLEN 8 /* type, code, checksum, and id/seq for echo */
#define ARP_LEN 28  /* Ethernet/IPv4 ARP */

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void sf_addr_from_ipv4(SfAddr *addr, const uint8_t ip4[4])
{
	memcpy(addr->b, v4mapped_prefix, 12);
	memcpy(addr->b + 12, ip4, 4);
}

bool sf_addr_is_ipv4(const SfAddr *addr)
{
	return memcmp(addr->b, v4mapped_prefix, 12) == 0;
}

const char *sf_addr_to_string(const SfAddr *addr, char *buf, size_t size)
{
	if (sf_addr_is_ipv4(addr))
		inet_ntop(AF_INET, addr->b + 12, buf, (socklen_t)size);
	else
		inet_ntop(AF_INET6, addr->b, buf, (socklen_t)size);
	return buf;
}

const char *sf_addr_to_string_af(int family, const SfAddr *addr, char *buf, size_t size)
{
	if (family != AF_INET6)
		return sf_addr_to_string(addr, buf, size);
	inet_ntop(AF_INET6, addr->b, buf, (socklen_t)size);
	return buf;
}

const char *sf_frame_result_name(SfFrameResult result)
{
	static const char *const names[SF_FRAME_N_RESULTS] = {
		[SF_FRAME_OK] = "ok",
		[SF_FRAME_RUNT] = "runt",
		[SF_FRAME_UNSUPPORTED_ETHERTYPE] = "unsupported-ethertype",
		[SF_FRAME_TRUNCATED] = "truncated",
		[SF_FRAME_BAD_HEADER] = "bad-header",
		[SF_FRAME_BAD_LENGTH] = "bad-length",
		[SF_FRAME_FRAGMENT] = "fragment",
		[SF_FRAME_IP_OPTIONS] = "ip-options",
		[SF_FRAME_EXT_HEADER] = "ipv6-extension-header",
		[SF_FRAME_UNSUPPORTED_PROTO] = "unsupported-protocol",
	};

	if ((unsigned)result >= SF_FRAME_N_RESULTS)
		return "unknown";
	return names[result];
}

/* TCP, UDP, ICMP, ICMPv6 header at f[off, end). */
static SfFrameResult parse_l4(const uint8_t *f, size_t off, size_t end, SfPacket *pkt)
{
	size_t avail = end - off;

	pkt->l4_offset = off;
	pkt->l4_len = avail;
	switch (pkt->proto) {
	case IPPROTO_TCP: {
		size_t doff;

		if (avail < TCP_HLEN)
			return SF_FRAME_TRUNCATED;
		doff = (size_t)(f[off + 12] >> 4) * 4;
		if (doff < TCP_HLEN)
			return SF_FRAME_BAD_HEADER;
		if (doff > avail)
			return SF_FRAME_TRUNCATED;
		pkt->sport = rd16(f + off);
		pkt->dport = rd16(f + off + 2);
		pkt->tcp_flags = f[off + 13];
		pkt->payload_offset = off + doff;
		pkt->payload_len = avail - doff;
		return SF_FRAME_OK;
	}
	case IPPROTO_UDP: {
		size_t ulen;

		if (avail < UDP_HLEN)
			return SF_FRAME_TRUNCATED;
		ulen = rd16(f + off + 4);
		if (ulen < UDP_HLEN || ulen > avail)
			return SF_FRAME_BAD_LENGTH;
		pkt->sport = rd16(f + off);
		pkt->dport = rd16(f + off + 2);
		pkt->payload_offset = off + UDP_HLEN;
		pkt->payload_len = ulen - UDP_HLEN;
		return SF_FRAME_OK;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (avail < ICMP_HLEN)
			return SF_FRAME_TRUNCATED;
		pkt->icmp_type = f[off];
		pkt->icmp_code = f[off + 1];
		/* echo request/reply carry an identifier: it plays the port's role */
		pkt->sport = pkt->dport = rd16(f + off + 4);
		pkt->payload_offset = off;
		pkt->payload_len = avail;
		return SF_FRAME_OK;
	default:
		return SF_FRAME_UNSUPPORTED_PROTO;
	}
}

static SfFrameResult parse_ipv4(const uint8_t *f, size_t len, SfPacket *pkt)
{
	size_t off = pkt->l3_offset, ihl, total;
	uint16_t frag;

	if (len - off < IPV4_HLEN)
		return SF_FRAME_TRUNCATED;
	if (f[off] >> 4 != 4)
		return SF_FRAME_BAD_HEADER;
	ihl = (size_t)(f[off] & 0x0f) * 4;
	if (ihl < IPV4_HLEN)
		return SF_FRAME_BAD_HEADER;
	total = rd16(f + off + 2);
	if (ihl > len - off)
		return SF_FRAME_TRUNCATED;
	if (total < ihl || total > len - off)
		return SF_FRAME_BAD_LENGTH;
	pkt->family = AF_INET;
	pkt->ttl = f[off + 8];
	pkt->proto = f[off + 9];
	sf_addr_from_ipv4(&pkt->src, f + off + 12);
	sf_addr_from_ipv4(&pkt->dst, f + off + 16);
	frag = rd16(f + off + 6);
	if (frag & 0x3fff) /* MF set or a non-zero offset */
		return SF_FRAME_FRAGMENT;
	if (ihl > IPV4_HLEN)
		return SF_FRAME_IP_OPTIONS;
	return parse_l4(f, off + ihl, off + total, pkt);
}

static SfFrameResult parse_ipv6(const uint8_t *f, size_t len, SfPacket *pkt)
{
	size_t off = pkt->l3_offset, plen;
	uint8_t next;

	if (len - off < IPV6_HLEN)
		return SF_FRAME_TRUNCATED;
	if (f[off] >> 4 != 6)
		return SF_FRAME_BAD_HEADER;
	plen = rd16(f + off + 4);
	if (plen > len - off - IPV6_HLEN)
		return SF_FRAME_BAD_LENGTH;
	pkt->family = AF_INET6;
	next = f[off + 6];
	pkt->ttl = f[off + 7];
	memcpy(pkt->src.b, f + off + 8, 16);
	memcpy(pkt->dst.b, f + off + 24, 16);
	pkt->proto = next;
	switch (next) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_ICMPV6:
		return parse_l4(f, off + IPV6_HLEN, off + IPV6_HLEN + plen, pkt);
	case IPPROTO_FRAGMENT:
		return SF_FRAME_FRAGMENT;
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
	case IPPROTO_ESP:
	case IPPROTO_MH:
	case 139: /* HIP */
	case 140: /* Shim6 */
		return SF_FRAME_EXT_HEADER;
	default:
		return SF_FRAME_UNSUPPORTED_PROTO;
	}
}

SfFrameResult sf_frame_parse(const uint8_t *frame, size_t len, SfPacket *pkt)
{
	memset(pkt, 0, sizeof(*pkt));
	if (frame == NULL || len < ETH_HLEN)
		return SF_FRAME_RUNT;
	memcpy(pkt->dst_mac, frame, 6);
	memcpy(pkt->src_mac, frame + 6, 6);
	pkt->ethertype = rd16(frame + 12);
	pkt->l3_offset = ETH_HLEN;
	switch (pkt->ethertype) {
	case ETHERTYPE_ARP:
		return len - ETH_HLEN < ARP_LEN ? SF_FRAME_TRUNCATED : SF_FRAME_OK;
	case ETHERTYPE_IPV4:
		return parse_ipv4(frame, len, pkt);
	case ETHERTYPE_IPV6:
		return parse_ipv6(frame, len, pkt);
	default:
		return SF_FRAME_UNSUPPORTED_ETHERTYPE;
	}
}
