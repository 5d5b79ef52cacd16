/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the fuzz targets share: REQUIRE, a check that aborts, so libFuzzer
 * reports a broken promise of the library as a crash and keeps its input.
 */
#ifndef SIPXDP_TESTS_FUZZ_H
#define SIPXDP_TESTS_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#define REQUIRE(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: REQUIRE failed: %s\n",		\
			__FILE__, __LINE__, #cond);			\
		abort();						\
	}								\
} while (0)

#endif /* SIPXDP_TESTS_FUZZ_H */
