// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "peers.h"

/* PEERS_MAX lines of entries fit in well under 1 MiB; the rest would be comments */
#define PEERS_FILE_MAX	(4u << 20)
#define ADDR_LEN	16	/* bytes of struct sipxdp_addr, IPv4 in the first 4 */
#define CIDR_TEXT_MAX	(INET6_ADDRSTRLEN + 4)
#define SHOWN_MAX	64		/* bytes of a bad token echoed in a message */
/* One group per (family, prefix length): /0../32 and /0../128. */
#define GROUPS_MAX	(33 + 129)

_Static_assert(sizeof(((struct sipxdp_addr *)0)->bytes) == ADDR_LEN, "address size");

struct peer_entry {
	__u8 family;
	__u8 prefix_len;
	__u8 bytes[ADDR_LEN];	/* host bits zero */
	unsigned int line;
	unsigned int id;	/* of its name: 1.. in name order (0 is "other") */
	unsigned int limits[PEER_LIMITS];	/* 0: not given on this line */
	char name[PEER_NAME_MAX];
};

/* Entries of one family and prefix length: a sorted run of `entries`. */
struct peer_group {
	__u8 family;
	__u8 prefix_len;
	unsigned int first;
	unsigned int count;
};

/*
 * Entries sorted by family, then prefix length longest first, then address,
 * so a lookup tries each length from the longest with a binary search.
 */
struct peer_map {
	struct peer_entry *entries;
	unsigned int count;
	const char **names;	/* names[id - 1], distinct, sorted */
	unsigned int name_count;
	unsigned int (*limits)[PEER_LIMITS];	/* limits[id - 1]; 0: none */
	struct peer_group groups[GROUPS_MAX];
	unsigned int group_count;
};

static void mask_bytes(__u8 *bytes, unsigned int prefix_len)
{
	unsigned int i = prefix_len / 8;

	if (prefix_len % 8)
		bytes[i++] &= (__u8)(0xff << (8 - prefix_len % 8));
	for (; i < ADDR_LEN; i++)
		bytes[i] = 0;
}

static int is_name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == ':' || ch == '-';
}

static int is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

struct token {
	const char *start;
	size_t len;
};

/* The next blank-separated token in [*p, end); len 0 when there is none. */
static struct token next_token(const char **p, const char *end)
{
	struct token t;

	while (*p < end && is_blank(**p))
		(*p)++;
	t.start = *p;
	while (*p < end && !is_blank(**p))
		(*p)++;
	t.len = (size_t)(*p - t.start);
	return t;
}

/* Where parsing is, for messages that name the origin and line. */
struct parse_ctx {
	const char *origin;
	unsigned int line;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3)))
static int parse_error(const struct parse_ctx *ctx, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	if (!ctx->errlen)
		return -1;
	snprintf(ctx->err, ctx->errlen, "%s:%u: ", ctx->origin, ctx->line);
	n = strlen(ctx->err);
	va_start(ap, fmt);
	vsnprintf(ctx->err + n, ctx->errlen - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* A token as shown in a message: at most SHOWN_MAX bytes of it. */
#define SHOWN(t)	(int)((t).len < SHOWN_MAX ? (t).len : SHOWN_MAX), (t).start

static int parse_prefix_len(const char *s, unsigned int max, unsigned int *out)
{
	unsigned int v = 0;

	if (!*s || strlen(s) > 3)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned int)(*s - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* Fills e from "a.b.c.d[/len]" or "x:y::z[/len]". */
static int parse_cidr(const struct parse_ctx *ctx, struct token t, struct peer_entry *e)
{
	char text[CIDR_TEXT_MAX + 1];
	unsigned int max, len;
	__u8 masked[ADDR_LEN];
	char *slash;

	if (t.len > CIDR_TEXT_MAX)
		return parse_error(ctx, "bad CIDR \"%.*s\"", SHOWN(t));
	memcpy(text, t.start, t.len);
	text[t.len] = 0;
	slash = strchr(text, '/');
	if (slash)
		*slash = 0;
	e->family = strchr(text, ':') ? AF_INET6 : AF_INET;
	max = e->family == AF_INET6 ? 128 : 32;
	memset(e->bytes, 0, ADDR_LEN);
	if (inet_pton(e->family, text, e->bytes) != 1)
		return parse_error(ctx, "bad CIDR \"%.*s\"", SHOWN(t));
	len = max;
	if (slash && parse_prefix_len(slash + 1, max, &len) < 0)
		return parse_error(ctx, "bad prefix length \"%s\" in \"%.*s\" (0 to %u)",
				   slash + 1, SHOWN(t), max);
	e->prefix_len = (__u8)len;
	memcpy(masked, e->bytes, ADDR_LEN);
	mask_bytes(masked, e->prefix_len);
	/* 10.1.2.3/8 is more likely a typo than a way to write 10.0.0.0/8 */
	if (memcmp(masked, e->bytes, ADDR_LEN) != 0)
		return parse_error(ctx, "bad CIDR \"%.*s\": address bits set past /%u",
				   SHOWN(t), len);
	return 0;
}

static int parse_name(const struct parse_ctx *ctx, struct token t, struct peer_entry *e)
{
	int ok = t.len < PEER_NAME_MAX;

	if (!t.len)
		return parse_error(ctx, "bad name: none after the CIDR");
	for (size_t i = 0; ok && i < t.len; i++)
		ok = is_name_char(t.start[i]);
	if (!ok)
		return parse_error(ctx, "bad name \"%.*s\" (1 to %d of A-Z a-z 0-9 _ . : -)",
				   SHOWN(t), PEER_NAME_MAX - 1);
	memcpy(e->name, t.start, t.len);
	e->name[t.len] = 0;
	return 0;
}

static const char *const limit_names[PEER_LIMITS] = {
	[PEER_LIMIT_CALLS] = "calls",
	[PEER_LIMIT_CPS] = "cps",
};

const char *peer_limit_name(enum peer_limit_kind kind)
{
	return kind < PEER_LIMITS ? limit_names[kind] : "?";
}

/* "max-calls=N" or "max-cps=N" after the name, each once, N 1..PEER_LIMIT_MAX. */
static int parse_option(const struct parse_ctx *ctx, struct token t, struct peer_entry *e)
{
	for (int k = 0; k < PEER_LIMITS; k++) {
		size_t key = strlen("max-") + strlen(limit_names[k]) + 1;
		char num[16];
		char *end;
		unsigned long v;

		if (t.len < key || strncmp(t.start, "max-", 4) ||
		    strncmp(t.start + 4, limit_names[k], key - 5) || t.start[key - 1] != '=')
			continue;
		if (e->limits[k])
			return parse_error(ctx, "max-%s given twice", limit_names[k]);
		v = 0;
		if (t.len > key && t.len - key < sizeof(num)) {
			memcpy(num, t.start + key, t.len - key);
			num[t.len - key] = 0;
			v = strtoul(num, &end, 10);
			/* digits only: strtoul would take blanks and a sign */
			if (*end || num[0] < '0' || num[0] > '9')
				v = 0;
		}
		if (!v || v > PEER_LIMIT_MAX)
			return parse_error(ctx, "bad \"%.*s\": max-%s takes a whole number from 1 to %u",
					   SHOWN(t), limit_names[k], PEER_LIMIT_MAX);
		e->limits[k] = (unsigned int)v;
		return 0;
	}
	return parse_error(ctx, "unexpected \"%.*s\" after the name (options: max-calls=N, "
			   "max-cps=N)", SHOWN(t));
}

/* One line without its comment; adds an entry unless the line is blank. */
static int parse_line(struct peer_map *m, const struct parse_ctx *ctx, const char *p,
		      const char *end)
{
	struct token cidr, name, option;
	struct peer_entry *e;

	cidr = next_token(&p, end);
	if (!cidr.len)
		return 0;
	if (m->count == PEERS_MAX)
		return parse_error(ctx, "too many entries (at most %d)", PEERS_MAX);
	e = &m->entries[m->count];
	e->line = ctx->line;
	name = next_token(&p, end);
	memset(e->limits, 0, sizeof(e->limits));
	if (parse_cidr(ctx, cidr, e) < 0 || parse_name(ctx, name, e) < 0)
		return -1;
	while ((option = next_token(&p, end)).len)
		if (parse_option(ctx, option, e) < 0)
			return -1;
	m->count++;
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct peer_entry *x = a, *y = b;
	int d;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->prefix_len != y->prefix_len)
		return x->prefix_len > y->prefix_len ? -1 : 1;
	d = memcmp(x->bytes, y->bytes, ADDR_LEN);
	if (d)
		return d;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int same_prefix(const struct peer_entry *x, const struct peer_entry *y)
{
	return x->family == y->family && x->prefix_len == y->prefix_len &&
	       memcmp(x->bytes, y->bytes, ADDR_LEN) == 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Each name's limits from its lines; two lines that disagree are an error,
 * the later one named. */
static int name_limits(struct peer_map *m, const char *origin, char *err, size_t errlen)
{
	const struct peer_entry **from;

	m->limits = calloc(m->name_count ? m->name_count : 1, sizeof(*m->limits));
	from = calloc(m->name_count ? m->name_count * PEER_LIMITS : 1, sizeof(*from));
	if (!m->limits || !from) {
		free(from);
		snprintf(err, errlen, "%s: out of memory", origin);
		return -1;
	}
	for (unsigned int i = 0; i < m->count; i++) {
		const struct peer_entry *e = &m->entries[i];

		for (int k = 0; k < PEER_LIMITS; k++) {
			const struct peer_entry **first = &from[(e->id - 1) * PEER_LIMITS + k];
			const struct peer_entry *later;

			if (!e->limits[k])
				continue;
			if (*first && (*first)->limits[k] != e->limits[k]) {
				later = (*first)->line > e->line ? *first : e;
				snprintf(err, errlen, "%s:%u: max-%s=%u for %s, which line %u gives "
					 "max-%s=%u", origin, later->line, limit_names[k],
					 later->limits[k], e->name, (later == e ? *first : e)->line,
					 limit_names[k], (later == e ? *first : e)->limits[k]);
				free(from);
				return -1;
			}
			*first = e;
			m->limits[e->id - 1][k] = e->limits[k];
		}
	}
	free(from);
	return 0;
}

/* Numbers the distinct names 1.. in name order: the kernel counts per id. */
static int name_ids(struct peer_map *m, const char *origin, char *err, size_t errlen)
{
	unsigned int n = 0;

	m->names = calloc(m->count ? m->count : 1, sizeof(*m->names));
	if (!m->names) {
		snprintf(err, errlen, "%s: out of memory", origin);
		return -1;
	}
	for (unsigned int i = 0; i < m->count; i++)
		m->names[i] = m->entries[i].name;
	qsort(m->names, m->count, sizeof(*m->names), name_cmp);
	for (unsigned int i = 0; i < m->count; i++) {
		if (!n || strcmp(m->names[n - 1], m->names[i]))
			m->names[n++] = m->names[i];
	}
	m->name_count = n;
	for (unsigned int i = 0; i < m->count; i++) {
		const char *name = m->entries[i].name;
		const char **found = bsearch(&name, m->names, n, sizeof(*m->names), name_cmp);

		m->entries[i].id = (unsigned int)(found - m->names) + 1;
	}
	return name_limits(m, origin, err, errlen);
}

/* Sorts, refuses a CIDR given twice (the earliest repeat is named), builds groups. */
static int index_entries(struct peer_map *m, const char *origin, char *err, size_t errlen)
{
	const struct peer_entry *dup = NULL, *orig = NULL;
	struct peer_group *g = NULL;
	char addr[INET6_ADDRSTRLEN];

	qsort(m->entries, m->count, sizeof(*m->entries), entry_cmp);
	for (unsigned int i = 1; i < m->count; i++) {
		if (same_prefix(&m->entries[i - 1], &m->entries[i]) &&
		    (!dup || m->entries[i].line < dup->line)) {
			dup = &m->entries[i];
			orig = &m->entries[i - 1];
		}
	}
	if (dup) {
		inet_ntop(dup->family, dup->bytes, addr, sizeof(addr));
		snprintf(err, errlen, "%s:%u: duplicate CIDR %s/%u (first on line %u)",
			 origin, dup->line, addr, dup->prefix_len, orig->line);
		return -1;
	}
	for (unsigned int i = 0; i < m->count; i++) {
		const struct peer_entry *e = &m->entries[i];

		if (!g || g->family != e->family || g->prefix_len != e->prefix_len) {
			g = &m->groups[m->group_count++];
			g->family = e->family;
			g->prefix_len = e->prefix_len;
			g->first = i;
			g->count = 0;
		}
		g->count++;
	}
	return name_ids(m, origin, err, errlen);
}

struct peer_map *peers_parse(const char *text, const char *origin, char *err, size_t errlen)
{
	const char *p = text, *end = text + strlen(text);
	struct parse_ctx ctx = { origin, 0, err, errlen };
	struct peer_map *m;

	m = calloc(1, sizeof(*m));
	if (m)
		m->entries = calloc(PEERS_MAX, sizeof(*m->entries));
	if (!m || !m->entries) {
		snprintf(err, errlen, "%s: out of memory", origin);
		goto fail;
	}
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *comment;

		if (!eol)
			eol = end;
		comment = memchr(p, '#', (size_t)(eol - p));
		ctx.line++;
		if (parse_line(m, &ctx, p, comment ? comment : eol) < 0)
			goto fail;
		p = eol + 1;
	}
	if (index_entries(m, origin, err, errlen) < 0)
		goto fail;
	return m;
fail:
	peers_free(m);
	return NULL;
}

struct peer_map *peers_load(const char *path, char *err, size_t errlen)
{
	struct peer_map *m = NULL;
	char *text;
	size_t len;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	text = malloc(PEERS_FILE_MAX + 1);
	if (!text) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	len = fread(text, 1, PEERS_FILE_MAX + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (len > PEERS_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %u MiB", path, PEERS_FILE_MAX >> 20);
		goto out;
	}
	if (memchr(text, 0, len)) {
		snprintf(err, errlen, "%s: not a text file (NUL byte)", path);
		goto out;
	}
	text[len] = 0;
	m = peers_parse(text, path, err, errlen);
out:
	free(text);
	fclose(f);
	return m;
}

void peers_free(struct peer_map *p)
{
	if (!p)
		return;
	free(p->names);
	free(p->limits);
	free(p->entries);
	free(p);
}

unsigned int peers_name_count(const struct peer_map *p)
{
	return p ? p->name_count : 0;
}

const char *peers_name(const struct peer_map *p, unsigned int id)
{
	return p && id >= 1 && id <= p->name_count ? p->names[id - 1] : "other";
}

unsigned int peers_limit(const struct peer_map *p, unsigned int id, enum peer_limit_kind kind)
{
	if (!p || !p->limits || id < 1 || id > p->name_count || kind >= PEER_LIMITS)
		return 0;
	return p->limits[id - 1][kind];
}

unsigned int peers_range_count(const struct peer_map *p)
{
	return p ? p->count : 0;
}

unsigned int peers_range(const struct peer_map *p, unsigned int i, struct sipxdp_addr *addr,
			 unsigned int *prefix_len)
{
	const struct peer_entry *e = &p->entries[i];

	memset(addr, 0, sizeof(*addr));
	addr->family = e->family;
	memcpy(addr->bytes, e->bytes, ADDR_LEN);
	*prefix_len = e->prefix_len;
	return e->id;
}

static const struct peer_entry *find_in_group(const struct peer_map *m,
					      const struct peer_group *g, const __u8 *masked)
{
	unsigned int lo = g->first, hi = g->first + g->count;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		int d = memcmp(masked, m->entries[mid].bytes, ADDR_LEN);

		if (!d)
			return &m->entries[mid];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* The entry of the longest prefix holding addr, or NULL. */
static const struct peer_entry *find_entry(const struct peer_map *p,
					   const struct sipxdp_addr *addr)
{
	__u8 masked[ADDR_LEN];

	if (!p || (addr->family != AF_INET && addr->family != AF_INET6))
		return NULL;
	for (unsigned int i = 0; i < p->group_count; i++) {
		const struct peer_group *g = &p->groups[i];
		const struct peer_entry *e;

		if (g->family != addr->family)
			continue;
		memcpy(masked, addr->bytes, ADDR_LEN);
		mask_bytes(masked, g->prefix_len);
		e = find_in_group(p, g, masked);
		if (e)
			return e;
	}
	return NULL;
}

const char *peers_lookup(const struct peer_map *p, const struct sipxdp_addr *addr)
{
	const struct peer_entry *e = find_entry(p, addr);

	return e ? e->name : "other";
}

unsigned int peers_lookup_id(const struct peer_map *p, const struct sipxdp_addr *addr)
{
	const struct peer_entry *e = find_entry(p, addr);

	return e ? e->id : 0;
}
