/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reading audit records back (suggest-policy, audit --follow).
 *
 * The log is written by this program, but it is read from files that may
 * be truncated, concatenated, edited or not ours at all, so every line is
 * checked before it is used: its length, its nesting (json-glib's parser
 * recurses per level, so a line of a million '[' must never reach it), then
 * the JSON itself, then the fields the event needs and their types. A line
 * that fails says why in one phrase; the caller reports it with its line
 * number and goes on with the next one.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "slirp-filter/audit-read.h"
#include "slirp-filter/json-guard.h"

/* Audit records are flat objects; a little room for future nesting. */
#define AUDIT_NESTING_MAX 8

G_DEFINE_QUARK(sf-audit-read-error-quark, sf_audit_read_error)

static void record_init(SfAuditRecord *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->sport = rec->dport = -1;
	rec->count = rec->flows_cut = rec->stripped = -1;
	rec->summarized = rec->allowed = rec->overflow = -1;
}

void sf_audit_record_clear(SfAuditRecord *rec)
{
	if (rec->root != NULL)
		json_node_unref(rec->root);
	record_init(rec);
}

/* Nesting depth of @line outside strings; -1 on a NUL byte. Stops counting past the limit. */
static int nesting(const char *line, size_t len)
{
	bool in_str = false, esc = false;
	int depth = 0, max = 0;

	for (size_t i = 0; i < len; i++) {
		char c = line[i];

		if (c == '\0')
			return -1;
		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > max)
				max = depth;
			if (max > AUDIT_NESTING_MAX)
				return max;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return max;
}

/* A string member, or NULL when absent, null, or not a string. */
static const char *get_str(JsonObject *o, const char *key)
{
	JsonNode *n = json_object_get_member(o, key);

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

/* An integer member into *@out; FALSE when absent or not an integer. */
static bool get_int(JsonObject *o, const char *key, int64_t *out)
{
	JsonNode *n = json_object_get_member(o, key);

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
		return false;
	*out = json_node_get_int(n);
	return true;
}

static bool get_bool(JsonObject *o, const char *key)
{
	JsonNode *n = json_object_get_member(o, key);

	return n != NULL && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_BOOLEAN &&
	       json_node_get_boolean(n);
}

static bool is_ip(const char *s)
{
	struct in6_addr a6;

	return s != NULL && (inet_pton(AF_INET, s, &a6) == 1 || inet_pton(AF_INET6, s, &a6) == 1);
}

static bool fail(GError **error, SfAuditReadError code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static bool fail(GError **error, SfAuditReadError code, const char *fmt, ...)
{
	va_list ap;
	g_autofree char *msg = NULL;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(error, SF_AUDIT_READ_ERROR, code, msg);
	return false;
}

static bool need_str(JsonObject *o, const char *event, const char *key, const char **out,
		     GError **error)
{
	*out = get_str(o, key);
	if (*out == NULL || (*out)[0] == '\0')
		return fail(error, SF_AUDIT_READ_ERROR_MISSING, "a \"%s\" record without \"%s\"", event,
			    key);
	return true;
}

static bool parse_port(JsonObject *o, const char *key, int *out, bool required, GError **error)
{
	int64_t v;

	if (!get_int(o, key, &v)) {
		if (!required)
			return true;
		return fail(error, SF_AUDIT_READ_ERROR_MISSING, "a \"flow\" record without \"%s\"", key);
	}
	if (v < 0 || v > 65535)
		return fail(error, SF_AUDIT_READ_ERROR_BAD_VALUE, "\"%s\" %" G_GINT64_FORMAT
			    " is not a port", key, v);
	*out = (int)v;
	return true;
}

/* An RFC 3339 time string into Unix µs; FALSE when it is not one. */
static bool parse_time_us(const char *s, int64_t *out)
{
	g_autoptr(GDateTime) dt = s != NULL ? g_date_time_new_from_iso8601(s, NULL) : NULL;

	if (dt == NULL)
		return false;
	*out = g_date_time_to_unix(dt) * G_USEC_PER_SEC + g_date_time_get_microsecond(dt);
	return true;
}

/*
 * A summary's "count", "first" and "last" (audit-agg.c), when present: a
 * count of at least 1 and, with it, both times in order.
 */
static bool parse_summary(JsonObject *o, SfAuditRecord *r, GError **error)
{
	r->first_us = r->last_us = r->time_us;
	if (json_object_get_member(o, "count") == NULL)
		return true;
	if (!get_int(o, "count", &r->count) || r->count < 1)
		return fail(error, SF_AUDIT_READ_ERROR_BAD_VALUE, "a \"%s\" summary whose \"count\" is "
			    "not a number of at least 1", r->event_name);
	r->first = get_str(o, "first");
	r->last = get_str(o, "last");
	if (!parse_time_us(r->first, &r->first_us) || !parse_time_us(r->last, &r->last_us) ||
	    r->first_us > r->last_us)
		return fail(error, SF_AUDIT_READ_ERROR_BAD_VALUE, "a \"%s\" summary without a valid "
			    "\"first\" and \"last\" time", r->event_name);
	return true;
}

static bool parse_flow(JsonObject *o, SfAuditRecord *r, GError **error)
{
	bool ports;

	if (!need_str(o, "flow", "verdict", &r->verdict, error) ||
	    !need_str(o, "flow", "reason", &r->reason, error) ||
	    !need_str(o, "flow", "proto", &r->proto, error) ||
	    !need_str(o, "flow", "src", &r->src, error) ||
	    !need_str(o, "flow", "dst", &r->dst, error))
		return false;
	if (!is_ip(r->src) || !is_ip(r->dst))
		return fail(error, SF_AUDIT_READ_ERROR_BAD_VALUE, "\"%s\" is not an IP address",
			    is_ip(r->src) ? r->dst : r->src);
	ports = strcmp(r->proto, "tcp") == 0 || strcmp(r->proto, "udp") == 0;
	if (!parse_port(o, "dport", &r->dport, ports, error) ||
	    !parse_port(o, "sport", &r->sport, false, error))
		return false;
	r->rule = get_str(o, "rule");
	r->range = get_str(o, "range");
	r->name = get_str(o, "name");
	return parse_summary(o, r, error);
}

static bool parse_dns(JsonObject *o, SfAuditRecord *r, GError **error)
{
	if (!need_str(o, "dns", "verdict", &r->verdict, error) ||
	    !need_str(o, "dns", "reason", &r->reason, error) ||
	    !need_str(o, "dns", "name", &r->name, error))
		return false;
	r->qtype = get_str(o, "qtype");
	r->rule = get_str(o, "rule");
	r->cname = get_str(o, "cname");
	r->stripped_first = get_str(o, "stripped-first");
	r->stripped_why = get_str(o, "stripped-why");
	get_int(o, "stripped", &r->stripped);
	return parse_summary(o, r, error);
}

bool sf_audit_record_parse(const char *line, size_t len, SfAuditRecord *rec, GError **error)
{
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(GDateTime) dt = NULL;
	SfAuditRecord r;
	JsonObject *o;
	JsonNode *root;
	int depth;

	record_init(&r);
	record_init(rec);
	if (len > SF_AUDIT_READ_LINE_MAX)
		return fail(error, SF_AUDIT_READ_ERROR_TOO_LONG, "longer than %d bytes",
			    SF_AUDIT_READ_LINE_MAX);
	depth = nesting(line, len);
	if (depth < 0)
		return fail(error, SF_AUDIT_READ_ERROR_NOT_JSON, "not JSON (a NUL byte)");
	if (depth > AUDIT_NESTING_MAX)
		return fail(error, SF_AUDIT_READ_ERROR_NOT_JSON, "not JSON (nested too deeply)");
	if (sf_json_glib_trap(line, len)) /* json-glib would leak on it (json-guard.h) */
		return fail(error, SF_AUDIT_READ_ERROR_NOT_JSON, "not JSON (not exactly one value)");
	parser = json_parser_new_immutable();
	if (!json_parser_load_from_data(parser, line, (gssize)len, &local))
		return fail(error, SF_AUDIT_READ_ERROR_NOT_JSON, "not JSON (%s)",
			    /* json-glib names the buffer "<data>": noise in a line-numbered report */
			    g_str_has_prefix(local->message, "<data>:") ? local->message + 7 : local->message);
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
		return fail(error, SF_AUDIT_READ_ERROR_NOT_RECORD, "not a JSON object");
	r.root = json_node_ref(root);
	o = json_node_get_object(root);
	r.time = get_str(o, "time");
	r.event_name = get_str(o, "event");
	if (r.time == NULL || r.event_name == NULL || r.event_name[0] == '\0') {
		sf_audit_record_clear(&r);
		return fail(error, SF_AUDIT_READ_ERROR_NOT_RECORD,
			    "not an audit record (no \"time\" or \"event\")");
	}
	dt = g_date_time_new_from_iso8601(r.time, NULL);
	if (dt == NULL) {
		g_autofree char *t = g_strndup(r.time, 40);

		sf_audit_record_clear(&r);
		return fail(error, SF_AUDIT_READ_ERROR_BAD_VALUE, "\"time\" \"%s\" is not an RFC 3339 time", t);
	}
	r.time_us = g_date_time_to_unix(dt) * G_USEC_PER_SEC + g_date_time_get_microsecond(dt);
	r.first_us = r.last_us = r.time_us;
	r.mode = get_str(o, "mode");
	r.truncated = get_bool(o, "truncated");

	if (strcmp(r.event_name, "flow") == 0) {
		r.event = SF_AUDIT_EV_FLOW;
		if (!parse_flow(o, &r, error))
			goto bad;
	} else if (strcmp(r.event_name, "dns") == 0) {
		r.event = SF_AUDIT_EV_DNS;
		if (!parse_dns(o, &r, error))
			goto bad;
	} else if (g_str_has_prefix(r.event_name, "policy-")) {
		if (strcmp(r.event_name, "policy-loaded") == 0)
			r.event = SF_AUDIT_EV_POLICY_LOADED;
		else if (strcmp(r.event_name, "policy-reloaded") == 0)
			r.event = SF_AUDIT_EV_POLICY_RELOADED;
		else if (strcmp(r.event_name, "policy-refused") == 0)
			r.event = SF_AUDIT_EV_POLICY_REFUSED;
		else
			r.event = SF_AUDIT_EV_OTHER;
		r.policy = get_str(o, "policy");
		r.chosen_by = get_str(o, "chosen-by");
		r.summary = get_str(o, "summary");
		r.error = get_str(o, "error");
		get_int(o, "flows-cut", &r.flows_cut);
	} else if (strcmp(r.event_name, "audit-suppressed") == 0) {
		r.event = SF_AUDIT_EV_SUPPRESSED;
		if (!get_int(o, "count", &r.count)) {
			fail(error, SF_AUDIT_READ_ERROR_MISSING, "an \"audit-suppressed\" record without \"count\"");
			goto bad;
		}
		get_int(o, "summarized", &r.summarized);
		get_int(o, "allowed", &r.allowed);
		get_int(o, "overflow", &r.overflow);
	} else {
		r.event = SF_AUDIT_EV_OTHER;
	}
	*rec = r;
	return true;
bad:
	sf_audit_record_clear(&r);
	return false;
}

const char *sf_audit_time_format(int64_t time_us, char *buf, size_t size)
{
	time_t secs = (time_t)(time_us / G_USEC_PER_SEC);
	struct tm tm;

	if (time_us < 0 && time_us % G_USEC_PER_SEC != 0)
		secs--;
	if (gmtime_r(&secs, &tm) == NULL || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		g_strlcpy(buf, "?", size);
	return buf;
}

/* ---- human-readable lines ---- */

#define C_RESET "\033[0m"
#define C_DIM "\033[2m"
#define C_RED "\033[1;31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_MAGENTA "\033[35m"
#define C_CYAN "\033[36m"

/* Appends @s with control and non-ASCII bytes escaped: the log is data, not terminal input. */
static void append_safe(GString *out, const char *s, size_t max)
{
	size_t n = 0;

	for (; *s != '\0' && n < max; s++, n++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f)
			g_string_append_printf(out, "\\x%02x", c);
		else
			g_string_append_c(out, (char)c);
	}
	if (*s != '\0')
		g_string_append(out, "...");
}

static void append_word(GString *out, const char *word, const char *color, bool use_color, int width)
{
	if (use_color && color != NULL)
		g_string_append(out, color);
	append_safe(out, word, 64);
	if (use_color && color != NULL)
		g_string_append(out, C_RESET);
	/* pad by the visible width only */
	for (int w = (int)strlen(word); w < width; w++)
		g_string_append_c(out, ' ');
}

static void append_endpoint(GString *out, const char *addr, int port)
{
	bool v6 = strchr(addr, ':') != NULL;

	if (port < 0) {
		append_safe(out, addr, 64);
		return;
	}
	if (v6)
		g_string_append_c(out, '[');
	append_safe(out, addr, 64);
	if (v6)
		g_string_append_c(out, ']');
	g_string_append_printf(out, ":%d", port);
}

/* "web.policy:3" out of "/home/u/web.policy:3": the directory is noise on one line. */
static void append_rule(GString *out, const char *rule)
{
	const char *slash = strrchr(rule, '/');

	append_safe(out, slash != NULL ? slash + 1 : rule, 200);
}

static const char *flow_color(const char *verdict)
{
	if (strcmp(verdict, "allow") == 0)
		return C_GREEN;
	if (strcmp(verdict, "audit-deny") == 0)
		return C_YELLOW;
	return C_RED; /* deny, cut, anything new */
}

/* " x5000 since 18:01:47Z" for a summary record. */
static void append_summary(GString *out, const SfAuditRecord *r)
{
	char first[32];

	if (r->count < 1 || r->event == SF_AUDIT_EV_SUPPRESSED)
		return;
	g_string_append_printf(out, " x%" G_GINT64_FORMAT " since %s", r->count,
			       sf_audit_time_format(r->first_us, first, sizeof(first)));
}

static void format_flow(GString *out, const SfAuditRecord *r, bool color)
{
	g_autofree char *verdict = g_ascii_strup(r->verdict, -1);
	bool ports = strcmp(r->proto, "tcp") == 0 || strcmp(r->proto, "udp") == 0;

	append_word(out, verdict, flow_color(r->verdict), color, 10);
	g_string_append_c(out, ' ');
	append_safe(out, r->proto, 16);
	g_string_append_c(out, ' ');
	append_endpoint(out, r->src, ports ? r->sport : -1);
	g_string_append(out, " -> ");
	append_endpoint(out, r->dst, ports ? r->dport : -1);
	if (r->name != NULL) {
		g_string_append_c(out, ' ');
		append_safe(out, r->name, 253);
	}
	g_string_append(out, " (");
	append_safe(out, r->reason, 64);
	if (r->range != NULL) {
		g_string_append(out, ": ");
		append_safe(out, r->range, 64);
	}
	if (r->rule != NULL) {
		g_string_append(out, ", ");
		append_rule(out, r->rule);
	}
	g_string_append_c(out, ')');
	append_summary(out, r);
}

static void format_dns(GString *out, const SfAuditRecord *r, bool color)
{
	g_autofree char *verdict = g_ascii_strup(r->verdict, -1);
	g_autofree char *word = g_strdup_printf("DNS %s", verdict);
	const char *c = strcmp(r->verdict, "audit-deny") == 0 || strcmp(r->verdict, "strip") == 0 ? C_YELLOW
			: strcmp(r->verdict, "servfail") == 0 ? C_MAGENTA : C_RED;

	append_word(out, word, c, color, 10);
	g_string_append_c(out, ' ');
	append_safe(out, r->name, 253);
	if (r->qtype != NULL) {
		g_string_append_c(out, ' ');
		append_safe(out, r->qtype, 16);
	}
	g_string_append(out, " (");
	append_safe(out, r->reason, 64);
	if (r->cname != NULL) {
		g_string_append(out, ": ");
		append_safe(out, r->cname, 253);
	}
	if (r->stripped_first != NULL) {
		g_string_append(out, ": removed ");
		append_safe(out, r->stripped_first, 64);
		if (r->stripped_why != NULL) {
			g_string_append(out, " ");
			append_safe(out, r->stripped_why, 64);
		}
		if (r->stripped > 1)
			g_string_append_printf(out, " and %" G_GINT64_FORMAT " more", r->stripped - 1);
	}
	if (r->rule != NULL) {
		g_string_append(out, ", ");
		append_rule(out, r->rule);
	}
	g_string_append_c(out, ')');
	append_summary(out, r);
}

static void format_policy(GString *out, const SfAuditRecord *r, bool color)
{
	const char *what = r->event_name + strlen("policy-");
	bool refused = r->event == SF_AUDIT_EV_POLICY_REFUSED;

	append_word(out, "POLICY", refused ? C_RED : C_CYAN, color, 10);
	g_string_append_c(out, ' ');
	append_safe(out, what, 32);
	if (r->policy != NULL) {
		g_string_append_c(out, ' ');
		append_safe(out, r->policy, 400);
	}
	if (r->chosen_by != NULL) {
		g_string_append(out, " (chosen by ");
		append_safe(out, r->chosen_by, 200);
		g_string_append_c(out, ')');
	}
	if (r->error != NULL) {
		/* a refusal lists every error, one a line: show the first and how many more */
		const char *nl = strchr(r->error, '\n');
		g_autofree char *first = nl != NULL ? g_strndup(r->error, (gsize)(nl - r->error))
						    : g_strdup(r->error);
		unsigned more = 0;

		for (const char *p = r->error; (p = strchr(p, '\n')) != NULL; p++)
			if (p[1] != '\0')
				more++;
		g_string_append(out, ": ");
		append_safe(out, first, 400);
		if (more > 0)
			g_string_append_printf(out, " (and %u more)", more);
		g_string_append(out, "; kept in force");
	} else if (r->summary != NULL) {
		const char *s = r->summary;
		/* the summary starts with the file again: skip it */
		if (r->policy != NULL && g_str_has_prefix(s, r->policy) && s[strlen(r->policy)] == ':')
			s += strlen(r->policy) + 1;
		g_string_append_c(out, ':');
		if (*s != ' ')
			g_string_append_c(out, ' ');
		append_safe(out, s, 400);
	}
	if (r->flows_cut > 0)
		g_string_append_printf(out, "; %" G_GINT64_FORMAT " flow%s cut", r->flows_cut,
				       r->flows_cut == 1 ? "" : "s");
}

static void format_other(GString *out, const SfAuditRecord *r, bool color)
{
	JsonObject *o = json_node_get_object(r->root);
	g_autoptr(GList) members = json_object_get_members(o);
	g_autofree char *word = g_ascii_strup(r->event_name, -1);

	append_word(out, word, C_CYAN, color, 10);
	for (GList *m = members; m != NULL; m = m->next) {
		const char *k = m->data;
		JsonNode *n = json_object_get_member(o, k);
		g_autofree char *v = NULL;

		if (strcmp(k, "time") == 0 || strcmp(k, "event") == 0)
			continue;
		if (JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING)
			v = g_strdup(json_node_get_string(n));
		else
			v = json_to_string(n, FALSE);
		g_string_append_c(out, ' ');
		append_safe(out, k, 64);
		g_string_append_c(out, '=');
		append_safe(out, v, 200);
	}
}

char *sf_audit_record_format(const SfAuditRecord *r, GTimeZone *tz, bool color)
{
	GString *out = g_string_new(NULL);
	g_autoptr(GTimeZone) local = tz == NULL ? g_time_zone_new_local() : NULL;
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(r->time_us / G_USEC_PER_SEC);
	g_autoptr(GDateTime) shown = dt != NULL ? g_date_time_to_timezone(dt, tz != NULL ? tz : local) : NULL;
	g_autofree char *hms = shown != NULL ? g_date_time_format(shown, "%H:%M:%S") : g_strdup("??:??:??");

	if (color)
		g_string_append(out, C_DIM);
	g_string_append(out, hms);
	if (color)
		g_string_append(out, C_RESET);
	g_string_append_c(out, ' ');
	switch (r->event) {
	case SF_AUDIT_EV_FLOW:
		format_flow(out, r, color);
		break;
	case SF_AUDIT_EV_DNS:
		format_dns(out, r, color);
		break;
	case SF_AUDIT_EV_POLICY_LOADED:
	case SF_AUDIT_EV_POLICY_RELOADED:
	case SF_AUDIT_EV_POLICY_REFUSED:
		format_policy(out, r, color);
		break;
	case SF_AUDIT_EV_SUPPRESSED:
		append_word(out, "SUPPRESSED", C_MAGENTA, color, 10);
		g_string_append_printf(out, " %" G_GINT64_FORMAT " record%s over the audit rate limit",
				       r->count, r->count == 1 ? "" : "s");
		if (r->summarized >= 0)
			g_string_append_printf(out, " (%" G_GINT64_FORMAT " in the summaries above, %"
					       G_GINT64_FORMAT " allowed flows counted only, %" G_GINT64_FORMAT
					       " without a summary)", r->summarized,
					       MAX(r->allowed, (int64_t)0), MAX(r->overflow, (int64_t)0));
		break;
	case SF_AUDIT_EV_OTHER:
		format_other(out, r, color);
		break;
	}
	if (r->truncated)
		g_string_append(out, " [record truncated]");
	return g_string_free(out, FALSE);
}

char *sf_audit_format_bad_line(const char *line, size_t len, const char *why, bool color)
{
	GString *out = g_string_new(NULL);
	size_t n = MIN(len, 200);

	if (color)
		g_string_append(out, C_DIM);
	g_string_append(out, "? ");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c >= 0x7f)
			g_string_append_printf(out, "\\x%02x", c);
		else
			g_string_append_c(out, (char)c);
	}
	if (len > n)
		g_string_append(out, "...");
	g_string_append(out, "  [");
	g_string_append(out, why);
	g_string_append_c(out, ']');
	if (color)
		g_string_append(out, C_RESET);
	return g_string_free(out, FALSE);
}

/* ---- lines ---- */

struct SfLineSplitter {
	GString *cur;
	size_t max;
	bool too_long; /* the current line passed @max: the rest of it is dropped */
	uint64_t lineno;
};

SfLineSplitter *sf_line_splitter_new(size_t max)
{
	SfLineSplitter *ls = g_new0(SfLineSplitter, 1);

	ls->cur = g_string_new(NULL);
	ls->max = MAX(max, 1);
	return ls;
}

void sf_line_splitter_free(SfLineSplitter *ls)
{
	if (ls == NULL)
		return;
	g_string_free(ls->cur, TRUE);
	g_free(ls);
}

static void deliver(SfLineSplitter *ls, SfLineFunc fn, void *data)
{
	if (!ls->too_long && ls->cur->len > 0 && ls->cur->str[ls->cur->len - 1] == '\r')
		g_string_truncate(ls->cur, ls->cur->len - 1);
	ls->lineno++;
	fn(ls->cur->str, ls->cur->len, ls->too_long, ls->lineno, data);
	g_string_truncate(ls->cur, 0);
	ls->too_long = false;
}

void sf_line_splitter_feed(SfLineSplitter *ls, const char *buf, size_t len, SfLineFunc fn, void *data)
{
	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl != NULL ? (size_t)(nl - buf) : len;

		if (!ls->too_long) {
			size_t room = ls->max - ls->cur->len;

			g_string_append_len(ls->cur, buf, (gssize)MIN(n, room));
			if (n > room)
				ls->too_long = true;
		}
		if (nl == NULL)
			return;
		deliver(ls, fn, data);
		buf += n + 1;
		len -= n + 1;
	}
}

void sf_line_splitter_finish(SfLineSplitter *ls, SfLineFunc fn, void *data)
{
	if (ls->cur->len > 0 || ls->too_long)
		deliver(ls, fn, data);
}

void sf_line_splitter_reset(SfLineSplitter *ls)
{
	g_string_truncate(ls->cur, 0);
	ls->too_long = false;
	ls->lineno = 0;
}

size_t sf_line_splitter_pending(const SfLineSplitter *ls)
{
	return ls->cur->len;
}
