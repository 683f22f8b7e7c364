/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The flow table: allowed flows by 5-tuple, so only a flow's first packet meets the policy. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "slirp-filter/frame.h"

/* Idle timeouts, in ms (close to Linux conntrack's, shorter where a stale entry costs more). */
#define SF_FLOW_TIMEOUT_TCP_SYN_MS (30 * 1000)
#define SF_FLOW_TIMEOUT_TCP_ESTABLISHED_MS (2 * 3600 * 1000)
#define SF_FLOW_TIMEOUT_TCP_CLOSING_MS (10 * 1000)
#define SF_FLOW_TIMEOUT_UDP_MS (60 * 1000)
#define SF_FLOW_TIMEOUT_ICMP_MS (30 * 1000)
/* slots a refused insert into a full table sweeps for expired flows, at most */
#define SF_FLOW_FULL_SWEEP 64u

/**
 * SfFlowKey:
 * What identifies a flow: IP protocol, source and destination address and
 * port (for ICMP echo both ports are the echo id). Zero the whole struct
 * before filling it: it is hashed and compared as bytes.
 */
typedef struct {
	SfAddr src, dst;
	uint16_t sport, dport;
	uint8_t proto; /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP or IPPROTO_ICMPV6 */
	uint8_t pad[3];
} SfFlowKey;

/**
 * sf_flow_key_family:
 * AF_INET or AF_INET6: the family of the packets of @key. Told by the
 * source, the container's own address (the filter drops other sources):
 * an IPv4 one is IPv4-mapped, an IPv6 one (fd00::/64 or link-local) never
 * is, so even a flow to ::ffff:a.b.c.d keeps the family it was sent in.
 */
static inline int sf_flow_key_family(const SfFlowKey *key)
{
	return sf_addr_is_ipv4(&key->src) ? AF_INET : AF_INET6;
}

/** sf_flow_key_from_packet: the key of the flow @pkt (a parsed TCP, UDP or ICMP echo packet) belongs to. */
void sf_flow_key_from_packet(const SfPacket *pkt, SfFlowKey *key);

typedef enum {
	SF_TCP_SYN_SENT,    /* the guest's SYN passed */
	SF_TCP_ESTABLISHED, /* the guest sent a segment with ACK */
	SF_TCP_CLOSING,     /* FIN or RST seen from the guest, or an RST libslirp sent it */
} SfTcpState;

/**
 * SfFlow:
 * One entry. The daemon reads and updates the fields after a lookup;
 * seq/ack are what the guest last sent, used to cut the flow with RSTs.
 */
typedef struct {
	SfFlowKey key;
	uint8_t used;
	uint8_t tcp_state;   /* SfTcpState */
	uint8_t audit_only;  /* audit mode let it through although the policy denies it */
	uint8_t reason;      /* SfReason of the decision */
	int32_t rule;        /* rule index of the decision, -1 if none */
	int64_t expire_ms;   /* idle expiry */
	int64_t valid_until_ms; /* learned address (+ grace) runs out: decide again */
	uint32_t guest_seq_next; /* TCP: guest's seq + payload (+SYN/FIN) */
	uint32_t guest_ack;      /* TCP: the guest's last acknowledgement */
	uint8_t guest_mac[6], peer_mac[6];
	uint64_t packets;
} SfFlow;

typedef struct SfFlowTable SfFlowTable;

/** sf_flow_table_new: a table for at most @max flows, allocated once. */
SfFlowTable *sf_flow_table_new(uint32_t max);
/** sf_flow_table_free: NULL-safe. */
void sf_flow_table_free(SfFlowTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SfFlowTable, sf_flow_table_free)

/**
 * sf_flow_lookup:
 * The live flow with @key, or NULL. An entry found expired is removed.
 * Never allocates.
 */
SfFlow *sf_flow_lookup(SfFlowTable *table, const SfFlowKey *key, int64_t now_ms);

/**
 * sf_flow_insert:
 * A new zeroed entry for @key (which must not be present), or NULL when the
 * table holds its maximum of live flows. Never allocates.
 */
SfFlow *sf_flow_insert(SfFlowTable *table, const SfFlowKey *key, int64_t now_ms);

/** sf_flow_remove: removes @flow (a pointer from lookup/insert/nth); entries may move. */
void sf_flow_remove(SfFlowTable *table, SfFlow *flow);

/** sf_flow_touch: sets the idle expiry of @flow from its protocol and TCP state. */
void sf_flow_touch(SfFlow *flow, int64_t now_ms);

/**
 * sf_flow_expire:
 * Removes expired entries, looking at @budget slots from where the last
 * call stopped (so a periodic call costs a bounded time); returns how many
 * were removed.
 */
uint32_t sf_flow_expire(SfFlowTable *table, int64_t now_ms, uint32_t budget);

/** sf_flow_count: live and not yet swept entries. */
uint32_t sf_flow_count(const SfFlowTable *table);
/** sf_flow_max: the bound given at creation. */
uint32_t sf_flow_max(const SfFlowTable *table);
/** sf_flow_capacity: number of slots, for sf_flow_slot(). */
uint32_t sf_flow_capacity(const SfFlowTable *table);
/** sf_flow_slot: slot @i (< capacity), or NULL if it is empty. */
SfFlow *sf_flow_slot(SfFlowTable *table, uint32_t i);
