/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The agent's HTTP server (libmicrohttpd, driven from the agent's own poll
 * loop: no thread, so handlers read the agent's state without locks), and
 * the CLI's one-shot GET to it.
 */
#ifndef SIPXDP_HTTP_H
#define SIPXDP_HTTP_H

#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

/* A request as a handler sees it: its path (without the query), and its
 * query arguments through http_request_arg. Valid during the call only. */
struct http_request;

const char *http_request_path(const struct http_request *req);
/* The value of ?name=VALUE in the request's query; NULL without one. */
const char *http_request_arg(const struct http_request *req, const char *name);

/* Writes the body the request asks for to out; returns the HTTP status
 * (200, 400, 404). */
typedef int (*http_handler)(void *ctx, const struct http_request *req, FILE *out,
			    const char **content_type);

struct http_server;

/* listen: "ADDR:PORT" or "[ADDR6]:PORT". NULL with a message on error. */
struct http_server *http_start(const char *listen, http_handler handler, void *ctx);
/*
 * Connections: at most HTTP_CONNECTION_LIMIT (fewer when RLIMIT_NOFILE's
 * hard limit does not allow as many; the ones over it are closed at once
 * and counted, http_refused), each closed after HTTP_IDLE_SECONDS without a
 * byte or HTTP_CONNECTION_MAX_SECONDS in all, so idle or slow clients cannot
 * hold /metrics for long.
 */
#define HTTP_CONNECTION_LIMIT	4096u
#define HTTP_IDLE_SECONDS	5u
/* A connection's whole life, however it trickles bytes (a slow client). */
#define HTTP_CONNECTION_MAX_SECONDS	20

/* The server a request came to, for http_refused in what it answers. */
const struct http_server *http_request_server(const struct http_request *req);
/* Connections closed at once because HTTP_CONNECTION_LIMIT were open. */
__u64 http_refused(const struct http_server *s);

/* For poll(): readable when the server has work. */
int http_fd(const struct http_server *s);
/* Milliseconds until the server must run to close idle connections; -1: no
 * deadline. A poll() loop waits no longer than this. */
int http_timeout_ms(const struct http_server *s);
/* Serves what waits and closes what timed out; call it on every loop turn. */
void http_run(struct http_server *s);
void http_stop(struct http_server *s);

/* GET http://listen/path; the body in *body (malloc'd). 0, or -1 with a message. */
int http_get(const char *listen, const char *path, char **body, size_t *len);

#endif /* SIPXDP_HTTP_H */
