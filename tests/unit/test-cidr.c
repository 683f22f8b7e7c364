/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: CIDR parsing and errors, the prefix trie (edges, v4/v6, brute-force cross-check). */
#include "config.h"

#include <arpa/inet.h>
#include <glib.h>
#include <string.h>

#include "slirp-filter/cidr.h"

static SfCidr cidr(const char *text)
{
	g_autoptr(GError) error = NULL;
	SfCidr c;

	if (!sf_cidr_parse(text, &c, &error))
		g_error("%s: %s", text, error->message);
	return c;
}

static SfAddr addr(const char *text)
{
	SfAddr a;
	uint8_t raw[16];

	if (inet_pton(AF_INET, text, raw) == 1) {
		sf_addr_from_ipv4(&a, raw);
	} else {
		g_assert_cmpint(inet_pton(AF_INET6, text, raw), ==, 1);
		memcpy(a.b, raw, 16);
	}
	return a;
}

static void expect_error(const char *text, int code, const char *fragment)
{
	g_autoptr(GError) error = NULL;
	SfCidr c;

	g_assert_false(sf_cidr_parse(text, &c, &error));
	g_assert_error(error, SF_CIDR_ERROR, code);
	if (strstr(error->message, fragment) == NULL)
		g_error("%s: \"%s\" lacks \"%s\"", text, error->message, fragment);
}

static void test_parse(void)
{
	char buf[64];
	SfCidr c;

	c = cidr("198.51.100.0/24");
	g_assert_cmpuint(c.len, ==, 96 + 24);
	g_assert_true(sf_cidr_is_ipv4(&c));
	g_assert_cmpstr(sf_cidr_to_string(&c, buf, sizeof(buf)), ==, "198.51.100.0/24");
	c = cidr("198.51.100.10");
	g_assert_cmpstr(sf_cidr_to_string(&c, buf, sizeof(buf)), ==, "198.51.100.10/32");
	c = cidr("0.0.0.0/0");
	g_assert_cmpuint(c.len, ==, 96);
	c = cidr("2001:db8::/32");
	g_assert_cmpuint(c.len, ==, 32);
	g_assert_false(sf_cidr_is_ipv4(&c));
	g_assert_cmpstr(sf_cidr_to_string(&c, buf, sizeof(buf)), ==, "2001:db8::/32");
	c = cidr("::/0");
	g_assert_cmpuint(c.len, ==, 0);
	c = cidr("2001:db8::1");
	g_assert_cmpuint(c.len, ==, 128);
}

static void test_parse_errors(void)
{
	expect_error("198.51.100.1/24", SF_CIDR_ERROR_HOST_BITS, "the network is 198.51.100.0/24");
	expect_error("2001:db8::1/32", SF_CIDR_ERROR_HOST_BITS, "the network is 2001:db8::/32");
	expect_error("198.51.100.0/33", SF_CIDR_ERROR_INVALID, "from 0 to 32");
	expect_error("2001:db8::/129", SF_CIDR_ERROR_INVALID, "from 0 to 128");
	expect_error("198.51.100.0/", SF_CIDR_ERROR_INVALID, "must be a number");
	expect_error("198.51.100.0/-1", SF_CIDR_ERROR_INVALID, "must be a number");
	expect_error("198.51.100.0/24x", SF_CIDR_ERROR_INVALID, "must be a number");
	expect_error("198.51.100.256", SF_CIDR_ERROR_INVALID, "not an IPv4 or IPv6 address");
	expect_error("example.com/24", SF_CIDR_ERROR_INVALID, "not an IPv4 or IPv6 address");
	/* inside ::ffff:0:0/96: IPv4's in the shared key space, refused with the IPv4 form */
	expect_error("::ffff:198.51.100.1", SF_CIDR_ERROR_MAPPED, "write 198.51.100.1/32");
	expect_error("::ffff:0:0/96", SF_CIDR_ERROR_MAPPED, "write 0.0.0.0/0");
	expect_error("::ffff:0:0/97", SF_CIDR_ERROR_MAPPED, "write 0.0.0.0/1");
	expect_error("::ffff:127.0.0.0/104", SF_CIDR_ERROR_MAPPED, "write 127.0.0.0/8");
	expect_error("::ffff:0:0/95", SF_CIDR_ERROR_HOST_BITS, "the network is ::fffe:0:0/95");
}

/* The IPv6 prefixes around ::ffff:0:0/96 parse as IPv6 (their family is their form). */
static void test_parse_boundaries(void)
{
	static const struct {
		const char *text;
		unsigned len;
	} v6[] = {
		{ "::/0", 0 }, { "::/1", 1 }, { "::/80", 80 }, { "::/95", 95 }, { "::/96", 96 },
		{ "::fffe:0:0/95", 95 }, { "::ffff:0:0:0/96", 96 }, { "::1:0:0:0/80", 80 },
		{ "::fffe:ffff:ffff/128", 128 }, { "::1:0:0/96", 96 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(v6); i++) {
		SfCidr c = cidr(v6[i].text);

		g_assert_cmpuint(c.len, ==, v6[i].len);
		g_assert_false(sf_cidr_is_ipv4(&c));
	}
	g_assert_true(sf_cidr_is_ipv4(&(SfCidr){ cidr("0.0.0.0/0").prefix, 96 }));
}

static void test_contains(void)
{
	SfCidr net = cidr("198.51.100.0/24"), all4 = cidr("0.0.0.0/0"), all6 = cidr("::/0");
	SfAddr in = addr("198.51.100.255"), out = addr("198.51.101.0"), v6 = addr("2001:db8::1");

	g_assert_true(sf_cidr_contains(&net, &in));
	g_assert_false(sf_cidr_contains(&net, &out));
	g_assert_true(sf_cidr_contains(&all4, &out));
	g_assert_false(sf_cidr_contains(&all4, &v6)); /* 0.0.0.0/0 is IPv4 only */
	g_assert_true(sf_cidr_contains(&all6, &v6));
	g_assert_true(sf_cidr_covers(&all4, &net));
	g_assert_false(sf_cidr_covers(&net, &all4));
	{
		SfCidr meta = cidr("169.254.0.0/16"), host = cidr("169.254.169.254");

		g_assert_true(sf_cidr_covers(&meta, &host));
		g_assert_false(sf_cidr_covers(&host, &meta));
	}
}

static void test_trie_basic(void)
{
	g_autoptr(SfCidrTrie) t = sf_cidr_trie_new();
	SfCidr a = cidr("198.51.100.0/24"), b = cidr("198.51.100.128/25"), h = cidr("198.51.100.200");
	SfAddr x;
	uint32_t v, all[129], old;

	g_assert_false(sf_cidr_trie_lookup(t, &(SfAddr){ { 0 } }, &v));
	g_assert_true(sf_cidr_trie_insert(t, &h, 3, NULL));
	g_assert_true(sf_cidr_trie_insert(t, &a, 1, NULL));
	g_assert_true(sf_cidr_trie_insert(t, &b, 2, NULL));
	g_assert_false(sf_cidr_trie_insert(t, &b, 9, &old));
	g_assert_cmpuint(old, ==, 2);
	g_assert_cmpuint(sf_cidr_trie_count(t), ==, 3);

	x = addr("198.51.100.200");
	g_assert_true(sf_cidr_trie_lookup(t, &x, &v));
	g_assert_cmpuint(v, ==, 3);
	g_assert_cmpuint(sf_cidr_trie_lookup_all(t, &x, all, 129), ==, 3);
	g_assert_cmpuint(all[0], ==, 1); /* shortest first */
	g_assert_cmpuint(all[1], ==, 2);
	g_assert_cmpuint(all[2], ==, 3);
	x = addr("198.51.100.129");
	g_assert_true(sf_cidr_trie_lookup(t, &x, &v));
	g_assert_cmpuint(v, ==, 2);
	x = addr("198.51.100.1");
	g_assert_true(sf_cidr_trie_lookup(t, &x, &v));
	g_assert_cmpuint(v, ==, 1);
	x = addr("198.51.101.1");
	g_assert_false(sf_cidr_trie_lookup(t, &x, &v));
}

static void test_trie_edges(void)
{
	g_autoptr(SfCidrTrie) t = sf_cidr_trie_new();
	SfCidr all4 = cidr("0.0.0.0/0"), all6 = cidr("::/0"), h4 = cidr("203.0.113.7/32"),
	       h6 = cidr("2001:db8::7/128");
	SfAddr x;
	uint32_t v, all[129];

	g_assert_true(sf_cidr_trie_insert(t, &h6, 4, NULL));
	g_assert_true(sf_cidr_trie_insert(t, &all4, 1, NULL));
	g_assert_true(sf_cidr_trie_insert(t, &h4, 3, NULL));
	x = addr("2001:db8::8");
	g_assert_false(sf_cidr_trie_lookup(t, &x, &v)); /* 0.0.0.0/0 does not cover IPv6 */
	g_assert_true(sf_cidr_trie_insert(t, &all6, 2, NULL));
	g_assert_true(sf_cidr_trie_lookup(t, &x, &v));
	g_assert_cmpuint(v, ==, 2);
	x = addr("2001:db8::7");
	g_assert_cmpuint(sf_cidr_trie_lookup_all(t, &x, all, 129), ==, 2);
	g_assert_cmpuint(all[1], ==, 4);
	x = addr("203.0.113.7");
	/* ::/0 also contains the IPv4-mapped space: the trie is one key space, so the
	 * policy keeps one trie per family (test-policy /policy/families) */
	g_assert_cmpuint(sf_cidr_trie_lookup_all(t, &x, all, 129), ==, 3);
	g_assert_cmpuint(all[0], ==, 2);
	g_assert_cmpuint(all[1], ==, 1);
	g_assert_cmpuint(all[2], ==, 3);
	x = addr("203.0.113.6");
	g_assert_true(sf_cidr_trie_lookup(t, &x, &v));
	g_assert_cmpuint(v, ==, 1);
	g_assert_cmpuint(sf_cidr_trie_lookup_all(t, &x, all, 1), ==, 1); /* max respected */
}

/* Random prefixes and addresses: the trie must agree with a linear scan. */
static void test_trie_random(void)
{
	g_autoptr(SfCidrTrie) t = sf_cidr_trie_new();
	g_autoptr(GRand) rnd = g_rand_new_with_seed(20261122);
	enum { N = 20000, Q = 10000 };
	SfCidr *prefixes = g_new0(SfCidr, N);
	unsigned n = 0, matched = 0;
	size_t total = 0;

	for (unsigned i = 0; i < N; i++) {
		SfCidr c;
		uint32_t old;

		memset(&c, 0, sizeof(c));
		/* a small address pool so prefixes nest and collide */
		if (g_rand_boolean(rnd)) {
			uint8_t v4[4] = { 198, 51, (uint8_t)g_rand_int_range(rnd, 0, 4),
					  (uint8_t)g_rand_int(rnd) };
			sf_addr_from_ipv4(&c.prefix, v4);
			c.len = (uint8_t)(96 + g_rand_int_range(rnd, 0, 33));
		} else {
			c.prefix.b[0] = 0x20;
			c.prefix.b[1] = 0x01;
			c.prefix.b[2] = 0x0d;
			c.prefix.b[3] = 0xb8;
			c.prefix.b[15] = (uint8_t)g_rand_int(rnd);
			c.prefix.b[8] = (uint8_t)g_rand_int_range(rnd, 0, 3);
			c.len = (uint8_t)g_rand_int_range(rnd, 0, 129);
		}
		for (unsigned b = c.len; b < 128; b++)
			c.prefix.b[b >> 3] &= (uint8_t)~(0x80 >> (b & 7));
		if (sf_cidr_trie_insert(t, &c, n, &old))
			prefixes[n++] = c;
	}
	g_assert_cmpuint(sf_cidr_trie_count(t), ==, n);
	g_assert_cmpuint(n, >, 1200); /* ~1000 IPv4 + ~500 IPv6 distinct prefixes from this pool */
	for (unsigned q = 0; q < Q; q++) {
		SfAddr a = prefixes[g_rand_int_range(rnd, 0, (gint32)n)].prefix;
		uint32_t got[129], want_best = 0;
		size_t ngot, nwant = 0;
		int best_len = -1;

		a.b[15] ^= (uint8_t)g_rand_int_range(rnd, 0, 4);
		a.b[14] ^= (uint8_t)(g_rand_int_range(rnd, 0, 8) == 0);
		for (unsigned i = 0; i < n; i++) {
			if (sf_cidr_contains(&prefixes[i], &a)) {
				nwant++;
				if ((int)prefixes[i].len > best_len) {
					best_len = prefixes[i].len;
					want_best = i;
				}
			}
		}
		ngot = sf_cidr_trie_lookup_all(t, &a, got, 129);
		g_assert_cmpuint(ngot, ==, nwant);
		for (size_t i = 0; i < ngot; i++) {
			g_assert_true(sf_cidr_contains(&prefixes[got[i]], &a));
			if (i > 0)
				g_assert_cmpuint(prefixes[got[i - 1]].len, <, prefixes[got[i]].len);
		}
		if (nwant > 0) {
			g_assert_cmpuint(got[ngot - 1], ==, want_best);
			matched++;
			total += nwant;
		}
	}
	g_test_message("%u prefixes, %u of %u queries matched, %zu matches", n, matched, Q, total);
	g_assert_cmpuint(matched, >, Q / 2); /* most queries must exercise nested matches */
	g_assert_cmpuint(total, >, matched);
	g_free(prefixes);
}

/* A reserved trie takes no more nodes than reserved; trimming and remapping keep the answers. */
static void test_trie_reserve_trim_remap(void)
{
	g_autoptr(SfCidrTrie) t = sf_cidr_trie_new();
	const char *prefixes[] = { "0.0.0.0/0", "198.51.100.0/24", "198.51.100.128/25",
				   "198.51.100.200", "203.0.113.0/24", "2001:db8::/32",
				   "2001:db8:1::/48", "::/0" };
	uint32_t map[G_N_ELEMENTS(prefixes)], all[129];
	SfAddr x;

	sf_cidr_trie_reserve(t, G_N_ELEMENTS(prefixes));
	for (uint32_t i = 0; i < G_N_ELEMENTS(prefixes); i++) {
		SfCidr c = cidr(prefixes[i]);

		g_assert_true(sf_cidr_trie_insert(t, &c, i, NULL));
		map[i] = 100 + 2 * i;
	}
	sf_cidr_trie_trim(t);
	sf_cidr_trie_remap(t, map);
	g_assert_cmpuint(sf_cidr_trie_count(t), ==, G_N_ELEMENTS(prefixes));

	x = addr("198.51.100.200");
	g_assert_cmpuint(sf_cidr_trie_lookup_all(t, &x, all, 129), ==, 5);
	g_assert_cmpuint(all[0], ==, 114); /* ::/0, then 0.0.0.0/0 (::ffff:0:0/96) */
	g_assert_cmpuint(all[1], ==, 100);
	g_assert_cmpuint(all[2], ==, 102);
	g_assert_cmpuint(all[3], ==, 104);
	g_assert_cmpuint(all[4], ==, 106);
	x = addr("2001:db8:1::5");
	g_assert_cmpuint(sf_cidr_trie_lookup_all(t, &x, all, 129), ==, 3);
	g_assert_cmpuint(all[0], ==, 114);
	g_assert_cmpuint(all[1], ==, 110);
	g_assert_cmpuint(all[2], ==, 112);

	/* still a trie: inserting after a trim grows it again */
	{
		SfCidr c = cidr("198.51.100.0/26");

		g_assert_true(sf_cidr_trie_insert(t, &c, 7, NULL));
		x = addr("198.51.100.1");
		g_assert_cmpuint(sf_cidr_trie_lookup_all(t, &x, all, 129), ==, 4);
		g_assert_cmpuint(all[3], ==, 7);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/cidr/parse", test_parse);
	g_test_add_func("/cidr/parse-errors", test_parse_errors);
	g_test_add_func("/cidr/parse-boundaries", test_parse_boundaries);
	g_test_add_func("/cidr/contains", test_contains);
	g_test_add_func("/cidr/trie/basic", test_trie_basic);
	g_test_add_func("/cidr/trie/edges", test_trie_edges);
	g_test_add_func("/cidr/trie/random", test_trie_random);
	g_test_add_func("/cidr/trie/reserve-trim-remap", test_trie_reserve_trim_remap);
	return g_test_run();
}
