/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * API socket server.
 *
 * Theory of operation: the listener and every client are non-blocking and
 * polled by the main loop, so a slow, silent or hostile client can never
 * stall the data path. A client's request is complete when it shuts down
 * its write side (Podman does) or as soon as the bytes read so far form one
 * whole JSON value (socat/nc users who wait for the reply); it is then
 * answered once, the reply written as the socket accepts it, and the
 * connection closed. Each client has a deadline; at most API_CLIENTS_MAX
 * are served at once and the listener is not polled while that many are
 * open, so a connection flood queues in the kernel backlog instead of
 * consuming memory here.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "api.h"
#include "slirp-filter/api-proto.h"

#define API_CLIENTS_MAX 16
#define API_CLIENT_TIMEOUT_MS 5000
#define API_READ_CHUNK 4096

typedef struct {
	int fd;
	GByteArray *req;   /* request bytes so far */
	char *reply;       /* NULL while reading */
	size_t reply_len, reply_off;
	int64_t deadline_ms;
} ApiClient;

struct ApiServer {
	int listen_fd;
	char *path;
	Slirp *slirp;
	struct in_addr guest_default;
	SfHostfwdTable *fwds;
	ApiClient clients[API_CLIENTS_MAX];
	unsigned nclients;
	bool listener_polled; /* whether the last fill included the listener */
	unsigned polled_clients;
};

int api_server_new(const char *path, Slirp *slirp, struct in_addr guest_default, ApiServer **out)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	ApiServer *api;
	int fd, err;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (unlink(path) < 0 && errno != ENOENT) {
		err = -errno;
		close(fd);
		return err;
	}
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 16) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	api = g_new0(ApiServer, 1);
	api->listen_fd = fd;
	api->path = g_strdup(path);
	api->slirp = slirp;
	api->guest_default = guest_default;
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

/* Runs one parsed request against libslirp; returns the reply. */
static char *execute(ApiServer *api, const SfApiRequest *req)
{
	switch (req->command) {
	case SF_API_ADD_HOSTFWD: {
		char host[INET_ADDRSTRLEN], guest[INET_ADDRSTRLEN];
		int id;

		if (sf_hostfwd_table_full(api->fwds))
			return sf_api_reply_error("bad request: add_hostfwd: too many forwards");
		if (slirp_add_hostfwd(api->slirp, req->fwd.is_udp, req->fwd.host_addr,
				      req->fwd.host_port, req->fwd.guest_addr, req->fwd.guest_port) < 0)
			return sf_api_reply_error("bad request: add_hostfwd: slirp_add_hostfwd failed");
		id = sf_hostfwd_table_add(api->fwds, &req->fwd);
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
		sf_hostfwd_table_remove(api->fwds, req->fwd.id);
		g_info("API: forward %d removed", req->fwd.id);
		return sf_api_reply_empty();
	}
	}
	return sf_api_reply_error("bad request: unknown execute");
}

static void client_answer(ApiServer *api, ApiClient *c)
{
	g_autoptr(GError) error = NULL;
	SfApiRequest req;

	if (c->req->len > SF_API_REQUEST_MAX)
		c->reply = sf_api_reply_error("bad request: too large message");
	else if (!sf_api_parse_request((const char *)c->req->data, c->req->len, api->guest_default,
				       &req, &error))
		c->reply = sf_api_reply_error(error->message);
	else
		c->reply = execute(api, &req);
	if (error != NULL)
		g_info("API: refused request: %s", error->message);
	c->reply_len = strlen(c->reply);
	c->reply_off = 0;
	g_clear_pointer(&c->req, g_byte_array_unref);
}

static void client_read(ApiServer *api, ApiClient *c)
{
	uint8_t chunk[API_READ_CHUNK];

	for (;;) {
		ssize_t n = read(c->fd, chunk, sizeof(chunk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			client_close(c);
			return;
		}
		if (n == 0) { /* the client shut down writing: answer what we have */
			client_answer(api, c);
			return;
		}
		g_byte_array_append(c->req, chunk, (guint)n);
		if (c->req->len > SF_API_REQUEST_MAX) {
			client_answer(api, c);
			return;
		}
	}
	if (sf_api_request_complete((const char *)c->req->data, c->req->len))
		client_answer(api, c);
}

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
	shutdown(c->fd, SHUT_RDWR);
	client_close(c);
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
	if (max > 0 && api->nclients < API_CLIENTS_MAX) {
		fds[n++] = (struct pollfd){ .fd = api->listen_fd, .events = POLLIN };
		api->listener_polled = true;
	}
	for (unsigned i = 0; i < api->nclients && n < max; i++) {
		ApiClient *c = &api->clients[i];
		int64_t left = MAX(c->deadline_ms - now_ms, 0);

		fds[n++] = (struct pollfd){ .fd = c->fd, .events = c->reply ? POLLOUT : POLLIN };
		api->polled_clients++;
		if (*timeout_ms < 0 || left < *timeout_ms)
			*timeout_ms = (int)left;
	}
	return n;
}

void api_server_dispatch(ApiServer *api, const struct pollfd *fds, int n, int64_t now_ms)
{
	int idx = api->listener_polled ? 1 : 0;
	unsigned i, kept = 0;

	for (i = 0; i < api->polled_clients && idx < n; i++, idx++) {
		ApiClient *c = &api->clients[i];
		short rev = fds[idx].revents;

		if (rev & POLLNVAL) {
			client_close(c);
		} else if (c->reply == NULL && (rev & (POLLIN | POLLHUP | POLLERR))) {
			client_read(api, c);
		} else if (c->reply != NULL && (rev & (POLLOUT | POLLHUP | POLLERR))) {
			client_write(c);
		}
		/* a freshly answered client tries its write at once */
		if (c->fd >= 0 && c->reply != NULL && c->reply_off == 0)
			client_write(c);
	}
	/* expire clients past their deadline, then compact the array */
	for (i = 0; i < api->nclients; i++) {
		ApiClient *c = &api->clients[i];

		if (c->fd >= 0 && now_ms >= c->deadline_ms) {
			g_info("API: dropping a client that sent no complete request in %d ms",
			       API_CLIENT_TIMEOUT_MS);
			client_close(c);
		}
		if (c->fd >= 0)
			api->clients[kept++] = *c;
	}
	api->nclients = kept;
	if (api->listener_polled && (fds[0].revents & POLLIN))
		accept_clients(api, now_ms);
}
