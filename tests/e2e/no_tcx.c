// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A preload for tests/e2e/test_links.sh: a kernel without tcx (before 6.6)
 * on one that has it. libbpf makes its bpf() calls through syscall(); this
 * answers a BPF_LINK_CREATE for BPF_TCX_INGRESS (46) or BPF_TCX_EGRESS (47)
 * as Linux 6.1 does, with EINVAL, and passes every other call on. So the
 * agent takes its netlink path for TC egress with no option of its own.
 * Built by the test: cc -shared -fPIC -o no_tcx.so no_tcx.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <linux/bpf.h>

long syscall(long number, ...)
{
	static long (*next)(long, ...);
	const union bpf_attr *attr;
	va_list ap;
	long arg[6];

	/* syscall() takes up to six arguments; reading them all is what
	 * glibc's own does, whatever the call. */
	va_start(ap, number);
	for (int i = 0; i < 6; i++)
		arg[i] = va_arg(ap, long);
	va_end(ap);
	if (number == SYS_bpf && arg[0] == BPF_LINK_CREATE) {
		attr = (const union bpf_attr *)arg[1];
		if (attr->link_create.attach_type == 46 || attr->link_create.attach_type == 47) {
			errno = EINVAL;
			return -1;
		}
	}
	if (!next)
		next = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	return next(number, arg[0], arg[1], arg[2], arg[3], arg[4], arg[5]);
}
