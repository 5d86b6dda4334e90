/* worker.h: the delivery loop of connector-worker: claim, send, classify, record. */
#ifndef CONNECTOR_WORKER_H
#define CONNECTOR_WORKER_H

struct config;

/* Runs until SIGTERM or SIGINT, then finishes the requests in flight; returns the exit status. */
int	worker_run(const struct config *);

#endif
