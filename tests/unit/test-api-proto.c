/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: API request parsing, slirp4netns 1.2 error texts, replies, forward table. */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "slirp-filter/api-proto.h"

#define ADD(args) "{\"execute\":\"add_hostfwd\",\"arguments\":{" args "}}"

static struct in_addr guest_default(void)
{
	struct in_addr a;

	g_assert_cmpint(inet_pton(AF_INET, "10.0.2.100", &a), ==, 1);
	return a;
}

static bool parse_len(const char *buf, size_t len, SfApiRequest *req, GError **error)
{
	return sf_api_parse_request(buf, len, guest_default(), req, error);
}

static bool parse(const char *json, SfApiRequest *req, GError **error)
{
	return parse_len(json, strlen(json), req, error);
}

static void assert_addr(struct in_addr a, const char *expected)
{
	char buf[INET_ADDRSTRLEN];

	g_assert_nonnull(inet_ntop(AF_INET, &a, buf, sizeof(buf)));
	g_assert_cmpstr(buf, ==, expected);
}

static void expect_error_len(const char *buf, size_t len, SfApiError code, const char *desc)
{
	g_autoptr(GError) error = NULL;
	SfApiRequest req;

	if (parse_len(buf, len, &req, &error))
		g_error("request \"%.*s\" was accepted, expected \"%s\"", (int)MIN(len, 200), buf, desc);
	g_assert_error(error, SF_API_ERROR, (gint)code);
	g_assert_cmpstr(error->message, ==, desc);
}

static void expect_error(const char *json, SfApiError code, const char *desc)
{
	expect_error_len(json, strlen(json), code, desc);
}

static void expect_arg_error(const char *json, const char *desc)
{
	expect_error(json, SF_API_ERROR_BAD_ARGUMENT, desc);
}

/* Parses @json and checks it is an add_hostfwd with these values. */
static void expect_add(const char *json, bool udp, const char *host, int host_port,
		       const char *guest, int guest_port)
{
	g_autoptr(GError) error = NULL;
	SfApiRequest req;

	if (!parse(json, &req, &error))
		g_error("request %s refused: %s", json, error->message);
	g_assert_cmpint(req.command, ==, SF_API_ADD_HOSTFWD);
	g_assert_cmpint(req.fwd.is_udp, ==, udp);
	assert_addr(req.fwd.host_addr, host);
	g_assert_cmpint(req.fwd.host_port, ==, host_port);
	assert_addr(req.fwd.guest_addr, guest);
	g_assert_cmpint(req.fwd.guest_port, ==, guest_port);
}

/* Every field given, as in slirp4netns's manual. */
static void test_add_hostfwd(void)
{
	expect_add(ADD("\"proto\":\"tcp\",\"host_addr\":\"0.0.0.0\",\"host_port\":8080,"
		       "\"guest_addr\":\"10.0.2.100\",\"guest_port\":80"),
		   false, "0.0.0.0", 8080, "10.0.2.100", 80);
	expect_add(ADD("\"proto\":\"udp\",\"host_addr\":\"127.0.0.1\",\"host_port\":5353,"
		       "\"guest_addr\":\"10.0.2.50\",\"guest_port\":53"),
		   true, "127.0.0.1", 5353, "10.0.2.50", 53);
	/* member order, whitespace and a trailing newline do not matter */
	expect_add(" {\n \"arguments\" : { \"guest_port\" : 22, \"host_port\" : 2222, \"proto\" : \"tcp\" },"
		   " \"execute\" : \"add_hostfwd\" }\n",
		   false, "0.0.0.0", 2222, "10.0.2.100", 22);
	/* the port range ends are accepted */
	expect_add(ADD("\"proto\":\"tcp\",\"host_port\":1,\"guest_port\":65535"),
		   false, "0.0.0.0", 1, "10.0.2.100", 65535);
}

/* Podman's form (empty guest_addr means cidr+100) and the other defaults. */
static void test_add_hostfwd_defaults(void)
{
	expect_add(ADD("\"proto\":\"tcp\",\"host_addr\":\"0.0.0.0\",\"host_port\":8080,"
		       "\"guest_addr\":\"\",\"guest_port\":80"),
		   false, "0.0.0.0", 8080, "10.0.2.100", 80);
	expect_add(ADD("\"proto\":\"tcp\",\"host_addr\":\"\",\"host_port\":8080,\"guest_port\":80"),
		   false, "0.0.0.0", 8080, "10.0.2.100", 80);
	expect_add(ADD("\"proto\":\"udp\",\"host_addr\":null,\"host_port\":8080,"
		       "\"guest_addr\":null,\"guest_port\":80"),
		   true, "0.0.0.0", 8080, "10.0.2.100", 80);
	/* integral numbers in any JSON spelling */
	expect_add(ADD("\"proto\":\"tcp\",\"host_port\":8080.0,\"guest_port\":8e1"),
		   false, "0.0.0.0", 8080, "10.0.2.100", 80);
	/* members we do not know are ignored, as by slirp4netns */
	expect_add("{\"execute\":\"add_hostfwd\",\"id\":\"x\",\"arguments\":{\"proto\":\"tcp\","
		   "\"host_port\":1,\"guest_port\":2,\"comment\":[1,{}]}}",
		   false, "0.0.0.0", 1, "10.0.2.100", 2);
}

static void test_add_hostfwd_errors(void)
{
	const char *proto = "bad request: add_hostfwd: bad arguments.proto";
	const char *host_addr = "bad request: add_hostfwd: bad arguments.host_addr";
	const char *host_port = "bad request: add_hostfwd: bad arguments.host_port";
	const char *guest_addr = "bad request: add_hostfwd: bad arguments.guest_addr";
	const char *guest_port = "bad request: add_hostfwd: bad arguments.guest_port";

	/* proto: missing, wrong type, unknown, wrong case; also no or bad arguments */
	expect_arg_error("{\"execute\":\"add_hostfwd\"}", proto);
	expect_arg_error("{\"execute\":\"add_hostfwd\",\"arguments\":5}", proto);
	expect_arg_error("{\"execute\":\"add_hostfwd\",\"arguments\":[\"tcp\"]}", proto);
	expect_arg_error(ADD("\"host_port\":1,\"guest_port\":1"), proto);
	expect_arg_error(ADD("\"proto\":null,\"host_port\":1,\"guest_port\":1"), proto);
	expect_arg_error(ADD("\"proto\":7,\"host_port\":1,\"guest_port\":1"), proto);
	expect_arg_error(ADD("\"proto\":[\"tcp\"],\"host_port\":1,\"guest_port\":1"), proto);
	expect_arg_error(ADD("\"proto\":\"sctp\",\"host_port\":1,\"guest_port\":1"), proto);
	expect_arg_error(ADD("\"proto\":\"TCP\",\"host_port\":1,\"guest_port\":1"), proto);
	expect_arg_error(ADD("\"proto\":\"\",\"host_port\":1,\"guest_port\":1"), proto);
	/* host_addr: IPv6, names, garbage, wrong types */
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_addr\":\"::1\",\"host_port\":1,\"guest_port\":1"), host_addr);
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_addr\":\"localhost\",\"host_port\":1,\"guest_port\":1"), host_addr);
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_addr\":\"1.2.3.256\",\"host_port\":1,\"guest_port\":1"), host_addr);
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_addr\":\"1.2.3.4 \",\"host_port\":1,\"guest_port\":1"), host_addr);
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_addr\":[],\"host_port\":1,\"guest_port\":1"), host_addr);
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_addr\":16777343,\"host_port\":1,\"guest_port\":1"), host_addr);
	/* host_port: missing, null, 0, out of range, fractional, wrong types */
	expect_arg_error(ADD("\"proto\":\"tcp\",\"guest_port\":1"), host_port);
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_port\":null,\"guest_port\":1"), host_port);
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_port\":0,\"guest_port\":1"), host_port);
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_port\":-80,\"guest_port\":1"), host_port);
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_port\":65536,\"guest_port\":1"), host_port);
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_port\":4294967376,\"guest_port\":1"), host_port);
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_port\":80.5,\"guest_port\":1"), host_port);
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_port\":1e400,\"guest_port\":1"), host_port);
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_port\":\"80\",\"guest_port\":1"), host_port);
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_port\":true,\"guest_port\":1"), host_port);
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_port\":{},\"guest_port\":1"), host_port);
	/* guest_addr */
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_port\":1,\"guest_addr\":\"x\",\"guest_port\":1"), guest_addr);
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_port\":1,\"guest_addr\":\"fd00::100\",\"guest_port\":1"), guest_addr);
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_port\":1,\"guest_addr\":false,\"guest_port\":1"), guest_addr);
	/* guest_port */
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_port\":1"), guest_port);
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_port\":1,\"guest_port\":0"), guest_port);
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_port\":1,\"guest_port\":-1"), guest_port);
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_port\":1,\"guest_port\":100000"), guest_port);
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_port\":1,\"guest_port\":[80]"), guest_port);
	/* the first bad field is the one named */
	expect_arg_error(ADD("\"proto\":\"tcp\",\"host_addr\":\"x\",\"host_port\":0,\"guest_port\":0"), host_addr);
}

static void test_list_hostfwd(void)
{
	SfApiRequest req;

	g_assert_true(parse("{\"execute\":\"list_hostfwd\"}", &req, NULL));
	g_assert_cmpint(req.command, ==, SF_API_LIST_HOSTFWD);
	/* arguments are ignored, as by slirp4netns */
	g_assert_true(parse("{\"execute\":\"list_hostfwd\",\"arguments\":{\"id\":1}}", &req, NULL));
	g_assert_cmpint(req.command, ==, SF_API_LIST_HOSTFWD);
	g_assert_true(parse("{\"execute\":\"list_hostfwd\",\"arguments\":null}", &req, NULL));
	g_assert_cmpint(req.command, ==, SF_API_LIST_HOSTFWD);
}

static void test_own_commands(void)
{
	SfApiRequest req;

	g_assert_true(parse("{\"execute\":\"reload_policy\"}", &req, NULL));
	g_assert_cmpint(req.command, ==, SF_API_RELOAD_POLICY);
	g_assert_true(parse("{\"execute\":\"get_counters\"}", &req, NULL));
	g_assert_cmpint(req.command, ==, SF_API_GET_COUNTERS);
	g_assert_true(parse("{\"execute\":\"get_status\"}", &req, NULL));
	g_assert_cmpint(req.command, ==, SF_API_GET_STATUS);
	expect_error("{\"execute\":\"get_statuses\"}", SF_API_ERROR_UNKNOWN_EXECUTE,
		     "bad request: unknown execute");
}

static void test_remove_hostfwd(void)
{
	SfApiRequest req;

	g_assert_true(parse("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":3}}", &req, NULL));
	g_assert_cmpint(req.command, ==, SF_API_REMOVE_HOSTFWD);
	g_assert_cmpint(req.fwd.id, ==, 3);
	g_assert_true(parse("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":2147483647}}", &req, NULL));
	g_assert_cmpint(req.fwd.id, ==, G_MAXINT);
	g_assert_true(parse("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":4.0}}", &req, NULL));
	g_assert_cmpint(req.fwd.id, ==, 4);
}

static void test_remove_hostfwd_errors(void)
{
	const char *id = "bad request: remove_hostfwd: bad arguments.id";

	expect_arg_error("{\"execute\":\"remove_hostfwd\"}", id);
	expect_arg_error("{\"execute\":\"remove_hostfwd\",\"arguments\":{}}", id);
	expect_arg_error("{\"execute\":\"remove_hostfwd\",\"arguments\":7}", id);
	expect_arg_error("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":0}}", id);
	expect_arg_error("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":-1}}", id);
	expect_arg_error("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":2147483648}}", id);
	expect_arg_error("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":1.5}}", id);
	expect_arg_error("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":\"1\"}}", id);
	expect_arg_error("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":null}}", id);
}

/* Requests that are not JSON objects with a known execute. */
static void test_request_errors(void)
{
	const char *parse_error = "bad request: cannot parse JSON";

	expect_error("", SF_API_ERROR_PARSE, parse_error);
	expect_error(" \n\t", SF_API_ERROR_PARSE, parse_error);
	expect_error("{", SF_API_ERROR_PARSE, parse_error);
	expect_error("{\"execute\":\"list_hostfwd\"", SF_API_ERROR_PARSE, parse_error);
	expect_error("not json", SF_API_ERROR_PARSE, parse_error);
	expect_error("{\"execute\":\"list_hostfwd\",}", SF_API_ERROR_PARSE, parse_error);
	expect_error("{\"execute\":\"list_hostfwd\"} x", SF_API_ERROR_PARSE, parse_error);
	expect_error("{\"execute\":\"list_\xff\xfehostfwd\"}", SF_API_ERROR_PARSE, parse_error);
	expect_error_len("{\"execute\":\"list_hostfwd\"}\0x", 28, SF_API_ERROR_PARSE, parse_error);
	expect_error_len("{\"execute\":\"list\0hostfwd\"}", 26, SF_API_ERROR_PARSE, parse_error);
	expect_error_len(NULL, 0, SF_API_ERROR_PARSE, parse_error);
	/* json-glib 1.6 would take the last of several values and leak the others, and
	 * leak on a bad surrogate pair: both refused before parsing (tests/fuzz/fuzz-api) */
	expect_error("{\"execute\":\"list_hostfwd\"}{\"execute\":\"reload_policy\"}",
		     SF_API_ERROR_PARSE, parse_error);
	expect_error("1 {\"execute\":\"list_hostfwd\"}", SF_API_ERROR_PARSE, parse_error);
	expect_error("{\"execute\":\"list_hostfwd\",\"x\":\"\\ud800\\u0041\"}", SF_API_ERROR_PARSE,
		     parse_error);
	expect_error("{\"execute\":\"list_hostfwd\",\"x\":\"\\uD83D\\uDE00\"}", SF_API_ERROR_PARSE,
		     parse_error);
	/* json-glib's \u takes four bytes, a quote among them: the surrogate is still seen */
	expect_error("\"\\ud4\"\\ud800\\ud\"\"", SF_API_ERROR_PARSE, parse_error);
	/* ...and a \u without hex digits takes nothing: the second value is still seen */
	expect_error("{\"execute\":\"list_hostfwd\",\"x\\ute\":1} {}", SF_API_ERROR_PARSE, parse_error);
	{
		const char *ok = "{\"execute\":\"list_hostfwd\",\"x\":\"\\u00e9 [{\\\"\"}";
		SfApiRequest req;

		g_assert_true(parse(ok, &req, NULL));
		g_assert_true(sf_api_request_complete(ok, strlen(ok)));
		g_assert_true(sf_api_request_complete("{}{", 3)); /* refused whatever follows */
	}

	expect_error("[1,2]", SF_API_ERROR_NOT_OBJECT, "bad request: json_object() failed");
	expect_error("42", SF_API_ERROR_NOT_OBJECT, "bad request: json_object() failed");
	expect_error("\"list_hostfwd\"", SF_API_ERROR_NOT_OBJECT, "bad request: json_object() failed");
	expect_error("null", SF_API_ERROR_NOT_OBJECT, "bad request: json_object() failed");

	expect_error("{}", SF_API_ERROR_NO_EXECUTE, "bad request: no execute found");
	expect_error("{\"arguments\":{}}", SF_API_ERROR_NO_EXECUTE, "bad request: no execute found");
	expect_error("{\"execute\":5}", SF_API_ERROR_NO_EXECUTE, "bad request: no execute found");
	expect_error("{\"execute\":null}", SF_API_ERROR_NO_EXECUTE, "bad request: no execute found");
	expect_error("{\"execute\":[\"list_hostfwd\"]}", SF_API_ERROR_NO_EXECUTE,
		     "bad request: no execute found");

	expect_error("{\"execute\":\"reboot\"}", SF_API_ERROR_UNKNOWN_EXECUTE, "bad request: unknown execute");
	expect_error("{\"execute\":\"\"}", SF_API_ERROR_UNKNOWN_EXECUTE, "bad request: unknown execute");
	expect_error("{\"execute\":\"LIST_HOSTFWD\"}", SF_API_ERROR_UNKNOWN_EXECUTE,
		     "bad request: unknown execute");
}

/* Size and nesting limits: the bytes a hostile client controls. */
static void test_limits(void)
{
	g_autofree char *big = g_strnfill(SF_API_REQUEST_MAX + 1, ' ');
	g_autoptr(GString) fits = g_string_new("{\"execute\":\"list_hostfwd\",\"pad\":\"");
	g_autoptr(GString) deep = g_string_new(NULL);
	g_autoptr(GString) wide = g_string_new("{\"execute\":\"list_hostfwd\",\"x\":[");
	SfApiRequest req;

	expect_error(big, SF_API_ERROR_TOO_LARGE, "bad request: too large message");
	expect_error_len(big, (size_t)G_MAXSSIZE + 1, SF_API_ERROR_TOO_LARGE,
			 "bad request: too large message");
	/* exactly SF_API_REQUEST_MAX bytes is fine */
	while (fits->len < SF_API_REQUEST_MAX - 2)
		g_string_append_c(fits, 'x');
	g_string_append(fits, "\"}");
	g_assert_cmpuint(fits->len, ==, SF_API_REQUEST_MAX);
	g_assert_true(parse_len(fits->str, fits->len, &req, NULL));
	g_string_append_c(fits, ' ');
	expect_error_len(fits->str, fits->len, SF_API_ERROR_TOO_LARGE, "bad request: too large message");

	/* nesting is refused before json-glib recurses into it */
	for (int i = 0; i < SF_API_REQUEST_MAX / 2; i++)
		g_string_append_c(deep, '[');
	for (int i = 0; i < SF_API_REQUEST_MAX / 2; i++)
		g_string_append_c(deep, ']');
	expect_error(deep->str, SF_API_ERROR_PARSE,
		     "bad request: cannot parse JSON: more than 32 objects and arrays");
	for (int i = 0; i < SF_API_NESTING_MAX - 2; i++)
		g_string_append(wide, i ? ",[]" : "[]");
	g_string_append(wide, "]}");
	g_assert_true(parse(wide->str, &req, NULL)); /* 32: the limit itself */
	g_string_insert(wide, wide->len - 2, ",{}");
	expect_error(wide->str, SF_API_ERROR_PARSE,
		     "bad request: cannot parse JSON: more than 32 objects and arrays");
}

static void test_complete(void)
{
	const char *req = "{\"execute\":\"list_hostfwd\"}";
	g_autofree char *big = g_strnfill(SF_API_REQUEST_MAX + 1, ' ');
	g_autofree char *deep = g_strnfill(SF_API_NESTING_MAX + 1, '[');

	g_assert_true(sf_api_request_complete(req, strlen(req)));
	g_assert_true(sf_api_request_complete("{\"a\":1}\n", 8));
	g_assert_true(sf_api_request_complete("[1,2]", 5)); /* answered with an error */
	/* a prefix is not complete, whatever it ends with */
	for (size_t i = 0; i < strlen(req); i++)
		g_assert_false(sf_api_request_complete(req, i));
	g_assert_false(sf_api_request_complete("   ", 3));
	g_assert_false(sf_api_request_complete(NULL, 0));
	/* a UTF-8 sequence cut by a read is not yet wrong... */
	g_assert_false(sf_api_request_complete("{\"a\":\"\xe2\x82", 8));
	g_assert_true(sf_api_request_complete("{\"a\":\"\xe2\x82\xac\"}", 11));
	/* ...but bytes that no continuation can fix are answered at once */
	g_assert_true(sf_api_request_complete("{\"a\":\"\xff\xff\xff\xff", 10));
	g_assert_true(sf_api_request_complete("{\0", 2));
	g_assert_true(sf_api_request_complete(big, strlen(big)));
	g_assert_true(sf_api_request_complete(deep, strlen(deep)));
}

/* Checks that @json parses and is an object, so clients can read it. */
static JsonNode *parse_reply(const char *json)
{
	g_autoptr(JsonParser) p = json_parser_new();

	g_assert_true(json_parser_load_from_data(p, json, -1, NULL));
	g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p)));
	return json_parser_steal_root(p);
}

static void test_reply_error(void)
{
	g_autofree char *err = sf_api_reply_error("bad request: unknown execute");
	g_autofree char *quoted = sf_api_reply_error("bad \"x\"\n\\");
	g_autofree char *null_desc = sf_api_reply_error(NULL);
	g_autoptr(JsonNode) root = NULL;

	g_assert_cmpstr(err, ==, "{\"error\":{\"desc\":\"bad request: unknown execute\"}}");
	root = parse_reply(quoted);
	g_assert_cmpstr(json_object_get_string_member(
				json_object_get_object_member(json_node_get_object(root), "error"), "desc"),
			==, "bad \"x\"\n\\");
	g_assert_cmpstr(null_desc, ==, "{\"error\":{\"desc\":\"\"}}");
}

static void test_reply_return(void)
{
	g_autofree char *id = sf_api_reply_id(7);
	g_autofree char *big = sf_api_reply_id(G_MAXINT);
	g_autofree char *empty = sf_api_reply_empty();

	g_assert_cmpstr(id, ==, "{\"return\":{\"id\":7}}");
	g_assert_cmpstr(big, ==, "{\"return\":{\"id\":2147483647}}");
	g_assert_cmpstr(empty, ==, "{\"return\":{}}");
}

static SfHostfwd make_fwd(bool udp, const char *host, int host_port, const char *guest, int guest_port)
{
	SfHostfwd f = { .is_udp = udp, .host_port = host_port, .guest_port = guest_port };

	g_assert_cmpint(inet_pton(AF_INET, host, &f.host_addr), ==, 1);
	g_assert_cmpint(inet_pton(AF_INET, guest, &f.guest_addr), ==, 1);
	return f;
}

static void test_reply_list(void)
{
	g_autoptr(SfHostfwdTable) t = sf_hostfwd_table_new();
	SfHostfwd tcp = make_fwd(false, "0.0.0.0", 8080, "10.0.2.100", 80);
	SfHostfwd udp = make_fwd(true, "127.0.0.1", 5353, "10.0.2.15", 53);
	g_autofree char *empty = sf_api_reply_list(t);
	g_autofree char *list = NULL;
	g_autoptr(JsonNode) root = NULL;
	JsonArray *entries, *ret_entries;
	JsonObject *e;
	const char *one = "{\"id\":1,\"proto\":\"tcp\",\"host_addr\":\"0.0.0.0\",\"host_port\":8080,"
			  "\"guest_addr\":\"10.0.2.100\",\"guest_port\":80}";
	const char *two = "{\"id\":2,\"proto\":\"udp\",\"host_addr\":\"127.0.0.1\",\"host_port\":5353,"
			  "\"guest_addr\":\"10.0.2.15\",\"guest_port\":53}";
	g_autofree char *expected = g_strdup_printf("{\"entries\":[%s,%s],\"return\":{\"entries\":[%s,%s]}}",
						    one, two, one, two);

	g_assert_cmpstr(empty, ==, "{\"entries\":[],\"return\":{\"entries\":[]}}");
	g_assert_cmpint(sf_hostfwd_table_add(t, &tcp), ==, 1);
	g_assert_cmpint(sf_hostfwd_table_add(t, &udp), ==, 2);
	list = sf_api_reply_list(t);
	g_assert_cmpstr(list, ==, expected);
	/* both readers: slirp4netns 1.2's "entries" and its manual's "return.entries" */
	root = parse_reply(list);
	entries = json_object_get_array_member(json_node_get_object(root), "entries");
	ret_entries = json_object_get_array_member(
		json_object_get_object_member(json_node_get_object(root), "return"), "entries");
	g_assert_cmpuint(json_array_get_length(entries), ==, 2);
	g_assert_cmpuint(json_array_get_length(ret_entries), ==, 2);
	e = json_array_get_object_element(ret_entries, 1);
	g_assert_cmpint(json_object_get_int_member(e, "id"), ==, 2);
	g_assert_cmpstr(json_object_get_string_member(e, "proto"), ==, "udp");
	g_assert_cmpint(json_object_get_int_member(e, "guest_port"), ==, 53);
}

static void test_table_ids(void)
{
	g_autoptr(SfHostfwdTable) t = sf_hostfwd_table_new();
	SfHostfwd f = make_fwd(false, "0.0.0.0", 8080, "10.0.2.100", 80);
	int a, b, c;

	g_assert_cmpuint(sf_hostfwd_table_count(t), ==, 0);
	g_assert_null(sf_hostfwd_table_find(t, 1));
	g_assert_false(sf_hostfwd_table_remove(t, 1));
	a = sf_hostfwd_table_add(t, &f);
	f.is_udp = true;
	f.host_port = 5353;
	f.id = 99; /* ignored: the table assigns ids */
	b = sf_hostfwd_table_add(t, &f);
	g_assert_cmpint(a, ==, 1);
	g_assert_cmpint(b, ==, 2);
	g_assert_true(sf_hostfwd_table_remove(t, a));
	g_assert_false(sf_hostfwd_table_remove(t, a));
	c = sf_hostfwd_table_add(t, &f);
	g_assert_cmpint(c, ==, 3); /* ids are never reused */
	g_assert_null(sf_hostfwd_table_find(t, 1));
	g_assert_null(sf_hostfwd_table_find(t, 99));
	g_assert_cmpint(sf_hostfwd_table_find(t, 2)->id, ==, 2);
	g_assert_cmpint(sf_hostfwd_table_find(t, 2)->host_port, ==, 5353);
	g_assert_true(sf_hostfwd_table_find(t, 3)->is_udp);
	g_assert_cmpuint(sf_hostfwd_table_count(t), ==, 2);
	sf_hostfwd_table_free(NULL); /* NULL-safe */
}

static void test_table_iterate(void)
{
	g_autoptr(SfHostfwdTable) t = sf_hostfwd_table_new();
	SfHostfwd f = make_fwd(false, "0.0.0.0", 1000, "10.0.2.100", 80);
	const SfHostfwd *e;
	unsigned i;
	int ports = 0;

	for (int k = 0; k < 5; k++) {
		f.host_port = 1000 + k;
		sf_hostfwd_table_add(t, &f);
	}
	g_assert_true(sf_hostfwd_table_remove(t, 2));
	g_assert_true(sf_hostfwd_table_remove(t, 5));
	for (i = 0; (e = sf_hostfwd_table_nth(t, i)) != NULL; i++) {
		ports += e->host_port;
		g_assert_cmpint(e->host_port, ==, 999 + e->id);
	}
	g_assert_cmpuint(i, ==, 3);
	g_assert_cmpint(ports, ==, 1000 + 1002 + 1003);
	/* insertion order */
	g_assert_cmpint(sf_hostfwd_table_nth(t, 0)->id, ==, 1);
	g_assert_cmpint(sf_hostfwd_table_nth(t, 1)->id, ==, 3);
	g_assert_cmpint(sf_hostfwd_table_nth(t, 2)->id, ==, 4);
	g_assert_null(sf_hostfwd_table_nth(t, 3));
	g_assert_null(sf_hostfwd_table_nth(t, G_MAXUINT));
}

static void test_table_bound(void)
{
	g_autoptr(SfHostfwdTable) t = sf_hostfwd_table_new();
	SfHostfwd f = make_fwd(false, "0.0.0.0", 1, "10.0.2.100", 1);
	g_autofree char *list = NULL;

	for (int i = 0; i < SF_API_HOSTFWD_MAX; i++)
		g_assert_cmpint(sf_hostfwd_table_add(t, &f), ==, i + 1);
	g_assert_true(sf_hostfwd_table_full(t));
	g_assert_cmpint(sf_hostfwd_table_add(t, &f), ==, -1);
	g_assert_cmpuint(sf_hostfwd_table_count(t), ==, SF_API_HOSTFWD_MAX);
	list = sf_api_reply_list(t); /* the biggest reply still formats */
	g_assert_nonnull(strstr(list, "\"id\":1024,"));
	g_assert_true(sf_hostfwd_table_remove(t, 5));
	g_assert_false(sf_hostfwd_table_full(t));
	g_assert_cmpint(sf_hostfwd_table_add(t, &f), ==, SF_API_HOSTFWD_MAX + 1);
	g_assert_true(sf_hostfwd_table_full(t));
}

/* add_hostfwd's guest_addr must be the container's network (issue 13 item 9). */
static void test_guest_check(void)
{
	SfNetLayout l;
	static const struct {
		const char *addr;
		bool ok;
	} cases[] = {
		{ "10.0.2.100", true }, { "10.0.2.15", true },  { "10.0.2.254", true },
		{ "10.0.2.4", true },   { "10.0.2.0", false },  { "10.0.2.255", false },
		{ "10.0.2.2", false },  { "10.0.2.3", false },  { "10.0.3.100", false },
		{ "127.0.0.1", false }, { "0.0.0.0", false },   { "203.0.113.10", false },
		{ "255.255.255.255", false },
	};

	g_assert_true(sf_netconfig_parse_cidr("10.0.2.0/24", &l, NULL));
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct in_addr a;

		g_test_message("%s", cases[i].addr);
		g_assert_cmpint(inet_pton(AF_INET, cases[i].addr, &a), ==, 1);
		if (cases[i].ok)
			g_assert_null(sf_hostfwd_guest_check(&l, a));
		else
			g_assert_nonnull(sf_hostfwd_guest_check(&l, a));
	}
	/* another --cidr moves the network */
	{
		struct in_addr a;

		g_assert_true(sf_netconfig_parse_cidr("192.0.2.0/24", &l, NULL));
		g_assert_cmpint(inet_pton(AF_INET, "192.0.2.200", &a), ==, 1);
		g_assert_null(sf_hostfwd_guest_check(&l, a));
		g_assert_cmpint(inet_pton(AF_INET, "10.0.2.100", &a), ==, 1);
		g_assert_nonnull(sf_hostfwd_guest_check(&l, a));
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/api/parse/add-hostfwd", test_add_hostfwd);
	g_test_add_func("/api/parse/add-hostfwd-defaults", test_add_hostfwd_defaults);
	g_test_add_func("/api/parse/add-hostfwd-errors", test_add_hostfwd_errors);
	g_test_add_func("/api/parse/list-hostfwd", test_list_hostfwd);
	g_test_add_func("/api/parse/remove-hostfwd", test_remove_hostfwd);
	g_test_add_func("/api/parse/own-commands", test_own_commands);
	g_test_add_func("/api/parse/remove-hostfwd-errors", test_remove_hostfwd_errors);
	g_test_add_func("/api/parse/request-errors", test_request_errors);
	g_test_add_func("/api/parse/limits", test_limits);
	g_test_add_func("/api/complete", test_complete);
	g_test_add_func("/api/reply/error", test_reply_error);
	g_test_add_func("/api/reply/return", test_reply_return);
	g_test_add_func("/api/reply/list", test_reply_list);
	g_test_add_func("/api/table/ids", test_table_ids);
	g_test_add_func("/api/table/iterate", test_table_iterate);
	g_test_add_func("/api/table/bound", test_table_bound);
	g_test_add_func("/api/hostfwd/guest-check", test_guest_check);
	return g_test_run();
}
