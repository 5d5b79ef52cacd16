// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "hash.h"
#include "loader.h"
#include "log.h"
#include "pins.h"

#define VERIFIER_LOG_SIZE	(16u << 20)
#define VERIFIER_TAIL_LINES	40
/* Beside the pinned per-peer counters: the fingerprint of the peers they count. */
#define PEERS_FINGERPRINT_PIN	"peers_fingerprint"
#define WAKEUP_BYTES_MAX	(64u << 10)	/* records that wake the agent, at most */

int loader_parse_ports(const char *arg, struct loader_opts *opts)
{
	const char *p = arg;
	char *end;

	opts->nports = 0;
	if (strcmp(arg, "any") == 0)
		return 0;
	while (*p) {
		long port;

		errno = 0;
		port = strtol(p, &end, 10);
		if (errno || end == p || port < 1 || port > 65535 ||
		    (*end != ',' && *end != '\0')) {
			pr_err("--ports: '%s' is not 'any' or a list of ports (1-65535) "
			       "separated by commas\n", arg);
			return -1;
		}
		if (opts->nports == SIPXDP_MAX_PORTS) {
			pr_err("--ports: at most %d ports\n", SIPXDP_MAX_PORTS);
			return -1;
		}
		opts->ports[opts->nports++] = (__u16)port;
		p = *end ? end + 1 : end;
	}
	if (!opts->nports) {
		pr_err("--ports: empty list\n");
		return -1;
	}
	return 0;
}

/* The reason for a refusal is at the end of the log; all of it with -v. */
static void print_verifier_log(const struct bpf_program *prog, const char *log)
{
	const char *start = log + strlen(log);
	int lines = 0;

	if (!*log) {
		pr_err("program '%s': the kernel gave no verifier log\n",
		       bpf_program__name(prog));
		return;
	}
	if (log_get_level() < LOG_DEBUG) {
		while (start > log && lines <= VERIFIER_TAIL_LINES)
			if (*--start == '\n')
				lines++;
		if (start > log)
			start++;
	} else {
		start = log;
	}
	pr_err("the kernel's verifier refused program '%s'%s:\n%s\n",
	       bpf_program__name(prog),
	       start > log ? " (end of its log; -v shows all)" : "", start);
}

/*
 * What gives the per-peer counters their meaning: the names (their order
 * gives the ids) and each range with its name's id. peers.c sorts both, so
 * the order of the file's lines does not change it. A fixed seed: it must
 * come out the same at the next start.
 */
static __u64 peers_fingerprint(const struct peer_map *peers)
{
	__u32 classes = SIPXDP_CLASSES;
	__u64 h = hash_bytes(hash_start(0), &classes, sizeof(classes));

	for (unsigned int id = 1; id <= peers_name_count(peers); id++) {
		const char *name = peers_name(peers, id);

		h = hash_bytes(h, name, strlen(name) + 1);
	}
	for (unsigned int i = 0; i < peers_range_count(peers); i++) {
		struct sipxdp_addr addr;
		unsigned int prefix_len;
		__u32 range[2];

		range[0] = peers_range(peers, i, &addr, &prefix_len);
		range[1] = prefix_len;
		h = hash_bytes(h, range, sizeof(range));
		h = hash_bytes(h, &addr.family, sizeof(addr.family));
		h = hash_bytes(h, addr.bytes, sizeof(addr.bytes));
	}
	return hash_finish(h);
}

/*
 * The per-peer counters are pinned, to carry on like the others, with the
 * fingerprint of the peers they were counted for beside them. Other peers
 * (or none pinned: another version's counters) unpin the old counters, so
 * they start afresh from this load; the fingerprint is the new one's from
 * here on, also if the load fails (the next start then makes them).
 */
static int pin_peer_counters(struct bpf_map *map, const char *pin_dir,
			     const struct peer_map *peers)
{
	char counters[512], fingerprint[512];
	__u64 want = peers_fingerprint(peers), had;
	int err;

	snprintf(counters, sizeof(counters), "%s/%s", pin_dir, bpf_map__name(map));
	snprintf(fingerprint, sizeof(fingerprint), "%s/%s", pin_dir, PEERS_FINGERPRINT_PIN);
	/* The new fingerprint is pinned only once the program is attached
	 * (loader_pin_peers): a start refused before that leaves no pin. */
	if (pinned_value(fingerprint, &had, sizeof(had)) || had != want) {
		if (!unlink(counters))
			pr_info("the peers (--peers) are not those the pinned per-peer counters "
				"counted: sipxdp_peer_responses_total starts afresh\n");
		unlink(fingerprint);
	}
	err = bpf_map__set_pin_path(map, counters);
	if (err)
		pr_err("pin path %s: %s\n", counters, strerror(-err));
	return err;
}

int loader_pin_peers(const char *pin_dir, const struct peer_map *peers)
{
	char fingerprint[512];
	__u64 want = peers_fingerprint(peers), had;
	int fd;

	snprintf(fingerprint, sizeof(fingerprint), "%s/%s", pin_dir, PEERS_FINGERPRINT_PIN);
	if (!pinned_value(fingerprint, &had, sizeof(had)) && had == want)
		return 0;
	unlink(fingerprint);
	fd = pin_value(fingerprint, "sipxdp_peers_fp", &want, sizeof(want));
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/*
 * One log buffer for every program, allocated at open and owned by the
 * object until load: libbpf fills it only when the kernel refuses a program.
 */
static char *verifier_log;

struct sipxdp_bpf *loader_open(const struct loader_opts *opts)
{
	struct sipxdp_bpf *skel;
	__u32 ring;
	struct bpf_map *map;
	int err;

	skel = sipxdp_bpf__open();
	if (!skel) {
		pr_err("opening the BPF object: %s\n", strerror(errno));
		return NULL;
	}
	memcpy((void *)skel->rodata->cfg_ports, opts->ports, sizeof(opts->ports));
	skel->rodata->cfg_nports = opts->nports;
	if (opts->max_sources)
		bpf_map__set_max_entries(skel->maps.sources, opts->max_sources);
	if (opts->ringbuf_bytes)
		bpf_map__set_max_entries(skel->maps.events, opts->ringbuf_bytes);
	if (opts->max_media_streams)
		bpf_map__set_max_entries(skel->maps.media_streams, opts->max_media_streams);
	/*
	 * Wake the agent when a sixteenth of the ring waits, or WAKEUP_BYTES_MAX:
	 * records it reads that soon after they were written are still in a
	 * cache, and it drains on its tick too.
	 */
	ring = opts->ringbuf_bytes ? opts->ringbuf_bytes : SIPXDP_DEFAULT_RINGBUF_MB << 20;
	skel->rodata->cfg_wakeup_bytes = opts->wakeup_bytes ? opts->wakeup_bytes :
					 ring / 16 < WAKEUP_BYTES_MAX ? ring / 16 : WAKEUP_BYTES_MAX;
	bpf_program__set_autoload(skel->progs.sipxdp_tc, opts->with_egress);
	/* One trie entry a range (an empty trie still needs one), one row of
	 * class counters a peer name and one for "other". */
	skel->rodata->cfg_npeer_ranges = peers_range_count(opts->peers);
	bpf_map__set_max_entries(skel->maps.peer_ranges,
				 peers_range_count(opts->peers) ? peers_range_count(opts->peers) : 1);
	bpf_map__set_max_entries(skel->maps.peer_responses,
				 (peers_name_count(opts->peers) + 1) * SIPXDP_CLASSES);

	/*
	 * Only the counters are pinned: they outlive the agent, events do not,
	 * nor media streams (the agent that learned them from SDP is gone).
	 * The peer ranges are filled again at every start; the per-peer
	 * counters carry on only with the same peers (pin_peer_counters).
	 */
	if (opts->pin_dir &&
	    pin_peer_counters(skel->maps.peer_responses, opts->pin_dir, opts->peers))
		goto fail;
	bpf_object__for_each_map(map, skel->obj) {
		char path[512];

		if (!opts->pin_dir || bpf_map__is_internal(map) ||
		    map == skel->maps.scratch_map || map == skel->maps.events ||
		    map == skel->maps.media_streams ||
		    map == skel->maps.peer_ranges || map == skel->maps.peer_responses)
			continue;
		snprintf(path, sizeof(path), "%s/%s", opts->pin_dir, bpf_map__name(map));
		err = bpf_map__set_pin_path(map, path);
		if (err) {
			pr_err("pin path %s: %s\n", path, strerror(-err));
			goto fail;
		}
	}

	if (loader_capture_log(skel->obj))
		goto fail;
	return skel;
fail:
	sipxdp_bpf__destroy(skel);
	return NULL;
}

int loader_capture_log(struct bpf_object *obj)
{
	struct bpf_program *prog;

	free(verifier_log);
	verifier_log = calloc(1, VERIFIER_LOG_SIZE);
	if (!verifier_log) {
		pr_err("allocating the verifier log: %s\n", strerror(errno));
		return -1;
	}
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_log_buf(prog, verifier_log, VERIFIER_LOG_SIZE);
	return 0;
}

void loader_refused(struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		if (bpf_program__fd(prog) < 0 && bpf_program__autoload(prog) &&
		    verifier_log && *verifier_log) {
			print_verifier_log(prog, verifier_log);
			break;
		}
	}
}

void loader_loaded(struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj)
		bpf_program__set_log_buf(prog, NULL, 0);
	free(verifier_log);
	verifier_log = NULL;
}

int loader_load_opened(struct sipxdp_bpf *skel)
{
	int err = sipxdp_bpf__load(skel);

	if (err) {
		loader_refused(skel->obj);
		pr_err("loading the BPF program: %s%s\n", strerror(-err),
		       err == -EEXIST || err == -EINVAL ?
		       " (pinned maps of another version? `sipxdp unload` removes them)" : "");
		return -1;
	}
	loader_loaded(skel->obj);
	return 0;
}

struct sipxdp_bpf *loader_load(const struct loader_opts *opts)
{
	struct sipxdp_bpf *skel = loader_open(opts);

	if (!skel)
		return NULL;
	if (loader_load_opened(skel)) {
		sipxdp_bpf__destroy(skel);
		return NULL;
	}
	return skel;
}

int loader_fill_peers(struct sipxdp_bpf *skel, const struct peer_map *peers)
{
	int fd = bpf_map__fd(skel->maps.peer_ranges);

	for (unsigned int i = 0; i < peers_range_count(peers); i++) {
		struct sipxdp_peer_key key = { 0 };
		struct sipxdp_addr addr;
		unsigned int prefix_len;
		__u32 id = peers_range(peers, i, &addr, &prefix_len);

		if (addr.family == AF_INET) {
			/* ::ffff:a.b.c.d, as the program looks IPv4 up */
			key.addr[10] = key.addr[11] = 0xff;
			memcpy(&key.addr[12], addr.bytes, 4);
			prefix_len += 96;
		} else {
			memcpy(key.addr, addr.bytes, 16);
		}
		key.prefix_len = prefix_len;
		if (bpf_map_update_elem(fd, &key, &id, BPF_ANY)) {
			pr_err("loading the peer ranges: %s\n", strerror(errno));
			return -1;
		}
	}
	return 0;
}
