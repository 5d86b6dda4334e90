/* fcgi_server.h: the FastCGI accept loop; the only part of the program that speaks FastCGI. */
#ifndef CONNECTOR_FCGI_SERVER_H
#define CONNECTOR_FCGI_SERVER_H

struct app;

/* True when standard input is a FastCGI listening socket (as spawn-fcgi passes it). */
int	fcgi_stdin_is_socket(void);
/*
 * Serves requests on standard input with `threads` threads until SIGTERM or SIGINT, then
 * finishes the requests in hand and returns 0 (non-zero if it could not start).
 */
int	fcgi_serve(const struct app *, long threads);

#endif
