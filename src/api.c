/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * API socket server (-a PATH), slirp4netns 1.2 compatible.
 *
 * Theory of operation: the listener and every client are non-blocking and
 * polled by the main loop, so a slow, silent or hostile client can never
 * stall the data path. Each client gets one request, one reply, then the
 * connection closes. A request is complete when the client shuts down its
 * write side (Podman's CloseWrite()) or as soon as the bytes read so far
 * form one whole JSON value (socat or nc users who wait for the reply).
 * Such speculative parses only run when new bytes arrived and end in '}',
 * and at most API_SPECULATIVE_PARSES times per client, so a client
 * trickling bytes cannot make the loop re-parse its growing buffer without
 * end; a request is at most SF_API_REQUEST_MAX bytes, which bounds each
 * parse (under a millisecond). The reply is written as the socket accepts
 * it, resumed on POLLOUT. Then, unless the client has already shut down its
 * write side, the helper shuts down its own (the client reads the reply and
 * EOF) and reads and discards what the client still sends, until its EOF,
 * API_DRAIN_MAX bytes or the deadline, before it closes: a client that is
 * still writing a request refused as too large (slirp4netns's clients write
 * the whole request, then read) finishes its write and reads the error,
 * instead of an EPIPE, or an ECONNRESET that a close with unread bytes
 * would make, before it gets to read. Nothing drained is stored, and at
 * most API_DRAIN_READS reads of it are done per loop round. Every client has
 * a deadline from accept() on; at most API_CLIENTS_MAX are served at once
 * and the listener is not polled while that many are open, so a connection
 * flood waits in the kernel's backlog instead of consuming memory here.
 *
 * Semantics follow slirp4netns: ids start at 1 and are never reused; a
 * failing slirp_add_hostfwd() (port in use, address not local) answers
 * "bad request: add_hostfwd: slirp_add_hostfwd failed" and records
 * nothing; remove_hostfwd of an unknown id answers "bad arguments.id".
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "api.h"
#include "slirp-filter/api-proto.h"

#define API_CLIENTS_MAX 16
#define API_CLIENT_TIMEOUT_MS 5000
#define API_READ_CHUNK 4096
#define API_SPECULATIVE_PARSES 8
#define API_DRAIN_MAX (1024 * 1024) /* bytes discarded after the reply, at most */
#define API_DRAIN_READS 16          /* reads of API_READ_CHUNK per round while draining */

typedef struct {
	int fd;              /* -1: slot closed */
	GByteArray *req;     /* request bytes so far; NULL once answered */
	unsigned parses;     /* speculative parses spent */
	char *reply;         /* NULL while reading */
	size_t reply_len, reply_off;
	bool eof;            /* the client shut down its write side */
	size_t drained;      /* bytes discarded after the reply was sent */
	int64_t deadline_ms;
} ApiClient;

struct ApiServer {
	int listen_fd;
	char *path;
	Slirp *slirp;
	SfNetLayout layout;  /* guest_addr must lie in its network; .guest is the default */
	SfHostfwdTable *fwds;
	ApiHooks hooks;
	ApiClient clients[API_CLIENTS_MAX];
	unsigned nclients;
	/* what the last api_server_fill() appended, for api_server_dispatch() */
	bool listener_polled;
	unsigned polled_clients;
};

/* Removes a stale socket at @path; anything else there is left alone. */
static int remove_stale_socket(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int api_server_new(const char *path, Slirp *slirp, const SfNetLayout *layout, ApiServer **out)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	ApiServer *api;
	mode_t old_umask;
	size_t len;
	int fd, err;

	if (path == NULL || path[0] == '\0' || out == NULL)
		return -EINVAL;
	len = strlen(path);
	if (len >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	memcpy(addr.sun_path, path, len + 1);
	err = remove_stale_socket(path);
	if (err < 0)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/*
	 * Owner-only whatever the caller's umask: the socket file is created by
	 * bind() with 0777 & ~umask, so the umask is narrowed around that one
	 * call (one thread: nothing else creates files meanwhile). There is
	 * never a moment when the socket is wider than 0600.
	 */
	old_umask = umask(0177);
	err = bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ? -errno : 0;
	umask(old_umask);
	if (err == 0 && listen(fd, API_CLIENTS_MAX) < 0) {
		err = -errno;
		unlink(path);
	}
	if (err < 0) {
		close(fd);
		return err;
	}
	api = g_new0(ApiServer, 1);
	api->listen_fd = fd;
	api->path = g_strdup(path);
	api->slirp = slirp;
	api->layout = *layout;
	api->fwds = sf_hostfwd_table_new();
	*out = api;
	return 0;
}

static void client_close(ApiClient *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	g_clear_pointer(&c->req, g_byte_array_unref);
	g_clear_pointer(&c->reply, g_free);
}

/* #syscalls: unlink unlinkat: the socket file removed at exit */
void api_server_free(ApiServer *api)
{
	if (api == NULL)
		return;
	for (unsigned i = 0; i < api->nclients; i++)
		client_close(&api->clients[i]);
	close(api->listen_fd);
	if (unlink(api->path) < 0 && errno != ENOENT)
		g_warning("unlink %s: %s", api->path, g_strerror(errno));
	sf_hostfwd_table_free(api->fwds);
	g_free(api->path);
	g_free(api);
}

void api_server_set_hooks(ApiServer *api, const ApiHooks *hooks)
{
	api->hooks = *hooks;
}

/* Runs one parsed request against libslirp; returns the reply. */
static char *execute(ApiServer *api, const SfApiRequest *req)
{
	switch (req->command) {
	case SF_API_ADD_HOSTFWD: {
		char host[INET_ADDRSTRLEN], guest[INET_ADDRSTRLEN];
		int id;

		const char *bad = sf_hostfwd_guest_check(&api->layout, req->fwd.guest_addr);

		if (bad != NULL)
			return sf_api_reply_error(bad);
		if (sf_hostfwd_table_full(api->fwds))
			return sf_api_reply_error("bad request: add_hostfwd: too many forwards");
		if (slirp_add_hostfwd(api->slirp, req->fwd.is_udp, req->fwd.host_addr,
				      req->fwd.host_port, req->fwd.guest_addr, req->fwd.guest_port) < 0)
			return sf_api_reply_error("bad request: add_hostfwd: slirp_add_hostfwd failed");
		id = sf_hostfwd_table_add(api->fwds, &req->fwd);
		if (api->hooks.forward_changed != NULL)
			api->hooks.forward_changed(api->hooks.opaque, req->fwd.is_udp, req->fwd.guest_port,
						   true);
		inet_ntop(AF_INET, &req->fwd.host_addr, host, sizeof(host));
		inet_ntop(AF_INET, &req->fwd.guest_addr, guest, sizeof(guest));
		g_info("API: forward %d: %s %s:%d -> %s:%d", id, req->fwd.is_udp ? "udp" : "tcp",
		       host, req->fwd.host_port, guest, req->fwd.guest_port);
		return sf_api_reply_id(id);
	}
	case SF_API_LIST_HOSTFWD:
		return sf_api_reply_list(api->fwds);
	case SF_API_REMOVE_HOSTFWD: {
		const SfHostfwd *f = sf_hostfwd_table_find(api->fwds, req->fwd.id);

		if (f == NULL)
			return sf_api_reply_error("bad request: remove_hostfwd: bad arguments.id");
		if (slirp_remove_hostfwd(api->slirp, f->is_udp, f->host_addr, f->host_port) < 0)
			return sf_api_reply_error("bad request: remove_hostfwd: slirp_remove_hostfwd failed");
		if (api->hooks.forward_changed != NULL)
			api->hooks.forward_changed(api->hooks.opaque, f->is_udp, f->guest_port, false);
		sf_hostfwd_table_remove(api->fwds, req->fwd.id);
		g_info("API: forward %d removed", req->fwd.id);
		return sf_api_reply_empty();
	}
	case SF_API_RELOAD_POLICY:
		if (api->hooks.reload_policy == NULL)
			break;
		return api->hooks.reload_policy(api->hooks.opaque);
	case SF_API_GET_COUNTERS:
		if (api->hooks.get_counters == NULL)
			break;
		return api->hooks.get_counters(api->hooks.opaque);
	case SF_API_GET_STATUS:
		if (api->hooks.get_status == NULL)
			break;
		return api->hooks.get_status(api->hooks.opaque);
	}
	return sf_api_reply_error("bad request: unknown execute");
}

/* Parses the client's request, runs it and queues the reply. */
static void client_answer(ApiServer *api, ApiClient *c)
{
	g_autoptr(GError) error = NULL;
	SfApiRequest req;

	if (sf_api_parse_request((const char *)c->req->data, c->req->len, api->layout.guest,
				 &req, &error)) {
		c->reply = execute(api, &req);
	} else {
		g_info("API: refused a request of %u bytes: %s", c->req->len, error->message);
		c->reply = sf_api_reply_error(error->message);
	}
	c->reply_len = strlen(c->reply);
	c->reply_off = 0;
	g_clear_pointer(&c->req, g_byte_array_unref);
}

/*
 * Whether the last byte that is not white space is '}'. Every request we can
 * carry out is an object, so only then is a speculative parse worth its cost;
 * anything else is answered on EOF (or dropped at the deadline).
 */
static bool ends_with_brace(const GByteArray *buf)
{
	for (guint i = buf->len; i > 0; i--) {
		if (!g_ascii_isspace(buf->data[i - 1]))
			return buf->data[i - 1] == '}';
	}
	return false;
}

/* Reads what is there without blocking; answers once the request is complete. */
static void client_read(ApiServer *api, ApiClient *c)
{
	uint8_t chunk[API_READ_CHUNK];
	bool grew = false;

	/* never hold more than one byte past the limit: enough to refuse it */
	while (c->req->len <= SF_API_REQUEST_MAX) {
		size_t room = MIN(sizeof(chunk), (size_t)SF_API_REQUEST_MAX + 1 - c->req->len);
		ssize_t n = read(c->fd, chunk, room);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			client_close(c);
			return;
		}
		if (n == 0) { /* the client shut down writing: answer what we have */
			c->eof = true;
			client_answer(api, c);
			return;
		}
		g_byte_array_append(c->req, chunk, (guint)n);
		grew = true;
	}
	if (c->req->len > SF_API_REQUEST_MAX) {
		client_answer(api, c);
		return;
	}
	if (grew && c->parses < API_SPECULATIVE_PARSES && ends_with_brace(c->req)) {
		c->parses++;
		if (sf_api_request_complete((const char *)c->req->data, c->req->len))
			client_answer(api, c);
	}
}

/* Whether the whole reply has been written, and only the drain is left. */
static bool client_draining(const ApiClient *c)
{
	return c->reply != NULL && c->reply_off == c->reply_len;
}

/*
 * Reads and discards what the client still sends after its reply went out;
 * closes on its EOF, on an error, or once API_DRAIN_MAX bytes are discarded.
 */
static void client_drain(ApiClient *c)
{
	uint8_t chunk[API_READ_CHUNK];
	unsigned i;

	for (i = 0; i < API_DRAIN_READS; i++) {
		ssize_t n = read(c->fd, chunk, sizeof(chunk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			break;
		}
		if (n == 0)
			break;
		c->drained += (size_t)n;
		if (c->drained >= API_DRAIN_MAX) {
			g_info("API: closing a client that sent %zu bytes more after its reply",
			       c->drained);
			break;
		}
	}
	if (i == API_DRAIN_READS)
		return; /* more may be there: the next round goes on */
	client_close(c);
}

/*
 * Writes as much of the reply as the socket takes; once it is all out, closes,
 * or, when the client may still be writing, shuts down writing and drains.
 */
static void client_write(ApiClient *c)
{
	while (c->reply_off < c->reply_len) {
		ssize_t n = send(c->fd, c->reply + c->reply_off, c->reply_len - c->reply_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				client_close(c);
			return;
		}
		c->reply_off += (size_t)n;
	}
	if (c->eof) {
		shutdown(c->fd, SHUT_RDWR);
		client_close(c);
		return;
	}
	shutdown(c->fd, SHUT_WR);
	client_drain(c);
}

static void accept_clients(ApiServer *api, int64_t now_ms)
{
	while (api->nclients < API_CLIENTS_MAX) {
		int fd = accept4(api->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		ApiClient *c;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				g_warning("API accept: %s", g_strerror(errno));
			return;
		}
		c = &api->clients[api->nclients++];
		*c = (ApiClient){ .fd = fd, .req = g_byte_array_new(),
				  .deadline_ms = now_ms + API_CLIENT_TIMEOUT_MS };
	}
}

int api_server_fill(ApiServer *api, struct pollfd *fds, int max, int64_t now_ms, int *timeout_ms)
{
	int n = 0;

	api->listener_polled = false;
	api->polled_clients = 0;
	/* a full house stops polling the listener: new clients wait in the backlog */
	if (max > 0 && api->nclients < API_CLIENTS_MAX) {
		fds[n++] = (struct pollfd){ .fd = api->listen_fd, .events = POLLIN };
		api->listener_polled = true;
	}
	for (unsigned i = 0; i < api->nclients; i++) {
		const ApiClient *c = &api->clients[i];
		int64_t left = CLAMP(c->deadline_ms - now_ms, 0, API_CLIENT_TIMEOUT_MS);
		short events;

		/* a client without a slot in @fds still expires on time */
		if (*timeout_ms < 0 || left < *timeout_ms)
			*timeout_ms = (int)left;
		if (n >= max)
			continue;
		/* reading the request or draining after the reply, or writing the reply */
		events = c->reply == NULL || client_draining(c) ? POLLIN : POLLOUT;
		fds[n++] = (struct pollfd){ .fd = c->fd, .events = events };
		api->polled_clients++;
	}
	return n;
}

void api_server_dispatch(ApiServer *api, const struct pollfd *fds, int n, int64_t now_ms)
{
	int idx = api->listener_polled ? 1 : 0;
	unsigned i, kept = 0;

	for (i = 0; i < api->polled_clients && i < api->nclients && idx < n; i++, idx++) {
		ApiClient *c = &api->clients[i];
		short rev = fds[idx].revents;

		if (fds[idx].fd != c->fd)
			continue; /* not what fill appended: leave it to the next round */
		if (rev & POLLNVAL) {
			client_close(c);
		} else if (c->reply == NULL && (rev & (POLLIN | POLLHUP | POLLERR))) {
			client_read(api, c);
			/* a freshly answered client tries its write at once */
			if (c->fd >= 0 && c->reply != NULL)
				client_write(c);
		} else if (client_draining(c) && (rev & (POLLIN | POLLHUP | POLLERR))) {
			client_drain(c);
		} else if (c->reply != NULL && (rev & (POLLOUT | POLLHUP | POLLERR))) {
			client_write(c);
		}
	}
	/* expire clients past their deadline, then compact the array */
	for (i = 0; i < api->nclients; i++) {
		ApiClient *c = &api->clients[i];

		if (c->fd >= 0 && now_ms >= c->deadline_ms) {
			g_info("API: dropping a client after %d ms: %s", API_CLIENT_TIMEOUT_MS,
			       c->reply == NULL       ? "no complete request" :
			       client_draining(c) ? "still sending after its reply" :
							"reply not read");
			client_close(c);
		}
		if (c->fd >= 0)
			api->clients[kept++] = *c;
	}
	api->nclients = kept;
	if (api->listener_polled && n > 0 && fds[0].fd == api->listen_fd &&
	    (fds[0].revents & POLLIN))
		accept_clients(api, now_ms);
}
