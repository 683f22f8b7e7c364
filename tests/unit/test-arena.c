/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the scratch vectors (slirp-filter/arena.c). */
#include <glib.h>
#include <string.h>

#include "slirp-filter/arena.h" /* private to the core: found through the source root */

static void test_grow(void)
{
	SfVec v;

	sf_vec_init(&v, sizeof(uint32_t));
	g_assert_null(v.data);
	g_assert_cmpuint(v.len, ==, 0);
	for (uint32_t i = 0; i < 100000; i++)
		g_assert_cmpuint(sf_vec_append(&v, &i, 1), ==, i);
	g_assert_cmpuint(v.len, ==, 100000);
	g_assert_cmpuint(v.cap, >=, v.len);
	for (uint32_t i = 0; i < 100000; i++)
		g_assert_cmpuint(SF_VEC_AT(&v, uint32_t, i), ==, i);
	sf_vec_truncate(&v, 10);
	g_assert_cmpuint(v.len, ==, 10);
	sf_vec_truncate(&v, 20); /* never grows */
	g_assert_cmpuint(v.len, ==, 10);
	sf_vec_reserve(&v, 1000000);
	g_assert_cmpuint(v.len, ==, 10);
	g_assert_cmpuint(v.cap, >=, 1000010);
	g_assert_cmpuint(SF_VEC_AT(&v, uint32_t, 9), ==, 9);
	sf_vec_free(&v);
	g_assert_null(v.data);
	g_assert_cmpuint(v.len, ==, 0);
	sf_vec_free(&v); /* twice is fine */
	sf_vec_free(NULL);
}

static void test_zeroed(void)
{
	typedef struct {
		uint64_t a;
		char b[13];
	} Odd;
	SfVec v;
	Odd *o;

	sf_vec_init(&v, sizeof(Odd));
	o = sf_vec_push(&v, 3);
	memset(o, 0xa5, 3 * sizeof(Odd));
	sf_vec_zeroed(&v, 5000);
	g_assert_cmpuint(v.len, ==, 5000);
	g_assert_cmpuint(v.elt, ==, sizeof(Odd));
	for (size_t i = 0; i < v.len; i++) {
		const Odd *x = &SF_VEC_AT(&v, Odd, i);

		g_assert_cmpuint(x->a, ==, 0);
		for (size_t k = 0; k < sizeof(x->b); k++)
			g_assert_cmpint(x->b[k], ==, 0);
	}
	sf_vec_zeroed(&v, 0);
	g_assert_null(v.data);
	sf_vec_free(&v);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/arena/grow", test_grow);
	g_test_add_func("/arena/zeroed", test_zeroed);
	return g_test_run();
}
