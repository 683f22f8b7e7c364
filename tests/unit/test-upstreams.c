/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the DNS upstream set, and the protection it gives in the filter (issue 13 item 2). */
#include <arpa/inet.h>
#include <string.h>

#include "slirp-filter/filter.h"
#include "slirp-filter/upstreams.h"

static SfAddr addr(const char *text)
{
	SfCidr c;

	g_assert_true(sf_cidr_parse(text, &c, NULL));
	return c.prefix;
}

static SfUpstream up(const char *text)
{
	return (SfUpstream){ .addr = addr(text), .port = 53 };
}

static void test_use_and_known(void)
{
	SfUpstreamSet s = { 0 };
	SfAddr rc[] = { addr("203.0.113.53"), addr("127.0.0.53") };
	SfAddr sd[] = { addr("198.51.100.9") };
	SfUpstream pol[] = { up("203.0.113.54"), up("2001:db8::53") };

	/* resolv.conf's servers are used (the loopback stub too), systemd's only protected */
	g_assert_true(sf_upstreams_update(&s, NULL, 0, rc, 2, sd, 1));
	g_assert_false(s.from_policy);
	g_assert_cmpuint(s.n_use, ==, 2);
	g_assert_cmpuint(s.n_known, ==, 2); /* the loopback stub needs no entry */
	g_assert_nonnull(sf_upstreams_find(&s, &rc[0]));
	g_assert_null(sf_upstreams_find(&s, &rc[1]));
	g_assert_cmpuint(sf_upstreams_find(&s, &sd[0])->from, ==, SF_UPSTREAM_FROM_SYSTEMD);
	/* the same again changes nothing */
	g_assert_false(sf_upstreams_update(&s, NULL, 0, rc, 2, sd, 1));
	/* a policy with upstreams: those are used; resolv.conf's stay protected */
	g_assert_true(sf_upstreams_update(&s, pol, 2, rc, 2, sd, 1));
	g_assert_true(s.from_policy);
	g_assert_cmpuint(s.n_use, ==, 2);
	g_assert_true(memcmp(&s.use[0].addr, &pol[0].addr, sizeof(SfAddr)) == 0);
	g_assert_cmpuint(s.n_known, ==, 4);
	g_assert_cmpuint(sf_upstreams_find(&s, &pol[1].addr)->from, ==, SF_UPSTREAM_FROM_POLICY);
	/* resolv.conf changes, the policy drops its upstreams: the old ones stay known */
	{
		SfAddr rc2[] = { addr("192.0.2.53") };

		g_assert_true(sf_upstreams_update(&s, NULL, 0, rc2, 1, NULL, 0));
		g_assert_cmpuint(s.n_use, ==, 1);
		g_assert_cmpuint(s.n_known, ==, 5);
		g_assert_nonnull(sf_upstreams_find(&s, &rc[0]));
		g_assert_nonnull(sf_upstreams_find(&s, &pol[0].addr));
		g_assert_false(sf_upstreams_find(&s, &pol[0].addr)->current);
		g_assert_true(sf_upstreams_find(&s, &rc2[0])->current);
	}
}

/* Bounded: the past upstream seen longest ago makes room, never a current one. */
static void test_bounded(void)
{
	SfUpstreamSet s = { 0 };
	SfAddr cur = addr("203.0.113.53");

	for (unsigned i = 0; i < SF_UPSTREAMS_KNOWN_MAX + 10; i++) {
		SfAddr rc[2] = { cur };
		uint8_t b[4] = { 192, 0, 2, (uint8_t)i };

		if (i >= 256)
			b[2] = 3;
		sf_addr_from_ipv4(&rc[1], b);
		g_assert_true(sf_upstreams_update(&s, NULL, 0, rc, 2, NULL, 0));
		g_assert_cmpuint(s.n_known, <=, SF_UPSTREAMS_KNOWN_MAX);
		g_assert_nonnull(sf_upstreams_find(&s, &cur));
		g_assert_nonnull(sf_upstreams_find(&s, &rc[1]));
	}
	g_assert_cmpuint(s.n_known, ==, SF_UPSTREAMS_KNOWN_MAX);
	g_assert_cmpuint(s.forgotten, ==, 11);
	/* the oldest went first: 192.0.2.0 .. 192.0.2.10 */
	{
		SfAddr old = addr("192.0.2.10"), kept = addr("192.0.2.11");

		g_assert_null(sf_upstreams_find(&s, &old));
		g_assert_nonnull(sf_upstreams_find(&s, &kept));
	}
}

/* The filter: a covering rule does not open an upstream, old or new; an exact one does. */
static void test_filter_protects(void)
{
	const char *text = "allow any to 0.0.0.0/0\nallow any to ::/0\nallow udp to 203.0.113.0/24 port 53\n"
			   "allow udp to 192.0.2.53 port 53\n";
	g_autoptr(SfPolicy) p = sf_policy_parse(text, strlen(text), "t.policy", NULL);
	g_autofree SfFilter *f = g_new0(SfFilter, 1);
	SfUpstreamSet s = { 0 };
	SfNetLayout layout;
	SfAddr rc1[] = { addr("203.0.113.53") }, rc2[] = { addr("203.0.113.54") };
	SfUpstream pol[] = { up("2001:db8::53"), up("192.0.2.53") };
	SfFlowKey k = { .proto = IPPROTO_UDP, .dport = 53 };
	SfDecision d;
	/* a flow's family is its source's, the container's own address (issue 13 item 1) */
	const SfAddr src4 = addr("10.0.2.100"), src6 = addr("fd00::100");

	g_assert_nonnull(p);
	g_assert_true(sf_netconfig_parse_cidr("10.0.2.0/24", &layout, NULL));
	sf_filter_init(f, &layout, true, NULL, 0);
	f->policy = p;
	k.src = src4;
	k.dst = rc2[0];
	sf_filter_decide_flow(f, &k, 0, &d);
	g_assert_true(d.allow); /* not an upstream yet: an internet address */

	sf_upstreams_update(&s, NULL, 0, rc1, 1, NULL, 0);
	sf_filter_set_upstreams(f, &s);
	sf_upstreams_update(&s, pol, 2, rc2, 1, NULL, 0);
	sf_filter_set_upstreams(f, &s);
	for (unsigned i = 0; i < 3; i++) {
		const SfAddr *a = i == 0 ? &rc1[0] : i == 1 ? &rc2[0] : &pol[0].addr;

		k.dst = *a;
		k.src = sf_addr_is_ipv4(a) ? src4 : src6;
		sf_filter_decide_flow(f, &k, 0, &d);
		g_assert_false(d.allow);
		g_assert_cmpint(d.reason, ==, SF_REASON_PROTECTED);
		g_assert_cmpstr(f->prot.what[d.protected_range], ==,
				i == 2 ? "policy upstream" : "host resolver");
	}
	/* a rule naming the address exactly is the user's explicit choice */
	k.dst = pol[1].addr;
	k.src = src4;
	sf_filter_decide_flow(f, &k, 0, &d);
	g_assert_true(d.allow);
	/* the fixed ranges stay whatever the upstreams do */
	k.dst = addr("169.254.169.254");
	sf_filter_decide_flow(f, &k, 0, &d);
	g_assert_cmpint(d.reason, ==, SF_REASON_PROTECTED);
}

/* `upstream` inside the slirp network is refused with FILE:LINE:COL. */
static void test_check_upstreams(void)
{
	const char *text = "allow any to *\nupstream 203.0.113.53 10.0.2.3\nupstream fd00::3#5353\n";
	g_autoptr(SfPolicy) p = sf_policy_parse(text, strlen(text), "t.policy", NULL);
	g_autoptr(GError) error = NULL;
	SfCidr nets[2];

	g_assert_nonnull(p);
	g_assert_true(sf_cidr_parse("10.0.2.0/24", &nets[0], NULL));
	g_assert_true(sf_cidr_parse("fd00::/64", &nets[1], NULL));
	g_assert_false(sf_policy_check_upstreams(p, nets, 2, &error));
	g_assert_nonnull(strstr(error->message, "t.policy:2:23: upstream 10.0.2.3 is inside the container's network 10.0.2.0/24"));
	g_assert_nonnull(strstr(error->message, "t.policy:3:10: upstream fd00::3 is inside the container's network fd00::/64"));
	g_clear_error(&error);
	g_assert_true(sf_policy_check_upstreams(p, nets, 0, &error));
	{
		const char *ok = "upstream 127.0.0.1#5353 203.0.113.53\n";
		g_autoptr(SfPolicy) q = sf_policy_parse(ok, strlen(ok), "t.policy", NULL);

		g_assert_true(sf_policy_check_upstreams(q, nets, 2, NULL));
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/upstreams/use-and-known", test_use_and_known);
	g_test_add_func("/upstreams/bounded", test_bounded);
	g_test_add_func("/upstreams/filter-protects", test_filter_protects);
	g_test_add_func("/upstreams/check-policy", test_check_upstreams);
	return g_test_run();
}
