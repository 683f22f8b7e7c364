/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper: hand-built Ethernet frames with valid checksums (IPv4/IPv6, TCP/UDP/ICMP). */
#include "config.h"

#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <string.h>

#include "frame-builder.h"

const uint8_t fb_guest_mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
const uint8_t fb_gw_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };

void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* RFC 1071, written independently of reply.c: sum of 16-bit words, folded, complemented. */
uint32_t rfc1071_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] * 256 + p[i + 1];
	if (i < n)
		sum += (uint32_t)p[i] * 256;
	return sum;
}

uint16_t rfc1071_fold(uint32_t sum)
{
	while (sum > 0xffff)
		sum = (sum >> 16) + (sum & 0xffff);
	return (uint16_t)(~sum & 0xffff);
}

/* Checksum of an L4 segment at @l4 (@l4len bytes) behind the IP header @ip,
 * pseudo-header included except for ICMPv4. 0 when the stored sum is right. */
uint16_t l4_sum(const uint8_t *ip, uint8_t proto, const uint8_t *l4, size_t l4len)
{
	uint8_t ph[40] = { 0 };
	size_t phlen = 0;

	if (ip[0] >> 4 == 4 && proto != IPPROTO_ICMP) {
		memcpy(ph, ip + 12, 8);
		ph[9] = proto;
		put16(ph + 10, (uint16_t)l4len);
		phlen = 12;
	} else if (ip[0] >> 4 == 6) {
		memcpy(ph, ip + 8, 32);
		put32(ph + 32, (uint32_t)l4len);
		ph[39] = proto;
		phlen = 40;
	}
	return rfc1071_fold(rfc1071_add(rfc1071_add(0, ph, phlen), l4, l4len));
}

/* Ethernet (guest -> gateway) + IP header; returns the zeroed L4 area. */
uint8_t *build_ip(Frame *f, int family, uint8_t proto, const char *src, const char *dst,
                         size_t l4len)
{
	uint8_t *ip = f->b + 14;

	memset(f, 0, sizeof(*f));
	memcpy(f->b, fb_gw_mac, 6);
	memcpy(f->b + 6, fb_guest_mac, 6);
	if (family == AF_INET) {
		put16(f->b + 12, 0x0800);
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + l4len));
		put16(ip + 4, 0x1234);
		ip[8] = 63;
		ip[9] = proto;
		g_assert_cmpint(inet_pton(AF_INET, src, ip + 12), ==, 1);
		g_assert_cmpint(inet_pton(AF_INET, dst, ip + 16), ==, 1);
		f->len = 14 + 20 + l4len;
		return ip + 20;
	}
	put16(f->b + 12, 0x86dd);
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)l4len);
	ip[6] = proto;
	ip[7] = 63;
	g_assert_cmpint(inet_pton(AF_INET6, src, ip + 8), ==, 1);
	g_assert_cmpint(inet_pton(AF_INET6, dst, ip + 24), ==, 1);
	f->len = 14 + 40 + l4len;
	return ip + 40;
}

void fill_payload(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 0x5a);
}

/* Sets the IPv4 header and L4 checksums of @f; @csum_off inside the L4 header. */
void finish(Frame *f, uint8_t proto, size_t csum_off)
{
	uint8_t *ip = f->b + 14;
	size_t hl = ip[0] >> 4 == 4 ? 20 : 40;
	uint8_t *l4 = ip + hl;
	size_t l4len = f->len - 14 - hl;

	if (hl == 20)
		put16(ip + 10, rfc1071_fold(rfc1071_add(0, ip, 20)));
	put16(l4 + csum_off, l4_sum(ip, proto, l4, l4len));
	g_assert_cmpuint(l4_sum(ip, proto, l4, l4len), ==, 0);
}

void build_tcp(Frame *f, int family, const char *src, const char *dst, uint16_t sport,
                      uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, size_t plen)
{
	uint8_t *t = build_ip(f, family, IPPROTO_TCP, src, dst, 20 + plen);

	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 64240);
	fill_payload(t + 20, plen);
	finish(f, IPPROTO_TCP, 16);
}

void build_udp(Frame *f, int family, const char *src, const char *dst, uint16_t sport,
                      uint16_t dport, size_t plen)
{
	uint8_t *u = build_ip(f, family, IPPROTO_UDP, src, dst, 8 + plen);

	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, (uint16_t)(8 + plen));
	fill_payload(u + 8, plen);
	finish(f, IPPROTO_UDP, 6);
}

void build_icmp(Frame *f, int family, const char *src, const char *dst, uint8_t type,
                       size_t plen)
{
	uint8_t proto = family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	uint8_t *i = build_ip(f, family, proto, src, dst, 8 + plen);

	i[0] = type;
	put16(i + 4, 0x4242);
	put16(i + 6, 1);
	fill_payload(i + 8, plen);
	finish(f, proto, 2);
}

