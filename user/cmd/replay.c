// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `sipxdp replay FILE`: every packet of a capture through the same loaded
 * XDP program (BPF_PROG_TEST_RUN) and the same event handling as the agent,
 * on the capture's own timestamps.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "capture.h"
#include "commands.h"
#include "core.h"
#include "loader.h"
#include "log.h"
#include "report.h"
#include "snapshot.h"

/*
 * BPF_PROG_TEST_RUN gives an XDP program one page, less headroom and
 * tailroom: longer frames (from captures made after GRO) are cut to this,
 * which keeps every header and the first SIP bytes the parser reads.
 */
#define REPLAY_FRAME_MAX	3456
#define ETH_HLEN		14

static void replay_usage(FILE *out)
{
	fputs(
"Usage: sipxdp replay FILE [--json] [--events] [--ports any|PORT[,PORT...]]\n"
"                     [--ack-timeout SEC] [--max-redirect-targets N]\n"
"                     [--redirect-max-age SEC] [--max-calls N]\n"
"                     [--max-call-duration SEC] [--max-registrations N]\n"
"                     [--max-media-streams N] [--max-suspects N]\n"
"                     [--suspect-auth-failures N] [--suspect-users N]\n"
"                     [--suspect-request-rate N]\n"
"\n"
"Runs every packet of a capture (pcap or pcapng: Ethernet, Linux cooked v1/v2,\n"
"BSD loopback or raw IP) through the sipxdp XDP program with BPF_PROG_TEST_RUN,\n"
"feeds its events to the same call tracker (ACK matching, calls, OPTIONS and\n"
"REGISTER), redirect table and registrations as `sipxdp run`, on the capture's\n"
"own clock, and prints the report of `stats`, `acks`, `calls` and `redirects`.\n"
"At the end the clock runs past the ACK timeout and 64*T1, so a 2xx still\n"
"waiting for its ACK counts as missing, and a call or OPTIONS with no final\n"
"response as unanswered (a capture has no lost records: nothing is\n"
"unverified). While it reads, a progress line on stderr (packets, share of the\n"
"file, rate) is updated four times a second, when stderr is a terminal only.\n"
"Needs root (it loads the program).\n"
"\n"
"  --json                 the JSON document of `sipxdp stats --json` (its keys:\n"
"                         sipxdp(8), docs/json.md)\n"
"  --events               every SIP message the program handed over as a JSON\n"
"                         line on stderr, with what the agent's parser read\n"
"  --ports LIST           count SIP only on these UDP/TCP ports (default: any)\n"
"  --ack-timeout SEC      ACK timeout (default 32, i.e. 64*T1)\n"
"  --max-redirect-targets N  redirect targets kept (default 1000)\n"
"  --redirect-max-age SEC a redirect target not seen for SEC seconds of the\n"
"                         capture's clock is dropped (default 3600)\n"
"  --max-calls N          calls tracked (default 32768)\n"
"  --max-call-duration SEC  an answered call whose end was not seen ends after\n"
"                         SEC seconds of the capture's clock (default 14400)\n"
"  --max-registrations N  registrations (AoR, Contact) kept (default 65536)\n"
"  --max-media-streams N  audio streams tracked from SDP (default 65536)\n"
"  --max-suspects N       sources watched for scanning, failed logins and\n"
"                         floods (default 4096)\n"
"  --suspect-auth-failures N, --suspect-users N, --suspect-request-rate N\n"
"                         the thresholds of `run`, on the capture's clock\n"
"                         (defaults 10, 50 and 20000)\n"
"  -v, --verbose          debug messages, and the whole verifier log on refusal\n"
"\n"
"Exit status: 0, or 1 when the file is not a capture, is cut short, or the\n"
"program cannot be loaded (the reason is printed).\n", out);
}

/*
 * The progress line of a long replay: on stderr, only when it is a terminal
 * (pipes, files and tests see nothing), rewritten in place at most every
 * PROGRESS_INTERVAL_NS, and wiped before the report.
 */
#define PROGRESS_INTERVAL_NS	250000000ull
#define PROGRESS_CHECK_EVERY	256	/* packets between looks at the clock */

struct progress {
	bool on;
	bool shown;		/* a line is on the terminal */
	__u64 start_ns;
	__u64 last_ns;
};

static __u64 wall_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (__u64)t.tv_sec * 1000000000ull + (__u64)t.tv_nsec;
}

static void progress_show(struct progress *p, const struct capture *cap, __u64 now)
{
	struct capture_position pos;
	double secs = (double)(now - p->start_ns) / 1e9;

	capture_position(cap, &pos);
	fprintf(stderr, "\rreplay: %llu packet%s", pos.packets, pos.packets == 1 ? "" : "s");
	if (pos.size)
		fprintf(stderr, ", %.0f%% of %.1f MB", 100.0 * (double)pos.offset / (double)pos.size,
			(double)pos.size / 1e6);
	if (secs >= 0.25)	/* a rate from less is noise */
		fprintf(stderr, ", %.0f packets/s", (double)pos.packets / secs);
	fputs("\033[K", stderr);	/* erase what a longer line left */
	fflush(stderr);
	p->shown = true;
	p->last_ns = now;
}

/* Shows the first packet at once, then at most every PROGRESS_INTERVAL_NS. */
static void progress_tick(struct progress *p, const struct capture *cap, __u64 index)
{
	__u64 now;

	if (!p->on || (index != 1 && index % PROGRESS_CHECK_EVERY))
		return;
	now = wall_ns();
	if (index == 1 || now - p->last_ns >= PROGRESS_INTERVAL_NS)
		progress_show(p, cap, now);
}

/* The whole file read: its last figures, then the line is wiped. */
static void progress_end(struct progress *p, const struct capture *cap)
{
	if (!p->on)
		return;
	if (cap)
		progress_show(p, cap, wall_ns());
	if (p->shown)
		fputs("\r\033[K", stderr);
	fflush(stderr);
	p->on = false;
}

/* Runs one frame; 0, or -1 with a message in err. */
static int run_frame(int prog_fd, const __u8 *frame, __u32 len, __u64 index, char *err,
		     size_t errlen)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = frame,
		.data_size_in = len < REPLAY_FRAME_MAX ? len : REPLAY_FRAME_MAX,
		.repeat = 1,
	);

	if (bpf_prog_test_run_opts(prog_fd, &opts)) {
		snprintf(err, errlen, "packet %llu: BPF_PROG_TEST_RUN: %s",
			 (unsigned long long)index, strerror(errno));
		return -1;
	}
	if (opts.retval != XDP_PASS) {
		snprintf(err, errlen, "packet %llu: the program returned %u, not XDP_PASS",
			 (unsigned long long)index, opts.retval);
		return -1;
	}
	return 0;
}

int cmd_replay(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "events", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		SHARED_LONG_OPTIONS,
		{ 0 },
	};
	struct loader_opts lopts = { 0 };
	struct core_opts copts = { 0 };
	struct core core = { 0 };
	struct core_view view = { 0 };
	struct sipxdp_bpf *skel;
	struct capture *cap = NULL;
	struct report r;
	const __u8 *frame;
	__u64 ts = 0, index = 0, short_frames = 0;
	__u32 len;
	bool json = false, trace = false;
	struct progress progress = { 0 };
	char err[512];
	int opt, shared, rc = 1, got;

	while ((opt = getopt_long(argc, argv, "vh", long_opts, NULL)) != -1) {
		shared = parse_shared_option(opt, optarg, &lopts, &copts);
		if (shared < 0)
			return 1;
		if (shared)
			continue;
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 'e':
			trace = true;
			break;
		case 'h':
			replay_usage(stdout);
			return 0;
		default:
			replay_usage(stderr);
			return 1;
		}
	}
	if (optind != argc - 1) {
		pr_err("replay takes one capture file\n");
		replay_usage(stderr);
		return 1;
	}

	cap = capture_open(argv[optind], err, sizeof(err));
	if (!cap) {
		pr_err("%s\n", err);
		return 1;
	}
	pr_debug("%s: link type %s, framed as Ethernet\n", argv[optind],
		 capture_linktype_name(cap));
	skel = loader_load(&lopts);
	if (!skel || core_init(&core, skel, &copts, CORE_CLOCK_FED))
		goto out;
	if (trace)
		core.trace = stderr;
	/* --events writes its lines to stderr: no progress line between them */
	progress.on = !trace && isatty(STDERR_FILENO);
	progress.start_ns = wall_ns();

	while ((got = capture_next(cap, &frame, &len, &ts, err, sizeof(err))) == 1) {
		index++;
		progress_tick(&progress, cap, index);
		if (len < ETH_HLEN) {
			short_frames++;	/* no room for a link header: cannot be run */
			continue;
		}
		if (run_frame(bpf_program__fd(core.skel->progs.sipxdp_xdp), frame, len, index,
			      err, sizeof(err))) {
			progress_end(&progress, NULL);
			pr_err("%s\n", err);
			goto out;
		}
		core_set_time(&core, ts);
		if (core_drain(&core) < 0)
			goto out;
	}
	progress_end(&progress, cap);
	if (short_frames)
		pr_warn("%llu frames shorter than an Ethernet header were skipped\n",
			(unsigned long long)short_frames);
	/* The capture's clock runs out the ACK timeout, then the report. */
	if (core_finish(&core) || core_view(&core, ts, true, &view))
		goto out;
	r = core_report(&core, &view);
	(json ? report_json : report_text)(stdout, &r);
	/* A capture cut short: the figures of what could be read, then why. */
	fflush(stdout);
	if (got < 0) {
		pr_err("%s\n", err);
		goto out;
	}
	rc = 0;
out:
	progress_end(&progress, NULL);	/* wiped before an error's message stays */
	core_view_free(&view);
	core_destroy(&core);
	capture_close(cap);
	return rc;
}
