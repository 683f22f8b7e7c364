/* SPDX-License-Identifier: GPL-2.0-or-later */
/* slirp-filter: entry point; start-up order and the ready/exit fd contract. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "api.h"
#include "audit-log.h"
#include "slirp-filter/api-proto.h"
#include "cli.h"
#include "daemon.h"
#include "log.h"
#include "resolver.h"
#include "sandbox.h"
#include "seccomp-filter.h"
#include "status.h"
#include "subcommands.h"
#include "tap.h"

/* #syscalls: rt_sigprocmask rt_sigaction rt_sigreturn sigaltstack: signal masks (GLib and the C library install and restore handlers) */
static int signals_block(void)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return fd;
}

static char *api_reload_policy(void *opaque)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *desc = NULL;
	Daemon *d = opaque;

	if (!daemon_policy_reload(d, &error)) {
		desc = g_strdup_printf("reload_policy: %s", error->message);
		return sf_api_reply_error(desc);
	}
	return daemon_counters_json(d);
}

static char *api_get_counters(void *opaque)
{
	return daemon_counters_json(opaque);
}

static void api_forward_changed(void *opaque, bool udp, int guest_port, bool added)
{
	Daemon *d = opaque;

	sf_filter_forward(&d->filter, udp, (uint16_t)guest_port, added);
}

/* Podman waits on the ready fd with no timeout: write "1" only when all is up. */
static void ready_signal(int fd)
{
	ssize_t n;

	if (fd < 0)
		return;
	do
		n = write(fd, "1", 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		g_warning("write to ready fd %d: %s", fd, n < 0 ? g_strerror(errno) : "short write");
	close(fd);
}

/* #syscalls: exit exit_group: the end of main(); brk mmap munmap mremap madvise mprotect: malloc and GLib's allocator everywhere (never PROT_EXEC); futex getrandom getpid gettid getuid geteuid getgid getegid: GLib and the C library underneath (locks, hash seeds, ids) */
int main(int argc, char **argv)
{
	static Daemon d; /* large: holds the frame buffer */
	CliOptions opts;
	int rc = EXIT_FAILURE;

	/* `slirp-filter suggest-policy|status|audit ...`: only ever the first word */
	if (subcommand_run(argc, argv, &rc))
		return rc;
	switch (cli_parse(argc, argv, &opts)) {
	case CLI_EXIT_OK:
		return EXIT_SUCCESS;
	case CLI_EXIT_ERROR:
		return EXIT_FAILURE;
	case CLI_RUN:
		break;
	}
	log_init(opts.log_level);
	d.opts = &opts;
	d.exit_fd = opts.exit_fd;
	d.tapfd = d.signal_fd = -1;

	/* first: a policy that cannot be used stops us before anything exists */
	if (daemon_policy_init(&d) < 0)
		goto out;

	d.signal_fd = signals_block();
	if (d.signal_fd < 0) {
		g_critical("signalfd: %s", g_strerror(errno));
		goto out;
	}
	/* before anything may start a thread: the child needs setns(CLONE_NEWUSER) */
	sf_coalescer_init(&d.tx);
	d.tapfd = tap_create(&opts);
	if (d.tapfd < 0)
		goto out;
	g_info("tap %s ready (fd %d), MTU %u", opts.tapname, d.tapfd, opts.mtu);
	d.tap_offloads = !opts.disable_offload && tap_enable_offloads(d.tapfd);
	/* libslirp's window is at most 64 KiB (no window scaling) and Linux keeps
	 * its MSS at or below half the peer's window, so at a large MTU every
	 * frame would be one 32 KiB segment; a smaller MSS lets the guest's TSO
	 * send the whole window as one frame (bench/NOTES.md, "Tap offloads") */
	if (d.tap_offloads)
		d.mss_clamp = DAEMON_TSO_MSS_MAX;

	if (daemon_slirp_start(&d) < 0)
		goto out;
	if (!opts.disable_dns) {
		d.resolver = resolver_new(&d);
		if (d.resolver == NULL)
			goto out;
		d.filter.dns_in_process = true;
	}
	if (opts.api_socket != NULL) {
		int err = api_server_new(opts.api_socket, d.slirp, &opts.layout, &d.api);

		if (err < 0) {
			g_critical("API socket %s: %s", opts.api_socket, g_strerror(-err));
			goto out;
		}
		api_server_set_hooks(d.api, &(ApiHooks){ .reload_policy = api_reload_policy,
							  .get_counters = api_get_counters,
							  .get_status = status_api_get_status,
							  .forward_changed = api_forward_changed,
							  .opaque = &d });
	}
	if (opts.enable_sandbox) {
		/* what the running daemon still opens by path (docs/sandbox.md) */
		const SandboxKeep keep[] = {
			{ "/etc/resolv.conf", false }, /* libslirp and the resolver re-read it */
			{ d.policy_path, false },      /* SIGHUP and API reloads */
			{ opts.api_socket, true },     /* unlinked at exit */
			/* reopened (rotation); its fd is close-on-exec, so it stays */
			{ d.audit != NULL ? audit_log_path(d.audit) : NULL, true },
		};
		const int keep_fds[] = { opts.ready_fd, opts.exit_fd };
		const SandboxConfig sandbox = {
			.keep = keep, .n_keep = G_N_ELEMENTS(keep),
			.keep_fds = keep_fds, .n_keep_fds = G_N_ELEMENTS(keep_fds),
			.port_forwards = opts.api_socket != NULL,
			/* one host socket per flow; a reload cannot raise it */
			.max_files = d.policy != NULL ? d.policy->flows_max + SANDBOX_FILES_SPARE : 0,
		};

		if (sandbox_enter(&sandbox) < 0)
			goto out;
	}
	if (opts.enable_seccomp && seccomp_install() < 0)
		goto out;

	ready_signal(opts.ready_fd);
	seccomp_test_hook(); /* test builds only: a forbidden call, once up */
	if (daemon_loop_run(&d) == 0)
		rc = EXIT_SUCCESS;
out:
	api_server_free(d.api);
	resolver_free(d.resolver);
	if (d.slirp != NULL)
		slirp_cleanup(d.slirp);
	if (d.tapfd >= 0)
		close(d.tapfd);
	if (d.signal_fd >= 0)
		close(d.signal_fd);
	daemon_policy_free(&d);
	g_free(d.fds);
	g_free(d.timers);
	cli_options_clear(&opts);
	return rc;
}
