/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The media_streams map as the RTP benchmarks see it: the key of each
 * stream of the workloads' calls (workloads.h, wl_media_rtp), and the map
 * of a loaded program, found through the program, since the agent does not
 * pin it (its streams die with it).
 */
#ifndef SIPXDP_BENCH_MEDIA_MAP_H
#define SIPXDP_BENCH_MEDIA_MAP_H

#include <arpa/inet.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "sipxdp_media.h"
#include "workloads.h"

/* Where call n's RTP to the UAC (side 0) or to the UAS (1) arrives. */
static inline struct sipxdp_media_key wl_media_key(unsigned int call, int side)
{
	struct sipxdp_media_key k = { .family = AF_INET };

	k.port = htons((side ? WL_MEDIA_UAS_PORT : WL_MEDIA_UAC_PORT) + 2 * call);
	inet_pton(AF_INET, side ? "192.0.2.20" : "192.0.2.10", k.addr);
	return k;
}

/* media_streams of the program prog_fd, opened; -1 if it has none. */
static inline int media_map_fd(int prog_fd)
{
	__u32 ids[64], n = sizeof(ids) / sizeof(*ids);
	struct bpf_prog_info info = { .nr_map_ids = n, .map_ids = (__u64)(unsigned long)ids };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -1;
	for (__u32 i = 0; i < info.nr_map_ids && i < n; i++) {
		struct bpf_map_info m = {};
		__u32 mlen = sizeof(m);
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &m, &mlen) &&
		    !strcmp(m.name, "media_streams"))
			return fd;
		if (fd >= 0)
			close(fd);
	}
	return -1;
}

#endif /* SIPXDP_BENCH_MEDIA_MAP_H */
