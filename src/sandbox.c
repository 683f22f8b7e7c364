/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sandbox (--enable-sandbox): what is left of the process once start-up is over.
 *
 * Theory of operation: sandbox_enter() runs once, single-threaded, after
 * everything that needs the outside world at start-up is open (the tap fd
 * from the tap child, the API socket, the signalfd, libslirp, the policy
 * and the audit log) and before the ready fd is written, so Podman never
 * sees a helper that is up but not yet confined. Each stage is one function
 * below; the order is:
 *
 *  1. sandbox_close_inherited():   close every descriptor that came through
 *                                  exec (no FD_CLOEXEC) unless the caller
 *                                  keeps it; what the daemon opened itself is
 *                                  close-on-exec and stays.
 *  2. sandbox_plan_keep():         resolve each kept path (symbolic links
 *                                  included) to the directories to bind.
 *  3. sandbox_unshare_mountns():   a new mount namespace; where that is not
 *                                  permitted (unprivileged, outside any user
 *                                  namespace), a new user namespace mapping
 *                                  only our own uid and gid first.
 *  4. sandbox_probe_bind_service(): decide, while /proc is still reachable,
 *                                  whether CAP_NET_BIND_SERVICE is kept.
 *  5. sandbox_private_root():      nothing mounted from here on propagates.
 *  6. sandbox_hold_kept():         an O_PATH descriptor on each directory to
 *                                  bind, opened in the new namespace (a bind
 *                                  source must belong to it) and before the
 *                                  tmpfs may hide its path.
 *  7. sandbox_mount_tmpfs():       an empty tmpfs, the future root, on a
 *                                  staging directory.
 *  8. sandbox_bind_kept():         bind each kept directory (recursively, so
 *                                  a resolv.conf mounted over the one in
 *                                  /etc stays the one we see) at its own path
 *                                  in the tmpfs; read-only unless writable;
 *                                  always nosuid, nodev, noexec.
 *  9. sandbox_pivot():             pivot_root into the tmpfs and detach the
 *                                  old root with everything mounted on it.
 * 10. sandbox_seal_root():         the tmpfs root becomes read-only.
 * 11. sandbox_limit_resources():   RLIMIT_NOFILE to the flow bound plus a
 *                                  spare, RLIMIT_DATA in proportion (libslirp's
 *                                  buffers per flow), RLIMIT_NPROC 0 (the
 *                                  daemon never forks or starts a thread).
 * 12. sandbox_no_new_privs():      PR_SET_NO_NEW_PRIVS.
 * 13. sandbox_drop_caps():         empty ambient and bounding sets, then
 *                                  capset() to nothing (or only
 *                                  CAP_NET_BIND_SERVICE, see stage 4).
 *
 * The seccomp filter (seccomp.c) comes after all of this: it forbids every
 * system call used here. docs/sandbox.md explains the choices.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <glib.h>

#include "sandbox.h"

/* Bind mounts at most (each kept path gives one or two, plus symlink targets). */
#define SANDBOX_MOUNTS_MAX 32
/* Symbolic links followed from one kept path. */
#define SANDBOX_SYMLINK_DEPTH 8
/* The tmpfs root only holds the directories the binds are mounted on. */
#define SANDBOX_TMPFS_OPTS "size=256k,nr_inodes=512,mode=0755"

typedef struct {
	char *target;  /* absolute path in the new root */
	char *real;    /* the directory bound there, symbolic links resolved */
	int src_fd;    /* O_PATH descriptor of @real (stage 6), -1 before */
	bool writable;
} SandboxMount;

typedef struct {
	SandboxMount mounts[SANDBOX_MOUNTS_MAX];
	unsigned n;
	const char *staging;    /* where the new root is prepared */
	bool own_userns;        /* stage 3 had to create a user namespace */
	bool keep_bind_service; /* stage 4's verdict */
	int cap_last;           /* /proc/sys/kernel/cap_last_cap, -1 unknown */
} SandboxPlan;

static bool fd_kept(const SandboxConfig *cfg, int fd)
{
	if (fd <= 2)
		return true;
	for (unsigned i = 0; i < cfg->n_keep_fds; i++)
		if (cfg->keep_fds[i] == fd)
			return true;
	return false;
}

/* Closes @fd if it came through exec (no FD_CLOEXEC) and is not kept. */
static bool close_if_inherited(const SandboxConfig *cfg, int fd)
{
	int flags = fcntl(fd, F_GETFD);

	if (flags < 0 || (flags & FD_CLOEXEC) || fd_kept(cfg, fd))
		return false;
	close(fd);
	g_debug("sandbox: closed inherited fd %d", fd);
	return true;
}

/**
 * sandbox_close_inherited: stage 1, see the theory of operation.
 * Podman (and whatever started it) may leak descriptors past 4.
 */
static int sandbox_close_inherited(const SandboxConfig *cfg)
{
	g_autoptr(GArray) fds = g_array_new(FALSE, FALSE, sizeof(int));
	unsigned closed = 0;
	DIR *dir = opendir("/proc/self/fd");

	if (dir != NULL) {
		struct dirent *de;

		while ((de = readdir(dir)) != NULL) {
			int fd;

			if (de->d_name[0] < '0' || de->d_name[0] > '9')
				continue;
			fd = atoi(de->d_name);
			if (fd != dirfd(dir))
				g_array_append_val(fds, fd);
		}
		closedir(dir);
	} else {
		/* no /proc: probe every number up to the soft limit (bounded) */
		struct rlimit rl;
		int max = 65536;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max)
			max = (int)rl.rlim_cur;
		for (int fd = 3; fd < max; fd++)
			g_array_append_val(fds, fd);
	}
	for (guint i = 0; i < fds->len; i++)
		closed += close_if_inherited(cfg, g_array_index(fds, int, i));
	if (closed > 0)
		g_info("sandbox: closed %u inherited file descriptor(s)", closed);
	return 0;
}

/* Records a bind of the real directory @real at @target (deduplicated). */
static int plan_add_mount(SandboxPlan *p, const char *target, const char *real, bool writable)
{
	for (unsigned i = 0; i < p->n; i++) {
		if (strcmp(p->mounts[i].target, target) == 0) {
			p->mounts[i].writable |= writable;
			return 0;
		}
	}
	if (p->n == SANDBOX_MOUNTS_MAX)
		return -E2BIG;
	p->mounts[p->n++] = (SandboxMount){ .target = g_strdup(target), .real = g_strdup(real),
					    .src_fd = -1, .writable = writable };
	return 0;
}

/* Keeps the directory of @path, following a symbolic link at @path itself. */
static int plan_keep_path(SandboxPlan *p, const char *path, bool writable, unsigned depth)
{
	g_autofree char *abs = g_canonicalize_filename(path, "/");
	g_autofree char *dir = g_path_get_dirname(abs);
	g_autofree char *base = g_path_get_basename(abs);
	g_autofree char *real = realpath(dir, NULL);
	g_autofree char *file = NULL;
	char link[PATH_MAX];
	ssize_t n;
	int err;

	if (depth > SANDBOX_SYMLINK_DEPTH)
		return -ELOOP;
	if (real == NULL) {
		g_info("sandbox: %s is not kept: %s: %s", path, dir, g_strerror(errno));
		return 0;
	}
	err = plan_add_mount(p, real, real, writable);
	if (err == 0 && strcmp(real, dir) != 0)
		err = plan_add_mount(p, dir, real, writable);
	if (err < 0)
		return err;
	file = g_build_filename(real, base, NULL);
	n = readlink(file, link, sizeof(link) - 1);
	if (n < 0)
		return 0; /* not a symbolic link (or not there yet) */
	link[n] = '\0';
	if (link[0] == '/')
		return plan_keep_path(p, link, writable, depth + 1);
	{
		g_autofree char *target = g_build_filename(real, link, NULL);

		return plan_keep_path(p, target, writable, depth + 1);
	}
}

/** sandbox_plan_keep: stage 2, see the theory of operation. */
static int sandbox_plan_keep(SandboxPlan *p, const SandboxConfig *cfg)
{
	g_autofree char *last = NULL;

	for (unsigned i = 0; i < cfg->n_keep; i++) {
		int err;

		if (cfg->keep[i].path == NULL || cfg->keep[i].path[0] == '\0')
			continue;
		err = plan_keep_path(p, cfg->keep[i].path, cfg->keep[i].dir_writable, 0);
		if (err < 0) {
			g_critical("sandbox: cannot keep %s: %s", cfg->keep[i].path, g_strerror(-err));
			return err;
		}
	}
	if (g_file_get_contents("/proc/sys/kernel/cap_last_cap", &last, NULL, NULL))
		p->cap_last = atoi(last);
	return 0;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(text);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n < 0 || (size_t)n != len) {
		int err = n < 0 ? -errno : -EIO;

		close(fd);
		return err;
	}
	close(fd);
	return 0;
}

/** sandbox_unshare_mountns: stage 3, see the theory of operation. */
static int sandbox_unshare_mountns(SandboxPlan *p)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int err;

	if (unshare(CLONE_NEWNS) == 0)
		return 0;
	if (errno != EPERM)
		return -errno;
	/* not privileged where we are: a user namespace of our own gives the
	 * capabilities for the mount namespace, and nothing outside it */
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return -errno;
	p->own_userns = true;
	err = write_file("/proc/self/setgroups", "deny");
	if (err < 0 && err != -ENOENT)
		return err;
	g_snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	err = write_file("/proc/self/uid_map", map);
	if (err < 0)
		return err;
	g_snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	return write_file("/proc/self/gid_map", map);
}

/* Whether @a and @b name the same namespace (or file). */
static bool same_inode(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/*
 * Whether CAP_NET_BIND_SERVICE would let a later port forward bind below
 * ip_unprivileged_port_start: only when we hold it in the user namespace
 * that owns our network namespace (rootful Podman). Rootless, it is held
 * in Podman's user namespace but checked against the host's: useless.
 */
static bool bind_service_effective(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };
	g_autofree char *start = NULL;
	int netns, owner, userns;
	bool same;

	if (syscall(SYS_capget, &hdr, data) < 0 ||
	    !(data[0].effective & (1u << CAP_NET_BIND_SERVICE)))
		return false;
	if (g_file_get_contents("/proc/sys/net/ipv4/ip_unprivileged_port_start", &start, NULL,
				NULL) && atoi(start) == 0)
		return false; /* every port is unprivileged here */
	netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (netns < 0)
		return false;
	owner = ioctl(netns, NS_GET_USERNS);
	close(netns);
	if (owner < 0)
		return false; /* owned by an ancestor of our user namespace */
	userns = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	same = userns >= 0 && same_inode(owner, userns);
	close(owner);
	if (userns >= 0)
		close(userns);
	return same;
}

/** sandbox_probe_bind_service: stage 4, see the theory of operation. */
static int sandbox_probe_bind_service(SandboxPlan *p, const SandboxConfig *cfg)
{
	p->keep_bind_service = cfg->port_forwards && !p->own_userns && bind_service_effective();
	return 0;
}

/** sandbox_private_root: stage 5, see the theory of operation. */
static int sandbox_private_root(void)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	return 0;
}

/** sandbox_hold_kept: stage 6, see the theory of operation. */
static int sandbox_hold_kept(SandboxPlan *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		SandboxMount *m = &p->mounts[i];

		m->src_fd = open(m->real, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (m->src_fd < 0) {
			int err = -errno;

			g_critical("sandbox: open %s: %s", m->real, g_strerror(-err));
			return err;
		}
	}
	return 0;
}

/** sandbox_mount_tmpfs: stage 7, see the theory of operation. */
static int sandbox_mount_tmpfs(SandboxPlan *p)
{
	/* any existing directory will do: the kept ones are held by fd */
	static const char *const staging[] = { "/tmp", "/run", "/mnt", "/dev" };
	struct stat st;

	for (unsigned i = 0; i < G_N_ELEMENTS(staging); i++) {
		if (stat(staging[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			p->staging = staging[i];
			break;
		}
	}
	if (p->staging == NULL)
		return -ENOENT;
	if (mount("tmpfs", p->staging, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  SANDBOX_TMPFS_OPTS) < 0)
		return -errno;
	return 0;
}

/* Makes the mount at @path (and below it) nosuid, nodev, noexec, and read-only unless @writable. */
static int restrict_mount(const char *path, bool writable)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
			    (writable ? 0 : MOUNT_ATTR_RDONLY),
	};
	unsigned long flags = MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | MS_NOEXEC |
			      (writable ? 0 : MS_RDONLY);

	if (syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof(attr)) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	/* before Linux 5.12: the top mount only */
	if (mount(NULL, path, NULL, flags, NULL) < 0)
		return -errno;
	return 0;
}

static gint mount_cmp(gconstpointer a, gconstpointer b)
{
	const SandboxMount *ma = a, *mb = b;
	size_t la = strlen(ma->target), lb = strlen(mb->target);

	return la < lb ? -1 : la > lb ? 1 : strcmp(ma->target, mb->target);
}

/** sandbox_bind_kept: stage 8, see the theory of operation. */
static int sandbox_bind_kept(SandboxPlan *p)
{
	/* parents before children: a child's mount point may lie in a parent bind */
	qsort(p->mounts, p->n, sizeof(p->mounts[0]), (int (*)(const void *, const void *))mount_cmp);
	for (unsigned i = 0; i < p->n; i++) {
		const SandboxMount *m = &p->mounts[i];
		g_autofree char *at = g_build_filename(p->staging, m->target, NULL);
		int err;

		if (g_mkdir_with_parents(at, 0755) < 0) {
			err = -errno;
			g_critical("sandbox: mkdir %s in the new root: %s", m->target, g_strerror(-err));
			return err;
		}
		/* the source by descriptor: the staging tmpfs may hide its path */
		if (fchdir(m->src_fd) < 0 || mount(".", at, NULL, MS_BIND | MS_REC, NULL) < 0) {
			err = -errno;
			g_critical("sandbox: bind %s: %s", m->target, g_strerror(-err));
			return err;
		}
		err = restrict_mount(at, m->writable);
		if (err < 0) {
			g_critical("sandbox: restrict %s: %s", m->target, g_strerror(-err));
			return err;
		}
		g_debug("sandbox: kept %s (%s)", m->target, m->writable ? "writable" : "read-only");
	}
	return 0;
}

/** sandbox_pivot: stage 9, see the theory of operation. */
static int sandbox_pivot(const SandboxPlan *p)
{
	if (chdir(p->staging) < 0)
		return -errno;
	/* the old root ends up stacked on the new one, at "." */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return -errno;
	if (umount2(".", MNT_DETACH) < 0)
		return -errno;
	if (chdir("/") < 0)
		return -errno;
	return 0;
}

/** sandbox_seal_root: stage 10, see the theory of operation. */
static int sandbox_seal_root(void)
{
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV |
		  MS_NOEXEC, NULL) < 0)
		return -errno;
	return 0;
}

/* Lowers limit @res to @want (never raises the hard limit); soft = hard. Returns it, or 0. */
static rlim_t limit_lower(int res, rlim_t want)
{
	struct rlimit rl;

	if (getrlimit(res, &rl) < 0)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
		want = rl.rlim_max;
	rl.rlim_cur = rl.rlim_max = want;
	if (setrlimit(res, &rl) < 0)
		return 0;
	return want;
}

/** sandbox_limit_resources: stage 11, see the theory of operation. */
static int sandbox_limit_resources(const SandboxConfig *cfg)
{
	rlim_t files = limit_lower(RLIMIT_NOFILE, cfg->max_files ? cfg->max_files
								 : SANDBOX_FILES_DEFAULT);
	rlim_t data = cfg->max_data;

	if (files == 0)
		return -errno;
	if (data == 0)
		data = SANDBOX_DATA_BASE + files * SANDBOX_DATA_PER_FILE;
	if (data != RLIM_INFINITY) {
#if defined(__SANITIZE_ADDRESS__)
		/* ASan's shadow memory is private writable data */
		g_debug("sandbox: AddressSanitizer build: RLIMIT_DATA left alone");
#else
		if (limit_lower(RLIMIT_DATA, data) == 0)
			return -errno;
#endif
	}
	/* 0 processes is the one value limit_lower() cannot report */
	{
		struct rlimit none = { 0, 0 };

		if (setrlimit(RLIMIT_NPROC, &none) < 0)
			return -errno;
	}
	g_debug("sandbox: at most %llu descriptors, %llu MiB of data, no processes",
		(unsigned long long)files, (unsigned long long)(data >> 20));
	return 0;
}

/** sandbox_no_new_privs: stage 12, see the theory of operation. */
static int sandbox_no_new_privs(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

/** sandbox_drop_caps: stage 13, see the theory of operation. */
static int sandbox_drop_caps(const SandboxPlan *p)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = { 0 };

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	for (int cap = 0; p->cap_last < 0 || cap <= p->cap_last; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break; /* past the last one this kernel knows */
			return -errno;
		}
	}
	if (p->keep_bind_service)
		data[0].effective = data[0].permitted = 1u << CAP_NET_BIND_SERVICE;
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}

static void plan_clear(SandboxPlan *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		if (p->mounts[i].src_fd >= 0)
			close(p->mounts[i].src_fd);
		g_free(p->mounts[i].target);
		g_free(p->mounts[i].real);
	}
	p->n = 0;
}

int sandbox_enter(const SandboxConfig *cfg)
{
	SandboxPlan plan = { .cap_last = -1 };
	const char *stage;
	int err;

#define STAGE(name, call)             \
	do {                          \
		stage = name;         \
		err = (call);         \
		if (err < 0)          \
			goto fail;    \
	} while (0)

	STAGE("close inherited fds", sandbox_close_inherited(cfg));
	STAGE("resolve kept paths", sandbox_plan_keep(&plan, cfg));
	STAGE("unshare the mount namespace", sandbox_unshare_mountns(&plan));
	STAGE("probe CAP_NET_BIND_SERVICE", sandbox_probe_bind_service(&plan, cfg));
	STAGE("make / private", sandbox_private_root());
	STAGE("hold kept directories", sandbox_hold_kept(&plan));
	STAGE("mount the tmpfs root", sandbox_mount_tmpfs(&plan));
	STAGE("bind kept directories", sandbox_bind_kept(&plan));
	STAGE("pivot_root", sandbox_pivot(&plan));
	STAGE("seal the root", sandbox_seal_root());
	STAGE("resource limits", sandbox_limit_resources(cfg));
	STAGE("no new privileges", sandbox_no_new_privs());
	STAGE("drop capabilities", sandbox_drop_caps(&plan));
#undef STAGE

	g_info("sandbox: in place (%u kept director%s, %s%s)", plan.n, plan.n == 1 ? "y" : "ies",
	       plan.keep_bind_service ? "only CAP_NET_BIND_SERVICE" : "no capabilities",
	       plan.own_userns ? ", own user namespace" : "");
	plan_clear(&plan);
	return 0;
fail:
	g_critical("sandbox: %s: %s", stage, g_strerror(-err));
	plan_clear(&plan);
	return err;
}
