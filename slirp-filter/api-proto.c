/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * API socket protocol, compatible with slirp4netns 1.2.
 *
 * Theory of operation: a request is at most SF_API_REQUEST_MAX bytes from
 * an untrusted client. Cheap byte checks come first (size, NUL bytes, the
 * number of '{' and '[' that bounds json-glib's recursion); json-glib then
 * parses it and every member is checked for type and range. The error
 * descriptions are slirp4netns's own, so scripts that match on them keep
 * working. Where slirp4netns accepted nonsense (ports above 65535 or
 * fractional, a host_addr that is not a string, a missing proto that
 * crashed it), we refuse with the error it uses for that field.
 *
 * json-glib 1.6 has no strict mode. It also accepts single quotes, comments,
 * hex and octal numbers, ends a string at "\u0000" and wraps integer
 * literals beyond 64 bits (-18446744073709551535 reads as 81). None of
 * these lets a client do more than sending the plain value would.
 */
#include "config.h"

#include <arpa/inet.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "slirp-filter/api-proto.h"
#include "slirp-filter/json-guard.h"

G_DEFINE_QUARK(sf-api-error-quark, sf_api_error)

struct SfHostfwdTable {
	GArray *entries; /* SfHostfwd, in insertion order */
	int next_id;
};

static bool fail(GError **error, SfApiError code, const char *desc)
{
	g_set_error_literal(error, SF_API_ERROR, code, desc);
	return false;
}

static bool bad_arg(GError **error, const char *desc)
{
	return fail(error, SF_API_ERROR_BAD_ARGUMENT, desc);
}

/* A member that is absent or JSON null counts as absent. */
static JsonNode *member(JsonObject *o, const char *name)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;

	return n != NULL && !JSON_NODE_HOLDS_NULL(n) ? n : NULL;
}

/* Optional string member: TRUE and *out NULL when absent, FALSE if not a string. */
static bool get_string(JsonObject *o, const char *name, const char **out)
{
	JsonNode *n = member(o, name);

	*out = NULL;
	if (n == NULL)
		return true;
	if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return false;
	*out = json_node_get_string(n);
	return *out != NULL;
}

/* Required integer member within [min, max]; integral numbers such as 8080.0 count. */
static bool get_int(JsonObject *o, const char *name, int min, int max, int *out)
{
	JsonNode *n = member(o, name);
	GType t;

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n))
		return false;
	t = json_node_get_value_type(n);
	if (t == G_TYPE_INT64) {
		gint64 v = json_node_get_int(n);

		if (v < min || v > max)
			return false;
		*out = (int)v;
		return true;
	}
	if (t == G_TYPE_DOUBLE) {
		double v = json_node_get_double(n);

		if (!isfinite(v) || v != floor(v) || v < min || v > max)
			return false;
		*out = (int)v;
		return true;
	}
	return false;
}

/* Optional IPv4 address member; absent, null or "" gives @dflt. */
static bool get_addr(JsonObject *o, const char *name, struct in_addr dflt, struct in_addr *out)
{
	const char *s;

	if (!get_string(o, name, &s))
		return false;
	if (s == NULL || s[0] == '\0') {
		*out = dflt;
		return true;
	}
	return inet_pton(AF_INET, s, out) == 1;
}

static bool parse_add(JsonObject *args, struct in_addr guest_default, SfHostfwd *fwd,
		      GError **error)
{
	const struct in_addr any = { .s_addr = htonl(INADDR_ANY) };
	const char *proto;

	memset(fwd, 0, sizeof(*fwd));
	if (!get_string(args, "proto", &proto) || proto == NULL)
		return bad_arg(error, "bad request: add_hostfwd: bad arguments.proto");
	if (strcmp(proto, "udp") == 0)
		fwd->is_udp = true;
	else if (strcmp(proto, "tcp") != 0)
		return bad_arg(error, "bad request: add_hostfwd: bad arguments.proto");
	if (!get_addr(args, "host_addr", any, &fwd->host_addr))
		return bad_arg(error, "bad request: add_hostfwd: bad arguments.host_addr");
	if (!get_int(args, "host_port", 1, 65535, &fwd->host_port))
		return bad_arg(error, "bad request: add_hostfwd: bad arguments.host_port");
	if (!get_addr(args, "guest_addr", guest_default, &fwd->guest_addr))
		return bad_arg(error, "bad request: add_hostfwd: bad arguments.guest_addr");
	if (!get_int(args, "guest_port", 1, 65535, &fwd->guest_port))
		return bad_arg(error, "bad request: add_hostfwd: bad arguments.guest_port");
	return true;
}

const char *sf_hostfwd_guest_check(const SfNetLayout *layout, struct in_addr guest_addr)
{
	uint32_t a = ntohl(guest_addr.s_addr), mask = ntohl(layout->netmask.s_addr);
	uint32_t net = ntohl(layout->network.s_addr) & mask;

	if ((a & mask) != net)
		return "bad request: add_hostfwd: arguments.guest_addr is not in the guest network";
	if (a == net || a == (net | ~mask))
		return "bad request: add_hostfwd: arguments.guest_addr is the guest network's "
		       "network or broadcast address";
	if (guest_addr.s_addr == layout->gateway.s_addr || guest_addr.s_addr == layout->dns.s_addr)
		return "bad request: add_hostfwd: arguments.guest_addr is the gateway or DNS address, "
		       "not the container";
	return NULL;
}

/* How many '{' and '[' bytes @buf holds (inside strings too): an upper bound on nesting. */
static size_t count_openers(const char *buf, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (buf[i] == '{' || buf[i] == '[')
			n++;
	return n;
}


/*
 * The checks that need no parser. Returns the root node of @parser after
 * loading @buf, or NULL with @error set (code and slirp4netns's desc).
 */
static JsonNode *load(JsonParser *parser, const char *buf, size_t len, GError **error)
{
	JsonNode *root;

	if (len > SF_API_REQUEST_MAX) {
		fail(error, SF_API_ERROR_TOO_LARGE, "bad request: too large message");
		return NULL;
	}
	if (buf == NULL || len == 0 || memchr(buf, '\0', len) != NULL) {
		fail(error, SF_API_ERROR_PARSE, "bad request: cannot parse JSON");
		return NULL;
	}
	if (count_openers(buf, len) > SF_API_NESTING_MAX) {
		g_set_error(error, SF_API_ERROR, SF_API_ERROR_PARSE,
			    "bad request: cannot parse JSON: more than %d objects and arrays",
			    SF_API_NESTING_MAX);
		return NULL;
	}
	if (sf_json_glib_trap(buf, len)) {
		fail(error, SF_API_ERROR_PARSE, "bad request: cannot parse JSON");
		return NULL;
	}
	/* json-glib reads exactly len bytes and checks UTF-8 itself */
	if (!json_parser_load_from_data(parser, buf, (gssize)len, NULL) ||
	    (root = json_parser_get_root(parser)) == NULL) { /* NULL: only whitespace */
		fail(error, SF_API_ERROR_PARSE, "bad request: cannot parse JSON");
		return NULL;
	}
	return root;
}

bool sf_api_parse_request(const char *buf, size_t len, struct in_addr guest_default,
			  SfApiRequest *req, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	JsonNode *root, *args_node;
	JsonObject *obj, *args = NULL;
	const char *execute;

	g_return_val_if_fail(req != NULL, false);
	memset(req, 0, sizeof(*req));
	if ((root = load(parser, buf, len, error)) == NULL)
		return false;
	if (!JSON_NODE_HOLDS_OBJECT(root))
		return fail(error, SF_API_ERROR_NOT_OBJECT, "bad request: json_object() failed");
	obj = json_node_get_object(root);
	if (!get_string(obj, "execute", &execute) || execute == NULL)
		return fail(error, SF_API_ERROR_NO_EXECUTE, "bad request: no execute found");

	/* arguments that are not an object count as absent, as in slirp4netns */
	args_node = member(obj, "arguments");
	if (args_node != NULL && JSON_NODE_HOLDS_OBJECT(args_node))
		args = json_node_get_object(args_node);

	if (strcmp(execute, "add_hostfwd") == 0) {
		req->command = SF_API_ADD_HOSTFWD;
		return parse_add(args, guest_default, &req->fwd, error);
	}
	if (strcmp(execute, "list_hostfwd") == 0) {
		req->command = SF_API_LIST_HOSTFWD;
		return true;
	}
	if (strcmp(execute, "remove_hostfwd") == 0) {
		req->command = SF_API_REMOVE_HOSTFWD;
		if (!get_int(args, "id", 1, G_MAXINT, &req->fwd.id))
			return bad_arg(error, "bad request: remove_hostfwd: bad arguments.id");
		return true;
	}
	if (strcmp(execute, "reload_policy") == 0) {
		req->command = SF_API_RELOAD_POLICY;
		return true;
	}
	if (strcmp(execute, "get_counters") == 0) {
		req->command = SF_API_GET_COUNTERS;
		return true;
	}
	if (strcmp(execute, "get_status") == 0) {
		req->command = SF_API_GET_STATUS;
		return true;
	}
	return fail(error, SF_API_ERROR_UNKNOWN_EXECUTE, "bad request: unknown execute");
}

bool sf_api_request_complete(const char *buf, size_t len)
{
	g_autoptr(JsonParser) parser = NULL;
	const char *end;

	if (buf == NULL || len == 0)
		return false;
	if (len > SF_API_REQUEST_MAX || memchr(buf, '\0', len) != NULL ||
	    count_openers(buf, len) > SF_API_NESTING_MAX || sf_json_glib_trap(buf, len))
		return true; /* refused whatever follows */
	/* invalid UTF-8 longer than a truncated 4-byte sequence stays invalid */
	if (!g_utf8_validate(buf, (gssize)len, &end))
		return (size_t)(buf + len - end) > 3;
	parser = json_parser_new_immutable();
	return json_parser_load_from_data(parser, buf, (gssize)len, NULL) &&
	       json_parser_get_root(parser) != NULL;
}

static char *builder_to_string(JsonBuilder *b)
{
	g_autoptr(JsonNode) root = json_builder_get_root(b);
	g_autoptr(JsonGenerator) gen = json_generator_new();

	json_generator_set_root(gen, root);
	return json_generator_to_data(gen, NULL);
}

char *sf_api_reply_error(const char *desc)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "error");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "desc");
	json_builder_add_string_value(b, desc != NULL ? desc : "");
	json_builder_end_object(b);
	json_builder_end_object(b);
	return builder_to_string(b);
}

char *sf_api_reply_id(int id)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "return");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "id");
	json_builder_add_int_value(b, id);
	json_builder_end_object(b);
	json_builder_end_object(b);
	return builder_to_string(b);
}

char *sf_api_reply_empty(void)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "return");
	json_builder_begin_object(b);
	json_builder_end_object(b);
	json_builder_end_object(b);
	return builder_to_string(b);
}

SfHostfwdTable *sf_hostfwd_table_new(void)
{
	SfHostfwdTable *t = g_new0(SfHostfwdTable, 1);

	t->entries = g_array_new(FALSE, FALSE, sizeof(SfHostfwd));
	t->next_id = 1;
	return t;
}

void sf_hostfwd_table_free(SfHostfwdTable *table)
{
	if (table == NULL)
		return;
	g_array_unref(table->entries);
	g_free(table);
}

bool sf_hostfwd_table_full(const SfHostfwdTable *table)
{
	return table->entries->len >= SF_API_HOSTFWD_MAX || table->next_id == G_MAXINT;
}

int sf_hostfwd_table_add(SfHostfwdTable *table, const SfHostfwd *fwd)
{
	SfHostfwd e = *fwd;

	if (sf_hostfwd_table_full(table))
		return -1;
	e.id = table->next_id++;
	g_array_append_val(table->entries, e);
	return e.id;
}

static int find_index(const SfHostfwdTable *table, int id)
{
	for (guint i = 0; i < table->entries->len; i++)
		if (g_array_index(table->entries, SfHostfwd, i).id == id)
			return (int)i;
	return -1;
}

const SfHostfwd *sf_hostfwd_table_find(const SfHostfwdTable *table, int id)
{
	int i = find_index(table, id);

	return i < 0 ? NULL : &g_array_index(table->entries, SfHostfwd, i);
}

bool sf_hostfwd_table_remove(SfHostfwdTable *table, int id)
{
	int i = find_index(table, id);

	if (i < 0)
		return false;
	g_array_remove_index(table->entries, (guint)i);
	return true;
}

unsigned sf_hostfwd_table_count(const SfHostfwdTable *table)
{
	return table->entries->len;
}

const SfHostfwd *sf_hostfwd_table_nth(const SfHostfwdTable *table, unsigned index)
{
	if (index >= table->entries->len)
		return NULL;
	return &g_array_index(table->entries, SfHostfwd, index);
}

static void add_entries(JsonBuilder *b, const SfHostfwdTable *table)
{
	const SfHostfwd *f;

	json_builder_set_member_name(b, "entries");
	json_builder_begin_array(b);
	for (unsigned i = 0; (f = sf_hostfwd_table_nth(table, i)) != NULL; i++) {
		char host[INET_ADDRSTRLEN], guest[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &f->host_addr, host, sizeof(host));
		inet_ntop(AF_INET, &f->guest_addr, guest, sizeof(guest));
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "id");
		json_builder_add_int_value(b, f->id);
		json_builder_set_member_name(b, "proto");
		json_builder_add_string_value(b, f->is_udp ? "udp" : "tcp");
		json_builder_set_member_name(b, "host_addr");
		json_builder_add_string_value(b, host);
		json_builder_set_member_name(b, "host_port");
		json_builder_add_int_value(b, f->host_port);
		json_builder_set_member_name(b, "guest_addr");
		json_builder_add_string_value(b, guest);
		json_builder_set_member_name(b, "guest_port");
		json_builder_add_int_value(b, f->guest_port);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

char *sf_api_reply_list(const SfHostfwdTable *table)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();

	/* both forms on purpose: see sf_api_reply_list() in the header */
	json_builder_begin_object(b);
	add_entries(b, table);
	json_builder_set_member_name(b, "return");
	json_builder_begin_object(b);
	add_entries(b, table);
	json_builder_end_object(b);
	json_builder_end_object(b);
	return builder_to_string(b);
}
