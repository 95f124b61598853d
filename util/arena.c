/*
 * NAME
 *	arena - allocations freed all at once
 * DESCRIPTION
 *	Blocks of at least 4 KiB, bump allocation, 16-byte alignment.
 *	Large requests get a block of their own.
 */
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

#define ARENA_BLOCK 4096
#define ARENA_ALIGN 16

struct block {
	struct block *next;
	size_t used, size;
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct ut_arena {
	struct block *head;
};

/* ut_arena_new - an empty arena */
struct ut_arena *
ut_arena_new(void)
{
	return calloc(1, sizeof(struct ut_arena));
}

/* ut_arena_free - free the arena and everything in it */
void
ut_arena_free(struct ut_arena **a)
{
	struct block *b, *next;

	if (!*a)
		return;
	for (b = (*a)->head; b; b = next) {
		next = b->next;
		free(b);
	}
	free(*a);
	*a = NULL;
}

/* ut_arena_alloc - size zeroed bytes */
void *
ut_arena_alloc(struct ut_arena *a, size_t size)
{
	struct block *b = a->head;
	size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	void *p;

	if (need < size)
		return NULL; /* overflow */
	if (!b || b->size - b->used < need) {
		size_t bsize = need > ARENA_BLOCK ? need : ARENA_BLOCK;

		b = malloc(sizeof(*b) + bsize);
		if (!b)
			return NULL;
		b->used = 0;
		b->size = bsize;
		if (a->head && need > ARENA_BLOCK) {
			/* keep the current block open for small requests */
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	p = b->data + b->used;
	b->used += need;
	memset(p, 0, size);
	return p;
}

/* ut_arena_strndup - a NUL-terminated copy of n bytes */
char *
ut_arena_strndup(struct ut_arena *a, const char *s, size_t n)
{
	char *d = ut_arena_alloc(a, n + 1);

	if (d)
		memcpy(d, s, n);
	return d;
}

/* ut_arena_strdup - a copy of s */
char *
ut_arena_strdup(struct ut_arena *a, const char *s)
{
	return ut_arena_strndup(a, s, strlen(s));
}
