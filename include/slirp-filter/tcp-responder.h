/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A minimal TCP server endpoint on the DNS address, for DNS over TCP (RFC 7766). */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slirp-filter/frame.h"

/* Connections served at once; a SYN beyond that is answered with RST. */
#define SF_TCPR_CONNS_MAX 64
/* Reply bytes queued per connection before replies are refused (a slow reader). */
#define SF_TCPR_OUTQ_MAX (256 * 1024)
/* Idle connections are closed after this (RFC 7766 suggests seconds). */
#define SF_TCPR_IDLE_MS 10000
#define SF_TCPR_RTO_MS 500
#define SF_TCPR_RETRIES 5

typedef struct SfTcpResponder SfTcpResponder;

/* Writes one frame to the guest. */
typedef void (*SfTcpEmitFn)(const uint8_t *frame, size_t len, void *user);
/* One whole DNS message arrived on connection @conn (without its length prefix). */
typedef void (*SfTcpMessageFn)(uint32_t conn, const uint8_t *msg, size_t len, void *user);

/**
 * sf_tcp_responder_new:
 * A responder whose segments carry at most @mss payload bytes. It answers
 * on whatever address and port the guest connected to (the filter hands it
 * only DNS-address port 53 segments).
 */
SfTcpResponder *sf_tcp_responder_new(uint16_t mss, SfTcpEmitFn emit, SfTcpMessageFn on_message,
				     void *user);
/** sf_tcp_responder_free: NULL-safe; sends nothing. */
void sf_tcp_responder_free(SfTcpResponder *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SfTcpResponder, sf_tcp_responder_free)

/**
 * sf_tcp_responder_input:
 * One TCP segment from the guest (@frame parsed into @pkt). Handles the
 * handshake, in-order data (reassembled into DNS messages and passed to
 * on_message), acknowledgements, FIN and RST. Out-of-order data is
 * answered with a duplicate ACK and dropped: the guest retransmits.
 */
void sf_tcp_responder_input(SfTcpResponder *r, const uint8_t *frame, size_t len,
			    const SfPacket *pkt, int64_t now_ms);

/**
 * sf_tcp_responder_reply:
 * Queues @msg (a DNS message, a length prefix is added) on @conn and sends
 * what the guest's window allows. Every message on_message delivered needs
 * exactly one call; @msg NULL means it gets no answer (so the connection can
 * still close). FALSE when the connection is gone or its queue is full (the
 * reply is dropped; the guest will retry).
 */
bool sf_tcp_responder_reply(SfTcpResponder *r, uint32_t conn, const uint8_t *msg, size_t len,
			    int64_t now_ms);

/**
 * sf_tcp_responder_timers:
 * Retransmits unacknowledged segments, closes idle connections and aborts
 * dead ones. Returns ms until the next call is useful, or -1 for none.
 */
int sf_tcp_responder_timers(SfTcpResponder *r, int64_t now_ms);

/** sf_tcp_responder_count: open connections. */
unsigned sf_tcp_responder_count(const SfTcpResponder *r);
