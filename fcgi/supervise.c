/* supervise.c: the supervisor of connector-fcgi children: fork N, replace the dead with a backoff, forward signals. */
#include "supervise.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "log.h"
#include "util.h"

long
restart_delay_ms(struct restart_backoff *b, long ran_ms)
{
	long delay = SUPERVISE_DELAY_MIN_MS;
	unsigned i;

	if (ran_ms >= SUPERVISE_STABLE_MS)
		b->quick_exits = 0;
	if (b->quick_exits < UINT_MAX)
		b->quick_exits++;
	if (b->quick_exits == 1)
		return 0;
	for (i = 2; i < b->quick_exits && delay < SUPERVISE_DELAY_MAX_MS; i++)
		delay *= 2;
	return delay < SUPERVISE_DELAY_MAX_MS ? delay : SUPERVISE_DELAY_MAX_MS;
}

struct slot {
	pid_t                  pid;		/* 0: no child runs in this slot */
	pid_t                  last_pid;	/* the child before, named when it is replaced */
	int64_t                started_ms;
	int64_t                restart_at_ms;	/* with pid 0: when the next child may start */
	struct restart_backoff backoff;
};

/* Monotonic: a clock step must neither hold back nor hasten a restart. */
static int64_t
mono_ms(void)
{
	return mono_us() / 1000;
}

/*
 * Forks the child of slot `index`. True in the child, which then serves; false in the
 * supervisor (a failed fork is retried like a child that died at once).
 */
static bool
start_child(struct slot *s, long index, const sigset_t *child_mask, pid_t supervisor)
{
	pid_t pid = fork();

	if (pid == 0) {
		sigprocmask(SIG_SETMASK, child_mask, NULL);
#ifdef __linux__
		/* Without this a kill -9 of the supervisor would leave children nobody stops. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
		if (getppid() != supervisor)
			_exit(0);	/* the supervisor died before prctl took hold */
		return true;
	}
	if (pid < 0) {
		long delay = restart_delay_ms(&s->backoff, 0);

		if (delay < SUPERVISE_DELAY_MIN_MS)
			delay = SUPERVISE_DELAY_MIN_MS;
		s->restart_at_ms = mono_ms() + delay;
		log_line(LOG_ERROR, "supervisor: fork failed", "slot=%ld errno=%d retry_in_ms=%ld",
		    index, errno, delay);
		return false;
	}
	s->pid = pid;
	s->started_ms = mono_ms();
	if (s->last_pid != 0)
		log_line(LOG_INFO, "child respawned", "pid=%ld slot=%ld replaces=%ld", (long)pid,
		    index, (long)s->last_pid);
	return false;
}

/* Collects every child that ended; schedules its replacement unless the supervisor stops. */
static void
reap(struct slot *slots, long n, bool stopping)
{
	char how[32];
	int64_t now;
	pid_t pid;
	long i, ran, delay;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < n && slots[i].pid != pid; i++)
			;
		if (i == n)
			continue;
		now = mono_ms();
		ran = (long)(now - slots[i].started_ms);
		slots[i].last_pid = pid;
		slots[i].pid = 0;
		if (WIFSIGNALED(status))
			snprintf(how, sizeof(how), "signal=%d", WTERMSIG(status));
		else
			snprintf(how, sizeof(how), "status=%d", WEXITSTATUS(status));
		if (stopping) {
			log_line(LOG_INFO, "child stopped", "pid=%ld slot=%ld %s", (long)pid, i, how);
			continue;
		}
		/* Only the supervisor decides how many children serve: any end is replaced. */
		delay = restart_delay_ms(&slots[i].backoff, ran);
		slots[i].restart_at_ms = now + delay;
		log_line(WIFEXITED(status) && WEXITSTATUS(status) == 0 ? LOG_WARN : LOG_ERROR,
		    "child ended", "pid=%ld slot=%ld %s ran_ms=%ld restart_in_ms=%ld", (long)pid, i,
		    how, ran, delay);
	}
}

static void
forward(const struct slot *slots, long n, int sig)
{
	long i;

	for (i = 0; i < n; i++)
		if (slots[i].pid > 0)
			kill(slots[i].pid, sig);
}

int
supervise(long processes)
{
	struct slot slots[SUPERVISE_MAX];
	sigset_t waitset, old, child_mask;
	struct timespec ts;
	pid_t self = getpid();
	bool stopping = false;
	int64_t next, now;
	long i, live;
	int sig;

	if (processes < 1 || processes > SUPERVISE_MAX) {
		log_line(LOG_ERROR, "supervisor: processes out of range", "processes=%ld", processes);
		return 1;
	}
	/* Signals are taken with sigtimedwait: no handler runs, nothing is async-signal-unsafe. */
	sigemptyset(&waitset);
	sigaddset(&waitset, SIGCHLD);
	sigaddset(&waitset, SIGTERM);
	sigaddset(&waitset, SIGINT);
	sigaddset(&waitset, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &waitset, &old) != 0) {
		log_line(LOG_ERROR, "supervisor: sigprocmask failed", "errno=%d", errno);
		return 1;
	}
	/* A child keeps the stop signals blocked until fcgi_serve waits for them, so one sent
	 * while it starts is taken then, not by the default action. */
	child_mask = old;
	sigaddset(&child_mask, SIGTERM);
	sigaddset(&child_mask, SIGINT);
	sigaddset(&child_mask, SIGHUP);
	sigdelset(&child_mask, SIGCHLD);
	memset(slots, 0, sizeof(slots));
	log_line(LOG_INFO, "supervisor started", "pid=%ld processes=%ld", (long)self, processes);
	for (i = 0; i < processes; i++)
		if (start_child(&slots[i], i, &child_mask, self))
			return -1;

	for (;;) {
		now = mono_ms();
		next = -1;
		live = 0;
		for (i = 0; i < processes; i++) {
			if (slots[i].pid != 0) {
				live++;
				continue;
			}
			if (stopping)
				continue;
			if (slots[i].restart_at_ms <= now) {
				if (start_child(&slots[i], i, &child_mask, self))
					return -1;
				if (slots[i].pid != 0) {
					live++;
					continue;
				}
			}
			if (next < 0 || slots[i].restart_at_ms < next)
				next = slots[i].restart_at_ms;
		}
		if (stopping && live == 0)
			break;
		if (next >= 0) {
			int64_t wait = next - mono_ms();

			if (wait < 1)
				wait = 1;
			ts.tv_sec = (time_t)(wait / 1000);
			ts.tv_nsec = (long)(wait % 1000) * 1000000L;
			sig = sigtimedwait(&waitset, NULL, &ts);
		} else
			sig = sigwaitinfo(&waitset, NULL);
		if (sig < 0) {
			if (errno != EAGAIN && errno != EINTR) {
				log_line(LOG_ERROR, "supervisor: sigwait failed", "errno=%d", errno);
				sleep(1);	/* never spin */
			}
			continue;
		}
		switch (sig) {
		case SIGCHLD:
			reap(slots, processes, stopping);
			break;
		case SIGHUP:
			log_line(LOG_INFO, "supervisor: SIGHUP forwarded to the children", NULL);
			forward(slots, processes, SIGHUP);
			break;
		default:
			if (!stopping)
				log_line(LOG_INFO, "supervisor stopping", "signal=%d", sig);
			stopping = true;
			forward(slots, processes, sig);
			break;
		}
	}
	log_line(LOG_INFO, "supervisor stopped", "pid=%ld", (long)self);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}
