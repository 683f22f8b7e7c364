/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Interface configuration with the classic ioctls, as slirp4netns does. */
#include "config.h"

#include <errno.h>
#include <net/if_arp.h>
#include <net/route.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ifconfig.h"

static int set_flags_up(int sock, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	g_strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return -errno;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
		return -errno;
	return 0;
}

static int set_addr(int sock, const char *name, unsigned long req, struct in_addr addr)
{
	struct ifreq ifr;
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = addr };

	memset(&ifr, 0, sizeof(ifr));
	g_strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
	memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
	return ioctl(sock, req, &ifr) < 0 ? -errno : 0;
}

static int add_default_route(int sock, const char *name, struct in_addr gw)
{
	struct rtentry route;
	struct sockaddr_in sin = { .sin_family = AF_INET };

	memset(&route, 0, sizeof(route));
	sin.sin_addr = gw;
	memcpy(&route.rt_gateway, &sin, sizeof(sin));
	sin.sin_addr.s_addr = INADDR_ANY;
	memcpy(&route.rt_dst, &sin, sizeof(sin));
	memcpy(&route.rt_genmask, &sin, sizeof(sin));
	route.rt_flags = RTF_UP | RTF_GATEWAY;
	route.rt_dev = (char *)name;
	return ioctl(sock, SIOCADDRT, &route) < 0 ? -errno : 0;
}

int ifconfig_apply(const CliOptions *opts)
{
	const char *tap = opts->tapname;
	struct ifreq ifr;
	int sock, rc;
	const char *step;

	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		rc = -errno;
		fprintf(stderr, "slirp-filter: socket: %s\n", g_strerror(-rc));
		return rc;
	}
	step = "bring lo up";
	if ((rc = set_flags_up(sock, "lo")) < 0)
		goto out;
	if (opts->has_macaddress) {
		step = "set MAC address";
		memset(&ifr, 0, sizeof(ifr));
		g_strlcpy(ifr.ifr_name, tap, sizeof(ifr.ifr_name));
		ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
		memcpy(ifr.ifr_hwaddr.sa_data, opts->macaddress, 6);
		if (ioctl(sock, SIOCSIFHWADDR, &ifr) < 0) {
			rc = -errno;
			goto out;
		}
	}
	step = "set MTU";
	memset(&ifr, 0, sizeof(ifr));
	g_strlcpy(ifr.ifr_name, tap, sizeof(ifr.ifr_name));
	ifr.ifr_mtu = (int)opts->mtu;
	if (ioctl(sock, SIOCSIFMTU, &ifr) < 0) {
		rc = -errno;
		goto out;
	}
	step = "set address";
	if ((rc = set_addr(sock, tap, SIOCSIFADDR, opts->layout.guest)) < 0)
		goto out;
	step = "set netmask";
	if ((rc = set_addr(sock, tap, SIOCSIFNETMASK, opts->layout.netmask)) < 0)
		goto out;
	step = "bring the tap up";
	if ((rc = set_flags_up(sock, tap)) < 0)
		goto out;
	step = "add the default route";
	if ((rc = add_default_route(sock, tap, opts->layout.gateway)) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		fprintf(stderr, "slirp-filter: cannot %s of %s: %s\n", step, tap, g_strerror(-rc));
	close(sock);
	return rc;
}
