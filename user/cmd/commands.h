/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The subcommands of the sipxdp binary; each parses its own options. */
#ifndef SIPXDP_COMMANDS_H
#define SIPXDP_COMMANDS_H

#include <linux/types.h>

#define DEFAULT_PIN_DIR		"/sys/fs/bpf/sipxdp"
#define DEFAULT_LISTEN		"127.0.0.1:9360"
#define REDIRECT_MAX_AGE_LIMIT_S	(30u * 86400u)	/* --redirect-max-age: 30 days */
#define MAX_CALL_DURATION_LIMIT_S	(7u * 86400u)	/* --max-call-duration: 7 days */
#define MEDIA_SECONDS_LIMIT_S		86400u		/* --one-way-after, --media-timeout */

int cmd_run(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_acks(int argc, char **argv);
int cmd_calls(int argc, char **argv);
int cmd_redirects(int argc, char **argv);
int cmd_suspects(int argc, char **argv);
int cmd_media(int argc, char **argv);
int cmd_replay(int argc, char **argv);

/* Parses a whole non-negative number for an option; -1 with a message if bad. */
int parse_count(const char *opt, const char *arg, unsigned long long max,
		unsigned long long *out);

/* A whole number of seconds from 1 to max for opt, into *ns; -1 with a message if bad. */
int parse_seconds(const char *opt, const char *arg, unsigned int max, __u64 *ns);

struct loader_opts;
struct core_opts;

/* The long options `run` and `replay` share, for their getopt tables. */
#define SHARED_LONG_OPTIONS \
	{ "ports", required_argument, NULL, 'p' }, \
	{ "ack-timeout", required_argument, NULL, 't' }, \
	{ "max-redirect-targets", required_argument, NULL, 'r' }, \
	{ "redirect-max-age", required_argument, NULL, 'A' }, \
	{ "max-calls", required_argument, NULL, 'M' }, \
	{ "max-call-duration", required_argument, NULL, 'D' }, \
	{ "max-registrations", required_argument, NULL, 'G' }, \
	{ "max-media-streams", required_argument, NULL, 'S' }, \
	{ "max-suspects", required_argument, NULL, 'U' }, \
	{ "suspect-auth-failures", required_argument, NULL, 'F' }, \
	{ "suspect-users", required_argument, NULL, 'W' }, \
	{ "suspect-request-rate", required_argument, NULL, 'R' }, \
	{ "verbose", no_argument, NULL, 'v' }

/*
 * Parses one of SHARED_LONG_OPTIONS. Returns 1 if opt was one of them and
 * is set, 0 if it was not, -1 with a message if its value is bad.
 */
int parse_shared_option(int opt, const char *arg, struct loader_opts *lopts,
			struct core_opts *copts);

#endif /* SIPXDP_COMMANDS_H */
