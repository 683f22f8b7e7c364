/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: any byte string as a policy file through sf_policy_parse().
 *
 * Theory of operation: a file that does not parse must fail with
 * SF_POLICY_ERROR and messages that name the file; a file that parses must
 * give a policy whose rules keep the documented invariants (protocols never
 * empty, port ranges sorted, merged and within 1..65535, names lower case
 * without a final dot, no host bits in a prefix). Then the compiled lookup
 * structures are checked against a reference written here as a plain scan
 * of the rules in file order: for addresses and ports taken from the rules
 * themselves (each prefix's first and last address, each range's ends and
 * neighbours) and a few fixed ones, sf_policy_decide() must allow exactly
 * when some matching allow rule exists (inside the protected range holding
 * the address, if any) and no matching deny rule does; name matching must
 * agree with the exact / `*.parent` / `*` rules likewise. sf_policy_summary()
 * and the helpers that print and clamp must not crash.
 */
#include "config.h"

#include <glib.h>
#include <string.h>

#include "slirp-filter/filter.h"
#include "slirp-filter/policy.h"

#include "fuzz-util.h"

#define PROBE_RULES 48 /* rules whose addresses and ports become probes */

static SfFilter filter; /* only for its protected ranges (sf_filter_init) */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	SfNetLayout layout;
	SfCidr resolver;

	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
	if (!sf_netconfig_parse_cidr(FUZZ_CIDR, &layout, NULL) ||
	    !sf_cidr_parse("198.51.100.53", &resolver, NULL))
		abort();
	sf_filter_init(&filter, &layout, true, &resolver.prefix, 1);
	return 0;
}

void fuzz_target_cleanup(void)
{
}

static const SfRule *rule(const SfPolicy *p, guint i)
{
	return &g_array_index(p->rules, SfRule, i);
}

/* Port match by a linear scan (the engine uses a binary search). */
static bool ref_ports(const SfPolicy *p, const SfRule *r, uint8_t proto, uint16_t port)
{
	if (!(r->protos & proto))
		return false;
	if (r->ports_count == 0)
		return true;
	if (proto == SF_PROTO_ICMP)
		return false; /* ICMP has no ports: a rule with a port list never matches it */
	for (uint32_t k = 0; k < r->ports_count; k++) {
		const SfPortRange *pr = &g_array_index(p->ports, SfPortRange, r->ports_first + k);

		if (port >= pr->lo && port <= pr->hi)
			return true;
	}
	return false;
}

static void check_invariants(const SfPolicy *p)
{
	char buf[64];

	FUZZ_CHECK(p->ttl_min <= p->ttl_max, "ttl-min %u > ttl-max %u", p->ttl_min, p->ttl_max);
	FUZZ_CHECK(p->flows_max >= SF_POLICY_FLOWS_MIN && p->flows_max <= SF_POLICY_FLOWS_LIMIT,
		   "flows max %u", p->flows_max);
	for (guint i = 0; i < p->rules->len; i++) {
		const SfRule *r = rule(p, i);

		FUZZ_CHECK(r->protos != 0 && (r->protos & ~SF_PROTO_ANY) == 0, "rule %u: protocols %#x", i,
			   r->protos);
		FUZZ_CHECK((uint64_t)r->ports_first + r->ports_count <= p->ports->len,
			   "rule %u: ports out of the array", i);
		for (uint32_t k = 0; k < r->ports_count; k++) {
			const SfPortRange *pr = &g_array_index(p->ports, SfPortRange, r->ports_first + k);

			FUZZ_CHECK(pr->lo >= 1 && pr->lo <= pr->hi, "rule %u: range %u-%u", i, pr->lo, pr->hi);
			if (k > 0) {
				const SfPortRange *prev = pr - 1;

				FUZZ_CHECK((uint32_t)prev->hi + 1 < pr->lo,
					   "rule %u: ranges %u-%u and %u-%u not sorted and merged", i,
					   prev->lo, prev->hi, pr->lo, pr->hi);
			}
		}
		if (r->kind == SF_TARGET_CIDR) {
			SfCidr back;

			FUZZ_CHECK(r->cidr.len <= 128, "rule %u: prefix length %u", i, r->cidr.len);
			sf_cidr_to_string(&r->cidr, buf, sizeof(buf));
			FUZZ_CHECK(sf_cidr_parse(buf, &back, NULL) && back.len == r->cidr.len &&
				   memcmp(&back.prefix, &r->cidr.prefix, sizeof(back.prefix)) == 0,
				   "rule %u: %s does not read back as itself", i, buf);
		}
		if (r->kind == SF_TARGET_NAME || r->kind == SF_TARGET_SUFFIX) {
			char norm[256];

			FUZZ_CHECK(r->name != NULL && r->name[0] != '\0', "rule %u: no name", i);
			FUZZ_CHECK(sf_name_normalize(r->name, strlen(r->name), norm) == NULL &&
				   strcmp(norm, r->name) == 0, "rule %u: name \"%s\" is not normalized", i,
				   r->name);
		}
	}
}

/*
 * The reference decision for a flow of @family: a scan of every rule, as
 * docs/policy.md describes it (a rule only meets flows of its own family).
 */
static void check_decision(const SfPolicy *p, int family, uint8_t proto, const SfAddr *dst,
			   uint16_t port)
{
	bool v4 = family == AF_INET;
	bool gateway = memcmp(dst, v4 ? &filter.gateway4 : &filter.gateway6, sizeof(*dst)) == 0;
	int prot = sf_protected_find_af(&filter.prot, family, dst);
	bool deny = false, allow = false;
	SfDecision d;
	char a[64];

	for (guint i = 0; i < p->rules->len; i++) {
		const SfRule *r = rule(p, i);
		bool target;

		if (r->kind == SF_TARGET_CIDR)
			target = sf_cidr_is_ipv4(&r->cidr) == v4 && sf_cidr_contains(&r->cidr, dst);
		else if (r->kind == SF_TARGET_HOST)
			target = gateway;
		else
			continue;
		if (!target || !ref_ports(p, r, proto, port))
			continue;
		if (r->action == SF_ACTION_DENY)
			deny = true;
		else if (r->kind == SF_TARGET_HOST || prot < 0 ||
			 sf_cidr_covers(&filter.prot.cidr[prot], &r->cidr))
			allow = true;
	}
	sf_policy_decide_af(p, &filter.prot, NULL, family, proto, dst,
			    proto == SF_PROTO_ICMP ? 0 : port, gateway, FUZZ_NOW_MS, &d);
	FUZZ_CHECK(d.allow == (allow && !deny),
		   "%s proto %u port %u: the engine says %s (%s), a scan of the rules says %s",
		   sf_addr_to_string_af(family, dst, a, sizeof(a)), proto, port,
		   d.allow ? "allow" : "deny",
		   sf_reason_name(d.reason), allow && !deny ? "allow" : "deny");
	FUZZ_CHECK(!deny || d.reason == SF_REASON_RULE_DENY, "a matching deny rule, reason %s",
		   sf_reason_name(d.reason));
	FUZZ_CHECK(!d.allow || (d.rule >= 0 && (guint)d.rule < p->rules->len &&
				rule(p, (guint)d.rule)->action == SF_ACTION_ALLOW),
		   "an allow decision names rule %d", d.rule);
}

static void probe_addr(const SfPolicy *p, const SfAddr *dst, const uint16_t *ports, unsigned n_ports)
{
	static const uint8_t protos[] = { SF_PROTO_TCP, SF_PROTO_UDP, SF_PROTO_ICMP };

	for (unsigned i = 0; i < G_N_ELEMENTS(protos); i++)
		for (unsigned k = 0; k < (protos[i] == SF_PROTO_ICMP ? 1 : n_ports); k++)
			for (int v6 = 0; v6 <= sf_addr_is_ipv4(dst); v6++) /* ::ffff:x as IPv6 too */
				check_decision(p, v6 ? AF_INET6 : (sf_addr_is_ipv4(dst) ? AF_INET : AF_INET6),
					       protos[i], dst, ports[k]);
	(void)sf_policy_explicitly_allows(p, dst);
}

/* The last address of @c. */
static SfAddr last_addr(const SfCidr *c)
{
	SfAddr a = c->prefix;

	for (unsigned bit = c->len; bit < 128; bit++)
		a.b[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	return a;
}

/* The reference name match: exact, `*.parent` (strict subdomains), `*`. */
static void check_name(const SfPolicy *p, const char *name)
{
	bool deny = false, allow = false;
	size_t n = strlen(name);
	SfNameMatch m;

	for (guint i = 0; i < p->rules->len; i++) {
		const SfRule *r = rule(p, i);
		bool hit;

		if (r->kind == SF_TARGET_NAME) {
			hit = strcmp(r->name, name) == 0;
		} else if (r->kind == SF_TARGET_SUFFIX) {
			size_t k = strlen(r->name);

			hit = n > k + 1 && name[n - k - 1] == '.' && strcmp(name + n - k, r->name) == 0;
		} else {
			hit = r->kind == SF_TARGET_ALL_NAMES;
		}
		if (hit && r->action == SF_ACTION_DENY)
			deny = true;
		else if (hit)
			allow = true;
	}
	sf_policy_match_name(p, name, &m);
	FUZZ_CHECK(m.allowed == (allow && !deny), "name \"%s\": the engine says %s, a scan says %s",
		   name, m.allowed ? "allowed" : "denied", allow && !deny ? "allowed" : "denied");
	FUZZ_CHECK((m.deny_rule >= 0) == deny, "name \"%s\": deny rule %d, a scan says %s", name,
		   m.deny_rule, deny ? "one matches" : "none matches");
}

static void check_policy(const SfPolicy *p)
{
	static const char *const fixed_addrs[] = { "10.0.2.2", "10.0.2.3", "10.0.2.100", "127.0.0.1",
						   "169.254.169.254", "203.0.113.10", "0.0.0.0",
						   "255.255.255.255", "::1", "fd00::2", "2001:db8::1" };
	static const char *const fixed_names[] = { "example", "web.example", "a.b.example.org", "x" };
	uint16_t ports[16] = { 0, 1, 53, 80, 443, 65535 };
	g_autofree char *summary = sf_policy_summary(p);
	char buf[300];
	unsigned n_ports = 6, n_rules = MIN(p->rules->len, PROBE_RULES);

	FUZZ_CHECK(summary != NULL && g_utf8_validate(summary, -1, NULL), "summary is not UTF-8 text");
	(void)sf_policy_ttl_clamp(p, 0);
	(void)sf_policy_ttl_clamp(p, UINT32_MAX);
	check_invariants(p);
	/* ports at the edges of the first rules' ranges */
	for (unsigned i = 0; i < n_rules && n_ports + 4 <= G_N_ELEMENTS(ports); i++) {
		const SfRule *r = rule(p, i);

		if (r->ports_count > 0) {
			const SfPortRange *pr = &g_array_index(p->ports, SfPortRange, r->ports_first);

			ports[n_ports++] = pr->lo;
			ports[n_ports++] = (uint16_t)(pr->lo - 1);
			ports[n_ports++] = pr->hi;
			ports[n_ports++] = (uint16_t)(pr->hi + 1);
		}
	}
	for (unsigned i = 0; i < G_N_ELEMENTS(fixed_addrs); i++) {
		SfCidr c;

		if (!sf_cidr_parse(fixed_addrs[i], &c, NULL))
			abort();
		probe_addr(p, &c.prefix, ports, n_ports);
	}
	for (unsigned i = 0; i < n_rules; i++) {
		const SfRule *r = rule(p, i);

		if (r->kind == SF_TARGET_CIDR) {
			SfAddr last = last_addr(&r->cidr);

			probe_addr(p, &r->cidr.prefix, ports, n_ports);
			probe_addr(p, &last, ports, n_ports);
		} else if (r->kind == SF_TARGET_NAME || r->kind == SF_TARGET_SUFFIX) {
			check_name(p, r->name);
			g_snprintf(buf, sizeof(buf), "a.%s", r->name);
			check_name(p, buf);
			if (strchr(r->name, '.') != NULL)
				check_name(p, strchr(r->name, '.') + 1);
		}
	}
	for (unsigned i = 0; i < G_N_ELEMENTS(fixed_names); i++)
		check_name(p, fixed_names[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SfPolicy) p = sf_policy_parse((const char *)data, size, "fuzz.policy", &error);

	if (p == NULL) {
		FUZZ_CHECK(error != NULL && error->domain == SF_POLICY_ERROR, "a refusal without its error");
		FUZZ_CHECK(error->code != SF_POLICY_ERROR_SYNTAX || g_str_has_prefix(error->message, "fuzz.policy:"),
			   "a syntax error that does not start with the file name: %s", error->message);
		FUZZ_CHECK(g_utf8_validate(error->message, -1, NULL), "an error message is not UTF-8");
		return 0;
	}
	FUZZ_CHECK(error == NULL, "a policy and an error");
	check_policy(p);
	return 0;
}
