/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The in-process filtering resolver.
 *
 * Theory of operation: queries reach us as frames the filter marked
 * SF_VERDICT_DNS: UDP datagrams are answered with UDP frames we build, TCP
 * segments go to a minimal TCP responder (slirp-filter/tcp-responder.c).
 * Every query is checked by the DNS core first: a name the policy does not
 * allow is answered here and never leaves the process. An allowed name is
 * answered from the cache when possible (its addresses re-armed in the
 * learned table every time): the common query for a cached name by the
 * core's fast path (sf_dns_fast_answer: a stored reply patched, no ldns, no
 * allocation), any other by the slow path (sf_dns_query_check, then
 * sf_dns_cache_lookup), which decides alone whenever the fast path
 * declines. Otherwise the query is sent to an upstream from one
 * non-blocking UDP socket per family, under a fresh random id. An upstream
 * datagram counts only if it comes from the upstream the query went to
 * and the core accepts it as the answer (id, question): anything else
 * changes nothing. The addresses of an accepted answer are learned before
 * the answer is written to the guest, so the guest cannot connect before
 * the address is open. A truncated upstream answer is fetched again over
 * TCP. Each try waits RESOLVER_TRY_MS; after RESOLVER_TRIES (rotating
 * through the upstreams) the guest gets SERVFAIL: a dead upstream costs a
 * bounded wait and never blocks the loop. Upstreams are the policy's, or
 * the host's resolv.conf (loopback stubs such as 127.0.0.53 work because
 * this process lives in the host's namespace), as the daemon's upstream
 * set says at the moment of sending (src/upstreams.c re-reads the files
 * and protects every upstream before the resolver may use it); no answer
 * may point at one of them either (local_nets).
 */
#include "config.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "audit-log.h"
#include "daemon.h"
#include "resolver.h"
#include "slirp-filter/audit.h"
#include "slirp-filter/dns.h"
#include "slirp-filter/tcp-responder.h"

typedef struct {
	bool used;
	uint16_t id;           /* the id sent upstream */
	SfDnsQuery q;
	/* the client */
	bool client_tcp;
	uint32_t conn;         /* TCP: the responder's connection */
	SfAddr csrc, cdst;     /* UDP: guest address, DNS address */
	uint16_t csport;
	uint8_t cmac[6], smac[6];
	/* the upstream side */
	unsigned upstream;
	unsigned tries;
	int64_t deadline_ms;
	int tcp_fd;            /* >= 0 while asking over TCP (only meaningful while used) */
	int16_t dl_prev, dl_next; /* in Resolver's deadline list; -1: none */
	SfDnsStream *tcp_stream;
	uint8_t *tcp_out;
	size_t tcp_out_len, tcp_out_off;
} Pending;

struct Resolver {
	Daemon *d;
	SfDnsCache *cache;
	SfDnsCounters counters;
	uint64_t unsolicited, servfail_timeouts, pending_full, learn_failed;
	int fd4, fd6;
	Pending pending[RESOLVER_PENDING_MAX];
	/* the bookkeeping that keeps every operation on the pending table O(1):
	 * free slots (a stack), used slots by upstream id (slot + 1; 0: none),
	 * used slots in deadline order (every deadline set is now + a constant,
	 * or now: appended at the tail or the head), and how many ask over TCP */
	uint16_t free_slots[RESOLVER_PENDING_MAX];
	unsigned n_free;
	uint16_t by_id[65536];
	int dl_head, dl_tail;
	unsigned n_tcp;
	SfTcpResponder *tcp;
	/* no answer may point here: the slirp networks, then every known upstream */
	SfCidr local_nets[2 + SF_UPSTREAMS_KNOWN_MAX];
	unsigned n_local_nets;
	/* what the last fill appended, for dispatch */
	int fill_fd4, fill_fd6;
	unsigned fill_tcp[RESOLVER_PENDING_MAX];
	unsigned fill_ntcp;
	uint8_t in[SF_DNS_MSG_MAX + 2];
	uint8_t out[SF_DNS_MSG_MAX + 2];
	uint8_t frame[14 + 40 + 8 + SF_DNS_MSG_MAX];
};

static void tap_emit(const uint8_t *frame, size_t len, void *user)
{
	Resolver *res = user;

	daemon_tap_write(res->d, frame, len);
}

static void on_tcp_message(uint32_t conn, const uint8_t *msg, size_t len, void *user);

/* The upstream the resolver asks for try @i (NULL when there is none). */
static const SfUpstream *upstream_at(const Resolver *res, unsigned i)
{
	const SfUpstreamSet *set = &res->d->upstreams;

	return set->n_use > 0 ? &set->use[i % set->n_use] : NULL;
}

void resolver_upstreams_changed(Resolver *res)
{
	const SfUpstreamSet *set = &res->d->upstreams;

	/* the host's resolvers are never a public name's answer (DNS rebinding) */
	res->n_local_nets = 2;
	for (unsigned i = 0; i < set->n_known && res->n_local_nets < G_N_ELEMENTS(res->local_nets); i++)
		res->local_nets[res->n_local_nets++] = (SfCidr){ .prefix = set->known[i].addr, .len = 128 };
}

Resolver *resolver_new(Daemon *d)
{
	Resolver *res = g_new0(Resolver, 1);
	const SfNetLayout *l = &d->opts->layout;
	unsigned mss;

	res->d = d;
	res->fd4 = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	res->fd6 = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (res->fd4 < 0 && res->fd6 < 0) {
		g_critical("DNS: cannot open an upstream socket: %s", g_strerror(errno));
		g_free(res);
		return NULL;
	}
	/* pending slots stay untouched (not resident) until used: tcp_fd and
	 * the rest mean something only while p->used */
	for (unsigned i = 0; i < RESOLVER_PENDING_MAX; i++)
		res->free_slots[i] = (uint16_t)(RESOLVER_PENDING_MAX - 1 - i);
	res->n_free = RESOLVER_PENDING_MAX;
	res->dl_head = res->dl_tail = -1;
	res->cache = sf_dns_cache_new(SF_DNS_CACHE_DEFAULT);
	/* the guest's MTU bounds our segments: minus IPv6 and TCP headers with options */
	mss = d->opts->mtu > 100 ? d->opts->mtu - 64 : 536;
	res->tcp = sf_tcp_responder_new((uint16_t)MIN(mss, 65000u), tap_emit, on_tcp_message, res);
	sf_addr_from_ipv4(&res->local_nets[0].prefix, (const uint8_t *)&l->network.s_addr);
	res->local_nets[0].len = (uint8_t)(96 + l->prefix);
	memcpy(res->local_nets[1].prefix.b, l->prefix6.s6_addr, 16);
	res->local_nets[1].len = (uint8_t)l->prefix6_len;
	resolver_upstreams_changed(res);
	return res;
}

static void dl_unlink(Resolver *res, Pending *p)
{
	if (p->dl_prev >= 0)
		res->pending[p->dl_prev].dl_next = p->dl_next;
	else
		res->dl_head = p->dl_next;
	if (p->dl_next >= 0)
		res->pending[p->dl_next].dl_prev = p->dl_prev;
	else
		res->dl_tail = p->dl_prev;
	p->dl_prev = p->dl_next = -1;
}

/*
 * Links @p (not in the list) by its deadline: from the tail, which is where
 * it goes unless its deadline is now; a deadline before the head's (a new
 * slot, due now) goes first without walking past every outstanding query.
 */
static void dl_insert(Resolver *res, Pending *p)
{
	int16_t i = (int16_t)(p - res->pending), after = (int16_t)res->dl_tail;

	if (res->dl_head >= 0 && res->pending[res->dl_head].deadline_ms > p->deadline_ms)
		after = -1; /* the list is in order: every entry is later */
	while (after >= 0 && res->pending[after].deadline_ms > p->deadline_ms)
		after = res->pending[after].dl_prev;
	p->dl_prev = after;
	p->dl_next = (int16_t)(after >= 0 ? res->pending[after].dl_next : res->dl_head);
	if (after >= 0)
		res->pending[after].dl_next = i;
	else
		res->dl_head = i;
	if (p->dl_next >= 0)
		res->pending[p->dl_next].dl_prev = i;
	else
		res->dl_tail = i;
}

/* Sets @p's deadline, keeping the list in deadline order. */
static void deadline_set(Resolver *res, Pending *p, int64_t at_ms)
{
	dl_unlink(res, p);
	p->deadline_ms = at_ms;
	dl_insert(res, p);
}

/* A free slot, in the deadline list (due at @now_ms until a deadline is set); NULL if none. */
static Pending *pending_alloc(Resolver *res, int64_t now_ms)
{
	Pending *p;

	if (res->n_free == 0)
		return NULL;
	p = &res->pending[res->free_slots[--res->n_free]];
	p->used = true;
	p->tcp_fd = -1;
	p->deadline_ms = now_ms;
	dl_insert(res, p);
	return p;
}

static void pending_free(Resolver *res, Pending *p)
{
	if (!p->used)
		return;
	if (p->tcp_fd >= 0) {
		close(p->tcp_fd);
		res->n_tcp--;
	}
	g_clear_pointer(&p->tcp_stream, sf_dns_stream_free);
	g_clear_pointer(&p->tcp_out, g_free);
	dl_unlink(res, p);
	if (res->by_id[p->id] == (uint16_t)(p - res->pending) + 1)
		res->by_id[p->id] = 0;
	res->free_slots[res->n_free++] = (uint16_t)(p - res->pending);
	memset(p, 0, sizeof(*p));
	p->tcp_fd = -1;
}

void resolver_free(Resolver *res)
{
	if (res == NULL)
		return;
	for (unsigned i = 0; i < RESOLVER_PENDING_MAX; i++)
		pending_free(res, &res->pending[i]);
	if (res->fd4 >= 0)
		close(res->fd4);
	if (res->fd6 >= 0)
		close(res->fd6);
	sf_dns_cache_free(res->cache);
	sf_tcp_responder_free(res->tcp);
	g_free(res);
}

/* ---- answering the guest ---- */

typedef struct {
	bool tcp;
	uint32_t conn;
	const SfAddr *guest, *dns;
	uint16_t gport;
	const uint8_t *gmac, *smac;
} Client;

static void client_send(Resolver *res, const Client *c, const uint8_t *msg, size_t len, int64_t now_ms)
{
	size_t n;

	if (c->tcp) {
		sf_tcp_responder_reply(res->tcp, c->conn, msg, len, now_ms);
		return;
	}
	n = sf_reply_udp(c->smac, c->gmac, c->dns, c->guest, 53, c->gport, msg, len, res->frame,
			 sizeof(res->frame));
	if (n > 0)
		tap_emit(res->frame, n, res);
}

static Client pending_client(const Pending *p)
{
	return (Client){ .tcp = p->client_tcp, .conn = p->conn, .guest = &p->csrc, .dns = &p->cdst,
			 .gport = p->csport, .gmac = p->cmac, .smac = p->smac };
}

static void audit_query(Resolver *res, const SfDnsQuery *q, const char *verdict, const char *reason,
			int32_t rule, const SfDnsAnswer *ans, int64_t now_ms)
{
	SfAuditLine line;
	char type[16], ref[512], a[48];

	if (!audit_log_admit_dns(res->d->audit, res->d->policy, verdict, reason, rule,
				 q->norm[0] != '\0' ? q->norm : q->name, q->qtype, now_ms))
		return; /* rate-limited: summarized, not formatted */
	sf_audit_begin(&line, g_get_real_time(), "dns");
	sf_audit_str(&line, "verdict", verdict);
	sf_audit_str(&line, "reason", reason);
	if (rule >= 0)
		sf_audit_str(&line, "rule", sf_audit_rule_ref(res->d->policy, rule, ref, sizeof(ref)));
	sf_audit_str(&line, "name", q->norm[0] != '\0' ? q->norm : q->name);
	sf_audit_str(&line, "qtype", sf_dns_type_name(q->qtype, type, sizeof(type)));
	if (ans != NULL && ans->n_stripped > 0) {
		sf_audit_int(&line, "stripped", ans->n_stripped);
		sf_audit_str(&line, "stripped-first",
			     sf_addr_to_string(&ans->stripped[0].addr, a, sizeof(a)));
		sf_audit_str(&line, "stripped-why", ans->stripped[0].what);
	}
	if (ans != NULL && ans->denied_name[0] != '\0')
		sf_audit_str(&line, "cname", ans->denied_name);
	sf_audit_str(&line, "mode", res->d->policy->mode == SF_MODE_AUDIT ? "audit" : "enforce");
	audit_log_write(res->d->audit, sf_audit_end(&line), false, now_ms);
}

/* Learns, audits and sends a processed answer (upstream or cache). */
static void deliver(Resolver *res, const Client *c, const SfDnsQuery *q, SfDnsAnswer *ans,
		    int64_t now_ms)
{
	sf_dns_counters_answer(&res->counters, ans->result, ans);
	/* the addresses are open before the guest can read them */
	res->learn_failed += sf_dns_answer_learn(ans, q, res->d->learned, now_ms);
	if (ans->reason == SF_DNS_REASON_CNAME_DENIED)
		audit_query(res, q, "deny", sf_dns_reason_name(ans->reason), ans->rule, ans, now_ms);
	else if (ans->n_stripped > 0)
		audit_query(res, q, "strip", "rebinding", -1, ans, now_ms);
	else if (q->reason != SF_DNS_REASON_NONE) /* audit mode let a refused name through */
		audit_query(res, q, "audit-deny", sf_dns_reason_name(q->reason), q->deny_rule, ans, now_ms);
	client_send(res, c, ans->reply, ans->reply_len, now_ms);
}

/* ---- upstream I/O ---- */

static socklen_t upstream_sockaddr(const SfUpstream *u, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (sf_addr_is_ipv4(&u->addr)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(u->port);
		memcpy(&sin->sin_addr, u->addr.b + 12, 4);
		return sizeof(*sin);
	}
	{
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(u->port);
		memcpy(&sin6->sin6_addr, u->addr.b, 16);
		return sizeof(*sin6);
	}
}

/* Sends @p's query to its current upstream over UDP; FALSE if it could not be sent. */
static bool upstream_send(Resolver *res, Pending *p, int64_t now_ms)
{
	const SfUpstream *u = upstream_at(res, p->upstream);
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;
	size_t len;

	deadline_set(res, p, now_ms + RESOLVER_TRY_MS);
	if (u == NULL)
		return false;
	sl = upstream_sockaddr(u, &ss);
	fd = sf_addr_is_ipv4(&u->addr) ? res->fd4 : res->fd6;
	if (fd < 0 || !sf_dns_upstream_query(&p->q, p->id, res->out, sizeof(res->out), &len))
		return false;
	return sendto(fd, res->out, len, 0, (struct sockaddr *)&ss, sl) == (ssize_t)len;
}

/* Asks the upstream again over TCP (its UDP answer was truncated). */
static bool upstream_tcp_start(Resolver *res, Pending *p, int64_t now_ms)
{
	const SfUpstream *u = upstream_at(res, p->upstream);
	struct sockaddr_storage ss;
	socklen_t sl;
	size_t len;
	int fd;

	if (u == NULL)
		return false;
	sl = upstream_sockaddr(u, &ss);
	if (!sf_dns_upstream_query(&p->q, p->id, res->out, sizeof(res->out), &len))
		return false;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
		close(fd);
		return false;
	}
	p->tcp_fd = fd;
	res->n_tcp++;
	p->tcp_out = sf_dns_stream_frame(res->out, len, &p->tcp_out_len);
	p->tcp_out_off = 0;
	p->tcp_stream = sf_dns_stream_new();
	deadline_set(res, p, now_ms + RESOLVER_TRY_MS);
	return p->tcp_out != NULL;
}

static void pending_fail(Resolver *res, Pending *p, int64_t now_ms)
{
	Client c = pending_client(p);
	size_t len;

	res->servfail_timeouts++;
	res->counters.by_reason[SF_DNS_REASON_UPSTREAM_FAILED]++;
	audit_query(res, &p->q, "servfail", sf_dns_reason_name(SF_DNS_REASON_UPSTREAM_FAILED), -1,
		    NULL, now_ms);
	if (sf_dns_reply_servfail(&p->q, res->out, sizeof(res->out), &len))
		client_send(res, &c, res->out, len, now_ms);
	pending_free(res, p);
}

/* An upstream's bytes for @p (UDP datagram or a whole TCP message). */
static void pending_answer(Resolver *res, Pending *p, const uint8_t *msg, size_t len, int64_t now_ms)
{
	g_auto(SfDnsAnswer) ans = { 0 };
	Client c = pending_client(p);
	SfDnsAnswerResult r;

	r = sf_dns_answer_process(msg, len, &p->q, p->id, res->d->policy, res->local_nets,
				  res->n_local_nets, now_ms, &ans);
	if (r == SF_DNS_ANSWER_IGNORE) {
		res->unsolicited++;
		sf_dns_counters_answer(&res->counters, r, &ans);
		return;
	}
	if (r == SF_DNS_ANSWER_RETRY_TCP && p->tcp_fd < 0 && upstream_tcp_start(res, p, now_ms)) {
		sf_dns_counters_answer(&res->counters, r, &ans);
		return;
	}
	if (r == SF_DNS_ANSWER_REPLY && ans.cache_ttl > 0)
		sf_dns_cache_insert(res->cache, &p->q, &ans);
	deliver(res, &c, &p->q, &ans, now_ms);
	pending_free(res, p);
}

static Pending *pending_by_id(Resolver *res, uint16_t id)
{
	unsigned at = res->by_id[id];
	Pending *p = at > 0 ? &res->pending[at - 1] : NULL;

	return p != NULL && p->used && p->id == id && p->tcp_fd < 0 ? p : NULL;
}

static bool from_upstream(const Resolver *res, const Pending *p, const struct sockaddr_storage *ss)
{
	const SfUpstream *u = upstream_at(res, p->upstream);
	struct sockaddr_storage want;

	if (u == NULL)
		return false;
	upstream_sockaddr(u, &want);
	if (ss->ss_family != want.ss_family)
		return false;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss, *b = (const void *)&want;

		return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
	}
	{
		const struct sockaddr_in6 *a = (const void *)ss, *b = (const void *)&want;

		return a->sin6_port == b->sin6_port &&
		       memcmp(&a->sin6_addr, &b->sin6_addr, 16) == 0;
	}
}

static void udp_read(Resolver *res, int fd, int64_t now_ms)
{
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		ssize_t n = recvfrom(fd, res->in, sizeof(res->in), 0, (struct sockaddr *)&ss, &sl);
		Pending *p;

		if (n < 0)
			return;
		if (n < 2) {
			res->unsolicited++;
			continue;
		}
		p = pending_by_id(res, (uint16_t)(res->in[0] << 8 | res->in[1]));
		/* only the upstream it was sent to may answer it */
		if (p == NULL || !from_upstream(res, p, &ss)) {
			res->unsolicited++;
			continue;
		}
		pending_answer(res, p, res->in, (size_t)n, now_ms);
	}
}

static void tcp_progress(Resolver *res, Pending *p, short revents, int64_t now_ms)
{
	if (revents & (POLLERR | POLLHUP | POLLNVAL) && !(revents & POLLIN)) {
		pending_fail(res, p, now_ms);
		return;
	}
	while (p->tcp_out_off < p->tcp_out_len) {
		ssize_t n = send(p->tcp_fd, p->tcp_out + p->tcp_out_off, p->tcp_out_len - p->tcp_out_off,
				 MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN)
				return;
			pending_fail(res, p, now_ms);
			return;
		}
		p->tcp_out_off += (size_t)n;
	}
	for (;;) {
		ssize_t n = recv(p->tcp_fd, res->in, sizeof(res->in), 0);
		const uint8_t *data = res->in, *msg;
		size_t left, mlen;

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				pending_fail(res, p, now_ms);
			return;
		}
		if (n == 0) {
			pending_fail(res, p, now_ms);
			return;
		}
		left = (size_t)n;
		switch (sf_dns_stream_feed(p->tcp_stream, &data, &left, &msg, &mlen)) {
		case SF_DNS_STREAM_MESSAGE:
			pending_answer(res, p, msg, mlen, now_ms);
			if (p->used) /* ignored: the upstream sent something else */
				pending_fail(res, p, now_ms);
			return;
		case SF_DNS_STREAM_ERROR:
			pending_fail(res, p, now_ms);
			return;
		case SF_DNS_STREAM_MORE:
			break;
		}
	}
}

static void timers_run(Resolver *res, int64_t now_ms)
{
	/* the list is in deadline order: only the due ones are looked at */
	while (res->dl_head >= 0 && res->pending[res->dl_head].deadline_ms <= now_ms) {
		Pending *p = &res->pending[res->dl_head];

		if (p->tcp_fd >= 0 || ++p->tries >= RESOLVER_TRIES || res->d->upstreams.n_use == 0) {
			pending_fail(res, p, now_ms);
			continue;
		}
		p->upstream++; /* the next upstream, if there are several */
		if (!upstream_send(res, p, now_ms))
			pending_fail(res, p, now_ms);
	}
}

/* ---- queries from the guest ---- */

/* A random id no pending query uses (there are at most 256 of 65536). */
static uint16_t fresh_id(Resolver *res)
{
	for (;;) {
		uint16_t id = (uint16_t)g_random_int_range(0, 65536);

		if (res->by_id[id] == 0)
			return id;
	}
}

/* What a UDP answer may occupy: the tap's MTU less IPv6 and UDP headers (never below DNS's 512). */
static unsigned udp_cap(const Resolver *res)
{
	/* (an MTU too small for 512 is the user's choice; no wrap) */
	return MAX(res->d->opts->mtu, 560u) - 48u;
}

/* The slow path: every query the fast path declined. */
static void query_slow(Resolver *res, const Client *c, const uint8_t *msg, size_t len,
		       int64_t now_ms)
{
	g_auto(SfDnsAnswer) ans = { 0 };
	SfDnsQuery q;
	SfDnsVerdict v;
	size_t rlen = 0;
	Pending *p = NULL;

	v = sf_dns_query_check(msg, len, c->tcp, res->d->policy, &q, res->out, sizeof(res->out), &rlen);
	sf_dns_counters_query(&res->counters, v, &q);
	if (v == SF_DNS_QUERY_DROP) {
		if (c->tcp) /* the responder counts the queries it still owes an answer */
			sf_tcp_responder_reply(res->tcp, c->conn, NULL, 0, now_ms);
		return;
	}
	if (v == SF_DNS_QUERY_REFUSE) {
		/* never sent upstream */
		audit_query(res, &q, "deny", sf_dns_reason_name(q.reason), q.deny_rule, NULL, now_ms);
		client_send(res, c, res->out, rlen, now_ms);
		return;
	}
	/* a UDP answer must fit the tap's MTU as well as the client's buffer */
	if (!c->tcp)
		q.udp_size = (uint16_t)MIN((unsigned)q.udp_size, udp_cap(res));
	if (sf_dns_cache_lookup(res->cache, &q, res->d->policy, now_ms, &ans)) {
		deliver(res, c, &q, &ans, now_ms); /* counts the hit (ans.from_cache) */
		return;
	}
	if (res->d->upstreams.n_use > 0)
		p = pending_alloc(res, now_ms);
	if (p == NULL) {
		if (res->d->upstreams.n_use > 0)
			res->pending_full++;
		if (sf_dns_reply_servfail(&q, res->out, sizeof(res->out), &rlen))
			client_send(res, c, res->out, rlen, now_ms);
		return;
	}
	p->id = fresh_id(res);
	res->by_id[p->id] = (uint16_t)(p - res->pending) + 1;
	p->q = q;
	p->client_tcp = c->tcp;
	p->conn = c->conn;
	if (!c->tcp) {
		p->csrc = *c->guest;
		p->cdst = *c->dns;
		p->csport = c->gport;
		memcpy(p->cmac, c->gmac, 6);
		memcpy(p->smac, c->smac, 6);
	}
	p->upstream = 0; /* the first upstream first, as resolv.conf means it */
	p->tries = 0;
	if (!upstream_send(res, p, now_ms))
		deadline_set(res, p, now_ms); /* the timer tries the next one */
}

static void query(Resolver *res, const Client *c, const uint8_t *msg, size_t len, int64_t now_ms)
{
	SfDnsFastHit hit;

	/* a cached allowed name: learned, counted, no audit record (as on the slow path) */
	if (sf_dns_fast_answer(res->cache, msg, len, c->tcp, udp_cap(res), res->d->policy,
			       res->d->learned, now_ms, res->out, sizeof(res->out), &hit)) {
		sf_dns_counters_fast(&res->counters, &hit);
		client_send(res, c, res->out, hit.reply_len, now_ms);
		return;
	}
	query_slow(res, c, msg, len, now_ms);
}

/* The responder reassembled one query on TCP connection @conn. */
static void on_tcp_message(uint32_t conn, const uint8_t *msg, size_t len, void *user)
{
	Resolver *res = user;
	Client c = { .tcp = true, .conn = conn };

	query(res, &c, msg, len, daemon_now_ms());
}

void resolver_frame(Resolver *res, const uint8_t *frame, size_t len, const SfPacket *pkt,
		    int64_t now_ms)
{
	if (pkt->proto == IPPROTO_TCP) {
		sf_tcp_responder_input(res->tcp, frame, len, pkt, now_ms);
	} else {
		Client c = { .tcp = false, .guest = &pkt->src, .dns = &pkt->dst, .gport = pkt->sport,
			     .gmac = pkt->src_mac, .smac = pkt->dst_mac };

		/* payload bounds come from the parser: inside the frame and the UDP length */
		query(res, &c, frame + pkt->payload_offset, pkt->payload_len, now_ms);
	}
}

int resolver_fill(Resolver *res, struct pollfd *fds, int max, int64_t now_ms, int *timeout_ms)
{
	int n = 0, t;

	timers_run(res, now_ms);
	res->fill_fd4 = res->fill_fd6 = -1;
	res->fill_ntcp = 0;
	if (res->fd4 >= 0 && n < max) {
		res->fill_fd4 = n;
		fds[n++] = (struct pollfd){ .fd = res->fd4, .events = POLLIN };
	}
	if (res->fd6 >= 0 && n < max) {
		res->fill_fd6 = n;
		fds[n++] = (struct pollfd){ .fd = res->fd6, .events = POLLIN };
	}
	if (res->dl_head >= 0) {
		int64_t left = MAX(res->pending[res->dl_head].deadline_ms - now_ms, 0);

		if (*timeout_ms < 0 || left < *timeout_ms)
			*timeout_ms = (int)left;
	}
	/* the queries asking over TCP (rare: truncated answers) */
	for (int i = res->n_tcp > 0 ? res->dl_head : -1; i >= 0; i = res->pending[i].dl_next) {
		Pending *p = &res->pending[i];

		if (p->tcp_fd >= 0 && n < max) {
			fds[n++] = (struct pollfd){ .fd = p->tcp_fd,
						    .events = p->tcp_out_off < p->tcp_out_len ? POLLOUT : POLLIN };
			res->fill_tcp[res->fill_ntcp++] = i;
		}
	}
	t = sf_tcp_responder_timers(res->tcp, now_ms);
	if (t >= 0 && (*timeout_ms < 0 || t < *timeout_ms))
		*timeout_ms = t;
	return n;
}

void resolver_dispatch(Resolver *res, const struct pollfd *fds, int n, int64_t now_ms)
{
	if (res->fill_fd4 >= 0 && res->fill_fd4 < n && (fds[res->fill_fd4].revents & POLLIN))
		udp_read(res, res->fd4, now_ms);
	if (res->fill_fd6 >= 0 && res->fill_fd6 < n && (fds[res->fill_fd6].revents & POLLIN))
		udp_read(res, res->fd6, now_ms);
	for (unsigned k = 0; k < res->fill_ntcp; k++) {
		int idx = (res->fill_fd4 >= 0) + (res->fill_fd6 >= 0) + (int)k;
		Pending *p = &res->pending[res->fill_tcp[k]];

		if (idx < n && p->used && p->tcp_fd == fds[idx].fd && fds[idx].revents != 0)
			tcp_progress(res, p, fds[idx].revents, now_ms);
	}
	timers_run(res, now_ms);
}

void resolver_policy_changed(Resolver *res)
{
	sf_dns_cache_clear(res->cache);
}

void resolver_counters_add(Resolver *res, void *builder)
{
	JsonBuilder *b = builder;
	const SfDnsCounters *c = &res->counters;
	const struct { const char *name; uint64_t v; } items[] = {
		{ "queries", c->queries },       { "forwarded", c->forwarded },
		{ "refused", c->refused },       { "dropped", c->dropped },
		{ "answers", c->answers },       { "ignored", c->ignored },
		{ "retried_tcp", c->retried_tcp }, { "truncated", c->truncated },
		{ "stripped", c->stripped },     { "hints_removed", c->hints_removed },
		{ "cache_hits", c->cache_hits }, { "cache_fast_hits", c->cache_fast },
		{ "cache_entries", sf_dns_cache_count(res->cache) },
		{ "unsolicited", res->unsolicited }, { "servfail_timeouts", res->servfail_timeouts },
		{ "pending_full", res->pending_full }, { "learn_failed", res->learn_failed },
		{ "tcp_connections", sf_tcp_responder_count(res->tcp) },
	};

	json_builder_set_member_name(b, "dns");
	json_builder_begin_object(b);
	for (size_t i = 0; i < G_N_ELEMENTS(items); i++) {
		json_builder_set_member_name(b, items[i].name);
		json_builder_add_int_value(b, (gint64)MIN(items[i].v, (uint64_t)G_MAXINT64));
	}
	json_builder_set_member_name(b, "refused_by_reason");
	json_builder_begin_object(b);
	for (int r = 1; r < SF_DNS_REASON_N; r++) {
		if (c->by_reason[r] == 0)
			continue;
		json_builder_set_member_name(b, sf_dns_reason_name((SfDnsReason)r));
		json_builder_add_int_value(b, (gint64)MIN(c->by_reason[r], (uint64_t)G_MAXINT64));
	}
	json_builder_end_object(b);
	json_builder_end_object(b);
}
