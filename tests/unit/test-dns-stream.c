/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: DNS over TCP framing with every split of the stream. */
#include "config.h"

#include <string.h>

#include "slirp-filter/dns.h"

/* Two framed messages back to back: 30 bytes of 'a'..., 17 bytes of 'b'.... */
static size_t two_messages(uint8_t *out)
{
	size_t n = 0;

	out[n++] = 0;
	out[n++] = 30;
	for (int i = 0; i < 30; i++)
		out[n++] = (uint8_t)('a' + i % 26);
	out[n++] = 0;
	out[n++] = 17;
	for (int i = 0; i < 17; i++)
		out[n++] = (uint8_t)('B' + i % 20);
	return n;
}

typedef struct {
	GPtrArray *got; /* GBytes */
	bool error;
} Sink;

static void feed(SfDnsStream *s, const uint8_t *data, size_t len, Sink *sink)
{
	const uint8_t *msg;
	size_t mlen;
	SfDnsStreamStatus st;

	while ((st = sf_dns_stream_feed(s, &data, &len, &msg, &mlen)) == SF_DNS_STREAM_MESSAGE)
		g_ptr_array_add(sink->got, g_bytes_new(msg, mlen));
	if (st == SF_DNS_STREAM_ERROR)
		sink->error = true;
	else
		g_assert_cmpuint(len, ==, 0);
}

static void assert_two(const Sink *sink, const uint8_t *stream)
{
	g_assert_false(sink->error);
	g_assert_cmpuint(sink->got->len, ==, 2);
	g_assert_cmpmem(g_bytes_get_data(sink->got->pdata[0], NULL),
			g_bytes_get_size(sink->got->pdata[0]), stream + 2, 30);
	g_assert_cmpmem(g_bytes_get_data(sink->got->pdata[1], NULL),
			g_bytes_get_size(sink->got->pdata[1]), stream + 34, 17);
}

static void test_every_split(void)
{
	uint8_t stream[64];
	size_t n = two_messages(stream);

	/* one cut anywhere, and two cuts anywhere */
	for (size_t i = 0; i <= n; i++) {
		for (size_t j = i; j <= n; j++) {
			g_autoptr(SfDnsStream) s = sf_dns_stream_new();
			Sink sink = { g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref), false };

			feed(s, stream, i, &sink);
			feed(s, stream + i, j - i, &sink);
			feed(s, stream + j, n - j, &sink);
			assert_two(&sink, stream);
			g_assert_cmpuint(sf_dns_stream_pending(s), ==, 0);
			g_ptr_array_unref(sink.got);
		}
	}
}

static void test_byte_by_byte(void)
{
	g_autoptr(SfDnsStream) s = sf_dns_stream_new();
	Sink sink = { g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref), false };
	uint8_t stream[64];
	size_t n = two_messages(stream);

	for (size_t i = 0; i < n; i++) {
		feed(s, stream + i, 1, &sink);
		if (i == 0)
			g_assert_cmpuint(sf_dns_stream_pending(s), ==, 1);
	}
	assert_two(&sink, stream);
	g_ptr_array_unref(sink.got);
}

static void test_zero_length(void)
{
	static const uint8_t good_then_zero[] = { 0, 1, 'x', 0, 0, 0, 1, 'y' };
	g_autoptr(SfDnsStream) s = sf_dns_stream_new();
	const uint8_t *data = good_then_zero, *msg;
	size_t len = sizeof(good_then_zero), mlen;

	g_assert_cmpint(sf_dns_stream_feed(s, &data, &len, &msg, &mlen), ==, SF_DNS_STREAM_MESSAGE);
	g_assert_cmpuint(mlen, ==, 1);
	g_assert_cmpint(sf_dns_stream_feed(s, &data, &len, &msg, &mlen), ==, SF_DNS_STREAM_ERROR);
	/* and it stays an error */
	g_assert_cmpint(sf_dns_stream_feed(s, &data, &len, &msg, &mlen), ==, SF_DNS_STREAM_ERROR);

	/* a zero length split across chunks */
	{
		g_autoptr(SfDnsStream) s2 = sf_dns_stream_new();
		static const uint8_t zero[] = { 0, 0 };
		const uint8_t *d = zero;
		size_t l = 1;

		g_assert_cmpint(sf_dns_stream_feed(s2, &d, &l, &msg, &mlen), ==, SF_DNS_STREAM_MORE);
		l = 1;
		g_assert_cmpint(sf_dns_stream_feed(s2, &d, &l, &msg, &mlen), ==, SF_DNS_STREAM_ERROR);
	}
	sf_dns_stream_free(NULL);
}

static void test_max_message(void)
{
	g_autoptr(SfDnsStream) s = sf_dns_stream_new();
	g_autofree uint8_t *msg = g_malloc(SF_DNS_MSG_MAX);
	g_autofree uint8_t *framed = NULL;
	size_t flen = 0, half;
	Sink sink = { g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref), false };

	for (size_t i = 0; i < SF_DNS_MSG_MAX; i++)
		msg[i] = (uint8_t)(i * 7);
	framed = sf_dns_stream_frame(msg, SF_DNS_MSG_MAX, &flen);
	g_assert_nonnull(framed);
	g_assert_cmpuint(flen, ==, SF_DNS_MSG_MAX + 2);
	g_assert_cmpuint(framed[0], ==, 0xff);
	g_assert_cmpuint(framed[1], ==, 0xff);
	half = flen / 2;
	feed(s, framed, half, &sink);
	g_assert_cmpuint(sf_dns_stream_pending(s), ==, half);
	feed(s, framed + half, flen - half, &sink);
	g_assert_false(sink.error);
	g_assert_cmpuint(sink.got->len, ==, 1);
	g_assert_cmpmem(g_bytes_get_data(sink.got->pdata[0], NULL),
			g_bytes_get_size(sink.got->pdata[0]), msg, SF_DNS_MSG_MAX);
	g_ptr_array_unref(sink.got);
}

static void test_prefix_helpers(void)
{
	uint8_t hdr[2];
	size_t n = 0;

	g_assert_true(sf_dns_stream_prefix(0x1234, hdr));
	g_assert_cmpuint(hdr[0], ==, 0x12);
	g_assert_cmpuint(hdr[1], ==, 0x34);
	g_assert_false(sf_dns_stream_prefix(0, hdr));
	g_assert_false(sf_dns_stream_prefix(65536, hdr));
	g_assert_null(sf_dns_stream_frame((const uint8_t *)"x", 0, &n));
	g_assert_null(sf_dns_stream_frame((const uint8_t *)"x", 65536, &n));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/dns/stream/every-split", test_every_split);
	g_test_add_func("/dns/stream/byte-by-byte", test_byte_by_byte);
	g_test_add_func("/dns/stream/zero-length", test_zero_length);
	g_test_add_func("/dns/stream/max-message", test_max_message);
	g_test_add_func("/dns/stream/prefix-helpers", test_prefix_helpers);
	return g_test_run();
}
