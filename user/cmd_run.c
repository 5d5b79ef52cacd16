// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `sipxdp run`: the agent. Open -> configure -> load -> attach through
 * bpf_links where the kernel has them (user/attach.h) -> one poll() loop over
 * signalfd, timerfd, the ring buffer and the HTTP server -> detach on
 * SIGINT/SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "agent.h"
#include "attach.h"
#include "commands.h"
#include "http.h"
#include "loader.h"
#include "log.h"
#include "metrics.h"
#include "monitor.h"
#include "peers.h"
#include "report.h"
#include "snapshot.h"

#define MAX_IFACES	AGENT_MAX_IFACES
/* Events wake the agent only in batches: the tick drains what waits below a batch. */
#define TICK_MS		100

struct agent {
	struct sipxdp_bpf *skel;
	struct xdp_program *xdp;	/* only where libxdp attaches XDP */
	enum xdp_attach_mode mode;
	struct attachment ifaces[MAX_IFACES];
	int n_ifaces;
	struct monitor mon;
	struct peer_map *peers;
	unsigned int per_source_top_n;
	const char *pin_dir;
};

static void run_usage(FILE *out)
{
	fputs(
"Usage: sipxdp run [-i IFACE]... [--mode auto|native|generic] [--ports any|PORT,...]\n"
"                  [--listen ADDR:PORT] [--ack-timeout SEC] [--peers FILE]\n"
"                  [--per-source-metrics N] [--max-redirect-targets N]\n"
"                  [--max-sources N] [--ack-table N] [--pin-dir DIR] [--no-egress] [-v]\n"
"\n"
"The agent, in the foreground, logging to stderr. Attaches the XDP program to\n"
"each interface (through a bpf_link, or libxdp's dispatcher where one runs\n"
"there already) and the same parser as a TC egress program (tcx, or cls_bpf\n"
"before Linux 6.6), so the SIP this host sends is seen too; it\n"
"counts SIP responses and requests, matches INVITE 2xx with ACKs, keeps 3xx\n"
"targets, and serves Prometheus metrics. Counters live in maps pinned under\n"
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
"  --peers FILE            'CIDR NAME' lines naming peers for\n"
"                          sipxdp_peer_responses_total (default: all \"other\")\n"
"  --per-source-metrics N  export sipxdp_source_responses_total for the N busiest\n"
"                          source addresses (default 0: off)\n"
"  --max-redirect-targets N  distinct 3xx targets kept (default 1000)\n"
"  --max-sources N         (source, code) entries in the kernel's LRU map\n"
"                          (default 65536)\n"
"  --ack-table N           INVITE 2xx transactions tracked (default 16384, ~250\n"
"                          bytes each); done ones are kept one --ack-timeout to\n"
"                          recognise retransmissions, so size it to about\n"
"                          calls/s x ack-timeout; when full, done ones go first\n"
"  --pin-dir DIR           where maps are pinned (default " DEFAULT_PIN_DIR ")\n"
"  --no-egress             XDP (ingress) only: no TC egress program\n"
"  -v, --verbose           debug messages (libbpf's and libxdp's too)\n"
"\n"
"HTTP paths: /metrics (Prometheus text format); /stats, /acks and /redirects\n"
"as .json or .txt (what the CLI shows).\n"
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
 * XDP goes through a bpf_link of ours, which the kernel removes when the
 * agent exits however it exits, unless an interface already runs libxdp's
 * dispatcher: then sipxdp joins it through libxdp, which loads the object
 * itself (the program becomes an extension of the dispatcher). One load
 * serves every interface, so one such interface sends them all through
 * libxdp. TC egress goes through tcx where the kernel has it (6.6+).
 */
static int attach_all(struct agent *a, bool egress)
{
	struct bpf_object *obj = a->skel->obj;
	bool libxdp = false;
	__u32 other = 0;
	int err;

	/* Leftovers go first: what stays on an interface decides the way. */
	for (int i = 0; i < a->n_ifaces; i++) {
		struct attachment *at = &a->ifaces[i];
		int left = detach_leftovers(at->ifindex);

		if (left)
			pr_warn("%s: removed %d program(s) a previous agent left attached\n",
				at->name, left);
		switch (attach_xdp_occupant(at->ifindex, &other)) {
		case XDP_FREE:
			break;
		case XDP_DISPATCHER:
			pr_debug("%s: libxdp's dispatcher runs there: XDP through libxdp\n",
				 at->name);
			libxdp = true;
			break;
		case XDP_OTHER:
			/* Refused before loading: a load would pin fresh maps. */
			pr_err("%s: another XDP program (id %u) is attached; sipxdp shares an "
			       "interface only through libxdp's dispatcher\n", at->name, other);
			return -1;
		}
	}
	if (libxdp) {
		a->xdp = xdp_program__from_bpf_obj(obj, "xdp");
		err = libxdp_get_error(a->xdp);
		if (err) {
			a->xdp = NULL;
			pr_err("preparing the XDP program for libxdp: %s\n", strerror(-err));
			return -1;
		}
	} else if (loader_load_opened(a->skel)) {
		return -1;
	}
	for (int i = 0; i < a->n_ifaces; i++) {
		struct attachment *at = &a->ifaces[i];

		if (libxdp) {
			/* The first attach loads the object: a refusal has a verifier log. */
			err = attach_xdp_libxdp(at, a->xdp, a->mode);
			if (err) {
				loader_refused(obj);
				return -1;
			}
			if (i == 0)
				loader_loaded(obj);
		} else if (attach_xdp_link(at, bpf_program__fd(a->skel->progs.sipxdp_xdp),
					   a->mode)) {
			return -1;
		}
		if (egress && attach_tc_egress(at, bpf_program__fd(a->skel->progs.sipxdp_tc)))
			return -1;
		attach_report(at);
	}
	return 0;
}

static void detach_all(struct agent *a)
{
	for (int i = 0; i < a->n_ifaces; i++)
		attach_remove(&a->ifaces[i], a->xdp, a->mode);
}

static __u64 monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Event times are CLOCK_MONOTONIC; reports print wall-clock time. Taken per
 * request, so a clock stepped by NTP shows right. */
static __s64 clock_to_wall(void)
{
	struct timespec wall, mono;

	clock_gettime(CLOCK_REALTIME, &wall);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return (wall.tv_sec - mono.tv_sec) * 1000000000ll + (wall.tv_nsec - mono.tv_nsec);
}

static int read_snapshot(struct agent *a, struct snapshot *snap)
{
	return snapshot_read(snap, bpf_map__fd(a->skel->maps.counters),
			     bpf_map__fd(a->skel->maps.requests),
			     bpf_map__fd(a->skel->maps.responses),
			     bpf_map__fd(a->skel->maps.sources));
}

/* /stats, /acks and /redirects, each as .json (DESIGN.md's shapes) or .txt. */
static int serve_report(struct agent *a, const char *path, struct report *r, FILE *out,
			const char **type)
{
	const char *dot = strrchr(path, '.');
	bool json = dot && !strcmp(dot, ".json");
	size_t stem = dot ? (size_t)(dot - path) : 0;
	struct snapshot snap;

	if (!dot || (!json && strcmp(dot, ".txt"))) {
		fputs("not found\n", out);
		return 404;
	}
	*type = json ? "application/json" : "text/plain; charset=utf-8";
	if (!strncmp(path, "/stats", stem) && stem == 6) {
		if (read_snapshot(a, &snap))
			return 500;
		r->snap = &snap;
		(json ? report_json : report_text)(out, r);
		snapshot_free(&snap);
		return 200;
	}
	if (!strncmp(path, "/acks", stem) && stem == 5) {
		r->redirects = NULL;
		(json ? report_acks_json : report_text)(out, r);
		return 200;
	}
	if (!strncmp(path, "/redirects", stem) && stem == 10) {
		r->acks = NULL;
		(json ? report_redirects_json : report_text)(out, r);
		return 200;
	}
	fputs("not found\n", out);
	return 404;
}

static int serve(void *ctx, const char *path, FILE *out, const char **type)
{
	struct agent *a = ctx;
	const struct ack_missed *missed[ACK_DEFAULT_MISSED_KEEP];
	struct snapshot snap;
	struct ack_stats acks;
	struct report r = { .clock_to_wall_ns = clock_to_wall() };

	/* drain first: what was sent before the request is in the answer */
	monitor_drain(&a->mon);
	ack_matcher_expire(a->mon.acks, monotonic_ns());
	ack_matcher_stats(a->mon.acks, &acks);
	r.acks = &acks;
	r.n_missed = ack_matcher_missed(a->mon.acks, missed, ACK_DEFAULT_MISSED_KEEP);
	r.missed = missed;
	r.redirects = a->mon.redirects;

	if (!strcmp(path, "/metrics")) {
		struct metrics_input in = {
			.snap = &snap, .acks = &acks, .redirects = a->mon.redirects,
			.peers = a->peers, .per_source_top_n = a->per_source_top_n,
			.version = SIPXDP_VERSION,
		};

		if (read_snapshot(a, &snap))
			return 500;
		*type = "text/plain; version=0.0.4; charset=utf-8";
		metrics_write(out, &in);
		snapshot_free(&snap);
		return 200;
	}
	if (!strcmp(path, "/")) {
		*type = "text/plain; charset=utf-8";
		fputs("sipxdp agent: /metrics, and /stats /acks /redirects as .json or .txt\n",
		      out);
		return 200;
	}
	return serve_report(a, path, &r, out, type);
}

static int event_loop(struct agent *a, struct http_server *http)
{
	struct itimerspec tick = { .it_interval = { 0, TICK_MS * 1000000L },
				   .it_value = { 0, TICK_MS * 1000000L } };
	struct pollfd fds[4];
	sigset_t mask;
	int sfd, tfd, rc = -1;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (sfd < 0 || tfd < 0 || timerfd_settime(tfd, 0, &tick, NULL)) {
		pr_err("setting up signals and timer: %s\n", strerror(errno));
		goto out;
	}
	fds[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = tfd, .events = POLLIN };
	fds[2] = (struct pollfd){ .fd = monitor_fd(&a->mon), .events = POLLIN };
	fds[3] = (struct pollfd){ .fd = http_fd(http), .events = POLLIN };

	for (;;) {
		if (poll(fds, 4, -1) < 0) {
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
			/* Drain first: an ACK still in the ring must not leave its 2xx missing. */
			if (monitor_drain(&a->mon))
				goto out;
			ack_matcher_expire(a->mon.acks, monotonic_ns());
		}
		if (fds[2].revents && monitor_drain(&a->mon))
			goto out;
		if (fds[3].revents)
			http_run(http);
	}
out:
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	return rc;
}

static int add_iface(struct agent *a, const char *name)
{
	unsigned int ifindex;

	if (a->n_ifaces == MAX_IFACES) {
		pr_err("-i: at most %d interfaces\n", MAX_IFACES);
		return -1;
	}
	if (strlen(name) >= IF_NAMESIZE || !(ifindex = if_nametoindex(name))) {
		pr_err("interface '%s': %s\n", name, strerror(errno ? errno : ENODEV));
		return -1;
	}
	attach_init(&a->ifaces[a->n_ifaces++], name, ifindex);
	return 0;
}

int cmd_run(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "mode", required_argument, NULL, 'm' },
		{ "ports", required_argument, NULL, 'p' },
		{ "listen", required_argument, NULL, 'l' },
		{ "ack-timeout", required_argument, NULL, 't' },
		{ "peers", required_argument, NULL, 'P' },
		{ "per-source-metrics", required_argument, NULL, 'n' },
		{ "max-redirect-targets", required_argument, NULL, 'r' },
		{ "max-sources", required_argument, NULL, 's' },
		{ "ack-table", required_argument, NULL, 'a' },
		{ "pin-dir", required_argument, NULL, 'd' },
		{ "no-egress", no_argument, NULL, 'E' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct agent a = { .mode = XDP_MODE_UNSPEC, .pin_dir = DEFAULT_PIN_DIR };
	struct loader_opts lopts = { .with_egress = true };
	struct monitor_opts mopts = { 0 };
	struct http_server *http = NULL;
	const char *listen = DEFAULT_LISTEN, *peers_file = NULL;
	char err[512], def_iface[IF_NAMESIZE];
	__u32 ifindexes[MAX_IFACES];
	unsigned long long val;
	int opt, shared, rc = 1, lock_fd = -1, info_fd = -1;

	while ((opt = getopt_long(argc, argv, "i:vh", long_opts, NULL)) != -1) {
		shared = parse_shared_option(opt, optarg, &lopts, &mopts);
		if (shared < 0)
			return 1;
		if (shared)
			continue;
		switch (opt) {
		case 'i':
			if (add_iface(&a, optarg))
				return 1;
			break;
		case 'm':
			if (!strcmp(optarg, "auto")) {
				a.mode = XDP_MODE_UNSPEC;
			} else if (!strcmp(optarg, "native")) {
				a.mode = XDP_MODE_NATIVE;
			} else if (!strcmp(optarg, "generic")) {
				a.mode = XDP_MODE_SKB;
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
			a.per_source_top_n = val;
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
			mopts.ack_capacity = val;
			break;
		case 'd':
			a.pin_dir = optarg;
			break;
		case 'E':
			lopts.with_egress = false;
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
	if (!a.n_ifaces) {
		if (default_route_iface(def_iface)) {
			pr_err("no default route to pick an interface from: name one with -i\n");
			return 1;
		}
		if (add_iface(&a, def_iface))
			return 1;
	}
	if (peers_file) {
		a.peers = peers_load(peers_file, err, sizeof(err));
		if (!a.peers) {
			pr_err("%s\n", err);
			return 1;
		}
	}

	/* Everything that can fail without touching an interface comes first;
	 * the record of where it attaches goes in before it attaches. */
	lock_fd = pin_dir_lock(a.pin_dir);
	if (lock_fd < 0)
		goto out;
	http = http_start(listen, serve, &a);
	if (!http)
		goto out;
	for (int i = 0; i < a.n_ifaces; i++)
		ifindexes[i] = a.ifaces[i].ifindex;
	info_fd = agent_publish(a.pin_dir, listen, ifindexes, a.n_ifaces);
	if (info_fd < 0)
		goto out;
	lopts.pin_dir = a.pin_dir;
	a.skel = loader_open(&lopts);
	if (!a.skel)
		goto out;
	/* attach_all loads the object (or has libxdp load it): the ring buffer
	 * exists after */
	if (attach_all(&a, lopts.with_egress))
		goto out;
	if (monitor_init(&a.mon, bpf_map__fd(a.skel->maps.events), &mopts, true))
		goto out;
	pr_info("metrics on http://%s/metrics, maps pinned in %s\n", listen, a.pin_dir);
	rc = event_loop(&a, http) ? 1 : 0;
out:
	agent_withdraw(a.pin_dir, info_fd);
	http_stop(http);
	detach_all(&a);
	monitor_destroy(&a.mon);
	xdp_program__close(a.xdp);
	sipxdp_bpf__destroy(a.skel);
	peers_free(a.peers);
	if (lock_fd >= 0)
		close(lock_fd);
	/* A start that failed before pinning leaves no empty directory behind
	 * (rmdir refuses while the pinned counters are in it). */
	rmdir(a.pin_dir);
	return rc;
}
