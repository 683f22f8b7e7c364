/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libslirp configuration and callbacks: frames out, clock, timers, errors. */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"

/* #syscalls: clock_gettime gettimeofday: the clock (usually the vDSO); clock_nanosleep nanosleep: GLib's g_usleep in libslirp's and GLib's back-off paths */
int64_t daemon_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* libslirp hands us a frame for the guest: write it to the tap. */
static ssize_t cb_send_packet(const void *buf, size_t len, void *opaque)
{
	Daemon *d = opaque;
	int64_t now = daemon_now_ms(); /* vDSO: a few ns next to the write */

	/* a connection in through a port forward: let the guest answer it */
	if (d->filter.forwards > 0)
		sf_filter_inbound(&d->filter, buf, len, now);
	/* a connection libslirp resets (the server reset it) leaves the flow table */
	sf_filter_peer_reset(&d->filter, buf, len, now);
	/* staged or written: a failed write is counted there, libslirp
	 * retransmits TCP itself */
	daemon_tap_send(d, buf, len);
	return (ssize_t)len;
}

static void cb_guest_error(const char *msg, void *opaque)
{
	g_warning("libslirp: guest error: %s", msg);
}

static int64_t cb_clock_get_ns(void *opaque)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *cb_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
	Daemon *d = opaque;
	unsigned i;

	for (i = 0; i < d->ntimers; i++)
		if (!d->timers[i].in_use)
			break;
	if (i == d->ntimers) {
		d->timers = g_renew(SlirpTimerSlot, d->timers, d->ntimers + 1);
		d->ntimers++;
	}
	d->timers[i] = (SlirpTimerSlot){ .id = id, .cb_opaque = cb_opaque, .expire_ms = -1,
					 .in_use = true };
	/* slots are addressed by index because the array may move */
	return GUINT_TO_POINTER(i + 1);
}

static void cb_timer_free(void *timer, void *opaque)
{
	Daemon *d = opaque;
	unsigned i = GPOINTER_TO_UINT(timer) - 1;

	if (i < d->ntimers)
		d->timers[i].in_use = false;
}

static void cb_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
	Daemon *d = opaque;
	unsigned i = GPOINTER_TO_UINT(timer) - 1;

	if (i < d->ntimers && d->timers[i].in_use)
		d->timers[i].expire_ms = expire_ms;
}

/* The poll set is rebuilt from slirp_pollfds_fill() on every iteration. */
static void cb_register_poll_fd(int fd, void *opaque) {}
static void cb_unregister_poll_fd(int fd, void *opaque) {}
static void cb_notify(void *opaque) {}

/* Needed for libslirp < 4.7's timer API; unused since we set timer_new_opaque. */
static void *cb_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
	g_critical("libslirp asked for a legacy timer; unsupported");
	return NULL;
}

static const SlirpCb slirp_callbacks = {
	.send_packet = cb_send_packet,
	.guest_error = cb_guest_error,
	.clock_get_ns = cb_clock_get_ns,
	.timer_new = cb_timer_new,
	.timer_free = cb_timer_free,
	.timer_mod = cb_timer_mod,
	.register_poll_fd = cb_register_poll_fd,
	.unregister_poll_fd = cb_unregister_poll_fd,
	.notify = cb_notify,
	.timer_new_opaque = cb_timer_new_opaque,
};

int daemon_timers_run(Daemon *d, int64_t now_ms)
{
	int64_t next = -1;
	unsigned i;

	for (i = 0; i < d->ntimers; i++) {
		SlirpTimerSlot *t = &d->timers[i];

		if (!t->in_use || t->expire_ms < 0)
			continue;
		if (t->expire_ms <= now_ms) {
			t->expire_ms = -1;
			/* may re-arm this timer or create others (array may move) */
			slirp_handle_timer(d->slirp, t->id, t->cb_opaque);
			continue;
		}
		if (next < 0 || t->expire_ms - now_ms < next)
			next = t->expire_ms - now_ms;
	}
	/* a timer re-armed by its own handler is picked up next iteration */
	for (i = 0; i < d->ntimers; i++) {
		const SlirpTimerSlot *t = &d->timers[i];

		if (t->in_use && t->expire_ms >= 0) {
			int64_t left = MAX(t->expire_ms - now_ms, 0);

			if (next < 0 || left < next)
				next = left;
		}
	}
	return next < 0 ? -1 : (int)MIN(next, G_MAXINT);
}

/* #syscalls: socket connect bind listen accept accept4 getsockname getpeername setsockopt getsockopt sendto recvfrom sendmsg recvmsg sendmmsg recvmmsg shutdown close fcntl ioctl(FIONREAD) ioctl(FIONBIO): libslirp's host sockets, one per flow (FIONREAD in sorecvfrom, FIONBIO for non-blocking mode) */
int daemon_slirp_start(Daemon *d)
{
	const CliOptions *o = d->opts;
	SlirpConfig cfg;

	/*
	 * libslirp gives every TCP socket two ~128 KiB buffers and grows them
	 * with realloc() when the connection's MSS is known. glibc's mmap
	 * threshold moves up after a large block is freed (loading a big
	 * policy frees several), and then those buffers come from the heap:
	 * every realloc() copies 128 KiB into freshly faulted pages, and the
	 * heap top is trimmed again when the connection closes. Pinning the
	 * threshold keeps them mmap()ed (realloc is mremap(), no copy) whatever
	 * the policy's size: measured 1.9x the new-connection rate with a
	 * 20,000-rule policy (bench/NOTES.md).
	 */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	memset(&cfg, 0, sizeof(cfg));
	cfg.version = MIN(4, SLIRP_CONFIG_VERSION_MAX);
	cfg.restricted = 0;
	cfg.in_enabled = true;
	cfg.vnetwork = o->layout.network;
	cfg.vnetmask = o->layout.netmask;
	cfg.vhost = o->layout.gateway;
	cfg.in6_enabled = o->enable_ipv6;
	cfg.vprefix_addr6 = o->layout.prefix6;
	cfg.vprefix_len = (uint8_t)o->layout.prefix6_len;
	cfg.vhost6 = o->layout.gateway6;
	cfg.vhostname = "slirp-filter";
	cfg.vdhcp_start = o->layout.dhcp_start;
	cfg.vnameserver = o->layout.dns;
	cfg.vnameserver6 = o->layout.dns6;
	cfg.if_mtu = o->mtu;
	cfg.if_mru = o->mtu;
	/*
	 * Host loopback is the policy's to open (`allow tcp to host port N`),
	 * whatever Podman passes (--disable-host-loopback). The filter denies
	 * the gateway address unless a `host` rule opens it; when the policy has
	 * none, libslirp is told too, so a fault in the decision code cannot
	 * reach the host's 127.0.0.1 either (audit mode included). libslirp
	 * cannot change this later: a reload that adds a `host` rule is then
	 * refused (policy-load.c).
	 */
	d->host_loopback = daemon_policy_has_host_rule(d->policy);
	cfg.disable_host_loopback = !d->host_loopback;
	cfg.enable_emu = false;
	cfg.outbound_addr = o->has_outbound_addr ? (struct sockaddr_in *)&o->outbound_addr : NULL;
	cfg.outbound_addr6 = o->has_outbound_addr6 ? (struct sockaddr_in6 *)&o->outbound_addr6 : NULL;
	/* libslirp never relays DNS: the in-process resolver answers (resolver.c) */
	cfg.disable_dns = true;
	cfg.disable_dhcp = false;

	d->slirp = slirp_new(&cfg, &slirp_callbacks, d);
	if (d->slirp == NULL) {
		g_critical("slirp_new failed");
		return -1;
	}
	return 0;
}
