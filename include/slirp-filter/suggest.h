/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Policy suggestion: audit records in, the text of a reviewed-to-be v1 policy out (no I/O). */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "slirp-filter/audit-read.h"
#include "slirp-filter/frame.h"
#include "slirp-filter/netconfig.h"

typedef struct SfSuggest SfSuggest;

typedef struct {
	/* merge several subdomains of one parent into `*.parent` (never the apex, never a
	 * public or shared-hosting suffix) */
	bool wildcards;
} SfSuggestOptions;

/** sf_suggest_new: an empty accumulator. */
SfSuggest *sf_suggest_new(void);
/**
 * sf_suggest_set_network:
 * The network whose protected destinations (the daemon's: loopback,
 * unspecified, link-local, multicast, broadcast, IPv4-mapped IPv6, the
 * slirp network with its gateway and DNS address, @host_resolvers) are
 * only ever suggested as comments, decided from each record's address.
 * @layout NULL: the default network (SF_DEFAULT_CIDR, fd00::/64), which
 * sf_suggest_new() starts with.
 */
void sf_suggest_set_network(SfSuggest *s, const SfNetLayout *layout, const SfAddr *host_resolvers,
			    unsigned n_host_resolvers);

/** sf_suggest_free: NULL-safe. */
void sf_suggest_free(SfSuggest *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SfSuggest, sf_suggest_free)

/**
 * sf_suggest_begin_source:
 * The records that follow come from @label (a file name, "-" for stdin);
 * the header of the policy lists every source with its counts and times.
 */
void sf_suggest_begin_source(SfSuggest *s, const char *label);

/** sf_suggest_end_source: closes the current source; @skipped lines of it were unusable. */
void sf_suggest_end_source(SfSuggest *s, unsigned skipped);

/**
 * sf_suggest_add:
 * Feeds one record. Used: flow records with verdict allow, deny or
 * audit-deny (not inbound replies, not cuts), and dns records of names the
 * policy did not allow (verdict deny or audit-deny, reason not-allowed).
 * A flow whose record carries "name" counts for that name, otherwise for
 * its address; protected destinations and flows a deny rule refused are
 * kept apart and suggested only as comments. Returns TRUE when the record
 * counted, FALSE when it is of a kind a policy has nothing to say about.
 */
bool sf_suggest_add(SfSuggest *s, const SfAuditRecord *rec);

/**
 * sf_suggest_render:
 * The policy text: a header naming the sources, `version 1`, `mode
 * enforce`, then one section each for names, addresses reached without a
 * lookup (with a warning), destinations left closed (commented out) and
 * names looked up but never connected to (commented out). Every rule has a
 * comment with its count and first and last time. Ports are grouped per
 * target and protocol into lists and ranges. The text always passes
 * sf_policy_parse().
 */
char *sf_suggest_render(SfSuggest *s, const SfSuggestOptions *opts);

/** sf_suggest_rule_count: active (not commented) rules the last render wrote. */
unsigned sf_suggest_rule_count(const SfSuggest *s);
