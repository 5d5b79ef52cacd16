// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Capture files (pcap, pcapng) as `sipxdp replay` reads them: capture_open,
 * then capture_next to the end. capture_open takes a path, so the input
 * goes into a memfd opened by its /proc/self/fd path: the library is fuzzed
 * exactly as replay calls it, with no way of opening from memory added for
 * the fuzzer's sake. Every frame is read in full (ASan checks the bytes are
 * there) and must be a whole Ethernet header within FRAME_MAX.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "fuzz.h"
#include "capture.h"

#define ETH_HDR_LEN	14
#define FRAME_MAX	(256u * 1024)	/* capture.c's bound on a frame */
/* A tiny input can announce many empty packets: enough to reach the end of most. */
#define PACKETS_MAX	4096

static int input_fd = -1;
static char input_path[64];

static void write_input(const uint8_t *data, size_t size)
{
	size_t done = 0;

	if (input_fd < 0) {
		input_fd = memfd_create("fuzz-capture", 0);
		REQUIRE(input_fd >= 0);
		snprintf(input_path, sizeof(input_path), "/proc/self/fd/%d", input_fd);
	}
	REQUIRE(ftruncate(input_fd, 0) == 0);
	while (done < size) {
		ssize_t n = pwrite(input_fd, data + done, size - done, (off_t)done);

		REQUIRE(n > 0);
		done += (size_t)n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256] = "";
	struct capture *c;
	volatile __u8 sink = 0;

	write_input(data, size);
	c = capture_open(input_path, err, sizeof(err));
	if (!c) {
		REQUIRE(err[0]);
		return 0;
	}
	REQUIRE(capture_linktype_name(c)[0]);
	for (int i = 0; i < PACKETS_MAX; i++) {
		const __u8 *frame = NULL;
		__u64 ts_ns;
		__u32 len = 0;
		int ret = capture_next(c, &frame, &len, &ts_ns, err, sizeof(err));

		if (ret <= 0) {
			REQUIRE(ret == 0 || err[0]);
			break;
		}
		REQUIRE(frame && len <= FRAME_MAX);
		/* An Ethernet capture's frame is as captured; a made-up one has its header. */
		if (strcmp(capture_linktype_name(c), "EN10MB") != 0)
			REQUIRE(len >= ETH_HDR_LEN);
		for (__u32 j = 0; j < len; j++)
			sink ^= frame[j];
	}
	(void)sink;
	capture_close(c);
	return 0;
}
