/* test_arena.c: the per-request arena hands out aligned, zeroed memory and runs its cleanups. */
#include <stdint.h>
#include <stdlib.h>

#include "arena.h"
#include "tap.h"

static int cleaned;

static void
count_cleanup(void *p)
{
	cleaned += *(int *)p;
}

int
main(void)
{
	struct arena a;
	char *s, *big;
	int *n;
	size_t i;
	int all_zero = 1;

	arena_init(&a);
	s = arena_strdup(&a, "hello");
	is_str(s, "hello", "strdup copies");
	ok(((uintptr_t)arena_alloc(&a, 3) % sizeof(max_align_t)) == 0, "allocations are aligned");
	is_str(arena_printf(&a, "%d-%s", 42, "x"), "42-x", "printf formats");
	big = arena_alloc(&a, 100000);
	for (i = 0; i < 100000; i++)
		if (big[i] != 0)
			all_zero = 0;
	ok(all_zero, "a large allocation is zeroed");
	n = arena_alloc(&a, sizeof(int));
	*n = 5;
	arena_defer(&a, count_cleanup, n);
	arena_defer(&a, count_cleanup, n);
	arena_reset(&a);
	is_int(cleaned, 10, "reset runs every deferred cleanup");
	is_int((long)a.total, 0, "reset forgets what was handed out");
	for (i = 0; i < 1000; i++) {
		arena_strndup(&a, "abcdef", 3);
		arena_reset(&a);
	}
	ok(a.head != NULL, "reset keeps one chunk for the next request");
	is_str(arena_strndup(&a, "abcdef", 3), "abc", "strndup cuts");
	arena_free(&a);
	ok(a.head == NULL, "free releases everything");
	return done_testing();
}
