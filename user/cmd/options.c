// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include "commands.h"
#include "loader.h"
#include "log.h"
#include "core.h"

int parse_count(const char *opt, const char *arg, unsigned long long max,
		unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || *out > max) {
		pr_err("%s: '%s' is not a whole number from 0 to %llu\n", opt, arg, max);
		return -1;
	}
	return 0;
}

int parse_seconds(const char *opt, const char *arg, unsigned int max, __u64 *ns)
{
	unsigned long long val;

	if (parse_count(opt, arg, max, &val) || !val) {
		pr_err("%s: seconds from 1 to %u\n", opt, max);
		return -1;
	}
	*ns = val * 1000000000ull;
	return 0;
}

/* A suspect threshold, from 1 to SUSPECT_MAX_THRESHOLD: 1, or -1 with a message. */
static int parse_threshold(const char *opt, const char *arg, unsigned int *out)
{
	unsigned long long val;

	if (parse_count(opt, arg, SUSPECT_MAX_THRESHOLD, &val) || !val) {
		pr_err("%s: from 1 to %u\n", opt, SUSPECT_MAX_THRESHOLD);
		return -1;
	}
	*out = (unsigned int)val;
	return 1;
}

int parse_shared_option(int opt, const char *arg, struct loader_opts *lopts,
			struct core_opts *copts)
{
	unsigned long long val;

	switch (opt) {
	case 'p':
		return loader_parse_ports(arg, lopts) ? -1 : 1;
	case 't':
		return parse_seconds("--ack-timeout", arg, 86400, &copts->ack_timeout_ns) ? -1 : 1;
	case 'r':
		if (parse_count("--max-redirect-targets", arg, 1000000, &val))
			return -1;
		copts->max_redirect_targets = val;
		return 1;
	case 'A':
		return parse_seconds("--redirect-max-age", arg, REDIRECT_MAX_AGE_LIMIT_S,
				     &copts->redirect_max_age_ns) ? -1 : 1;
	case 'M':
		if (parse_count("--max-calls", arg, 16u << 20, &val) || val < 16) {
			pr_err("--max-calls: from 16 to %u\n", 16u << 20);
			return -1;
		}
		copts->max_calls = val;
		return 1;
	case 'S':
		if (parse_count("--max-media-streams", arg, 16u << 20, &val) ||
		    val < MEDIA_MIN_MAX_STREAMS) {
			pr_err("--max-media-streams: from %u to %u\n", MEDIA_MIN_MAX_STREAMS,
			       16u << 20);
			return -1;
		}
		/* the tracker and the kernel map it fills, one size */
		copts->max_media_streams = val;
		lopts->max_media_streams = (unsigned int)val;
		return 1;
	case 'D':
		return parse_seconds("--max-call-duration", arg, MAX_CALL_DURATION_LIMIT_S,
				     &copts->max_call_duration_ns) ? -1 : 1;
	case 'G':
		if (parse_count("--max-registrations", arg, 16u << 20, &val) || !val) {
			pr_err("--max-registrations: from 1 to %u\n", 16u << 20);
			return -1;
		}
		copts->max_registrations = val;
		return 1;
	case 'U':
		if (parse_count("--max-suspects", arg, SUSPECT_MAX_CAPACITY, &val) || !val) {
			pr_err("--max-suspects: from 1 to %u\n", SUSPECT_MAX_CAPACITY);
			return -1;
		}
		copts->max_suspects = val;
		return 1;
	case 'F':
		return parse_threshold("--suspect-auth-failures", arg,
				       &copts->suspect_auth_failures);
	case 'W':
		return parse_threshold("--suspect-users", arg, &copts->suspect_users);
	case 'R':
		return parse_threshold("--suspect-request-rate", arg,
				       &copts->suspect_request_rate);
	case 'v':
		log_set_level(LOG_DEBUG);
		return 1;
	default:
		return 0;
	}
}
