// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <sys/socket.h>
#include "snapshot.h"
#include "testlib.h"

/* The order snapshot_sort_sources promises, the slow way. */
static int memcmp_order(const void *a, const void *b)
{
	const struct source_row *x = a, *y = b;
	int c = memcmp(&x->addr, &y->addr, sizeof(x->addr));

	return c ? c : (int)x->code - (int)y->code;
}

/* n distinct rows: few addresses, so many share one, and both families;
 * an address's bytes differ where either half of them does. */
static void fill_rows(struct source_row *rows, size_t n, unsigned int seed)
{
	for (size_t i = 0; i < n; i++) {
		struct source_row *r = &rows[i];

		seed = seed * 1103515245u + 12345u;
		memset(r, 0, sizeof(*r));
		r->addr.family = seed & 1 ? AF_INET6 : AF_INET;
		r->addr.bytes[(seed >> 8) & 1 ? 3 : 12] = (__u8)(i / 600);
		r->addr.bytes[7] = (__u8)((seed >> 16) & 1);
		r->code = (__u16)(100 + i % 600);
		r->count = seed;
	}
}

static void sorts_as_memcmp_orders(void)
{
	static const size_t sizes[] = { 0, 1, 2, 15, 16, 17, 100, 1000, 30000 };

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = sizes[s];
		struct source_row *got = calloc(n + 1, sizeof(*got));
		struct source_row *want = calloc(n + 1, sizeof(*want));

		CHECK(got && want);
		if (!got || !want) {
			free(got);
			free(want);
			return;
		}
		fill_rows(got, n, (unsigned int)n);
		memcpy(want, got, n * sizeof(*got));
		qsort(want, n, sizeof(*want), memcmp_order);
		snapshot_sort_sources(got, n);
		CHECK(memcmp(got, want, n * sizeof(*got)) == 0);
		/* sorted input, and reversed: the quicksort's worst shapes */
		snapshot_sort_sources(got, n);
		CHECK(memcmp(got, want, n * sizeof(*got)) == 0);
		for (size_t i = 0; i < n / 2; i++) {
			struct source_row tmp = got[i];

			got[i] = got[n - 1 - i];
			got[n - 1 - i] = tmp;
		}
		snapshot_sort_sources(got, n);
		CHECK(memcmp(got, want, n * sizeof(*got)) == 0);
		free(got);
		free(want);
	}
}

TEST_MAIN("snapshot",
	  TEST(sorts_as_memcmp_orders))
