/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the per-frame filter on crafted frames (infrastructure, flows, spoofing, cuts, audit). */
#include "config.h"

#include <arpa/inet.h>
#include <glib.h>
#include <netinet/in.h>
#include <string.h>

#include "slirp-filter/audit.h"
#include "slirp-filter/filter.h"
#include "slirp-filter/reply.h"

#include "frame-builder.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

typedef struct {
	SfPolicy *policy;
	SfLearned *learned;
	SfFlowTable *flows;
	SfFilter *f;
} Fixture;

static void setup(Fixture *fx, const char *policy_text, uint32_t flows_max)
{
	g_autoptr(GError) error = NULL;
	SfNetLayout layout;
	SfAddr resolver;
	uint8_t r[4] = { 198, 51, 100, 53 };

	g_assert_true(sf_netconfig_parse_cidr("10.0.2.0/24", &layout, &error));
	sf_addr_from_ipv4(&resolver, r);
	fx->policy = sf_policy_parse(policy_text, strlen(policy_text), "t.policy", &error);
	g_assert_no_error(error);
	fx->learned = sf_learned_new(64);
	fx->flows = sf_flow_table_new(flows_max);
	fx->f = g_new0(SfFilter, 1);
	sf_filter_init(fx->f, &layout, true, &resolver, 1);
	fx->f->policy = fx->policy;
	fx->f->learned = fx->learned;
	fx->f->flows = fx->flows;
}

static void teardown(Fixture *fx)
{
	sf_policy_free(fx->policy);
	sf_learned_free(fx->learned);
	sf_flow_table_free(fx->flows);
	g_free(fx->f);
}

static SfVerdict run(Fixture *fx, const Frame *fr, int64_t now, SfFilterEvent *ev)
{
	SfPacket pkt;
	SfFilterEvent local;

	return sf_filter_frame(fx->f, fr->b, fr->len, now, &pkt, ev != NULL ? ev : &local);
}

static const char *ALLOW_WEB = "allow tcp to 203.0.113.10 port 80\n"
			       "allow udp to 203.0.113.10 port 7\n"
			       "allow icmp to 203.0.113.10\n"
			       "allow tcp to 2001:db8::10 port 80\n"
			       "allow any to 0.0.0.0/0\n"
			       "deny any to 203.0.113.99\n";

static void test_flows_allow_deny(void)
{
	Fixture fx;
	Frame fr;
	SfFilterEvent ev;

	setup(&fx, "allow tcp to 203.0.113.10 port 80\nallow udp to 203.0.113.10 port 7\n"
		   "allow icmp to 203.0.113.10\nallow tcp to 2001:db8::10 port 80\n", 64);
	build_tcp(&fr, AF_INET, "10.0.2.100", "203.0.113.10", 40000, 80, 1000, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 0, &ev), ==, SF_VERDICT_PASS);
	g_assert_true(ev.decided);
	g_assert_true(ev.decision.allow);
	g_assert_nonnull(ev.flow);
	/* later packets of the flow: a lookup, no new decision */
	build_tcp(&fr, AF_INET, "10.0.2.100", "203.0.113.10", 40000, 80, 1001, 5001, TCP_ACK, 10);
	g_assert_cmpint(run(&fx, &fr, 1, &ev), ==, SF_VERDICT_PASS);
	g_assert_false(ev.decided);
	g_assert_cmpint(ev.flow->tcp_state, ==, SF_TCP_ESTABLISHED);
	g_assert_cmpuint(ev.flow->guest_seq_next, ==, 1011);
	g_assert_cmpuint(ev.flow->guest_ack, ==, 5001);
	/* same host, other port: refused */
	build_tcp(&fr, AF_INET, "10.0.2.100", "203.0.113.10", 40001, 81, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 2, &ev), ==, SF_VERDICT_REJECT);
	g_assert_cmpint(ev.decision.reason, ==, SF_REASON_DEFAULT_DENY);
	/* UDP per destination: allowed to one, refused to another from the same socket */
	build_udp(&fr, AF_INET, "10.0.2.100", "203.0.113.10", 5555, 7, 4);
	g_assert_cmpint(run(&fx, &fr, 3, NULL), ==, SF_VERDICT_PASS);
	build_udp(&fr, AF_INET, "10.0.2.100", "203.0.113.11", 5555, 7, 4);
	g_assert_cmpint(run(&fx, &fr, 3, NULL), ==, SF_VERDICT_REJECT);
	/* ICMP echo */
	build_icmp(&fr, AF_INET, "10.0.2.100", "203.0.113.10", 8, 16);
	g_assert_cmpint(run(&fx, &fr, 4, NULL), ==, SF_VERDICT_PASS);
	build_icmp(&fr, AF_INET, "10.0.2.100", "203.0.113.12", 8, 16);
	g_assert_cmpint(run(&fx, &fr, 4, NULL), ==, SF_VERDICT_REJECT);
	/* IPv6 */
	build_tcp(&fr, AF_INET6, "fd00::5054:ff:fe12:3456", "2001:db8::10", 40000, 80, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 5, NULL), ==, SF_VERDICT_PASS);
	build_tcp(&fr, AF_INET6, "fd00::5054:ff:fe12:3456", "2001:db8::11", 40000, 80, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 5, NULL), ==, SF_VERDICT_REJECT);
	build_udp(&fr, AF_INET6, "fd00::5054:ff:fe12:3456", "2001:db8::10", 5555, 7, 4);
	g_assert_cmpint(run(&fx, &fr, 5, NULL), ==, SF_VERDICT_REJECT);
	g_assert_cmpuint(fx.f->c.flows_allowed, ==, 4);
	g_assert_cmpuint(fx.f->c.flows_denied, ==, 5);
	teardown(&fx);
}

static void test_infrastructure(void)
{
	Fixture fx;
	Frame fr;

	setup(&fx, "", 64); /* deny everything */
	/* DHCP discover from 0.0.0.0 to broadcast */
	build_udp(&fr, AF_INET, "0.0.0.0", "255.255.255.255", 68, 67, 300);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_PASS);
	/* echo to the gateway passes, to the DNS address it does not */
	build_icmp(&fr, AF_INET, "10.0.2.100", "10.0.2.2", 8, 8);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_PASS);
	build_icmp(&fr, AF_INET, "10.0.2.100", "10.0.2.3", 8, 8);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_REJECT);
	/* DNS to the DNS address, UDP and TCP, v4 and v6: not a flow */
	build_udp(&fr, AF_INET, "10.0.2.100", "10.0.2.3", 5353, 53, 30);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_PASS);
	fx.f->dns_in_process = true;
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_DNS);
	build_tcp(&fr, AF_INET6, "fd00::1234", "fd00::3", 40000, 53, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_DNS);
	/* but other ports of the DNS address are internal */
	build_tcp(&fr, AF_INET, "10.0.2.100", "10.0.2.3", 40000, 80, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_REJECT);
	/* neighbour solicitation with hop limit 255 passes; with 64 it is forged */
	build_icmp(&fr, AF_INET6, "::", "ff02::1:ff00:2", 135, 16);
	fr.b[14 + 7] = 255;
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_PASS);
	fr.b[14 + 7] = 64;
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_DROP);
	/* router solicitation */
	build_icmp(&fr, AF_INET6, "fe80::1", "ff02::2", 133, 8);
	fr.b[14 + 7] = 255;
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_PASS);
	/* ICMP errors and echo replies from the guest are not flows */
	build_icmp(&fr, AF_INET, "10.0.2.100", "203.0.113.10", 3, 28);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_DROP);
	g_assert_cmpuint(fx.f->c.drop[SF_DROP_ICMP_TYPE], ==, 1);
	teardown(&fx);
}

static void test_fail_closed(void)
{
	Fixture fx;
	Frame fr;

	setup(&fx, ALLOW_WEB, 64);
	/* spoofed sources */
	build_tcp(&fr, AF_INET, "10.0.2.101", "203.0.113.10", 40000, 80, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_DROP);
	build_tcp(&fr, AF_INET, "203.0.113.7", "203.0.113.10", 40000, 80, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_DROP);
	build_tcp(&fr, AF_INET6, "2001:db8::7", "2001:db8::10", 40000, 80, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_DROP);
	build_tcp(&fr, AF_INET6, "fd00::2", "2001:db8::10", 40000, 80, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_DROP);
	g_assert_cmpuint(fx.f->c.drop[SF_DROP_SPOOFED], ==, 4);
	/* a fragment, a GRE packet, a truncated header */
	build_udp(&fr, AF_INET, "10.0.2.100", "203.0.113.10", 5555, 7, 40);
	fr.b[14 + 6] = 0x20; /* MF */
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_DROP);
	build_ip(&fr, AF_INET, 47, "10.0.2.100", "203.0.113.10", 24);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_DROP);
	build_tcp(&fr, AF_INET, "10.0.2.100", "203.0.113.10", 40000, 80, 1, 0, TCP_SYN, 0);
	fr.len = 14 + 20 + 10;
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_DROP);
	g_assert_cmpuint(fx.f->c.drop[SF_DROP_MALFORMED], ==, 3);
	/* every truncation of a valid frame is dropped or judged, never passed unparsed */
	build_tcp(&fr, AF_INET, "10.0.2.100", "203.0.113.99", 40000, 80, 1, 0, TCP_SYN, 20);
	for (size_t len = 0; len < fr.len; len++) {
		SfPacket pkt;
		SfFilterEvent ev;
		SfVerdict v = sf_filter_frame(fx.f, fr.b, len, 0, &pkt, &ev);

		g_assert_cmpint(v, !=, SF_VERDICT_PASS);
	}
	/* the deny rule wins over allow-all; multicast and metadata stay closed */
	build_tcp(&fr, AF_INET, "10.0.2.100", "203.0.113.99", 40000, 443, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_REJECT);
	build_udp(&fr, AF_INET, "10.0.2.100", "224.0.0.251", 5353, 5353, 20);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_REJECT);
	build_tcp(&fr, AF_INET, "10.0.2.100", "169.254.169.254", 40000, 80, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_REJECT);
	build_udp(&fr, AF_INET, "10.0.2.100", "198.51.100.53", 5555, 53, 20);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_REJECT);
	build_tcp(&fr, AF_INET, "10.0.2.100", "10.0.2.2", 40000, 22, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_REJECT);
	build_tcp(&fr, AF_INET, "10.0.2.100", "10.0.2.50", 40000, 22, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_REJECT);
	/* a stray RST is dropped, not decided */
	build_tcp(&fr, AF_INET, "10.0.2.100", "203.0.113.10", 40000, 80, 1, 0, TCP_RST, 0);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_DROP);
	teardown(&fx);
}

static void test_audit_mode(void)
{
	Fixture fx;
	Frame fr;
	SfFilterEvent ev;

	setup(&fx, "mode audit\nallow tcp to 203.0.113.10 port 80\n", 64);
	build_tcp(&fr, AF_INET, "10.0.2.100", "203.0.113.99", 40000, 443, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 0, &ev), ==, SF_VERDICT_PASS);
	g_assert_true(ev.audit_only);
	g_assert_false(ev.decision.allow);
	g_assert_cmpuint(fx.f->c.flows_audit_allowed, ==, 1);
	/* spoofing and malformed frames stay dropped in audit mode */
	build_tcp(&fr, AF_INET, "10.0.2.7", "203.0.113.99", 40000, 443, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_DROP);
	teardown(&fx);
}

static void test_table_full(void)
{
	Fixture fx;
	Frame fr;
	SfFilterEvent ev;

	setup(&fx, "allow udp to 203.0.113.0/24\n", 16);
	for (int i = 0; i < 16; i++) {
		build_udp(&fr, AF_INET, "10.0.2.100", "203.0.113.10", (uint16_t)(1000 + i), 7, 4);
		g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_PASS);
	}
	build_udp(&fr, AF_INET, "10.0.2.100", "203.0.113.10", 2000, 7, 4);
	g_assert_cmpint(run(&fx, &fr, 0, &ev), ==, SF_VERDICT_REJECT);
	g_assert_true(ev.table_full);
	g_assert_cmpuint(fx.f->c.flows_table_full, ==, 1);
	/* existing flows keep working */
	build_udp(&fr, AF_INET, "10.0.2.100", "203.0.113.10", 1005, 7, 4);
	g_assert_cmpint(run(&fx, &fr, 1, NULL), ==, SF_VERDICT_PASS);
	/* a flood to denied destinations never takes table room */
	for (int i = 0; i < 100; i++) {
		build_udp(&fr, AF_INET, "10.0.2.100", "198.51.100.9", (uint16_t)(3000 + i), 7, 4);
		g_assert_cmpint(run(&fx, &fr, 1, NULL), ==, SF_VERDICT_REJECT);
	}
	g_assert_cmpuint(sf_flow_count(fx.flows), ==, 16);
	teardown(&fx);
}

static void test_learned_expiry_and_cut(void)
{
	Fixture fx;
	Frame fr;
	SfFilterEvent ev;
	SfAddr web;
	uint8_t ip[4] = { 203, 0, 113, 10 };
	uint8_t g[SF_REPLY_MAX], s[SF_REPLY_MAX];
	size_t glen, slen;
	SfPacket rst;

	setup(&fx, "allow tcp to web.example port 80\ndns grace 10\n", 64);
	sf_addr_from_ipv4(&web, ip);
	g_assert_true(sf_learned_add(fx.learned, &web, "web.example", 0, 30));
	build_tcp(&fr, AF_INET, "10.0.2.100", "203.0.113.10", 40000, 80, 100, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 1000, &ev), ==, SF_VERDICT_PASS);
	g_assert_cmpint(ev.decision.reason, ==, SF_REASON_LEARNED);
	g_assert_cmpstr(ev.decision.name, ==, "web.example");
	build_tcp(&fr, AF_INET, "10.0.2.100", "203.0.113.10", 40000, 80, 101, 9000, TCP_ACK, 0);
	g_assert_cmpint(run(&fx, &fr, 2000, &ev), ==, SF_VERDICT_PASS);
	/* within TTL + grace the flow lives on */
	g_assert_cmpint(run(&fx, &fr, 35000, &ev), ==, SF_VERDICT_PASS);
	/* a new flow after the TTL is refused */
	build_tcp(&fr, AF_INET, "10.0.2.100", "203.0.113.10", 40001, 80, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 35000, NULL), ==, SF_VERDICT_REJECT);
	/* past TTL + grace the established flow is cut */
	build_tcp(&fr, AF_INET, "10.0.2.100", "203.0.113.10", 40000, 80, 101, 9000, TCP_ACK, 0);
	g_assert_cmpint(run(&fx, &fr, 40001, &ev), ==, SF_VERDICT_REJECT);
	g_assert_true(ev.revalidated);
	g_assert_nonnull(ev.flow);
	sf_filter_cut_frames(ev.flow, g, &glen, s, &slen);
	g_assert_cmpuint(glen, >, 0);
	g_assert_cmpuint(slen, >, 0);
	/* towards the guest: from the server, at the guest's ack */
	g_assert_cmpint(sf_frame_parse(g, glen, &rst), ==, SF_FRAME_OK);
	g_assert_true(rst.tcp_flags & TCP_RST);
	g_assert_cmpuint(rst.sport, ==, 80);
	g_assert_cmpuint(get32(g + rst.l4_offset + 4), ==, 9000);
	/* towards libslirp: from the guest, at its next sequence number */
	g_assert_cmpint(sf_frame_parse(s, slen, &rst), ==, SF_FRAME_OK);
	g_assert_cmpuint(rst.sport, ==, 40000);
	g_assert_cmpuint(get32(s + rst.l4_offset + 4), ==, 101);
	teardown(&fx);
}

/* A bare SYN reusing a closing flow's 5-tuple is a new flow, decided again. */
static void test_reuse_after_close(void)
{
	Fixture fx;
	Frame fr;
	SfAddr web;
	uint8_t ip[4] = { 203, 0, 113, 10 };

	setup(&fx, "allow tcp to web.example port 80\ndns grace 30\n", 64);
	sf_addr_from_ipv4(&web, ip);
	g_assert_true(sf_learned_add(fx.learned, &web, "web.example", 0, 10));
	build_tcp(&fr, AF_INET, "10.0.2.100", "203.0.113.10", 40000, 80, 100, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 1000, NULL), ==, SF_VERDICT_PASS);
	build_tcp(&fr, AF_INET, "10.0.2.100", "203.0.113.10", 40000, 80, 101, 5, TCP_ACK | TCP_FIN, 0);
	g_assert_cmpint(run(&fx, &fr, 2000, NULL), ==, SF_VERDICT_PASS);
	/* the name's TTL is over (the grace only keeps established flows) */
	build_tcp(&fr, AF_INET, "10.0.2.100", "203.0.113.10", 40000, 80, 9000, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 11000, NULL), ==, SF_VERDICT_REJECT);
	teardown(&fx);
}

static void test_inbound_forward(void)
{
	Fixture fx;
	Frame fr;

	setup(&fx, "", 64);
	/* libslirp delivers a SYN from outside to a forwarded port */
	build_tcp(&fr, AF_INET, "198.51.100.1", "10.0.2.100", 50000, 80, 1, 0, TCP_SYN, 0);
	sf_filter_inbound(fx.f, fr.b, fr.len, 0); /* not forwarded: nothing */
	build_tcp(&fr, AF_INET, "10.0.2.100", "198.51.100.1", 80, 50000, 7, 2, TCP_SYN | TCP_ACK, 0);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_REJECT);
	sf_filter_forward(fx.f, false, 80, true);
	build_tcp(&fr, AF_INET, "198.51.100.1", "10.0.2.100", 50000, 80, 1, 0, TCP_SYN, 0);
	sf_filter_inbound(fx.f, fr.b, fr.len, 0);
	build_tcp(&fr, AF_INET, "10.0.2.100", "198.51.100.1", 80, 50000, 7, 2, TCP_SYN | TCP_ACK, 0);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_PASS);
	g_assert_cmpuint(fx.f->c.flows_inbound, ==, 1);
	/* nor does a new connection from the guest on the forwarded connection's 5-tuple */
	build_tcp(&fr, AF_INET, "10.0.2.100", "198.51.100.1", 80, 50000, 99, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_REJECT);
	/* a SYN|ACK the guest makes up does not open anything */
	build_tcp(&fr, AF_INET, "10.0.2.100", "198.51.100.2", 80, 50000, 7, 2, TCP_SYN | TCP_ACK, 0);
	g_assert_cmpint(run(&fx, &fr, 0, NULL), ==, SF_VERDICT_REJECT);
	teardown(&fx);
}

/* An RST libslirp sends the guest (the server reset the connection) closes the flow's entry. */
static void test_peer_reset(void)
{
	Fixture fx;
	Frame fr;
	SfFilterEvent ev;

	setup(&fx, "allow tcp to 203.0.113.10 port 80\nallow tcp to 2001:db8::10 port 80\n", 64);
	build_tcp(&fr, AF_INET, "10.0.2.100", "203.0.113.10", 40000, 80, 100, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 0, &ev), ==, SF_VERDICT_PASS);
	build_tcp(&fr, AF_INET, "10.0.2.100", "203.0.113.10", 40000, 80, 101, 501, TCP_ACK, 10);
	g_assert_cmpint(run(&fx, &fr, 0, &ev), ==, SF_VERDICT_PASS);
	g_assert_cmpint(ev.flow->tcp_state, ==, SF_TCP_ESTABLISHED);
	/* data and a FIN towards the guest change nothing; another 5-tuple's RST neither */
	build_tcp(&fr, AF_INET, "203.0.113.10", "10.0.2.100", 80, 40000, 501, 111, TCP_ACK | TCP_FIN, 5);
	sf_filter_peer_reset(fx.f, fr.b, fr.len, 1000);
	build_tcp(&fr, AF_INET, "203.0.113.10", "10.0.2.100", 80, 40001, 501, 111, TCP_ACK | TCP_RST, 0);
	sf_filter_peer_reset(fx.f, fr.b, fr.len, 1000);
	build_tcp(&fr, AF_INET, "10.0.2.100", "203.0.113.10", 40000, 80, 111, 501, TCP_ACK, 0);
	g_assert_cmpint(run(&fx, &fr, 1000, &ev), ==, SF_VERDICT_PASS);
	g_assert_cmpint(ev.flow->tcp_state, ==, SF_TCP_ESTABLISHED);
	/* libslirp resets it: closing, gone after the closing timeout */
	build_tcp(&fr, AF_INET, "203.0.113.10", "10.0.2.100", 80, 40000, 501, 111, TCP_ACK | TCP_RST, 0);
	sf_filter_peer_reset(fx.f, fr.b, fr.len, 2000);
	g_assert_cmpuint(sf_flow_count(fx.flows), ==, 1);
	sf_flow_expire(fx.flows, 2000 + SF_FLOW_TIMEOUT_TCP_CLOSING_MS - 1, 1000);
	g_assert_cmpuint(sf_flow_count(fx.flows), ==, 1);
	sf_flow_expire(fx.flows, 2000 + SF_FLOW_TIMEOUT_TCP_CLOSING_MS, 1000);
	g_assert_cmpuint(sf_flow_count(fx.flows), ==, 0);
	/* IPv6 alike; a runt or a truncated frame is ignored */
	build_tcp(&fr, AF_INET6, "fd00::100", "2001:db8::10", 40000, 80, 100, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 3000, &ev), ==, SF_VERDICT_PASS);
	build_tcp(&fr, AF_INET6, "2001:db8::10", "fd00::100", 80, 40000, 0, 101, TCP_ACK | TCP_RST, 0);
	sf_filter_peer_reset(fx.f, fr.b, 20, 3000);
	sf_filter_peer_reset(fx.f, fr.b, fr.len - 1, 3000);
	g_assert_cmpint(ev.flow->tcp_state, ==, SF_TCP_SYN_SENT);
	sf_filter_peer_reset(fx.f, fr.b, fr.len, 3000);
	g_assert_cmpint(ev.flow->tcp_state, ==, SF_TCP_CLOSING);
	teardown(&fx);
}

static void test_audit_record(void)
{
	Fixture fx;
	Frame fr;
	SfFilterEvent ev;
	SfPacket pkt;
	SfFlowKey key;
	SfAuditLine line;
	const char *text;

	setup(&fx, ALLOW_WEB, 64);
	build_tcp(&fr, AF_INET, "10.0.2.100", "203.0.113.99", 40000, 443, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(sf_filter_frame(fx.f, fr.b, fr.len, 0, &pkt, &ev), ==, SF_VERDICT_REJECT);
	sf_flow_key_from_packet(&pkt, &key);
	sf_audit_flow(&line, G_GINT64_CONSTANT(1795000000123456), fx.policy, &fx.f->prot, &key, &ev, NULL);
	text = sf_audit_end(&line);
	g_assert_cmpstr(text, ==,
			"{\"time\":\"2026-11-18T11:06:40.123Z\",\"event\":\"flow\",\"verdict\":\"deny\","
			"\"reason\":\"rule-deny\",\"rule\":\"t.policy:6\",\"proto\":\"tcp\","
			"\"src\":\"10.0.2.100\",\"sport\":40000,\"dst\":\"203.0.113.99\",\"dport\":443,"
			"\"mode\":\"enforce\"}\n");
	/* escaping and truncation */
	sf_audit_begin(&line, 0, "x");
	sf_audit_str(&line, "q", "a\"b\\c\n\x01");
	text = sf_audit_end(&line);
	g_assert_nonnull(strstr(text, "\"q\":\"a\\\"b\\\\c\\u000a\\u0001\""));
	sf_audit_begin(&line, 0, "x");
	for (int i = 0; i < 200; i++)
		sf_audit_str(&line, "k", "0123456789012345678901234567890123456789");
	text = sf_audit_end(&line);
	g_assert_nonnull(strstr(text, "\"truncated\":true}\n"));
	g_assert_cmpuint(strlen(text), <, SF_AUDIT_LINE_MAX);
	teardown(&fx);
}

/*
 * Issue 13 item 1: the families never meet, through the whole decision on
 * raw frames. `::/0` opens no IPv4 destination, `deny any to ::/0` closes
 * none, `0.0.0.0/0` opens no IPv6 one, and an IPv6 packet to ::ffff:a.b.c.d
 * (which the host's dual-stack sockets would carry over IPv4) is refused
 * as "IPv4-mapped" whatever the rules, also in audit mode's record. An
 * address learned from an A record opens IPv4 only, never ::ffff:it.
 */
static void test_families_apart(void)
{
	static const char *const v6_prefixes[] = {
		"::/0", "::/1", "::/80", "::/95", "::/96", "::fffe:0:0/95", "::ffff:0:0:0/96",
	};
	const char *v6src = "fd00::5054:ff:fe12:3456";
	Fixture fx;
	Frame fr;
	SfFilterEvent ev;

	for (size_t i = 0; i < G_N_ELEMENTS(v6_prefixes); i++) {
		g_autofree char *allow = g_strdup_printf("allow tcp to %s port 80\n", v6_prefixes[i]);
		g_autofree char *deny = g_strdup_printf("allow any to 0.0.0.0/0\ndeny any to %s\n",
							v6_prefixes[i]);

		/* an IPv6 allow does not open IPv4 (public, loopback, the host's resolver) */
		setup(&fx, allow, 64);
		build_tcp(&fr, AF_INET, "10.0.2.100", "198.51.100.7", 40000, 80, 1, 0, TCP_SYN, 0);
		g_assert_cmpint(run(&fx, &fr, 0, &ev), ==, SF_VERDICT_REJECT);
		g_assert_cmpint(ev.decision.reason, ==, SF_REASON_DEFAULT_DENY);
		build_tcp(&fr, AF_INET, "10.0.2.100", "0.0.0.0", 40000, 80, 1, 0, TCP_SYN, 0);
		g_assert_cmpint(run(&fx, &fr, 0, &ev), ==, SF_VERDICT_REJECT);
		build_tcp(&fr, AF_INET, "10.0.2.100", "198.51.100.53", 40000, 80, 1, 0, TCP_SYN, 0);
		g_assert_cmpint(run(&fx, &fr, 0, &ev), ==, SF_VERDICT_REJECT);
		/* ... nor an IPv6 packet to ::ffff:a.b.c.d */
		build_tcp(&fr, AF_INET6, v6src, "::ffff:198.51.100.7", 40000, 80, 1, 0, TCP_SYN, 0);
		g_assert_cmpint(run(&fx, &fr, 0, &ev), ==, SF_VERDICT_REJECT);
		g_assert_cmpint(ev.decision.reason, ==, SF_REASON_PROTECTED);
		g_assert_cmpstr(fx.f->prot.what[ev.decision.protected_range], ==, "IPv4-mapped");
		teardown(&fx);

		/* an IPv6 deny does not close IPv4 */
		setup(&fx, deny, 64);
		build_tcp(&fr, AF_INET, "10.0.2.100", "198.51.100.7", 40000, 80, 1, 0, TCP_SYN, 0);
		g_assert_cmpint(run(&fx, &fr, 0, &ev), ==, SF_VERDICT_PASS);
		g_assert_cmpint(ev.decision.reason, ==, SF_REASON_RULE_ALLOW);
		teardown(&fx);
	}

	/* 0.0.0.0/0 opens no IPv6 destination, mapped or not; ::/0 opens IPv6 */
	setup(&fx, "allow any to 0.0.0.0/0\nallow tcp to 2001:db8::/32 port 443\n", 64);
	build_tcp(&fr, AF_INET6, v6src, "2001:db9::1", 40000, 80, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 0, &ev), ==, SF_VERDICT_REJECT);
	g_assert_cmpint(ev.decision.reason, ==, SF_REASON_DEFAULT_DENY);
	build_tcp(&fr, AF_INET6, v6src, "::ffff:198.51.100.7", 40001, 80, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 0, &ev), ==, SF_VERDICT_REJECT);
	build_tcp(&fr, AF_INET6, v6src, "2001:db8::1", 40002, 443, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 0, &ev), ==, SF_VERDICT_PASS);
	teardown(&fx);

	/* ::ffff:<gateway> is not the gateway: a `host` rule does not open it */
	setup(&fx, "allow tcp to host port 5432\nallow any to ::/0\n", 64);
	build_tcp(&fr, AF_INET6, v6src, "::ffff:10.0.2.2", 40000, 5432, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 0, &ev), ==, SF_VERDICT_REJECT);
	g_assert_cmpint(ev.decision.reason, ==, SF_REASON_PROTECTED);
	build_tcp(&fr, AF_INET, "10.0.2.100", "10.0.2.2", 40000, 5432, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 0, &ev), ==, SF_VERDICT_PASS);
	/* ... and ::ffff:<dns> port 53 is not the in-process resolver: a flow, refused */
	fx.f->dns_in_process = true;
	build_udp(&fr, AF_INET6, v6src, "::ffff:10.0.2.3", 5353, 53, 12);
	g_assert_cmpint(run(&fx, &fr, 0, &ev), ==, SF_VERDICT_REJECT);
	teardown(&fx);

	/* a learned IPv4 address opens IPv4 only */
	setup(&fx, "allow tcp to web.example port 80\nallow any to ::/0\n", 64);
	{
		SfAddr web;
		uint8_t b[4] = { 203, 0, 113, 10 };

		sf_addr_from_ipv4(&web, b);
		g_assert_true(sf_learned_add(fx.learned, &web, "web.example", 0, 30));
	}
	build_tcp(&fr, AF_INET, "10.0.2.100", "203.0.113.10", 40000, 80, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 0, &ev), ==, SF_VERDICT_PASS);
	g_assert_cmpint(ev.decision.reason, ==, SF_REASON_LEARNED);
	build_tcp(&fr, AF_INET6, v6src, "::ffff:203.0.113.10", 40000, 80, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(run(&fx, &fr, 0, &ev), ==, SF_VERDICT_REJECT);
	g_assert_cmpint(ev.decision.reason, ==, SF_REASON_PROTECTED);
	teardown(&fx);
}

/* Issue 13 item 7: the record of an IPv6 flow to ::ffff:a.b.c.d keeps the IPv6 form. */
static void test_audit_record_mapped(void)
{
	Fixture fx;
	Frame fr;
	SfFilterEvent ev;
	SfPacket pkt;
	SfFlowKey key;
	SfAuditLine line;
	const char *text;

	setup(&fx, "mode audit\nallow any to 0.0.0.0/0\n", 64);
	build_tcp(&fr, AF_INET6, "fd00::5054:ff:fe12:3456", "::ffff:198.51.100.7", 40000, 80, 1, 0,
		  TCP_SYN, 0);
	g_assert_cmpint(sf_filter_frame(fx.f, fr.b, fr.len, 0, &pkt, &ev), ==, SF_VERDICT_PASS);
	g_assert_true(ev.audit_only);
	sf_flow_key_from_packet(&pkt, &key);
	g_assert_cmpint(sf_flow_key_family(&key), ==, AF_INET6);
	sf_audit_flow(&line, G_GINT64_CONSTANT(1795000000123456), fx.policy, &fx.f->prot, &key, &ev, NULL);
	text = sf_audit_end(&line);
	g_assert_cmpstr(text, ==,
			"{\"time\":\"2026-11-18T11:06:40.123Z\",\"event\":\"flow\","
			"\"verdict\":\"audit-deny\",\"reason\":\"protected\",\"range\":\"IPv4-mapped\","
			"\"proto\":\"tcp\",\"src\":\"fd00::5054:ff:fe12:3456\",\"sport\":40000,"
			"\"dst\":\"::ffff:198.51.100.7\",\"dport\":80,\"mode\":\"audit\"}\n");
	/* the IPv4 flow to the same host is written as IPv4 */
	build_tcp(&fr, AF_INET, "10.0.2.100", "198.51.100.7", 40000, 80, 1, 0, TCP_SYN, 0);
	g_assert_cmpint(sf_filter_frame(fx.f, fr.b, fr.len, 0, &pkt, &ev), ==, SF_VERDICT_PASS);
	sf_flow_key_from_packet(&pkt, &key);
	sf_audit_flow(&line, 0, fx.policy, &fx.f->prot, &key, &ev, NULL);
	g_assert_nonnull(strstr(sf_audit_end(&line), "\"dst\":\"198.51.100.7\""));
	teardown(&fx);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/filter/flows-allow-deny", test_flows_allow_deny);
	g_test_add_func("/filter/infrastructure", test_infrastructure);
	g_test_add_func("/filter/fail-closed", test_fail_closed);
	g_test_add_func("/filter/audit-mode", test_audit_mode);
	g_test_add_func("/filter/table-full", test_table_full);
	g_test_add_func("/filter/learned-expiry-and-cut", test_learned_expiry_and_cut);
	g_test_add_func("/filter/reuse-after-close", test_reuse_after_close);
	g_test_add_func("/filter/inbound-forward", test_inbound_forward);
	g_test_add_func("/filter/peer-reset", test_peer_reset);
	g_test_add_func("/filter/audit-record", test_audit_record);
	g_test_add_func("/filter/families-apart", test_families_apart);
	g_test_add_func("/filter/audit-record-mapped", test_audit_record_mapped);
	return g_test_run();
}
