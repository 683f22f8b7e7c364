/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Audit record formatting.
 *
 * The records have a fixed, flat shape and are written on the data path,
 * so they are built with a small escaping writer into a fixed buffer rather
 * than through a JSON object model that would allocate per record. Every
 * string is escaped per RFC 8259; a record that would overflow is cut at a
 * field boundary and says so. Reading the log back (suggest-policy,
 * status) uses json-glib.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "slirp-filter/audit.h"

static void put(SfAuditLine *l, const char *s, size_t n)
{
	/* keep room for the closing "}\n" and a "truncated" marker */
	if (l->truncated || l->len + n + 24 >= sizeof(l->buf)) {
		l->truncated = true;
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void puts_(SfAuditLine *l, const char *s)
{
	put(l, s, strlen(s));
}

static void put_escaped(SfAuditLine *l, const char *s)
{
	char tmp[SF_AUDIT_LINE_MAX];
	size_t n = 0;

	put(l, "\"", 1);
	for (; *s != '\0' && n + 7 < sizeof(tmp); s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			tmp[n++] = '\\';
			tmp[n++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			/* names are ASCII by the time they get here; anything else is shown, not trusted */
			n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, "\\u%04x", c);
		} else {
			tmp[n++] = (char)c;
		}
	}
	put(l, tmp, n);
	put(l, "\"", 1);
}

static void key(SfAuditLine *l, const char *k)
{
	size_t before = l->len;

	put(l, ",", 1);
	put_escaped(l, k);
	put(l, ":", 1);
	if (l->truncated)
		l->len = before;
}

void sf_audit_begin(SfAuditLine *line, int64_t realtime_us, const char *event)
{
	time_t secs = (time_t)(realtime_us / 1000000);
	struct tm tm;
	char ts[40];

	line->len = 0;
	line->truncated = false;
	gmtime_r(&secs, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + strlen(ts), sizeof(ts) - strlen(ts), ".%03dZ",
		 (int)((realtime_us / 1000) % 1000));
	puts_(line, "{\"time\":");
	put_escaped(line, ts);
	sf_audit_str(line, "event", event);
}

void sf_audit_str(SfAuditLine *line, const char *k, const char *value)
{
	size_t before = line->len;

	if (value == NULL)
		return;
	key(line, k);
	put_escaped(line, value);
	if (line->truncated)
		line->len = before;
}

void sf_audit_int(SfAuditLine *line, const char *k, int64_t value)
{
	char num[24];
	size_t before = line->len;

	snprintf(num, sizeof(num), "%" G_GINT64_FORMAT, value);
	key(line, k);
	puts_(line, num);
	if (line->truncated)
		line->len = before;
}

void sf_audit_bool(SfAuditLine *line, const char *k, bool value)
{
	size_t before = line->len;

	key(line, k);
	puts_(line, value ? "true" : "false");
	if (line->truncated)
		line->len = before;
}

void sf_audit_raw(SfAuditLine *line, const char *k, const char *json)
{
	size_t before = line->len;

	key(line, k);
	puts_(line, json);
	if (line->truncated)
		line->len = before;
}

const char *sf_audit_end(SfAuditLine *line)
{
	if (line->truncated) {
		/* room was kept for this */
		memcpy(line->buf + line->len, ",\"truncated\":true", 17);
		line->len += 17;
	}
	memcpy(line->buf + line->len, "}\n", 3);
	line->len += 2;
	return line->buf;
}

const char *sf_audit_proto_name(uint8_t ipproto)
{
	switch (ipproto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	default:
		return "other";
	}
}

const char *sf_audit_rule_ref(const SfPolicy *policy, int32_t rule, char *buf, size_t size)
{
	buf[0] = '\0';
	if (rule >= 0 && (guint)rule < policy->rules->len)
		snprintf(buf, size, "%s:%u", policy->source,
			 g_array_index(policy->rules, SfRule, rule).line);
	return buf;
}

void sf_audit_flow(SfAuditLine *line, int64_t realtime_us, const SfPolicy *policy,
		   const SfProtected *prot, const SfFlowKey *key_, const SfFilterEvent *ev,
		   const char *verdict)
{
	char src[48], dst[48], rule[512];
	const SfDecision *d = &ev->decision;
	bool has_ports = key_->proto == IPPROTO_TCP || key_->proto == IPPROTO_UDP;
	int family = sf_flow_key_family(key_);

	if (verdict == NULL)
		verdict = ev->table_full ? "deny" : ev->audit_only ? "audit-deny" : d->allow ? "allow" : "deny";
	sf_audit_begin(line, realtime_us, "flow");
	sf_audit_str(line, "verdict", verdict);
	sf_audit_str(line, "reason", ev->table_full ? "flow-table-full" : sf_reason_name(d->reason));
	if (d->reason == SF_REASON_PROTECTED && prot != NULL && d->protected_range >= 0 &&
	    (unsigned)d->protected_range < prot->n)
		sf_audit_str(line, "range", prot->what[d->protected_range]);
	if (d->rule >= 0)
		sf_audit_str(line, "rule", sf_audit_rule_ref(policy, d->rule, rule, sizeof(rule)));
	sf_audit_str(line, "proto", sf_audit_proto_name(key_->proto));
	/* in the family the container used: an IPv6 flow to ::ffff:a.b.c.d is not IPv4 */
	sf_audit_str(line, "src", sf_addr_to_string_af(family, &key_->src, src, sizeof(src)));
	if (has_ports)
		sf_audit_int(line, "sport", key_->sport);
	sf_audit_str(line, "dst", sf_addr_to_string_af(family, &key_->dst, dst, sizeof(dst)));
	if (has_ports)
		sf_audit_int(line, "dport", key_->dport);
	sf_audit_str(line, "name", d->name);
	sf_audit_str(line, "mode", policy->mode == SF_MODE_AUDIT ? "audit" : "enforce");
}
