/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Virtual network layout (CIDR, offsets, MTU, MAC) shared by the daemon and its tests. */
#pragma once

#include <glib.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

/* Offsets inside the CIDR, identical to slirp4netns (Podman computes them too). */
#define SF_GATEWAY_OFFSET 2
#define SF_DNS_OFFSET 3
#define SF_DHCP_START_OFFSET 15
#define SF_GUEST_OFFSET 100

#define SF_DEFAULT_CIDR "10.0.2.0/24"
#define SF_DEFAULT_MTU 1500
#define SF_MTU_MAX 65521
/* A prefix longer than /25 leaves no room for the guest at +100. */
#define SF_PREFIX_MIN 1
#define SF_PREFIX_MAX 25

#define SF_NETCONFIG_ERROR (sf_netconfig_error_quark())
GQuark sf_netconfig_error_quark(void);

typedef enum {
	SF_NETCONFIG_ERROR_INVALID,
} SfNetconfigError;

/**
 * SfNetLayout:
 * Every address of the virtual network, in network byte order.
 */
typedef struct {
	struct in_addr network;
	struct in_addr netmask;
	unsigned prefix;
	struct in_addr gateway;   /* +2: libslirp's host, also the host loopback */
	struct in_addr dns;       /* +3 */
	struct in_addr dhcp_start;/* +15 */
	struct in_addr guest;     /* +100: the container's address */
	struct in6_addr prefix6;  /* fd00:: */
	unsigned prefix6_len;     /* 64 */
	struct in6_addr gateway6; /* fd00::2 */
	struct in6_addr dns6;     /* fd00::3 */
} SfNetLayout;

/**
 * sf_netconfig_parse_cidr:
 * Parses "A.B.C.D/N" the way slirp4netns 1.2 does: the prefix must be within
 * SF_PREFIX_MIN..SF_PREFIX_MAX and the address must be the network address.
 * Fills @layout (IPv6 fields get their fixed fd00::/64 values).
 */
bool sf_netconfig_parse_cidr(const char *cidr, SfNetLayout *layout, GError **error);

/**
 * sf_netconfig_parse_mtu:
 * Parses a decimal MTU in 1..SF_MTU_MAX with no trailing garbage.
 */
bool sf_netconfig_parse_mtu(const char *text, unsigned *mtu, GError **error);

/**
 * sf_netconfig_parse_mac:
 * Parses "xx:xx:xx:xx:xx:xx" (hex, case-insensitive) into @mac. Refuses
 * multicast and all-zero addresses, which a tap cannot use as its own.
 */
bool sf_netconfig_parse_mac(const char *text, uint8_t mac[6], GError **error);

/**
 * sf_netconfig_parse_fd:
 * Parses a file descriptor number (0..INT_MAX, decimal, nothing else).
 */
bool sf_netconfig_parse_fd(const char *text, int *fd, GError **error);
