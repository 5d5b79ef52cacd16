// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The commands that read a running agent: `stats`, `top`, `acks`, `calls`,
 * `redirects`, and `unload`, which removes what an agent leaves behind.
 * Counters come from the pinned maps; what only the agent knows (ACK
 * matching, redirect targets) from its HTTP server, found through the
 * agent's pinned "agent" map.
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "pins.h"
#include "commands.h"
#include "http.h"
#include "log.h"
#include "report.h"
#include "sip_names.h"
#include "snapshot.h"

#define WATCH_MAX_SECONDS	3600
#define STATS_MAX_SOURCES	1000000u	/* what the agent's ?sources= takes */

struct cli_opts {
	const char *pin_dir;
	bool json;
	bool watch;
	unsigned int interval;
	int by;			/* top: class index, -1 for all */
	unsigned int n;		/* top: rows */
	unsigned int sources;	/* stats: the busiest sources listed; 0: all */
	const char *report;	/* acks, redirects, suspects, media: the agent's /REPORT.json|txt */
	bool detach_only;	/* unload: keep the pinned counters */
};

/* Which command's options parse_cli takes besides the shared ones. */
enum cli_kind {
	CLI_READ,	/* acks, calls, redirects, suspects, media */
	CLI_STATS,	/* + --sources, --all-sources */
	CLI_TOP,	/* + --by, -n */
	CLI_UNLOAD,	/* + --detach-only */
};

/* The options every reading command shares; returns 0, 1 (help shown) or -1. */
static int parse_cli(int argc, char **argv, struct cli_opts *o, const char *usage,
		     enum cli_kind kind)
{
	static const struct option long_opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "watch", no_argument, NULL, 'w' },
		{ "interval", required_argument, NULL, 'I' },
		{ "pin-dir", required_argument, NULL, 'd' },
		{ "by", required_argument, NULL, 'b' },
		{ "detach-only", no_argument, NULL, 'D' },
		{ "sources", required_argument, NULL, 'S' },
		{ "all-sources", no_argument, NULL, 'a' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	unsigned long long val;
	int opt;

	*o = (struct cli_opts){ .pin_dir = DEFAULT_PIN_DIR, .interval = 1, .by = -1, .n = 10,
				.sources = REPORT_DEFAULT_SOURCES };
	bool top = kind == CLI_TOP;

	while ((opt = getopt_long(argc, argv, top ? "n:vh" : "vh", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			o->json = true;
			break;
		case 'w':
			o->watch = true;
			break;
		case 'I':
			if (parse_count("--interval", optarg, WATCH_MAX_SECONDS, &val) || !val)
				return -1;
			o->interval = val;
			break;
		case 'd':
			o->pin_dir = optarg;
			break;
		case 'b':
			if (!top || !class_name(atoi(optarg) * 100) || strlen(optarg) != 3 ||
			    strcmp(optarg + 1, "xx")) {
				pr_err("--by: one of 1xx, 2xx, 3xx, 4xx, 5xx, 6xx\n");
				return -1;
			}
			o->by = optarg[0] - '1';
			break;
		case 'n':
			if (parse_count("-n", optarg, 1000000, &val))
				return -1;
			o->n = val;
			break;
		case 'S':
		case 'a':
			if (kind != CLI_STATS) {
				pr_err("--sources and --all-sources go with stats\n");
				return -1;
			}
			if (opt == 'a') {
				o->sources = 0;
				break;
			}
			if (parse_count("--sources", optarg, STATS_MAX_SOURCES, &val) || !val) {
				pr_err("--sources: from 1 to %u (--all-sources for every one)\n",
				       STATS_MAX_SOURCES);
				return -1;
			}
			o->sources = val;
			break;
		case 'D':
			if (kind != CLI_UNLOAD) {
				pr_err("--detach-only goes with unload\n");
				return -1;
			}
			o->detach_only = true;
			break;
		case 'v':
			log_set_level(LOG_DEBUG);
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		default:
			fputs(usage, stderr);
			return -1;
		}
	}
	if (optind != argc) {
		pr_err("unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

/* Counters from the pinned maps, for when no agent answers. */
static int read_pinned(const char *dir, struct snapshot *snap)
{
	static const char *const names[] = { "counters", "requests", "responses", "sources" };
	int fds[4], err = -1;
	size_t i;

	for (i = 0; i < 4; i++) {
		char path[512];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		fds[i] = bpf_obj_get(path);
		if (fds[i] < 0) {
			int e = errno;	/* pin_dir_hint() looks at the filesystem */

			pr_err("no sipxdp counters pinned in %s (%s): is an agent running? "
			       "(`sipxdp run`)\n%s", dir, strerror(e),
			       e == ENOENT ? pin_dir_hint(dir) : "");
			goto out;
		}
	}
	err = snapshot_read(snap, fds[0], fds[1], fds[2], fds[3], NULL);
out:
	while (i-- > 0)
		close(fds[i]);
	return err;
}

/* Prints the agent's /NAME.json or /NAME.txt, with the query `query` ("" for
 * none); -1 with a message. */
static int print_from_agent(const struct cli_opts *o, const char *name, const char *query)
{
	struct agent_info agent;
	char path[96], *body;
	size_t len;

	if (agent_lookup(o->pin_dir, &agent, true))
		return -1;
	snprintf(path, sizeof(path), "/%s.%s%s", name, o->json ? "json" : "txt", query);
	if (http_get(agent.listen, path, &body, &len))
		return -1;
	fwrite(body, 1, len, stdout);
	free(body);
	return 0;
}

static int show_stats_once(const struct cli_opts *o)
{
	struct report r = { .sources_listed = o->sources };
	struct agent_info agent;
	struct snapshot snap;
	char query[32] = "?sources=all";

	if (o->sources)
		snprintf(query, sizeof(query), "?sources=%u", o->sources);
	/* The agent has everything; without it, the pinned counters still tell. */
	if (agent_lookup(o->pin_dir, &agent, false) == 0 &&
	    print_from_agent(o, "stats", query) == 0)
		return 0;
	if (read_pinned(o->pin_dir, &snap))
		return -1;
	pr_warn("showing the pinned counters only: ACK and redirect figures need the agent\n");
	r.snap = &snap;
	(o->json ? report_json : report_text)(stdout, &r);
	snapshot_free(&snap);
	return 0;
}

static int watch(const struct cli_opts *o, int (*show)(const struct cli_opts *))
{
	if (!o->watch)
		return show(o) ? 1 : 0;
	for (;;) {
		if (!o->json)
			fputs("\033[H\033[2J", stdout);	/* clear the terminal */
		if (show(o))
			return 1;
		fflush(stdout);
		sleep(o->interval);
	}
}

/* Parses the options, then shows once, or every --interval with --watch. */
static int reading_command(int argc, char **argv, const char *usage, enum cli_kind kind,
			   const char *report, int (*show)(const struct cli_opts *))
{
	struct cli_opts o;
	int rc = parse_cli(argc, argv, &o, usage, kind);

	if (rc)
		return rc > 0 ? 0 : 1;
	o.report = report;
	return watch(&o, show);
}

/* What only the agent knows: its report, as it formats it. */
static int show_agent_report(const struct cli_opts *o)
{
	return print_from_agent(o, o->report, "");
}

static const char stats_usage[] =
"Usage: sipxdp stats [--json] [--sources N | --all-sources] [--watch [--interval SEC]]\n"
"                    [--pin-dir DIR]\n"
"\n"
"Totals (packets by result, responses by class and code, requests by method)\n"
"and the per-source table of the running agent, with its ACK matching and\n"
"redirect targets. Without an agent, the counters pinned in DIR are shown.\n"
"The per-source table lists the busiest sources only (most responses first),\n"
"and says how many there are in all (JSON: sources_total).\n"
"\n"
"  --json           the JSON document (its keys: sipxdp(8), docs/json.md)\n"
"  --sources N      list the N busiest sources (default 20; at most 1000000)\n"
"  --all-sources    list every source, in address order (under a flood of\n"
"                   spoofed addresses, up to --max-sources of them: megabytes)\n"
"  --watch          show it again every --interval seconds (default 1)\n"
"  --pin-dir DIR    the agent's pin directory (default " DEFAULT_PIN_DIR ")\n";

int cmd_stats(int argc, char **argv)
{
	return reading_command(argc, argv, stats_usage, CLI_STATS, NULL, show_stats_once);
}

static const char top_usage[] =
"Usage: sipxdp top [--by 1xx|2xx|3xx|4xx|5xx|6xx] [-n N] [--watch [--interval SEC]]\n"
"                  [--pin-dir DIR]\n"
"\n"
"The N (default 10) source addresses that sent the most SIP responses, or the\n"
"most of one class with --by, from the pinned counters.\n"
"\n"
"  --by CLASS       rank by the responses of one class (default: all)\n"
"  -n N             list N sources (default 10)\n"
"  --watch          show it again every --interval seconds (default 1)\n"
"  --pin-dir DIR    the agent's pin directory (default " DEFAULT_PIN_DIR ")\n";

static int show_top_once(const struct cli_opts *o)
{
	struct snapshot snap;

	if (read_pinned(o->pin_dir, &snap))
		return -1;
	report_top(stdout, &snap, o->by, o->n);
	snapshot_free(&snap);
	return 0;
}

int cmd_top(int argc, char **argv)
{
	return reading_command(argc, argv, top_usage, CLI_TOP, NULL, show_top_once);
}

/* The options of acks, redirects, suspects and media, the documents read from the agent. */
#define READ_OPTIONS_HELP \
"  --json           the JSON document (its keys: sipxdp(8), docs/json.md)\n" \
"  --watch          show it again every --interval seconds (default 1)\n" \
"  --pin-dir DIR    the agent's pin directory (default " DEFAULT_PIN_DIR ")\n"

static const char acks_usage[] =
"Usage: sipxdp acks [--json] [--watch [--interval SEC]] [--pin-dir DIR]\n"
"\n"
"INVITE 2xx/ACK matching of the running agent. A 2xx transaction is (Call-ID,\n"
"CSeq number, To-tag, hop), the hop being the two IP addresses the 2xx went\n"
"between: a proxy's 2xx is one transaction on each of its two hops, and each\n"
"forked 2xx (another To-tag) needs an ACK of its own. Shown: 2xx transactions,\n"
"retransmitted 2xx, matched, missing (no ACK within --ack-timeout), late (ACKed\n"
"after that) and pending, per peer too (--peers names, else \"other\"), the ACK\n"
"delay percentiles, and the most recent calls that missed their ACK: Call-ID,\n"
"CSeq, the hop's two addresses (the 2xx's sender first), its peer, time.\n"
"\n"
READ_OPTIONS_HELP;

int cmd_acks(int argc, char **argv)
{
	return reading_command(argc, argv, acks_usage, CLI_READ, "acks", show_agent_report);
}

static const char calls_usage[] =
"Usage: sipxdp calls [--json] [--watch [--interval SEC]] [--pin-dir DIR]\n"
"\n"
"The call figures of the running agent, per peer (the remote end of each hop,\n"
"named by --peers, else \"other\"), in RFC 6076's terms.\n"
"\n"
"A call is an INVITE transaction (Call-ID, CSeq number, hop) counted once\n"
"however often it is retransmitted; re-INVITEs (with a To-tag) are not calls.\n"
"Its outcome is its first final response:\n"
"  answered     2xx            redirected   3xx\n"
"  rejected     480 486 600 603 (reached, and refused)\n"
"  ineffective  408 500 503 504 cancelled    487\n"
"  failed       any other 4xx-6xx\n"
"  unanswered   no final response within 64*T1 (32 s)\n"
"An answered call is active until its BYE and the BYE's 2xx, then completed.\n"
"Ratios: SER = answered / (attempts - redirected), SEER = (answered + rejected)\n"
"/ (attempts - redirected), ISA = ineffective / attempts, SCR = completed /\n"
"attempts. Delays: setup (INVITE to the first 18x or final, SRD), answer\n"
"(INVITE to 2xx), duration (2xx to BYE), as medians. Then OPTIONS and REGISTER\n"
"per peer: sent, answered (any final response), unanswered (none in 64*T1),\n"
"and the request-to-response delay.\n"
"\n"
"  --json           the JSON document: calls, options, registers, call_table\n"
"                   (its keys: sipxdp(8), docs/json.md)\n"
"  --watch          show it again every --interval seconds (default 1)\n"
"  --pin-dir DIR    the agent's pin directory (default " DEFAULT_PIN_DIR ")\n"
"\n"
"Exit status: 0, or 1 when no agent answers (the reason is printed).\n";

int cmd_calls(int argc, char **argv)
{
	return reading_command(argc, argv, calls_usage, CLI_READ, "calls", show_agent_report);
}

static const char redirects_usage[] =
"Usage: sipxdp redirects [--json] [--watch [--interval SEC]] [--pin-dir DIR]\n"
"\n"
"Targets of 3xx responses seen by the running agent: code, Contact URI (as\n"
"sent, escaped, cut at 256 bytes), the address that sent it, count, last seen,\n"
"and how many targets did not fit the table (--max-redirect-targets).\n"
"\n"
READ_OPTIONS_HELP;

int cmd_redirects(int argc, char **argv)
{
	return reading_command(argc, argv, redirects_usage, CLI_READ, "redirects",
			       show_agent_report);
}

static const char suspects_usage[] =
"Usage: sipxdp suspects [--json] [--watch [--interval SEC]] [--pin-dir DIR]\n"
"\n"
"Sources the running agent flagged, least recently seen first: the address,\n"
"why, the evidence of each reason, the requests the kernel counts from it, the\n"
"highest request rate measured, the distinct users it tried and of those not\n"
"found, its failed logins, when it was last seen and the scanner's User-Agent\n"
"(escaped, cut at 64 bytes); then how many sources the table watches (at most\n"
"run's --max-suspects), evicted and expired (an hour unseen), and the\n"
"thresholds. Why, a letter each in the text:\n"
"  S scanner_user_agent  a known scanner's User-Agent, at its first request\n"
"  A auth_failures       --suspect-auth-failures (10) failed logins in a minute:\n"
"                        a 403, or a 401/407 to a request with credentials\n"
"  U user_enumeration    --suspect-users (50) distinct users not found (404,\n"
"                        484, 604, no answer) in ten minutes, more than half of\n"
"                        the users it tried\n"
"  F request_flood       --suspect-request-rate (20000) requests a second, as\n"
"                        the kernel counts them per source\n"
"(the thresholds are run's flags)\n"
"\n"
READ_OPTIONS_HELP;

int cmd_suspects(int argc, char **argv)
{
	return reading_command(argc, argv, suspects_usage, CLI_READ, "suspects",
			       show_agent_report);
}

static const char media_usage[] =
"Usage: sipxdp media [--json] [--watch [--interval SEC]] [--pin-dir DIR]\n"
"\n"
"The audio streams of the running agent's calls, as SDP offers and answers\n"
"negotiated them and the kernel measured them: those of live calls (the ones\n"
"negotiated longest ago first, 1000 at most), then the 64 that ended last.\n"
"Per stream: state (live, ended), the call's peer and the stream's direction\n"
"seen from it (from_peer, to_peer), where the RTP goes (the receiver's SDP\n"
"address and port), codec, packets, lost (RFC 3550: expected less received,\n"
"never below 0), the mean interarrival jitter in ms, the MOS the ITU-T G.107\n"
"E-model estimates from loss and jitter, the call's media so far (two_way;\n"
"one_way: RTP one way only for run's one-way-after seconds; none; undecided)\n"
"and its Call-ID. Figures are read from the kernel once a second.\n"
"\n"
READ_OPTIONS_HELP;

int cmd_media(int argc, char **argv)
{
	return reading_command(argc, argv, media_usage, CLI_READ, "media", show_agent_report);
}

static const char unload_usage[] =
"Usage: sipxdp unload [--detach-only] [--pin-dir DIR]\n"
"\n"
"Detaches what a crashed or killed agent of DIR left attached (its record in\n"
"DIR says where) and removes the pinned maps, and with them the counters.\n"
"Refuses while an agent runs on DIR.\n"
"\n"
"  --detach-only    detach, but keep the pinned counters for the next agent\n"
"                   (for systemd's ExecStopPost: see scripts/sipxdp.service)\n";

int cmd_unload(int argc, char **argv)
{
	struct agent_info agent;
	struct cli_opts o;
	int rc = parse_cli(argc, argv, &o, unload_usage, CLI_UNLOAD), lock_fd = -1, detached = 0;

	if (rc)
		return rc > 0 ? 0 : 1;
	rc = 1;
	if (geteuid() != 0) {
		pr_err("unload needs root\n");
		goto cleanup;
	}
	/*
	 * The lock is held until the pins are gone: released earlier, an agent
	 * starting meanwhile would take the directory, attach and publish its
	 * record, and this unload would detach that agent and remove its pins.
	 */
	if (access(o.pin_dir, F_OK) == 0) {
		lock_fd = pin_dir_lock(o.pin_dir);
		if (lock_fd < 0)
			goto cleanup;
	}
	/* A crashed agent's record says where it had attached. */
	if (agent_record(o.pin_dir, &agent) == 0) {
		for (__u32 i = 0; i < agent.n_ifindexes; i++) {
			char name[IF_NAMESIZE] = "?";
			int n = detach_leftovers(agent.ifindexes[i], o.pin_dir);

			if (n < 0)
				goto cleanup;	/* said why; the pins stay for another try */
			if (n)
				pr_info("%s: detached %d program(s)\n",
					if_indextoname(agent.ifindexes[i], name) ? name : "?", n);
			detached += n;
		}
	}
	if (o.detach_only) {
		pr_info("detached %d program(s); counters kept in %s\n", detached, o.pin_dir);
		rc = 0;
		goto cleanup;
	}
	if (pin_dir_remove(o.pin_dir))
		goto cleanup;
	pr_info("removed %s%s\n", o.pin_dir, detached ? "" : " (nothing was attached)");
	rc = 0;
cleanup:
	if (lock_fd >= 0)
		close(lock_fd);
	return rc;
}
