/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Keeping the DNS upstreams, and their protection, up to date.
 *
 * Theory of operation: the one owner of the upstream set (the core's
 * slirp-filter/upstreams.c says what it holds). It is refreshed at start,
 * after every policy reload, once a second from the loop, and before every
 * new flow to a DNS port (53, 853: the filter's dns_port_hook), when
 * /etc/resolv.conf or systemd-resolved's /run/systemd/resolve/resolv.conf
 * changed (inode, size, mtime or ctime) since the last read. One refresh
 * reads the files, updates the set, then hands it to the filter (protected
 * ranges) and the resolver (what it asks, what answers may not point at)
 * before the next frame is judged. When an address joins the set, the
 * tracked flows are decided again and those now denied are cut: a flow
 * opened to an address before it became a resolver ends with that.
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include "daemon.h"
#include "resolvconf.h"
#include "resolver.h"

#define SYSTEMD_RESOLV_PATH "/run/systemd/resolve/resolv.conf"
#define UPSTREAMS_CHECK_MS 1000

static const char *const files[DAEMON_UPSTREAM_FILES] = { RESOLVCONF_PATH, SYSTEMD_RESOLV_PATH };

static bool same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Whether either file differs from what was read last; *@st receives their state now. */
static bool files_changed(const Daemon *d, struct stat st[DAEMON_UPSTREAM_FILES])
{
	bool changed = false;

	for (unsigned f = 0; f < DAEMON_UPSTREAM_FILES; f++) {
		if (stat(files[f], &st[f]) < 0)
			memset(&st[f], 0, sizeof(st[f])); /* missing: compared as all zero */
		changed |= !same_stat(&st[f], &d->upstream_files[f]);
	}
	return changed;
}

static void log_set(const Daemon *d)
{
	const SfUpstreamSet *s = &d->upstreams;
	char a[48];

	if (s->n_use == 0) {
		g_warning("DNS: no upstream server (no `upstream` in the policy, none in %s): allowed "
			  "names get SERVFAIL", RESOLVCONF_PATH);
		return;
	}
	g_info("DNS: %u upstream(s) from %s, first %s port %u; %u address(es) protected as "
	       "upstreams", s->n_use, s->from_policy ? "the policy" : RESOLVCONF_PATH,
	       sf_addr_to_string(&s->use[0].addr, a, sizeof(a)), s->use[0].port, s->n_known);
}

/* #syscalls: newfstatat statx openat(O_RDONLY) fstat read: resolv.conf and systemd-resolved's file checked and read again */
bool daemon_upstreams_refresh(Daemon *d, bool force, int64_t now_ms)
{
	struct stat st[DAEMON_UPSTREAM_FILES];
	SfAddr resolv[RESOLVCONF_MAX], systemd[RESOLVCONF_MAX];
	int nr, ns;
	bool grew;

	if (!files_changed(d, st) && !force)
		return false;
	memcpy(d->upstream_files, st, sizeof(st));
	nr = resolvconf_read(RESOLVCONF_PATH, resolv, G_N_ELEMENTS(resolv));
	ns = resolvconf_read(SYSTEMD_RESOLV_PATH, systemd, G_N_ELEMENTS(systemd));
	grew = sf_upstreams_update(&d->upstreams, (const SfUpstream *)(const void *)d->policy->upstreams->data,
				   d->policy->upstreams->len, resolv, (unsigned)MAX(nr, 0), systemd,
				   (unsigned)MAX(ns, 0));
	/* the protection first, then the resolver may use what it protects */
	sf_filter_set_upstreams(&d->filter, &d->upstreams);
	if (d->resolver != NULL)
		resolver_upstreams_changed(d->resolver);
	if (!force)
		g_info("DNS: %s or %s changed, read them again", RESOLVCONF_PATH, SYSTEMD_RESOLV_PATH);
	log_set(d);
	if (grew && d->flows != NULL)
		d->upstreams_recheck = true;
	d->upstreams_check_ms = now_ms + UPSTREAMS_CHECK_MS;
	return grew;
}

void daemon_upstreams_cut(Daemon *d, int64_t now_ms)
{
	unsigned cut;

	if (!d->upstreams_recheck)
		return;
	d->upstreams_recheck = false;
	cut = daemon_egress_cut_upstreams(d, now_ms);
	if (cut > 0)
		g_info("DNS: %u flow(s) to a new upstream cut", cut);
}

void daemon_upstreams_tick(Daemon *d, int64_t now_ms)
{
	if (now_ms >= d->upstreams_check_ms)
		daemon_upstreams_refresh(d, false, now_ms);
	daemon_upstreams_cut(d, now_ms);
}

/* The filter's dns_port_hook: no flow to a DNS port is decided against stale upstreams. */
static void dns_port_hook(void *opaque, int64_t now_ms)
{
	daemon_upstreams_refresh(opaque, false, now_ms);
}

void daemon_upstreams_init(Daemon *d, int64_t now_ms)
{
	memset(&d->upstreams, 0, sizeof(d->upstreams));
	d->filter.dns_port_hook = dns_port_hook;
	d->filter.dns_port_opaque = d;
	daemon_upstreams_refresh(d, true, now_ms);
	d->upstreams_recheck = false; /* no flow yet */
}
