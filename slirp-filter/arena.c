/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scratch vectors backed by anonymous mappings.
 *
 * Theory of operation: loading a large policy builds big temporary tables
 * (rule keys, hash slots, string pools) next to the structures that stay.
 * Through malloc, the temporaries end up interleaved with the survivors and
 * their pages stay resident as free fragments after they are freed (and
 * GLib's slice magazines keep small blocks for good). Here each vector is
 * its own mapping: it grows by doubling with mremap(), which moves pages
 * instead of copying them, and sf_vec_free() hands every page back at
 * once. Untouched pages cost no memory, so capacity beyond the length is
 * free until written. The sandbox's seccomp filter allows mmap (without
 * PROT_EXEC), mremap and munmap for malloc's own use, so a reload in the
 * sandbox can use these too.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib.h>

#include "arena.h"

static size_t page_round(size_t bytes)
{
	static size_t page;

	if (page == 0) {
		long v = sysconf(_SC_PAGESIZE);

		page = v > 0 ? (size_t)v : 4096;
	}
	return (bytes + page - 1) & ~(page - 1);
}

void sf_vec_init(SfVec *v, size_t elt)
{
	*v = (SfVec){ .elt = elt };
}

/* Maps (or remaps) room for at least @want elements. */
static void vec_reserve(SfVec *v, size_t want)
{
	size_t cap = v->cap ? v->cap : MAX(4096 / v->elt, 1), old_bytes, bytes;
	void *p;

	if (want <= v->cap)
		return;
	while (cap < want) {
		if (cap > G_MAXSIZE / 2 / v->elt)
			g_error("%s: %zu elements of %zu bytes overflow", G_STRLOC, want, v->elt);
		cap *= 2;
	}
	bytes = page_round(cap * v->elt);
	if (v->data == NULL) {
		p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	} else {
		old_bytes = page_round(v->cap * v->elt);
		p = mremap(v->data, old_bytes, bytes, MREMAP_MAYMOVE);
	}
	if (p == MAP_FAILED)
		g_error("%s: failed to map %zu bytes: %s", G_STRLOC, bytes, g_strerror(errno));
	v->data = p;
	v->cap = bytes / v->elt;
}

void sf_vec_reserve(SfVec *v, size_t n)
{
	if (n > G_MAXSIZE - v->len)
		g_error("%s: vector length overflow", G_STRLOC);
	vec_reserve(v, v->len + n);
}

void *sf_vec_push(SfVec *v, size_t n)
{
	size_t at = v->len;

	if (n == 0)
		return v->data; /* maybe NULL: and NULL + 0 is undefined behaviour */
	sf_vec_reserve(v, n);
	v->len += n;
	return (uint8_t *)v->data + at * v->elt;
}

size_t sf_vec_append(SfVec *v, const void *src, size_t n)
{
	size_t at = v->len;

	if (n > 0)
		memcpy(sf_vec_push(v, n), src, n * v->elt);
	return at;
}

void sf_vec_truncate(SfVec *v, size_t len)
{
	if (len < v->len)
		v->len = len;
}

void sf_vec_zeroed(SfVec *v, size_t n)
{
	size_t elt = v->elt;

	sf_vec_free(v);
	sf_vec_init(v, elt);
	if (n > 0)
		sf_vec_push(v, n); /* a fresh mapping reads as zeros */
}

void sf_vec_free(SfVec *v)
{
	if (v == NULL)
		return;
	if (v->data != NULL)
		munmap(v->data, page_round(v->cap * v->elt));
	v->data = NULL;
	v->len = v->cap = 0;
}
