/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy engine: lookup structures built from the parsed rules, and the
 * decisions made on them.
 *
 * Theory of operation: a policy is compiled once (at load or reload) into
 * an index and never changes afterwards; the daemon swaps whole policies.
 * CIDR rules go into one prefix trie per address family, and a decision
 * walks only the trie of the flow's family: IPv4 prefixes are stored
 * IPv4-mapped (::ffff:a.b.c.d/96+n), so in one shared trie every IPv6
 * prefix from ::/0 to ::/80 would cover all of IPv4, and `allow tcp to
 * ::/0 port 80` would open every IPv4 address. Apart, no IPv6 rule (allow
 * or deny) ever meets an IPv4 flow, nor an IPv4 rule an IPv6 flow, even
 * one to ::ffff:a.b.c.d. Several rules may share a target, so the index
 * maps each distinct prefix (and each distinct name) to a rule list: most
 * targets have a single rule, and then the value is that rule's index;
 * otherwise it is LIST_BIT plus a group, and groups list rule indices in
 * one flat array (counted first, then laid out: no per-group allocation).
 * A decision collects every prefix holding the destination, shortest
 * first: any matching deny wins at once; otherwise the longest matching
 * allow is kept. Destinations inside a protected range (host loopback,
 * link-local, multicast, ...) only count an allow whose prefix lies inside
 * that range, so `allow any to 0.0.0.0/0` does not open 169.254.169.254.
 * Addresses learned from DNS answers carry the name that opened them, and
 * that name is re-matched against the name rules in force: a reload never
 * has to rebind them. Name rules live in one open-addressing table of
 * (kind, name) -> rule list, exact names and parents of `*.parent` apart
 * by kind, plus lists for `*` and `host`; matching walks the name's
 * parents, one lookup per label. The compiler's temporaries live in
 * scratch mappings (arena.h) and the index in a few exact-size blocks, so
 * a loaded policy leaves no free fragments behind. Nothing here allocates
 * after compilation.
 */
#include <string.h>
#include <sys/socket.h>

#include "arena.h"
#include "slirp-filter/policy.h"

#define LOOKUP_MAX 130 /* prefixes of one address: 129 lengths, plus slack */
#define LIST_BIT 0x80000000u /* a target's value: a group of rules, not one rule */

typedef struct {
	uint32_t first, count; /* into refs */
} RuleList;

/* The trie of a family: [0] IPv4, [1] IPv6. */
#define TRIE_V4 0
#define TRIE_V6 1

struct SfPolicyIndex {
	SfCidrTrie *trie[2];  /* per family: prefix -> rule index, or LIST_BIT | group */
	RuleList *groups;     /* targets of several rules */
	uint32_t *refs;       /* rule indices of the groups, each in file order */
	uint32_t *name_slots; /* 0: empty; else a hash tag and a value (slot_pack) */
	uint32_t name_mask;   /* slots - 1 (a power of two) */
	RuleList all_names;   /* rules whose target is `*` (a group, possibly empty) */
	RuleList host_rules;  /* rules whose target is `host` (a group, possibly empty) */
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
	sf_cidr_trie_free(ix->trie[TRIE_V4]);
	sf_cidr_trie_free(ix->trie[TRIE_V6]);
	g_free(ix->groups);
	g_free(ix->refs);
	g_free(ix->name_slots);
	g_free(ix);
}

void sf_policy_free(SfPolicy *policy)
{
	if (policy == NULL)
		return;
	index_free(policy->index);
	if (policy->rules != NULL)
		g_array_unref(policy->rules);
	if (policy->ports != NULL)
		g_array_unref(policy->ports);
	if (policy->upstreams != NULL)
		g_array_unref(policy->upstreams);
	g_free(policy->names);
	g_free(policy->dns_qtypes);
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

/* The name table's hash of @s (kind folded in), and its length into @len: one pass. */
static uint32_t name_hash(const char *s, uint8_t kind, size_t *len)
{
	uint32_t h = 5381u + kind;
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		h = (h << 5) + h + (uint8_t)s[i];
	*len = i;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h;
}

/*
 * A name slot packs a value (a rule index, or LIST_BIT | group; both below
 * 2^20) into its low SLOT_BITS bits, plus one, and keeps the top bits of
 * the name's hash above them: most probes of other names are rejected
 * without reading a rule. 0 is an empty slot.
 */
#define SLOT_BITS 21
#define SLOT_LOW ((1u << SLOT_BITS) - 1)
#define SLOT_LIST (1u << (SLOT_BITS - 1))
G_STATIC_ASSERT(SF_POLICY_RULES_MAX + 2 < SLOT_LIST - 1);

static uint32_t slot_pack(uint32_t hash, uint32_t v)
{
	uint32_t c = (v & LIST_BIT) ? SLOT_LIST | (v & ~LIST_BIT) : v;

	return (hash & ~SLOT_LOW) | (c + 1);
}

static uint32_t slot_value(uint32_t slot)
{
	uint32_t c = (slot & SLOT_LOW) - 1;

	return (c & SLOT_LIST) ? LIST_BIT | (c & ~SLOT_LIST) : c;
}

/* The first rule of a target's value (the one that names it). */
static uint32_t value_first_rule(const RuleList *groups, const uint32_t *refs, uint32_t v)
{
	return (v & LIST_BIT) ? refs[groups[v & ~LIST_BIT].first] : v;
}

/*
 * The slot of (@kind, @name) of hash @h in a table of @mask + 1 slots: the
 * matching slot, or the empty one where it goes. While compiling, values
 * are temporary group ids whose first rule is @first_rule[id]; afterwards
 * (@first_rule NULL) they are final values, read through @groups/@refs.
 */
static uint32_t *name_slot(uint32_t *slots, uint32_t mask, const SfRule *rules,
			   const uint32_t *first_rule, const RuleList *groups, const uint32_t *refs,
			   const char *name, size_t len, uint8_t kind, uint32_t h)
{
	for (uint32_t i = h & mask;; i = (i + 1) & mask) {
		const SfRule *r;
		uint32_t v = slots[i];

		if (v == 0)
			return &slots[i];
		if ((v ^ h) & ~SLOT_LOW)
			continue; /* another hash */
		v = slot_value(v);
		r = &rules[first_rule != NULL ? first_rule[v] : value_first_rule(groups, refs, v)];
		if (r->kind == kind && strncmp(r->name, name, len) == 0 && r->name[len] == '\0')
			return &slots[i];
	}
}

bool sf_policy_compile(SfPolicy *policy, GError **error)
{
	const guint n = policy->rules->len;
	const SfRule *rules = (const SfRule *)(const void *)policy->rules->data;
	SfVec group_of, first_rule, count, map;
	uint32_t ngroups = 0, nlists = 0, nrefs = 0, n_cidr[2] = { 0, 0 }, n_names = 0, slots = 4;
	uint32_t all_group, host_group;
	SfPolicyIndex *ix;

	index_free(policy->index);
	policy->index = NULL;
	if (n > SF_POLICY_RULES_MAX) {
		g_set_error(error, SF_POLICY_ERROR, SF_POLICY_ERROR_LIMIT,
			    "%s: %u rules; at most %u are supported", policy->source, n,
			    SF_POLICY_RULES_MAX);
		return false;
	}
	for (uint32_t i = 0; i < n; i++) {
		if (rules[i].kind == SF_TARGET_CIDR)
			n_cidr[sf_cidr_is_ipv4(&rules[i].cidr) ? TRIE_V4 : TRIE_V6]++;
		n_names += rules[i].kind == SF_TARGET_NAME || rules[i].kind == SF_TARGET_SUFFIX;
	}
	while (slots < (uint64_t)n_names * 4 / 3 + 1)
		slots *= 2;
	ix = g_new0(SfPolicyIndex, 1);
	for (int f = TRIE_V4; f <= TRIE_V6; f++) {
		ix->trie[f] = sf_cidr_trie_new();
		sf_cidr_trie_reserve(ix->trie[f], n_cidr[f]);
	}
	ix->name_slots = g_new0(uint32_t, slots);
	ix->name_mask = slots - 1;

	/* pass 1: a group per distinct target (prefix, name, `*`, `host`), and what each holds */
	sf_vec_init(&group_of, sizeof(uint32_t));
	sf_vec_init(&first_rule, sizeof(uint32_t));
	sf_vec_init(&count, sizeof(uint32_t));
	sf_vec_init(&map, sizeof(uint32_t));
	sf_vec_push(&group_of, n);
	all_group = ngroups++;
	host_group = ngroups++;
	sf_vec_append(&first_rule, (uint32_t[]){ UINT32_MAX, UINT32_MAX }, 2);
	for (uint32_t i = 0; i < n; i++) {
		const SfRule *r = &rules[i];
		uint32_t g = ngroups, *slot;

		switch ((SfTargetKind)r->kind) {
		case SF_TARGET_CIDR:
			/* the parser refuses IPv6 prefixes inside ::ffff:0:0/96, so the form
			 * of a rule's prefix is its family */
			if (!sf_cidr_trie_insert(ix->trie[sf_cidr_is_ipv4(&r->cidr) ? TRIE_V4 : TRIE_V6],
						 &r->cidr, ngroups, &g))
				break;
			ngroups++;
			sf_vec_append(&first_rule, &i, 1);
			break;
		case SF_TARGET_HOST:
			g = host_group;
			break;
		case SF_TARGET_NAME:
		case SF_TARGET_SUFFIX: {
			size_t len;
			uint32_t h = name_hash(r->name, r->kind, &len);

			slot = name_slot(ix->name_slots, ix->name_mask, rules,
					 (const uint32_t *)first_rule.data, NULL, NULL, r->name, len,
					 r->kind, h);
			if (*slot != 0) {
				g = slot_value(*slot);
				break;
			}
			*slot = slot_pack(h, ngroups++);
			sf_vec_append(&first_rule, &i, 1);
			break;
		}
		case SF_TARGET_ALL_NAMES:
			g = all_group;
			break;
		}
		SF_VEC_AT(&group_of, uint32_t, i) = g;
	}
	sf_cidr_trie_trim(ix->trie[TRIE_V4]);
	sf_cidr_trie_trim(ix->trie[TRIE_V6]);
	sf_vec_free(&first_rule);

	/* pass 2: targets of one rule keep its index; the others get a list in refs */
	sf_vec_zeroed(&count, ngroups);
	for (uint32_t i = 0; i < n; i++)
		SF_VEC_AT(&count, uint32_t, SF_VEC_AT(&group_of, uint32_t, i))++;
	sf_vec_push(&map, ngroups);
	for (uint32_t g = 0; g < ngroups; g++) {
		uint32_t c = SF_VEC_AT(&count, uint32_t, g);

		if (c > 1 || g == all_group || g == host_group) {
			SF_VEC_AT(&map, uint32_t, g) = LIST_BIT | nlists++;
			nrefs += c;
		} else {
			SF_VEC_AT(&map, uint32_t, g) = UINT32_MAX; /* set below to its rule */
		}
	}
	ix->groups = g_new0(RuleList, MAX(nlists, 1));
	ix->refs = g_new(uint32_t, MAX(nrefs, 1));
	for (uint32_t g = 0, at = 0; g < ngroups; g++) {
		uint32_t v = SF_VEC_AT(&map, uint32_t, g);

		if (v & LIST_BIT && v != UINT32_MAX) {
			ix->groups[v & ~LIST_BIT].first = at;
			at += SF_VEC_AT(&count, uint32_t, g);
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t g = SF_VEC_AT(&group_of, uint32_t, i), *v = &SF_VEC_AT(&map, uint32_t, g);

		if (*v == UINT32_MAX) {
			*v = i;
		} else {
			RuleList *l = &ix->groups[*v & ~LIST_BIT];

			ix->refs[l->first + l->count++] = i;
		}
	}
	ix->all_names = ix->groups[SF_VEC_AT(&map, uint32_t, all_group) & ~LIST_BIT];
	ix->host_rules = ix->groups[SF_VEC_AT(&map, uint32_t, host_group) & ~LIST_BIT];
	sf_cidr_trie_remap(ix->trie[TRIE_V4], (const uint32_t *)map.data);
	sf_cidr_trie_remap(ix->trie[TRIE_V6], (const uint32_t *)map.data);
	for (uint32_t k = 0; k <= ix->name_mask; k++)
		if (ix->name_slots[k] != 0)
			ix->name_slots[k] = slot_pack(ix->name_slots[k],
						      SF_VEC_AT(&map, uint32_t,
								slot_value(ix->name_slots[k])));
	sf_vec_free(&group_of);
	sf_vec_free(&count);
	sf_vec_free(&map);
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

static bool protected_add(SfProtected *prot, const SfCidr *cidr, bool ipv6, const char *what)
{
	if (prot->n >= G_N_ELEMENTS(prot->cidr))
		return false;
	prot->cidr[prot->n] = *cidr;
	prot->what[prot->n] = what;
	prot->ipv6[prot->n] = ipv6;
	prot->n++;
	return true;
}

bool sf_protected_add(SfProtected *prot, const SfCidr *cidr, const char *what)
{
	return protected_add(prot, cidr, !sf_cidr_is_ipv4(cidr), what);
}

bool sf_protected_add_ipv6(SfProtected *prot, const SfCidr *cidr, const char *what)
{
	return protected_add(prot, cidr, true, what);
}

int sf_protected_find_af(const SfProtected *prot, int family, const SfAddr *addr)
{
	bool ipv6 = family == AF_INET6;
	int best = -1;

	if (prot == NULL)
		return -1;
	for (unsigned i = 0; i < prot->n; i++)
		if (prot->ipv6[i] == ipv6 && sf_cidr_contains(&prot->cidr[i], addr) &&
		    (best < 0 || prot->cidr[i].len > prot->cidr[best].len))
			best = (int)i;
	return best;
}

int sf_protected_find(const SfProtected *prot, const SfAddr *addr)
{
	return sf_protected_find_af(prot, sf_addr_is_ipv4(addr) ? AF_INET : AF_INET6, addr);
}

static const SfRule *rule_at(const SfPolicy *policy, uint32_t i)
{
	return &g_array_index(policy->rules, SfRule, i);
}

/* The rules of a target's value: @one holds a single rule's index. */
static const uint32_t *value_rules(const SfPolicyIndex *ix, uint32_t v, uint32_t *one, uint32_t *n)
{
	if (v & LIST_BIT) {
		const RuleList *l = &ix->groups[v & ~LIST_BIT];

		*n = l->count;
		return ix->refs + l->first;
	}
	*one = v;
	*n = 1;
	return one;
}

/* Adds the rules of one name-table list to @out; deny rules are noted apart. */
static void match_list(const SfPolicy *policy, const uint32_t *list, uint32_t len, SfNameMatch *out)
{
	for (uint32_t k = 0; k < len; k++) {
		uint32_t i = list[k];

		if (rule_at(policy, i)->action == SF_ACTION_DENY) {
			if (out->deny_rule < 0)
				out->deny_rule = (int32_t)i;
		} else if (out->n_allow < G_N_ELEMENTS(out->allow_rules)) {
			out->allow_rules[out->n_allow++] = (int32_t)i;
		}
	}
}

/* Adds the rules whose target is (@kind, @name) to @out. */
static void match_target(const SfPolicy *policy, const char *name, uint8_t kind, SfNameMatch *out)
{
	const SfPolicyIndex *ix = policy->index;
	size_t len;
	uint32_t h = name_hash(name, kind, &len);
	const uint32_t *slot = name_slot(ix->name_slots, ix->name_mask,
					 (const SfRule *)(const void *)policy->rules->data, NULL,
					 ix->groups, ix->refs, name, len, kind, h);
	const uint32_t *list;
	uint32_t one, n;

	if (*slot == 0)
		return;
	list = value_rules(ix, slot_value(*slot), &one, &n);
	match_list(policy, list, n, out);
}

void sf_policy_match_name(const SfPolicy *policy, const char *name, SfNameMatch *out)
{
	const SfPolicyIndex *ix = policy->index;

	out->allowed = false;
	out->deny_rule = -1;
	out->n_allow = 0;
	match_target(policy, name, SF_TARGET_NAME, out);
	/* `*.parent` matches strict subdomains: look up every proper parent */
	for (const char *dot = strchr(name, '.'); dot != NULL; dot = strchr(dot + 1, '.'))
		match_target(policy, dot + 1, SF_TARGET_SUFFIX, out);
	match_list(policy, ix->refs + ix->all_names.first, ix->all_names.count, out);
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
	sf_policy_decide_af(policy, prot, learned, sf_addr_is_ipv4(dst) ? AF_INET : AF_INET6, proto,
			    dst, dport, dst_is_gateway, now_ms, out);
}

void sf_policy_decide_af(const SfPolicy *policy, const SfProtected *prot, const SfLearned *learned,
			 int family, uint8_t proto, const SfAddr *dst, uint16_t dport,
			 bool dst_is_gateway, int64_t now_ms, SfDecision *out)
{
	const SfPolicyIndex *ix = policy->index;
	bool ipv6 = family == AF_INET6;
	uint32_t values[LOOKUP_MAX];
	size_t ng;
	int32_t allow = -1;
	int p = sf_protected_find_af(prot, family, dst);

	*out = (SfDecision){ .allow = false, .reason = SF_REASON_DEFAULT_DENY, .rule = -1,
			     .valid_until_ms = INT64_MAX, .protected_range = p };

	ng = sf_cidr_trie_lookup_all(ix->trie[ipv6 ? TRIE_V6 : TRIE_V4], dst, values,
				     G_N_ELEMENTS(values));
	for (size_t k = 0; k < ng; k++) {
		uint32_t one, count;
		const uint32_t *list = value_rules(ix, values[k], &one, &count);

		for (uint32_t j = 0; j < count; j++) {
			uint32_t i = list[j];
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
		for (uint32_t k = 0; k < ix->host_rules.count; k++) {
			uint32_t i = ix->refs[ix->host_rules.first + k];
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
	/* the learned table holds A answers IPv4-mapped and never an AAAA answer inside
	 * ::ffff:0:0/96 (the resolver strips those): an entry is of the family its form says */
	if (learned != NULL && sf_addr_is_ipv4(dst) == !ipv6) {
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
	/* the IPv6 forms of an IPv4 address (the answer was judged by the one it
	 * carries): only a rule inside the form keeps it, `::/0` does not */
	"::ffff:0:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "2002::/16",
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
	uint32_t values[LOOKUP_MAX];
	/* answer addresses come from A (IPv4-mapped) and AAAA records outside ::ffff:0:0/96 */
	size_t ng = sf_cidr_trie_lookup_all(ix->trie[sf_addr_is_ipv4(addr) ? TRIE_V4 : TRIE_V6], addr,
					    values, G_N_ELEMENTS(values));
	bool allowed = false, ranged;
	SfCidr range;

	ranged = rebinding_range(addr, &range);
	for (size_t k = 0; k < ng; k++) {
		uint32_t one, count;
		const uint32_t *list = value_rules(ix, values[k], &one, &count);

		for (uint32_t j = 0; j < count; j++) {
			const SfRule *r = rule_at(policy, list[j]);

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
