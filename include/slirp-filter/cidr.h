/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CIDR prefixes (IPv4 and IPv6 in one key space) and a prefix trie over them. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slirp-filter/frame.h"

#define SF_CIDR_ERROR (sf_cidr_error_quark())
GQuark sf_cidr_error_quark(void);

typedef enum {
	SF_CIDR_ERROR_INVALID,   /* not an address, or a bad prefix length */
	SF_CIDR_ERROR_HOST_BITS, /* bits set beyond the prefix length */
	SF_CIDR_ERROR_MAPPED,    /* an IPv6 prefix inside ::ffff:0:0/96 (write IPv4 as IPv4) */
} SfCidrError;

/**
 * SfCidr:
 * A prefix in the 128-bit space where IPv4 a.b.c.d/n is ::ffff:a.b.c.d/(96+n).
 */
typedef struct {
	SfAddr prefix;
	uint8_t len; /* 0..128 in the 128-bit space */
} SfCidr;

/**
 * sf_cidr_parse:
 * Parses "ADDR" (a host: /32 or /128) or "ADDR/LEN". Host bits set beyond
 * LEN are an error naming the network address that was probably meant.
 * An IPv6 address inside ::ffff:0:0/96 is refused (SF_CIDR_ERROR_MAPPED):
 * that range is IPv4's in this key space, so the families stay apart.
 * Messages are for the policy parser to prefix with file:line:col.
 */
bool sf_cidr_parse(const char *text, SfCidr *cidr, GError **error);

/**
 * sf_cidr_is_ipv4: TRUE for a prefix inside the IPv4-mapped space (len >= 96):
 * for a prefix from sf_cidr_parse(), an IPv4 one.
 */
bool sf_cidr_is_ipv4(const SfCidr *cidr);

/** sf_cidr_contains: TRUE when @addr lies inside @cidr. */
bool sf_cidr_contains(const SfCidr *cidr, const SfAddr *addr);

/** sf_cidr_covers: TRUE when every address of @inner lies inside @outer. */
bool sf_cidr_covers(const SfCidr *outer, const SfCidr *inner);

/** sf_cidr_to_string: "a.b.c.d/n" or "x::/n" into @buf (at least 64 bytes). */
const char *sf_cidr_to_string(const SfCidr *cidr, char *buf, size_t size);

/**
 * SfCidrTrie:
 * A path-compressed binary trie mapping prefixes to a uint32_t value (the
 * caller's index into its own rule table). At most 2n-1 nodes for n
 * prefixes, stored in one array; lookups walk at most 129 nodes and never
 * allocate.
 */
typedef struct SfCidrTrie SfCidrTrie;

SfCidrTrie *sf_cidr_trie_new(void);
void sf_cidr_trie_free(SfCidrTrie *trie);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SfCidrTrie, sf_cidr_trie_free)

/**
 * sf_cidr_trie_insert:
 * Maps @cidr to @value. Returns FALSE (and keeps the old value in *@old if
 * non-NULL) when the exact prefix is already present.
 */
bool sf_cidr_trie_insert(SfCidrTrie *trie, const SfCidr *cidr, uint32_t value, uint32_t *old);

/**
 * sf_cidr_trie_reserve:
 * Makes room for @prefixes more insertions without growing (2n-1 nodes);
 * with sf_cidr_trie_trim() afterwards the nodes take one exact block.
 */
void sf_cidr_trie_reserve(SfCidrTrie *trie, size_t prefixes);

/** sf_cidr_trie_trim: shrinks the node array to the nodes in use. */
void sf_cidr_trie_trim(SfCidrTrie *trie);

/**
 * sf_cidr_trie_remap:
 * Replaces every value v by @map[v] (@map covers every value inserted):
 * for builders that number prefixes first and decide their values later.
 */
void sf_cidr_trie_remap(SfCidrTrie *trie, const uint32_t *map);

/** sf_cidr_trie_lookup: the value of the longest prefix containing @addr; FALSE if none. */
bool sf_cidr_trie_lookup(const SfCidrTrie *trie, const SfAddr *addr, uint32_t *value);

/**
 * sf_cidr_trie_lookup_all:
 * Every prefix containing @addr, shortest first, up to @max values into
 * @values (129 always suffices). Returns how many were found.
 */
size_t sf_cidr_trie_lookup_all(const SfCidrTrie *trie, const SfAddr *addr, uint32_t *values,
			       size_t max);

/** sf_cidr_trie_count: how many prefixes hold a value. */
size_t sf_cidr_trie_count(const SfCidrTrie *trie);
