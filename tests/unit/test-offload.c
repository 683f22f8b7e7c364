/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tap offloads: the fast checksum, offloaded checksums from the guest, merging
 * libslirp's segments, MSS clamping (slirp-filter/offload.c, csum.c). */
#include <glib.h>
#include <netinet/in.h>
#include <string.h>

#include "frame-builder.h"
#include "slirp-filter/csum.h"
#include "slirp-filter/offload.h"

#define V4_GUEST "10.0.2.100"
#define V4_SERVER "192.0.2.10"
#define V6_GUEST "fd00::100"
#define V6_SERVER "2001:db8::10"

static size_t l4_offset(const Frame *f)
{
	return 14 + ((f->b[14] >> 4) == 4 ? 20 : 40);
}

/* finish() again after an edit: both checksum fields zeroed first */
static void refinish(Frame *f, uint8_t proto, size_t csum_off)
{
	if ((f->b[14] >> 4) == 4)
		put16(f->b + 14 + 10, 0);
	put16(f->b + l4_offset(f) + csum_off, 0);
	finish(f, proto, csum_off);
}

/* ---- the checksum ---- */

static void test_csum_matches_rfc1071(void)
{
	static uint8_t buf[4096 + 16];
	GRand *r = g_rand_new_with_seed(42);

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)g_rand_int(r);
	for (int n = 0; n < 3000; n++) {
		size_t off = (size_t)g_rand_int_range(r, 0, 16);
		size_t len = n < 300 ? (size_t)n : (size_t)g_rand_int_range(r, 0, 4096);
		uint32_t seed = (uint32_t)g_rand_int_range(r, 0, 0x7fff);

		g_assert_cmpuint(sf_csum_reduce(sf_csum_add(seed, buf + off, len)), ==,
				 (uint16_t)~rfc1071_fold(rfc1071_add(seed, buf + off, len)));
	}
	/* all ones: the sum's carries wrap around */
	memset(buf, 0xff, sizeof(buf));
	g_assert_cmpuint(sf_csum_reduce(sf_csum_add(0, buf, 4096)), ==,
			 (uint16_t)~rfc1071_fold(rfc1071_add(0, buf, 4096)));
	g_rand_free(r);
}

/* ---- checksums the guest left to us ---- */

static void vnet_set(uint8_t vnet[SF_VNET_HDR_LEN], uint8_t flags, uint8_t gso, uint16_t hdr_len,
		     uint16_t gso_size, uint16_t start, uint16_t offset)
{
	vnet[0] = flags;
	vnet[1] = gso;
	memcpy(vnet + 2, &hdr_len, 2);
	memcpy(vnet + 4, &gso_size, 2);
	memcpy(vnet + 6, &start, 2);
	memcpy(vnet + 8, &offset, 2);
}

/* What a kernel hands over with NEEDS_CSUM: the checksum field holds the pseudo-header sum. */
static void make_partial(Frame *f, size_t csum_off)
{
	size_t l4 = l4_offset(f);
	const uint8_t *ip = f->b + 14;
	uint8_t proto = (ip[0] >> 4) == 4 ? ip[9] : ip[6];

	put16(f->b + l4 + csum_off,
	      sf_csum_reduce(sf_csum_pseudo((ip[0] >> 4) == 4 ? AF_INET : AF_INET6, ip, proto, f->len - l4)));
}

static void test_rx_completes_checksums(void)
{
	struct {
		int family;
		uint8_t proto;
		size_t plen;
	} cases[] = {
		{ AF_INET, IPPROTO_TCP, 0 }, { AF_INET, IPPROTO_TCP, 1001 }, { AF_INET6, IPPROTO_TCP, 1400 },
		{ AF_INET, IPPROTO_UDP, 33 }, { AF_INET6, IPPROTO_UDP, 512 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		Frame f, want;
		uint8_t vnet[SF_VNET_HDR_LEN];
		bool v4 = cases[i].family == AF_INET;
		size_t off = cases[i].proto == IPPROTO_TCP ? 16 : 6;
		uint8_t gso = cases[i].proto == IPPROTO_UDP ? SF_VNET_GSO_NONE
			      : v4 ? SF_VNET_GSO_TCPV4 : SF_VNET_GSO_TCPV6;

		if (cases[i].proto == IPPROTO_TCP)
			build_tcp(&f, cases[i].family, v4 ? V4_GUEST : V6_GUEST, v4 ? V4_SERVER : V6_SERVER,
				  40000, 80, 1000, 2000, 0x18, cases[i].plen);
		else
			build_udp(&f, cases[i].family, v4 ? V4_GUEST : V6_GUEST, v4 ? V4_SERVER : V6_SERVER,
				  40000, 53, cases[i].plen);
		want = f;
		make_partial(&f, off);
		vnet_set(vnet, SF_VNET_F_NEEDS_CSUM, gso, 0, 1000, (uint16_t)l4_offset(&f), (uint16_t)off);
		g_assert_true(sf_offload_rx(f.b, f.len, vnet));
		g_assert_cmpmem(f.b, f.len, want.b, want.len);
	}
}

static void test_rx_udp_zero_checksum_becomes_ffff(void)
{
	Frame f;
	uint8_t vnet[SF_VNET_HDR_LEN];
	size_t l4;
	uint16_t c;

	build_udp(&f, AF_INET, V4_GUEST, V4_SERVER, 40000, 53, 4);
	l4 = l4_offset(&f);
	/* make the payload's first word the checksum itself: the sum becomes all ones */
	put16(f.b + l4 + 6, 0);
	put16(f.b + l4 + 8, 0);
	c = l4_sum(f.b + 14, IPPROTO_UDP, f.b + l4, f.len - l4);
	put16(f.b + l4 + 8, c);
	make_partial(&f, 6);
	vnet_set(vnet, SF_VNET_F_NEEDS_CSUM, SF_VNET_GSO_NONE, 0, 0, (uint16_t)l4, 6);
	g_assert_true(sf_offload_rx(f.b, f.len, vnet));
	g_assert_cmpuint(get16(f.b + l4 + 6), ==, 0xffff);
}

static void test_rx_refuses_mismatched_requests(void)
{
	Frame f, orig;
	uint8_t vnet[SF_VNET_HDR_LEN];
	size_t l4;

	build_tcp(&f, AF_INET, V4_GUEST, V4_SERVER, 40000, 80, 1, 2, 0x10, 100);
	l4 = l4_offset(&f);
	orig = f;
	/* no request: the frame is left alone */
	vnet_set(vnet, 0, SF_VNET_GSO_NONE, 0, 0, 0, 0);
	g_assert_true(sf_offload_rx(f.b, f.len, vnet));
	g_assert_cmpmem(f.b, f.len, orig.b, orig.len);
	/* a checksum start inside the IP header, or the wrong field */
	vnet_set(vnet, SF_VNET_F_NEEDS_CSUM, SF_VNET_GSO_NONE, 0, 0, 14, 16);
	g_assert_false(sf_offload_rx(f.b, f.len, vnet));
	vnet_set(vnet, SF_VNET_F_NEEDS_CSUM, SF_VNET_GSO_NONE, 0, 0, (uint16_t)l4 + 20, 16);
	g_assert_false(sf_offload_rx(f.b, f.len, vnet));
	vnet_set(vnet, SF_VNET_F_NEEDS_CSUM, SF_VNET_GSO_NONE, 0, 0, (uint16_t)l4, 6);
	g_assert_false(sf_offload_rx(f.b, f.len, vnet));
	/* segmentation of the wrong family, of UDP, or without a checksum request */
	vnet_set(vnet, SF_VNET_F_NEEDS_CSUM, SF_VNET_GSO_TCPV6, 0, 0, (uint16_t)l4, 16);
	g_assert_false(sf_offload_rx(f.b, f.len, vnet));
	vnet_set(vnet, SF_VNET_F_NEEDS_CSUM, 3 /* UDP */, 0, 0, (uint16_t)l4, 16);
	g_assert_false(sf_offload_rx(f.b, f.len, vnet));
	vnet_set(vnet, 0, SF_VNET_GSO_TCPV4, 0, 0, (uint16_t)l4, 16);
	g_assert_false(sf_offload_rx(f.b, f.len, vnet));
	/* a frame shorter than its IP length */
	vnet_set(vnet, SF_VNET_F_NEEDS_CSUM, SF_VNET_GSO_TCPV4, 0, 0, (uint16_t)l4, 16);
	g_assert_false(sf_offload_rx(f.b, f.len - 1, vnet));
	/* ICMP has no partial checksum */
	build_icmp(&f, AF_INET, V4_GUEST, V4_SERVER, 8, 10);
	vnet_set(vnet, SF_VNET_F_NEEDS_CSUM, SF_VNET_GSO_NONE, 0, 0, (uint16_t)l4, 2);
	g_assert_false(sf_offload_rx(f.b, f.len, vnet));
	/* ECN on a TCP segmentation request is fine */
	build_tcp(&f, AF_INET6, V6_GUEST, V6_SERVER, 40000, 80, 1, 2, 0x10, 100);
	make_partial(&f, 16);
	vnet_set(vnet, SF_VNET_F_NEEDS_CSUM, SF_VNET_GSO_TCPV6 | SF_VNET_GSO_ECN, 0, 0,
		 (uint16_t)l4_offset(&f), 16);
	g_assert_true(sf_offload_rx(f.b, f.len, vnet));
	g_assert_cmpuint(l4_sum(f.b + 14, IPPROTO_TCP, f.b + l4_offset(&f), f.len - l4_offset(&f)), ==, 0);
}

/* ---- merging libslirp's segments ---- */

/* A segment from the server (libslirp's side) to the guest: payload bytes are
 * the stream offset, so a merged frame shows order and completeness. */
static void server_segment(Frame *f, int family, uint32_t seq, size_t plen, uint8_t flags)
{
	bool v4 = family == AF_INET;
	size_t l4;

	build_tcp(f, family, v4 ? V4_SERVER : V6_SERVER, v4 ? V4_GUEST : V6_GUEST, 80, 40000, seq,
		  777, flags, plen);
	l4 = l4_offset(f);
	for (size_t i = 0; i < plen; i++)
		f->b[l4 + 20 + i] = (uint8_t)((seq + i) * 13);
	refinish(f, IPPROTO_TCP, 16);
}

/* Checks a merged frame as the guest's stack would: lengths, a checksum
 * completed from the partial one, the GSO header, and the payload. */
static void check_merged(const uint8_t *out, size_t n, int family, uint32_t seq0, size_t total,
			 uint16_t mss, uint8_t flags)
{
	const uint8_t *vnet = out, *fr = out + SF_VNET_HDR_LEN, *ip = fr + 14;
	size_t l4 = family == AF_INET ? 34 : 54, flen = n - SF_VNET_HDR_LEN;
	uint16_t v;
	uint8_t tcp[SF_COALESCE_FRAME_MAX];

	g_assert_cmpuint(flen, ==, l4 + 20 + total);
	if (family == AF_INET) {
		g_assert_cmpuint(get16(ip + 2), ==, flen - 14);
		g_assert_cmpuint(rfc1071_fold(rfc1071_add(0, ip, 20)), ==, 0);
	} else {
		g_assert_cmpuint(get16(ip + 4), ==, flen - l4);
	}
	g_assert_cmpuint(vnet[0], ==, SF_VNET_F_NEEDS_CSUM);
	g_assert_cmpuint(vnet[1], ==, family == AF_INET ? SF_VNET_GSO_TCPV4 : SF_VNET_GSO_TCPV6);
	memcpy(&v, vnet + 2, 2);
	g_assert_cmpuint(v, ==, l4 + 20);
	memcpy(&v, vnet + 4, 2);
	g_assert_cmpuint(v, ==, mss);
	memcpy(&v, vnet + 6, 2);
	g_assert_cmpuint(v, ==, l4);
	memcpy(&v, vnet + 8, 2);
	g_assert_cmpuint(v, ==, 16);
	/* completing the partial checksum (sum from csum_start, the field included)
	 * gives the checksum a full computation gives */
	memcpy(tcp, fr + l4, flen - l4);
	v = rfc1071_fold(rfc1071_add(0, tcp, flen - l4));
	put16(tcp + 16, v);
	g_assert_cmpuint(l4_sum(ip, IPPROTO_TCP, tcp, flen - l4), ==, 0);
	g_assert_cmpuint(get32(fr + l4 + 4), ==, seq0);
	g_assert_cmpuint(fr[l4 + 13], ==, flags);
	for (size_t i = 0; i < total; i++)
		g_assert_cmpuint(fr[l4 + 20 + i], ==, (uint8_t)((seq0 + i) * 13));
}

static void test_coalesce_run(gconstpointer data)
{
	int family = GPOINTER_TO_INT(data);
	SfCoalescer *c = g_new(SfCoalescer, 1);
	Frame f;
	const uint8_t *out;
	size_t n;
	uint32_t seq = 0xfffff000u; /* the run wraps the sequence space */

	sf_coalescer_init(c);
	for (int i = 0; i < 5; i++) {
		server_segment(&f, family, seq + (uint32_t)(i * 1000), 1000, 0x10);
		g_assert_true(sf_coalescer_add(c, f.b, f.len));
	}
	server_segment(&f, family, seq + 5000, 300, 0x18); /* short, PSH: the end of the run */
	g_assert_true(sf_coalescer_add(c, f.b, f.len));
	server_segment(&f, family, seq + 5300, 1000, 0x10);
	g_assert_false(sf_coalescer_add(c, f.b, f.len)); /* closed */
	n = sf_coalescer_take(c, &out);
	check_merged(out, n, family, seq, 5300, 1000, 0x18);
	g_assert_cmpuint(c->merged, ==, 5);
	g_assert_cmpuint(sf_coalescer_take(c, &out), ==, 0);
	g_free(c);
}

static void test_coalesce_single_segment_unchanged(void)
{
	SfCoalescer *c = g_new(SfCoalescer, 1);
	Frame f;
	const uint8_t *out;
	size_t n;
	static const uint8_t zero[SF_VNET_HDR_LEN];

	sf_coalescer_init(c);
	server_segment(&f, AF_INET, 5, 10, 0x18);
	g_assert_true(sf_coalescer_add(c, f.b, f.len));
	n = sf_coalescer_take(c, &out);
	g_assert_cmpmem(out, SF_VNET_HDR_LEN, zero, SF_VNET_HDR_LEN);
	/* the builder pads nothing: the frame comes back byte for byte */
	g_assert_cmpmem(out + SF_VNET_HDR_LEN, n - SF_VNET_HDR_LEN, f.b, f.len);
	g_free(c);
}

static void test_coalesce_refuses(void)
{
	SfCoalescer *c = g_new(SfCoalescer, 1);
	Frame a, b;
	const uint8_t *out;

	sf_coalescer_init(c);
	/* not plain data: SYN, FIN, RST, no payload, UDP */
	build_tcp(&a, AF_INET, V4_SERVER, V4_GUEST, 80, 40000, 1, 1, 0x12, 0);
	g_assert_false(sf_coalescer_add(c, a.b, a.len));
	server_segment(&a, AF_INET, 1, 100, 0x11);
	g_assert_false(sf_coalescer_add(c, a.b, a.len));
	server_segment(&a, AF_INET, 1, 0, 0x10);
	g_assert_false(sf_coalescer_add(c, a.b, a.len));
	build_udp(&a, AF_INET, V4_SERVER, V4_GUEST, 53, 40000, 100);
	g_assert_false(sf_coalescer_add(c, a.b, a.len));
	g_assert_cmpuint(sf_coalescer_take(c, &out), ==, 0);

	server_segment(&a, AF_INET, 1000, 500, 0x10);
	g_assert_true(sf_coalescer_add(c, a.b, a.len));
	/* a gap in the sequence, another connection, another acknowledgment or window, larger */
	server_segment(&b, AF_INET, 1600, 500, 0x10);
	g_assert_false(sf_coalescer_add(c, b.b, b.len));
	server_segment(&b, AF_INET, 1500, 500, 0x10);
	put16(b.b + 34, 81);
	refinish(&b, IPPROTO_TCP, 16);
	g_assert_false(sf_coalescer_add(c, b.b, b.len));
	server_segment(&b, AF_INET, 1500, 500, 0x10);
	put32(b.b + 34 + 8, 778);
	refinish(&b, IPPROTO_TCP, 16);
	g_assert_false(sf_coalescer_add(c, b.b, b.len));
	server_segment(&b, AF_INET, 1500, 500, 0x10);
	put16(b.b + 34 + 14, 1);
	refinish(&b, IPPROTO_TCP, 16);
	g_assert_false(sf_coalescer_add(c, b.b, b.len));
	server_segment(&b, AF_INET, 1500, 501, 0x10);
	g_assert_false(sf_coalescer_add(c, b.b, b.len));
	/* another TOS (an ECN mark) */
	server_segment(&b, AF_INET, 1500, 500, 0x10);
	b.b[15] = 0x03;
	refinish(&b, IPPROTO_TCP, 16);
	g_assert_false(sf_coalescer_add(c, b.b, b.len));
	/* the same run continues */
	server_segment(&b, AF_INET, 1500, 500, 0x10);
	g_assert_true(sf_coalescer_add(c, b.b, b.len));
	g_free(c);
}

static void test_coalesce_stops_at_64k(void)
{
	SfCoalescer *c = g_new(SfCoalescer, 1);
	Frame f;
	const uint8_t *out;
	size_t n, added = 0;
	uint32_t seq = 1;

	sf_coalescer_init(c);
	for (;;) {
		server_segment(&f, AF_INET, seq, 1460, 0x10);
		if (!sf_coalescer_add(c, f.b, f.len))
			break;
		seq += 1460;
		added++;
	}
	g_assert_cmpuint(added, ==, (65535 - 40) / 1460);
	n = sf_coalescer_take(c, &out);
	g_assert_cmpuint(n - SF_VNET_HDR_LEN - 14, <=, 65535);
	check_merged(out, n, AF_INET, 1, added * 1460, 1460, 0x10);
	/* the refused segment starts the next run */
	g_assert_true(sf_coalescer_add(c, f.b, f.len));
	g_free(c);
}

/* A segment longer than half a merged frame is never staged (copied for nothing). */
static void test_coalesce_skips_big_segments(void)
{
	SfCoalescer *c = g_new(SfCoalescer, 1);
	size_t plen = 33000, len = 14 + 20 + 20 + plen;
	uint8_t *big = g_malloc0(len);
	Frame f;

	sf_coalescer_init(c);
	server_segment(&f, AF_INET, 1, 0, 0x10);
	memcpy(big, f.b, f.len);
	put16(big + 14 + 2, (uint16_t)(20 + 20 + plen)); /* the coalescer reads no checksum */
	g_assert_false(sf_coalescer_add(c, big, len));
	put16(big + 14 + 2, (uint16_t)(20 + 20 + 32000));
	g_assert_true(sf_coalescer_add(c, big, 14 + 20 + 20 + 32000));
	g_free(big);
	g_free(c);
}

/* ---- MSS clamping ---- */

static void build_syn(Frame *f, int family, uint16_t mss, bool malformed)
{
	bool v4 = family == AF_INET;
	uint8_t *t = build_ip(f, family, IPPROTO_TCP, v4 ? V4_SERVER : V6_SERVER,
			      v4 ? V4_GUEST : V6_GUEST, 28);

	put16(t, 80);
	put16(t + 2, 40000);
	put32(t + 4, 12345);
	put32(t + 8, 1);
	t[12] = 7 << 4;
	t[13] = 0x12; /* SYN ACK */
	put16(t + 14, 65535);
	t[20] = 1; /* NOP, NOP, SACK permitted, then MSS */
	t[21] = 1;
	t[22] = 4;
	t[23] = malformed ? 0 : 2;
	t[24] = 2;
	t[25] = 4;
	put16(t + 26, mss);
	finish(f, IPPROTO_TCP, 16);
}

static void test_clamp_mss(void)
{
	Frame f, orig;
	size_t l4;

	for (int family = AF_INET; family <= AF_INET6; family += AF_INET6 - AF_INET) {
		build_syn(&f, family, 65480, false);
		l4 = l4_offset(&f);
		g_assert_cmpuint(sf_offload_syn_mss(f.b, f.len), ==, 65480);
		g_assert_true(sf_offload_clamp_mss(f.b, f.len, 8960));
		g_assert_cmpuint(sf_offload_syn_mss(f.b, f.len), ==, 8960);
		g_assert_cmpuint(l4_sum(f.b + 14, IPPROTO_TCP, f.b + l4, f.len - l4), ==, 0);
		/* at or below the clamp: untouched */
		orig = f;
		g_assert_false(sf_offload_clamp_mss(f.b, f.len, 8960));
		g_assert_cmpmem(f.b, f.len, orig.b, orig.len);
	}
	/* an option length of 0 ends the walk: nothing is changed */
	build_syn(&f, AF_INET, 65480, true);
	orig = f;
	g_assert_cmpuint(sf_offload_syn_mss(f.b, f.len), ==, 0);
	g_assert_false(sf_offload_clamp_mss(f.b, f.len, 8960));
	g_assert_cmpmem(f.b, f.len, orig.b, orig.len);
	/* not a SYN */
	server_segment(&f, AF_INET, 1, 100, 0x10);
	g_assert_false(sf_offload_clamp_mss(f.b, f.len, 536));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/csum/matches-rfc1071", test_csum_matches_rfc1071);
	g_test_add_func("/offload/rx/completes-checksums", test_rx_completes_checksums);
	g_test_add_func("/offload/rx/udp-zero-becomes-ffff", test_rx_udp_zero_checksum_becomes_ffff);
	g_test_add_func("/offload/rx/refuses-mismatched-requests", test_rx_refuses_mismatched_requests);
	g_test_add_data_func("/offload/coalesce/run-ipv4", GINT_TO_POINTER(AF_INET), test_coalesce_run);
	g_test_add_data_func("/offload/coalesce/run-ipv6", GINT_TO_POINTER(AF_INET6), test_coalesce_run);
	g_test_add_func("/offload/coalesce/single-segment-unchanged", test_coalesce_single_segment_unchanged);
	g_test_add_func("/offload/coalesce/refuses", test_coalesce_refuses);
	g_test_add_func("/offload/coalesce/stops-at-64k", test_coalesce_stops_at_64k);
	g_test_add_func("/offload/coalesce/skips-big-segments", test_coalesce_skips_big_segments);
	g_test_add_func("/offload/clamp-mss", test_clamp_mss);
	return g_test_run();
}
