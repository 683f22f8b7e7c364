/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DNS upstreams and the protection they get.
 *
 * Theory of operation: the daemon (src/upstreams.c) reads where upstreams
 * come from (the policy's `upstream` lines, /etc/resolv.conf and
 * systemd-resolved's /run/systemd/resolve/resolv.conf) and hands all of
 * them to sf_upstreams_update() in one call, at start, after every reload
 * and whenever either file changes. That call decides both what the
 * resolver asks (@use: the policy's servers if it names any, else
 * resolv.conf's) and what stays protected (@known): every address that has
 * been any of these since the process started, whether the resolver asks
 * it today or may ask it after the next reload or file change. The filter
 * copies @known into its protected ranges (a rule wider than the address
 * does not open it) and the resolver into its rebinding ranges (no answer
 * may point at it), both right after the update, between two frames: no
 * frame is judged against a set the resolver has already left. A past
 * upstream stays protected because flows and learned addresses outlive the
 * change, and a laptop that comes back to a network uses its resolver
 * again. @known is bounded; when it is full the past upstream seen longest
 * ago is forgotten (counted), never a current one (at most 3 x 8 of those).
 */
#include <string.h>

#include "slirp-filter/upstreams.h"

const char *sf_upstream_from_name(SfUpstreamFrom from)
{
	static const char *const names[SF_UPSTREAM_FROM_N] = {
		[SF_UPSTREAM_FROM_POLICY] = "policy upstream",
		[SF_UPSTREAM_FROM_RESOLV_CONF] = "host resolver",
		[SF_UPSTREAM_FROM_SYSTEMD] = "systemd-resolved upstream",
	};

	return (unsigned)from < SF_UPSTREAM_FROM_N ? names[from] : "upstream";
}

bool sf_addr_is_loopback(const SfAddr *addr)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };

	if (sf_addr_is_ipv4(addr))
		return addr->b[12] == 127;
	return memcmp(addr->b, v6_loopback, 16) == 0;
}

const SfKnownUpstream *sf_upstreams_find(const SfUpstreamSet *set, const SfAddr *addr)
{
	for (unsigned i = 0; i < set->n_known; i++)
		if (memcmp(&set->known[i].addr, addr, sizeof(*addr)) == 0)
			return &set->known[i];
	return NULL;
}

/* Marks @addr current, adding it to @known; TRUE if it is new there. */
static bool know(SfUpstreamSet *set, const SfAddr *addr, SfUpstreamFrom from)
{
	SfKnownUpstream *k = (SfKnownUpstream *)sf_upstreams_find(set, addr);

	if (sf_addr_is_loopback(addr))
		return false;
	if (k == NULL && set->n_known < SF_UPSTREAMS_KNOWN_MAX) {
		k = &set->known[set->n_known++];
	} else if (k == NULL) {
		/* full: the past upstream seen longest ago makes room (there is one:
		 * at most 3 * SF_UPSTREAMS_USE_MAX are current) */
		for (unsigned i = 0; i < set->n_known; i++)
			if (!set->known[i].current && (k == NULL || set->known[i].seen < k->seen))
				k = &set->known[i];
		if (k == NULL)
			return false; /* not reached: see G_STATIC_ASSERT below */
		set->forgotten++;
	} else {
		/* already known: the first source of this update names it */
		if (k->seen != set->generation)
			k->from = (uint8_t)from;
		k->current = true;
		k->seen = set->generation;
		return false;
	}
	*k = (SfKnownUpstream){ .addr = *addr, .from = (uint8_t)from, .current = true,
				.seen = set->generation };
	return true;
}

G_STATIC_ASSERT(3 * SF_UPSTREAMS_USE_MAX < SF_UPSTREAMS_KNOWN_MAX);

bool sf_upstreams_update(SfUpstreamSet *set, const SfUpstream *policy, unsigned n_policy,
			 const SfAddr *resolv, unsigned n_resolv, const SfAddr *systemd,
			 unsigned n_systemd)
{
	bool grew = false;

	n_policy = MIN(n_policy, SF_UPSTREAMS_USE_MAX);
	n_resolv = MIN(n_resolv, SF_UPSTREAMS_USE_MAX);
	n_systemd = MIN(n_systemd, SF_UPSTREAMS_USE_MAX);
	set->generation++;
	for (unsigned i = 0; i < set->n_known; i++)
		set->known[i].current = false;
	for (unsigned i = 0; i < n_policy; i++)
		grew |= know(set, &policy[i].addr, SF_UPSTREAM_FROM_POLICY);
	for (unsigned i = 0; i < n_resolv; i++)
		grew |= know(set, &resolv[i], SF_UPSTREAM_FROM_RESOLV_CONF);
	for (unsigned i = 0; i < n_systemd; i++)
		grew |= know(set, &systemd[i], SF_UPSTREAM_FROM_SYSTEMD);

	set->from_policy = n_policy > 0;
	set->n_use = 0;
	if (set->from_policy) {
		memcpy(set->use, policy, n_policy * sizeof(*policy));
		set->n_use = n_policy;
	} else {
		for (unsigned i = 0; i < n_resolv; i++)
			set->use[set->n_use++] = (SfUpstream){ .addr = resolv[i], .port = 53 };
	}
	return grew;
}

bool sf_policy_check_upstreams(const SfPolicy *policy, const SfCidr *nets, size_t n_nets,
			       GError **error)
{
	g_autoptr(GString) msg = g_string_new(NULL);

	for (guint i = 0; i < policy->upstreams->len; i++) {
		const SfUpstream *u = &g_array_index(policy->upstreams, SfUpstream, i);

		for (size_t k = 0; k < n_nets; k++) {
			char a[48], n[48];

			if (!sf_cidr_contains(&nets[k], &u->addr))
				continue;
			sf_addr_to_string(&u->addr, a, sizeof(a));
			sf_addr_to_string(&nets[k].prefix, n, sizeof(n));
			g_string_append_printf(msg, "%s%s:%u:%u: upstream %s is inside the container's "
					       "network %s/%u: upstreams are asked from the host's "
					       "network, where it is not the container's resolver "
					       "(the container's queries to it are already answered "
					       "by slirp-filter)",
					       msg->len > 0 ? "\n" : "",
					       policy->source != NULL ? policy->source : "policy",
					       u->line, u->col, a, n,
					       sf_addr_is_ipv4(&nets[k].prefix) ? nets[k].len - 96u
										: nets[k].len);
			break;
		}
	}
	if (msg->len == 0)
		return true;
	g_set_error_literal(error, SF_POLICY_ERROR, SF_POLICY_ERROR_SYNTAX, msg->str);
	return false;
}
