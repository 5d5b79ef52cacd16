// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include "commands.h"
#include "log.h"

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

int parse_ack_timeout(const char *arg, unsigned long long *ns)
{
	unsigned long long seconds;

	if (parse_count("--ack-timeout", arg, 86400, &seconds) || !seconds) {
		pr_err("--ack-timeout: seconds from 1 to 86400\n");
		return -1;
	}
	*ns = seconds * 1000000000ull;
	return 0;
}
