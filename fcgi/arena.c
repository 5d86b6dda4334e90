/* arena.c: per-request bump allocator with deferred cleanups. */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define ARENA_CHUNK 16384

struct arena_chunk {
	struct arena_chunk *next;
	size_t              size;
	size_t              used;
	max_align_t         data[];
};

struct arena_cleanup {
	struct arena_cleanup *next;
	void                (*fn)(void *);
	void                 *ptr;
};

void
arena_init(struct arena *a)
{
	memset(a, 0, sizeof(*a));
}

static struct arena_chunk *
chunk_new(size_t want)
{
	size_t size = want > ARENA_CHUNK ? want : ARENA_CHUNK;
	struct arena_chunk *c = xmalloc(sizeof(*c) + size);

	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	const size_t align = sizeof(max_align_t);
	struct arena_chunk *c = a->head;
	void *p;

	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - align)
		fatal("arena: allocation of %zu bytes", n);
	n = (n + align - 1) & ~(align - 1);
	if (c == NULL || c->size - c->used < n) {
		c = chunk_new(n);
		c->next = a->head;
		a->head = c;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	a->total += n;
	memset(p, 0, n);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		fatal("arena_printf: bad format");
	p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void
arena_defer(struct arena *a, void (*fn)(void *), void *ptr)
{
	struct arena_cleanup *c = arena_alloc(a, sizeof(*c));

	c->fn = fn;
	c->ptr = ptr;
	c->next = a->cleanups;
	a->cleanups = c;
}

void
arena_reset(struct arena *a)
{
	struct arena_cleanup *cl;
	struct arena_chunk *c, *next;

	/* Cleanups live in the arena itself: run them all before any chunk goes. */
	for (cl = a->cleanups; cl != NULL; cl = cl->next)
		cl->fn(cl->ptr);
	a->cleanups = NULL;
	if (a->head == NULL)
		return;
	/* Keep the oldest chunk (the last in the list) if it is the standard size. */
	for (c = a->head; c->next != NULL; c = next) {
		next = c->next;
		free(c);
	}
	if (c->size != ARENA_CHUNK) {
		free(c);
		a->head = NULL;
	} else {
		c->used = 0;
		a->head = c;
	}
	a->total = 0;
}

void
arena_free(struct arena *a)
{
	arena_reset(a);
	free(a->head);
	a->head = NULL;
}
