/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fuzz target: any byte string as API socket requests.
 *
 * Theory of operation: the whole input is one request through
 * sf_api_request_complete() and sf_api_parse_request(); then each line of
 * it is a request of a session against one forward table, applied the way
 * api.c applies it (add, list, remove), with every reply built. Properties:
 * a request that parses is "complete" (the server never waits for more
 * after a whole request); a request that is not complete is no longer than
 * SF_API_REQUEST_MAX and holds no NUL byte; every reply, error replies
 * carrying our own messages included, is valid JSON; the list reply holds
 * exactly the table's entries; the table never holds more than
 * SF_API_HOSTFWD_MAX forwards and ids are never reused.
 */
#include "config.h"

#include <arpa/inet.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "slirp-filter/api-proto.h"

#include "fuzz-util.h"

#define SESSION_MAX 64 /* requests per input */

static struct in_addr guest;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
	if (inet_pton(AF_INET, "10.0.2.100", &guest) != 1)
		abort();
	return 0;
}

void fuzz_target_cleanup(void)
{
}

/* @json parsed back: an object; returns it (owned by @parser) or aborts. */
static JsonObject *reparse(JsonParser *parser, const char *json, const char *what)
{
	JsonNode *root;

	FUZZ_CHECK(json != NULL && json_parser_load_from_data(parser, json, -1, NULL) &&
		   (root = json_parser_get_root(parser)) != NULL && JSON_NODE_HOLDS_OBJECT(root),
		   "the %s reply is not a JSON object: %s", what, json != NULL ? json : "(null)");
	return json_node_get_object(root);
}

static void check_error_reply(const char *desc)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	g_autofree char *r = sf_api_reply_error(desc);
	JsonObject *o = reparse(parser, r, "error"), *e;

	FUZZ_CHECK(json_object_has_member(o, "error") &&
		   (e = json_object_get_object_member(o, "error")) != NULL &&
		   g_strcmp0(json_object_get_string_member_with_default(e, "desc", NULL), desc) == 0,
		   "the error reply does not carry its message: %s", r);
}

static void check_list(const SfHostfwdTable *t)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	g_autofree char *r = sf_api_reply_list(t);
	JsonObject *o = reparse(parser, r, "list");
	JsonArray *a = json_object_get_array_member(o, "entries");

	FUZZ_CHECK(a != NULL && json_array_get_length(a) == sf_hostfwd_table_count(t),
		   "the list reply does not hold the table's %u entries", sf_hostfwd_table_count(t));
}

/* One request, applied to @t as api.c does. */
static void request(SfHostfwdTable *t, const char *buf, size_t len, int *last_id)
{
	g_autoptr(GError) error = NULL;
	SfApiRequest req;
	bool complete = sf_api_request_complete(buf, len);
	bool ok = sf_api_parse_request(buf, len, guest, &req, &error);

	FUZZ_CHECK(!ok || complete, "a request that parses is not complete");
	FUZZ_CHECK(complete || (len <= SF_API_REQUEST_MAX && memchr(buf, '\0', len) == NULL),
		   "an incomplete request that no continuation can make acceptable");
	if (!ok) {
		FUZZ_CHECK(error != NULL && error->domain == SF_API_ERROR, "a refusal without its error");
		check_error_reply(error->message);
		return;
	}
	FUZZ_CHECK(error == NULL, "a request that parses, with an error");
	switch (req.command) {
	case SF_API_ADD_HOSTFWD: {
		int id;

		FUZZ_CHECK(req.fwd.host_port >= 1 && req.fwd.host_port <= 65535 && req.fwd.guest_port >= 1 &&
			   req.fwd.guest_port <= 65535, "ports %d, %d", req.fwd.host_port, req.fwd.guest_port);
		if (sf_hostfwd_table_full(t)) {
			check_error_reply("full");
			break;
		}
		id = sf_hostfwd_table_add(t, &req.fwd);
		FUZZ_CHECK(id > *last_id, "id %d after %d: reused", id, *last_id);
		*last_id = id;
		FUZZ_CHECK(sf_hostfwd_table_find(t, id) != NULL, "a new forward cannot be found");
		g_free(sf_api_reply_id(id));
		break;
	}
	case SF_API_REMOVE_HOSTFWD: {
		bool had = sf_hostfwd_table_find(t, req.fwd.id) != NULL;

		FUZZ_CHECK(sf_hostfwd_table_remove(t, req.fwd.id) == had, "remove disagrees with find");
		FUZZ_CHECK(sf_hostfwd_table_find(t, req.fwd.id) == NULL, "a removed forward is found");
		g_free(sf_api_reply_empty());
		break;
	}
	case SF_API_LIST_HOSTFWD:
		check_list(t);
		break;
	default:
		break;
	}
	FUZZ_CHECK(sf_hostfwd_table_count(t) <= SF_API_HOSTFWD_MAX, "%u forwards",
		   sf_hostfwd_table_count(t));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(SfHostfwdTable) t = sf_hostfwd_table_new();
	const char *p = (const char *)data, *end = p + size;
	int last_id = 0;

	request(t, p, size, &last_id);
	for (unsigned n = 0; n < SESSION_MAX && p < end; n++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl != NULL ? nl : end) - p);

		request(t, p, len, &last_id);
		p += len + (nl != NULL);
	}
	check_list(t);
	return 0;
}
