// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What the verifier spends on each program of a BPF object, on the running
 * kernel: the "processed N insns" figure of its statistics log (log level
 * 4), the states it kept, and the wall time of the whole load. The figure
 * to keep small is the instruction count: the kernel refuses a program past
 * 1,000,000, and under emulation (the Linux 6.1 guest) every one costs.
 *
 * Usage: bench_verifier [OBJECT]   (default build/sipxdp.bpf.o)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>

#define STATS_LOG_SIZE	4096
#define BPF_LOG_STATS	4	/* only the closing statistics lines */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The "processed N insns ..." line of a statistics log, without its newline. */
static void print_stats_line(const char *name, const char *log)
{
	const char *p = strstr(log, "processed ");
	int len;

	if (!p) {
		printf("  %-12s (the kernel wrote no statistics)\n", name);
		return;
	}
	len = strcspn(p, "\n");
	printf("  %-12s %.*s\n", name, len, p);
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "build/sipxdp.bpf.o";
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct utsname uts;
	char (*logs)[STATS_LOG_SIZE] = NULL;
	int n = 0, i = 0, err;
	double t0;

	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "bench_verifier: opening %s: %s\n", path, strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, obj)
		n++;
	logs = calloc(n ? n : 1, sizeof(*logs));
	if (!logs) {
		fprintf(stderr, "bench_verifier: out of memory\n");
		bpf_object__close(obj);
		return 1;
	}
	bpf_object__for_each_program(prog, obj) {
		bpf_program__set_log_level(prog, BPF_LOG_STATS);
		bpf_program__set_log_buf(prog, logs[i++], STATS_LOG_SIZE);
	}
	t0 = now_ms();
	err = bpf_object__load(obj);
	uname(&uts);
	printf("verifier on Linux %s, %s:\n", uts.release, path);
	if (err) {
		printf("  load FAILED: %s\n", strerror(-err));
		free(logs);
		bpf_object__close(obj);
		return 1;
	}
	i = 0;
	bpf_object__for_each_program(prog, obj)
		print_stats_line(bpf_program__name(prog), logs[i++]);
	printf("  load time    %.0f ms (open to loaded, every program and map)\n",
	       now_ms() - t0);
	free(logs);
	bpf_object__close(obj);
	return 0;
}
