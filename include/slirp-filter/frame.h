/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parsing one guest Ethernet frame into what the egress policy decides on. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a frame is, or why it cannot be judged (fail closed: anything but OK is dropped). */
typedef enum {
	SF_FRAME_OK = 0,
	SF_FRAME_RUNT,               /* shorter than an Ethernet header */
	SF_FRAME_UNSUPPORTED_ETHERTYPE, /* not ARP, IPv4 or IPv6 (VLAN tags included) */
	SF_FRAME_TRUNCATED,          /* a header runs past the end of the frame */
	SF_FRAME_BAD_HEADER,         /* wrong IP version, IHL < 5, TCP offset < 5, ... */
	SF_FRAME_BAD_LENGTH,         /* an IP or UDP length field disagrees with the frame */
	SF_FRAME_FRAGMENT,           /* IPv4 MF/offset, or an IPv6 fragment header */
	SF_FRAME_IP_OPTIONS,         /* IPv4 header longer than 20 bytes */
	SF_FRAME_EXT_HEADER,         /* an IPv6 extension header */
	SF_FRAME_UNSUPPORTED_PROTO,  /* an IP protocol other than TCP, UDP, ICMP(v6) */
	SF_FRAME_N_RESULTS
} SfFrameResult;

/**
 * SfAddr:
 * An IPv4 or IPv6 address; IPv4 is stored as ::ffff:a.b.c.d so one type
 * serves both families (flow keys, CIDR lookups). The 16 bytes alone do not
 * tell the family of an address in ::ffff:0:0/96: an IPv6 header may carry
 * one too. Where that matters (policy decisions, audit records) the family
 * travels beside the address (see sf_policy_decide_af()).
 */
typedef struct {
	uint8_t b[16];
} SfAddr;

typedef struct {
	uint16_t ethertype;   /* host order: 0x0806 ARP, 0x0800 IPv4, 0x86dd IPv6 */
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	int family;           /* AF_INET or AF_INET6 for IP frames, 0 otherwise */
	uint8_t proto;        /* IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6 */
	SfAddr src, dst;
	uint16_t sport, dport; /* TCP/UDP ports; for ICMP echo both are the echo id */
	uint8_t tcp_flags;     /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 */
	uint8_t icmp_type, icmp_code;
	uint8_t ttl;           /* IPv4 TTL or IPv6 hop limit */
	size_t l3_offset;      /* start of the IP (or ARP) header */
	size_t l4_offset;      /* start of the TCP/UDP/ICMP header */
	size_t l4_len;         /* bytes from l4_offset to the end of the IP payload */
	size_t payload_offset; /* start of the TCP/UDP payload (== l4_offset for ICMP) */
	size_t payload_len;
} SfPacket;

/**
 * sf_frame_parse:
 * Parses @len bytes of @frame into @pkt. Every field is read through a
 * bounds check against @len and the IP length fields; padding after the IP
 * payload (Ethernet minimum size) is ignored. Never allocates. On a result
 * other than SF_FRAME_OK, @pkt holds what was parsed up to the problem.
 */
SfFrameResult sf_frame_parse(const uint8_t *frame, size_t len, SfPacket *pkt);

/** sf_frame_result_name: a short stable name for logs and counters ("truncated"). */
const char *sf_frame_result_name(SfFrameResult result);

/** sf_addr_from_ipv4: @ip4 (4 bytes, network order) as an SfAddr. */
void sf_addr_from_ipv4(SfAddr *addr, const uint8_t ip4[4]);

/** sf_addr_is_ipv4: TRUE for an IPv4-mapped SfAddr. */
bool sf_addr_is_ipv4(const SfAddr *addr);

/** sf_addr_to_string: text form into @buf (at least 46 bytes); returns @buf. */
const char *sf_addr_to_string(const SfAddr *addr, char *buf, size_t size);

/**
 * sf_addr_to_string_af:
 * Like sf_addr_to_string(), in the form of @family: an AF_INET6 address in
 * ::ffff:0:0/96 is written "::ffff:a.b.c.d", never as the IPv4 address.
 */
const char *sf_addr_to_string_af(int family, const SfAddr *addr, char *buf, size_t size);
