// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>
#include "http.h"
#include "log.h"

#define HTTP_CLIENT_TIMEOUT_S	5
#define HTTP_BODY_MAX		(64u << 20)
/* The largest answer body kept for the next answer (see struct http_body). */
#define HTTP_SPARE_BODY_MAX	(4u << 20)
/* Descriptors kept for the agent's own files, maps and the listening socket. */
#define HTTP_FD_RESERVE		128u

/* One open connection, from its start: its lifetime is bounded. */
struct http_conn {
	struct http_conn *prev, *next;
	struct MHD_Connection *conn;
	time_t opened;
	bool shut;
};

/*
 * An answer's body, written through a FILE and handed to libmicrohttpd
 * whole. A scrape at the per-peer families' caps is 1.6 MB: written into
 * fresh memory each time (open_memstream, which also copies as it grows),
 * it took a page fault every 4 KiB, more time than writing it. So one body
 * is kept for the next answer once libmicrohttpd is done with it, as
 * Prometheus' Go client pools its buffers; one larger than
 * HTTP_SPARE_BODY_MAX (a listing of every source) is freed.
 */
struct http_body {
	char *p;
	size_t len, cap;
	struct http_server *server;
};

struct http_server {
	struct MHD_Daemon *daemon;
	struct http_body *spare;	/* NULL, or a body no answer uses */
	http_handler handler;
	void *ctx;
	struct http_conn conns;		/* list head */
	unsigned int connection_limit;
	__u64 refused;			/* connections over connection_limit */
};

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *s = cls;
	struct http_conn *c = *socket_context;
	struct timespec now;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return;	/* not tracked: only its idle timeout bounds it */
		clock_gettime(CLOCK_MONOTONIC, &now);
		c->conn = conn;
		c->opened = now.tv_sec;
		c->next = s->conns.next;
		c->prev = &s->conns;
		s->conns.next->prev = c;
		s->conns.next = c;
		*socket_context = c;
	} else if (c) {
		c->prev->next = c->next;
		c->next->prev = c->prev;
		free(c);
		*socket_context = NULL;
	}
}

/*
 * libmicrohttpd's idle timeout counts from the last byte, so a client that
 * sends a byte a second would hold its connection for ever: every
 * connection is shut after HTTP_CONNECTION_MAX_SECONDS, whatever it does
 * (a scraper reconnects; a scrape takes well under a second).
 */
static void shut_old_connections(struct http_server *s)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (struct http_conn *c = s->conns.next; c != &s->conns; c = c->next) {
		const union MHD_ConnectionInfo *info;

		if (c->shut || now.tv_sec - c->opened < HTTP_CONNECTION_MAX_SECONDS)
			continue;
		info = MHD_get_connection_info(c->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (info)
			shutdown(info->connect_fd, SHUT_RDWR);
		c->shut = true;
	}
}

struct http_request {
	struct MHD_Connection *conn;
	const char *path;
	const struct http_server *server;
};

const struct http_server *http_request_server(const struct http_request *req)
{
	return req->server;
}

__u64 http_refused(const struct http_server *s)
{
	return s->refused;
}

const char *http_request_path(const struct http_request *req)
{
	return req->path;
}

const char *http_request_arg(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* Splits "ADDR:PORT" / "[ADDR6]:PORT" into a socket address. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(listen, ':');
	struct sockaddr_in *in4 = (void *)ss;
	struct sockaddr_in6 *in6 = (void *)ss;
	char *end;
	long port;
	size_t hlen;

	if (!colon)
		goto bad;
	hlen = colon - listen;
	if (hlen >= sizeof(host))
		goto bad;
	memcpy(host, listen, hlen);
	host[hlen] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || end == colon + 1 || port < 1 || port > 65535)
		goto bad;
	memset(ss, 0, sizeof(*ss));
	if (hlen > 2 && host[0] == '[' && host[hlen - 1] == ']') {
		host[hlen - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) != 1)
			goto bad;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*len = sizeof(*in6);
		return 0;
	}
	if (inet_pton(AF_INET, host, &in4->sin_addr) != 1)
		goto bad;
	in4->sin_family = AF_INET;
	in4->sin_port = htons(port);
	*len = sizeof(*in4);
	return 0;
bad:
	pr_err("listen address '%s': expected ADDR:PORT or [ADDR6]:PORT\n", listen);
	return -1;
}

static ssize_t body_write(void *cookie, const char *buf, size_t size)
{
	struct http_body *b = cookie;

	if (size > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 65536;
		char *grown;

		while (cap - b->len < size) {
			if (cap > SIZE_MAX / 2) {
				errno = ENOMEM;
				return -1;
			}
			cap *= 2;
		}
		grown = realloc(b->p, cap);
		if (!grown)
			return -1;
		b->p = grown;
		b->cap = cap;
	}
	memcpy(b->p + b->len, buf, size);
	b->len += size;
	return (ssize_t)size;
}

static void body_free(struct http_body *b)
{
	if (b) {
		free(b->p);
		free(b);
	}
}

/* The spare body emptied, or a new one. */
static struct http_body *body_take(struct http_server *s)
{
	struct http_body *b = s->spare;

	if (b) {
		s->spare = NULL;
		b->len = 0;
		return b;
	}
	b = calloc(1, sizeof(*b));
	if (b)
		b->server = s;
	return b;
}

/* Called by libmicrohttpd when it is done with a response's body. */
static void body_release(void *cls)
{
	struct http_body *b = cls;
	struct http_server *s = b->server;

	if (!s->spare && b->cap <= HTTP_SPARE_BODY_MAX)
		s->spare = b;
	else
		body_free(b);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version,
			      const char *upload_data, size_t *upload_size, void **req_ctx)
{
	struct http_server *s = cls;
	struct http_request req = { .conn = conn, .path = url, .server = s };
	const char *type = "text/plain; charset=utf-8";
	struct MHD_Response *resp;
	enum MHD_Result ret;
	struct http_body *body;
	FILE *out;
	int status;

	(void)version;
	(void)upload_data;
	(void)upload_size;
	(void)req_ctx;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return MHD_NO;
		MHD_add_response_header(resp, "Allow", "GET, HEAD");
		ret = MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	body = body_take(s);
	if (!body)
		return MHD_NO;
	out = fopencookie(body, "w", (cookie_io_functions_t){ .write = body_write });
	if (!out) {
		body_release(body);
		return MHD_NO;
	}
	status = s->handler(s->ctx, &req, out, &type);
	if (fclose(out)) {
		body_release(body);
		return MHD_NO;
	}
	resp = MHD_create_response_from_buffer_with_free_callback_cls(body->len, body->p,
								       body_release, body);
	if (!resp) {
		body_release(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", type);
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * The connection limit the descriptors allow: HTTP_CONNECTION_LIMIT, after
 * raising the soft RLIMIT_NOFILE towards the hard one if it is lower (1024
 * is usual, and idle clients would take the agent's last descriptors before
 * the limit); less, with a warning, when the hard limit is lower too.
 */
static unsigned int fit_connection_limit(void)
{
	const rlim_t wanted = HTTP_CONNECTION_LIMIT + HTTP_FD_RESERVE;
	struct rlimit nofile;
	unsigned int limit;

	if (getrlimit(RLIMIT_NOFILE, &nofile))
		return HTTP_CONNECTION_LIMIT;	/* cannot tell: accept() fails at the limit */
	if (nofile.rlim_cur < wanted && nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max < wanted ? nofile.rlim_max : wanted;
		if (setrlimit(RLIMIT_NOFILE, &nofile))
			getrlimit(RLIMIT_NOFILE, &nofile);
	}
	if (nofile.rlim_cur >= wanted)
		return HTTP_CONNECTION_LIMIT;
	limit = nofile.rlim_cur > 2 * HTTP_FD_RESERVE ? nofile.rlim_cur - HTTP_FD_RESERVE :
							 nofile.rlim_cur / 2;
	pr_warn("%llu file descriptors (RLIMIT_NOFILE's hard limit): HTTP connections "
		"limited to %u\n", (unsigned long long)nofile.rlim_cur, limit);
	return limit;
}

/*
 * libmicrohttpd stops accepting at its own connection limit, and new
 * connections wait unseen in the listen backlog: it is set one above ours,
 * so the connection over ours is accepted, and this policy counts and
 * closes it.
 */
static enum MHD_Result accept_under_limit(void *cls, const struct sockaddr *addr,
					  socklen_t addrlen)
{
	struct http_server *s = cls;
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

	(void)addr;
	(void)addrlen;
	if (info && info->num_connections < s->connection_limit)
		return MHD_YES;
	s->refused++;
	return MHD_NO;
}

struct http_server *http_start(const char *listen, http_handler handler, void *ctx)
{
	struct sockaddr_storage ss;
	struct http_server *s;
	socklen_t len;

	if (parse_listen(listen, &ss, &len))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->handler = handler;
	s->ctx = ctx;
	s->conns.next = s->conns.prev = &s->conns;
	s->connection_limit = fit_connection_limit();
	/*
	 * epoll, no internal thread: the agent's loop polls MHD's epoll fd.
	 * No limit per address: a local scraper shares 127.0.0.1 with every
	 * local client, which would starve it first.
	 */
	s->daemon = MHD_start_daemon(MHD_USE_EPOLL | (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				     0, accept_under_limit, s, answer, s,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				     MHD_OPTION_CONNECTION_LIMIT, s->connection_limit + 1,
				     MHD_OPTION_CONNECTION_TIMEOUT, HTTP_IDLE_SECONDS,
				     MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
				     MHD_OPTION_END);
	if (!s->daemon) {
		pr_err("cannot serve HTTP on %s (address in use, or not local?)\n", listen);
		free(s);
		return NULL;
	}
	return s;
}

int http_fd(const struct http_server *s)
{
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_EPOLL_FD);

	return info ? info->epoll_fd : -1;
}

int http_timeout_ms(const struct http_server *s)
{
	MHD_UNSIGNED_LONG_LONG ms;

	if (MHD_get_timeout(s->daemon, &ms) != MHD_YES)
		return -1;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

void http_run(struct http_server *s)
{
	MHD_run(s->daemon);
	shut_old_connections(s);
}

void http_stop(struct http_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->daemon);	/* releases the bodies it held */
	body_free(s->spare);
	free(s);
}

int http_get(const char *listen, const char *path, char **body, size_t *len)
{
	struct timeval tv = { .tv_sec = HTTP_CLIENT_TIMEOUT_S };
	struct sockaddr_storage ss;
	char *buf = NULL, *start;
	size_t used = 0, cap = 0;
	socklen_t slen;
	int fd;

	if (parse_listen(listen, &ss, &slen))
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    connect(fd, (struct sockaddr *)&ss, slen)) {
		pr_err("cannot reach the agent at %s: %s\n", listen, strerror(errno));
		goto fail;
	}
	dprintf(fd, "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, listen);
	for (;;) {
		ssize_t n;

		if (used + 4096 + 1 > cap) {
			char *grown;

			cap = cap ? cap * 2 : 65536;
			if (cap > HTTP_BODY_MAX)
				goto too_big;
			grown = realloc(buf, cap);
			if (!grown)
				goto fail;
			buf = grown;
		}
		n = read(fd, buf + used, cap - used - 1);
		if (n < 0) {
			pr_err("reading from the agent at %s: %s\n", listen, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		used += n;
	}
	close(fd);
	buf = buf ? buf : calloc(1, 1);
	if (!buf)
		return -1;
	buf[used] = '\0';
	start = strstr(buf, "\r\n\r\n");
	if (strncmp(buf, "HTTP/1.", 7) || !start || strncmp(buf + 9, "200", 3)) {
		pr_err("the agent at %s answered %s with: %.40s\n", listen, path, buf);
		free(buf);
		return -1;
	}
	start += 4;
	*len = used - (start - buf);
	memmove(buf, start, *len + 1);
	*body = buf;
	return 0;
too_big:
	pr_err("the agent's answer to %s is over %u bytes\n", path, HTTP_BODY_MAX);
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return -1;
}
