/* minimal_page.c: the least a libfcgi program can do to answer a page: the ceiling bench/run measures Setup against. */
/*
 * usage: minimal_page RESPONSE-FILE THREADS
 * RESPONSE-FILE holds the whole CGI answer (Status and the other headers, a blank line, the
 * body), prepared by bench/run from what connector-fcgi answers for GET /Connector/Setup,
 * so both send the same bytes. THREADS threads each take requests with FCGX_Accept_r, the model
 * connector-fcgi uses, so the comparison is about the work per request and nothing else.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <fcgiapp.h>

static char *answer;
static int answer_len;
/* Serialised accept, as connector-fcgi does: one thread at a time waits on the socket. */
static pthread_mutex_t accept_lock = PTHREAD_MUTEX_INITIALIZER;

static void *
serve(void *unused)
{
	FCGX_Request req;
	int rc;

	(void)unused;
	FCGX_InitRequest(&req, 0, 0);
	for (;;) {
		pthread_mutex_lock(&accept_lock);
		rc = FCGX_Accept_r(&req);
		pthread_mutex_unlock(&accept_lock);
		if (rc < 0) {
			usleep(1000);	/* never spin on a broken socket */
			continue;
		}
		FCGX_PutStr(answer, answer_len, req.out);
		FCGX_Finish_r(&req);
	}
	return NULL;
}

static void
load(const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 || n > 1 << 24) {
		perror(path);
		exit(1);
	}
	rewind(f);
	answer = malloc((size_t)n);
	if (answer == NULL || fread(answer, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		exit(1);
	}
	answer_len = (int)n;
	fclose(f);
}

int
main(int argc, char **argv)
{
	sigset_t sigs;
	pthread_t tid;
	int i, threads, sig;

	if (argc != 3 || (threads = atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: minimal_page RESPONSE-FILE THREADS\n");
		return 2;
	}
	load(argv[1]);
	if (FCGX_Init() != 0)
		return 1;
	/*
	 * Threads blocked in accept never see SIGTERM: block it everywhere and let this thread
	 * wait for it, so spawn-fcgi's children stop when bench/run cleans up.
	 */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	for (i = 0; i < threads; i++)
		if (pthread_create(&tid, NULL, serve, NULL) != 0)
			return 1;
	sigwait(&sigs, &sig);
	return 0;
}
