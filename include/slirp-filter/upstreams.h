/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The DNS upstreams: the ones the resolver asks, and every one that stays protected. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "slirp-filter/cidr.h"
#include "slirp-filter/policy.h"

/* Servers the resolver asks at once (the policy's, or resolv.conf's). */
#define SF_UPSTREAMS_USE_MAX 8
/* Addresses remembered as upstreams, each protected for the process lifetime. */
#define SF_UPSTREAMS_KNOWN_MAX 64

typedef enum {
	SF_UPSTREAM_FROM_POLICY,      /* an `upstream` line */
	SF_UPSTREAM_FROM_RESOLV_CONF, /* a `nameserver` of /etc/resolv.conf */
	SF_UPSTREAM_FROM_SYSTEMD,     /* systemd-resolved's own upstreams (its resolv.conf) */
	SF_UPSTREAM_FROM_N
} SfUpstreamFrom;

/** sf_upstream_from_name: "policy upstream", "host resolver", "systemd-resolved upstream". */
const char *sf_upstream_from_name(SfUpstreamFrom from);

typedef struct {
	SfAddr addr;
	uint8_t from;      /* SfUpstreamFrom, where it was seen last */
	bool current;      /* named by the policy or the files at the last update */
	uint64_t seen;     /* the update that saw it last: the oldest goes first when full */
} SfKnownUpstream;

/**
 * SfUpstreamSet:
 * Owned by the daemon (src/upstreams.c), the one place that knows the DNS
 * upstreams. @use is what the resolver asks, in order. @known is what no
 * rule wider than the address itself may open and no answer may point
 * at: every upstream that has been current since the process started,
 * loopback ones aside (the container cannot reach the host's loopback but
 * through the gateway, protected on its own).
 */
typedef struct {
	SfUpstream use[SF_UPSTREAMS_USE_MAX];
	unsigned n_use;
	bool from_policy;
	SfKnownUpstream known[SF_UPSTREAMS_KNOWN_MAX];
	unsigned n_known;
	uint64_t generation; /* updates so far */
	uint64_t forgotten;  /* past upstreams dropped from @known to make room */
} SfUpstreamSet;

/**
 * sf_upstreams_update:
 * Replaces what is current, in one step: the policy's `upstream` servers
 * (@policy, used when there are any), the nameservers of resolv.conf
 * (@resolv, used otherwise, loopback stubs included) and systemd-resolved's
 * upstreams (@systemd, protected, never asked: the stub in @resolv asks
 * them). Every non-loopback address among them joins @known and stays
 * there; when @known is full, the past (non-current) upstream seen longest
 * ago makes room, and is counted in @forgotten. Current ones never leave.
 * Returns TRUE when an address joined @known (flows to it must be decided
 * again).
 */
bool sf_upstreams_update(SfUpstreamSet *set, const SfUpstream *policy, unsigned n_policy,
			 const SfAddr *resolv, unsigned n_resolv, const SfAddr *systemd,
			 unsigned n_systemd);

/** sf_upstreams_find: the entry of @known holding @addr, or NULL. */
const SfKnownUpstream *sf_upstreams_find(const SfUpstreamSet *set, const SfAddr *addr);

/** sf_addr_is_loopback: 127.0.0.0/8 or ::1 (a stub resolver on the host). */
bool sf_addr_is_loopback(const SfAddr *addr);

/**
 * sf_policy_check_upstreams:
 * Refuses a policy whose `upstream` lies inside one of @nets (the slirp
 * networks): the helper asks upstreams from the host's namespace, where
 * 10.0.2.3 is not the container's resolver but whatever the host's own
 * network puts there. Sets @error (SF_POLICY_ERROR_SYNTAX, one
 * "FILE:LINE:COL: message" a line) and returns FALSE.
 */
bool sf_policy_check_upstreams(const SfPolicy *policy, const SfCidr *nets, size_t n_nets,
			       GError **error);
