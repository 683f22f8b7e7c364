/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/):
 * real frames built like the unit tests' (frame-builder.c), DNS queries,
 * streams and upstream answers built with ldns, API requests as Podman and
 * scripts send them. The policy corpus is the example files (copied by
 * hand). Not part of any test run; regenerate with
 *   meson compile -C build gen-fuzz-corpus && build/tests/fuzz/gen-fuzz-corpus tests/fuzz/corpus
 * Files are named after what they hold; existing files are overwritten.
 */
#include "config.h"

#include <arpa/inet.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <string.h>

#include "../unit/dns-test-util.h"
#include "../unit/frame-builder.h"

#define SYN 0x02
#define ACK 0x10
#define PSH 0x08
#define FIN 0x01

static const char *root;

static void save(const char *target, const char *name, const void *data, size_t len)
{
	g_autofree char *dir = g_build_filename(root, target, NULL);
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autoptr(GError) error = NULL;

	g_mkdir_with_parents(dir, 0755);
	if (!g_file_set_contents(path, data, (gssize)len, &error))
		g_error("%s", error->message);
}

static void save_text(const char *target, const char *name, const char *text)
{
	save(target, name, text, strlen(text));
}

/* ---- fuzz-frame ---- */

/* A record sequence: [control][forward][length, 2 bytes][frame] ... (see fuzz-frame.c). */
typedef struct {
	uint8_t b[16384];
	size_t len;
} Records;

static void rec_fwd(Records *r, uint8_t ctl, uint8_t fwd, const Frame *f)
{
	g_assert_cmpuint(r->len + 4 + f->len, <=, sizeof(r->b));
	r->b[r->len] = ctl;
	r->b[r->len + 1] = fwd;
	put16(r->b + r->len + 2, (uint16_t)f->len);
	memcpy(r->b + r->len + 4, f->b, f->len);
	r->len += 4 + f->len;
}

static void rec(Records *r, uint8_t ctl, const Frame *f)
{
	rec_fwd(r, ctl, 0, f);
}

static void frame(const char *name, const Frame *f)
{
	save("fuzz-frame", name, f->b, f->len);
}

/* The Ethernet/IPv4 ARP request of the guest for the gateway. */
static void build_arp(Frame *f)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t *a = f->b + 14;

	memset(f, 0, sizeof(*f));
	memcpy(f->b, bcast, 6);
	memcpy(f->b + 6, fb_guest_mac, 6);
	put16(f->b + 12, 0x0806);
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);
	memcpy(a + 8, fb_guest_mac, 6);
	inet_pton(AF_INET, "10.0.2.100", a + 14);
	inet_pton(AF_INET, "10.0.2.2", a + 24);
	f->len = 14 + 28;
}

/* A UDP DNS query of @name from the guest to @dns (10.0.2.3 or fd00::3). */
static void build_dns_udp(Frame *f, int family, const char *src, const char *dns, const char *name,
			  uint16_t type)
{
	TMsg m;
	uint8_t *u;

	t_query(&m, name, type, 0x1234, 0);
	u = build_ip(f, family, IPPROTO_UDP, src, dns, 8 + m.len);
	put16(u, 40000);
	put16(u + 2, 53);
	put16(u + 4, (uint16_t)(8 + m.len));
	memcpy(u + 8, m.b, m.len);
	finish(f, IPPROTO_UDP, 6);
}

/* A TCP segment carrying @payload. */
static void build_tcp_data(Frame *f, const char *src, const char *dst, uint16_t sport, uint16_t dport,
			   uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *payload, size_t plen)
{
	uint8_t *t = build_ip(f, AF_INET, IPPROTO_TCP, src, dst, 20 + plen);

	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = 5 << 4;
	t[13] = flags;
	put16(t + 14, 64240);
	memcpy(t + 20, payload, plen);
	finish(f, IPPROTO_TCP, 16);
}

static void frame_seeds(void)
{
	const char *g4 = "10.0.2.100", *g6 = "fd00::5054:ff:fe12:3456";
	Records r;
	Frame f;

	/* single frames: flows the policy allows, denies, protects; infrastructure */
	build_tcp(&f, AF_INET, g4, "203.0.113.10", 40000, 80, 1000, 0, SYN, 0);
	frame("tcp-syn-allowed", &f);
	build_tcp(&f, AF_INET, g4, "203.0.113.99", 40000, 22, 1000, 0, SYN, 0);
	frame("tcp-syn-default-deny", &f);
	build_tcp(&f, AF_INET, g4, "198.51.100.66", 40000, 80, 1000, 0, SYN, 0);
	frame("tcp-syn-deny-rule", &f);
	build_tcp(&f, AF_INET, g4, "198.51.100.7", 40000, 25, 1000, 0, SYN, 0);
	frame("tcp-syn-deny-port", &f);
	build_tcp(&f, AF_INET, g4, "10.0.2.2", 40000, 5432, 1, 0, SYN, 0);
	frame("tcp-syn-host-allowed", &f);
	build_tcp(&f, AF_INET, g4, "10.0.2.2", 40000, 22, 1, 0, SYN, 0);
	frame("tcp-syn-host-denied", &f);
	build_tcp(&f, AF_INET, g4, "169.254.169.254", 40000, 80, 1, 0, SYN, 0);
	frame("tcp-syn-metadata-rule-inside", &f);
	build_tcp(&f, AF_INET, g4, "127.0.0.1", 40000, 9999, 1, 0, SYN, 0);
	frame("tcp-syn-loopback-protected", &f);
	build_tcp(&f, AF_INET, g4, "192.0.2.10", 40000, 443, 1, 0, SYN, 0);
	frame("tcp-syn-learned", &f);
	build_tcp(&f, AF_INET, g4, "192.0.2.12", 40000, 443, 1, 0, SYN, 0);
	frame("tcp-syn-learned-denied-name", &f);
	build_tcp(&f, AF_INET, g4, "169.254.1.1", 40000, 80, 1, 0, SYN, 0);
	frame("tcp-syn-learned-protected", &f);
	build_tcp(&f, AF_INET6, g6, "2001:db8::10", 40000, 8080, 1, 0, SYN, 0);
	frame("tcp6-syn-allowed", &f);
	build_tcp(&f, AF_INET6, g6, "2001:db8:1::10", 40000, 443, 1, 0, SYN, 0);
	frame("tcp6-syn-learned", &f);
	build_udp(&f, AF_INET, g4, "203.0.113.10", 5555, 7, 16);
	frame("udp-allowed", &f);
	build_udp(&f, AF_INET6, g6, "2001:db8::bad", 5555, 7, 16);
	frame("udp6-denied", &f);
	build_udp(&f, AF_INET, g4, "192.0.2.11", 5555, 443, 40);
	frame("udp-learned-cdn", &f);
	build_icmp(&f, AF_INET, g4, "203.0.113.10", 8, 16);
	frame("icmp-echo-allowed", &f);
	build_icmp(&f, AF_INET, g4, "10.0.2.2", 8, 16);
	frame("icmp-echo-gateway", &f);
	build_icmp(&f, AF_INET6, g6, "fd00::2", 128, 16);
	frame("icmp6-echo-gateway", &f);
	build_icmp(&f, AF_INET6, "::", "ff02::1:ff00:2", 135, 24);
	f.b[14 + 7] = 255;
	put16(f.b + 14 + 40 + 2, 0); /* the checksum again, over the new hop limit */
	finish(&f, IPPROTO_ICMPV6, 2);
	frame("icmp6-neighbour-solicitation", &f);
	build_udp(&f, AF_INET, "0.0.0.0", "255.255.255.255", 68, 67, 300);
	frame("dhcp-discover", &f);
	build_arp(&f);
	frame("arp-request", &f);
	build_dns_udp(&f, AF_INET, g4, "10.0.2.3", "web.example", LDNS_RR_TYPE_A);
	frame("dns-udp-allowed", &f);
	build_dns_udp(&f, AF_INET6, g6, "fd00::3", "exfil.example", LDNS_RR_TYPE_AAAA);
	frame("dns6-udp-denied", &f);
	build_tcp(&f, AF_INET, g4, "10.0.2.3", 40000, 53, 1, 0, SYN, 0);
	frame("dns-tcp-syn", &f);
	build_udp(&f, AF_INET, g4, "203.0.113.10", 5555, 7, 16);
	f.b[14 + 6] = 0x20; /* MF */
	frame("udp-fragment", &f);

	/* a TCP flow: SYN, data, FIN */
	r.len = 0;
	build_tcp(&f, AF_INET, g4, "203.0.113.10", 40001, 443, 1000, 0, SYN, 0);
	rec(&r, 0x00, &f);
	build_tcp(&f, AF_INET, g4, "203.0.113.10", 40001, 443, 1001, 7001, ACK | PSH, 32);
	rec(&r, 0x02, &f);
	build_tcp(&f, AF_INET, g4, "203.0.113.10", 40001, 443, 1033, 7001, ACK | FIN, 0);
	rec(&r, 0x02, &f);
	save("fuzz-frame", "records-tcp-flow", r.b, r.len);

	/* a flow to a learned address (60 s TTL + 30 s grace), then past its expiry: cut */
	r.len = 0;
	build_tcp(&f, AF_INET, g4, "192.0.2.10", 40002, 80, 1, 0, SYN, 0);
	rec(&r, 0x00, &f);
	build_tcp(&f, AF_INET, g4, "192.0.2.10", 40002, 80, 2, 5001, ACK, 10);
	rec(&r, 0x02, &f); /* +1 ms: established */
	rec(&r, 0x08, &f); /* +31 s */
	rec(&r, 0x08, &f); /* +31 s: the address expired (60 s), the flow is within grace */
	rec(&r, 0x08, &f); /* +31 s: past the grace: decided again, and cut */
	save("fuzz-frame", "records-learned-expiry", r.b, r.len);

	/* a port forward to guest port 8080, a SYN in through it, the guest's answer */
	r.len = 0;
	build_tcp(&f, AF_INET, "203.0.113.7", g4, 50000, 8080, 9000, 0, SYN, 0);
	rec_fwd(&r, 1, 0x10 | 1, &f); /* add the TCP forward to 8080, then an inbound frame */
	build_tcp(&f, AF_INET, g4, "203.0.113.7", 8080, 50000, 100, 9001, SYN | ACK, 0);
	rec(&r, 0x00, &f);
	save("fuzz-frame", "records-port-forward", r.b, r.len);

	/* DNS over TCP: handshake, a query, FIN (the ISS of the first connection after
	 * g_random_set_seed(1) and two draws for the flow table's seed, as fuzz-frame.c) */
	{
		TMsg m;
		uint8_t payload[600];
		uint32_t iss;

		g_random_set_seed(1);
		g_random_int();
		g_random_int();
		iss = g_random_int();
		t_query(&m, "web.example", LDNS_RR_TYPE_A, 0x2222, 0);
		put16(payload, (uint16_t)m.len);
		memcpy(payload + 2, m.b, m.len);
		r.len = 0;
		build_tcp(&f, AF_INET, g4, "10.0.2.3", 40003, 53, 500, 0, SYN, 0);
		rec(&r, 0x00, &f);
		build_tcp_data(&f, g4, "10.0.2.3", 40003, 53, 501, iss + 1, ACK, NULL, 0);
		rec(&r, 0x00, &f);
		build_tcp_data(&f, g4, "10.0.2.3", 40003, 53, 501, iss + 1, ACK | PSH, payload, m.len + 2);
		rec(&r, 0x00, &f);
		build_tcp_data(&f, g4, "10.0.2.3", 40003, 53, 501 + (uint32_t)m.len + 2, iss + 1, ACK | FIN,
			       NULL, 0);
		rec(&r, 0x02, &f);
		save("fuzz-frame", "records-dns-tcp", r.b, r.len);
	}
}

/* ---- fuzz-dns-query ---- */

static void query_seed(const char *name, const char *qname, uint16_t type, uint16_t edns)
{
	TMsg m;

	t_query(&m, qname, type, 0x1234, edns);
	save("fuzz-dns-query", name, m.b, m.len);
}

static void answer_seed(const char *name, const char *qname, uint16_t type, uint8_t rcode,
			const char *const *rrs)
{
	TMsg m;

	t_answer(&m, 0x4242, qname, type, rcode, rrs);
	save("fuzz-dns-query", name, m.b, m.len);
}

static void dns_seeds(void)
{
	TMsg a, b;
	uint8_t s[1024];
	size_t n = 0;

	query_seed("query-allowed", "web.example", LDNS_RR_TYPE_A, 0);
	query_seed("query-allowed-edns", "Img.CDN.example", LDNS_RR_TYPE_HTTPS, 1232);
	query_seed("query-denied-name", "bad.cdn.example", LDNS_RR_TYPE_A, 0);
	query_seed("query-not-allowed", "exfil.example", LDNS_RR_TYPE_TXT, 4096);
	query_seed("query-any", "api.example", LDNS_RR_TYPE_ANY, 0);
	query_seed("query-axfr", "example", LDNS_RR_TYPE_AXFR, 0);
	query_seed("query-canary", "use-application-dns.net", LDNS_RR_TYPE_A, 0);
	query_seed("query-root", ".", LDNS_RR_TYPE_NS, 0);

	/* a TCP stream: two queries, each with its length prefix */
	t_query(&a, "web.example", LDNS_RR_TYPE_A, 1, 0);
	t_query(&b, "api.example", LDNS_RR_TYPE_AAAA, 2, 1232);
	put16(s, (uint16_t)a.len);
	memcpy(s + 2, a.b, a.len);
	n = 2 + a.len;
	put16(s + n, (uint16_t)b.len);
	memcpy(s + n + 2, b.b, b.len);
	n += 2 + b.len;
	save("fuzz-dns-query", "stream-two-queries", s, n);

	/* upstream answers to the target's fixed queries (sent id 0x4242) */
	answer_seed("answer-a", "web.example", LDNS_RR_TYPE_A, 0,
		    (const char *const[]){ "web.example. 300 IN A 203.0.113.10",
					   "web.example. 300 IN A 192.0.2.20", NULL });
	answer_seed("answer-rebinding", "web.example", LDNS_RR_TYPE_A, 0,
		    (const char *const[]){ "web.example. 300 IN A 127.0.0.1",
					   "web.example. 300 IN A 10.9.1.1", NULL });
	answer_seed("answer-cname-chain", "web.example", LDNS_RR_TYPE_A, 0,
		    (const char *const[]){ "web.example. 60 IN CNAME edge.cdn.example.",
					   "edge.cdn.example. 60 IN CNAME bad.cdn.example.",
					   "bad.cdn.example. 60 IN A 198.51.100.9", NULL });
	answer_seed("answer-aaaa", "api.example", LDNS_RR_TYPE_AAAA, 0,
		    (const char *const[]){ "api.example. 7200 IN AAAA 2001:db8::99",
					   "api.example. 10 IN AAAA fd00::1",
					   "ar:other.example. 10 IN A 192.0.2.1", NULL });
	answer_seed("answer-https-hints", "img.cdn.example", LDNS_RR_TYPE_HTTPS, 0,
		    (const char *const[]){
			    "img.cdn.example. 300 IN HTTPS 1 . alpn=h2 ipv4hint=192.0.2.1 ipv6hint=2001:db8::1",
			    NULL });
	answer_seed("answer-nxdomain-soa", "web.example", LDNS_RR_TYPE_A, 3,
		    (const char *const[]){
			    "ns:example. 900 IN SOA ns.example. host.example. 1 7200 900 1209600 86400",
			    NULL });
}

/* ---- fuzz-api ---- */

static void api_seeds(void)
{
	/* what Podman sends (port_handler=slirp4netns), byte for byte */
	save_text("fuzz-api", "podman-add-hostfwd",
		  "{\"execute\": \"add_hostfwd\", \"arguments\": {\"proto\": \"tcp\", \"host_addr\": \"\", "
		  "\"host_port\": 8080, \"guest_addr\": \"\", \"guest_port\": 80}}");
	save_text("fuzz-api", "add-hostfwd-udp",
		  "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"udp\",\"host_addr\":\"127.0.0.1\","
		  "\"host_port\":5353,\"guest_addr\":\"10.0.2.100\",\"guest_port\":53}}");
	save_text("fuzz-api", "list-hostfwd", "{\"execute\":\"list_hostfwd\"}");
	save_text("fuzz-api", "remove-hostfwd", "{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":1}}");
	save_text("fuzz-api", "reload-policy", "{\"execute\":\"reload_policy\"}");
	save_text("fuzz-api", "get-counters", "{\"execute\":\"get_counters\"}");
	save_text("fuzz-api", "session",
		  "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_port\":8080,\"guest_port\":80}}\n"
		  "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_port\":8081,\"guest_port\":81.0}}\n"
		  "{\"execute\":\"list_hostfwd\"}\n"
		  "{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":1}}\n"
		  "{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":1}}\n"
		  "{\"execute\":\"list_hostfwd\"}\n");
	save_text("fuzz-api", "bad-arguments",
		  "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"sctp\",\"host_port\":0,\"guest_port\":1e9}}");
	save_text("fuzz-api", "nested", "{\"execute\":[[[[{\"a\":[null,true,false,-0.5e-3]}]]]]}");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		g_printerr("usage: %s CORPUS_DIR (tests/fuzz/corpus)\n", argv[0]);
		return 2;
	}
	root = argv[1];
	frame_seeds();
	dns_seeds();
	api_seeds();
	return 0;
}
