/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The poll loop.
 *
 * Theory of operation: one thread, one poll() per iteration. The poll set is
 * rebuilt in place each time (fixed entries first: tap, exit fd, signalfd,
 * then the API socket's, then whatever libslirp asks for through
 * slirp_pollfds_fill()); the array only grows, so steady state allocates
 * nothing. After poll() returns, libslirp's host sockets are serviced, then
 * the tap is drained in a batch until read() would block (bounded so host
 * sockets are not starved), each frame passing the egress filter
 * (daemon_egress_frame) before slirp_input(). Timers and the filter's
 * upkeep run last. SIGHUP reloads the policy. The exit fd (readable or hung up), SIGTERM
 * and SIGINT end the loop cleanly.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "api.h"
#include "audit-log.h"
#include "daemon.h"
#include "resolver.h"

/* Frames read from the tap per wake-up before host sockets get a turn. */
#define TAP_BATCH_MAX 512
/* Room reserved for the API server's listener and clients each iteration. */
#define API_FDS_MAX 64
/* Room for the resolver's upstream sockets (UDP per family, TCP per retried query). */
#define RESOLVER_FDS_MAX (2 + RESOLVER_PENDING_MAX)

static void fds_reserve(Daemon *d, int extra)
{
	if (d->nfds + extra <= d->fds_cap)
		return;
	d->fds_cap = MAX(d->fds_cap * 2, d->nfds + extra + 64);
	d->fds = g_renew(struct pollfd, d->fds, d->fds_cap);
}

static int fds_push(Daemon *d, int fd, short events)
{
	fds_reserve(d, 1);
	d->fds[d->nfds] = (struct pollfd){ .fd = fd, .events = events };
	return d->nfds++;
}

static int cb_add_poll(int fd, int events, void *opaque)
{
	Daemon *d = opaque;
	short ev = 0;

	if (events & SLIRP_POLL_IN)
		ev |= POLLIN;
	if (events & SLIRP_POLL_OUT)
		ev |= POLLOUT;
	if (events & SLIRP_POLL_PRI)
		ev |= POLLPRI;
	if (events & SLIRP_POLL_ERR)
		ev |= POLLERR;
	if (events & SLIRP_POLL_HUP)
		ev |= POLLHUP;
	return fds_push(d, fd, ev);
}

static int cb_get_revents(int idx, void *opaque)
{
	Daemon *d = opaque;
	short rev;
	int out = 0;

	if (idx < 0 || idx >= d->nfds)
		return 0;
	rev = d->fds[idx].revents;
	if (rev & POLLIN)
		out |= SLIRP_POLL_IN;
	if (rev & POLLOUT)
		out |= SLIRP_POLL_OUT;
	if (rev & POLLPRI)
		out |= SLIRP_POLL_PRI;
	if (rev & POLLERR)
		out |= SLIRP_POLL_ERR;
	if (rev & POLLHUP)
		out |= SLIRP_POLL_HUP;
	return out;
}

/* Drains the tap: every frame is judged, passing frames go to libslirp. */
/* #syscalls: read: tap frames (through daemon_tap_read) and the signalfd (signal_dispatch) */
static void tap_drain(Daemon *d)
{
	int64_t now = daemon_now_ms(); /* one clock read per batch */
	unsigned i;

	for (i = 0; i < TAP_BATCH_MAX; i++) {
		size_t len;
		int rc = daemon_tap_read(d, &len);

		if (rc == 0)
			return;
		if (rc > 0)
			daemon_egress_frame(d, len, now);
	}
}

static void signal_dispatch(Daemon *d)
{
	struct signalfd_siginfo si;
	ssize_t n;

	while ((n = read(d->signal_fd, &si, sizeof(si))) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			g_info("received signal %u, exiting", si.ssi_signo);
			d->quit = true;
			break;
		case SIGHUP: {
			g_autoptr(GError) error = NULL;
			int rc;

			g_info("SIGHUP: reopening the audit log and reloading the policy");
			rc = audit_log_reopen(d->audit);
			if (rc < 0)
				g_warning("audit log: cannot reopen it, writing to the old file: %s",
					  g_strerror(-rc));
			daemon_policy_reload(d, &error); /* logs and audits either outcome */
			break;
		}
		default:
			break;
		}
	}
}

/* #syscalls: poll ppoll restart_syscall: the loop's one wait (poll() is ppoll() on some architectures, a signal restarts it) */
int daemon_loop_run(Daemon *d)
{
	while (!d->quit) {
		int64_t now = daemon_now_ms();
		int timeout = -1, timer_timeout, api_timeout = -1;
		uint32_t slirp_timeout = UINT32_MAX;
		int tap_idx, exit_idx = -1, sig_idx, api_idx = -1, api_n = 0, rc, upkeep;
		int res_idx = -1, res_n = 0, res_timeout = -1;

		d->nfds = 0;
		tap_idx = fds_push(d, d->tapfd, POLLIN);
		if (d->exit_fd >= 0)
			exit_idx = fds_push(d, d->exit_fd, POLLIN);
		sig_idx = fds_push(d, d->signal_fd, POLLIN);
		if (d->api != NULL) {
			fds_reserve(d, API_FDS_MAX);
			api_idx = d->nfds;
			api_n = api_server_fill(d->api, d->fds + d->nfds, API_FDS_MAX, now, &api_timeout);
			d->nfds += api_n;
		}
		if (d->resolver != NULL) {
			fds_reserve(d, RESOLVER_FDS_MAX);
			res_idx = d->nfds;
			res_n = resolver_fill(d->resolver, d->fds + d->nfds, RESOLVER_FDS_MAX, now,
					      &res_timeout);
			d->nfds += res_n;
		}
		slirp_pollfds_fill(d->slirp, &slirp_timeout, cb_add_poll, d);

		timer_timeout = daemon_timers_run(d, now);
		if (slirp_timeout != UINT32_MAX)
			timeout = (int)MIN(slirp_timeout, (uint32_t)G_MAXINT);
		if (timer_timeout >= 0 && (timeout < 0 || timer_timeout < timeout))
			timeout = timer_timeout;
		if (api_timeout >= 0 && (timeout < 0 || api_timeout < timeout))
			timeout = api_timeout;
		if (res_timeout >= 0 && (timeout < 0 || res_timeout < timeout))
			timeout = res_timeout;
		upkeep = daemon_egress_maintain(d, now);
		if (timeout < 0 || upkeep < timeout)
			timeout = upkeep;

		daemon_tap_flush(d); /* libslirp's merged segments, before we sleep */
		rc = poll(d->fds, (nfds_t)d->nfds, timeout);
		if (rc < 0 && errno != EINTR) {
			g_critical("poll: %s", g_strerror(errno));
			return -1;
		}
		if (rc < 0) {
			/* keep libslirp's fill/poll calls paired */
			for (int i = 0; i < d->nfds; i++)
				d->fds[i].revents = 0;
		}
		slirp_pollfds_poll(d->slirp, rc < 0, cb_get_revents, d);

		if (exit_idx >= 0 && (d->fds[exit_idx].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))) {
			g_info("exit fd %d closed or readable, exiting", d->exit_fd);
			d->quit = true;
		}
		if (d->fds[sig_idx].revents & POLLIN)
			signal_dispatch(d);
		if (d->fds[tap_idx].revents & POLLIN)
			tap_drain(d);
		else if (d->fds[tap_idx].revents & (POLLERR | POLLHUP | POLLNVAL)) {
			g_critical("the tap device failed (revents 0x%x)", d->fds[tap_idx].revents);
			return -1;
		}
		if (api_n > 0)
			api_server_dispatch(d->api, d->fds + api_idx, api_n, daemon_now_ms());
		if (d->resolver != NULL)
			resolver_dispatch(d->resolver, d->fds + res_idx, res_n, daemon_now_ms());
		daemon_timers_run(d, daemon_now_ms());
	}
	return 0;
}
