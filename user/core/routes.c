// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "core.h"
#include "routes.h"

/* Event times are CLOCK_MONOTONIC; reports print wall-clock time. Taken per
 * request, so a clock stepped by NTP shows right. */
static __s64 clock_to_wall(void)
{
	struct timespec wall, mono;

	clock_gettime(CLOCK_REALTIME, &wall);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return (wall.tv_sec - mono.tv_sec) * 1000000000ll + (wall.tv_nsec - mono.tv_nsec);
}

/* ?sources=N (at most ROUTES_MAX_SOURCES) or ?sources=all into *listed (0:
 * all); REPORT_DEFAULT_SOURCES without it. false when it is neither. */
#define ROUTES_MAX_SOURCES	1000000u

static bool sources_arg(const struct http_request *req, unsigned int *listed)
{
	const char *arg = http_request_arg(req, "sources");
	unsigned long n;
	char *end;

	*listed = REPORT_DEFAULT_SOURCES;
	if (!arg)
		return true;
	if (!strcmp(arg, "all")) {
		*listed = 0;
		return true;
	}
	errno = 0;
	n = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || !n || n > ROUTES_MAX_SOURCES)
		return false;
	*listed = (unsigned int)n;
	return true;
}

/* /stats, /acks, /calls, /redirects, /suspects and /media, each as .json or .txt. */
static int serve_report(struct report *r, const char *path, FILE *out, const char **type)
{
	const char *dot = strrchr(path, '.');
	bool json = dot && !strcmp(dot, ".json");
	size_t stem = dot ? (size_t)(dot - path) : 0;

	if (!dot || (!json && strcmp(dot, ".txt"))) {
		fputs("not found\n", out);
		return 404;
	}
	*type = json ? "application/json" : "text/plain; charset=utf-8";
	if (stem == 6 && !strncmp(path, "/stats", stem)) {
		(json ? report_json : report_text)(out, r);
		return 200;
	}
	if (stem == 5 && !strncmp(path, "/acks", stem)) {
		r->redirects = NULL;
		r->calls = NULL;
		r->media = NULL;
		(json ? report_acks_json : report_text)(out, r);
		return 200;
	}
	if (stem == 6 && !strncmp(path, "/calls", stem)) {
		r->redirects = NULL;
		r->acks = NULL;
		(json ? report_calls_json : report_text)(out, r);
		return 200;
	}
	if (stem == 10 && !strncmp(path, "/redirects", stem)) {
		r->acks = NULL;
		r->calls = NULL;
		r->media = NULL;
		(json ? report_redirects_json : report_text)(out, r);
		return 200;
	}
	if (stem == 9 && !strncmp(path, "/suspects", stem)) {
		(json ? report_suspects_json : report_suspects_text)(out, r);
		return 200;
	}
	if (stem == 6 && !strncmp(path, "/media", stem)) {
		(json ? report_media_json : report_media_text)(out, r);
		return 200;
	}
	fputs("not found\n", out);
	return 404;
}

int routes_serve(void *ctx, const struct http_request *req, FILE *out, const char **type)
{
	const char *path = http_request_path(req);
	struct core *c = ctx;
	struct core_view v;
	unsigned int listed;
	struct report r;
	int status;

	if (!sources_arg(req, &listed)) {
		*type = "text/plain; charset=utf-8";
		fprintf(out, "sources: a number from 1 to %u, or all\n", ROUTES_MAX_SOURCES);
		return 400;
	}
	if (!strcmp(path, "/")) {
		*type = "text/plain; charset=utf-8";
		fputs("sipxdp agent: /metrics, and /stats /acks /calls /redirects /suspects /media\n"
		      "as .json or .txt\n"
		      "(/stats.json?sources=N: the N busiest sources; ?sources=all: every one)\n",
		      out);
		return 200;
	}
	/* the counters only where they are shown: the per-source map is large
	 * (/suspects shows the requests of the sources it flags) */
	if (core_view(c, core_monotonic_ns(),
		      !strcmp(path, "/metrics") || !strncmp(path, "/stats.", 7) ||
		      !strncmp(path, "/suspects.", 10), &v)) {
		core_view_free(&v);
		return 500;
	}
	if (!strcmp(path, "/metrics")) {
		struct metrics_input in = core_metrics(c, &v);

		in.http_refused = http_refused(http_request_server(req));
		*type = "text/plain; version=0.0.4; charset=utf-8";
		metrics_write(out, &in);
		status = 200;
	} else {
		r = core_report(c, &v);
		if (strncmp(path, "/stats.", 7) && strncmp(path, "/suspects.", 10))
			r.snap = NULL;
		r.clock_to_wall_ns = clock_to_wall();
		r.sources_listed = listed;
		status = serve_report(&r, path, out, type);
	}
	core_view_free(&v);
	return status;
}
