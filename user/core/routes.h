/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The agent's HTTP routes, over its core: /metrics (Prometheus text format),
 * and /stats, /acks, /calls, /redirects and /suspects as .json or .txt,
 * which the CLI prints.
 * Each request first ticks the core, so what was sent before it is in the
 * answer. /stats.* lists the REPORT_DEFAULT_SOURCES busiest sources, or
 * with ?sources=N the N busiest, with ?sources=all every one.
 */
#ifndef SIPXDP_ROUTES_H
#define SIPXDP_ROUTES_H

#include <stdio.h>
#include "http.h"

/* An http_handler (http.h); ctx is the agent's struct core. */
int routes_serve(void *ctx, const struct http_request *req, FILE *out,
		 const char **content_type);

#endif /* SIPXDP_ROUTES_H */
