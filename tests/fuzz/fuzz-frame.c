/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: any byte string as guest frames through sf_filter_frame().
 *
 * Theory of operation: every input is used twice with a fresh flow table.
 * First the whole input is one frame. Then it is read as a sequence of
 * records, each a control byte, a forward byte, a 2-byte length and that
 * many frame bytes, so the fuzzer can build flows that span frames (a SYN,
 * then data, then a learned address running out, a port forward's inbound
 * SYN and its answer). The control byte says whether the frame comes from
 * the guest (sf_filter_frame, bit 0 clear) or from libslirp towards the
 * guest (sf_filter_inbound, bit 0 set), how far the clock moves first (bits
 * 1-3, an index into clock_steps) and whether the flow table is swept (bit
 * 4). The forward byte adds (bits 4-5 = 01) or removes (10) a port forward
 * to guest port forward_ports[bits 0-1], UDP when bit 2 is set. Each verdict is then acted on as the
 * daemon does: REJECT builds the RST or ICMP refusal (or cuts a flow whose
 * learned address ran out), DNS goes to the DNS-over-TCP responder or the
 * query check, PASS would go to slirp_input().
 *
 * The property checked on every PASS, with a parse of the frame written
 * here independently of frame.c: the frame is infrastructure (ARP; DHCP to
 * the gateway or broadcast; router/neighbour solicitation or advertisement
 * with hop limit 255; ICMP echo to the gateway), or it is a TCP, UDP or
 * ICMP echo packet whose destination sf_policy_decide() allows now, or one
 * of a flow that an earlier allowed decision (or an inbound connection
 * through a forwarded port) opened and whose validity has not run out. In
 * short: a frame the policy denies never reaches libslirp. A DNS verdict
 * must be for the DNS address, port 53; refusal frames must parse and go
 * back to the frame's source.
 */
#include "config.h"

#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <string.h>

#include "slirp-filter/audit.h"
#include "slirp-filter/dns.h"
#include "slirp-filter/filter.h"
#include "slirp-filter/reply.h"
#include "slirp-filter/tcp-responder.h"

#include "fuzz-util.h"

#define SHADOW_MAX 1024
#define FORWARD_PORTS 4

typedef struct {
	SfFlowKey key;
	int64_t valid_until;
} ShadowFlow;

static struct {
	SfPolicy *policy;
	SfLearned *learned;
	SfFilter *filter;
	SfAddr gw4, gw6, dns4, dns6;
	/* per input */
	SfFlowTable *flows;
	SfTcpResponder *tcp;
	int64_t now;
	ShadowFlow shadow[SHADOW_MAX];
	unsigned n_shadow;
	uint8_t fwd_count[2][FORWARD_PORTS]; /* the filter's saturating counts, mirrored */
	int fwd_changes;
	bool verbose; /* $SF_FUZZ_VERBOSE: one line per frame, for reading a crash input */
} G;

/* Guest ports a record may forward: few, so inbound frames find them. */
static const uint16_t forward_ports[FORWARD_PORTS] = { 80, 8080, 53, 5000 };

static SfAddr addr(const char *text)
{
	SfCidr c;

	if (!sf_cidr_parse(text, &c, NULL))
		abort();
	return c.prefix;
}

static void learn(const char *a, const char *name, uint32_t ttl)
{
	SfAddr x = addr(a);

	if (!sf_learned_add(G.learned, &x, name, FUZZ_NOW_MS, ttl))
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	g_autoptr(GError) error = NULL;
	SfNetLayout layout;
	SfAddr resolver = addr("198.51.100.53");

	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
	G.verbose = g_getenv("SF_FUZZ_VERBOSE") != NULL;
	if (!sf_netconfig_parse_cidr(FUZZ_CIDR, &layout, &error))
		abort();
	G.policy = sf_policy_parse(FUZZ_POLICY, strlen(FUZZ_POLICY), "fuzz.policy", &error);
	if (G.policy == NULL) {
		fprintf(stderr, "%s\n", error->message);
		abort();
	}
	/* the learned table: allowed names, a denied one, one no rule names, and one
	 * pointing into a protected range (which a learned address never opens) */
	G.learned = sf_learned_new(64);
	learn("192.0.2.10", "web.example", 60);
	learn("192.0.2.11", "img.cdn.example", 3600);
	learn("192.0.2.12", "bad.cdn.example", 3600);
	learn("192.0.2.13", "unlisted.example", 3600);
	learn("2001:db8:1::10", "api.example", 120);
	learn("169.254.1.1", "api.example", 3600);
	learn("192.0.2.11", "web.example", 20); /* a CDN address shared by two names */
	G.filter = g_new0(SfFilter, 1);
	sf_filter_init(G.filter, &layout, true, &resolver, 1);
	G.filter->policy = G.policy;
	G.filter->learned = G.learned;
	G.filter->dns_in_process = true; /* as the daemon runs unless --disable-dns */
	G.gw4 = addr("10.0.2.2");
	G.gw6 = addr("fd00::2");
	G.dns4 = addr("10.0.2.3");
	G.dns6 = addr("fd00::3");
	return 0;
}

void fuzz_target_cleanup(void)
{
	sf_tcp_responder_free(G.tcp);
	sf_flow_table_free(G.flows);
	g_free(G.filter);
	sf_learned_free(G.learned);
	sf_policy_free(G.policy);
	memset(&G, 0, sizeof(G));
}

/* ---- an independent reading of the frame (not frame.c) ---- */

typedef struct {
	uint16_t ethertype;
	int family;   /* 4, 6 or 0 */
	uint8_t proto;
	SfAddr src, dst;
	uint16_t sport, dport;
	uint8_t icmp_type, hop, tcp_flags;
	bool have_l4;
} Mini;

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void mini_parse(const uint8_t *b, size_t n, Mini *m)
{
	size_t l4;

	memset(m, 0, sizeof(*m));
	if (n < 14)
		return;
	m->ethertype = be16(b + 12);
	if (m->ethertype == 0x0800 && n >= 14 + 20) {
		m->family = 4;
		m->proto = b[14 + 9];
		m->hop = b[14 + 8];
		sf_addr_from_ipv4(&m->src, b + 14 + 12);
		sf_addr_from_ipv4(&m->dst, b + 14 + 16);
		l4 = 14 + (size_t)(b[14] & 0x0f) * 4;
	} else if (m->ethertype == 0x86dd && n >= 14 + 40) {
		m->family = 6;
		m->proto = b[14 + 6];
		m->hop = b[14 + 7];
		memcpy(m->src.b, b + 14 + 8, 16);
		memcpy(m->dst.b, b + 14 + 24, 16);
		l4 = 14 + 40;
	} else {
		return;
	}
	if ((m->proto == IPPROTO_TCP && n >= l4 + 14) || (m->proto == IPPROTO_UDP && n >= l4 + 4)) {
		m->sport = be16(b + l4);
		m->dport = be16(b + l4 + 2);
		if (m->proto == IPPROTO_TCP)
			m->tcp_flags = b[l4 + 13];
		m->have_l4 = true;
	} else if ((m->proto == IPPROTO_ICMP || m->proto == IPPROTO_ICMPV6) && n >= l4 + 6) {
		m->icmp_type = b[l4];
		m->sport = m->dport = be16(b + l4 + 4);
		m->have_l4 = true;
	}
}

static bool same(const SfAddr *a, const SfAddr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static bool is_echo_request(const Mini *m)
{
	return (m->proto == IPPROTO_ICMP && m->icmp_type == 8) ||
	       (m->proto == IPPROTO_ICMPV6 && m->icmp_type == 128);
}

/* What the virtual network itself needs: passes without a policy decision. */
static bool infrastructure(const Mini *m)
{
	static const uint8_t bcast[4] = { 255, 255, 255, 255 };
	SfAddr b;

	if (m->ethertype == 0x0806)
		return true;
	sf_addr_from_ipv4(&b, bcast);
	if (m->family == 4 && m->proto == IPPROTO_UDP && m->sport == 68 && m->dport == 67 &&
	    (same(&m->dst, &b) || same(&m->dst, &G.gw4)))
		return true;
	if (m->family == 6 && m->proto == IPPROTO_ICMPV6 && m->hop == 255 &&
	    (m->icmp_type == 133 || m->icmp_type == 135 || m->icmp_type == 136))
		return true;
	return is_echo_request(m) && (same(&m->dst, &G.gw4) || same(&m->dst, &G.gw6));
}

static void mini_key(const Mini *m, SfFlowKey *k)
{
	memset(k, 0, sizeof(*k));
	k->src = m->src;
	k->dst = m->dst;
	k->sport = m->sport;
	k->dport = m->dport;
	k->proto = m->proto;
}

static ShadowFlow *shadow_find(const SfFlowKey *k)
{
	for (unsigned i = 0; i < G.n_shadow; i++)
		if (memcmp(&G.shadow[i].key, k, sizeof(*k)) == 0)
			return &G.shadow[i];
	return NULL;
}

static void shadow_open(const SfFlowKey *k, int64_t valid_until)
{
	ShadowFlow *s = shadow_find(k);

	if (s == NULL && G.n_shadow < SHADOW_MAX) {
		s = &G.shadow[G.n_shadow++];
		s->key = *k;
		s->valid_until = valid_until;
	} else if (s != NULL && valid_until > s->valid_until) {
		s->valid_until = valid_until;
	}
}

/* The property: a frame that reaches libslirp is infrastructure or an allowed flow. */
static void check_pass(const uint8_t *frame, size_t len)
{
	char d[64];
	Mini m;
	SfFlowKey k;
	SfDecision dec;
	ShadowFlow *s;
	uint8_t proto;

	mini_parse(frame, len, &m);
	if (infrastructure(&m))
		return;
	FUZZ_CHECK(m.family != 0 && m.have_l4, "PASS for a frame that is neither ARP nor a readable IP "
		   "packet (ethertype 0x%04x, %zu bytes)", m.ethertype, len);
	FUZZ_CHECK(m.proto == IPPROTO_TCP || m.proto == IPPROTO_UDP || is_echo_request(&m),
		   "PASS for IP protocol %u, ICMP type %u: not a flow, not infrastructure", m.proto,
		   m.icmp_type);
	proto = m.proto == IPPROTO_TCP ? SF_PROTO_TCP : m.proto == IPPROTO_UDP ? SF_PROTO_UDP
									 : SF_PROTO_ICMP;
	sf_policy_decide(G.policy, &G.filter->prot, G.learned, proto, &m.dst,
			 proto == SF_PROTO_ICMP ? 0 : m.dport,
			 same(&m.dst, &G.gw4) || same(&m.dst, &G.gw6), G.now, &dec);
	mini_key(&m, &k);
	if (dec.allow) {
		shadow_open(&k, dec.valid_until_ms);
		return;
	}
	s = shadow_find(&k);
	FUZZ_CHECK(s != NULL && G.now < s->valid_until,
		   "PASS for a flow the policy denies (%s, proto %u, port %u, reason %s) and no "
		   "earlier allowed decision covers (%s)",
		   sf_addr_to_string(&m.dst, d, sizeof(d)), m.proto, m.dport,
		   sf_reason_name(dec.reason), s == NULL ? "never opened" : "expired");
}

/* A refusal frame must be well formed and go back where the frame came from. */
static void check_reply(const uint8_t *frame, size_t len, const uint8_t *reply, size_t rlen)
{
	SfPacket rp;
	Mini m;

	if (rlen == 0)
		return;
	FUZZ_CHECK(rlen <= SF_REPLY_MAX, "reply of %zu bytes", rlen);
	FUZZ_CHECK(sf_frame_parse(reply, rlen, &rp) == SF_FRAME_OK, "a refusal frame does not parse: %s",
		   sf_frame_result_name(sf_frame_parse(reply, rlen, &rp)));
	mini_parse(frame, len, &m);
	FUZZ_CHECK(same(&rp.dst, &m.src), "a refusal frame is not addressed to the frame's source");
	FUZZ_CHECK(memcmp(rp.dst_mac, frame + 6, 6) == 0, "a refusal frame is not sent to the source MAC");
}

/* ---- the DNS verdict, as resolver.c handles it ---- */

static void tcp_emit(const uint8_t *frame, size_t len, void *user)
{
	SfPacket p;

	FUZZ_CHECK(sf_frame_parse(frame, len, &p) == SF_FRAME_OK && p.proto == IPPROTO_TCP,
		   "the DNS-over-TCP responder emitted a frame that does not parse as TCP");
}

static void dns_query(bool tcp, uint32_t conn, const uint8_t *msg, size_t len)
{
	uint8_t reply[4096];
	size_t rlen = 0;
	SfDnsQuery q;
	SfDnsVerdict v = sf_dns_query_check(msg, len, tcp, G.policy, &q, reply, sizeof(reply), &rlen);

	if (v == SF_DNS_QUERY_FORWARD) {
		SfNameMatch nm;

		sf_policy_match_name(G.policy, q.norm, &nm);
		FUZZ_CHECK(nm.allowed, "query for \"%s\" forwarded although the policy denies it", q.norm);
		if (!sf_dns_reply_servfail(&q, reply, sizeof(reply), &rlen))
			rlen = 0;
	}
	if (tcp)
		sf_tcp_responder_reply(G.tcp, conn, v == SF_DNS_QUERY_DROP ? NULL : reply,
				       v == SF_DNS_QUERY_DROP ? 0 : rlen, G.now);
}

static void tcp_message(uint32_t conn, const uint8_t *msg, size_t len, void *user)
{
	if (G.verbose)
		fprintf(stderr, "  DNS over TCP: a message of %zu bytes on connection %u\n", len, conn);
	dns_query(true, conn, msg, len);
}

static void check_dns(const uint8_t *frame, size_t len, const SfPacket *pkt)
{
	Mini m;

	mini_parse(frame, len, &m);
	FUZZ_CHECK((same(&m.dst, &G.dns4) || same(&m.dst, &G.dns6)) && m.dport == 53 &&
		   (m.proto == IPPROTO_TCP || m.proto == IPPROTO_UDP),
		   "DNS verdict for a frame not sent to the DNS address, port 53");
	if (pkt->proto == IPPROTO_TCP)
		sf_tcp_responder_input(G.tcp, frame, len, pkt, G.now);
	else
		dns_query(false, 0, frame + pkt->payload_offset, pkt->payload_len);
}

/* ---- one frame from the guest, handled as daemon_egress_frame() does ---- */

static void guest_frame(const uint8_t *frame, size_t len)
{
	uint8_t reply[SF_REPLY_MAX], reply2[SF_REPLY_MAX];
	SfFilterEvent ev;
	SfPacket pkt;
	SfVerdict v = sf_filter_frame(G.filter, frame, len, G.now, &pkt, &ev);
	size_t n, n2;

	if (G.verbose) {
		char a[64], b[64];

		fprintf(stderr, "t=+%" G_GINT64_FORMAT " ms: %zu bytes, %s, %s %s:%u -> %s:%u proto %u "
			"flags %#x: verdict %d%s%s%s\n", G.now - FUZZ_NOW_MS, len,
			sf_frame_result_name(sf_frame_parse(frame, len, &pkt)),
			pkt.ethertype == 0x0806 ? "ARP" : "IP", sf_addr_to_string(&pkt.src, a, sizeof(a)),
			pkt.sport, sf_addr_to_string(&pkt.dst, b, sizeof(b)), pkt.dport, pkt.proto,
			pkt.tcp_flags, (int)v, ev.decided ? " decided " : "",
			ev.decided ? sf_reason_name(ev.decision.reason) : "", ev.revalidated ? " (revalidated)" : "");
	}
	if (ev.decided) {
		SfAuditLine line;
		SfFlowKey key;
		const char *text;

		memset(&key, 0, sizeof(key));
		key.src = pkt.src;
		key.dst = pkt.dst;
		key.sport = pkt.sport;
		key.dport = pkt.dport;
		key.proto = pkt.proto;
		sf_audit_flow(&line, 0, G.policy, &G.filter->prot, &key, &ev, NULL);
		text = sf_audit_end(&line);
		FUZZ_CHECK(text[0] == '{' && strlen(text) == line.len && text[line.len - 1] == '\n',
			   "audit record is not one line");
		FUZZ_CHECK(g_utf8_validate(text, (gssize)line.len, NULL), "audit record is not UTF-8");
	}
	switch (v) {
	case SF_VERDICT_PASS:
		check_pass(frame, len);
		break;
	case SF_VERDICT_DNS:
		check_dns(frame, len, &pkt);
		break;
	case SF_VERDICT_DROP:
		break;
	case SF_VERDICT_REJECT:
		if (ev.revalidated && ev.flow != NULL) {
			sf_filter_cut_frames(ev.flow, reply, &n, reply2, &n2);
			if (n > 0)
				FUZZ_CHECK(sf_frame_parse(reply, n, &pkt) == SF_FRAME_OK, "cut RST to the guest");
			if (n2 > 0)
				FUZZ_CHECK(sf_frame_parse(reply2, n2, &pkt) == SF_FRAME_OK, "cut RST to libslirp");
			sf_flow_remove(G.flows, ev.flow);
			break;
		}
		if (pkt.proto == IPPROTO_TCP)
			n = sf_reply_tcp_rst(frame, len, &pkt, reply, sizeof(reply));
		else
			n = sf_reply_unreachable(frame, len, &pkt, SF_UNREACH_ADMIN_PROHIBITED, reply,
						 sizeof(reply));
		check_reply(frame, len, reply, n);
		break;
	default:
		FUZZ_CHECK(false, "unknown verdict %d", (int)v);
	}
}

/* A frame libslirp sends to the guest: a connection in through a port forward. */
static void inbound_frame(const uint8_t *frame, size_t len)
{
	Mini m;

	sf_filter_inbound(G.filter, frame, len, G.now);
	/* mirror: a TCP SYN or a UDP datagram to a forwarded guest port opens the reverse flow */
	mini_parse(frame, len, &m);
	if (!m.have_l4 || G.filter->forwards == 0)
		return;
	if (m.proto == IPPROTO_TCP ? (m.tcp_flags & 0x12) == 0x02 : m.proto == IPPROTO_UDP) {
		for (unsigned i = 0; i < FORWARD_PORTS; i++) {
			if (forward_ports[i] == m.dport && G.fwd_count[m.proto == IPPROTO_UDP][i] > 0) {
				SfFlowKey k;

				memset(&k, 0, sizeof(k));
				k.src = m.dst;
				k.dst = m.src;
				k.sport = m.dport;
				k.dport = m.sport;
				k.proto = m.proto;
				shadow_open(&k, INT64_MAX);
			}
		}
	}
}

static void forward(bool udp, unsigned which, bool add)
{
	uint8_t *c = &G.fwd_count[udp][which];

	sf_filter_forward(G.filter, udp, forward_ports[which], add);
	G.fwd_changes++;
	/* the filter's own rule: saturating, and a saturated count never goes down */
	if (add && *c < UINT8_MAX)
		(*c)++;
	else if (!add && *c > 0 && *c < UINT8_MAX)
		(*c)--;
}

static void reset(void)
{
	/* undo the forwards of the previous input; the rest of the filter is counters */
	for (unsigned u = 0; u < 2; u++)
		for (unsigned i = 0; i < FORWARD_PORTS; i++)
			G.filter->forwarded[u][forward_ports[i]] = 0;
	G.filter->forwards = 0;
	memset(G.fwd_count, 0, sizeof(G.fwd_count));
	G.fwd_changes = 0;
	G.n_shadow = 0;
	G.now = FUZZ_NOW_MS;
	g_random_set_seed(1); /* the flow table's hash seed and the responder's ISS */
	sf_flow_table_free(G.flows);
	G.flows = sf_flow_table_new(16); /* small: the fuzzer reaches "table full" */
	G.filter->flows = G.flows;
	sf_tcp_responder_free(G.tcp);
	G.tcp = sf_tcp_responder_new(1460, tcp_emit, tcp_message, NULL);
}

/* How far a record moves the clock: nothing, a little, past an idle timeout or a TTL. */
static const int64_t clock_steps[8] = { 0, 1, 600, 11000, 31000, 61000, 3600000, 7300000 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* 1: the whole input as one frame */
	reset();
	guest_frame(data, size);

	/* 2: records: [control][forward][length, 2 bytes][frame] */
	reset();
	while (size >= 4) {
		uint8_t ctl = data[0], fwd = data[1];
		size_t len = MIN((size_t)be16(data + 2), size - 4);
		const uint8_t *frame = data + 4;

		data += 4 + len;
		size -= 4 + len;
		G.now += clock_steps[(ctl >> 1) & 7];
		if (ctl & 0x10)
			sf_flow_expire(G.flows, G.now, 64);
		if ((fwd & 0x30) == 0x10 || (fwd & 0x30) == 0x20)
			forward(fwd & 0x04, fwd & 3, (fwd & 0x30) == 0x10);
		if (ctl & 1)
			inbound_frame(frame, len);
		else
			guest_frame(frame, len);
		if ((ctl >> 1) & 7)
			sf_tcp_responder_timers(G.tcp, G.now);
	}
	return 0;
}
