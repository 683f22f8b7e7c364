/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one decision every guest frame passes before it reaches libslirp. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slirp-filter/flow.h"
#include "slirp-filter/frame.h"
#include "slirp-filter/netconfig.h"
#include "slirp-filter/policy.h"
#include "slirp-filter/upstreams.h"

typedef enum {
	SF_VERDICT_PASS = 0, /* hand the frame to slirp_input() */
	SF_VERDICT_DROP,     /* drop silently (counted) */
	SF_VERDICT_REJECT,   /* a denied flow: answer with a TCP RST or ICMP unreachable */
	SF_VERDICT_DNS,      /* a query to the DNS address: for the in-process resolver */
} SfVerdict;

/* Why a frame was dropped without a flow decision (counters, debug log). */
typedef enum {
	SF_DROP_NONE = 0,
	SF_DROP_MALFORMED,   /* see drop_frame[] for the parser's result */
	SF_DROP_SPOOFED,     /* source is not the container's own address */
	SF_DROP_INTERNAL,    /* to an internal address that is not the gateway/DNS service */
	SF_DROP_ICMP_TYPE,   /* ICMP other than echo request (and ND to the gateway) */
	SF_DROP_STRAY,       /* a TCP RST, or a reply-only packet, with no flow */
	SF_DROP_N
} SfDropReason;

typedef struct {
	uint64_t frames_in, frames_passed, frames_dropped, frames_rejected, frames_dns;
	uint64_t drop[SF_DROP_N];
	uint64_t drop_frame[SF_FRAME_N_RESULTS];
	uint64_t flows_allowed, flows_denied, flows_audit_allowed, flows_table_full;
	uint64_t flows_cut; /* reset because the policy no longer allows them */
	uint64_t flows_inbound; /* connections in through a port forward */
	uint64_t denied_by_reason[SF_REASON_N];
} SfFilterCounters;

/**
 * SfFilterEvent:
 * What sf_filter_frame() did that the daemon should log or act on, beyond
 * the verdict. Only set for a flow's first packet (or its re-decision).
 */
typedef struct {
	bool decided;        /* a flow was decided: @decision is valid */
	bool table_full;     /* allowed by the policy, refused because the flow table is full */
	bool audit_only;     /* denied by the policy, let through by audit mode */
	bool revalidated;    /* an existing flow's learned address ran out: decided again */
	SfDecision decision;
	SfFlow *flow;        /* the flow entry on PASS of a tracked flow, else NULL */
} SfFilterEvent;

/**
 * SfFilter:
 * Everything the per-frame decision reads and the state it keeps. The
 * daemon owns the policy, learned table and flow table; the filter keeps
 * pointers. Fields after the addresses are the filter's own.
 */
typedef struct {
	const SfPolicy *policy;
	SfLearned *learned;
	SfFlowTable *flows;
	SfProtected prot;
	SfNetLayout layout;
	bool ipv6;
	bool dns_in_process;   /* queries to the DNS address go to SF_VERDICT_DNS */
	SfAddr gateway4, dns4, guest4, gateway6, dns6;
	SfCidr net4, net6;
	uint32_t dhcp_first; /* host order: libslirp leases 16 addresses from +15 */
	SfFilterCounters c;
	/* port forwards per guest port, [0] TCP [1] UDP (saturating counts) */
	uint8_t forwarded[2][65536];
	unsigned forwards; /* how many are in place: 0 spares sf_filter_inbound() its parse */
	/* called before a new flow to a DNS port (53, 853) is decided, so the
	 * daemon can bring the upstreams up to date first (NULL: none) */
	void (*dns_port_hook)(void *opaque, int64_t now_ms);
	void *dns_port_opaque;
} SfFilter;

/**
 * sf_filter_init:
 * Sets up @f for @layout: the addresses, and the protected ranges (host
 * loopback, the slirp networks, loopback, link-local, multicast,
 * broadcast, "this network") plus each of @host_resolvers (the host's own
 * nameservers Podman appends to the container's resolv.conf).
 */
void sf_filter_init(SfFilter *f, const SfNetLayout *layout, bool ipv6, const SfAddr *host_resolvers,
		    unsigned n_host_resolvers);

/**
 * sf_filter_set_upstreams:
 * Replaces the upstream part of the protected ranges with @set->known
 * (every DNS upstream the helper uses or has used), each a single address
 * that only a rule naming it exactly opens. The fixed ranges stay.
 */
void sf_filter_set_upstreams(SfFilter *f, const SfUpstreamSet *set);

/**
 * sf_filter_frame:
 * Decides one frame of @len bytes read from the tap at @now_ms; @pkt
 * receives the parse. New allowed flows are entered in the flow table.
 * Every read is bounds-checked by sf_frame_parse(); never allocates.
 */
SfVerdict sf_filter_frame(SfFilter *f, const uint8_t *frame, size_t len, int64_t now_ms,
			  SfPacket *pkt, SfFilterEvent *ev);

/**
 * sf_filter_decide_flow:
 * The policy's decision for a flow of @key (used for re-decisions after a
 * reload). Maps IP protocols to policy protocols; never allocates.
 */
void sf_filter_decide_flow(const SfFilter *f, const SfFlowKey *key, int64_t now_ms, SfDecision *out);

/**
 * sf_filter_cut_frames:
 * The two RSTs that end TCP @flow: one towards the guest (into @to_guest)
 * and one towards libslirp as if the guest had sent it (into @to_slirp), so
 * the host socket closes too. Lengths are 0 for non-TCP flows or a flow
 * whose guest never acknowledged anything. Buffers of SF_REPLY_MAX bytes.
 */
void sf_filter_cut_frames(const SfFlow *flow, uint8_t *to_guest, size_t *guest_len, uint8_t *to_slirp,
			  size_t *slirp_len);

/**
 * sf_filter_forward:
 * Records that a port forward to @guest_port was added (@add) or removed.
 * Only such ports accept connections from outside (sf_filter_inbound).
 */
void sf_filter_forward(SfFilter *f, bool udp, uint16_t guest_port, bool add);

/**
 * sf_filter_inbound:
 * Looks at a frame libslirp sends to the guest: a connection opened from
 * outside through a port forward (a TCP SYN, or a UDP datagram to a
 * forwarded port with no flow yet) enters the flow table as "inbound", so
 * the guest's answers pass. Never allocates.
 */
void sf_filter_inbound(SfFilter *f, const uint8_t *frame, size_t len, int64_t now_ms);

/**
 * sf_filter_peer_reset:
 * Looks at a frame libslirp sends to the guest: a TCP RST there ends that
 * connection (libslirp has dropped its host socket: the server reset it, or
 * the connection failed), and the guest answers an RST with nothing, so its
 * entry would otherwise stay "established" for SF_FLOW_TIMEOUT_TCP_ESTABLISHED_MS
 * and, connection by connection, fill the table. The flow is marked closing
 * and leaves after SF_FLOW_TIMEOUT_TCP_CLOSING_MS, like one the guest reset
 * (a bare SYN on its 5-tuple is then decided again). Only TCP RSTs are
 * parsed; never allocates.
 */
void sf_filter_peer_reset(SfFilter *f, const uint8_t *frame, size_t len, int64_t now_ms);

/** sf_drop_reason_name: "malformed", "spoofed", ... */
const char *sf_drop_reason_name(SfDropReason reason);
