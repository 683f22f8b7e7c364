/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The get_status API command: which policy is in force and since when, the
 * counters, the learned addresses with their remaining TTL, and the flows.
 *
 * It runs in the event loop like every API command, so its cost is bounded:
 * at most STATUS_LIST_MAX learned entries and flows are listed (the totals
 * say how many there are), the flow table is walked once, and nothing is
 * read from disk. The counters are exactly get_counters' reply, embedded.
 */
#include "config.h"

#include <json-glib/json-glib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit-log.h"
#include "status.h"
#include "slirp-filter/audit.h"
#include "slirp-filter/flow.h"

static void add_str(JsonBuilder *b, const char *key, const char *value)
{
	json_builder_set_member_name(b, key);
	json_builder_add_string_value(b, value);
}

static void add_int(JsonBuilder *b, const char *key, int64_t value)
{
	json_builder_set_member_name(b, key);
	json_builder_add_int_value(b, value);
}

/* RFC 3339 in UTC with milliseconds, as the audit log writes times. */
static void rfc3339(int64_t realtime_us, char *buf, size_t size)
{
	time_t secs = (time_t)(realtime_us / G_USEC_PER_SEC);
	struct tm tm;
	size_t n;

	gmtime_r(&secs, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%03dZ", (int)((realtime_us / 1000) % 1000));
}

static void add_policy(JsonBuilder *b, Daemon *d)
{
	g_autofree char *summary = sf_policy_summary(d->policy);
	char loaded[48];

	rfc3339(d->policy_loaded_us, loaded, sizeof(loaded));
	json_builder_set_member_name(b, "policy");
	json_builder_begin_object(b);
	add_str(b, "source", d->policy_path != NULL ? d->policy_path : "built-in default");
	add_str(b, "chosen_by", d->policy_why != NULL ? d->policy_why : "");
	add_str(b, "mode", d->policy->mode == SF_MODE_AUDIT ? "audit" : "enforce");
	add_str(b, "summary", summary);
	add_int(b, "rules", d->policy->rules->len);
	add_str(b, "loaded", loaded);
	add_int(b, "loaded_unix", d->policy_loaded_us / G_USEC_PER_SEC);
	add_int(b, "reloads", (int64_t)MIN(d->reloads, (uint64_t)G_MAXINT64));
	add_int(b, "reloads_refused", (int64_t)MIN(d->reloads_refused, (uint64_t)G_MAXINT64));
	add_str(b, "audit_log", d->audit != NULL && audit_log_path(d->audit) != NULL ? audit_log_path(d->audit)
										       : "stderr");
	json_builder_end_object(b);
}

/* get_counters' "return" object, embedded as "counters". */
static void add_counters(JsonBuilder *b, Daemon *d)
{
	g_autofree char *text = daemon_counters_json(d);
	g_autoptr(JsonParser) p = json_parser_new_immutable();
	JsonNode *root, *ret = NULL;

	if (json_parser_load_from_data(p, text, -1, NULL) && (root = json_parser_get_root(p)) != NULL &&
	    JSON_NODE_HOLDS_OBJECT(root))
		ret = json_object_get_member(json_node_get_object(root), "return");
	json_builder_set_member_name(b, "counters");
	if (ret != NULL)
		json_builder_add_value(b, json_node_copy(ret));
	else
		json_builder_add_null_value(b);
}

typedef struct {
	JsonBuilder *b;
	int64_t now_ms;
	unsigned listed, total;
} LearnedWalk;

static void learned_one(const SfLearnedInfo *info, void *data)
{
	LearnedWalk *w = data;
	char addr[48];
	int64_t left = info->expire_ms - w->now_ms;

	w->total++;
	if (w->listed >= STATUS_LIST_MAX)
		return;
	w->listed++;
	json_builder_begin_object(w->b);
	add_str(w->b, "addr", sf_addr_to_string(&info->addr, addr, sizeof(addr)));
	add_str(w->b, "name", info->name);
	/* rounded up: an entry with 200 ms left still says 1 s */
	add_int(w->b, "ttl_left_s", left > 0 ? (left + 999) / 1000 : 0);
	if (left <= 0) {
		json_builder_set_member_name(w->b, "expired");
		json_builder_add_boolean_value(w->b, TRUE); /* kept for the grace of open flows */
	}
	json_builder_end_object(w->b);
}

static void add_learned(JsonBuilder *b, Daemon *d, int64_t now_ms)
{
	LearnedWalk w = { .b = b, .now_ms = now_ms };

	json_builder_set_member_name(b, "learned");
	json_builder_begin_array(b);
	if (d->learned != NULL)
		sf_learned_foreach(d->learned, learned_one, &w);
	json_builder_end_array(b);
	add_int(b, "learned_total", w.total);
	add_int(b, "learned_truncated", w.total - w.listed);
}

/* The idle timeout sf_flow_touch() last applied, to turn the expiry back into idle time. */
static int64_t flow_timeout_ms(const SfFlow *f)
{
	switch (f->key.proto) {
	case IPPROTO_TCP:
		return f->tcp_state == SF_TCP_ESTABLISHED ? SF_FLOW_TIMEOUT_TCP_ESTABLISHED_MS
		       : f->tcp_state == SF_TCP_CLOSING  ? SF_FLOW_TIMEOUT_TCP_CLOSING_MS
							    : SF_FLOW_TIMEOUT_TCP_SYN_MS;
	case IPPROTO_UDP:
		return SF_FLOW_TIMEOUT_UDP_MS;
	default:
		return SF_FLOW_TIMEOUT_ICMP_MS;
	}
}

static const char *flow_state(const SfFlow *f)
{
	if (f->key.proto != IPPROTO_TCP)
		return "open";
	switch (f->tcp_state) {
	case SF_TCP_SYN_SENT:
		return "syn-sent";
	case SF_TCP_ESTABLISHED:
		return "established";
	case SF_TCP_CLOSING:
		return "closing";
	default:
		return "unknown";
	}
}

static void add_flow(JsonBuilder *b, Daemon *d, const SfFlow *f, int64_t now_ms)
{
	char src[48], dst[48], rule[512];
	bool ports = f->key.proto == IPPROTO_TCP || f->key.proto == IPPROTO_UDP;
	const char *names[1];
	int64_t expires[1];
	int64_t idle = flow_timeout_ms(f) - (f->expire_ms - now_ms);

	json_builder_begin_object(b);
	add_str(b, "proto", sf_audit_proto_name(f->key.proto));
	add_str(b, "src", sf_addr_to_string_af(sf_flow_key_family(&f->key), &f->key.src, src,
					       sizeof(src)));
	if (ports)
		add_int(b, "sport", f->key.sport);
	add_str(b, "dst", sf_addr_to_string_af(sf_flow_key_family(&f->key), &f->key.dst, dst,
					       sizeof(dst)));
	if (ports)
		add_int(b, "dport", f->key.dport);
	add_str(b, "verdict", f->audit_only ? "audit-deny" : "allow");
	add_str(b, "reason", f->reason < SF_REASON_N ? sf_reason_name((SfReason)f->reason) : "unknown");
	sf_audit_rule_ref(d->policy, f->rule, rule, sizeof(rule));
	if (rule[0] != '\0')
		add_str(b, "rule", rule);
	if (d->learned != NULL &&
	    sf_learned_lookup(d->learned, &f->key.dst, now_ms, names, expires, 1) > 0)
		add_str(b, "name", names[0]);
	add_str(b, "state", flow_state(f));
	add_int(b, "packets", (int64_t)MIN(f->packets, (uint64_t)G_MAXINT64));
	add_int(b, "idle_s", idle > 0 ? idle / 1000 : 0);
	json_builder_end_object(b);
}

static void add_flows(JsonBuilder *b, Daemon *d, int64_t now_ms)
{
	unsigned listed = 0, total = 0;

	json_builder_set_member_name(b, "flows");
	json_builder_begin_array(b);
	for (uint32_t i = 0; d->flows != NULL && i < sf_flow_capacity(d->flows); i++) {
		const SfFlow *f = sf_flow_slot(d->flows, i);

		if (f == NULL || f->expire_ms <= now_ms)
			continue; /* expired, not yet swept */
		total++;
		if (listed < STATUS_LIST_MAX) {
			add_flow(b, d, f, now_ms);
			listed++;
		}
	}
	json_builder_end_array(b);
	add_int(b, "flows_total", total);
	add_int(b, "flows_truncated", total - listed);
}

char *daemon_status_json(Daemon *d)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	g_autoptr(JsonNode) root = NULL;
	int64_t now = daemon_now_ms();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "return");
	json_builder_begin_object(b);
	add_str(b, "version", SF_VERSION);
	add_policy(b, d);
	add_counters(b, d);
	add_learned(b, d, now);
	add_flows(b, d, now);
	json_builder_end_object(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	return json_to_string(root, FALSE);
}

char *status_api_get_status(void *opaque)
{
	return daemon_status_json(opaque);
}
