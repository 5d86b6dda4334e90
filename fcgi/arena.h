/* arena.h: per-request bump allocator, released in one call at the end of each request. */
#ifndef CONNECTOR_ARENA_H
#define CONNECTOR_ARENA_H

#include <stddef.h>

struct arena_chunk;
struct arena_cleanup;

struct arena {
	struct arena_chunk   *head;
	struct arena_cleanup *cleanups;
	size_t                total;	/* bytes handed out, for limits and tests */
};

void	 arena_init(struct arena *);
/* Zeroed memory; never returns NULL (aborts on exhaustion, like every allocation here). */
void	*arena_alloc(struct arena *, size_t);
char	*arena_strdup(struct arena *, const char *);
char	*arena_strndup(struct arena *, const char *, size_t);
char	*arena_printf(struct arena *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Runs fn(ptr) when the arena is reset: how json-c objects and such follow the request. */
void	 arena_defer(struct arena *, void (*fn)(void *), void *ptr);
/* Frees everything but keeps the first chunk for the next request. */
void	 arena_reset(struct arena *);
void	 arena_free(struct arena *);

#endif
