/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: TCP RST and ICMP unreachable builders, checked by parsing and re-summing. */
#include "config.h"

#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <string.h>

#include "slirp-filter/frame.h"
#include "slirp-filter/reply.h"

#include "frame-builder.h"

static void parse_ok(const Frame *f, SfPacket *p)
{
	g_assert_cmpint(sf_frame_parse(f->b, f->len, p), ==, SF_FRAME_OK);
}

static void assert_addr(const SfAddr *a, const char *want)
{
	char buf[64];

	g_assert_cmpstr(sf_addr_to_string(a, buf, sizeof(buf)), ==, want);
}

/* Parses a reply sent to the guest and checks everything every reply shares. */
static void check_reply(const uint8_t *out, size_t n, int family, uint8_t proto, SfPacket *r)
{
	const uint8_t *ip = out + 14;

	g_assert_cmpuint(n, >, 0);
	g_assert_cmpuint(n, <=, SF_REPLY_MAX);
	g_assert_cmpint(sf_frame_parse(out, n, r), ==, SF_FRAME_OK);
	g_assert_cmpmem(r->dst_mac, 6, fb_guest_mac, 6);
	g_assert_cmpmem(r->src_mac, 6, fb_gw_mac, 6);
	g_assert_cmpint(r->family, ==, family);
	g_assert_cmpuint(r->proto, ==, proto);
	g_assert_cmpuint(r->ttl, ==, 64);
	g_assert_cmpuint(r->l4_offset + r->l4_len, ==, n); /* no padding, no slack */
	if (family == AF_INET) {
		g_assert_cmpuint(ip[0], ==, 0x45);
		g_assert_cmpuint(get16(ip + 2), ==, n - 14);
		g_assert_cmpuint(rfc1071_fold(rfc1071_add(0, ip, 20)), ==, 0);
	} else {
		g_assert_cmpuint(ip[0], ==, 0x60);
		g_assert_cmpuint(get16(ip + 4), ==, n - 54);
	}
	g_assert_cmpuint(l4_sum(ip, proto, out + r->l4_offset, r->l4_len), ==, 0);
}

/* A RST reply: addresses and ports swapped relative to @p, empty, window 0. */
static void check_rst(const uint8_t *out, size_t n, const SfPacket *p, uint32_t seq, uint32_t ack,
                      uint8_t flags)
{
	SfPacket r;
	const uint8_t *t;

	check_reply(out, n, p->family, IPPROTO_TCP, &r);
	g_assert_cmpuint(n, ==, p->family == AF_INET ? 54 : 74);
	g_assert_cmpmem(r.src.b, 16, p->dst.b, 16);
	g_assert_cmpmem(r.dst.b, 16, p->src.b, 16);
	g_assert_cmpuint(r.sport, ==, p->dport);
	g_assert_cmpuint(r.dport, ==, p->sport);
	g_assert_cmpuint(r.tcp_flags, ==, flags);
	g_assert_cmpuint(r.payload_len, ==, 0);
	t = out + r.l4_offset;
	g_assert_cmpuint(get32(t + 4), ==, seq);
	g_assert_cmpuint(get32(t + 8), ==, ack);
	g_assert_cmpuint(t[12], ==, 0x50);
	g_assert_cmpuint(get16(t + 14), ==, 0); /* window */
	g_assert_cmpuint(get16(t + 18), ==, 0); /* urgent */
}

static void test_syn_v4(void)
{
	Frame f;
	SfPacket p;
	uint8_t out[SF_REPLY_MAX];
	size_t n;

	build_tcp(&f, AF_INET, "10.0.2.100", "203.0.113.10", 40000, 443, 1000, 0, 0x02, 0);
	parse_ok(&f, &p);
	n = sf_reply_tcp_rst(f.b, f.len, &p, out, sizeof(out));
	check_rst(out, n, &p, 0, 1001, 0x14);
	{
		SfPacket r;

		sf_frame_parse(out, n, &r);
		assert_addr(&r.src, "203.0.113.10");
		assert_addr(&r.dst, "10.0.2.100");
		g_assert_cmpuint(r.sport, ==, 443);
		g_assert_cmpuint(r.dport, ==, 40000);
		g_assert_cmpuint(get16(out + 14 + 6), ==, 0x4000); /* DF, ID 0 */
	}
}

static void test_ack_v4(void)
{
	Frame f;
	SfPacket p;
	uint8_t out[SF_REPLY_MAX];

	/* data segment of an established flow: RST takes the peer's ack as its seq */
	build_tcp(&f, AF_INET, "10.0.2.100", "203.0.113.10", 40000, 443, 5555, 0xdeadbeef,
	          0x18, 100);
	parse_ok(&f, &p);
	check_rst(out, sf_reply_tcp_rst(f.b, f.len, &p, out, sizeof(out)), &p, 0xdeadbeef, 0, 0x04);
	/* a SYN|ACK too */
	build_tcp(&f, AF_INET, "10.0.2.100", "203.0.113.10", 1, 2, 7, 77, 0x12, 0);
	parse_ok(&f, &p);
	check_rst(out, sf_reply_tcp_rst(f.b, f.len, &p, out, sizeof(out)), &p, 77, 0, 0x04);
}

static void test_no_rst_for_rst(void)
{
	Frame f;
	SfPacket p;
	uint8_t out[SF_REPLY_MAX];

	build_tcp(&f, AF_INET, "10.0.2.100", "203.0.113.10", 1, 2, 7, 0, 0x04, 0);
	parse_ok(&f, &p);
	g_assert_cmpuint(sf_reply_tcp_rst(f.b, f.len, &p, out, sizeof(out)), ==, 0);
	build_tcp(&f, AF_INET6, "fd00::100", "2001:db8::10", 1, 2, 7, 9, 0x14, 0);
	parse_ok(&f, &p);
	g_assert_cmpuint(sf_reply_tcp_rst(f.b, f.len, &p, out, sizeof(out)), ==, 0);
}

static void test_syn_payload_fin(void)
{
	Frame f;
	SfPacket p;
	uint8_t out[SF_REPLY_MAX];

	/* SYN + 7 bytes (TFO-style) + FIN: ack = seq + 7 + 1 + 1 */
	build_tcp(&f, AF_INET, "10.0.2.100", "198.51.100.7", 40001, 80, 100, 0, 0x03, 7);
	parse_ok(&f, &p);
	check_rst(out, sf_reply_tcp_rst(f.b, f.len, &p, out, sizeof(out)), &p, 0, 109, 0x14);
	/* FIN alone with payload, no ACK, and sequence wrap-around */
	build_tcp(&f, AF_INET, "10.0.2.100", "198.51.100.7", 40001, 80, 0xfffffffe, 0, 0x01, 3);
	parse_ok(&f, &p);
	check_rst(out, sf_reply_tcp_rst(f.b, f.len, &p, out, sizeof(out)), &p, 0, 2, 0x14);
	/* no flags at all, payload only */
	build_tcp(&f, AF_INET, "10.0.2.100", "198.51.100.7", 40001, 80, 50, 0, 0x00, 10);
	parse_ok(&f, &p);
	check_rst(out, sf_reply_tcp_rst(f.b, f.len, &p, out, sizeof(out)), &p, 0, 60, 0x14);
}

static void test_ipv6_rst(void)
{
	Frame f;
	SfPacket p, r;
	uint8_t out[SF_REPLY_MAX];
	size_t n;

	build_tcp(&f, AF_INET6, "fd00::100", "2001:db8::10", 40000, 443, 0x80000000, 0, 0x02, 0);
	parse_ok(&f, &p);
	n = sf_reply_tcp_rst(f.b, f.len, &p, out, sizeof(out));
	check_rst(out, n, &p, 0, 0x80000001, 0x14);
	sf_frame_parse(out, n, &r);
	assert_addr(&r.src, "2001:db8::10");
	assert_addr(&r.dst, "fd00::100");

	build_tcp(&f, AF_INET6, "fd00::100", "2001:db8::10", 40000, 443, 1, 12345, 0x11, 20);
	parse_ok(&f, &p);
	check_rst(out, sf_reply_tcp_rst(f.b, f.len, &p, out, sizeof(out)), &p, 12345, 0, 0x04);

	build_tcp(&f, AF_INET6, "fd00::100", "2001:db8::10", 1, 2, 10, 0, 0x03, 5);
	parse_ok(&f, &p);
	check_rst(out, sf_reply_tcp_rst(f.b, f.len, &p, out, sizeof(out)), &p, 0, 17, 0x14);
}

static void test_rst_flow(void)
{
	uint8_t out[SF_REPLY_MAX];
	SfAddr a4, b4, a6, b6;
	SfPacket r;
	uint8_t ip4[4];
	size_t n;

	inet_pton(AF_INET, "10.0.2.100", ip4);
	sf_addr_from_ipv4(&a4, ip4);
	inet_pton(AF_INET, "203.0.113.10", ip4);
	sf_addr_from_ipv4(&b4, ip4);
	inet_pton(AF_INET6, "fd00::100", a6.b);
	inet_pton(AF_INET6, "2001:db8::10", b6.b);

	/* towards the guest, RST|ACK */
	n = sf_reply_tcp_rst_flow(fb_gw_mac, fb_guest_mac, &b4, &a4, 443, 40000, 111, 222, true,
	                          out, sizeof(out));
	check_reply(out, n, AF_INET, IPPROTO_TCP, &r);
	g_assert_cmpuint(n, ==, 54);
	assert_addr(&r.src, "203.0.113.10");
	assert_addr(&r.dst, "10.0.2.100");
	g_assert_cmpuint(r.sport, ==, 443);
	g_assert_cmpuint(r.dport, ==, 40000);
	g_assert_cmpuint(r.tcp_flags, ==, 0x14);
	g_assert_cmpuint(get32(out + r.l4_offset + 4), ==, 111);
	g_assert_cmpuint(get32(out + r.l4_offset + 8), ==, 222);

	/* towards libslirp as if from the guest, bare RST: ack field zero */
	n = sf_reply_tcp_rst_flow(fb_guest_mac, fb_gw_mac, &a6, &b6, 40000, 443, 333, 444, false,
	                          out, sizeof(out));
	g_assert_cmpuint(n, ==, 74);
	g_assert_cmpint(sf_frame_parse(out, n, &r), ==, SF_FRAME_OK);
	g_assert_cmpmem(r.src_mac, 6, fb_guest_mac, 6);
	g_assert_cmpmem(r.dst_mac, 6, fb_gw_mac, 6);
	assert_addr(&r.src, "fd00::100");
	assert_addr(&r.dst, "2001:db8::10");
	g_assert_cmpuint(r.tcp_flags, ==, 0x04);
	g_assert_cmpuint(get32(out + r.l4_offset + 4), ==, 333);
	g_assert_cmpuint(get32(out + r.l4_offset + 8), ==, 0);
	g_assert_cmpuint(l4_sum(out + 14, IPPROTO_TCP, out + r.l4_offset, r.l4_len), ==, 0);

	/* mixed families, NULLs, short buffers */
	g_assert_cmpuint(sf_reply_tcp_rst_flow(fb_gw_mac, fb_guest_mac, &b4, &a6, 1, 2, 0, 0, true,
	                                       out, sizeof(out)), ==, 0);
	g_assert_cmpuint(sf_reply_tcp_rst_flow(fb_gw_mac, fb_guest_mac, &b6, &a4, 1, 2, 0, 0, true,
	                                       out, sizeof(out)), ==, 0);
	g_assert_cmpuint(sf_reply_tcp_rst_flow(fb_gw_mac, fb_guest_mac, NULL, &a4, 1, 2, 0, 0, true,
	                                       out, sizeof(out)), ==, 0);
	g_assert_cmpuint(sf_reply_tcp_rst_flow(fb_gw_mac, fb_guest_mac, &b4, &a4, 1, 2, 0, 0, true,
	                                       NULL, 0), ==, 0);
	for (size_t size = 0; size < 74; size++) {
		g_autofree uint8_t *small = g_malloc(size ? size : 1);

		g_assert_cmpuint(sf_reply_tcp_rst_flow(fb_gw_mac, fb_guest_mac, &b6, &a6, 1, 2, 0, 0,
		                                       true, small, size), ==, 0);
		g_assert_cmpuint(sf_reply_tcp_rst_flow(fb_gw_mac, fb_guest_mac, &b4, &a4, 1, 2, 0, 0,
		                                       true, small, size), ==, size < 54 ? 0 : 54);
	}
}

/* An unreachable reply to @f/@p: type/code, source = old destination, quote. */
static void check_unreach(const Frame *f, const SfPacket *p, const uint8_t *out, size_t n,
                          uint8_t type, uint8_t code, size_t want_quote)
{
	SfPacket r;
	int fam = p->family;
	uint8_t proto = fam == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	const uint8_t *icmp;

	check_reply(out, n, fam, proto, &r);
	g_assert_cmpmem(r.src.b, 16, p->dst.b, 16);
	g_assert_cmpmem(r.dst.b, 16, p->src.b, 16);
	g_assert_cmpuint(r.icmp_type, ==, type);
	g_assert_cmpuint(r.icmp_code, ==, code);
	icmp = out + r.l4_offset;
	g_assert_cmpuint(get32(icmp + 4), ==, 0); /* unused */
	g_assert_cmpuint(r.l4_len, ==, 8 + want_quote);
	g_assert_cmpmem(icmp + 8, want_quote, f->b + 14, want_quote);
}

static void test_unreach_udp(void)
{
	Frame f;
	SfPacket p;
	uint8_t out[SF_REPLY_MAX];
	size_t n;

	/* small: the whole IP packet is quoted; Ethernet padding is not */
	build_udp(&f, AF_INET, "10.0.2.100", "192.0.2.53", 5353, 53, 4);
	f.len = 60;
	parse_ok(&f, &p);
	n = sf_reply_unreachable(f.b, f.len, &p, SF_UNREACH_ADMIN_PROHIBITED, out, sizeof(out));
	check_unreach(&f, &p, out, n, 3, 13, 20 + 8 + 4);
	n = sf_reply_unreachable(f.b, f.len, &p, SF_UNREACH_PORT, out, sizeof(out));
	check_unreach(&f, &p, out, n, 3, 3, 20 + 8 + 4);
	{
		SfPacket r;

		sf_frame_parse(out, n, &r);
		assert_addr(&r.src, "192.0.2.53");
		assert_addr(&r.dst, "10.0.2.100");
	}

	/* large: the reply stops at 576 bytes of IP */
	build_udp(&f, AF_INET, "10.0.2.100", "192.0.2.53", 5353, 53, 1400);
	parse_ok(&f, &p);
	n = sf_reply_unreachable(f.b, f.len, &p, SF_UNREACH_PORT, out, sizeof(out));
	check_unreach(&f, &p, out, n, 3, 3, 576 - 28);
	g_assert_cmpuint(n, ==, 14 + 576);

	/* IPv6 small and large (1280 bytes of IP, the largest reply) */
	build_udp(&f, AF_INET6, "fd00::100", "2001:db8::53", 5353, 53, 12);
	parse_ok(&f, &p);
	n = sf_reply_unreachable(f.b, f.len, &p, SF_UNREACH_ADMIN_PROHIBITED, out, sizeof(out));
	check_unreach(&f, &p, out, n, 1, 1, 40 + 8 + 12);
	n = sf_reply_unreachable(f.b, f.len, &p, SF_UNREACH_PORT, out, sizeof(out));
	check_unreach(&f, &p, out, n, 1, 4, 40 + 8 + 12);

	build_udp(&f, AF_INET6, "fd00::100", "2001:db8::53", 5353, 53, 1452);
	parse_ok(&f, &p);
	n = sf_reply_unreachable(f.b, f.len, &p, SF_UNREACH_PORT, out, sizeof(out));
	check_unreach(&f, &p, out, n, 1, 4, 1280 - 48);
	g_assert_cmpuint(n, ==, SF_REPLY_MAX);

	/* an IPv6 packet exactly 1232 bytes long fits whole */
	build_udp(&f, AF_INET6, "fd00::100", "2001:db8::53", 5353, 53, 1232 - 48);
	parse_ok(&f, &p);
	n = sf_reply_unreachable(f.b, f.len, &p, SF_UNREACH_PORT, out, sizeof(out));
	check_unreach(&f, &p, out, n, 1, 4, 1232);
}

static void test_unreach_icmp_echo(void)
{
	Frame f;
	SfPacket p;
	uint8_t out[SF_REPLY_MAX];
	size_t n;

	build_icmp(&f, AF_INET, "10.0.2.100", "198.51.100.1", 8, 56);
	parse_ok(&f, &p);
	n = sf_reply_unreachable(f.b, f.len, &p, SF_UNREACH_ADMIN_PROHIBITED, out, sizeof(out));
	check_unreach(&f, &p, out, n, 3, 13, 20 + 8 + 56);

	build_icmp(&f, AF_INET6, "fd00::100", "2001:db8::1", 128, 56);
	parse_ok(&f, &p);
	n = sf_reply_unreachable(f.b, f.len, &p, SF_UNREACH_ADMIN_PROHIBITED, out, sizeof(out));
	check_unreach(&f, &p, out, n, 1, 1, 40 + 8 + 56);
}

static void test_unreach_tcp(void)
{
	Frame f;
	SfPacket p;
	uint8_t out[SF_REPLY_MAX];
	size_t n;

	build_tcp(&f, AF_INET, "10.0.2.100", "203.0.113.10", 40000, 443, 1000, 0, 0x02, 0);
	parse_ok(&f, &p);
	n = sf_reply_unreachable(f.b, f.len, &p, SF_UNREACH_ADMIN_PROHIBITED, out, sizeof(out));
	check_unreach(&f, &p, out, n, 3, 13, 40);
	build_tcp(&f, AF_INET6, "fd00::100", "2001:db8::10", 40000, 443, 1000, 0, 0x02, 0);
	parse_ok(&f, &p);
	n = sf_reply_unreachable(f.b, f.len, &p, SF_UNREACH_ADMIN_PROHIBITED, out, sizeof(out));
	check_unreach(&f, &p, out, n, 1, 1, 60);
}

static void test_no_error_about_error(void)
{
	static const uint8_t v4_types[] = { 0, 3, 4, 5, 11, 12, 13, 14 };
	static const uint8_t v6_types[] = { 1, 2, 3, 4, 127, 129, 133, 134, 135, 136, 137, 255 };
	Frame f;
	SfPacket p;
	uint8_t out[SF_REPLY_MAX];

	for (size_t i = 0; i < G_N_ELEMENTS(v4_types); i++) {
		build_icmp(&f, AF_INET, "10.0.2.100", "198.51.100.1", v4_types[i], 28);
		parse_ok(&f, &p);
		g_assert_cmpuint(sf_reply_unreachable(f.b, f.len, &p, SF_UNREACH_PORT, out,
		                                      sizeof(out)), ==, 0);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(v6_types); i++) {
		build_icmp(&f, AF_INET6, "fd00::100", "2001:db8::1", v6_types[i], 48);
		parse_ok(&f, &p);
		g_assert_cmpuint(sf_reply_unreachable(f.b, f.len, &p, SF_UNREACH_PORT, out,
		                                      sizeof(out)), ==, 0);
	}
	/* ICMPv6 carried in IPv4 (the parser lets it through): not ours to answer */
	build_icmp(&f, AF_INET, "10.0.2.100", "198.51.100.1", 128, 8);
	f.b[14 + 9] = IPPROTO_ICMPV6;
	parse_ok(&f, &p);
	g_assert_cmpuint(sf_reply_unreachable(f.b, f.len, &p, SF_UNREACH_PORT, out, sizeof(out)),
	                 ==, 0);
	/* and no RST for anything that is not TCP */
	build_udp(&f, AF_INET, "10.0.2.100", "192.0.2.53", 1, 2, 20);
	parse_ok(&f, &p);
	g_assert_cmpuint(sf_reply_tcp_rst(f.b, f.len, &p, out, sizeof(out)), ==, 0);
}

static void test_no_reply_non_unicast(void)
{
	static const struct {
		int family;
		const char *src, *dst;
	} cases[] = {
		{ AF_INET, "10.0.2.100", "224.0.0.251" },     /* multicast (mDNS) */
		{ AF_INET, "10.0.2.100", "239.255.255.250" }, /* multicast (SSDP) */
		{ AF_INET, "10.0.2.100", "255.255.255.255" }, /* limited broadcast */
		{ AF_INET, "10.0.2.100", "240.0.0.1" },       /* class E */
		{ AF_INET, "0.0.0.0", "198.51.100.1" },       /* unspecified source (DHCP) */
		{ AF_INET, "224.0.0.1", "198.51.100.1" },     /* multicast source */
		{ AF_INET, "10.0.2.100", "0.0.0.0" },
		{ AF_INET, "10.0.2.100", "127.0.0.1" },
		{ AF_INET6, "fd00::100", "ff02::fb" },
		{ AF_INET6, "fd00::100", "ff05::1:3" },
		{ AF_INET6, "::", "2001:db8::1" },
		{ AF_INET6, "ff02::1", "2001:db8::1" },
		{ AF_INET6, "fd00::100", "::" },
		{ AF_INET6, "fd00::100", "::1" },
	};
	Frame f;
	SfPacket p;
	uint8_t out[SF_REPLY_MAX];

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		build_udp(&f, cases[i].family, cases[i].src, cases[i].dst, 68, 67, 16);
		parse_ok(&f, &p);
		g_assert_cmpuint(sf_reply_unreachable(f.b, f.len, &p, SF_UNREACH_PORT, out,
		                                      sizeof(out)), ==, 0);
		build_tcp(&f, cases[i].family, cases[i].src, cases[i].dst, 1, 2, 3, 0, 0x02, 0);
		parse_ok(&f, &p);
		g_assert_cmpuint(sf_reply_tcp_rst(f.b, f.len, &p, out, sizeof(out)), ==, 0);
	}
	/* subnet broadcast: unicast-looking IP, but a broadcast/multicast MAC */
	build_udp(&f, AF_INET, "10.0.2.100", "10.0.2.255", 137, 137, 16);
	memset(f.b, 0xff, 6);
	parse_ok(&f, &p);
	g_assert_cmpuint(sf_reply_unreachable(f.b, f.len, &p, SF_UNREACH_PORT, out, sizeof(out)),
	                 ==, 0);
	f.b[0] = 0x01; /* 01:... multicast MAC */
	parse_ok(&f, &p);
	g_assert_cmpuint(sf_reply_unreachable(f.b, f.len, &p, SF_UNREACH_PORT, out, sizeof(out)),
	                 ==, 0);
	/* a multicast or zero source MAC cannot be answered either */
	build_udp(&f, AF_INET, "10.0.2.100", "192.0.2.1", 1, 2, 16);
	f.b[6] = 0x03;
	parse_ok(&f, &p);
	g_assert_cmpuint(sf_reply_unreachable(f.b, f.len, &p, SF_UNREACH_PORT, out, sizeof(out)),
	                 ==, 0);
	memset(f.b + 6, 0, 6);
	parse_ok(&f, &p);
	g_assert_cmpuint(sf_reply_unreachable(f.b, f.len, &p, SF_UNREACH_PORT, out, sizeof(out)),
	                 ==, 0);
}

/* Runs every builder on @f cut to each length below @min_ok from a heap copy
 * of exactly that size (ASan catches any read past it). */
static void check_truncations(const Frame *f, size_t min_ok)
{
	SfPacket full, cut;
	uint8_t out[SF_REPLY_MAX];

	parse_ok(f, &full);
	for (size_t n = 0; n <= f->len; n++) {
		g_autofree uint8_t *copy = g_memdup2(f->b, n ? n : 1);
		size_t a, b, c;

		/* the packet as parsed from the whole frame, lying about @len */
		a = sf_reply_tcp_rst(copy, n, &full, out, sizeof(out));
		b = sf_reply_unreachable(copy, n, &full, SF_UNREACH_PORT, out, sizeof(out));
		if (n < min_ok) {
			g_assert_cmpuint(a, ==, 0);
			g_assert_cmpuint(b, ==, 0);
		} else {
			g_assert_cmpuint(b, >, 0);
		}
		/* and whatever the parser makes of the cut frame */
		sf_frame_parse(copy, n, &cut);
		a = sf_reply_tcp_rst(copy, n, &cut, out, sizeof(out));
		c = sf_reply_unreachable(copy, n, &cut, SF_UNREACH_ADMIN_PROHIBITED, out,
		                         sizeof(out));
		g_assert_cmpuint(a, <=, SF_REPLY_MAX);
		g_assert_cmpuint(c, <=, SF_REPLY_MAX);
		if (n >= min_ok)
			g_assert_cmpuint(c, ==, b); /* same packet, same quote length */
	}
}

static void test_every_truncation(void)
{
	Frame f;

	build_tcp(&f, AF_INET, "10.0.2.100", "203.0.113.10", 40000, 443, 1, 0, 0x03, 9);
	check_truncations(&f, f.len);
	build_tcp(&f, AF_INET6, "fd00::100", "2001:db8::10", 40000, 443, 1, 2, 0x10, 9);
	check_truncations(&f, f.len);
	build_udp(&f, AF_INET, "10.0.2.100", "192.0.2.53", 1, 53, 3);
	check_truncations(&f, f.len);
	build_udp(&f, AF_INET6, "fd00::100", "2001:db8::53", 1, 53, 700);
	check_truncations(&f, f.len);
	build_icmp(&f, AF_INET, "10.0.2.100", "198.51.100.1", 8, 0);
	check_truncations(&f, f.len);
	build_icmp(&f, AF_INET6, "fd00::100", "2001:db8::1", 128, 33);
	check_truncations(&f, f.len);
	/* padded to the Ethernet minimum: cutting padding off changes nothing */
	build_udp(&f, AF_INET, "10.0.2.100", "192.0.2.53", 1, 53, 2);
	{
		size_t ip_end = f.len;

		f.len = 60;
		check_truncations(&f, ip_end);
	}
}

static void test_out_too_small(void)
{
	Frame f;
	SfPacket p;
	uint8_t out[SF_REPLY_MAX];
	size_t want;

	build_tcp(&f, AF_INET6, "fd00::100", "2001:db8::10", 1, 2, 3, 0, 0x02, 0);
	parse_ok(&f, &p);
	want = sf_reply_tcp_rst(f.b, f.len, &p, out, sizeof(out));
	g_assert_cmpuint(want, ==, 74);
	for (size_t size = 0; size <= want; size++) {
		g_autofree uint8_t *small = g_malloc(size ? size : 1);

		g_assert_cmpuint(sf_reply_tcp_rst(f.b, f.len, &p, small, size), ==,
		                 size < want ? 0 : want);
	}
	build_udp(&f, AF_INET6, "fd00::100", "2001:db8::53", 1, 53, 100);
	parse_ok(&f, &p);
	want = sf_reply_unreachable(f.b, f.len, &p, SF_UNREACH_PORT, out, sizeof(out));
	g_assert_cmpuint(want, ==, 14 + 40 + 8 + 148);
	for (size_t size = 0; size <= want; size++) {
		g_autofree uint8_t *small = g_malloc(size ? size : 1);

		g_assert_cmpuint(sf_reply_unreachable(f.b, f.len, &p, SF_UNREACH_PORT, small, size),
		                 ==, size < want ? 0 : want);
	}
	g_assert_cmpuint(sf_reply_unreachable(f.b, f.len, &p, SF_UNREACH_PORT, NULL, 0), ==, 0);
	g_assert_cmpuint(sf_reply_unreachable(NULL, 0, &p, SF_UNREACH_PORT, out, sizeof(out)), ==, 0);
	g_assert_cmpuint(sf_reply_unreachable(f.b, f.len, NULL, SF_UNREACH_PORT, out, sizeof(out)),
	                 ==, 0);
	g_assert_cmpuint(sf_reply_tcp_rst(NULL, 0, &p, out, sizeof(out)), ==, 0);
	/* an ARP frame is no IP packet */
	memset(&f, 0, sizeof(f));
	memcpy(f.b, fb_gw_mac, 6);
	memcpy(f.b + 6, fb_guest_mac, 6);
	put16(f.b + 12, 0x0806);
	f.len = 42;
	parse_ok(&f, &p);
	g_assert_cmpuint(sf_reply_unreachable(f.b, f.len, &p, SF_UNREACH_PORT, out, sizeof(out)),
	                 ==, 0);
	g_assert_cmpuint(sf_reply_tcp_rst(f.b, f.len, &p, out, sizeof(out)), ==, 0);
}

/* The resolver's UDP answers: fields, family checks and the checksum with its pseudo-header. */
static void test_udp_builder(void)
{
	uint8_t out[SF_REPLY_MAX], payload[100];
	SfPacket r;
	SfAddr dns4, guest4, dns6, guest6;
	uint8_t a4[4] = { 10, 0, 2, 3 }, b4[4] = { 10, 0, 2, 100 };
	size_t n;

	sf_addr_from_ipv4(&dns4, a4);
	sf_addr_from_ipv4(&guest4, b4);
	g_assert_cmpint(inet_pton(AF_INET6, "fd00::3", dns6.b), ==, 1);
	g_assert_cmpint(inet_pton(AF_INET6, "fd00::100", guest6.b), ==, 1);
	fill_payload(payload, sizeof(payload));
	n = sf_reply_udp(fb_gw_mac, fb_guest_mac, &dns4, &guest4, 53, 40000, payload,
			 sizeof(payload), out, sizeof(out));
	g_assert_cmpuint(n, ==, 14 + 20 + 8 + sizeof(payload));
	g_assert_cmpint(sf_frame_parse(out, n, &r), ==, SF_FRAME_OK);
	g_assert_cmpuint(r.sport, ==, 53);
	g_assert_cmpuint(r.dport, ==, 40000);
	g_assert_cmpmem(out + r.payload_offset, r.payload_len, payload, sizeof(payload));
	g_assert_cmpuint(l4_sum(out + 14, IPPROTO_UDP, out + r.l4_offset, r.l4_len), ==, 0);
	g_assert_cmpuint(rfc1071_fold(rfc1071_add(0, out + 14, 20)), ==, 0);
	n = sf_reply_udp(fb_gw_mac, fb_guest_mac, &dns6, &guest6, 53, 40000, payload,
			 sizeof(payload), out, sizeof(out));
	g_assert_cmpint(sf_frame_parse(out, n, &r), ==, SF_FRAME_OK);
	g_assert_cmpuint(l4_sum(out + 14, IPPROTO_UDP, out + r.l4_offset, r.l4_len), ==, 0);
	/* mixed families, no room, a missing payload: nothing */
	g_assert_cmpuint(sf_reply_udp(fb_gw_mac, fb_guest_mac, &dns4, &guest6, 53, 1, payload, 1,
				      out, sizeof(out)), ==, 0);
	g_assert_cmpuint(sf_reply_udp(fb_gw_mac, fb_guest_mac, &dns4, &guest4, 53, 1, payload,
				      sizeof(payload), out, 60), ==, 0);
	g_assert_cmpuint(sf_reply_udp(fb_gw_mac, fb_guest_mac, &dns4, &guest4, 53, 1, NULL, 5, out,
				      sizeof(out)), ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/reply/rst/syn-v4", test_syn_v4);
	g_test_add_func("/reply/rst/ack-v4", test_ack_v4);
	g_test_add_func("/reply/rst/no-rst-for-rst", test_no_rst_for_rst);
	g_test_add_func("/reply/rst/syn-payload-fin", test_syn_payload_fin);
	g_test_add_func("/reply/rst/ipv6", test_ipv6_rst);
	g_test_add_func("/reply/rst/flow", test_rst_flow);
	g_test_add_func("/reply/unreach/udp", test_unreach_udp);
	g_test_add_func("/reply/unreach/icmp-echo", test_unreach_icmp_echo);
	g_test_add_func("/reply/unreach/tcp", test_unreach_tcp);
	g_test_add_func("/reply/unreach/no-error-about-error", test_no_error_about_error);
	g_test_add_func("/reply/no-reply-non-unicast", test_no_reply_non_unicast);
	g_test_add_func("/reply/every-truncation", test_every_truncation);
	g_test_add_func("/reply/out-too-small", test_out_too_small);
	g_test_add_func("/reply/udp-builder", test_udp_builder);
	return g_test_run();
}
