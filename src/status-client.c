/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `slirp-filter status API_SOCKET`: asks a running helper for get_status
 * and prints it as tables (or the raw JSON with --json).
 *
 * The socket may be missing, stale, someone else's, or belong to a helper
 * that is stuck: every step (connect, send, read) is non-blocking and
 * bounded by one deadline, and every failure is one line on stderr and a
 * non-zero exit, never a hang.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <json-glib/json-glib.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "subcommands.h"

#define STATUS_TIMEOUT_S_DEFAULT 3
#define STATUS_REPLY_MAX (64u * 1024 * 1024)

static const char request[] = "{\"execute\":\"get_status\"}";

static void usage(FILE *out)
{
	fputs("Usage: slirp-filter status [--json] [--timeout=SECONDS] API_SOCKET\n"
	      "Shows what a running slirp-filter (started with -a API_SOCKET) is doing: the policy\n"
	      "in force, its counters, the addresses learned from DNS answers and the open flows.\n\n"
	      "  --json             print the helper's get_status reply as it came\n"
	      "  --timeout=SECONDS  give up when no answer came in time (default 3)\n"
	      "  -h, --help         show this help\n", out);
}

static void err_line(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void err_line(const char *fmt, ...)
{
	va_list ap;

	fputs("slirp-filter: status: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int64_t now_ms(void)
{
	return g_get_monotonic_time() / 1000;
}

/* Waits for @events on @fd until @deadline; 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int64_t left = deadline - now_ms();
		int r;

		if (left <= 0)
			return 0;
		r = poll(&p, 1, (int)MIN(left, 1000));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r > 0)
			return 1;
	}
}

/* Sends the request and reads the whole reply; NULL (message printed) on failure. */
static GByteArray *ask(const char *path, int timeout_s)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int64_t deadline = now_ms() + (int64_t)timeout_s * 1000;
	g_autoptr(GByteArray) reply = g_byte_array_new();
	struct stat st;
	size_t off = 0;
	int fd, r;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		err_line("%s: the path is too long for a unix socket", path);
		return NULL;
	}
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			err_line("%s: no such socket (is slirp-filter running with -a %s?)", path, path);
		else
			err_line("%s: %s", path, g_strerror(errno));
		return NULL;
	}
	if (!S_ISSOCK(st.st_mode)) {
		err_line("%s: not a socket (give the helper's -a/--api-socket path)", path);
		return NULL;
	}
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err_line("socket: %s", g_strerror(errno));
		return NULL;
	}
	/* a unix connect does not go in progress: a full backlog says EAGAIN; retry until the deadline */
	while (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && now_ms() < deadline) {
			g_usleep(20 * 1000);
			continue;
		}
		if (errno == ECONNREFUSED)
			err_line("%s: nothing is listening (a stale socket: has the helper exited?)", path);
		else if (errno == EAGAIN)
			err_line("%s: no answer within %d s (the helper's API is busy)", path, timeout_s);
		else
			err_line("%s: connect: %s", path, g_strerror(errno));
		close(fd);
		return NULL;
	}
	while (off < sizeof(request) - 1) {
		ssize_t n;

		r = wait_fd(fd, POLLOUT, deadline);
		if (r <= 0)
			goto timeout_or_error;
		n = send(fd, request + off, sizeof(request) - 1 - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
			err_line("%s: the socket closed without an answer: not slirp-filter's API socket?", path);
			close(fd);
			return NULL;
		}
		if (n < 0) {
			err_line("%s: sending the request: %s", path, g_strerror(errno));
			close(fd);
			return NULL;
		}
		off += (size_t)n;
	}
	shutdown(fd, SHUT_WR); /* the request is complete: the API answers on EOF too */
	for (;;) {
		uint8_t buf[65536];
		ssize_t n;

		r = wait_fd(fd, POLLIN, deadline);
		if (r <= 0)
			goto timeout_or_error;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0 && errno == ECONNRESET && reply->len == 0)
			break; /* closed without an answer: said below */
		if (n < 0) {
			err_line("%s: reading the answer: %s", path, g_strerror(errno));
			close(fd);
			return NULL;
		}
		if (n == 0)
			break;
		if (reply->len + (size_t)n > STATUS_REPLY_MAX) {
			err_line("%s: the answer is larger than %u MiB: not slirp-filter's API socket?", path,
				 STATUS_REPLY_MAX >> 20);
			close(fd);
			return NULL;
		}
		g_byte_array_append(reply, buf, (guint)n);
	}
	close(fd);
	if (reply->len == 0) {
		err_line("%s: the socket closed without an answer: not slirp-filter's API socket?", path);
		return NULL;
	}
	return g_steal_pointer(&reply);

timeout_or_error:
	if (r == 0)
		err_line("%s: no answer within %d s: not slirp-filter's API socket, or the helper is stuck",
			 path, timeout_s);
	else
		err_line("%s: poll: %s", path, g_strerror(errno));
	close(fd);
	return NULL;
}

/* ---- the tables ---- */

static int64_t iget(JsonObject *o, const char *key)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, key) : NULL;

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
		return -1;
	return json_node_get_int(n);
}

static const char *sget(JsonObject *o, const char *key)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, key) : NULL;

	if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

static JsonObject *oget(JsonObject *o, const char *key)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, key) : NULL;

	return n != NULL && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static JsonArray *aget(JsonObject *o, const char *key)
{
	JsonNode *n = o != NULL ? json_object_get_member(o, key) : NULL;

	return n != NULL && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
}

/* "45s", "4m10s", "2h03m", "3d04h" */
static char *duration(int64_t s)
{
	if (s < 0)
		return g_strdup("?");
	if (s < 60)
		return g_strdup_printf("%" G_GINT64_FORMAT "s", s);
	if (s < 3600)
		return g_strdup_printf("%" G_GINT64_FORMAT "m%02" G_GINT64_FORMAT "s", s / 60, s % 60);
	if (s < 86400)
		return g_strdup_printf("%" G_GINT64_FORMAT "h%02" G_GINT64_FORMAT "m", s / 3600, s % 3600 / 60);
	return g_strdup_printf("%" G_GINT64_FORMAT "d%02" G_GINT64_FORMAT "h", s / 86400, s % 86400 / 3600);
}

/* "ADDR:PORT", "[V6]:PORT" or "ADDR" */
static char *endpoint(const char *addr, int64_t port)
{
	if (addr == NULL)
		return g_strdup("?");
	if (port < 0)
		return g_strdup(addr);
	if (strchr(addr, ':') != NULL)
		return g_strdup_printf("[%s]:%" G_GINT64_FORMAT, addr, port);
	return g_strdup_printf("%s:%" G_GINT64_FORMAT, addr, port);
}

/*
 * Prints "N label, N label, ..." for the members of @o named in @keys (those
 * present); a label starting with '?' is printed (without it) only when not 0.
 */
static void counter_line(const char *title, JsonObject *o, const char *const *keys, const char *const *labels,
			 size_t n)
{
	bool first = true;

	if (o == NULL)
		return;
	printf("%-10s", title);
	for (size_t i = 0; i < n; i++) {
		int64_t v = iget(o, keys[i]);
		bool optional = labels[i][0] == '?';

		if (v < 0 || (optional && v == 0))
			continue;
		printf("%s%" G_GINT64_FORMAT " %s", first ? "" : ", ", v, labels[i] + optional);
		first = false;
	}
	printf("\n");
}

static gint learned_cmp(gconstpointer a, gconstpointer b)
{
	JsonObject *x = json_node_get_object(*(JsonNode *const *)a), *y = json_node_get_object(*(JsonNode *const *)b);
	const char *nx = sget(x, "name"), *ny = sget(y, "name");
	int c = g_strcmp0(nx, ny);

	return c != 0 ? c : g_strcmp0(sget(x, "addr"), sget(y, "addr"));
}

static void print_learned(JsonObject *ret)
{
	JsonArray *arr = aget(ret, "learned");
	g_autoptr(GPtrArray) rows = g_ptr_array_new();
	int64_t total = iget(ret, "learned_total"), trunc = iget(ret, "learned_truncated");
	int w = 7;

	if (arr == NULL)
		return;
	for (guint i = 0; i < json_array_get_length(arr); i++) {
		JsonNode *n = json_array_get_element(arr, i);

		if (JSON_NODE_HOLDS_OBJECT(n)) {
			const char *a = sget(json_node_get_object(n), "addr");

			g_ptr_array_add(rows, n);
			if (a != NULL)
				w = MAX(w, (int)strlen(a));
		}
	}
	g_ptr_array_sort(rows, learned_cmp);
	printf("\nLearned addresses (%" G_GINT64_FORMAT ")\n", total >= 0 ? total : (int64_t)rows->len);
	if (rows->len == 0) {
		printf("  none\n");
		return;
	}
	printf("  %-*s  %7s  %s\n", w, "ADDRESS", "TTL", "NAME");
	for (guint i = 0; i < rows->len; i++) {
		JsonObject *o = json_node_get_object(rows->pdata[i]);
		g_autofree char *ttl = duration(iget(o, "ttl_left_s"));
		const char *exp = json_object_has_member(o, "expired") ? " (expired, open flows may finish)" : "";

		printf("  %-*s  %7s  %s%s\n", w, sget(o, "addr") ? sget(o, "addr") : "?", ttl,
		       sget(o, "name") ? sget(o, "name") : "?", exp);
	}
	if (trunc > 0)
		printf("  ... and %" G_GINT64_FORMAT " more\n", trunc);
}

static void print_flows(JsonObject *ret)
{
	JsonArray *arr = aget(ret, "flows");
	int64_t total = iget(ret, "flows_total"), trunc = iget(ret, "flows_truncated");
	guint n = arr != NULL ? json_array_get_length(arr) : 0;
	g_autoptr(GPtrArray) src = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) dst = g_ptr_array_new_with_free_func(g_free);
	int ws = 6, wd = 11;

	if (arr == NULL)
		return;
	for (guint i = 0; i < n; i++) {
		JsonNode *node = json_array_get_element(arr, i);
		JsonObject *o = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
		char *s = endpoint(sget(o, "src"), iget(o, "sport"));
		char *d = endpoint(sget(o, "dst"), iget(o, "dport"));

		ws = MAX(ws, (int)strlen(s));
		wd = MAX(wd, (int)strlen(d));
		g_ptr_array_add(src, s);
		g_ptr_array_add(dst, d);
	}
	printf("\nOpen flows (%" G_GINT64_FORMAT ")\n", total >= 0 ? total : (int64_t)n);
	if (n == 0) {
		printf("  none\n");
		return;
	}
	printf("  %-6s %-*s  %-*s  %-11s %7s %6s  %s\n", "PROTO", ws, "SOURCE", wd, "DESTINATION", "STATE",
	       "PACKETS", "IDLE", "ALLOWED BY");
	for (guint i = 0; i < n; i++) {
		JsonNode *node = json_array_get_element(arr, i);
		JsonObject *o = JSON_NODE_HOLDS_OBJECT(node) ? json_node_get_object(node) : NULL;
		g_autofree char *idle = duration(iget(o, "idle_s"));
		const char *rule = sget(o, "rule"), *name = sget(o, "name"), *verdict = sget(o, "verdict");
		const char *slash = rule != NULL ? strrchr(rule, '/') : NULL;
		const char *reason = sget(o, "reason") ? sget(o, "reason") : "?";
		bool learned = strcmp(reason, "learned") == 0;
		GString *why = g_string_new(reason);

		/* learned: the name opened it; otherwise the address merely is also an answer for it */
		if (name != NULL && learned)
			g_string_append_printf(why, " %s", name);
		if (rule != NULL)
			g_string_append_printf(why, " (%s)", slash != NULL ? slash + 1 : rule);
		if (name != NULL && !learned)
			g_string_append_printf(why, ", an address of %s", name);
		if (g_strcmp0(verdict, "audit-deny") == 0)
			g_string_append(why, " [audit mode only]");
		printf("  %-6s %-*s  %-*s  %-11s %7" G_GINT64_FORMAT " %6s  %s\n",
		       sget(o, "proto") ? sget(o, "proto") : "?", ws, (char *)src->pdata[i], wd,
		       (char *)dst->pdata[i], sget(o, "state") ? sget(o, "state") : "?",
		       MAX(iget(o, "packets"), (int64_t)0), idle, why->str);
		g_string_free(why, TRUE);
	}
	if (trunc > 0)
		printf("  ... and %" G_GINT64_FORMAT " more\n", trunc);
}

static void print_tables(JsonObject *ret)
{
	JsonObject *pol = oget(ret, "policy"), *c = oget(ret, "counters");
	JsonObject *frames = oget(c, "frames"), *flows = oget(c, "flows"), *dns = oget(c, "dns");
	const char *summary = sget(pol, "summary"), *source = sget(pol, "source");
	int64_t loaded = iget(pol, "loaded_unix");
	g_autofree char *age = loaded >= 0 ? duration(time(NULL) - loaded) : g_strdup("?");

	/* the summary repeats the file name first */
	if (summary != NULL && source != NULL && g_str_has_prefix(summary, source) &&
	    summary[strlen(source)] == ':' && summary[strlen(source) + 1] == ' ')
		summary += strlen(source) + 2;
	printf("%-10s%s\n", "Policy", source ? source : "?");
	if (sget(pol, "chosen_by") != NULL && sget(pol, "chosen_by")[0] != '\0')
		printf("%-10s%s\n", "Chosen by", sget(pol, "chosen_by"));
	printf("%-10s%s\n", "Mode", sget(pol, "mode") ? sget(pol, "mode") : "?");
	printf("%-10s%s\n", "Rules", summary ? summary : "?");
	printf("%-10s%s (%s ago); %" G_GINT64_FORMAT " reload(s), %" G_GINT64_FORMAT " refused\n", "Loaded",
	       sget(pol, "loaded") ? sget(pol, "loaded") : "?", age, MAX(iget(pol, "reloads"), (int64_t)0),
	       MAX(iget(pol, "reloads_refused"), (int64_t)0));
	printf("%-10s%s\n", "Audit log", sget(pol, "audit_log") ? sget(pol, "audit_log") : "?");
	printf("\n");
	{
		static const char *const k[] = { "active", "allowed", "denied", "audit_allowed", "cut",
						 "table_full" };
		static const char *const l[] = { "active", "allowed", "denied", "?allowed only by audit mode",
						 "?cut", "?refused (table full)" };

		counter_line("Flows", flows, k, l, G_N_ELEMENTS(k));
	}
	{
		static const char *const k[] = { "in", "passed", "dropped", "rejected", "dns" };
		static const char *const l[] = { "in", "passed", "dropped", "refused", "to the resolver" };

		counter_line("Frames", frames, k, l, G_N_ELEMENTS(k));
	}
	{
		static const char *const k[] = { "queries", "forwarded", "refused", "answers", "stripped",
						 "cache_hits", "servfail_timeouts" };
		static const char *const l[] = { "queries", "forwarded", "refused", "answers",
						 "?rebinding answers stripped", "from cache", "?SERVFAIL (timeout)" };

		counter_line("DNS", dns, k, l, G_N_ELEMENTS(k));
	}
	{
		static const char *const k[] = { "audit_written", "audit_suppressed", "audit_failed" };
		static const char *const l[] = { "written", "?suppressed (rate limit)", "?failed" };

		counter_line("Audit", c, k, l, G_N_ELEMENTS(k));
	}
	print_learned(ret);
	print_flows(ret);
}

int status_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0, 0, 0, 0 },
	};
	g_autoptr(GByteArray) reply = NULL;
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(GError) error = NULL;
	JsonObject *root, *ret;
	JsonNode *node;
	bool json = false;
	int timeout_s = STATUS_TIMEOUT_S_DEFAULT, opt;
	const char *path;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			json = true;
			break;
		case 't': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*optarg == '\0' || *end != '\0' || v < 1 || v > 3600) {
				err_line("--timeout must be a number of seconds from 1 to 3600, not \"%s\"", optarg);
				return SUBCOMMAND_ERROR;
			}
			timeout_s = (int)v;
			break;
		}
		case 'h':
			usage(stdout);
			return SUBCOMMAND_OK;
		default:
			err_line("unrecognized option '%s' (see --help)", argv[optind - 1]);
			return SUBCOMMAND_ERROR;
		}
	}
	if (argc - optind != 1) {
		err_line("expected one API_SOCKET, the helper's -a/--api-socket path (see --help)");
		return SUBCOMMAND_ERROR;
	}
	path = argv[optind];
	reply = ask(path, timeout_s);
	if (reply == NULL)
		return SUBCOMMAND_ERROR;

	parser = json_parser_new_immutable();
	if (memchr(reply->data, '\0', reply->len) != NULL ||
	    !json_parser_load_from_data(parser, (const char *)reply->data, (gssize)reply->len, &error) ||
	    (node = json_parser_get_root(parser)) == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
		err_line("%s: the answer is not JSON: not slirp-filter's API socket?", path);
		return SUBCOMMAND_ERROR;
	}
	root = json_node_get_object(node);
	if (oget(root, "error") != NULL) {
		const char *desc = sget(oget(root, "error"), "desc");

		if (desc != NULL && strstr(desc, "unknown execute") != NULL)
			err_line("%s: the helper does not know get_status (slirp4netns, or an older slirp-filter)",
				 path);
		else
			err_line("%s: the helper answered an error: %s", path, desc != NULL ? desc : "(no description)");
		return SUBCOMMAND_ERROR;
	}
	ret = oget(root, "return");
	if (ret == NULL || oget(ret, "policy") == NULL) {
		err_line("%s: the answer is not a slirp-filter status: not slirp-filter's API socket?", path);
		return SUBCOMMAND_ERROR;
	}
	if (json) {
		fwrite(reply->data, 1, reply->len, stdout);
		if (reply->data[reply->len - 1] != '\n')
			putchar('\n');
	} else {
		print_tables(ret);
	}
	return fflush(stdout) == 0 ? SUBCOMMAND_OK : SUBCOMMAND_ERROR;
}
