/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parsing and validation of the virtual network's layout options. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "slirp-filter/netconfig.h"

G_DEFINE_QUARK(sf-netconfig-error-quark, sf_netconfig_error)

static bool parse_ulong(const char *text, unsigned long max, unsigned long *out)
{
	char *end = NULL;
	unsigned long v;

	if (text == NULL || !g_ascii_isdigit(text[0]))
		return false;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

static struct in_addr addr_plus(struct in_addr base, uint32_t offset)
{
	struct in_addr a = { .s_addr = htonl(ntohl(base.s_addr) + offset) };
	return a;
}

bool sf_netconfig_parse_cidr(const char *cidr, SfNetLayout *layout, GError **error)
{
	g_autofree char *copy = NULL;
	char *slash;
	unsigned long prefix;
	struct in_addr addr;
	uint32_t mask;

	if (cidr == NULL || (slash = strchr(cidr, '/')) == NULL) {
		g_set_error(error, SF_NETCONFIG_ERROR, SF_NETCONFIG_ERROR_INVALID,
			    "invalid CIDR: %s", cidr ? cidr : "(null)");
		return false;
	}
	copy = g_strndup(cidr, (gsize)(slash - cidr));
	if (inet_pton(AF_INET, copy, &addr) != 1 || !parse_ulong(slash + 1, 32, &prefix)) {
		g_set_error(error, SF_NETCONFIG_ERROR, SF_NETCONFIG_ERROR_INVALID,
			    "invalid CIDR: %s", cidr);
		return false;
	}
	if (prefix < SF_PREFIX_MIN || prefix > SF_PREFIX_MAX) {
		g_set_error(error, SF_NETCONFIG_ERROR, SF_NETCONFIG_ERROR_INVALID,
			    "prefix length needs to be %d-%d", SF_PREFIX_MIN, SF_PREFIX_MAX);
		return false;
	}
	mask = prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
	if ((ntohl(addr.s_addr) & ~mask) != 0) {
		char buf[INET_ADDRSTRLEN];
		struct in_addr n = { .s_addr = htonl(ntohl(addr.s_addr) & mask) };

		inet_ntop(AF_INET, &n, buf, sizeof(buf));
		g_set_error(error, SF_NETCONFIG_ERROR, SF_NETCONFIG_ERROR_INVALID,
			    "CIDR needs to be a network address like %s/%lu, not like %s",
			    buf, prefix, cidr);
		return false;
	}

	memset(layout, 0, sizeof(*layout));
	layout->network = addr;
	layout->netmask.s_addr = htonl(mask);
	layout->prefix = (unsigned)prefix;
	layout->gateway = addr_plus(addr, SF_GATEWAY_OFFSET);
	layout->dns = addr_plus(addr, SF_DNS_OFFSET);
	layout->dhcp_start = addr_plus(addr, SF_DHCP_START_OFFSET);
	layout->guest = addr_plus(addr, SF_GUEST_OFFSET);
	inet_pton(AF_INET6, "fd00::", &layout->prefix6);
	layout->prefix6_len = 64;
	inet_pton(AF_INET6, "fd00::2", &layout->gateway6);
	inet_pton(AF_INET6, "fd00::3", &layout->dns6);
	return true;
}

bool sf_netconfig_parse_mtu(const char *text, unsigned *mtu, GError **error)
{
	unsigned long v;

	if (!parse_ulong(text, SF_MTU_MAX, &v) || v == 0) {
		g_set_error(error, SF_NETCONFIG_ERROR, SF_NETCONFIG_ERROR_INVALID,
			    "MTU must be a positive integer (< %d): %s", SF_MTU_MAX + 1,
			    text ? text : "(null)");
		return false;
	}
	*mtu = (unsigned)v;
	return true;
}

bool sf_netconfig_parse_mac(const char *text, uint8_t mac[6], GError **error)
{
	unsigned i;

	if (text == NULL || strlen(text) != 17)
		goto bad;
	for (i = 0; i < 6; i++) {
		const char *p = text + i * 3;

		if (!g_ascii_isxdigit(p[0]) || !g_ascii_isxdigit(p[1]))
			goto bad;
		if (i < 5 && p[2] != ':')
			goto bad;
		mac[i] = (uint8_t)(g_ascii_xdigit_value(p[0]) << 4 | g_ascii_xdigit_value(p[1]));
	}
	if (mac[0] & 1) {
		g_set_error(error, SF_NETCONFIG_ERROR, SF_NETCONFIG_ERROR_INVALID,
			    "MAC address %s is a multicast address", text);
		return false;
	}
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])) {
		g_set_error(error, SF_NETCONFIG_ERROR, SF_NETCONFIG_ERROR_INVALID,
			    "MAC address %s is all zeroes", text);
		return false;
	}
	return true;
bad:
	g_set_error(error, SF_NETCONFIG_ERROR, SF_NETCONFIG_ERROR_INVALID,
		    "invalid MAC address: %s (expected xx:xx:xx:xx:xx:xx)", text ? text : "(null)");
	return false;
}

bool sf_netconfig_parse_fd(const char *text, int *fd, GError **error)
{
	unsigned long v;

	if (!parse_ulong(text, INT_MAX, &v)) {
		g_set_error(error, SF_NETCONFIG_ERROR, SF_NETCONFIG_ERROR_INVALID,
			    "invalid file descriptor: %s", text ? text : "(null)");
		return false;
	}
	*fd = (int)v;
	return true;
}
