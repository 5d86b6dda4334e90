/* supervise.h: connector-fcgi's supervised mode: one process keeps N serving children alive on the inherited socket. */
#ifndef CONNECTOR_SUPERVISE_H
#define CONNECTOR_SUPERVISE_H

/* The most children one supervisor keeps (the bound of the key 'processes'). */
#define SUPERVISE_MAX		64
/* A child that served at least this long was healthy: its replacement starts at once. */
#define SUPERVISE_STABLE_MS	10000L
/* The wait before the second quick restart in a row of one slot; it doubles up to the last. */
#define SUPERVISE_DELAY_MIN_MS	250L
#define SUPERVISE_DELAY_MAX_MS	10000L

/* The restart history of one child slot. */
struct restart_backoff {
	unsigned quick_exits;	/* exits in a row, each less than SUPERVISE_STABLE_MS after its start */
};

/*
 * The child of a slot ended after running ran_ms: counts the exit and returns the milliseconds
 * to wait before its replacement starts. A child that had run SUPERVISE_STABLE_MS or more is
 * replaced at once, and so is the first of quick exits in a row; then the wait goes 250 ms,
 * 500 ms, 1 s ... up to 10 s, so a child that dies as it starts costs a few forks a second at
 * first and one every 10 s after.
 */
long	restart_delay_ms(struct restart_backoff *, long ran_ms);

/*
 * Forks `processes` (1 to SUPERVISE_MAX) children and keeps that many running. Each child
 * returns -1 at once and goes on to serve on standard input, as connector-fcgi does alone.
 * The supervisor replaces every child that ends, after restart_delay_ms; forwards SIGHUP to
 * the children; on SIGTERM or SIGINT forwards it, waits for every child and returns 0. It
 * returns 1 when it could not start. Children get SIGTERM when the supervisor dies (Linux).
 */
int	supervise(long processes);

#endif
