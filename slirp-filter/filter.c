/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The frame filter: the single point between read(tapfd) and slirp_input().
 *
 * Theory of operation: every frame is parsed with bounds checks first;
 * anything the parser cannot fully judge (fragments, options, extension
 * headers, other IP protocols, bad lengths) is dropped and counted, so
 * libslirp never sees it (fail closed). What the container needs from the
 * virtual network itself passes without a policy decision: ARP, DHCP to
 * the gateway, neighbour and router solicitations, echo to the gateway, and
 * DNS to the DNS address (handed to the in-process resolver). Sources
 * other than the container's own addresses are dropped as spoofed. Every
 * other TCP, UDP or ICMP echo packet belongs to a flow: a flow found in the
 * flow table passes after a hash lookup; a new one is decided once by the
 * policy engine and, if allowed, entered in the table. Denied flows are
 * never stored (see flow.c) and get a REJECT verdict, for which the daemon
 * sends a rate-limited RST or ICMP unreachable: the frame never reaches
 * libslirp, so no host socket is ever opened for it. A flow allowed through
 * a learned address carries the address's expiry plus grace; its first
 * packet after that is decided again, and if the policy no longer allows
 * it, it is cut. The protected ranges end with every DNS upstream the
 * helper uses or has used (sf_filter_set_upstreams, upstreams.c); before a
 * new flow to a DNS port is decided the daemon may bring them up to date
 * (dns_port_hook), so a resolv.conf changed a moment ago is protected
 * before the container can reach its new server.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "slirp-filter/filter.h"
#include "slirp-filter/reply.h"

#define ETHERTYPE_ARP 0x0806
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

/* ICMP types */
#define ICMP4_ECHO_REQUEST 8
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ROUTER_SOLICIT 133
#define ICMP6_NEIGHBOR_SOLICIT 135
#define ICMP6_NEIGHBOR_ADVERT 136

const char *sf_drop_reason_name(SfDropReason reason)
{
	static const char *const names[SF_DROP_N] = {
		[SF_DROP_NONE] = "none",
		[SF_DROP_MALFORMED] = "malformed",
		[SF_DROP_SPOOFED] = "spoofed",
		[SF_DROP_INTERNAL] = "internal",
		[SF_DROP_ICMP_TYPE] = "icmp-type",
		[SF_DROP_STRAY] = "stray",
	};

	return (unsigned)reason < SF_DROP_N ? names[reason] : "unknown";
}

static void addr4(SfAddr *a, struct in_addr in)
{
	sf_addr_from_ipv4(a, (const uint8_t *)&in.s_addr);
}

static void addr6(SfAddr *a, const struct in6_addr *in)
{
	memcpy(a->b, in->s6_addr, 16);
}

static void protect(SfFilter *f, const char *text, const char *what)
{
	SfCidr c;

	if (!sf_cidr_parse(text, &c, NULL) || !sf_protected_add(&f->prot, &c, what))
		g_assert_not_reached();
}

void sf_filter_init(SfFilter *f, const SfNetLayout *layout, bool ipv6, const SfAddr *host_resolvers,
		    unsigned n_host_resolvers)
{
	SfCidr c;

	memset(&f->prot, 0, sizeof(f->prot));
	memset(&f->c, 0, sizeof(f->c));
	f->layout = *layout;
	f->ipv6 = ipv6;
	addr4(&f->gateway4, layout->gateway);
	addr4(&f->dns4, layout->dns);
	addr4(&f->guest4, layout->guest);
	addr6(&f->gateway6, &layout->gateway6);
	addr6(&f->dns6, &layout->dns6);
	addr4(&f->net4.prefix, layout->network);
	f->net4.len = (uint8_t)(96 + layout->prefix);
	addr6(&f->net6.prefix, &layout->prefix6);
	f->net6.len = (uint8_t)layout->prefix6_len;
	f->dhcp_first = ntohl(layout->dhcp_start.s_addr);

	/* the narrowest range holding a destination names it in the audit log */
	sf_protected_add(&f->prot, &f->net4, "slirp network");
	sf_protected_add(&f->prot, &f->net6, "slirp network");
	c = (SfCidr){ .prefix = f->gateway4, .len = 128 };
	sf_protected_add(&f->prot, &c, "host loopback");
	c = (SfCidr){ .prefix = f->gateway6, .len = 128 };
	sf_protected_add(&f->prot, &c, "host loopback");
	protect(f, "0.0.0.0/8", "this network");
	protect(f, "127.0.0.0/8", "loopback");
	protect(f, "::1/128", "loopback");
	protect(f, "::/128", "unspecified");
	protect(f, "169.254.0.0/16", "link-local");
	protect(f, "fe80::/10", "link-local");
	protect(f, "224.0.0.0/4", "multicast");
	protect(f, "ff00::/8", "multicast");
	/* an IPv6 packet to ::ffff:a.b.c.d: the host's dual-stack sockets would carry it over
	 * IPv4, past the IPv4 rules. IPv6 rules never lie inside this range (the parser
	 * refuses them), so nothing opens it */
	c = (SfCidr){ .prefix = { { [10] = 0xff, [11] = 0xff } }, .len = 96 };
	sf_protected_add_ipv6(&f->prot, &c, "IPv4-mapped");
	protect(f, "255.255.255.255/32", "broadcast");
	/* the network's directed broadcast: network | ~netmask */
	{
		uint32_t bcast = layout->network.s_addr | ~layout->netmask.s_addr;

		sf_addr_from_ipv4(&c.prefix, (const uint8_t *)&bcast);
		c.len = 128;
		sf_protected_add(&f->prot, &c, "broadcast");
	}
	for (unsigned i = 0; i < n_host_resolvers; i++) {
		c = (SfCidr){ .prefix = host_resolvers[i], .len = 128 };
		if (f->prot.n >= SF_PROTECTED_FIXED_MAX || !sf_protected_add(&f->prot, &c, "host resolver"))
			break;
	}
	f->prot.n_fixed = f->prot.n;
}

G_STATIC_ASSERT(SF_PROTECTED_MAX - SF_PROTECTED_FIXED_MAX >= SF_UPSTREAMS_KNOWN_MAX);

void sf_filter_set_upstreams(SfFilter *f, const SfUpstreamSet *set)
{
	f->prot.n = f->prot.n_fixed;
	for (unsigned i = 0; i < set->n_known; i++) {
		SfCidr c = { .prefix = set->known[i].addr, .len = 128 };

		sf_protected_add(&f->prot, &c, sf_upstream_from_name((SfUpstreamFrom)set->known[i].from));
	}
}

/* A new flow to a DNS port: let the daemon catch up with a resolv.conf that just changed. */
static void dns_port_check(SfFilter *f, const SfFlowKey *key, int64_t now_ms)
{
	if (f->dns_port_hook != NULL && (key->proto == IPPROTO_UDP || key->proto == IPPROTO_TCP) &&
	    (key->dport == 53 || key->dport == 853))
		f->dns_port_hook(f->dns_port_opaque, now_ms);
}

static bool addr_eq(const SfAddr *a, const SfAddr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Whether @a is one of the 16 addresses libslirp's DHCP server leases. */
static bool dhcp_lease(const SfFilter *f, const SfAddr *a)
{
	uint32_t v = (uint32_t)a->b[12] << 24 | (uint32_t)a->b[13] << 16 | (uint32_t)a->b[14] << 8 | a->b[15];

	return sf_addr_is_ipv4(a) && v - f->dhcp_first < 16;
}

static bool is_link_local6(const SfAddr *a)
{
	return a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}

/*
 * Whether @src may be the container: its address or a DHCP lease; with
 * IPv6, an address it configured in the slirp prefix (SLAAC, privacy) or a
 * link-local one (Linux uses it as the source while the global address is
 * still tentative).
 */
static bool source_ok(const SfFilter *f, const SfPacket *pkt)
{
	if (pkt->family == AF_INET)
		return addr_eq(&pkt->src, &f->guest4) || dhcp_lease(f, &pkt->src);
	if (!f->ipv6)
		return false;
	if (is_link_local6(&pkt->src))
		return true;
	if (!sf_cidr_contains(&f->net6, &pkt->src))
		return false;
	return !addr_eq(&pkt->src, &f->gateway6) && !addr_eq(&pkt->src, &f->dns6) &&
	       !addr_eq(&pkt->src, &f->net6.prefix);
}

/* The gateway of @family: an IPv6 packet to ::ffff:10.0.2.2 is not for the gateway. */
static bool is_gateway(const SfFilter *f, int family, const SfAddr *a)
{
	return family == AF_INET ? addr_eq(a, &f->gateway4) : f->ipv6 && addr_eq(a, &f->gateway6);
}

static bool is_dns(const SfFilter *f, int family, const SfAddr *a)
{
	return family == AF_INET ? addr_eq(a, &f->dns4) : f->ipv6 && addr_eq(a, &f->dns6);
}

/* Neighbour discovery may come from ::, a link-local address, or the container's own. */
static bool nd_source_ok(const SfFilter *f, const SfPacket *pkt)
{
	static const SfAddr unspecified;

	return addr_eq(&pkt->src, &unspecified) || source_ok(f, pkt);
}

/*
 * Infrastructure the container needs that is not a flow: returns TRUE with
 * *@v set when the frame is decided here.
 */
static bool infrastructure(SfFilter *f, const SfPacket *pkt, SfVerdict *v)
{
	/* DHCP: from 0.0.0.0 or a lease, client port 68 to the server port 67 */
	if (pkt->family == AF_INET && pkt->proto == IPPROTO_UDP && pkt->sport == 68 &&
	    pkt->dport == 67) {
		static const uint8_t bcast[4] = { 255, 255, 255, 255 };
		SfAddr b;

		sf_addr_from_ipv4(&b, bcast);
		*v = addr_eq(&pkt->dst, &b) || addr_eq(&pkt->dst, &f->gateway4) ? SF_VERDICT_PASS
										  : SF_VERDICT_DROP;
		return true;
	}
	/* neighbour discovery and router solicitation, from link-local or :: too */
	if (pkt->family == AF_INET6 && pkt->proto == IPPROTO_ICMPV6 &&
	    (pkt->icmp_type == ICMP6_ROUTER_SOLICIT || pkt->icmp_type == ICMP6_NEIGHBOR_SOLICIT ||
	     pkt->icmp_type == ICMP6_NEIGHBOR_ADVERT)) {
		/* RFC 4861: ND packets are sent with hop limit 255; others are forged */
		*v = f->ipv6 && pkt->ttl == 255 && nd_source_ok(f, pkt) ? SF_VERDICT_PASS
									       : SF_VERDICT_DROP;
		return true;
	}
	if (!source_ok(f, pkt)) {
		f->c.drop[SF_DROP_SPOOFED]++;
		*v = SF_VERDICT_DROP;
		return true;
	}
	if (is_dns(f, pkt->family, &pkt->dst) && pkt->dport == 53 &&
	    (pkt->proto == IPPROTO_UDP || pkt->proto == IPPROTO_TCP)) {
		*v = f->dns_in_process ? SF_VERDICT_DNS : SF_VERDICT_PASS;
		return true;
	}
	if ((pkt->proto == IPPROTO_ICMP && pkt->icmp_type != ICMP4_ECHO_REQUEST) ||
	    (pkt->proto == IPPROTO_ICMPV6 && pkt->icmp_type != ICMP6_ECHO_REQUEST)) {
		f->c.drop[SF_DROP_ICMP_TYPE]++;
		*v = SF_VERDICT_DROP;
		return true;
	}
	if ((pkt->proto == IPPROTO_ICMP || pkt->proto == IPPROTO_ICMPV6) &&
	    is_gateway(f, pkt->family, &pkt->dst)) {
		*v = SF_VERDICT_PASS; /* libslirp answers echo to the gateway itself */
		return true;
	}
	return false;
}

static uint8_t policy_proto(uint8_t ipproto)
{
	switch (ipproto) {
	case IPPROTO_TCP:
		return SF_PROTO_TCP;
	case IPPROTO_UDP:
		return SF_PROTO_UDP;
	default:
		return SF_PROTO_ICMP;
	}
}

void sf_filter_decide_flow(const SfFilter *f, const SfFlowKey *key, int64_t now_ms, SfDecision *out)
{
	uint8_t proto = policy_proto(key->proto);
	int family = sf_flow_key_family(key);

	sf_policy_decide_af(f->policy, &f->prot, f->learned, family, proto, &key->dst,
			    proto == SF_PROTO_ICMP ? 0 : key->dport, is_gateway(f, family, &key->dst),
			    now_ms, out);
}

/* Keeps what cutting a TCP flow needs, and its state, up to date. */
static void flow_track(SfFlow *fl, const uint8_t *frame, const SfPacket *pkt, int64_t now_ms)
{
	fl->packets++;
	if (pkt->proto == IPPROTO_TCP) {
		const uint8_t *th = frame + pkt->l4_offset; /* l4_len >= 20: checked by the parser */
		uint32_t seq = (uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 | (uint32_t)th[6] << 8 | th[7];
		uint32_t ack = (uint32_t)th[8] << 24 | (uint32_t)th[9] << 16 | (uint32_t)th[10] << 8 | th[11];
		uint32_t next = seq + (uint32_t)pkt->payload_len +
				((pkt->tcp_flags & TCP_SYN) ? 1 : 0) + ((pkt->tcp_flags & TCP_FIN) ? 1 : 0);

		fl->guest_seq_next = next;
		if (pkt->tcp_flags & TCP_ACK)
			fl->guest_ack = ack;
		if (pkt->tcp_flags & (TCP_FIN | TCP_RST))
			fl->tcp_state = SF_TCP_CLOSING;
		else if ((pkt->tcp_flags & TCP_ACK) && fl->tcp_state == SF_TCP_SYN_SENT)
			fl->tcp_state = SF_TCP_ESTABLISHED;
	}
	memcpy(fl->guest_mac, pkt->src_mac, 6);
	memcpy(fl->peer_mac, pkt->dst_mac, 6);
	sf_flow_touch(fl, now_ms);
}

/* Applies @ev->decision to a packet without a flow entry; inserts allowed flows. */
static SfVerdict new_flow(SfFilter *f, const uint8_t *frame, const SfPacket *pkt,
			  const SfFlowKey *key, int64_t now_ms, SfFilterEvent *ev)
{
	bool audit = f->policy->mode == SF_MODE_AUDIT;
	SfFlow *fl;

	dns_port_check(f, key, now_ms);
	sf_filter_decide_flow(f, key, now_ms, &ev->decision);
	ev->decided = true;
	if (!ev->decision.allow && !audit) {
		f->c.flows_denied++;
		f->c.denied_by_reason[ev->decision.reason]++;
		return SF_VERDICT_REJECT;
	}
	fl = sf_flow_insert(f->flows, key, now_ms);
	if (fl == NULL) {
		ev->table_full = true;
		f->c.flows_table_full++;
		return SF_VERDICT_REJECT;
	}
	fl->reason = (uint8_t)ev->decision.reason;
	fl->rule = ev->decision.rule;
	fl->valid_until_ms = ev->decision.allow ? ev->decision.valid_until_ms : INT64_MAX;
	if (!ev->decision.allow) {
		fl->audit_only = 1;
		ev->audit_only = true;
		f->c.flows_audit_allowed++;
		f->c.denied_by_reason[ev->decision.reason]++;
	} else {
		f->c.flows_allowed++;
	}
	/* a flow picked up mid-stream (after expiry) is already established */
	if (pkt->proto == IPPROTO_TCP && !(pkt->tcp_flags & TCP_SYN))
		fl->tcp_state = SF_TCP_ESTABLISHED;
	flow_track(fl, frame, pkt, now_ms);
	ev->flow = fl;
	return SF_VERDICT_PASS;
}

SfVerdict sf_filter_frame(SfFilter *f, const uint8_t *frame, size_t len, int64_t now_ms,
			  SfPacket *pkt, SfFilterEvent *ev)
{
	SfFrameResult res;
	SfFlowKey key;
	SfFlow *fl;
	SfVerdict v;

	memset(ev, 0, sizeof(*ev));
	f->c.frames_in++;
	res = sf_frame_parse(frame, len, pkt);
	if (res != SF_FRAME_OK) {
		f->c.drop_frame[res]++;
		f->c.drop[SF_DROP_MALFORMED]++;
		v = SF_VERDICT_DROP;
		goto out;
	}
	if (pkt->ethertype == ETHERTYPE_ARP) {
		v = SF_VERDICT_PASS;
		goto out;
	}
	if (infrastructure(f, pkt, &v))
		goto out;

	sf_flow_key_from_packet(pkt, &key);
	fl = sf_flow_lookup(f->flows, &key, now_ms);
	/*
	 * A new connection (a bare SYN) on the 5-tuple of one that is closing,
	 * or of a connection that came in through a port forward, is a new
	 * outbound flow: it is decided, never waved through on the old entry.
	 */
	if (fl != NULL && pkt->proto == IPPROTO_TCP &&
	    (pkt->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN &&
	    (fl->tcp_state == SF_TCP_CLOSING || fl->reason == SF_REASON_INBOUND)) {
		sf_flow_remove(f->flows, fl);
		fl = NULL;
	}
	if (fl != NULL && now_ms >= fl->valid_until_ms) {
		/* the learned address (plus grace) ran out: decide again */
		SfDecision d;

		dns_port_check(f, &key, now_ms);
		sf_filter_decide_flow(f, &key, now_ms, &d);
		ev->revalidated = true;
		ev->decided = true;
		ev->decision = d;
		if (!d.allow && f->policy->mode != SF_MODE_AUDIT) {
			ev->flow = fl; /* the daemon cuts it, then removes it */
			f->c.flows_cut++;
			v = SF_VERDICT_REJECT;
			goto out;
		}
		fl->valid_until_ms = d.allow ? d.valid_until_ms : INT64_MAX;
		fl->reason = (uint8_t)d.reason;
		fl->rule = d.rule;
	}
	if (fl != NULL) {
		flow_track(fl, frame, pkt, now_ms);
		ev->flow = fl;
		v = SF_VERDICT_PASS;
		goto out;
	}
	if (pkt->proto == IPPROTO_TCP && (pkt->tcp_flags & TCP_RST)) {
		/* nothing to reset; libslirp has no socket we let it open */
		f->c.drop[SF_DROP_STRAY]++;
		v = SF_VERDICT_DROP;
		goto out;
	}
	v = new_flow(f, frame, pkt, &key, now_ms, ev);
out:
	switch (v) {
	case SF_VERDICT_PASS:
		f->c.frames_passed++;
		break;
	case SF_VERDICT_DROP:
		f->c.frames_dropped++;
		break;
	case SF_VERDICT_REJECT:
		f->c.frames_rejected++;
		break;
	case SF_VERDICT_DNS:
		f->c.frames_dns++;
		break;
	}
	return v;
}

void sf_filter_forward(SfFilter *f, bool udp, uint16_t guest_port, bool add)
{
	uint8_t *n = &f->forwarded[udp ? 1 : 0][guest_port];

	if (add)
		f->forwards++;
	else if (f->forwards > 0)
		f->forwards--;
	if (add && *n < UINT8_MAX)
		(*n)++;
	else if (!add && *n > 0 && *n < UINT8_MAX)
		(*n)--; /* a saturated count stays: never closes a port still forwarded */
}

void sf_filter_inbound(SfFilter *f, const uint8_t *frame, size_t len, int64_t now_ms)
{
	SfPacket pkt;
	SfFlowKey key;
	SfFlow *fl;

	if (f->forwards == 0 || sf_frame_parse(frame, len, &pkt) != SF_FRAME_OK)
		return;
	if (pkt.proto == IPPROTO_TCP) {
		if ((pkt.tcp_flags & (TCP_SYN | TCP_ACK)) != TCP_SYN)
			return;
	} else if (pkt.proto != IPPROTO_UDP) {
		return;
	}
	if (f->forwarded[pkt.proto == IPPROTO_UDP][pkt.dport] == 0)
		return;
	/* the flow as the guest will send it: from its forwarded port to the peer */
	memset(&key, 0, sizeof(key));
	key.src = pkt.dst;
	key.dst = pkt.src;
	key.sport = pkt.dport;
	key.dport = pkt.sport;
	key.proto = pkt.proto;
	fl = sf_flow_lookup(f->flows, &key, now_ms);
	if (fl != NULL) {
		sf_flow_touch(fl, now_ms);
		return;
	}
	fl = sf_flow_insert(f->flows, &key, now_ms);
	if (fl == NULL) {
		f->c.flows_table_full++;
		return;
	}
	fl->reason = SF_REASON_INBOUND;
	memcpy(fl->guest_mac, pkt.dst_mac, 6);
	memcpy(fl->peer_mac, pkt.src_mac, 6);
	f->c.flows_inbound++;
}

void sf_filter_peer_reset(SfFilter *f, const uint8_t *frame, size_t len, int64_t now_ms)
{
	SfPacket pkt;
	SfFlowKey key;
	SfFlow *fl;
	size_t l4;

	/* a look at three bytes first: only TCP RSTs are parsed (this runs for every frame) */
	if (len < 14 + 20 + 20)
		return;
	if (frame[12] == 0x08 && frame[13] == 0x00 && frame[14 + 9] == IPPROTO_TCP)
		l4 = 14 + (size_t)(frame[14] & 0x0f) * 4;
	else if (frame[12] == 0x86 && frame[13] == 0xdd && frame[14 + 6] == IPPROTO_TCP)
		l4 = 14 + 40;
	else
		return;
	if (l4 + 20 > len || !(frame[l4 + 13] & TCP_RST))
		return;
	if (sf_frame_parse(frame, len, &pkt) != SF_FRAME_OK || pkt.proto != IPPROTO_TCP)
		return;
	/* the flow as the guest sends it */
	memset(&key, 0, sizeof(key));
	key.src = pkt.dst;
	key.dst = pkt.src;
	key.sport = pkt.dport;
	key.dport = pkt.sport;
	key.proto = IPPROTO_TCP;
	fl = sf_flow_lookup(f->flows, &key, now_ms);
	if (fl != NULL && fl->tcp_state != SF_TCP_CLOSING) {
		fl->tcp_state = SF_TCP_CLOSING;
		sf_flow_touch(fl, now_ms);
	}
}

void sf_filter_cut_frames(const SfFlow *flow, uint8_t *to_guest, size_t *guest_len, uint8_t *to_slirp,
			  size_t *slirp_len)
{
	const SfFlowKey *k = &flow->key;

	*guest_len = *slirp_len = 0;
	if (k->proto != IPPROTO_TCP || flow->tcp_state == SF_TCP_SYN_SENT)
		return;
	/* towards the guest: from the peer, at the sequence number the guest expects */
	*guest_len = sf_reply_tcp_rst_flow(flow->peer_mac, flow->guest_mac, &k->dst, &k->src, k->dport,
					   k->sport, flow->guest_ack, 0, false, to_guest, SF_REPLY_MAX);
	/* towards libslirp: from the guest, at the guest's next sequence number */
	*slirp_len = sf_reply_tcp_rst_flow(flow->guest_mac, flow->peer_mac, &k->src, &k->dst, k->sport,
					   k->dport, flow->guest_seq_next, 0, false, to_slirp,
					   SF_REPLY_MAX);
}
