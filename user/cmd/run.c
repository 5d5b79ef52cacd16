// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `sipxdp run`: the agent. Open -> configure -> load -> attach through
 * bpf_links where the kernel has them (user/attach.h) -> one poll() loop over
 * signalfd, timerfd, the ring buffer and the HTTP server -> detach on
 * SIGINT/SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "attach.h"
#include "commands.h"
#include "core.h"
#include "http.h"
#include "loader.h"
#include "log.h"
#include "peers.h"
#include "pins.h"
#include "routes.h"

/*
 * Events wake the agent only in batches: the tick drains what waits below a
 * batch. It is short because a stream an SDP answer negotiates is measured
 * only once the agent has read that answer and put the stream in the
 * kernel's map: RTP right after a 200 OK or ACK loses at most a packet of
 * 20 ms audio to it.
 */
#define TICK_MS		20
/*
 * Large buffers are mapped and unmapped whole at this size and above.
 * glibc's default raises the threshold to the largest block freed so far,
 * after which every large block comes from the heap, which keeps it: the
 * agent's RSS stayed at its largest report's. A fixed threshold turns that
 * off; the two buffers a scrape needs again (the per-source rows, the
 * answer) are kept on purpose instead, and bounded.
 */
#define MMAP_THRESHOLD_BYTES	(128 * 1024)

static void run_usage(FILE *out)
{
	fputs(
"Usage: sipxdp run [-i IFACE]... [--mode auto|native|generic] [--ports any|PORT,...]\n"
"                  [--listen ADDR:PORT] [--ack-timeout SEC] [--peers FILE]\n"
"                  [--per-source-metrics N] [--max-redirect-targets N]\n"
"                  [--redirect-max-age SEC] [--max-sources N] [--ack-table N]\n"
"                  [--max-calls N] [--max-registrations N] [--ring-buffer MIB]\n"
"                  [--max-call-duration SEC] [--max-media-streams N]\n"
"                  [--one-way-after SEC] [--media-timeout SEC]\n"
"                  [--max-suspects N] [--suspect-auth-failures N]\n"
"                  [--suspect-users N] [--suspect-request-rate N]\n"
"                  [--pin-dir DIR] [--no-egress] [-v]\n"
"\n"
"The agent, in the foreground, logging to stderr. Attaches the XDP program to\n"
"each interface (through a bpf_link, or libxdp's dispatcher where one runs\n"
"there already) and the same parser as a TC egress program (tcx, or cls_bpf\n"
"before Linux 6.6), so the SIP this host sends is seen too; it\n"
"counts SIP responses and requests, matches INVITE 2xx with ACKs, tracks calls\n"
"and OPTIONS/REGISTER per peer, keeps 3xx targets and registrations, and\n"
"serves Prometheus metrics. Counters live in maps pinned under\n"
"--pin-dir, so a restarted agent carries on counting; `sipxdp unload` removes\n"
"them. SIGINT or SIGTERM detach everything and exit 0. Needs root.\n"
"\n"
"  -i, --interface IFACE   watch IFACE; repeat for more (default: the interface\n"
"                          of the default route)\n"
"  --mode MODE             XDP mode: auto (native where the driver has it, else\n"
"                          generic; default), native, or generic\n"
"  --ports LIST            count SIP only on these UDP/TCP ports (default: any;\n"
"                          SIP is found by content)\n"
"  --listen ADDR:PORT      HTTP for /metrics (default " DEFAULT_LISTEN ")\n"
"  --ack-timeout SEC       a 2xx with no ACK after SEC seconds is missing\n"
"                          (default 32, i.e. 64*T1)\n"
"  --peers FILE            'CIDR NAME [max-calls=N] [max-cps=N]' lines naming\n"
"                          peers for the per-peer metrics, with the limits of\n"
"                          sipxdp_peer_limit (default: all \"other\")\n"
"  --per-source-metrics N  export sipxdp_source_responses_total for the N busiest\n"
"                          source addresses (default 0: off)\n"
"  --max-redirect-targets N  distinct 3xx targets kept (default 1000); when\n"
"                          full, the least recently seen target not seen for a\n"
"                          minute makes room for a new one (counted in\n"
"                          sipxdp_map_evictions_total), else the new one counts\n"
"                          as overflow\n"
"  --redirect-max-age SEC  a 3xx target not seen for SEC seconds is dropped\n"
"                          (default 3600)\n"
"  --max-sources N         entries of the kernel's per-source LRU map: (source,\n"
"                          code) of responses and (source, method) of requests\n"
"                          (default 65536; evictions: sipxdp_map_evictions_total)\n"
"  --ack-table N           INVITE 2xx transactions tracked (default 16384, ~250\n"
"                          bytes each); done ones are kept one --ack-timeout to\n"
"                          recognise retransmissions, so size it to about\n"
"                          calls/s x ack-timeout; when full, done ones go first\n"
"  --max-calls N           calls tracked (default 32768, ~240 bytes each), and\n"
"                          as many OPTIONS/REGISTER transactions; a call stays\n"
"                          from its INVITE to its BYE's 2xx, so size it to the\n"
"                          calls up at once plus 64*T1 of new ones; when full,\n"
"                          finished ones go first, then the oldest active (its\n"
"                          BYE was likely missed): sipxdp_map_evictions_total\n"
"  --max-registrations N   registrations (AoR, Contact) kept (default 65536, ~300\n"
"                          bytes each); when full, the one refreshed longest\n"
"                          ago makes room (sipxdp_map_evictions_total)\n"
"  --max-suspects N        sources watched for scanning, failed logins and\n"
"                          floods (default 4096, ~400 bytes each); when full,\n"
"                          the one seen longest ago and not flagged makes\n"
"                          room, else the flagged one seen longest ago\n"
"  --suspect-auth-failures N  flag a source for auth_failures at N failed\n"
"                          logins within a minute: a 403, or a 401/407 to a\n"
"                          request that carried credentials (default 10)\n"
"  --suspect-users N       flag a source for user_enumeration when N distinct\n"
"                          users it tried within ten minutes were not found\n"
"                          (404, 484, 604, or no answer in 64*T1) and they are\n"
"                          more than half of the users it tried (default 50)\n"
"  --suspect-request-rate N  flag a source for request_flood at N requests a\n"
"                          second, counted per source in the kernel (default\n"
"                          20000; SIPp placing 3,000 calls/s sends 9,000)\n"
"  --ring-buffer MIB       MiB of events between the programs and the agent, a\n"
"                          power of two from 1 to 1024 (default 4: every\n"
"                          message of 3,000 calls/s through a proxy for about\n"
"                          a tenth of a second); a message that finds it\n"
"                          full is lost (sipxdp_events_lost_total), and what\n"
"                          was pending then is not reported as missing\n"
"  --max-call-duration SEC an answered call whose end was not seen ends after\n"
"                          SEC seconds active (default 14400, 4 h), counted in\n"
"                          sipxdp_calls_ended_unseen_total{reason=\"max_duration\"}\n"
"  --max-media-streams N   audio streams tracked from SDP offers and answers,\n"
"                          two a call (from 4 to 16777216, default 65536); when\n"
"                          full, calls still negotiating go first, then those\n"
"                          negotiated longest ago: sipxdp_map_evictions_total\n"
"  --one-way-after SEC     an answered call whose SDP expects audio both ways,\n"
"                          with RTP one way only for SEC seconds from its\n"
"                          first packet, is one_way (default 5)\n"
"  --media-timeout SEC     an answered call whose RTP flowed and then stopped\n"
"                          both ways for SEC seconds, while its SDP expects\n"
"                          audio (not on hold), ends: sipxdp_calls_ended_unseen_\n"
"                          total{reason=\"no_media\"}, or events_lost when\n"
"                          records were lost while it was up (default 60)\n"
"  --pin-dir DIR           where maps are pinned (default " DEFAULT_PIN_DIR ")\n"
"  --no-egress             XDP (ingress) only: no TC egress program\n"
"  -v, --verbose           debug messages (libbpf's and libxdp's too)\n"
"\n"
"HTTP paths: /metrics (Prometheus text format; its families: sipxdp(8),\n"
"docs/metrics.md); /stats, /acks, /calls, /redirects, /media and /suspects as\n"
".json or .txt (what the CLI shows; the JSON keys: docs/json.md).\n"
"Exit status: 0 after a signal; 1 when it cannot start (the reason is printed).\n",
	      out);
}

/* The interface of the IPv4 default route, from /proc/net/route. */
static int default_route_iface(char name[IF_NAMESIZE])
{
	FILE *f = fopen("/proc/net/route", "r");
	char line[256], ifname[IF_NAMESIZE + 1];
	unsigned long dest, mask;
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%16s %lx %*x %*x %*d %*d %*d %lx", ifname, &dest, &mask) == 3 &&
		    dest == 0 && mask == 0) {
			snprintf(name, IF_NAMESIZE, "%.*s", IF_NAMESIZE - 1, ifname);
			found = 0;
			break;
		}
	}
	fclose(f);
	return found;
}

/*
 * SIGINT and SIGTERM are blocked before anything is attached and read from
 * a signalfd: a Ctrl-C during a slow load waits for the loop, which detaches
 * everything, instead of killing the agent with its programs attached.
 */
static int block_signals(void)
{
	sigset_t mask;
	int sfd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0)
		pr_err("setting up signals: %s\n", strerror(errno));
	return sfd;
}

/* One poll() loop over the signals, the tick, the events and HTTP. */
static int event_loop(struct core *core, struct http_server *http, int sfd)
{
	struct itimerspec tick = { .it_interval = { 0, TICK_MS * 1000000L },
				   .it_value = { 0, TICK_MS * 1000000L } };
	struct pollfd fds[4];
	int tfd, more = 0, rc = -1;

	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (tfd < 0 || timerfd_settime(tfd, 0, &tick, NULL)) {
		pr_err("setting up the timer: %s\n", strerror(errno));
		goto out;
	}
	fds[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = tfd, .events = POLLIN };
	fds[2] = (struct pollfd){ .fd = core_fd(core), .events = POLLIN };
	fds[3] = (struct pollfd){ .fd = http_fd(http), .events = POLLIN };

	for (;;) {
		/* events left over from a spent budget: look again at once */
		if (poll(fds, 4, more ? 0 : http_timeout_ms(http)) < 0) {
			if (errno == EINTR)
				continue;
			pr_err("poll: %s\n", strerror(errno));
			goto out;
		}
		if (fds[0].revents) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				pr_info("%s: detaching and exiting\n", strsignal(si.ssi_signo));
			rc = 0;
			goto out;
		}
		if (fds[1].revents) {
			__u64 expirations;

			if (read(tfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
				pr_warn("timer: %s\n", strerror(errno));
			more = core_tick(core, core_monotonic_ns());
			if (more < 0)
				goto out;
		} else if (fds[2].revents || more) {
			more = core_drain(core);
			if (more < 0)
				goto out;
		}
		/* every turn: libmicrohttpd closes idle connections only when run */
		http_run(http);
	}
out:
	if (tfd >= 0)
		close(tfd);
	return rc;
}

static int add_iface(struct attach_set *set, const char *name)
{
	unsigned int ifindex;

	if (set->n_ifaces == AGENT_MAX_IFACES) {
		pr_err("-i: at most %d interfaces\n", AGENT_MAX_IFACES);
		return -1;
	}
	if (strlen(name) >= IF_NAMESIZE || !(ifindex = if_nametoindex(name))) {
		pr_err("interface '%s': %s\n", name, strerror(errno ? errno : ENODEV));
		return -1;
	}
	attach_init(&set->ifaces[set->n_ifaces++], name, ifindex);
	return 0;
}

int cmd_run(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "mode", required_argument, NULL, 'm' },
		{ "listen", required_argument, NULL, 'l' },
		{ "peers", required_argument, NULL, 'P' },
		{ "per-source-metrics", required_argument, NULL, 'n' },
		{ "max-sources", required_argument, NULL, 's' },
		{ "ack-table", required_argument, NULL, 'a' },
		{ "ring-buffer", required_argument, NULL, 'B' },
		{ "pin-dir", required_argument, NULL, 'd' },
		{ "no-egress", no_argument, NULL, 'E' },
		{ "one-way-after", required_argument, NULL, 'W' },
		{ "media-timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		SHARED_LONG_OPTIONS,
		{ 0 },
	};
	struct attach_set set = { .mode = XDP_MODE_UNSPEC };
	struct loader_opts lopts = { .with_egress = true };
	struct core_opts copts = { 0 };
	struct core core = { 0 };
	struct sipxdp_bpf *skel = NULL;
	struct http_server *http = NULL;
	const char *listen = DEFAULT_LISTEN, *peers_file = NULL, *pin_dir = DEFAULT_PIN_DIR;
	char err[512], def_iface[IF_NAMESIZE];
	__u32 ifindexes[AGENT_MAX_IFACES];
	unsigned long long val;
	int opt, shared, rc = 1, lock_fd = -1, info_fd = -1, sfd = -1;

	while ((opt = getopt_long(argc, argv, "i:vh", long_opts, NULL)) != -1) {
		shared = parse_shared_option(opt, optarg, &lopts, &copts);
		if (shared < 0)
			return 1;
		if (shared)
			continue;
		switch (opt) {
		case 'i':
			if (add_iface(&set, optarg))
				return 1;
			break;
		case 'm':
			if (!strcmp(optarg, "auto")) {
				set.mode = XDP_MODE_UNSPEC;
			} else if (!strcmp(optarg, "native")) {
				set.mode = XDP_MODE_NATIVE;
			} else if (!strcmp(optarg, "generic")) {
				set.mode = XDP_MODE_SKB;
			} else {
				pr_err("--mode: '%s' is not auto, native or generic\n", optarg);
				return 1;
			}
			break;
		case 'l':
			listen = optarg;
			break;
		case 'P':
			peers_file = optarg;
			break;
		case 'n':
			if (parse_count("--per-source-metrics", optarg, 100000, &val))
				return 1;
			copts.per_source_top_n = val;
			break;
		case 's':
			if (parse_count("--max-sources", optarg, 16u << 20, &val) || val < 64) {
				pr_err("--max-sources: from 64 to %u\n", 16u << 20);
				return 1;
			}
			lopts.max_sources = val;
			break;
		case 'a':
			if (parse_count("--ack-table", optarg, 16u << 20, &val) || val < 16) {
				pr_err("--ack-table: from 16 to %u\n", 16u << 20);
				return 1;
			}
			copts.ack_capacity = val;
			break;
		case 'B':
			if (parse_count("--ring-buffer", optarg, 1024, &val) || !val ||
			    (val & (val - 1))) {
				pr_err("--ring-buffer: a power of two from 1 to 1024 (MiB)\n");
				return 1;
			}
			lopts.ringbuf_bytes = val << 20;
			break;
		case 'd':
			pin_dir = optarg;
			break;
		case 'E':
			lopts.with_egress = false;
			break;
		case 'W':
			if (parse_seconds("--one-way-after", optarg, MEDIA_SECONDS_LIMIT_S,
					  &copts.one_way_after_ns))
				return 1;
			break;
		case 'T':
			if (parse_seconds("--media-timeout", optarg, MEDIA_SECONDS_LIMIT_S,
					  &copts.media_timeout_ns))
				return 1;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			run_usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		pr_err("unexpected argument '%s'\n", argv[optind]);
		run_usage(stderr);
		return 1;
	}
	if (strlen(listen) >= AGENT_LISTEN_MAX) {
		pr_err("--listen: '%s' is too long\n", listen);
		return 1;
	}
	if (geteuid() != 0) {
		pr_err("run needs root (CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON)\n");
		return 1;
	}
	if (!set.n_ifaces) {
		if (default_route_iface(def_iface)) {
			pr_err("no default route to pick an interface from: name one with -i\n");
			return 1;
		}
		if (add_iface(&set, def_iface))
			return 1;
	}
	if (peers_file) {
		copts.peers = peers_load(peers_file, err, sizeof(err));
		if (!copts.peers) {
			pr_err("%s\n", err);
			return 1;
		}
	}

	mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
	/* Everything that can fail without touching an interface comes first;
	 * the record of where it attaches goes in before it attaches. */
	sfd = block_signals();
	if (sfd < 0)
		goto out;
	lock_fd = pin_dir_lock(pin_dir);
	if (lock_fd < 0)
		goto out;
	http = http_start(listen, routes_serve, &core);
	if (!http)
		goto out;
	for (int i = 0; i < set.n_ifaces; i++)
		ifindexes[i] = set.ifaces[i].ifindex;
	info_fd = agent_publish(pin_dir, listen, ifindexes, set.n_ifaces);
	if (info_fd < 0)
		goto out;
	lopts.pin_dir = pin_dir;
	set.pin_dir = pin_dir;
	lopts.peers = copts.peers;
	skel = loader_open(&lopts);
	if (!skel)
		goto out;
	/* attaching loads the object (or has libxdp load it): the ring buffer
	 * exists after */
	if (attach_set_attach(&set, skel, lopts.with_egress) ||
	    loader_pin_peers(pin_dir, lopts.peers))
		goto out;
	rc = core_init(&core, skel, &copts, CORE_CLOCK_EVENTS);
	skel = NULL;		/* the core's now, also when it failed */
	copts.peers = NULL;
	if (rc)
		goto out;
	pr_info("metrics on http://%s/metrics, maps pinned in %s\n", listen, pin_dir);
	rc = event_loop(&core, http, sfd) ? 1 : 0;
out:
	agent_withdraw(pin_dir, info_fd);
	http_stop(http);
	attach_set_remove(&set);
	core_destroy(&core);
	sipxdp_bpf__destroy(skel);
	peers_free(copts.peers);
	if (lock_fd >= 0)
		close(lock_fd);
	if (sfd >= 0)
		close(sfd);
	/* A start that failed before pinning leaves no empty directory behind
	 * (rmdir refuses while the pinned counters are in it). */
	rmdir(pin_dir);
	return rc;
}
