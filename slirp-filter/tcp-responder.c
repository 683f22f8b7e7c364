/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal TCP server endpoint for DNS over TCP on the DNS address.
 *
 * Theory of operation: libslirp cannot serve this (its guestfwd refuses the
 * DNS address and has no IPv6 form), and a DNS connection is simple: the
 * client sends length-prefixed queries, the server answers each and closes
 * when the client is done or idle. So the endpoint implements just that
 * much TCP, the way a passive open does it: SYN -> SYN|ACK with an MSS
 * option (no window scaling, no SACK, no timestamps); data accepted only in
 * order (anything else gets a duplicate ACK, so the guest retransmits);
 * replies sent within the guest's advertised window and retransmitted
 * go-back-N on a doubling timer; FIN in both directions; RST on anything
 * it does not understand. The guest is on the other end of a tap, so loss
 * is rare and this simple recovery is enough. All of it is bounded:
 * SF_TCPR_CONNS_MAX connections, SF_TCPR_OUTQ_MAX queued reply bytes each,
 * one partial DNS message each (dns-stream.c), idle and retry timeouts.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "slirp-filter/dns.h"
#include "slirp-filter/reply.h"
#include "slirp-filter/tcp-responder.h"
#include "wire.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define WINDOW 65535

#define SEQ_LT(a, b) ((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((a) - (b)) > 0)

typedef enum {
	CONN_FREE = 0,
	CONN_SYN_RCVD,
	CONN_ESTABLISHED,
} ConnState;

typedef struct {
	uint32_t id;
	ConnState state;
	SfAddr guest, server;
	uint16_t gport, sport;
	uint8_t gmac[6], smac[6];
	uint32_t iss, snd_una, snd_nxt, rcv_nxt;
	uint32_t data_seq;   /* sequence number of outq->data[0] */
	uint16_t peer_win;
	GByteArray *outq;    /* reply bytes not yet acknowledged */
	bool fin_rcvd, fin_sent;
	bool closing;        /* we close first (idle) */
	uint32_t fin_seq;
	unsigned pending;    /* queries received and not yet answered */
	SfDnsStream *stream;
	int64_t last_ms, rto_at;
	unsigned rto_ms, retries;
} Conn;

struct SfTcpResponder {
	Conn conns[SF_TCPR_CONNS_MAX];
	uint32_t next_id;
	uint16_t mss;
	SfTcpEmitFn emit;
	SfTcpMessageFn on_message;
	void *user;
	uint8_t *buf;
	size_t buf_size;
};

SfTcpResponder *sf_tcp_responder_new(uint16_t mss, SfTcpEmitFn emit, SfTcpMessageFn on_message,
				     void *user)
{
	SfTcpResponder *r = g_new0(SfTcpResponder, 1);

	r->mss = CLAMP(mss, 536, 65535 - 60 - 24);
	r->emit = emit;
	r->on_message = on_message;
	r->user = user;
	r->buf_size = 14 + 40 + 24 + r->mss;
	r->buf = g_malloc(r->buf_size);
	r->next_id = 1;
	return r;
}

static void conn_free(Conn *c)
{
	g_clear_pointer(&c->outq, g_byte_array_unref);
	g_clear_pointer(&c->stream, sf_dns_stream_free);
	memset(c, 0, sizeof(*c));
}

void sf_tcp_responder_free(SfTcpResponder *r)
{
	if (r == NULL)
		return;
	for (unsigned i = 0; i < SF_TCPR_CONNS_MAX; i++)
		conn_free(&r->conns[i]);
	g_free(r->buf);
	g_free(r);
}

static void emit_seg(SfTcpResponder *r, const Conn *c, uint32_t seq, uint8_t flags,
		     const uint8_t *payload, size_t plen)
{
	size_t n = sf_reply_tcp_segment(c->smac, c->gmac, &c->server, &c->guest, c->sport, c->gport,
					seq, c->rcv_nxt, flags, WINDOW,
					(flags & TCP_SYN) ? r->mss : 0, payload, plen, r->buf,
					r->buf_size);

	if (n > 0)
		r->emit(r->buf, n, r->user);
}

static void arm_rto(Conn *c, int64_t now_ms)
{
	if (c->snd_una == c->snd_nxt) {
		c->rto_at = 0;
		return;
	}
	if (c->rto_at == 0)
		c->rto_at = now_ms + c->rto_ms;
}

/* Sends the queued reply bytes the window allows, then our FIN once all is said. */
static void transmit(SfTcpResponder *r, Conn *c, int64_t now_ms)
{
	uint32_t data_end = c->data_seq + c->outq->len;
	uint32_t win_end = c->snd_una + c->peer_win;
	uint32_t end = SEQ_LT(data_end, win_end) ? data_end : win_end;

	if (c->state != CONN_ESTABLISHED)
		return;
	while (SEQ_LT(c->snd_nxt, end)) {
		uint32_t off = c->snd_nxt - c->data_seq;
		uint32_t n = MIN((uint32_t)r->mss, end - c->snd_nxt);

		emit_seg(r, c, c->snd_nxt, TCP_ACK | TCP_PSH, c->outq->data + off, n);
		c->snd_nxt += n;
	}
	if ((c->fin_rcvd || c->closing) && c->pending == 0 && !c->fin_sent && c->snd_nxt == data_end) {
		c->fin_seq = c->snd_nxt;
		emit_seg(r, c, c->snd_nxt, TCP_FIN | TCP_ACK, NULL, 0);
		c->snd_nxt++;
		c->fin_sent = true;
	}
	arm_rto(c, now_ms);
}

static Conn *conn_find(SfTcpResponder *r, const SfPacket *pkt)
{
	for (unsigned i = 0; i < SF_TCPR_CONNS_MAX; i++) {
		Conn *c = &r->conns[i];

		if (c->state != CONN_FREE && c->gport == pkt->sport && c->sport == pkt->dport &&
		    memcmp(&c->guest, &pkt->src, sizeof(SfAddr)) == 0 &&
		    memcmp(&c->server, &pkt->dst, sizeof(SfAddr)) == 0)
			return c;
	}
	return NULL;
}

static Conn *conn_by_id(SfTcpResponder *r, uint32_t id)
{
	for (unsigned i = 0; i < SF_TCPR_CONNS_MAX; i++)
		if (r->conns[i].state != CONN_FREE && r->conns[i].id == id)
			return &r->conns[i];
	return NULL;
}

static void send_rst(SfTcpResponder *r, const uint8_t *frame, size_t len, const SfPacket *pkt)
{
	size_t n = sf_reply_tcp_rst(frame, len, pkt, r->buf, r->buf_size);

	if (n > 0)
		r->emit(r->buf, n, r->user);
}

static void conn_abort(SfTcpResponder *r, Conn *c)
{
	size_t n = sf_reply_tcp_rst_flow(c->smac, c->gmac, &c->server, &c->guest, c->sport, c->gport,
					 c->snd_nxt, 0, false, r->buf, r->buf_size);

	if (n > 0)
		r->emit(r->buf, n, r->user);
	conn_free(c);
}

static void accept_syn(SfTcpResponder *r, const SfPacket *pkt, uint32_t seq, int64_t now_ms,
		       const uint8_t *frame, size_t len)
{
	Conn *c = NULL;

	for (unsigned i = 0; i < SF_TCPR_CONNS_MAX && c == NULL; i++)
		if (r->conns[i].state == CONN_FREE)
			c = &r->conns[i];
	if (c == NULL) {
		send_rst(r, frame, len, pkt);
		return;
	}
	c->id = r->next_id++;
	if (r->next_id == 0)
		r->next_id = 1;
	c->state = CONN_SYN_RCVD;
	c->guest = pkt->src;
	c->server = pkt->dst;
	c->gport = pkt->sport;
	c->sport = pkt->dport;
	memcpy(c->gmac, pkt->src_mac, 6);
	memcpy(c->smac, pkt->dst_mac, 6);
	c->iss = g_random_int();
	c->snd_una = c->iss;
	c->snd_nxt = c->iss + 1;
	c->data_seq = c->iss + 1;
	c->rcv_nxt = seq + 1;
	c->peer_win = WINDOW;
	c->outq = g_byte_array_new();
	c->stream = sf_dns_stream_new();
	c->last_ms = now_ms;
	c->rto_ms = SF_TCPR_RTO_MS;
	emit_seg(r, c, c->iss, TCP_SYN | TCP_ACK, NULL, 0);
	arm_rto(c, now_ms);
}

/* The guest acknowledged up to @ack: drop what it has, note its window. */
static bool process_ack(Conn *c, uint32_t ack, uint16_t window)
{
	uint32_t data_end = c->data_seq + c->outq->len;

	c->peer_win = window;
	if (!SEQ_GT(ack, c->snd_una) || SEQ_GT(ack, c->snd_nxt))
		return true;
	if (c->state == CONN_SYN_RCVD)
		c->state = CONN_ESTABLISHED;
	{
		uint32_t upto = SEQ_LT(ack, data_end) ? ack : data_end;

		if (SEQ_GT(upto, c->data_seq)) {
			g_byte_array_remove_range(c->outq, 0, upto - c->data_seq);
			c->data_seq = upto;
		}
	}
	c->snd_una = ack;
	c->rto_at = 0;
	c->retries = 0;
	c->rto_ms = SF_TCPR_RTO_MS;
	/* our FIN acknowledged and theirs received: done */
	return !(c->fin_sent && SEQ_GT(ack, c->fin_seq) && c->fin_rcvd);
}

void sf_tcp_responder_input(SfTcpResponder *r, const uint8_t *frame, size_t len,
			    const SfPacket *pkt, int64_t now_ms)
{
	const uint8_t *th = frame + pkt->l4_offset; /* the parser bounded a 20-byte header */
	uint32_t seq = rd32(th + 4), ack = rd32(th + 8);
	uint16_t window = (uint16_t)(th[14] << 8 | th[15]);
	uint8_t flags = pkt->tcp_flags;
	const uint8_t *data = frame + pkt->payload_offset;
	size_t dlen = pkt->payload_len;
	Conn *c = conn_find(r, pkt);
	uint32_t rcv_before;

	if (flags & TCP_RST) {
		if (c != NULL && SEQ_LEQ(c->rcv_nxt, seq) && SEQ_LT(seq, c->rcv_nxt + WINDOW))
			conn_free(c);
		return;
	}
	if ((flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
		if (c != NULL && c->state == CONN_SYN_RCVD && seq + 1 == c->rcv_nxt) {
			emit_seg(r, c, c->iss, TCP_SYN | TCP_ACK, NULL, 0); /* their SYN again */
			return;
		}
		if (c != NULL)
			conn_free(c); /* the port is reused for a new connection */
		accept_syn(r, pkt, seq, now_ms, frame, len);
		return;
	}
	if (c == NULL || (flags & TCP_SYN) || !(flags & TCP_ACK)) {
		send_rst(r, frame, len, pkt);
		return;
	}
	c->last_ms = now_ms;
	if (!process_ack(c, ack, window)) {
		/* their FIN came earlier; ours is acknowledged now */
		emit_seg(r, c, c->snd_nxt, TCP_ACK, NULL, 0);
		conn_free(c);
		return;
	}
	if (c->state != CONN_ESTABLISHED)
		return;

	rcv_before = c->rcv_nxt;
	/* take only what starts at or before rcv_nxt; the part already seen is skipped */
	if (dlen > 0 && SEQ_LEQ(seq, c->rcv_nxt) && SEQ_GT(seq + (uint32_t)dlen, c->rcv_nxt) &&
	    !c->fin_rcvd) {
		uint32_t skip = c->rcv_nxt - seq;
		const uint8_t *p = data + skip, *msg;
		size_t n = dlen - skip, mlen;
		SfDnsStreamStatus st;

		c->rcv_nxt += (uint32_t)n;
		while ((st = sf_dns_stream_feed(c->stream, &p, &n, &msg, &mlen)) ==
		       SF_DNS_STREAM_MESSAGE) {
			c->pending++;
			r->on_message(c->id, msg, mlen, r->user);
			if (c->state == CONN_FREE) /* closed from the callback */
				return;
		}
		if (st == SF_DNS_STREAM_ERROR) {
			conn_abort(r, c);
			return;
		}
	}
	if ((flags & TCP_FIN) && seq + (uint32_t)dlen == c->rcv_nxt && !c->fin_rcvd) {
		c->rcv_nxt++;
		c->fin_rcvd = true;
		if (c->fin_sent && SEQ_GT(c->snd_una, c->fin_seq)) {
			/* we closed first and they have acknowledged it: last ACK, done */
			emit_seg(r, c, c->snd_nxt, TCP_ACK, NULL, 0);
			conn_free(c);
			return;
		}
	}
	if (c->rcv_nxt != rcv_before || SEQ_GT(seq + (uint32_t)dlen, c->rcv_nxt) || SEQ_LT(seq, rcv_before)) {
		uint32_t nxt = c->snd_nxt;

		transmit(r, c, now_ms);
		if (c->snd_nxt == nxt)
			emit_seg(r, c, c->snd_nxt, TCP_ACK, NULL, 0); /* plain (or duplicate) ACK */
	} else {
		transmit(r, c, now_ms); /* the window may have opened */
	}
}

bool sf_tcp_responder_reply(SfTcpResponder *r, uint32_t conn, const uint8_t *msg, size_t len,
			    int64_t now_ms)
{
	Conn *c = conn_by_id(r, conn);
	uint8_t prefix[2];

	if (c == NULL)
		return false;
	if (c->pending > 0)
		c->pending--;
	if (msg == NULL) { /* the query gets no answer (dropped): only the count changes */
		transmit(r, c, now_ms);
		return true;
	}
	if (!sf_dns_stream_prefix(len, prefix) || c->outq->len + len + 2 > SF_TCPR_OUTQ_MAX) {
		transmit(r, c, now_ms); /* may still owe a FIN */
		return false;
	}
	g_byte_array_append(c->outq, prefix, 2);
	g_byte_array_append(c->outq, msg, (guint)len);
	c->last_ms = now_ms;
	transmit(r, c, now_ms);
	return true;
}

int sf_tcp_responder_timers(SfTcpResponder *r, int64_t now_ms)
{
	int64_t next = -1;

	for (unsigned i = 0; i < SF_TCPR_CONNS_MAX; i++) {
		Conn *c = &r->conns[i];
		int64_t due;

		if (c->state == CONN_FREE)
			continue;
		if (c->rto_at != 0 && now_ms >= c->rto_at) {
			if (++c->retries > SF_TCPR_RETRIES) {
				conn_abort(r, c);
				continue;
			}
			c->rto_ms = MIN(c->rto_ms * 2, 8000u);
			c->rto_at = 0;
			if (c->state == CONN_SYN_RCVD) {
				emit_seg(r, c, c->iss, TCP_SYN | TCP_ACK, NULL, 0);
			} else {
				/* go back to the first unacknowledged byte */
				c->snd_nxt = c->snd_una;
				if (c->fin_sent && SEQ_LEQ(c->snd_una, c->fin_seq))
					c->fin_sent = false;
				transmit(r, c, now_ms);
			}
			arm_rto(c, now_ms);
			if (c->rto_at == 0 && c->state == CONN_SYN_RCVD)
				c->rto_at = now_ms + c->rto_ms;
		}
		if (c->pending == 0 && c->outq->len == 0 && now_ms - c->last_ms >= SF_TCPR_IDLE_MS) {
			if (c->fin_sent || c->state == CONN_SYN_RCVD) {
				conn_free(c); /* they never finished: forget it */
				continue;
			}
			/* the server closes an idle connection (RFC 7766 section 6.2.3) */
			c->closing = true;
			c->last_ms = now_ms;
			transmit(r, c, now_ms);
		}
		due = c->last_ms + SF_TCPR_IDLE_MS;
		if (c->rto_at != 0 && c->rto_at < due)
			due = c->rto_at;
		if (next < 0 || due - now_ms < next)
			next = MAX(due - now_ms, 0);
	}
	return next < 0 ? -1 : (int)MIN(next, G_MAXINT);
}

unsigned sf_tcp_responder_count(const SfTcpResponder *r)
{
	unsigned n = 0;

	for (unsigned i = 0; i < SF_TCPR_CONNS_MAX; i++)
		n += r->conns[i].state != CONN_FREE;
	return n;
}
