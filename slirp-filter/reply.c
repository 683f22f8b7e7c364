/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Refusal replies: TCP resets and ICMP/ICMPv6 destination unreachables.
 *
 * Theory of operation: when the policy refuses a packet, the container
 * should learn it at once (connection refused / host unreachable) rather
 * than time out, so we answer as the peer would: a RST for TCP, an ICMP
 * unreachable for the rest. Replies are built into a caller buffer of
 * SF_REPLY_MAX bytes, never allocated. Addresses, ports and MACs come from
 * the SfPacket that sf_frame_parse() filled; the only bytes read from the
 * guest frame are the TCP sequence numbers and the quoted packet, and
 * those reads are checked against both @len and the IP payload bounds in
 * the SfPacket, so a packet that does not match its frame gets no reply.
 * Replies are themselves well-formed (IPv4 with DF and ID 0, TTL/hop limit
 * 64, correct checksums) and follow the usual rules against amplification
 * and storms: no RST for a RST, no ICMP error about an ICMP error, nothing
 * to or from a multicast, broadcast, unspecified or loopback address, and
 * nothing to a multicast Ethernet address. Rate limiting is the caller's.
 */
#include <netinet/in.h>
#include <string.h>

#include "slirp-filter/csum.h"
#include "slirp-filter/reply.h"
#include "wire.h"

#define ETH_HLEN 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define TCP_HLEN 20
#define UDP_HLEN 8
#define ICMP_HLEN 8
#define IPV4_ERROR_MAX 576  /* RFC 1812 4.3.2.3: an ICMP error's IP length */
#define IPV6_ERROR_MAX 1280 /* RFC 4443 2.4(c): the IPv6 minimum MTU */
#define REPLY_TTL 64

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

/* Writes Ethernet and IP headers for @l4len bytes of @proto from @src to
 * @dst; returns the L4 offset in @out. @out must hold the whole frame. */
static size_t put_headers(uint8_t *out, int family, const uint8_t smac[6], const uint8_t dmac[6],
                          const SfAddr *src, const SfAddr *dst, uint8_t proto, size_t l4len)
{
	uint8_t *ip = out + ETH_HLEN;

	memcpy(out, dmac, 6);
	memcpy(out + 6, smac, 6);
	if (family == AF_INET) {
		wr16(out + 12, ETHERTYPE_IPV4);
		memset(ip, 0, IPV4_HLEN);
		ip[0] = 0x45;
		wr16(ip + 2, (uint16_t)(IPV4_HLEN + l4len));
		wr16(ip + 6, 0x4000); /* DF, ID 0 (RFC 6864 atomic datagram) */
		ip[8] = REPLY_TTL;
		ip[9] = proto;
		memcpy(ip + 12, src->b + 12, 4);
		memcpy(ip + 16, dst->b + 12, 4);
		wr16(ip + 10, sf_csum_fold(sf_csum_add(0, ip, IPV4_HLEN)));
		return ETH_HLEN + IPV4_HLEN;
	}
	wr16(out + 12, ETHERTYPE_IPV6);
	memset(ip, 0, IPV6_HLEN);
	ip[0] = 0x60;
	wr16(ip + 4, (uint16_t)l4len);
	ip[6] = proto;
	ip[7] = REPLY_TTL;
	memcpy(ip + 8, src->b, 16);
	memcpy(ip + 24, dst->b, 16);
	return ETH_HLEN + IPV6_HLEN;
}

static size_t ip_hlen(int family)
{
	return family == AF_INET ? IPV4_HLEN : IPV6_HLEN;
}

static size_t build_rst(int family, const uint8_t smac[6], const uint8_t dmac[6],
                        const SfAddr *src, const SfAddr *dst, uint16_t sport, uint16_t dport,
                        uint32_t seq, uint32_t ack, bool with_ack, uint8_t *out, size_t size)
{
	size_t total = ETH_HLEN + ip_hlen(family) + TCP_HLEN, off;
	uint8_t *tcp;

	if (out == NULL || size < total)
		return 0;
	off = put_headers(out, family, smac, dmac, src, dst, IPPROTO_TCP, TCP_HLEN);
	tcp = out + off;
	memset(tcp, 0, TCP_HLEN);
	wr16(tcp, sport);
	wr16(tcp + 2, dport);
	wr32(tcp + 4, seq);
	wr32(tcp + 8, with_ack ? ack : 0);
	tcp[12] = (TCP_HLEN / 4) << 4;
	tcp[13] = TCP_RST | (with_ack ? TCP_ACK : 0);
	wr16(tcp + 16, sf_csum_fold(sf_csum_add(sf_csum_pseudo(family, out + ETH_HLEN, IPPROTO_TCP, TCP_HLEN),
	                                  tcp, TCP_HLEN)));
	return total;
}

/*
 * put_headers() for a frame built from arguments: both addresses of one
 * family, everything fits in @size and in an IP packet. Returns the L4
 * offset and sets *@family, or 0.
 */
static size_t put_checked_headers(uint8_t *out, size_t size, const uint8_t smac[6],
				  const uint8_t dmac[6], const SfAddr *src, const SfAddr *dst,
				  uint8_t proto, size_t l4len, int *family)
{
	if (out == NULL || smac == NULL || dmac == NULL || src == NULL || dst == NULL ||
	    sf_addr_is_ipv4(src) != sf_addr_is_ipv4(dst))
		return 0;
	*family = sf_addr_is_ipv4(src) ? AF_INET : AF_INET6;
	if (l4len > 65535 - IPV4_HLEN || size < ETH_HLEN + ip_hlen(*family) + l4len)
		return 0;
	return put_headers(out, *family, smac, dmac, src, dst, proto, l4len);
}

size_t sf_reply_tcp_segment(const uint8_t smac[6], const uint8_t dmac[6], const SfAddr *src,
			    const SfAddr *dst, uint16_t sport, uint16_t dport, uint32_t seq,
			    uint32_t ack, uint8_t flags, uint16_t window, uint16_t mss,
			    const uint8_t *payload, size_t plen, uint8_t *out, size_t size)
{
	int family;
	size_t opt = (flags & TCP_SYN) && mss > 0 ? 4 : 0;
	size_t l4len = TCP_HLEN + opt + plen, off;
	uint8_t *tcp;

	if (plen > 0 && payload == NULL)
		return 0;
	off = put_checked_headers(out, size, smac, dmac, src, dst, IPPROTO_TCP, l4len, &family);
	if (off == 0)
		return 0;
	tcp = out + off;
	memset(tcp, 0, TCP_HLEN + opt);
	wr16(tcp, sport);
	wr16(tcp + 2, dport);
	wr32(tcp + 4, seq);
	wr32(tcp + 8, (flags & TCP_ACK) ? ack : 0);
	tcp[12] = (uint8_t)(((TCP_HLEN + opt) / 4) << 4);
	tcp[13] = flags;
	wr16(tcp + 14, window);
	if (opt > 0) {
		tcp[20] = 2; /* MSS */
		tcp[21] = 4;
		wr16(tcp + 22, mss);
	}
	if (plen > 0)
		memcpy(tcp + TCP_HLEN + opt, payload, plen);
	wr16(tcp + 16, sf_csum_fold(sf_csum_add(sf_csum_pseudo(family, out + ETH_HLEN, IPPROTO_TCP, l4len),
					  tcp, l4len)));
	return off + l4len;
}

size_t sf_reply_udp(const uint8_t smac[6], const uint8_t dmac[6], const SfAddr *src,
		    const SfAddr *dst, uint16_t sport, uint16_t dport, const uint8_t *payload,
		    size_t plen, uint8_t *out, size_t size)
{
	int family;
	size_t l4len = UDP_HLEN + plen, off;
	uint8_t *udp;
	uint16_t sum;

	if (plen > 0 && payload == NULL)
		return 0;
	off = put_checked_headers(out, size, smac, dmac, src, dst, IPPROTO_UDP, l4len, &family);
	if (off == 0)
		return 0;
	udp = out + off;
	wr16(udp, sport);
	wr16(udp + 2, dport);
	wr16(udp + 4, (uint16_t)l4len);
	wr16(udp + 6, 0);
	if (plen > 0)
		memcpy(udp + UDP_HLEN, payload, plen);
	sum = sf_csum_fold(sf_csum_add(sf_csum_pseudo(family, out + ETH_HLEN, IPPROTO_UDP, l4len), udp, l4len));
	wr16(udp + 6, sum == 0 ? 0xffff : sum); /* 0 means "no checksum" in UDP */
	return off + l4len;
}

size_t sf_reply_tcp_rst_flow(const uint8_t smac[6], const uint8_t dmac[6],
                             const SfAddr *src, const SfAddr *dst,
                             uint16_t sport, uint16_t dport,
                             uint32_t seq, uint32_t ack, bool with_ack,
                             uint8_t *out, size_t size)
{
	bool v4;

	if (smac == NULL || dmac == NULL || src == NULL || dst == NULL)
		return 0;
	v4 = sf_addr_is_ipv4(src);
	if (v4 != sf_addr_is_ipv4(dst))
		return 0;
	return build_rst(v4 ? AF_INET : AF_INET6, smac, dmac, src, dst, sport, dport,
	                 seq, ack, with_ack, out, size);
}

static bool mac_is_unicast(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return !(mac[0] & 0x01) && memcmp(mac, zero, 6) != 0;
}

/* TRUE for an address a reply may be sent from (as the old destination) or to. */
static bool addr_is_unicast(int family, const SfAddr *a)
{
	static const uint8_t v6_unspec[16], v6_loop[16] = { [15] = 1 };

	if (family == AF_INET) {
		const uint8_t *v4 = a->b + 12;

		/* 0/8 this network, 127/8 loopback, 224/4 multicast, 240/4 incl. broadcast */
		return sf_addr_is_ipv4(a) && v4[0] != 0 && v4[0] != 127 && v4[0] < 224;
	}
	return a->b[0] != 0xff && memcmp(a->b, v6_unspec, 16) != 0 &&
	       memcmp(a->b, v6_loop, 16) != 0;
}

/* Checks that @pkt is a parsed IP packet of @frame whose payload lies
 * within @len and that both ends are unicast. */
static bool packet_answerable(const uint8_t *frame, size_t len, const SfPacket *pkt)
{
	size_t hlen;
	uint16_t ethertype;

	if (frame == NULL || pkt == NULL)
		return false;
	if (pkt->family == AF_INET)
		ethertype = ETHERTYPE_IPV4;
	else if (pkt->family == AF_INET6)
		ethertype = ETHERTYPE_IPV6;
	else
		return false;
	hlen = ip_hlen(pkt->family);
	if (pkt->ethertype != ethertype || pkt->l3_offset < ETH_HLEN)
		return false;
	if (pkt->l4_len > len || pkt->l4_offset > len - pkt->l4_len)
		return false; /* the IP payload runs past @len */
	if (pkt->l4_offset < pkt->l3_offset || pkt->l4_offset - pkt->l3_offset < hlen)
		return false;
	if (!mac_is_unicast(pkt->src_mac) || pkt->dst_mac[0] & 0x01)
		return false;
	return addr_is_unicast(pkt->family, &pkt->src) && addr_is_unicast(pkt->family, &pkt->dst);
}

size_t sf_reply_tcp_rst(const uint8_t *frame, size_t len, const SfPacket *pkt,
                        uint8_t *out, size_t size)
{
	const uint8_t *tcp;
	uint32_t seq, ack;

	if (!packet_answerable(frame, len, pkt) || pkt->proto != IPPROTO_TCP)
		return 0;
	if (pkt->l4_len < TCP_HLEN || pkt->payload_len > pkt->l4_len - TCP_HLEN)
		return 0;
	if (pkt->tcp_flags & TCP_RST)
		return 0; /* never answer a RST (RFC 793) */
	tcp = frame + pkt->l4_offset;
	if (pkt->tcp_flags & TCP_ACK)
		return build_rst(pkt->family, pkt->dst_mac, pkt->src_mac, &pkt->dst, &pkt->src,
		                 pkt->dport, pkt->sport, rd32(tcp + 8), 0, false, out, size);
	seq = rd32(tcp + 4);
	ack = seq + (uint32_t)pkt->payload_len + !!(pkt->tcp_flags & TCP_SYN) +
	      !!(pkt->tcp_flags & TCP_FIN);
	return build_rst(pkt->family, pkt->dst_mac, pkt->src_mac, &pkt->dst, &pkt->src,
	                 pkt->dport, pkt->sport, 0, ack, true, out, size);
}

size_t sf_reply_unreachable(const uint8_t *frame, size_t len, const SfPacket *pkt,
                            SfUnreachKind kind, uint8_t *out, size_t size)
{
	size_t ip_len, quote, max_quote, l4len, total, off;
	uint8_t type, code, proto;
	uint8_t *icmp;

	if (!packet_answerable(frame, len, pkt))
		return 0;
	if (pkt->family == AF_INET) {
		switch (pkt->proto) {
		case IPPROTO_TCP:
		case IPPROTO_UDP:
			break;
		case IPPROTO_ICMP:
			if (pkt->icmp_type != 8)
				return 0; /* only echo requests: never an error about an error */
			break;
		default:
			return 0;
		}
		proto = IPPROTO_ICMP;
		type = 3;
		code = kind == SF_UNREACH_PORT ? 3 : 13;
		max_quote = IPV4_ERROR_MAX - IPV4_HLEN - ICMP_HLEN;
	} else {
		switch (pkt->proto) {
		case IPPROTO_TCP:
		case IPPROTO_UDP:
			break;
		case IPPROTO_ICMPV6:
			if (pkt->icmp_type != 128)
				return 0; /* errors (< 128) and other informational messages */
			break;
		default:
			return 0;
		}
		proto = IPPROTO_ICMPV6;
		type = 1;
		code = kind == SF_UNREACH_PORT ? 4 : 1;
		max_quote = IPV6_ERROR_MAX - IPV6_HLEN - ICMP_HLEN;
	}
	if (kind != SF_UNREACH_PORT && kind != SF_UNREACH_ADMIN_PROHIBITED)
		return 0;
	if (pkt->l4_len < ICMP_HLEN) /* RFC 792 wants the first 8 bytes of payload */
		return 0;
	/* the IP packet as the parser bounded it: header + payload, no padding */
	ip_len = pkt->l4_offset + pkt->l4_len - pkt->l3_offset;
	quote = ip_len < max_quote ? ip_len : max_quote;
	l4len = ICMP_HLEN + quote;
	total = ETH_HLEN + ip_hlen(pkt->family) + l4len;
	if (out == NULL || size < total)
		return 0;
	off = put_headers(out, pkt->family, pkt->dst_mac, pkt->src_mac, &pkt->dst, &pkt->src,
	                  proto, l4len);
	icmp = out + off;
	icmp[0] = type;
	icmp[1] = code;
	memset(icmp + 2, 0, ICMP_HLEN - 2); /* checksum, then unused (v4) / unused (v6) */
	memcpy(icmp + ICMP_HLEN, frame + pkt->l3_offset, quote);
	wr16(icmp + 2, sf_csum_fold(sf_csum_add(pkt->family == AF_INET ? 0
	                                  : sf_csum_pseudo(AF_INET6, out + ETH_HLEN, proto, l4len),
	                                  icmp, l4len)));
	return total;
}
