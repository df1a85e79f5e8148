/* SPDX-License-Identifier: Apache-2.0 */
/* arena.c - the memory a policy lives in, and its group-name hashing. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy_int.h"

#define BLK_MIN 16384
#define ALIGN 16

struct arena_blk {
	struct arena_blk *next;
	size_t used, cap;
};

/* The data follows the header, padded to ALIGN (malloc's alignment). */
#define HDR ((sizeof(struct arena_blk) + ALIGN - 1) & ~(size_t)(ALIGN - 1))

void *arena_alloc(struct arena *a, size_t size)
{
	struct arena_blk *b = a->head;
	size_t need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	void *p;

	if (size == 0)
		need = ALIGN;
	if (need < size)
		return NULL;
	if (b == NULL || b->cap - b->used < need) {
		size_t cap = need > BLK_MIN ? need : BLK_MIN;

		if (cap > SIZE_MAX - HDR)
			return NULL;
		b = malloc(HDR + cap);
		if (b == NULL)
			return NULL;
		b->used = 0;
		b->cap = cap;
		/* a block larger than usual is put second, so the current
		 * one keeps serving small requests */
		if (a->head != NULL && need > BLK_MIN) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	p = (unsigned char *)b + HDR + b->used;
	b->used += need;
	memset(p, 0, need);
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = arena_alloc(a, n);

	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

void arena_free(struct arena *a)
{
	struct arena_blk *b = a->head, *next;

	for (; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
}

/* --------------------------------------------------------------- UTF-8 */

void utf8_trim(char *s)
{
	size_t n = strlen(s), i = n, need;
	unsigned char lead;

	while (i > 0 && n - i < 4 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0 || (unsigned char)s[i - 1] < 0xc0)
		return; /* ASCII last, or no lead byte in reach */
	lead = (unsigned char)s[i - 1];
	need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
	if (n - (i - 1) < need)
		s[i - 1] = '\0';
}

/* ------------------------------------------------------------ group names */

/* FNV-1a over the ASCII-lower-cased name. */
uint32_t group_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= ascii_lower((unsigned char)*s);
		h *= 16777619u;
	}
	return h;
}

bool group_equal(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (ascii_lower((unsigned char)*a) !=
		    ascii_lower((unsigned char)*b))
			return false;
	return *a == *b;
}

int32_t group_lookup(const struct group_table *t, const char *s, uint32_t h)
{
	uint32_t i;

	if (t->slots == NULL)
		return -1;
	for (i = h & t->mask;; i = (i + 1) & t->mask) {
		int32_t id = t->slots[i];

		if (id < 0)
			return -1;
		if (t->hash[id] == h && group_equal(t->names[id], s))
			return id;
	}
}
