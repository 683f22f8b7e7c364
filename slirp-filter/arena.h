/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Scratch vectors in their own anonymous mappings, for building large structures off the heap. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * SfVec:
 * A growable array of @elt-byte elements in a private anonymous mapping.
 * It grows with mremap() and is returned to the kernel whole by
 * sf_vec_free(), so temporaries built while loading a policy never leave
 * free fragments in the malloc heap between the blocks that stay. Pages
 * are zero-filled on first touch: sf_vec_grow_zero() costs nothing for
 * the part never written. Not for the data path (it maps memory).
 */
typedef struct {
	void *data;  /* NULL until the first growth */
	size_t len;  /* elements in use */
	size_t cap;  /* elements mapped */
	size_t elt;  /* bytes per element */
} SfVec;

/** sf_vec_init: an empty vector of @elt-byte elements (no mapping yet). */
void sf_vec_init(SfVec *v, size_t elt);

/**
 * sf_vec_push:
 * Appends @n elements and returns the first (uninitialized unless the
 * pages are fresh, then zero). Aborts like g_malloc() when out of memory.
 */
void *sf_vec_push(SfVec *v, size_t n);

/** sf_vec_reserve: makes room for @n more elements (the length stays). */
void sf_vec_reserve(SfVec *v, size_t n);

/** sf_vec_append: appends @n elements copied from @src; returns the index of the first. */
size_t sf_vec_append(SfVec *v, const void *src, size_t n);

/** sf_vec_truncate: drops elements past @len (the mapping stays). */
void sf_vec_truncate(SfVec *v, size_t len);

/**
 * sf_vec_zeroed:
 * Makes @v hold exactly @n zeroed elements, dropping what it held (a fresh
 * mapping: hash tables start here).
 */
void sf_vec_zeroed(SfVec *v, size_t n);

/** sf_vec_free: unmaps; @v is empty (and reusable) afterwards. NULL-safe. */
void sf_vec_free(SfVec *v);

/** SF_VEC_AT: element @i of @v as a @T. */
#define SF_VEC_AT(v, T, i) (((T *)(v)->data)[i])
