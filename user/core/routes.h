/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The agent's HTTP routes, over its core: /metrics (Prometheus text format),
 * and /stats, /acks and /redirects as .json or .txt, which the CLI prints.
 * Each request first ticks the core, so what was sent before it is in the
 * answer.
 */
#ifndef SIPXDP_ROUTES_H
#define SIPXDP_ROUTES_H

#include <stdio.h>

/* An http_handler (http.h); ctx is the agent's struct core. */
int routes_serve(void *ctx, const char *path, FILE *out, const char **content_type);

#endif /* SIPXDP_ROUTES_H */
