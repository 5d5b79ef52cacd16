// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* sipxdp: one binary, subcommands in the style of ip(8) and bpftool(8). */
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "log.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "run", cmd_run },
	{ "unload", cmd_unload },
	{ "stats", cmd_stats },
	{ "top", cmd_top },
	{ "acks", cmd_acks },
	{ "calls", cmd_calls },
	{ "redirects", cmd_redirects },
	{ "suspects", cmd_suspects },
	{ "media", cmd_media },
	{ "replay", cmd_replay },
};

static void usage(FILE *out)
{
	fputs(
"Usage: sipxdp COMMAND [OPTIONS]\n"
"\n"
"A SIP-aware XDP monitor: counts SIP responses per source address by class and\n"
"code in the kernel, matches every INVITE 2xx with its ACK, and keeps the\n"
"targets of 3xx redirects. It only watches: no packet is dropped or changed.\n"
"\n"
"Commands:\n"
"  run        attach to interfaces and serve /metrics (the agent; foreground)\n"
"  stats      counters and per-source table of the running agent (--json, --watch)\n"
"  top        busiest sources (--by 2xx|3xx|..., -n N)\n"
"  acks       INVITE 2xx/ACK matching: matched, missing, delays, missed calls\n"
"  calls      call figures per peer: attempts, outcomes, SER/SEER/ISA/SCR, delays\n"
"  redirects  3xx Contact targets: code, URI, sender, count, last seen\n"
"  suspects   sources flagged as scanners or for failed logins, and why\n"
"  media      the RTP streams of live and recent calls: loss, jitter, MOS\n"
"  replay     run a pcap/pcapng capture through the same program and logic\n"
"  unload     detach what a crashed agent left and remove the pinned maps\n"
"\n"
"`sipxdp COMMAND --help` describes each, and sipxdp(8) all of them; the metrics\n"
"and the JSON documents are in docs/metrics.md and docs/json.md. With no\n"
"options, `sipxdp run` watches the interface of the default route, finds SIP\n"
"by content on any UDP or TCP port, and serves metrics at\n"
"http://" DEFAULT_LISTEN "/metrics.\n"
"\n"
"Options for every command:\n"
"  -h, --help      this text\n"
"  -V, --version   the version\n", out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("sipxdp %s\n", SIPXDP_VERSION);
		return 0;
	}
	log_route_libbpf();
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	pr_err("unknown command '%s' (sipxdp --help lists them)\n", argv[1]);
	return 1;
}
