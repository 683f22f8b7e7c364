/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper: hand-built Ethernet frames with valid checksums (IPv4/IPv6, TCP/UDP/ICMP). */
#pragma once

#include <stddef.h>
#include <stdint.h>

typedef struct {
	uint8_t b[2048];
	size_t len;
} Frame;

/* The guest's MAC (source of built frames) and the gateway's (their destination). */
extern const uint8_t fb_guest_mac[6];
extern const uint8_t fb_gw_mac[6];

void put16(uint8_t *p, uint16_t v);
void put32(uint8_t *p, uint32_t v);
uint16_t get16(const uint8_t *p);
uint32_t get32(const uint8_t *p);
/* RFC 1071, written independently of the code under test. */
uint32_t rfc1071_add(uint32_t sum, const uint8_t *p, size_t n);
uint16_t rfc1071_fold(uint32_t sum);
/* Checksum of an L4 segment behind IP header @ip, pseudo-header included (not ICMPv4); 0 when right. */
uint16_t l4_sum(const uint8_t *ip, uint8_t proto, const uint8_t *l4, size_t l4len);
/* Ethernet (guest -> gateway) + IP header, hop limit 63; returns the zeroed L4 area. */
uint8_t *build_ip(Frame *f, int family, uint8_t proto, const char *src, const char *dst, size_t l4len);
void fill_payload(uint8_t *p, size_t n);
/* Sets the IPv4 header checksum and the L4 checksum at @csum_off. */
void finish(Frame *f, uint8_t proto, size_t csum_off);
void build_tcp(Frame *f, int family, const char *src, const char *dst, uint16_t sport, uint16_t dport,
	       uint32_t seq, uint32_t ack, uint8_t flags, size_t plen);
void build_udp(Frame *f, int family, const char *src, const char *dst, uint16_t sport, uint16_t dport,
	       size_t plen);
void build_icmp(Frame *f, int family, const char *src, const char *dst, uint8_t type, size_t plen);
