/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tap creation in a short-lived child.
 *
 * setns() into a user namespace is refused to a multithreaded process and
 * changes the caller for good, so a forked child does the namespace work:
 * it joins the user namespace (only with --userns-path, or in PID mode the
 * target's, ignoring EINVAL when it is already ours), then the network
 * namespace, opens the tap, configures it (-c), sends the fd to the parent
 * over a socketpair with SCM_RIGHTS and exits. The parent never leaves its
 * own namespaces, which is where libslirp must open host sockets.
 *
 * TUNSETIFF creates the tap, or attaches to one of that name that already
 * exists: RootlessKit makes tap0 persistent (`ip tuntap add`), brings it up
 * and configures its address itself, and runs us without -c. Attaching
 * takes our flags (IFF_VNET_HDR included) for the new queue; only the
 * tap's owner/group (or CAP_NET_ADMIN in its user namespace) may attach,
 * and only one process at a time: EBUSY means another helper holds it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ifconfig.h"
#include "tap.h"

static int join_ns(const char *path, int nstype, bool tolerate_same)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "slirp-filter: open %s: %s\n", path, g_strerror(errno));
		return -1;
	}
	if (setns(fd, nstype) < 0) {
		int e = errno;

		close(fd);
		/* joining the user namespace we are already in gives EINVAL */
		if (tolerate_same && e == EINVAL)
			return 0;
		fprintf(stderr, "slirp-filter: setns %s: %s\n", path, g_strerror(e));
		return -1;
	}
	close(fd);
	return 0;
}

static int open_tap(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "slirp-filter: open /dev/net/tun: %s\n", g_strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	/* every frame carries a virtio-net header: the offloads of slirp-filter/offload.c */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	g_strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;

		fprintf(stderr, "slirp-filter: ioctl(TUNSETIFF, %s): %s%s\n", name, g_strerror(e),
			e == EBUSY ? " (the tap exists and another process holds it: is a helper"
				     " still running for this namespace?)"
				   : "");
		close(fd);
		return -1;
	}
	return fd;
}

/* One byte of payload plus room for exactly one fd in the control data. */
typedef struct {
	char byte;
	struct iovec iov;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg;
} FdMessage;

static void fd_message_init(FdMessage *m)
{
	memset(m, 0, sizeof(*m));
	m->byte = 'T';
	m->iov = (struct iovec){ .iov_base = &m->byte, .iov_len = 1 };
	m->msg = (struct msghdr){ .msg_iov = &m->iov, .msg_iovlen = 1,
				  .msg_control = m->control.buf, .msg_controllen = sizeof(m->control.buf) };
}

static int send_fd(int sock, int fd)
{
	FdMessage m;
	struct cmsghdr *cmsg;

	fd_message_init(&m);
	cmsg = CMSG_FIRSTHDR(&m.msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	while (sendmsg(sock, &m.msg, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "slirp-filter: sendmsg(tap fd): %s\n", g_strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int recv_fd(int sock)
{
	FdMessage m;
	struct cmsghdr *cmsg;
	ssize_t n;
	int fd;

	fd_message_init(&m);
	do
		n = recvmsg(sock, &m.msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1; /* the child exited without sending: it said why */
	cmsg = CMSG_FIRSTHDR(&m.msg);
	if (cmsg == NULL || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS ||
	    cmsg->cmsg_len != CMSG_LEN(sizeof(int))) {
		fprintf(stderr, "slirp-filter: the tap child sent no file descriptor\n");
		return -1;
	}
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

static G_GNUC_NORETURN void child_main(const CliOptions *opts, int sock)
{
	char path[64];
	int tapfd;

	if (opts->userns_path != NULL) {
		if (join_ns(opts->userns_path, CLONE_NEWUSER, false) < 0)
			_exit(1);
	} else if (opts->netns_type == NETNS_TYPE_PID) {
		g_snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)opts->target_pid);
		if (join_ns(path, CLONE_NEWUSER, true) < 0)
			_exit(1);
	}
	if (opts->netns_type == NETNS_TYPE_PID) {
		g_snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)opts->target_pid);
		if (join_ns(path, CLONE_NEWNET, false) < 0)
			_exit(1);
	} else if (join_ns(opts->netns_path, CLONE_NEWNET, false) < 0) {
		_exit(1);
	}
	tapfd = open_tap(opts->tapname);
	if (tapfd < 0)
		_exit(1);
	if (opts->configure && ifconfig_apply(opts) < 0)
		_exit(1);
	if (send_fd(sock, tapfd) < 0)
		_exit(1);
	_exit(0);
}

int tap_create(const CliOptions *opts)
{
	int sv[2], tapfd, status;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		fprintf(stderr, "slirp-filter: socketpair: %s\n", g_strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "slirp-filter: fork: %s\n", g_strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		child_main(opts, sv[1]);
	}
	close(sv[1]);
	tapfd = recv_fd(sv[0]);
	close(sv[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "slirp-filter: waitpid: %s\n", g_strerror(errno));
			status = -1;
			break;
		}
	}
	if (status != 0 || tapfd < 0) {
		if (tapfd >= 0)
			close(tapfd);
		fprintf(stderr, "slirp-filter: could not create %s in the target namespace\n",
			opts->tapname);
		return -1;
	}
	if (fcntl(tapfd, F_SETFL, fcntl(tapfd, F_GETFL) | O_NONBLOCK) < 0) {
		fprintf(stderr, "slirp-filter: fcntl(O_NONBLOCK) on the tap: %s\n", g_strerror(errno));
		close(tapfd);
		return -1;
	}
	return tapfd;
}

bool tap_enable_offloads(int tapfd)
{
	/* TSO for IPv4 only: libslirp answers an IPv6 packet longer than its
	 * MTU with Packet Too Big (ip6_input), where IPv4 takes it whole */
	if (ioctl(tapfd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4) < 0) {
		g_warning("ioctl(TUNSETOFFLOAD): %s (continuing without offloads)", g_strerror(errno));
		return false;
	}
	return true;
}
