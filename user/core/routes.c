// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdbool.h>
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

/* /stats, /acks and /redirects, each as .json or .txt. */
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
		(json ? report_acks_json : report_text)(out, r);
		return 200;
	}
	if (stem == 10 && !strncmp(path, "/redirects", stem)) {
		r->acks = NULL;
		(json ? report_redirects_json : report_text)(out, r);
		return 200;
	}
	fputs("not found\n", out);
	return 404;
}

int routes_serve(void *ctx, const char *path, FILE *out, const char **type)
{
	struct core *c = ctx;
	struct core_view v;
	struct report r;
	int status;

	if (!strcmp(path, "/")) {
		*type = "text/plain; charset=utf-8";
		fputs("sipxdp agent: /metrics, and /stats /acks /redirects as .json or .txt\n",
		      out);
		return 200;
	}
	/* the counters only where they are shown: the per-source map is large */
	if (core_view(c, core_monotonic_ns(),
		      !strcmp(path, "/metrics") || !strncmp(path, "/stats.", 7), &v)) {
		core_view_free(&v);
		return 500;
	}
	if (!strcmp(path, "/metrics")) {
		struct metrics_input in = core_metrics(c, &v);

		*type = "text/plain; version=0.0.4; charset=utf-8";
		metrics_write(out, &in);
		status = 200;
	} else {
		r = core_report(c, &v);
		if (strncmp(path, "/stats.", 7))
			r.snap = NULL;
		r.clock_to_wall_ns = clock_to_wall();
		status = serve_report(&r, path, out, type);
	}
	core_view_free(&v);
	return status;
}
