/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: CIDR/MTU/MAC/fd parsing of the command line. */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "slirp-filter/netconfig.h"

static void assert_addr(struct in_addr a, const char *expected)
{
	char buf[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, buf, sizeof(buf));
	g_assert_cmpstr(buf, ==, expected);
}

static void test_cidr_default(void)
{
	g_autoptr(GError) error = NULL;
	SfNetLayout l;

	g_assert_true(sf_netconfig_parse_cidr("10.0.2.0/24", &l, &error));
	g_assert_no_error(error);
	assert_addr(l.network, "10.0.2.0");
	assert_addr(l.netmask, "255.255.255.0");
	assert_addr(l.gateway, "10.0.2.2");
	assert_addr(l.dns, "10.0.2.3");
	assert_addr(l.dhcp_start, "10.0.2.15");
	assert_addr(l.guest, "10.0.2.100");
	g_assert_cmpuint(l.prefix, ==, 24);
	g_assert_cmpuint(l.prefix6_len, ==, 64);
}

static void test_cidr_other(void)
{
	g_autoptr(GError) error = NULL;
	SfNetLayout l;

	g_assert_true(sf_netconfig_parse_cidr("10.5.0.0/16", &l, &error));
	assert_addr(l.guest, "10.5.0.100");
	assert_addr(l.netmask, "255.255.0.0");
	g_assert_true(sf_netconfig_parse_cidr("192.0.2.128/25", &l, &error));
	assert_addr(l.gateway, "192.0.2.130");
	assert_addr(l.guest, "192.0.2.228");
	g_assert_true(sf_netconfig_parse_cidr("128.0.0.0/1", &l, &error));
	assert_addr(l.netmask, "128.0.0.0");
}

static void expect_cidr_error(const char *cidr, const char *fragment)
{
	g_autoptr(GError) error = NULL;
	SfNetLayout l;

	g_assert_false(sf_netconfig_parse_cidr(cidr, &l, &error));
	g_assert_error(error, SF_NETCONFIG_ERROR, SF_NETCONFIG_ERROR_INVALID);
	if (strstr(error->message, fragment) == NULL)
		g_error("error for %s was \"%s\", expected \"%s\"", cidr, error->message, fragment);
}

static void test_cidr_errors(void)
{
	expect_cidr_error("foo", "invalid CIDR: foo");
	expect_cidr_error("10.0.2.0", "invalid CIDR");
	expect_cidr_error("10.0.2.0/", "invalid CIDR");
	expect_cidr_error("10.0.2.0/24x", "invalid CIDR");
	expect_cidr_error("10.0.2.0/-1", "invalid CIDR");
	expect_cidr_error("10.0.2.0/33", "invalid CIDR");
	expect_cidr_error("10.0.2.0/0", "prefix length needs to be 1-25");
	expect_cidr_error("10.0.2.0/26", "prefix length needs to be 1-25");
	expect_cidr_error("10.0.2.100/24", "like 10.0.2.0/24, not like 10.0.2.100/24");
	expect_cidr_error("fd00::/64", "invalid CIDR");
	expect_cidr_error("", "invalid CIDR");
}

static void test_mtu(void)
{
	g_autoptr(GError) error = NULL;
	unsigned mtu = 0;

	g_assert_true(sf_netconfig_parse_mtu("1500", &mtu, NULL));
	g_assert_cmpuint(mtu, ==, 1500);
	g_assert_true(sf_netconfig_parse_mtu("65521", &mtu, NULL));
	g_assert_cmpuint(mtu, ==, 65521);
	g_assert_true(sf_netconfig_parse_mtu("1", &mtu, NULL));
	g_assert_false(sf_netconfig_parse_mtu("65522", &mtu, &error));
	g_assert_nonnull(strstr(error->message, "< 65522"));
	g_clear_error(&error);
	g_assert_false(sf_netconfig_parse_mtu("0", &mtu, NULL));
	g_assert_false(sf_netconfig_parse_mtu("-5", &mtu, NULL));
	g_assert_false(sf_netconfig_parse_mtu("abc", &mtu, NULL));
	g_assert_false(sf_netconfig_parse_mtu("1500x", &mtu, NULL));
	g_assert_false(sf_netconfig_parse_mtu("", &mtu, NULL));
	g_assert_false(sf_netconfig_parse_mtu("99999999999999999999999", &mtu, NULL));
	g_assert_false(sf_netconfig_parse_mtu(NULL, &mtu, NULL));
}

static void test_mac(void)
{
	uint8_t mac[6];
	const uint8_t want[6] = { 0x02, 0x11, 0x22, 0xaa, 0xBB, 0xcc };

	g_assert_true(sf_netconfig_parse_mac("02:11:22:aa:BB:cc", mac, NULL));
	g_assert_cmpmem(mac, 6, want, 6);
	g_assert_false(sf_netconfig_parse_mac("02:11:22:aa:bb", mac, NULL));
	g_assert_false(sf_netconfig_parse_mac("02:11:22:aa:bb:cc:dd", mac, NULL));
	g_assert_false(sf_netconfig_parse_mac("02-11-22-aa-bb-cc", mac, NULL));
	g_assert_false(sf_netconfig_parse_mac("zz:11:22:aa:bb:cc", mac, NULL));
	g_assert_false(sf_netconfig_parse_mac("01:00:5e:00:00:01", mac, NULL)); /* multicast */
	g_assert_false(sf_netconfig_parse_mac("00:00:00:00:00:00", mac, NULL));
	g_assert_false(sf_netconfig_parse_mac(NULL, mac, NULL));
}

static void test_fd(void)
{
	int fd = -1;

	g_assert_true(sf_netconfig_parse_fd("3", &fd, NULL));
	g_assert_cmpint(fd, ==, 3);
	g_assert_true(sf_netconfig_parse_fd("0", &fd, NULL));
	g_assert_false(sf_netconfig_parse_fd("-1", &fd, NULL));
	g_assert_false(sf_netconfig_parse_fd("3a", &fd, NULL));
	g_assert_false(sf_netconfig_parse_fd("2147483648", &fd, NULL));
	g_assert_false(sf_netconfig_parse_fd("", &fd, NULL));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/netconfig/cidr/default", test_cidr_default);
	g_test_add_func("/netconfig/cidr/other", test_cidr_other);
	g_test_add_func("/netconfig/cidr/errors", test_cidr_errors);
	g_test_add_func("/netconfig/mtu", test_mtu);
	g_test_add_func("/netconfig/mac", test_mac);
	g_test_add_func("/netconfig/fd", test_fd);
	return g_test_run();
}
