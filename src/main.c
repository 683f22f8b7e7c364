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
#include "cli.h"
#include "daemon.h"
#include "log.h"
#include "tap.h"

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

int main(int argc, char **argv)
{
	static Daemon d; /* large: holds the frame buffer */
	CliOptions opts;
	int rc = EXIT_FAILURE;

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

	d.signal_fd = signals_block();
	if (d.signal_fd < 0) {
		g_critical("signalfd: %s", g_strerror(errno));
		goto out;
	}
	/* before anything may start a thread: the child needs setns(CLONE_NEWUSER) */
	d.tapfd = tap_create(&opts);
	if (d.tapfd < 0)
		goto out;
	g_info("tap %s ready (fd %d), MTU %u", opts.tapname, d.tapfd, opts.mtu);

	if (daemon_slirp_start(&d) < 0)
		goto out;
	if (opts.api_socket != NULL) {
		int err = api_server_new(opts.api_socket, d.slirp, opts.layout.guest, &d.api);

		if (err < 0) {
			g_critical("API socket %s: %s", opts.api_socket, g_strerror(-err));
			goto out;
		}
	}
	if (opts.enable_sandbox)
		g_info("--enable-sandbox: accepted; the sandbox is not implemented yet");
	if (opts.enable_seccomp)
		g_info("--enable-seccomp: accepted; the seccomp filter is not implemented yet");

	ready_signal(opts.ready_fd);
	if (daemon_loop_run(&d) == 0)
		rc = EXIT_SUCCESS;
out:
	api_server_free(d.api);
	if (d.slirp != NULL)
		slirp_cleanup(d.slirp);
	if (d.tapfd >= 0)
		close(d.tapfd);
	if (d.signal_fd >= 0)
		close(d.signal_fd);
	g_free(d.fds);
	g_free(d.timers);
	cli_options_clear(&opts);
	return rc;
}
