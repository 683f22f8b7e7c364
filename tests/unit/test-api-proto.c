/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: API request parsing, slirp4netns error texts, replies, forward table. */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "slirp-filter/api-proto.h"

static struct in_addr guest_default(void)
{
	struct in_addr a;

	inet_pton(AF_INET, "10.0.2.100", &a);
	return a;
}

static bool parse(const char *json, SfApiRequest *req, GError **error)
{
	return sf_api_parse_request(json, strlen(json), guest_default(), req, error);
}

static void expect_error(const char *json, const char *desc)
{
	g_autoptr(GError) error = NULL;
	SfApiRequest req;

	if (parse(json, &req, &error))
		g_error("request %s was accepted, expected \"%s\"", json, desc);
	g_assert_error(error, SF_API_ERROR, SF_API_ERROR_BAD_REQUEST);
	g_assert_cmpstr(error->message, ==, desc);
}

static void test_add_full(void)
{
	g_autoptr(GError) error = NULL;
	SfApiRequest req;
	char buf[INET_ADDRSTRLEN];

	g_assert_true(parse("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"udp\","
			    "\"host_addr\":\"127.0.0.1\",\"host_port\":8080,"
			    "\"guest_addr\":\"10.0.2.50\",\"guest_port\":80}}", &req, &error));
	g_assert_no_error(error);
	g_assert_cmpint(req.command, ==, SF_API_ADD_HOSTFWD);
	g_assert_true(req.fwd.is_udp);
	g_assert_cmpint(req.fwd.host_port, ==, 8080);
	g_assert_cmpint(req.fwd.guest_port, ==, 80);
	inet_ntop(AF_INET, &req.fwd.host_addr, buf, sizeof(buf));
	g_assert_cmpstr(buf, ==, "127.0.0.1");
	inet_ntop(AF_INET, &req.fwd.guest_addr, buf, sizeof(buf));
	g_assert_cmpstr(buf, ==, "10.0.2.50");
}

/* Podman's form: empty guest_addr means cidr+100; host_addr defaults to 0.0.0.0. */
static void test_add_defaults(void)
{
	SfApiRequest req;
	char buf[INET_ADDRSTRLEN];

	g_assert_true(parse("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\","
			    "\"host_addr\":\"\",\"host_port\":8080,\"guest_addr\":\"\",\"guest_port\":80}}",
			    &req, NULL));
	g_assert_false(req.fwd.is_udp);
	inet_ntop(AF_INET, &req.fwd.host_addr, buf, sizeof(buf));
	g_assert_cmpstr(buf, ==, "0.0.0.0");
	inet_ntop(AF_INET, &req.fwd.guest_addr, buf, sizeof(buf));
	g_assert_cmpstr(buf, ==, "10.0.2.100");
	g_assert_true(parse("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\","
			    "\"host_port\":8080.0,\"guest_port\":80}}", &req, NULL));
	g_assert_cmpint(req.fwd.host_port, ==, 8080);
}

static void test_add_errors(void)
{
	expect_error("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"sctp\",\"host_port\":1,\"guest_port\":1}}",
		     "bad request: add_hostfwd: bad arguments.proto");
	expect_error("{\"execute\":\"add_hostfwd\",\"arguments\":{\"host_port\":1,\"guest_port\":1}}",
		     "bad request: add_hostfwd: bad arguments.proto");
	expect_error("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":7,\"host_port\":1,\"guest_port\":1}}",
		     "bad request: add_hostfwd: bad arguments.proto");
	expect_error("{\"execute\":\"add_hostfwd\"}", "bad request: add_hostfwd: bad arguments.proto");
	expect_error("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_addr\":\"::1\",\"host_port\":1,\"guest_port\":1}}",
		     "bad request: add_hostfwd: bad arguments.host_addr");
	expect_error("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_addr\":[],\"host_port\":1,\"guest_port\":1}}",
		     "bad request: add_hostfwd: bad arguments.host_addr");
	expect_error("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"guest_port\":1}}",
		     "bad request: add_hostfwd: bad arguments.host_port");
	expect_error("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_port\":0,\"guest_port\":1}}",
		     "bad request: add_hostfwd: bad arguments.host_port");
	expect_error("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_port\":65536,\"guest_port\":1}}",
		     "bad request: add_hostfwd: bad arguments.host_port");
	expect_error("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_port\":\"80\",\"guest_port\":1}}",
		     "bad request: add_hostfwd: bad arguments.host_port");
	expect_error("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_port\":80.5,\"guest_port\":1}}",
		     "bad request: add_hostfwd: bad arguments.host_port");
	expect_error("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_port\":1,\"guest_addr\":\"x\",\"guest_port\":1}}",
		     "bad request: add_hostfwd: bad arguments.guest_addr");
	expect_error("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_port\":1,\"guest_port\":-1}}",
		     "bad request: add_hostfwd: bad arguments.guest_port");
	expect_error("{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_port\":1}}",
		     "bad request: add_hostfwd: bad arguments.guest_port");
}

static void test_framing_errors(void)
{
	g_autoptr(GError) error = NULL;
	SfApiRequest req;
	g_autofree char *big = g_strnfill(SF_API_REQUEST_MAX + 1, ' ');

	expect_error("", "bad request: cannot parse JSON");
	expect_error("{", "bad request: cannot parse JSON");
	expect_error("not json", "bad request: cannot parse JSON");
	expect_error("[1,2]", "bad request: json_object() failed");
	expect_error("42", "bad request: json_object() failed");
	expect_error("{}", "bad request: no execute found");
	expect_error("{\"execute\":5}", "bad request: no execute found");
	expect_error("{\"execute\":\"reboot\"}", "bad request: unknown execute");
	g_assert_false(sf_api_parse_request("{\"execute\":\"list_hostfwd\"}\0x", 28, guest_default(),
					    &req, &error));
	g_assert_cmpstr(error->message, ==, "bad request: cannot parse JSON");
	g_clear_error(&error);
	g_assert_false(sf_api_parse_request(big, strlen(big), guest_default(), &req, &error));
	g_assert_cmpstr(error->message, ==, "bad request: too large message");
}

static void test_list_remove(void)
{
	SfApiRequest req;

	g_assert_true(parse("{\"execute\":\"list_hostfwd\"}", &req, NULL));
	g_assert_cmpint(req.command, ==, SF_API_LIST_HOSTFWD);
	g_assert_true(parse("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":3}}", &req, NULL));
	g_assert_cmpint(req.command, ==, SF_API_REMOVE_HOSTFWD);
	g_assert_cmpint(req.fwd.id, ==, 3);
	expect_error("{\"execute\":\"remove_hostfwd\"}", "bad request: remove_hostfwd: bad arguments.id");
	expect_error("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":0}}",
		     "bad request: remove_hostfwd: bad arguments.id");
	expect_error("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":\"1\"}}",
		     "bad request: remove_hostfwd: bad arguments.id");
}

static void test_complete(void)
{
	g_assert_true(sf_api_request_complete("{\"execute\":\"list_hostfwd\"}", 26));
	g_assert_false(sf_api_request_complete("{\"execute\":", 11));
	g_assert_false(sf_api_request_complete("", 0));
	g_assert_false(sf_api_request_complete(NULL, 0));
}

static void test_replies(void)
{
	g_autofree char *err = sf_api_reply_error("bad request: \"quoted\"");
	g_autofree char *id = sf_api_reply_id(7);
	g_autofree char *empty = sf_api_reply_empty();

	g_assert_cmpstr(err, ==, "{\"error\":{\"desc\":\"bad request: \\\"quoted\\\"\"}}");
	g_assert_cmpstr(id, ==, "{\"return\":{\"id\":7}}");
	g_assert_cmpstr(empty, ==, "{\"return\":{}}");
}

static void test_table(void)
{
	g_autoptr(SfHostfwdTable) t = sf_hostfwd_table_new();
	SfHostfwd f = { .host_port = 8080, .guest_port = 80 };
	g_autofree char *empty_list = sf_api_reply_list(t);
	g_autofree char *list = NULL;
	int a, b, c;

	g_assert_cmpstr(empty_list, ==, "{\"entries\":[],\"return\":{\"entries\":[]}}");
	inet_pton(AF_INET, "0.0.0.0", &f.host_addr);
	inet_pton(AF_INET, "10.0.2.100", &f.guest_addr);
	a = sf_hostfwd_table_add(t, &f);
	f.is_udp = true;
	f.host_port = 5353;
	b = sf_hostfwd_table_add(t, &f);
	g_assert_cmpint(a, ==, 1);
	g_assert_cmpint(b, ==, 2);
	g_assert_true(sf_hostfwd_table_remove(t, a));
	g_assert_false(sf_hostfwd_table_remove(t, a));
	c = sf_hostfwd_table_add(t, &f);
	g_assert_cmpint(c, ==, 3); /* ids are never reused */
	g_assert_null(sf_hostfwd_table_find(t, 1));
	g_assert_cmpint(sf_hostfwd_table_find(t, 2)->host_port, ==, 5353);
	g_assert_cmpuint(sf_hostfwd_table_count(t), ==, 2);
	list = sf_api_reply_list(t);
	g_assert_nonnull(strstr(list, "{\"entries\":[{\"id\":2,\"proto\":\"udp\",\"host_addr\":\"0.0.0.0\","
				      "\"host_port\":5353,\"guest_addr\":\"10.0.2.100\",\"guest_port\":80},"));
	g_assert_nonnull(strstr(list, "\"return\":{\"entries\":[{\"id\":2,"));
}

static void test_table_bound(void)
{
	g_autoptr(SfHostfwdTable) t = sf_hostfwd_table_new();
	SfHostfwd f = { .host_port = 1, .guest_port = 1 };

	for (int i = 0; i < SF_API_HOSTFWD_MAX; i++)
		g_assert_cmpint(sf_hostfwd_table_add(t, &f), ==, i + 1);
	g_assert_true(sf_hostfwd_table_full(t));
	g_assert_true(sf_hostfwd_table_remove(t, 5));
	g_assert_false(sf_hostfwd_table_full(t));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/api/parse/add-full", test_add_full);
	g_test_add_func("/api/parse/add-defaults", test_add_defaults);
	g_test_add_func("/api/parse/add-errors", test_add_errors);
	g_test_add_func("/api/parse/framing-errors", test_framing_errors);
	g_test_add_func("/api/parse/list-remove", test_list_remove);
	g_test_add_func("/api/complete", test_complete);
	g_test_add_func("/api/replies", test_replies);
	g_test_add_func("/api/table", test_table);
	g_test_add_func("/api/table-bound", test_table_bound);
	return g_test_run();
}
