/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the guest frame parser on crafted frames, including every malformed class. */
#include "config.h"

#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <string.h>

#include "slirp-filter/frame.h"

typedef struct {
	uint8_t b[2048];
	size_t len;
} Frame;

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void eth(Frame *f, uint16_t ethertype)
{
	memset(f, 0, sizeof(*f));
	memcpy(f->b, "\x52\x55\x0a\x00\x02\x02", 6);
	memcpy(f->b + 6, "\x02\x11\x22\x33\x44\x55", 6);
	put16(f->b + 12, ethertype);
	f->len = 14;
}

/* IPv4 header + an L4 header of l4len bytes (zeroed) */
static uint8_t *ipv4(Frame *f, uint8_t proto, const char *src, const char *dst, size_t l4len)
{
	uint8_t *ip;

	eth(f, 0x0800);
	ip = f->b + 14;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + l4len));
	ip[8] = 64;
	ip[9] = proto;
	inet_pton(AF_INET, src, ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	f->len = 14 + 20 + l4len;
	return ip + 20;
}

static uint8_t *ipv6(Frame *f, uint8_t next, const char *src, const char *dst, size_t l4len)
{
	uint8_t *ip;

	eth(f, 0x86dd);
	ip = f->b + 14;
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)l4len);
	ip[6] = next;
	ip[7] = 64;
	inet_pton(AF_INET6, src, ip + 8);
	inet_pton(AF_INET6, dst, ip + 24);
	f->len = 14 + 40 + l4len;
	return ip + 40;
}

static void tcp_hdr(uint8_t *t, uint16_t sport, uint16_t dport, uint8_t flags)
{
	put16(t, sport);
	put16(t + 2, dport);
	t[12] = 5 << 4;
	t[13] = flags;
}

static SfFrameResult parse(const Frame *f, SfPacket *p)
{
	return sf_frame_parse(f->b, f->len, p);
}

static void assert_addr(const SfAddr *a, const char *want)
{
	char buf[64];

	g_assert_cmpstr(sf_addr_to_string(a, buf, sizeof(buf)), ==, want);
}

static void test_tcp4_syn(void)
{
	Frame f;
	SfPacket p;

	tcp_hdr(ipv4(&f, IPPROTO_TCP, "10.0.2.100", "203.0.113.10", 20), 40000, 443, 0x02);
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_OK);
	g_assert_cmpint(p.family, ==, AF_INET);
	g_assert_cmpuint(p.proto, ==, IPPROTO_TCP);
	assert_addr(&p.src, "10.0.2.100");
	assert_addr(&p.dst, "203.0.113.10");
	g_assert_true(sf_addr_is_ipv4(&p.dst));
	g_assert_cmpuint(p.sport, ==, 40000);
	g_assert_cmpuint(p.dport, ==, 443);
	g_assert_cmpuint(p.tcp_flags, ==, 0x02);
	g_assert_cmpuint(p.payload_len, ==, 0);
	g_assert_cmpuint(p.ttl, ==, 64);
}

static void test_udp4_padding(void)
{
	Frame f;
	SfPacket p;
	uint8_t *u = ipv4(&f, IPPROTO_UDP, "10.0.2.100", "10.0.2.3", 8 + 4);

	put16(u, 5353);
	put16(u + 2, 53);
	put16(u + 4, 12);
	f.len = 60; /* Ethernet minimum: padding after the IP packet is ignored */
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_OK);
	g_assert_cmpuint(p.dport, ==, 53);
	g_assert_cmpuint(p.payload_len, ==, 4);
	g_assert_cmpuint(p.l4_len, ==, 12);
}

static void test_icmp_echo(void)
{
	Frame f;
	SfPacket p;
	uint8_t *i = ipv4(&f, IPPROTO_ICMP, "10.0.2.100", "10.0.2.2", 8);

	i[0] = 8;
	put16(i + 4, 0x1234);
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_OK);
	g_assert_cmpuint(p.icmp_type, ==, 8);
	g_assert_cmpuint(p.sport, ==, 0x1234);
	i = ipv6(&f, IPPROTO_ICMPV6, "fd00::100", "2001:db8::10", 8);
	i[0] = 128;
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_OK);
	g_assert_cmpint(p.family, ==, AF_INET6);
	g_assert_cmpuint(p.icmp_type, ==, 128);
	assert_addr(&p.dst, "2001:db8::10");
	g_assert_false(sf_addr_is_ipv4(&p.dst));
}

static void test_tcp6(void)
{
	Frame f;
	SfPacket p;

	tcp_hdr(ipv6(&f, IPPROTO_TCP, "fd00::100", "2001:db8::10", 20), 1, 80, 0x12);
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_OK);
	g_assert_cmpuint(p.dport, ==, 80);
	g_assert_cmpuint(p.tcp_flags, ==, 0x12);
}

static void test_arp(void)
{
	Frame f;
	SfPacket p;

	eth(&f, 0x0806);
	f.len = 14 + 28;
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_OK);
	g_assert_cmpuint(p.ethertype, ==, 0x0806);
	g_assert_cmpint(p.family, ==, 0);
	f.len = 14 + 27;
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_TRUNCATED);
}

static void test_runts_and_ethertypes(void)
{
	Frame f;
	SfPacket p;

	g_assert_cmpint(sf_frame_parse(NULL, 0, &p), ==, SF_FRAME_RUNT);
	eth(&f, 0x0800);
	f.len = 13;
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_RUNT);
	f.len = 14;
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_TRUNCATED);
	eth(&f, 0x8100); /* VLAN tag */
	f.len = 64;
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_UNSUPPORTED_ETHERTYPE);
	eth(&f, 0x88cc); /* LLDP */
	f.len = 64;
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_UNSUPPORTED_ETHERTYPE);
}

static void test_ipv4_malformed(void)
{
	Frame f;
	SfPacket p;
	uint8_t *ip;

	tcp_hdr(ipv4(&f, IPPROTO_TCP, "10.0.2.100", "203.0.113.10", 20), 1, 80, 2);
	ip = f.b + 14;
	ip[0] = 0x65; /* version 6 in an IPv4 ethertype */
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_BAD_HEADER);
	ip[0] = 0x44; /* IHL 4 */
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_BAD_HEADER);
	ip[0] = 0x46; /* IHL 6: options */
	put16(ip + 2, 44);
	f.len = 14 + 44;
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_IP_OPTIONS);
	ip[0] = 0x4f; /* IHL 15 = 60 bytes > frame */
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_TRUNCATED);
	ip[0] = 0x45;
	put16(ip + 2, 2000); /* total length beyond the frame */
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_BAD_LENGTH);
	put16(ip + 2, 19); /* shorter than its own header */
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_BAD_LENGTH);
	put16(ip + 2, 40);
	f.len = 14 + 19;
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_TRUNCATED);
}

static void test_fragments(void)
{
	Frame f;
	SfPacket p;

	tcp_hdr(ipv4(&f, IPPROTO_TCP, "10.0.2.100", "203.0.113.10", 20), 1, 80, 2);
	put16(f.b + 14 + 6, 0x2000); /* MF */
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_FRAGMENT);
	put16(f.b + 14 + 6, 0x0001); /* offset 8 */
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_FRAGMENT);
	put16(f.b + 14 + 6, 0x4000); /* DF only: not a fragment */
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_OK);
	ipv6(&f, IPPROTO_FRAGMENT, "fd00::100", "2001:db8::10", 8 + 20);
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_FRAGMENT);
}

static void test_other_protocols(void)
{
	Frame f;
	SfPacket p;

	ipv4(&f, 47, "10.0.2.100", "203.0.113.10", 24); /* GRE */
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_UNSUPPORTED_PROTO);
	assert_addr(&p.dst, "203.0.113.10"); /* still known, for the audit log */
	ipv4(&f, 132, "10.0.2.100", "203.0.113.10", 24); /* SCTP */
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_UNSUPPORTED_PROTO);
	ipv4(&f, 4, "10.0.2.100", "203.0.113.10", 20); /* IPIP */
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_UNSUPPORTED_PROTO);
	ipv6(&f, IPPROTO_HOPOPTS, "fd00::100", "ff02::16", 8);
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_EXT_HEADER);
	ipv6(&f, IPPROTO_ROUTING, "fd00::100", "2001:db8::10", 8);
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_EXT_HEADER);
	ipv6(&f, 47, "fd00::100", "2001:db8::10", 8);
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_UNSUPPORTED_PROTO);
}

static void test_ipv6_malformed(void)
{
	Frame f;
	SfPacket p;

	tcp_hdr(ipv6(&f, IPPROTO_TCP, "fd00::100", "2001:db8::10", 20), 1, 80, 2);
	f.b[14] = 0x40;
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_BAD_HEADER);
	f.b[14] = 0x60;
	put16(f.b + 14 + 4, 21); /* payload length beyond the frame */
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_BAD_LENGTH);
	f.len = 14 + 39;
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_TRUNCATED);
}

static void test_l4_malformed(void)
{
	Frame f;
	SfPacket p;
	uint8_t *t, *u;

	ipv4(&f, IPPROTO_TCP, "10.0.2.100", "203.0.113.10", 19);
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_TRUNCATED);
	t = ipv4(&f, IPPROTO_TCP, "10.0.2.100", "203.0.113.10", 20);
	tcp_hdr(t, 1, 80, 2);
	t[12] = 4 << 4; /* data offset 16 bytes */
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_BAD_HEADER);
	t[12] = 15 << 4; /* 60 bytes of TCP header in a 20-byte segment */
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_TRUNCATED);
	u = ipv4(&f, IPPROTO_UDP, "10.0.2.100", "203.0.113.10", 8);
	put16(u + 4, 7);
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_BAD_LENGTH);
	put16(u + 4, 9);
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_BAD_LENGTH);
	ipv4(&f, IPPROTO_UDP, "10.0.2.100", "203.0.113.10", 7);
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_TRUNCATED);
	ipv4(&f, IPPROTO_ICMP, "10.0.2.100", "203.0.113.10", 7);
	g_assert_cmpint(parse(&f, &p), ==, SF_FRAME_TRUNCATED);
}

/* Every prefix of a valid frame parses without reading past it (ASan checks the reads). */
static void test_every_truncation(void)
{
	Frame f;
	SfPacket p;

	tcp_hdr(ipv6(&f, IPPROTO_TCP, "fd00::100", "2001:db8::10", 20), 1, 80, 2);
	for (size_t n = 0; n < f.len; n++) {
		g_autofree uint8_t *copy = g_memdup2(f.b, n ? n : 1);

		g_assert_cmpint(sf_frame_parse(copy, n, &p), !=, SF_FRAME_OK);
	}
	tcp_hdr(ipv4(&f, IPPROTO_TCP, "10.0.2.100", "203.0.113.10", 20), 1, 80, 2);
	for (size_t n = 0; n < f.len; n++) {
		g_autofree uint8_t *copy = g_memdup2(f.b, n ? n : 1);

		g_assert_cmpint(sf_frame_parse(copy, n, &p), !=, SF_FRAME_OK);
	}
}

static void test_names(void)
{
	for (int r = 0; r < SF_FRAME_N_RESULTS; r++)
		g_assert_nonnull(sf_frame_result_name((SfFrameResult)r));
	g_assert_cmpstr(sf_frame_result_name(SF_FRAME_FRAGMENT), ==, "fragment");
	g_assert_cmpstr(sf_frame_result_name(SF_FRAME_N_RESULTS), ==, "unknown");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/frame/tcp4-syn", test_tcp4_syn);
	g_test_add_func("/frame/udp4-padding", test_udp4_padding);
	g_test_add_func("/frame/icmp-echo", test_icmp_echo);
	g_test_add_func("/frame/tcp6", test_tcp6);
	g_test_add_func("/frame/arp", test_arp);
	g_test_add_func("/frame/runts-and-ethertypes", test_runts_and_ethertypes);
	g_test_add_func("/frame/ipv4-malformed", test_ipv4_malformed);
	g_test_add_func("/frame/fragments", test_fragments);
	g_test_add_func("/frame/other-protocols", test_other_protocols);
	g_test_add_func("/frame/ipv6-malformed", test_ipv6_malformed);
	g_test_add_func("/frame/l4-malformed", test_l4_malformed);
	g_test_add_func("/frame/every-truncation", test_every_truncation);
	g_test_add_func("/frame/names", test_names);
	return g_test_run();
}
