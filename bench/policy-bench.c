/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy engine microbenchmark: load time and decision time at 100,000 rules.
 *
 * Builds a policy text of @rules rules (by default 100,000: 70 % CIDR rules,
 * IPv4 and IPv6, with ports and some denies; 30 % name rules, exact,
 * `*.parent` and denies), then times sf_policy_parse() (parse and compile,
 * what a load or reload costs) over a few rounds, and sf_policy_decide() on
 * a mix of destinations inside and outside the rules and learned addresses,
 * and sf_policy_match_name() on names that match and names that do not.
 * Also reports what a loaded policy holds from malloc (policy_kib: glibc's
 * mallinfo2, heap plus mmapped blocks, measured around the last load).
 * Prints one JSON object (bench/run puts it in its record). No I/O besides
 * stdout; not a test: the unit suite's /policy/scale checks the bounds.
 *
 * Usage: policy-bench [RULES] [DECISIONS]
 */
#include <glib.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#include "slirp-filter/frame.h"
#include "slirp-filter/policy.h"

static uint32_t rng = 2463534242u;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const unsigned n_rules = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 100000;
	const unsigned n_decide = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 2000000;
	const unsigned n_cidr = n_rules * 7 / 10, n_name = n_rules - n_cidr;
	const unsigned rounds = 5;
	GString *text = g_string_sized_new(64u * n_rules);
	g_autoptr(SfPolicy) p = NULL;
	SfLearned *learned = sf_learned_new(100000);
	double load_ms[5];
	int64_t t0, t1;
	unsigned allowed = 0, matched = 0;
	double decide_ns, name_ns, held = 0;
	const unsigned n_names = n_decide / 4;
	char name[128];

	for (unsigned i = 0; i < n_cidr; i++) {
		unsigned a = 11 + i / 65536, b = (i / 256) % 256, c = i % 256;

		switch (i % 10) {
		case 0: case 1: case 2: case 3: case 4: case 5:
			g_string_append_printf(text, "allow tcp to %u.%u.%u.0/24 port 443\n", a, b, c);
			break;
		case 6:
			g_string_append_printf(text, "allow tcp to %u.%u.%u.0/24 port 80,443,8000-8100\n", a, b, c);
			break;
		case 7:
			g_string_append_printf(text, "allow udp to %u.%u.%u.%u port 53,123\n", a, b, c, 1 + i % 250);
			break;
		case 8:
			g_string_append_printf(text, "allow tcp to 2a0%u:%x:%x::/48 port 443\n", 1 + i % 8, b, c);
			break;
		default:
			g_string_append_printf(text, "deny any to %u.%u.%u.66\n", a, b, c);
			break;
		}
	}
	for (unsigned i = 0; i < n_name; i++) {
		if (i % 10 < 7)
			g_string_append_printf(text, "allow tcp to svc%u.team%u.corp.example port 443\n", i, i % 97);
		else if (i % 10 < 9)
			g_string_append_printf(text, "allow tcp to *.cdn%u.example port 80,443\n", i);
		else
			g_string_append_printf(text, "deny any to tracker%u.ads.example\n", i);
	}

	for (unsigned r = 0; r < rounds; r++) {
		g_autoptr(GError) error = NULL;
		struct mallinfo2 m0, m1;

		g_clear_pointer(&p, sf_policy_free);
		m0 = mallinfo2();
		t0 = g_get_monotonic_time();
		p = sf_policy_parse(text->str, text->len, "bench.policy", &error);
		t1 = g_get_monotonic_time();
		m1 = mallinfo2();
		held = (double)((int64_t)(m1.uordblks + m1.hblkhd) - (int64_t)(m0.uordblks + m0.hblkhd)) / 1024;
		if (p == NULL) {
			fprintf(stderr, "policy-bench: %s\n", error->message);
			return 1;
		}
		load_ms[r] = (double)(t1 - t0) / 1000.0;
	}
	qsort(load_ms, rounds, sizeof(double), cmp_double);

	/* 50,000 learned addresses under allowed names, 100.x.y.z */
	for (unsigned i = 0; i < 50000; i++) {
		uint8_t ip[4] = { 100, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };
		SfAddr a;

		g_snprintf(name, sizeof(name), "x%u.cdn%u.example", i, 7 + 10 * (i % 1000));
		sf_addr_from_ipv4(&a, ip);
		sf_learned_add(learned, &a, name, 0, 3600);
	}

	t0 = g_get_monotonic_time();
	for (unsigned i = 0; i < n_decide; i++) {
		uint32_t x = next();
		uint8_t ip[4];
		SfAddr a;
		SfDecision d;

		switch (x & 3) {
		case 0: /* inside a CIDR rule (or its deny) */
			ip[0] = (uint8_t)(11 + (x >> 8) % (1 + n_cidr / 65536));
			ip[1] = (uint8_t)(x >> 16);
			ip[2] = (uint8_t)(x >> 24);
			ip[3] = (uint8_t)(x >> 2);
			break;
		case 1: /* a learned address */
			ip[0] = 100;
			ip[1] = 0;
			ip[2] = (uint8_t)((x >> 8) % 195);
			ip[3] = (uint8_t)(x >> 16);
			break;
		default: /* matched by nothing */
			ip[0] = (uint8_t)(150 + (x >> 8) % 50);
			ip[1] = (uint8_t)(x >> 16);
			ip[2] = (uint8_t)(x >> 24);
			ip[3] = (uint8_t)(x >> 2);
			break;
		}
		sf_addr_from_ipv4(&a, ip);
		sf_policy_decide(p, NULL, learned, SF_PROTO_TCP, &a, 443, false, 1000, &d);
		allowed += d.allow;
	}
	t1 = g_get_monotonic_time();
	decide_ns = (double)(t1 - t0) * 1000.0 / n_decide;

	t0 = g_get_monotonic_time();
	for (unsigned i = 0; i < n_names; i++) {
		uint32_t x = next();
		SfNameMatch m;

		if (x & 1)
			g_snprintf(name, sizeof(name), "svc%u.team%u.corp.example", (x >> 1) % n_name,
				   ((x >> 1) % n_name) % 97);
		else
			g_snprintf(name, sizeof(name), "www.unlisted%u.example.net", x >> 1);
		sf_policy_match_name(p, name, &m);
		matched += m.allowed;
	}
	t1 = g_get_monotonic_time();
	name_ns = (double)(t1 - t0) * 1000.0 / n_names;

	printf("{\"rules\": %u, \"cidr_rules\": %u, \"name_rules\": %u, \"load_ms\": %.2f, "
	       "\"load_ms_min\": %.2f, \"policy_kib\": %.0f, \"decisions\": %u, \"decide_ns\": %.1f, "
	       "\"allowed\": %u, \"name_matches\": %u, \"name_match_ns\": %.1f, \"matched\": %u}\n",
	       n_rules, n_cidr, n_name, load_ms[rounds / 2], load_ms[0], held, n_decide, decide_ns,
	       allowed, n_names, name_ns, matched);
	sf_learned_free(learned);
	g_string_free(text, TRUE);
	return allowed > 0 && matched > 0 ? 0 : 1;
}
