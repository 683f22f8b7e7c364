/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy engine: lookup structures built from the parsed rules, and the
 * decisions made on them.
 *
 * Theory of operation: a policy is compiled once (at load or reload) into
 * an index and never changes afterwards; the daemon swaps whole policies.
 * CIDR rules go into one prefix trie (IPv4 is IPv4-mapped, so an IPv4 rule
 * can never match IPv6). Several rules may share a prefix, so the trie maps
 * each prefix to a group, and groups list rule indices in one flat array
 * (two passes, no per-group allocation). A decision collects every prefix
 * holding the destination, shortest first: any matching deny wins at once;
 * otherwise the longest matching allow is kept. Destinations inside a
 * protected range (host loopback, link-local, multicast, ...) only count an
 * allow whose prefix lies inside that range, so `allow any to 0.0.0.0/0`
 * does not open 169.254.169.254. Addresses learned from DNS answers carry
 * the name that opened them, and that name is re-matched against the name
 * rules in force: a reload never has to rebind them. Name rules live in two
 * hash tables (exact names, and parents of `*.parent`) plus a list for `*`;
 * matching walks the name's parents, one lookup per label. Nothing here
 * allocates after compilation.
 */
#include <string.h>

#include "slirp-filter/policy.h"

#define LOOKUP_MAX 130 /* prefixes of one address: 129 lengths, plus slack */

typedef struct {
	uint32_t first, count; /* into rule_refs */
} PrefixGroup;

struct SfPolicyIndex {
	SfCidrTrie *trie;     /* prefix -> group index */
	PrefixGroup *groups;
	uint32_t *rule_refs;
	GHashTable *names;    /* name -> GArray of uint32 rule indices */
	GHashTable *suffixes; /* parent of `*.parent` -> GArray */
	GArray *all_names;    /* rules whose target is `*` */
	GArray *host_rules;   /* rules whose target is `host` */
};

G_DEFINE_QUARK(sf-policy-error-quark, sf_policy_error)

const char *sf_reason_name(SfReason reason)
{
	static const char *const names[SF_REASON_N] = {
		[SF_REASON_RULE_ALLOW] = "rule-allow",
		[SF_REASON_LEARNED] = "learned",
		[SF_REASON_RULE_DENY] = "rule-deny",
		[SF_REASON_DEFAULT_DENY] = "default-deny",
		[SF_REASON_PROTECTED] = "protected",
		[SF_REASON_INBOUND] = "inbound",
	};

	return (unsigned)reason < SF_REASON_N ? names[reason] : "unknown";
}

static void index_free(SfPolicyIndex *ix)
{
	if (ix == NULL)
		return;
	sf_cidr_trie_free(ix->trie);
	g_free(ix->groups);
	g_free(ix->rule_refs);
	if (ix->names != NULL)
		g_hash_table_destroy(ix->names);
	if (ix->suffixes != NULL)
		g_hash_table_destroy(ix->suffixes);
	if (ix->all_names != NULL)
		g_array_unref(ix->all_names);
	if (ix->host_rules != NULL)
		g_array_unref(ix->host_rules);
	g_free(ix);
}

void sf_policy_free(SfPolicy *policy)
{
	if (policy == NULL)
		return;
	index_free(policy->index);
	if (policy->rules != NULL) {
		for (guint i = 0; i < policy->rules->len; i++)
			g_free(g_array_index(policy->rules, SfRule, i).name);
		g_array_unref(policy->rules);
	}
	if (policy->ports != NULL)
		g_array_unref(policy->ports);
	if (policy->upstreams != NULL)
		g_array_unref(policy->upstreams);
	g_free(policy->source);
	g_free(policy);
}

SfPolicy *sf_policy_new_empty(const char *source)
{
	SfPolicy *p = g_new0(SfPolicy, 1);

	p->source = g_strdup(source);
	p->mode = SF_MODE_ENFORCE;
	p->rules = g_array_new(FALSE, FALSE, sizeof(SfRule));
	p->ports = g_array_new(FALSE, FALSE, sizeof(SfPortRange));
	p->upstreams = g_array_new(FALSE, FALSE, sizeof(SfUpstream));
	p->ttl_min = SF_POLICY_DEFAULT_TTL_MIN;
	p->ttl_max = SF_POLICY_DEFAULT_TTL_MAX;
	p->grace = SF_POLICY_DEFAULT_GRACE;
	p->deny_response = SF_DNS_DENY_NXDOMAIN;
	p->flows_max = SF_POLICY_DEFAULT_FLOWS_MAX;
	p->learned_max = SF_POLICY_DEFAULT_LEARNED_MAX;
	p->reload_flows = SF_RELOAD_FLOWS_CUT;
	p->log_allowed = true;
	return p;
}

SfPolicy *sf_policy_new_default(void)
{
	SfPolicy *p = sf_policy_new_empty("built-in default");

	/* an empty rule set cannot fail to compile */
	sf_policy_compile(p, NULL);
	return p;
}

static void name_table_add(GHashTable *table, const char *key, uint32_t rule)
{
	GArray *list = g_hash_table_lookup(table, key);

	if (list == NULL) {
		list = g_array_new(FALSE, FALSE, sizeof(uint32_t));
		g_hash_table_insert(table, (gpointer)key, list);
	}
	g_array_append_val(list, rule);
}

bool sf_policy_compile(SfPolicy *policy, GError **error)
{
	const guint n = policy->rules->len;
	g_autofree uint32_t *group_of = g_new(uint32_t, MAX(n, 1));
	uint32_t ngroups = 0, nrefs = 0;
	SfPolicyIndex *ix;

	index_free(policy->index);
	policy->index = NULL;
	if (n > SF_POLICY_RULES_MAX) {
		g_set_error(error, SF_POLICY_ERROR, SF_POLICY_ERROR_LIMIT,
			    "%s: %u rules; at most %u are supported", policy->source, n,
			    SF_POLICY_RULES_MAX);
		return false;
	}
	ix = g_new0(SfPolicyIndex, 1);
	ix->trie = sf_cidr_trie_new();
	/* keys point into the rules' own name strings */
	ix->names = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
					  (GDestroyNotify)g_array_unref);
	ix->suffixes = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
					     (GDestroyNotify)g_array_unref);
	ix->all_names = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	ix->host_rules = g_array_new(FALSE, FALSE, sizeof(uint32_t));

	/* pass 1: a group per distinct prefix, and how many rules each holds */
	for (uint32_t i = 0; i < n; i++) {
		const SfRule *r = &g_array_index(policy->rules, SfRule, i);
		uint32_t old;

		group_of[i] = UINT32_MAX;
		switch (r->kind) {
		case SF_TARGET_CIDR:
			if (sf_cidr_trie_insert(ix->trie, &r->cidr, ngroups, &old))
				group_of[i] = ngroups++;
			else
				group_of[i] = old;
			nrefs++;
			break;
		case SF_TARGET_HOST:
			g_array_append_val(ix->host_rules, i);
			break;
		case SF_TARGET_NAME:
			name_table_add(ix->names, r->name, i);
			break;
		case SF_TARGET_SUFFIX:
			name_table_add(ix->suffixes, r->name, i);
			break;
		case SF_TARGET_ALL_NAMES:
			g_array_append_val(ix->all_names, i);
			break;
		}
	}
	/* pass 2: lay the groups out in one array, in file order within each */
	ix->groups = g_new0(PrefixGroup, MAX(ngroups, 1));
	ix->rule_refs = g_new(uint32_t, MAX(nrefs, 1));
	for (uint32_t i = 0; i < n; i++)
		if (group_of[i] != UINT32_MAX)
			ix->groups[group_of[i]].count++;
	for (uint32_t g = 0, at = 0; g < ngroups; g++) {
		ix->groups[g].first = at;
		at += ix->groups[g].count;
		ix->groups[g].count = 0;
	}
	for (uint32_t i = 0; i < n; i++) {
		PrefixGroup *g;

		if (group_of[i] == UINT32_MAX)
			continue;
		g = &ix->groups[group_of[i]];
		ix->rule_refs[g->first + g->count++] = i;
	}
	policy->index = ix;
	return true;
}

bool sf_rule_ports_match(const SfPolicy *policy, const SfRule *rule, uint16_t port)
{
	const SfPortRange *r;

	if (rule->ports_count == 0)
		return true;
	/* ranges are sorted and merged by the parser: binary search */
	r = &g_array_index(policy->ports, SfPortRange, rule->ports_first);
	for (uint32_t lo = 0, hi = rule->ports_count; lo < hi;) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (port < r[mid].lo)
			hi = mid;
		else if (port > r[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

/* Whether @rule applies to a flow of @proto to @port (ICMP has no ports). */
static bool rule_matches(const SfPolicy *policy, const SfRule *rule, uint8_t proto, uint16_t port)
{
	if (!(rule->protos & proto))
		return false;
	if (proto == SF_PROTO_ICMP)
		return rule->ports_count == 0;
	return sf_rule_ports_match(policy, rule, port);
}

uint32_t sf_policy_ttl_clamp(const SfPolicy *policy, uint32_t ttl)
{
	return CLAMP(ttl, policy->ttl_min, policy->ttl_max);
}

bool sf_protected_add(SfProtected *prot, const SfCidr *cidr, const char *what)
{
	if (prot->n >= G_N_ELEMENTS(prot->cidr))
		return false;
	prot->cidr[prot->n] = *cidr;
	prot->what[prot->n] = what;
	prot->n++;
	return true;
}

int sf_protected_find(const SfProtected *prot, const SfAddr *addr)
{
	int best = -1;

	if (prot == NULL)
		return -1;
	for (unsigned i = 0; i < prot->n; i++)
		if (sf_cidr_contains(&prot->cidr[i], addr) &&
		    (best < 0 || prot->cidr[i].len > prot->cidr[best].len))
			best = (int)i;
	return best;
}

static const SfRule *rule_at(const SfPolicy *policy, uint32_t i)
{
	return &g_array_index(policy->rules, SfRule, i);
}

/* Adds the rules of one name-table list to @out; deny rules are noted apart. */
static void match_list(const SfPolicy *policy, const GArray *list, SfNameMatch *out)
{
	if (list == NULL)
		return;
	for (guint k = 0; k < list->len; k++) {
		uint32_t i = g_array_index(list, uint32_t, k);

		if (rule_at(policy, i)->action == SF_ACTION_DENY) {
			if (out->deny_rule < 0)
				out->deny_rule = (int32_t)i;
		} else if (out->n_allow < G_N_ELEMENTS(out->allow_rules)) {
			out->allow_rules[out->n_allow++] = (int32_t)i;
		}
	}
}

void sf_policy_match_name(const SfPolicy *policy, const char *name, SfNameMatch *out)
{
	const SfPolicyIndex *ix = policy->index;

	out->allowed = false;
	out->deny_rule = -1;
	out->n_allow = 0;
	match_list(policy, g_hash_table_lookup(ix->names, name), out);
	/* `*.parent` matches strict subdomains: look up every proper parent */
	for (const char *dot = strchr(name, '.'); dot != NULL; dot = strchr(dot + 1, '.'))
		match_list(policy, g_hash_table_lookup(ix->suffixes, dot + 1), out);
	match_list(policy, ix->all_names, out);
	out->allowed = out->n_allow > 0 && out->deny_rule < 0;
}

/* Match of one learned name against the policy for a flow; FALSE if it opens nothing. */
static bool learned_name_allows(const SfPolicy *policy, const char *name, uint8_t proto,
				uint16_t port, int32_t *rule)
{
	SfNameMatch m;

	sf_policy_match_name(policy, name, &m);
	if (!m.allowed)
		return false;
	for (unsigned k = 0; k < m.n_allow; k++) {
		if (rule_matches(policy, rule_at(policy, (uint32_t)m.allow_rules[k]), proto, port)) {
			*rule = m.allow_rules[k];
			return true;
		}
	}
	return false;
}

void sf_policy_decide(const SfPolicy *policy, const SfProtected *prot, const SfLearned *learned,
		      uint8_t proto, const SfAddr *dst, uint16_t dport, bool dst_is_gateway,
		      int64_t now_ms, SfDecision *out)
{
	const SfPolicyIndex *ix = policy->index;
	uint32_t groups[LOOKUP_MAX];
	size_t ng;
	int32_t allow = -1;
	int p = sf_protected_find(prot, dst);

	*out = (SfDecision){ .allow = false, .reason = SF_REASON_DEFAULT_DENY, .rule = -1,
			     .valid_until_ms = INT64_MAX, .protected_range = p };

	ng = sf_cidr_trie_lookup_all(ix->trie, dst, groups, G_N_ELEMENTS(groups));
	for (size_t k = 0; k < ng; k++) {
		const PrefixGroup *g = &ix->groups[groups[k]];

		for (uint32_t j = 0; j < g->count; j++) {
			uint32_t i = ix->rule_refs[g->first + j];
			const SfRule *r = rule_at(policy, i);

			if (!rule_matches(policy, r, proto, dport))
				continue;
			if (r->action == SF_ACTION_DENY) {
				out->reason = SF_REASON_RULE_DENY;
				out->rule = (int32_t)i;
				return;
			}
			/* a protected range opens only to a rule that lies inside it */
			if (p >= 0 && !sf_cidr_covers(&prot->cidr[p], &r->cidr))
				continue;
			allow = (int32_t)i; /* shortest first: the last one is the longest */
		}
	}
	if (dst_is_gateway) {
		for (guint k = 0; k < ix->host_rules->len; k++) {
			uint32_t i = g_array_index(ix->host_rules, uint32_t, k);
			const SfRule *r = rule_at(policy, i);

			if (!rule_matches(policy, r, proto, dport))
				continue;
			if (r->action == SF_ACTION_DENY) {
				out->reason = SF_REASON_RULE_DENY;
				out->rule = (int32_t)i;
				return;
			}
			if (allow < 0)
				allow = (int32_t)i;
		}
	}
	if (allow >= 0) {
		out->allow = true;
		out->reason = SF_REASON_RULE_ALLOW;
		out->rule = allow;
		return;
	}
	if (learned != NULL) {
		const char *names[SF_LEARNED_NAMES_PER_ADDR];
		int64_t expires[SF_LEARNED_NAMES_PER_ADDR];
		unsigned nn = sf_learned_lookup(learned, dst, now_ms, names, expires,
						G_N_ELEMENTS(names));

		/* even a refusal says which name led there (audit mode, suggest-policy) */
		if (nn > 0)
			out->name = names[0];
		/* learned addresses never open a protected range (the resolver strips those) */
		for (unsigned k = 0; k < nn && p < 0; k++) {
			int32_t rule;

			if (!learned_name_allows(policy, names[k], proto, dport, &rule))
				continue;
			/* several names may open it: keep the one that lasts longest */
			if (out->allow && expires[k] + (int64_t)policy->grace * 1000 <= out->valid_until_ms)
				continue;
			out->allow = true;
			out->reason = SF_REASON_LEARNED;
			out->rule = rule;
			out->name = names[k];
			out->valid_until_ms = expires[k] + (int64_t)policy->grace * 1000;
		}
		if (out->allow)
			return;
	}
	if (p >= 0)
		out->reason = SF_REASON_PROTECTED;
}

/*
 * The answer ranges the resolver strips (DNS rebinding). An allow rule keeps
 * such an answer only when its own prefix lies inside the range, exactly as
 * for protected destinations: `allow any to 0.0.0.0/0` does not let a name
 * point at 127.0.0.1, `allow tcp to 10.1.0.0/16` lets one point there.
 */
static const char *const rebinding_ranges[] = {
	"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
	"172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4",
	"::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8",
};

/* The narrowest rebinding range holding @addr into @out; FALSE if none. */
static bool rebinding_range(const SfAddr *addr, SfCidr *out)
{
	bool found = false;

	for (size_t i = 0; i < G_N_ELEMENTS(rebinding_ranges); i++) {
		SfCidr c;

		if (!sf_cidr_parse(rebinding_ranges[i], &c, NULL))
			g_assert_not_reached();
		if (sf_cidr_contains(&c, addr) && (!found || c.len > out->len)) {
			*out = c;
			found = true;
		}
	}
	return found;
}

bool sf_policy_explicitly_allows(const SfPolicy *policy, const SfAddr *addr)
{
	const SfPolicyIndex *ix = policy->index;
	uint32_t groups[LOOKUP_MAX];
	size_t ng = sf_cidr_trie_lookup_all(ix->trie, addr, groups, G_N_ELEMENTS(groups));
	bool allowed = false, ranged;
	SfCidr range;

	ranged = rebinding_range(addr, &range);
	for (size_t k = 0; k < ng; k++) {
		const PrefixGroup *g = &ix->groups[groups[k]];

		for (uint32_t j = 0; j < g->count; j++) {
			const SfRule *r = rule_at(policy, ix->rule_refs[g->first + j]);

			/* a deny for everything makes the address useless: strip it */
			if (r->action == SF_ACTION_DENY) {
				if (r->protos == SF_PROTO_ANY && r->ports_count == 0)
					return false;
			} else if (!ranged || sf_cidr_covers(&range, &r->cidr)) {
				allowed = true;
			}
		}
	}
	return allowed;
}
