/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A minimal test harness: CHECK records a failure and goes on, TEST_MAIN
 * runs the listed tests and ends with the line "N passed, N failed" that
 * `make test` sums up. No test reads the clock: time is passed in.
 */
#ifndef SIPXDP_TESTLIB_H
#define SIPXDP_TESTLIB_H

#include <stdio.h>
#include <string.h>

static int tl_checks_failed;
static int tl_tests_passed, tl_tests_failed;

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: CHECK failed: %s\n",		\
			__FILE__, __LINE__, #cond);			\
		tl_checks_failed++;					\
	}								\
} while (0)

#define CHECK_EQ(a, b) do {						\
	long long _a = (long long)(a), _b = (long long)(b);		\
	if (_a != _b) {							\
		fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, "	\
			"expected %s == %lld\n", __FILE__, __LINE__,	\
			#a, _a, #b, _b);				\
		tl_checks_failed++;					\
	}								\
} while (0)

#define CHECK_STR(a, b) do {						\
	const char *_a = (a), *_b = (b);				\
	if (!_a || !_b || strcmp(_a, _b) != 0) {			\
		fprintf(stderr, "%s:%d: CHECK_STR failed: %s == \"%s\", "\
			"expected \"%s\"\n", __FILE__, __LINE__, #a,	\
			_a ? _a : "(null)", _b ? _b : "(null)");	\
		tl_checks_failed++;					\
	}								\
} while (0)

struct tl_test {
	const char *name;
	void (*fn)(void);
};

#define TEST(name) { #name, name }

static inline int tl_run(const char *suite, const struct tl_test *tests, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int before = tl_checks_failed;

		tests[i].fn();
		if (tl_checks_failed == before) {
			tl_tests_passed++;
			printf("ok   %s/%s\n", suite, tests[i].name);
		} else {
			tl_tests_failed++;
			printf("FAIL %s/%s\n", suite, tests[i].name);
		}
	}
	printf("%d passed, %d failed\n", tl_tests_passed, tl_tests_failed);
	return tl_tests_failed ? 1 : 0;
}

#define TEST_MAIN(suite, ...)						\
int main(void)								\
{									\
	static const struct tl_test tests[] = { __VA_ARGS__ };		\
	return tl_run(suite, tests, sizeof(tests) / sizeof(tests[0]));	\
}

#endif /* SIPXDP_TESTLIB_H */
