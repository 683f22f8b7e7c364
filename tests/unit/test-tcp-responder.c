/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the DNS-over-TCP responder's handshake, reassembly, window, FIN, RST and retransmission. */
#include "config.h"

#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <string.h>

#include "slirp-filter/frame.h"
#include "slirp-filter/tcp-responder.h"

#include "frame-builder.h"

#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10

typedef struct {
	GPtrArray *out;      /* GBytes of emitted frames */
	GPtrArray *msgs;     /* GBytes of delivered messages */
	GArray *conns;       /* uint32 conn ids of delivered messages */
} Sink;

static void emit(const uint8_t *frame, size_t len, void *user)
{
	Sink *s = user;

	g_ptr_array_add(s->out, g_bytes_new(frame, len));
}

static void on_message(uint32_t conn, const uint8_t *msg, size_t len, void *user)
{
	Sink *s = user;

	g_ptr_array_add(s->msgs, g_bytes_new(msg, len));
	g_array_append_val(s->conns, conn);
}

static void sink_init(Sink *s)
{
	s->out = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	s->msgs = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	s->conns = g_array_new(FALSE, FALSE, sizeof(uint32_t));
}

static void sink_clear(Sink *s)
{
	g_ptr_array_unref(s->out);
	g_ptr_array_unref(s->msgs);
	g_array_unref(s->conns);
}

/* The last emitted segment, parsed; its seq and ack. */
static SfPacket last(Sink *s, uint32_t *seq, uint32_t *ack, const uint8_t **payload)
{
	GBytes *b = g_ptr_array_index(s->out, s->out->len - 1);
	gsize len;
	const uint8_t *f = g_bytes_get_data(b, &len);
	SfPacket p;

	g_assert_cmpint(sf_frame_parse(f, len, &p), ==, SF_FRAME_OK);
	g_assert_cmpuint(p.sport, ==, 53);
	*seq = get32(f + p.l4_offset + 4);
	*ack = get32(f + p.l4_offset + 8);
	if (payload != NULL)
		*payload = f + p.payload_offset;
	return p;
}

static void send_seg(SfTcpResponder *r, uint32_t seq, uint32_t ack, uint8_t flags,
		     const uint8_t *data, size_t len, uint16_t window, int64_t now)
{
	Frame f;
	SfPacket p;

	build_tcp(&f, AF_INET, "10.0.2.100", "10.0.2.3", 40000, 53, seq, ack, flags, len);
	if (len > 0)
		memcpy(f.b + 14 + 20 + 20, data, len);
	put16(f.b + 14 + 20 + 14, window);
	put16(f.b + 14 + 20 + 16, 0); /* checksum again over the changes */
	put16(f.b + 14 + 10, 0);
	finish(&f, IPPROTO_TCP, 16);
	g_assert_cmpint(sf_frame_parse(f.b, f.len, &p), ==, SF_FRAME_OK);
	sf_tcp_responder_input(r, f.b, f.len, &p, now);
}

/* Handshake; returns the responder's ISS + 1. */
static uint32_t handshake(SfTcpResponder *r, Sink *s)
{
	uint32_t seq, ack;
	SfPacket p;

	send_seg(r, 1000, 0, SYN, NULL, 0, 65535, 0);
	p = last(s, &seq, &ack, NULL);
	g_assert_cmpuint(p.tcp_flags, ==, SYN | ACK);
	g_assert_cmpuint(ack, ==, 1001);
	send_seg(r, 1001, seq + 1, ACK, NULL, 0, 65535, 1);
	return seq + 1;
}

static void test_query_reply(void)
{
	Sink s;
	g_autoptr(SfTcpResponder) r = NULL;
	uint8_t q1[] = { 0, 5, 'h', 'e', 'l', 'l', 'o' }, q2[] = { 0, 3, 'a', 'b', 'c' };
	uint8_t reply[3000];
	uint32_t iss, seq, ack, got = 0;
	const uint8_t *pl;
	SfPacket p;

	sink_init(&s);
	r = sf_tcp_responder_new(1000, emit, on_message, &s);
	iss = handshake(r, &s);
	g_assert_cmpuint(sf_tcp_responder_count(r), ==, 1);
	/* a message split across two segments, the second carrying a whole one more */
	send_seg(r, 1001, iss, ACK | PSH, q1, 3, 65535, 2);
	g_assert_cmpuint(s.msgs->len, ==, 0);
	{
		uint8_t rest[4 + sizeof(q2)];

		memcpy(rest, q1 + 3, 4);
		memcpy(rest + 4, q2, sizeof(q2));
		send_seg(r, 1004, iss, ACK | PSH, rest, sizeof(rest), 65535, 3);
	}
	g_assert_cmpuint(s.msgs->len, ==, 2);
	g_assert_cmpuint(g_bytes_get_size(g_ptr_array_index(s.msgs, 0)), ==, 5);
	g_assert_cmpuint(g_bytes_get_size(g_ptr_array_index(s.msgs, 1)), ==, 3);
	p = last(&s, &seq, &ack, NULL);
	g_assert_cmpuint(ack, ==, 1001 + sizeof(q1) + sizeof(q2));
	/* a 3000-byte reply goes out in MSS-sized segments within the window */
	memset(reply, 0x42, sizeof(reply));
	g_ptr_array_set_size(s.out, 0); /* frees them; setting ->len leaked them */
	g_assert_true(sf_tcp_responder_reply(r, g_array_index(s.conns, uint32_t, 0), reply,
					     sizeof(reply), 4));
	g_assert_cmpuint(s.out->len, ==, 4); /* 3002 bytes / 1000 */
	for (guint i = 0; i < s.out->len; i++) {
		gsize len;
		const uint8_t *f = g_bytes_get_data(g_ptr_array_index(s.out, i), &len);

		g_assert_cmpint(sf_frame_parse(f, len, &p), ==, SF_FRAME_OK);
		g_assert_cmpuint(get32(f + p.l4_offset + 4), ==, iss + got);
		got += (uint32_t)p.payload_len;
	}
	g_assert_cmpuint(got, ==, 3002);
	p = last(&s, &seq, &ack, &pl);
	/* lost: the guest acknowledges only the first 1000; the rest is resent on timeout */
	send_seg(r, 1013, iss + 1000, ACK, NULL, 0, 65535, 5);
	g_ptr_array_set_size(s.out, 0);
	g_assert_cmpint(sf_tcp_responder_timers(r, 4 + SF_TCPR_RTO_MS + 1), >=, 0);
	g_assert_cmpuint(s.out->len, ==, 3);
	p = last(&s, &seq, &ack, NULL);
	(void)p;
	/* all acknowledged, then the guest closes: we answer FIN|ACK */
	send_seg(r, 1013, iss + 3002, ACK, NULL, 0, 65535, 600);
	g_ptr_array_set_size(s.out, 0);
	send_seg(r, 1013, iss + 3002, ACK | FIN, NULL, 0, 65535, 601);
	/* one query is still unanswered: only an ACK until it is */
	p = last(&s, &seq, &ack, NULL);
	g_assert_cmpuint(p.tcp_flags, ==, ACK);
	g_assert_true(sf_tcp_responder_reply(r, g_array_index(s.conns, uint32_t, 1), NULL, 0, 602));
	p = last(&s, &seq, &ack, NULL);
	g_assert_cmpuint(p.tcp_flags, ==, FIN | ACK);
	g_assert_cmpuint(ack, ==, 1014);
	send_seg(r, 1014, seq + 1, ACK, NULL, 0, 65535, 603);
	g_assert_cmpuint(sf_tcp_responder_count(r), ==, 0);
	sink_clear(&s);
}

static void test_window_and_order(void)
{
	Sink s;
	g_autoptr(SfTcpResponder) r = NULL;
	uint8_t q[] = { 0, 1, 'x' }, reply[500];
	uint32_t iss, seq, ack;
	SfPacket p;

	sink_init(&s);
	r = sf_tcp_responder_new(1000, emit, on_message, &s);
	iss = handshake(r, &s);
	/* out of order: a duplicate ACK, nothing delivered */
	send_seg(r, 1005, iss, ACK | PSH, q, sizeof(q), 100, 2);
	g_assert_cmpuint(s.msgs->len, ==, 0);
	p = last(&s, &seq, &ack, NULL);
	g_assert_cmpuint(ack, ==, 1001);
	/* in order, with a 100-byte window: the 502-byte reply waits for the window */
	send_seg(r, 1001, iss, ACK | PSH, q, sizeof(q), 100, 3);
	g_assert_cmpuint(s.msgs->len, ==, 1);
	g_ptr_array_set_size(s.out, 0);
	memset(reply, 1, sizeof(reply));
	sf_tcp_responder_reply(r, g_array_index(s.conns, uint32_t, 0), reply, sizeof(reply), 4);
	g_assert_cmpuint(s.out->len, ==, 1);
	p = last(&s, &seq, &ack, NULL);
	g_assert_cmpuint(p.payload_len, ==, 100);
	send_seg(r, 1004, iss + 100, ACK, NULL, 0, 1000, 5);
	p = last(&s, &seq, &ack, NULL);
	g_assert_cmpuint(seq, ==, iss + 100);
	g_assert_cmpuint(p.payload_len, ==, 402);
	sink_clear(&s);
}

static void test_rst_and_limits(void)
{
	Sink s;
	g_autoptr(SfTcpResponder) r = NULL;
	uint32_t iss, seq, ack;
	uint8_t zero[] = { 0, 0 };
	SfPacket p;

	sink_init(&s);
	r = sf_tcp_responder_new(1000, emit, on_message, &s);
	/* a segment for no connection gets RST */
	send_seg(r, 5, 7, ACK, NULL, 0, 65535, 0);
	p = last(&s, &seq, &ack, NULL);
	g_assert_true(p.tcp_flags & RST);
	/* a zero length prefix aborts the connection */
	iss = handshake(r, &s);
	send_seg(r, 1001, iss, ACK | PSH, zero, 2, 65535, 2);
	p = last(&s, &seq, &ack, NULL);
	g_assert_true(p.tcp_flags & RST);
	g_assert_cmpuint(sf_tcp_responder_count(r), ==, 0);
	/* the guest's RST ends it */
	iss = handshake(r, &s);
	send_seg(r, 1001, 0, RST, NULL, 0, 0, 3);
	g_assert_cmpuint(sf_tcp_responder_count(r), ==, 0);
	/* a SYN that is never completed is forgotten */
	send_seg(r, 1000, 0, SYN, NULL, 0, 65535, 0);
	for (int64_t t = 0; t < 120000 && sf_tcp_responder_count(r) > 0; t += 100)
		sf_tcp_responder_timers(r, t);
	g_assert_cmpuint(sf_tcp_responder_count(r), ==, 0);
	sink_clear(&s);
}

static void test_idle_close(void)
{
	Sink s;
	g_autoptr(SfTcpResponder) r = NULL;
	uint32_t iss, seq, ack;
	SfPacket p;

	sink_init(&s);
	r = sf_tcp_responder_new(1000, emit, on_message, &s);
	iss = handshake(r, &s);
	(void)iss;
	g_ptr_array_set_size(s.out, 0);
	sf_tcp_responder_timers(r, 1 + SF_TCPR_IDLE_MS);
	p = last(&s, &seq, &ack, NULL);
	g_assert_cmpuint(p.tcp_flags, ==, FIN | ACK);
	/* the guest acknowledges and closes too: gone */
	send_seg(r, 1001, seq + 1, ACK | FIN, NULL, 0, 65535, 2 + SF_TCPR_IDLE_MS);
	g_assert_cmpuint(sf_tcp_responder_count(r), ==, 0);
	sink_clear(&s);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/tcp-responder/query-reply", test_query_reply);
	g_test_add_func("/tcp-responder/window-and-order", test_window_and_order);
	g_test_add_func("/tcp-responder/rst-and-limits", test_rst_and_limits);
	g_test_add_func("/tcp-responder/idle-close", test_idle_close);
	return g_test_run();
}
