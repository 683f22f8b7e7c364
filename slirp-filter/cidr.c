/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CIDR prefixes and a path-compressed binary trie.
 *
 * Theory of operation: IPv4 and IPv6 share one 128-bit key space (IPv4 is
 * IPv4-mapped, ::ffff:a.b.c.d/96+n), so one structure serves both families.
 * It does not keep them apart: every IPv6 prefix from ::/0 to ::/80
 * contains all of IPv4. Callers that must not mix them (the policy) keep
 * one trie per family; sf_cidr_parse() refuses IPv6 prefixes whose address
 * lies inside ::ffff:0:0/96, so a parsed prefix's form tells its family
 * (sf_cidr_is_ipv4()). Each node holds a full prefix
 * and its length; a node's children differ in the bit just after it. Insert
 * splits an edge where the new prefix diverges (adding at most one branch
 * node), so n prefixes need at most 2n-1 nodes. Nodes live in one array
 * addressed by index (0 is the root, /0), which keeps the structure compact
 * and lets lookups walk it without allocating. A builder that knows how
 * many prefixes it will insert reserves the 2n-1 nodes up front and trims
 * the array to its final size afterwards (one block, no doubling slack);
 * it may also rewrite the values once, after counting what each prefix
 * holds (sf_cidr_trie_remap). Lookups report every
 * matching prefix on the path, not only the longest, because the policy's
 * deny-over-allow rule needs all of them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "slirp-filter/cidr.h"

G_DEFINE_QUARK(sf-cidr-error-quark, sf_cidr_error)

#define NO_CHILD 0u

typedef struct {
	SfAddr prefix;
	uint32_t child[2];
	uint32_t value;
	uint8_t len;
	bool has_value;
} TrieNode;

struct SfCidrTrie {
	TrieNode *nodes; /* [0] is the root */
	uint32_t n, cap; /* nodes in use, allocated */
	size_t count;
};

static inline unsigned bit_at(const SfAddr *a, unsigned i)
{
	return (a->b[i >> 3] >> (7 - (i & 7))) & 1;
}

/* TRUE when the first @len bits of @a and @b are equal. */
static bool prefix_equal(const SfAddr *a, const SfAddr *b, unsigned len)
{
	unsigned bytes = len >> 3, rem = len & 7;

	if (memcmp(a->b, b->b, bytes) != 0)
		return false;
	if (rem == 0)
		return true;
	return ((a->b[bytes] ^ b->b[bytes]) & (uint8_t)(0xff << (8 - rem))) == 0;
}

static unsigned common_len(const SfAddr *a, const SfAddr *b, unsigned max)
{
	unsigned i = 0;

	while (i < max && (i & 7) == 0 && i + 8 <= max && a->b[i >> 3] == b->b[i >> 3])
		i += 8;
	while (i < max && bit_at(a, i) == bit_at(b, i))
		i++;
	return i;
}

static void mask_to(SfAddr *a, unsigned len)
{
	for (unsigned i = len; i < 128; i++)
		a->b[i >> 3] &= (uint8_t)~(0x80 >> (i & 7));
}

bool sf_cidr_is_ipv4(const SfCidr *cidr)
{
	return cidr->len >= 96 && sf_addr_is_ipv4(&cidr->prefix);
}

bool sf_cidr_contains(const SfCidr *cidr, const SfAddr *addr)
{
	return prefix_equal(&cidr->prefix, addr, cidr->len);
}

bool sf_cidr_covers(const SfCidr *outer, const SfCidr *inner)
{
	return outer->len <= inner->len && prefix_equal(&outer->prefix, &inner->prefix, outer->len);
}

const char *sf_cidr_to_string(const SfCidr *cidr, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN];

	sf_addr_to_string(&cidr->prefix, addr, sizeof(addr));
	g_snprintf(buf, size, "%s/%u", addr, sf_cidr_is_ipv4(cidr) ? cidr->len - 96u : cidr->len);
	return buf;
}

bool sf_cidr_parse(const char *text, SfCidr *cidr, GError **error)
{
	g_autofree char *long_text = NULL;
	char short_text[INET6_ADDRSTRLEN + 8];
	const char *addr_text;
	const char *slash = strchr(text, '/');
	uint8_t raw[16];
	unsigned maxlen, len;
	bool v4;

	memset(cidr, 0, sizeof(*cidr));
	{
		/* the address part: on the stack when it fits (no allocation per rule) */
		size_t alen = slash ? (size_t)(slash - text) : strlen(text);

		if (alen < sizeof(short_text)) {
			memcpy(short_text, text, alen);
			short_text[alen] = '\0';
			addr_text = short_text;
		} else {
			addr_text = long_text = g_strndup(text, alen);
		}
	}
	if (inet_pton(AF_INET, addr_text, raw) == 1) {
		v4 = true;
		maxlen = 32;
		sf_addr_from_ipv4(&cidr->prefix, raw);
	} else if (inet_pton(AF_INET6, addr_text, raw) == 1) {
		v4 = false;
		maxlen = 128;
		memcpy(cidr->prefix.b, raw, 16);
	} else {
		g_set_error(error, SF_CIDR_ERROR, SF_CIDR_ERROR_INVALID,
			    "\"%s\" is not an IPv4 or IPv6 address", addr_text);
		return false;
	}
	if (slash == NULL) {
		len = maxlen;
	} else {
		char *end = NULL;
		unsigned long v;

		errno = 0;
		v = g_ascii_isdigit(slash[1]) ? strtoul(slash + 1, &end, 10) : 0;
		if (!g_ascii_isdigit(slash[1]) || errno != 0 || *end != '\0' || v > maxlen) {
			g_set_error(error, SF_CIDR_ERROR, SF_CIDR_ERROR_INVALID,
				    "prefix length \"%s\" must be a number from 0 to %u", slash + 1, maxlen);
			return false;
		}
		len = (unsigned)v;
	}
	cidr->len = (uint8_t)(v4 ? len + 96 : len);
	{
		SfCidr net = *cidr;
		char want[64];

		mask_to(&net.prefix, net.len);
		if (memcmp(net.prefix.b, cidr->prefix.b, 16) != 0) {
			g_set_error(error, SF_CIDR_ERROR, SF_CIDR_ERROR_HOST_BITS,
				    "\"%s\" has host bits set; the network is %s", text,
				    sf_cidr_to_string(&net, want, sizeof(want)));
			return false;
		}
	}
	if (!v4 && sf_addr_is_ipv4(&cidr->prefix)) {
		/* IPv4 lives in ::ffff:0:0/96 of this key space: an IPv6 prefix there would be
		 * taken for IPv4, and IPv6 packets to that range are always refused anyway
		 * (a shorter prefix with these bits has host bits set: reported above) */
		char v4text[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, cidr->prefix.b + 12, v4text, sizeof(v4text));
		g_set_error(error, SF_CIDR_ERROR, SF_CIDR_ERROR_MAPPED,
			    "\"%s\" is IPv4-mapped (::ffff:0:0/96), which no IPv6 rule can open: "
			    "IPv6 packets to it are always refused; for the IPv4 address write %s/%u",
			    text, v4text, len - 96);
		return false;
	}
	return true;
}

SfCidrTrie *sf_cidr_trie_new(void)
{
	SfCidrTrie *t = g_new0(SfCidrTrie, 1);

	t->cap = 1;
	t->nodes = g_new0(TrieNode, 1);
	t->n = 1;
	return t;
}

void sf_cidr_trie_free(SfCidrTrie *trie)
{
	if (trie == NULL)
		return;
	g_free(trie->nodes);
	g_free(trie);
}

void sf_cidr_trie_reserve(SfCidrTrie *t, size_t prefixes)
{
	/* an insertion adds at most two nodes (a branch and a leaf) */
	size_t want = prefixes > (UINT32_MAX - t->n) / 2 ? UINT32_MAX : t->n + 2 * prefixes;

	if (want > t->cap) {
		t->nodes = g_renew(TrieNode, t->nodes, want);
		t->cap = (uint32_t)want;
	}
}

void sf_cidr_trie_trim(SfCidrTrie *t)
{
	if (t->cap > t->n) {
		t->nodes = g_renew(TrieNode, t->nodes, t->n);
		t->cap = t->n;
	}
}

void sf_cidr_trie_remap(SfCidrTrie *t, const uint32_t *map)
{
	for (uint32_t i = 0; i < t->n; i++)
		if (t->nodes[i].has_value)
			t->nodes[i].value = map[t->nodes[i].value];
}

static uint32_t node_add(SfCidrTrie *t, const SfAddr *prefix, unsigned len, bool has_value,
			 uint32_t value)
{
	TrieNode *n;

	if (t->n == t->cap) {
		if (t->cap >= UINT32_MAX / 2)
			g_error("%s: trie too large", G_STRLOC);
		t->cap *= 2;
		t->nodes = g_renew(TrieNode, t->nodes, t->cap);
	}
	n = &t->nodes[t->n];
	*n = (TrieNode){ .prefix = *prefix, .len = (uint8_t)len, .has_value = has_value,
			 .value = value };
	mask_to(&n->prefix, len);
	return t->n++;
}

#define NODE(t, i) (&(t)->nodes[(i)])

bool sf_cidr_trie_insert(SfCidrTrie *t, const SfCidr *cidr, uint32_t value, uint32_t *old)
{
	uint32_t cur = 0;

	for (;;) {
		TrieNode *n = NODE(t, cur);
		unsigned bit, common;
		uint32_t c;

		if (n->len == cidr->len) {
			if (n->has_value) {
				if (old)
					*old = n->value;
				return false;
			}
			n->has_value = true;
			n->value = value;
			t->count++;
			return true;
		}
		bit = bit_at(&cidr->prefix, n->len);
		c = n->child[bit];
		if (c == NO_CHILD) {
			uint32_t leaf = node_add(t, &cidr->prefix, cidr->len, true, value);

			NODE(t, cur)->child[bit] = leaf; /* node_add may have moved the array */
			t->count++;
			return true;
		}
		common = common_len(&NODE(t, c)->prefix, &cidr->prefix,
				    MIN(NODE(t, c)->len, cidr->len));
		if (common >= NODE(t, c)->len) {
			cur = c;
			continue;
		}
		if (common == cidr->len) {
			/* the new prefix sits between cur and c */
			unsigned cbit = bit_at(&NODE(t, c)->prefix, cidr->len);
			uint32_t mid = node_add(t, &cidr->prefix, cidr->len, true, value);

			NODE(t, mid)->child[cbit] = c;
			NODE(t, cur)->child[bit] = mid;
			t->count++;
			return true;
		}
		{
			/* diverge at `common`: a branch node with c and a new leaf below */
			unsigned cbit = bit_at(&NODE(t, c)->prefix, common);
			uint32_t br = node_add(t, &cidr->prefix, common, false, 0);
			uint32_t leaf = node_add(t, &cidr->prefix, cidr->len, true, value);

			NODE(t, br)->child[cbit] = c;
			NODE(t, br)->child[!cbit] = leaf;
			NODE(t, cur)->child[bit] = br;
			t->count++;
			return true;
		}
	}
}

size_t sf_cidr_trie_lookup_all(const SfCidrTrie *t, const SfAddr *addr, uint32_t *values,
			       size_t max)
{
	const TrieNode *nodes = t->nodes;
	uint32_t cur = 0;
	size_t n = 0;

	for (;;) {
		const TrieNode *node = &nodes[cur];
		uint32_t c;

		if (!prefix_equal(&node->prefix, addr, node->len))
			break;
		if (node->has_value && n < max)
			values[n++] = node->value;
		if (node->len >= 128)
			break;
		c = node->child[bit_at(addr, node->len)];
		if (c == NO_CHILD)
			break;
		cur = c;
	}
	return n;
}

bool sf_cidr_trie_lookup(const SfCidrTrie *t, const SfAddr *addr, uint32_t *value)
{
	uint32_t all[129];
	size_t n = sf_cidr_trie_lookup_all(t, addr, all, G_N_ELEMENTS(all));

	if (n == 0)
		return false;
	*value = all[n - 1];
	return true;
}

size_t sf_cidr_trie_count(const SfCidrTrie *t)
{
	return t->count;
}
