/* test_supervise.c: the supervisor's restart policy: at once after a healthy run, then a doubling wait up to a cap. */
#include "supervise.h"
#include "tap.h"

int
main(void)
{
	struct restart_backoff b = { 0 };
	long waited = 0, starts = 0, d;
	int i;

	is_int(restart_delay_ms(&b, 3600000), 0, "a child that ran an hour is replaced at once");
	is_int(restart_delay_ms(&b, 50000), 0, "  and so is the next that ran long");
	is_int((long)b.quick_exits, 1, "  long runs never add up");

	b.quick_exits = 0;
	is_int(restart_delay_ms(&b, 5), 0, "the first quick exit is replaced at once");
	is_int(restart_delay_ms(&b, 5), SUPERVISE_DELAY_MIN_MS, "the second waits 250 ms");
	is_int(restart_delay_ms(&b, 5), 500, "the third 500 ms");
	is_int(restart_delay_ms(&b, 5), 1000, "the fourth 1 s");
	is_int(restart_delay_ms(&b, SUPERVISE_STABLE_MS - 1), 2000,
	    "a run just short of the stable time still counts as quick");
	for (i = 0; i < 20; i++)
		d = restart_delay_ms(&b, 0);
	is_int(d, SUPERVISE_DELAY_MAX_MS, "the wait stops growing at 10 s");
	b.quick_exits = (unsigned)-1;
	is_int(restart_delay_ms(&b, 0), SUPERVISE_DELAY_MAX_MS, "a huge count neither wraps nor overflows");
	is_int(restart_delay_ms(&b, SUPERVISE_STABLE_MS), 0,
	    "a run of the stable time clears the history: replaced at once");
	is_int(restart_delay_ms(&b, 10), SUPERVISE_DELAY_MIN_MS, "  and quick exits count from there");

	/* A child that dies as soon as it starts: how many forks in its first seconds. */
	b.quick_exits = 0;
	while (waited < 1000) {
		starts++;
		waited += restart_delay_ms(&b, 0);
	}
	ok(starts <= 4, "a child dying at start is forked at most 4 times in its first second");
	while (waited < 60000) {
		starts++;
		waited += restart_delay_ms(&b, 0);
	}
	ok(starts <= 14, "  and at most 14 times in its first minute");

	return done_testing();
}
