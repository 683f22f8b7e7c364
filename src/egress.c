/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Acting on the filter's verdicts: frames to libslirp, refusals back to the
 * container, cut flows, audit records, counters and periodic upkeep.
 *
 * The decision itself lives in the core (slirp-filter/filter.c); this file
 * does the I/O it implies. Nothing here allocates per frame: replies are
 * built in the daemon's two fixed buffers and audit records in a stack
 * buffer, and both are rate-limited so a flood costs bounded work.
 */
#include "config.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "audit-log.h"
#include "daemon.h"
#include "resolver.h"
#include "slirp-filter/audit.h"

#define MAINTENANCE_INTERVAL_MS 1000
#define FLOW_SWEEP_BUDGET 8192

static void audit_flow(Daemon *d, const SfFlowKey *key, const SfFilterEvent *ev, const char *verdict,
		       int64_t now_ms)
{
	SfAuditLine line;

	if (!audit_log_admit_flow(d->audit, d->policy, &d->filter.prot, key, ev, verdict, now_ms))
		return; /* rate-limited: summarized or counted, not formatted (a flood costs no printf) */
	sf_audit_flow(&line, g_get_real_time(), d->policy, &d->filter.prot, key, ev, verdict);
	audit_log_write(d->audit, sf_audit_end(&line), false, now_ms);
}

/* Ends @flow on both sides: an RST to the guest, one to libslirp as from the guest. */
static void flow_cut(Daemon *d, SfFlow *flow)
{
	size_t glen, slen;

	sf_filter_cut_frames(flow, d->reply, &glen, d->reply2, &slen);
	if (glen > 0)
		daemon_tap_write(d, d->reply, glen);
	if (slen > 0)
		slirp_input(d->slirp, d->reply2, (int)slen);
	sf_flow_remove(d->flows, flow);
}

/* The RST or ICMP unreachable for a refused frame, rate-limited. */
static void refuse(Daemon *d, const SfPacket *pkt, size_t len, int64_t now_ms)
{
	size_t n;

	if (!sf_ratelimit_take(&d->reply_limit, now_ms)) {
		d->replies_suppressed++;
		return;
	}
	if (pkt->proto == IPPROTO_TCP)
		n = sf_reply_tcp_rst(d->frame, len, pkt, d->reply, sizeof(d->reply));
	else
		n = sf_reply_unreachable(d->frame, len, pkt, SF_UNREACH_ADMIN_PROHIBITED, d->reply,
					 sizeof(d->reply));
	if (n > 0) {
		daemon_tap_write(d, d->reply, n);
		d->replies_sent++;
	}
}

void daemon_egress_frame(Daemon *d, size_t len, int64_t now_ms)
{
	SfFilterEvent ev;
	SfPacket pkt;
	SfFlowKey key;
	SfVerdict v = sf_filter_frame(&d->filter, d->frame, len, now_ms, &pkt, &ev);

	if (ev.decided) {
		sf_flow_key_from_packet(&pkt, &key);
		if (ev.revalidated && v == SF_VERDICT_REJECT)
			audit_flow(d, &key, &ev, "cut", now_ms);
		else if (!ev.decision.allow || ev.table_full || ev.audit_only || d->policy->log_allowed)
			audit_flow(d, &key, &ev, NULL, now_ms);
	}
	switch (v) {
	case SF_VERDICT_PASS:
		slirp_input(d->slirp, d->frame, (int)len);
		break;
	case SF_VERDICT_DNS:
		resolver_frame(d->resolver, d->frame, len, &pkt, now_ms);
		break;
	case SF_VERDICT_DROP:
		break;
	case SF_VERDICT_REJECT:
		if (ev.revalidated && ev.flow != NULL)
			flow_cut(d, ev.flow);
		else
			refuse(d, &pkt, len, now_ms);
		break;
	}
	/* the frame's DNS-port hook found a new upstream: flows already open to it end
	 * now (after the frame: a cut may move the flow entries @ev points at) */
	if (G_UNLIKELY(d->upstreams_recheck))
		daemon_upstreams_cut(d, now_ms);
}

/* Re-decides the tracked flows (only those to a known upstream if @upstreams_only); cuts the denied. */
static unsigned cut_denied(Daemon *d, bool upstreams_only, int64_t now_ms)
{
	unsigned cut = 0;

	if (d->policy->mode == SF_MODE_AUDIT)
		return 0;
	for (uint32_t i = 0; i < sf_flow_capacity(d->flows);) {
		SfFlow *f = sf_flow_slot(d->flows, i);
		SfFilterEvent ev = { .decided = true };

		if (f == NULL || f->reason == SF_REASON_INBOUND ||
		    (upstreams_only && sf_upstreams_find(&d->upstreams, &f->key.dst) == NULL)) {
			i++; /* a port forward is not egress: the policy does not govern it */
			continue;
		}
		if (f->tcp_state == SF_TCP_CLOSING) {
			/* already ending: forget it quietly, there is nothing left to cut */
			sf_flow_remove(d->flows, f);
			continue;
		}
		sf_filter_decide_flow(&d->filter, &f->key, now_ms, &ev.decision);
		if (ev.decision.allow) {
			f->valid_until_ms = ev.decision.valid_until_ms;
			f->reason = (uint8_t)ev.decision.reason;
			f->rule = ev.decision.rule;
			f->audit_only = 0;
			i++;
			continue;
		}
		audit_flow(d, &f->key, &ev, "cut", now_ms);
		/* removal may shift a later entry into slot i: look at i again */
		flow_cut(d, f);
		d->filter.c.flows_cut++;
		cut++;
	}
	return cut;
}

unsigned daemon_egress_cut_denied(Daemon *d, int64_t now_ms)
{
	return cut_denied(d, false, now_ms);
}

unsigned daemon_egress_cut_upstreams(Daemon *d, int64_t now_ms)
{
	return cut_denied(d, true, now_ms);
}

int daemon_egress_maintain(Daemon *d, int64_t now_ms)
{
	if (now_ms < d->next_maintenance_ms)
		return (int)(d->next_maintenance_ms - now_ms);
	d->next_maintenance_ms = now_ms + MAINTENANCE_INTERVAL_MS;
	daemon_upstreams_tick(d, now_ms);
	sf_flow_expire(d->flows, now_ms, FLOW_SWEEP_BUDGET);
	if (++d->maintenance_ticks % 10 == 0)
		sf_learned_sweep(d->learned, now_ms, (int64_t)d->policy->grace * 1000);
	audit_log_flush_suppressed(d->audit, now_ms);
	return MAINTENANCE_INTERVAL_MS;
}

static void add_uint(JsonBuilder *b, const char *name, uint64_t v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, (gint64)MIN(v, (uint64_t)G_MAXINT64));
}

char *daemon_counters_json(Daemon *d)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	g_autoptr(JsonNode) root = NULL;
	const SfFilterCounters *c = &d->filter.c;
	uint64_t written, suppressed, failed;

	audit_log_counters(d->audit, &written, &suppressed, &failed);
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "return");
	json_builder_begin_object(b);

	json_builder_set_member_name(b, "frames");
	json_builder_begin_object(b);
	add_uint(b, "in", c->frames_in);
	add_uint(b, "passed", c->frames_passed);
	add_uint(b, "dropped", c->frames_dropped);
	add_uint(b, "rejected", c->frames_rejected);
	add_uint(b, "dns", c->frames_dns);
	json_builder_end_object(b);

	json_builder_set_member_name(b, "drops");
	json_builder_begin_object(b);
	for (int r = SF_DROP_NONE + 1; r < SF_DROP_N; r++)
		add_uint(b, sf_drop_reason_name((SfDropReason)r), c->drop[r]);
	for (int r = SF_FRAME_OK + 1; r < SF_FRAME_N_RESULTS; r++)
		add_uint(b, sf_frame_result_name((SfFrameResult)r), c->drop_frame[r]);
	json_builder_end_object(b);

	json_builder_set_member_name(b, "tap");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "offloads");
	json_builder_add_boolean_value(b, d->tap_offloads);
	add_uint(b, "mss_clamp", d->mss_clamp);
	add_uint(b, "gso_frames_in", d->tap_gso_frames_in);
	add_uint(b, "segments_merged", d->tx.merged);
	add_uint(b, "offload_dropped", d->tap_offload_dropped);
	add_uint(b, "read_errors", d->tap_read_errors);
	add_uint(b, "write_errors", d->tap_write_errors);
	json_builder_end_object(b);

	json_builder_set_member_name(b, "flows");
	json_builder_begin_object(b);
	add_uint(b, "allowed", c->flows_allowed);
	add_uint(b, "denied", c->flows_denied);
	add_uint(b, "audit_allowed", c->flows_audit_allowed);
	add_uint(b, "table_full", c->flows_table_full);
	add_uint(b, "cut", c->flows_cut);
	add_uint(b, "active", sf_flow_count(d->flows));
	add_uint(b, "max", sf_flow_max(d->flows));
	json_builder_end_object(b);

	json_builder_set_member_name(b, "denied_by_reason");
	json_builder_begin_object(b);
	for (int r = 0; r < SF_REASON_N; r++)
		if (r != SF_REASON_RULE_ALLOW && r != SF_REASON_LEARNED)
			add_uint(b, sf_reason_name((SfReason)r), c->denied_by_reason[r]);
	json_builder_end_object(b);

	add_uint(b, "learned_addresses", sf_learned_count(d->learned));
	{
		SfLearnedStats ls;

		sf_learned_stats(d->learned, &ls);
		json_builder_set_member_name(b, "learned");
		json_builder_begin_object(b);
		add_uint(b, "count", ls.count);
		add_uint(b, "max", ls.max);
		add_uint(b, "inserted", ls.inserted);
		add_uint(b, "evicted_expired", ls.evicted_expired);
		add_uint(b, "evicted_live", ls.evicted_live);
		add_uint(b, "refused", ls.refused);
		add_uint(b, "expired", ls.expired);
		json_builder_end_object(b);
	}
	add_uint(b, "replies_sent", d->replies_sent);
	add_uint(b, "replies_suppressed", d->replies_suppressed);
	add_uint(b, "audit_written", written);
	add_uint(b, "audit_suppressed", suppressed);
	add_uint(b, "audit_failed", failed);
	add_uint(b, "reloads", d->reloads);
	add_uint(b, "reloads_refused", d->reloads_refused);
	if (d->resolver != NULL)
		resolver_counters_add(d->resolver, b);
	json_builder_set_member_name(b, "policy");
	json_builder_add_string_value(b, d->policy_path != NULL ? d->policy_path : "built-in default");
	json_builder_set_member_name(b, "mode");
	json_builder_add_string_value(b, d->policy->mode == SF_MODE_AUDIT ? "audit" : "enforce");

	json_builder_end_object(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	return json_to_string(root, FALSE);
}
