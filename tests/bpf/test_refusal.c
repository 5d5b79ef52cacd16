// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A kernel that refuses a program: the loader prints the verifier's reason.
 * Loads tests/bpf/refused.bpf.c (built to build/refused.bpf.o), which reads
 * the packet without a bounds check, and looks for the verifier's words.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "loader.h"
#include "log.h"
#include "testlib.h"

#define REFUSED_OBJ	"build/refused.bpf.o"

static char *load_capturing_stderr(bool *loaded)
{
	char path[] = "/tmp/sipxdp-refusal-XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	struct bpf_object *obj = bpf_object__open_file(REFUSED_OBJ, NULL);
	static char text[1 << 16];
	size_t n = 0;
	FILE *f;

	*loaded = false;
	if (fd < 0 || saved < 0 || !obj) {
		fprintf(stderr, "setup: %s\n", strerror(errno));
		return NULL;
	}
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	if (loader_capture_log(obj) == 0) {
		*loaded = bpf_object__load(obj) == 0;
		if (!*loaded)
			loader_refused(obj);
	}
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	bpf_object__close(obj);
	f = fopen(path, "r");
	if (f) {
		n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
	}
	text[n] = '\0';
	close(fd);
	unlink(path);
	return text;
}

static void test_verifier_reason_printed(void)
{
	bool loaded;
	const char *text = load_capturing_stderr(&loaded);

	CHECK(text);
	CHECK(!loaded);
	if (!text)
		return;
	CHECK(strstr(text, "the kernel's verifier refused program 'refused'"));
	/* the verifier's own reason, whatever its wording across kernels */
	CHECK(strstr(text, "invalid access to packet") || strstr(text, "outside of the packet"));
	fputs(text, stdout);
}

int main(void)
{
	static const struct tl_test tests[] = {
		TEST(test_verifier_reason_printed),
	};

	if (geteuid() != 0) {
		printf("skipped: loading BPF programs needs root\n");
		return 0;
	}
	log_route_libbpf();
	return tl_run("refusal", tests, sizeof(tests) / sizeof(tests[0]));
}
