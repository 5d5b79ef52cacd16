// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "escape.h"
#include "log.h"
#include "monitor.h"
#include "sip_names.h"

static const char *const kind_names[] = {
	[SIPXDP_EV_INVITE_2XX] = "invite_2xx",
	[SIPXDP_EV_ACK] = "ack",
	[SIPXDP_EV_REDIRECT] = "redirect",
};

static void trace_event(FILE *out, const struct sipxdp_event *ev, __u64 now)
{
	char src[ADDR_STR_LEN], dst[ADDR_STR_LEN];

	fprintf(out, "{\"time_ns\": %llu, \"kind\": \"%s\", \"status\": %u, "
		"\"method\": \"%s\", \"cseq\": %u, \"flags\": %u, \"src\": \"%s:%u\", "
		"\"dst\": \"%s:%u\", \"call_id\": ", (unsigned long long)now,
		ev->kind <= SIPXDP_EV_REDIRECT ? kind_names[ev->kind] : "?", ev->status,
		method_name(ev->method), ev->cseq, ev->flags, format_addr(&ev->saddr, src),
		ev->sport, format_addr(&ev->daddr, dst), ev->dport);
	escape_json_string(out, ev->call_id, ev->call_id_len, SIPXDP_CALLID_LEN);
	fputs(", \"contact\": ", out);
	escape_json_string(out, ev->contact, ev->contact_len, SIPXDP_CONTACT_LEN);
	fputs("}\n", out);
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct monitor *m = ctx;
	struct sipxdp_event ev_buf;
	const struct sipxdp_event *ev = &ev_buf;
	__u64 now;

	/* Records end after their Contact bytes: copy into a whole, zeroed one. */
	if (size < SIPXDP_EVENT_SIZE(0) || size > sizeof(ev_buf))
		return 0;
	memcpy(&ev_buf, data, size);
	memset((char *)&ev_buf + size, 0, sizeof(ev_buf) - size);
	if (ev_buf.contact_len > size - SIPXDP_EVENT_SIZE(0))
		return 0;
	now = m->use_event_time ? ev->ts_ns : m->now_ns;
	if (m->trace)
		trace_event(m->trace, ev, now);
	switch (ev->kind) {
	case SIPXDP_EV_INVITE_2XX:
	case SIPXDP_EV_ACK:
		ack_matcher_feed(m->acks, ev, now);
		break;
	case SIPXDP_EV_REDIRECT:
		redirect_table_feed(m->redirects, ev, now);
		break;
	}
	return 0;
}

int monitor_init(struct monitor *m, int events_fd, const struct monitor_opts *opts,
		 bool use_event_time)
{
	struct ack_matcher_opts ack_opts = {
		.capacity = opts->ack_capacity,
		.timeout_ns = opts->ack_timeout_ns,
	};

	memset(m, 0, sizeof(*m));
	m->use_event_time = use_event_time;
	m->ack_timeout_ns = opts->ack_timeout_ns ? opts->ack_timeout_ns : ACK_DEFAULT_TIMEOUT_NS;
	m->acks = ack_matcher_new(&ack_opts);
	m->redirects = redirect_table_new(opts->max_redirect_targets);
	if (!m->acks || !m->redirects) {
		pr_err("allocating the ACK and redirect tables: %s\n", strerror(ENOMEM));
		goto fail;
	}
	m->rb = ring_buffer__new(events_fd, handle_event, m, NULL);
	if (!m->rb) {
		pr_err("opening the event ring buffer: %s\n", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	monitor_destroy(m);
	return -1;
}

void monitor_destroy(struct monitor *m)
{
	ring_buffer__free(m->rb);
	ack_matcher_free(m->acks);
	redirect_table_free(m->redirects);
	memset(m, 0, sizeof(*m));
}

int monitor_drain(struct monitor *m)
{
	int n = ring_buffer__consume(m->rb);

	if (n < 0) {
		pr_err("reading events: %s\n", strerror(-n));
		return -1;
	}
	return 0;
}

int monitor_fd(const struct monitor *m)
{
	return ring_buffer__epoll_fd(m->rb);
}
