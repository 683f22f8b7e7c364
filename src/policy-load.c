/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Choosing, loading and reloading the egress policy.
 *
 * Theory of operation: the policy in force is one immutable SfPolicy that
 * the filter points at. A reload parses and compiles the new file
 * completely on the side; only a policy that loaded without a single error
 * replaces the old one, by swapping one pointer between two frames, so no
 * frame is ever judged by a mixed or empty policy. After the swap the
 * learned addresses whose names the new policy refuses are dropped and
 * every tracked flow is decided again; those now denied are cut with RSTs
 * unless the policy says `reload flows keep`.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "audit-log.h"
#include "daemon.h"
#include "resolvconf.h"
#include "resolver.h"
#include "slirp-filter/audit.h"

#define ENV_POLICY "SLIRP_FILTER_POLICY"
#define ENV_AUDIT_LOG "SLIRP_FILTER_AUDIT_LOG"
#define SYSTEM_POLICY "/etc/slirp-filter/policy"

static bool present(const char *path)
{
	struct stat st;

	/* lstat: a dangling symlink is a broken choice to report, not a reason to fall through */
	return lstat(path, &st) == 0;
}

/* DESIGN.md section 3: option, environment, per-user file, system file, built-in. */
static char *policy_choose(const CliOptions *o, const char **why)
{
	const char *env = g_getenv(ENV_POLICY);
	g_autofree char *user = g_build_filename(g_get_user_config_dir(), "slirp-filter", "policy", NULL);

	/* absolute: after the sandbox's pivot_root the working directory is / */
	if (o->policy_path != NULL) {
		*why = "--policy";
		return g_canonicalize_filename(o->policy_path, NULL);
	}
	if (env != NULL && env[0] != '\0') {
		*why = "$" ENV_POLICY;
		return g_canonicalize_filename(env, NULL);
	}
	if (present(user)) {
		*why = "the per-user file";
		return g_steal_pointer(&user);
	}
	if (present(SYSTEM_POLICY)) {
		*why = "the system file";
		return g_strdup(SYSTEM_POLICY);
	}
	*why = "no policy file was found (option, $" ENV_POLICY ", ~/.config/slirp-filter/policy, "
	       SYSTEM_POLICY ")";
	return NULL;
}

static void audit_policy_event(Daemon *d, const char *event, const char *error_msg, unsigned cut)
{
	g_autofree char *summary = d->policy != NULL ? sf_policy_summary(d->policy) : NULL;
	SfAuditLine line;

	sf_audit_begin(&line, g_get_real_time(), event);
	sf_audit_str(&line, "policy", d->policy_path != NULL ? d->policy_path : "built-in default");
	sf_audit_str(&line, "chosen-by", d->policy_why);
	if (error_msg != NULL) {
		sf_audit_str(&line, "error", error_msg);
		sf_audit_str(&line, "in-force", summary);
	} else {
		sf_audit_str(&line, "summary", summary);
		sf_audit_str(&line, "mode", d->policy->mode == SF_MODE_AUDIT ? "audit" : "enforce");
		if (cut > 0)
			sf_audit_int(&line, "flows-cut", cut);
	}
	audit_log_write(d->audit, sf_audit_end(&line), false, daemon_now_ms());
}

/* A policy's `upstream` in the container's own network is refused (upstreams.h). */
static bool upstreams_ok(const Daemon *d, const SfPolicy *p, GError **error)
{
	const SfCidr nets[] = { d->filter.net4, d->filter.net6 };

	return sf_policy_check_upstreams(p, nets, d->opts->enable_ipv6 ? 2 : 1, error);
}

bool daemon_policy_has_host_rule(const SfPolicy *policy)
{
	for (guint i = 0; i < policy->rules->len; i++) {
		const SfRule *r = &g_array_index(policy->rules, SfRule, i);

		if (r->kind == SF_TARGET_HOST && r->action == SF_ACTION_ALLOW)
			return true;
	}
	return false;
}

/* libslirp's host loopback was closed at start (no `host` rule): it cannot be opened now. */
static bool host_loopback_ok(const Daemon *d, const SfPolicy *p, GError **error)
{
	if (d->slirp == NULL || d->host_loopback || !daemon_policy_has_host_rule(p))
		return true;
	g_set_error(error, SF_POLICY_ERROR, SF_POLICY_ERROR_SYNTAX,
		    "%s: the new policy has an `allow ... to host` rule, but the policy in force at "
		    "start had none, so libslirp was started with the host's loopback disabled and "
		    "cannot open it now: restart the container to use a `host` rule",
		    p->source != NULL ? p->source : "policy");
	return false;
}

int daemon_policy_init(Daemon *d)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *summary = NULL;
	const char *audit_path = d->opts->audit_log;
	g_autofree char *audit_abs = NULL;

	if (audit_path == NULL && g_getenv(ENV_AUDIT_LOG) != NULL && g_getenv(ENV_AUDIT_LOG)[0] != '\0')
		audit_path = g_getenv(ENV_AUDIT_LOG);
	if (audit_path != NULL)
		audit_path = audit_abs = g_canonicalize_filename(audit_path, NULL);
	d->audit = audit_log_open(audit_path, &error);
	if (d->audit == NULL) {
		g_critical("%s", error->message);
		return -1;
	}

	d->policy_path = policy_choose(d->opts, &d->policy_why);
	if (d->policy_path != NULL)
		d->policy = sf_policy_load_file(d->policy_path, &error);
	else
		d->policy = sf_policy_new_default();
	if (d->policy == NULL) {
		/* never a silent fallback: Podman shows this and the container does not start */
		g_critical("the policy chosen by %s cannot be used:\n%s", d->policy_why, error->message);
		audit_policy_event(d, "policy-refused", error->message, 0);
		return -1;
	}
	/* the host's resolvers, and the policy's, are protected by the upstream set */
	sf_filter_init(&d->filter, &d->opts->layout, d->opts->enable_ipv6, NULL, 0);
	if (!upstreams_ok(d, d->policy, &error)) {
		g_critical("the policy chosen by %s cannot be used:\n%s", d->policy_why, error->message);
		audit_policy_event(d, "policy-refused", error->message, 0);
		return -1;
	}
	d->policy_loaded_us = g_get_real_time();
	d->learned = sf_learned_new(d->policy->learned_max);
	d->flows = sf_flow_table_new(d->policy->flows_max);
	d->filter.policy = d->policy;
	d->filter.learned = d->learned;
	d->filter.flows = d->flows;
	sf_ratelimit_init(&d->reply_limit, 1000, 2000);

	summary = sf_policy_summary(d->policy);
	g_info("policy: %s, chosen by %s: %s", d->policy_path != NULL ? d->policy_path : "built-in default (deny all egress)",
	       d->policy_why, summary);
	daemon_upstreams_init(d, daemon_now_ms());
	if (d->upstreams.n_known > 0)
		g_info("policy: %u DNS upstream address(es) (the policy's, %s's, systemd-resolved's) "
		       "are denied unless a rule names them exactly", d->upstreams.n_known,
		       RESOLVCONF_PATH);
	audit_policy_event(d, "policy-loaded", NULL, 0);
	return 0;
}

/* A new flow table of @max entries holding the live flows of the old one. */
static void flows_resize(Daemon *d, uint32_t max, int64_t now_ms)
{
	SfFlowTable *t = sf_flow_table_new(max);

	for (uint32_t i = 0; i < sf_flow_capacity(d->flows); i++) {
		SfFlow *f = sf_flow_slot(d->flows, i), *n;

		if (f == NULL || f->expire_ms <= now_ms)
			continue;
		n = sf_flow_insert(t, &f->key, now_ms);
		if (n == NULL)
			break; /* the smaller table is full: the rest are forgotten (and re-decided) */
		*n = *f;
	}
	sf_flow_table_free(d->flows);
	d->flows = d->filter.flows = t;
}

/* #syscalls: openat(O_RDONLY) fstat newfstatat statx lseek pread64: the policy file read again (sf_policy_load_file); sysinfo: qsort's memory probe while compiling it */
bool daemon_policy_reload(Daemon *d, GError **error)
{
	g_autoptr(GError) local = NULL;
	int64_t now = daemon_now_ms();
	SfPolicy *fresh, *old;
	unsigned cut = 0;

	if (d->policy_path == NULL) {
		g_set_error_literal(error, SF_POLICY_ERROR, SF_POLICY_ERROR_IO,
				    "no policy file to reload: the built-in default is in force "
				    "(start with --policy FILE or $" ENV_POLICY ")");
		d->reloads_refused++;
		return false;
	}
	fresh = sf_policy_load_file(d->policy_path, &local);
	if (fresh != NULL && (!upstreams_ok(d, fresh, &local) || !host_loopback_ok(d, fresh, &local)))
		g_clear_pointer(&fresh, sf_policy_free);
	if (fresh == NULL) {
		d->reloads_refused++;
		g_warning("policy reload refused, the old policy stays in force:\n%s", local->message);
		audit_policy_event(d, "policy-refused", local->message, 0);
		g_propagate_error(error, g_steal_pointer(&local));
		return false;
	}
	old = d->policy;
	d->policy = fresh;
	d->filter.policy = fresh;
	d->policy_loaded_us = g_get_real_time();
	d->reloads++;
	if (fresh->flows_max != sf_flow_max(d->flows))
		flows_resize(d, fresh->flows_max, now);
	sf_learned_rebind(d->learned, fresh);
	/* the new policy's upstreams are protected before any flow is decided again */
	daemon_upstreams_refresh(d, true, now);
	if (d->resolver != NULL)
		resolver_policy_changed(d->resolver);
	if (fresh->reload_flows == SF_RELOAD_FLOWS_CUT)
		cut = daemon_egress_cut_denied(d, now);
	sf_policy_free(old);
	{
		g_autofree char *summary = sf_policy_summary(fresh);

		g_info("policy reloaded from %s: %s; %u flow(s) cut", d->policy_path, summary, cut);
	}
	audit_policy_event(d, "policy-reloaded", NULL, cut);
	return true;
}

void daemon_policy_free(Daemon *d)
{
	sf_flow_table_free(d->flows);
	sf_learned_free(d->learned);
	sf_policy_free(d->policy);
	audit_log_free(d->audit);
	g_free(d->policy_path);
	d->flows = NULL;
	d->learned = NULL;
	d->policy = NULL;
	d->audit = NULL;
	d->policy_path = NULL;
}
