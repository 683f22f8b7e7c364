/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The seccomp allow-list (--enable-seccomp).
 *
 * Theory of operation: slirp4netns puts a short deny-list on a default
 * that allows; here the default kills the process (SCMP_ACT_KILL_PROCESS,
 * also for any other architecture's calling convention) and only the calls
 * the running daemon makes are allowed: the poll loop, tap I/O, libslirp's
 * host sockets, the API socket, the resolver's upstream sockets, the audit
 * log, policy and resolv.conf reloads, the clock, memory, and what GLib and
 * the C library do underneath. Each group below names the code that needs
 * it. Where a check on an argument is cheap it is made: sockets only for
 * IPv4 and IPv6 streams and datagrams, files opened only read-only or
 * append-only, memory never mapped executable, ioctl only for the few
 * requests in use, signals only to ourselves.
 *
 * The list was found with strace on the integration suite (docs/sandbox.md
 * says how to regenerate it). Every entry names its caller: a comment
 * line starting "#syscalls:" in the function that makes the call (or
 * calls the library that does), passt style; scripts/seccomp-check (a cli
 * test) fails when a table entry has no such line or a line names a call
 * the table lacks. Deliberately absent, so a compromised helper
 * cannot use them: execve/execveat, fork, vfork, clone, clone3 (the daemon
 * is single-threaded), ptrace, process_vm_readv/writev, mount, umount2,
 * pivot_root, chroot, setns, unshare, bpf, io_uring_*, kexec_*,
 * init_module, finit_module, delete_module, keyctl, add_key,
 * request_key, perf_event_open, userfaultfd, open_by_handle_at, personality,
 * the setuid family and capset.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <glib.h>
#include <seccomp.h>

#include "seccomp-filter.h"

/* One allow rule: a system call by name, with up to three argument checks (all must hold). */
typedef struct {
	const char *name;
	unsigned n_args;
	struct scmp_arg_cmp args[3];
} SeccompRule;

#define ARG_EQ(n, v) { .arg = (n), .op = SCMP_CMP_EQ, .datum_a = (scmp_datum_t)(v) }
#define ARG_MASKED(n, mask, v) \
	{ .arg = (n), .op = SCMP_CMP_MASKED_EQ, .datum_a = (mask), .datum_b = (scmp_datum_t)(v) }
#define ANY(name) { name, 0, { { 0 } } }

/* socket(domain, type, protocol): IPv4/IPv6, stream or datagram (ICMP echo is a datagram socket). */
#define SOCK_TYPE_MASK 0xf
#define SOCKET_RULE(domain, type) \
	{ "socket", 2, { ARG_EQ(0, domain), ARG_MASKED(1, SOCK_TYPE_MASK, type) } }

/* openat(dirfd, path, flags, mode): read-only, or append-only (may create; never truncate). */
#define OPEN_MODE_MASK (O_ACCMODE | O_APPEND | O_TRUNC | O_CREAT)

static const SeccompRule allow_list[] = {
	/* the poll loop (loop.c): poll() is ppoll() on some architectures */
	ANY("poll"), ANY("ppoll"),
	/* tap I/O (loop.c tap_drain, slirp-glue.c cb_send_packet) and the
	 * signalfd (loop.c signal_dispatch); also stderr (log.c) */
	ANY("read"), ANY("write"), ANY("readv"), ANY("writev"),

	/* libslirp's host sockets (one per flow), the API socket (api.c) and
	 * the resolver's upstream DNS sockets: UDP and TCP, v4 and v6 */
	SOCKET_RULE(AF_INET, SOCK_STREAM), SOCKET_RULE(AF_INET, SOCK_DGRAM),
	SOCKET_RULE(AF_INET6, SOCK_STREAM), SOCKET_RULE(AF_INET6, SOCK_DGRAM),
	ANY("connect"), ANY("bind"), ANY("listen"), ANY("accept"), ANY("accept4"),
	ANY("getsockname"), ANY("getpeername"), ANY("setsockopt"), ANY("getsockopt"),
	ANY("sendto"), ANY("recvfrom"), ANY("sendmsg"), ANY("recvmsg"),
	ANY("sendmmsg"), ANY("recvmmsg"), ANY("shutdown"), ANY("close"),
	/* libslirp: non-blocking mode; GLib: close-on-exec checks */
	ANY("fcntl"),
	/* libslirp sorecvfrom(): bytes queued on a UDP/ICMP socket; GLib's
	 * log writer asks isatty(stderr) */
	{ "ioctl", 1, { ARG_EQ(1, FIONREAD) } },
	{ "ioctl", 1, { ARG_EQ(1, FIONBIO) } },
	{ "ioctl", 1, { ARG_EQ(1, TCGETS) } },

	/* API socket: unlink at exit (api_server_free) */
	ANY("unlink"), ANY("unlinkat"),

	/* policy reload (SIGHUP, API), resolv.conf (libslirp and the resolver
	 * re-read it when it changes), audit log reopen: files by path */
	{ "openat", 1, { ARG_MASKED(2, OPEN_MODE_MASK, O_RDONLY) } },
	{ "openat", 1, { ARG_MASKED(2, O_ACCMODE | O_APPEND | O_TRUNC, O_WRONLY | O_APPEND) } },
	ANY("fstat"), ANY("newfstatat"), ANY("statx"), ANY("lseek"), ANY("pread64"),
	ANY("fsync"), ANY("fdatasync"),
	/* audit_log_reopen(): the new file takes over the old descriptor number */
	ANY("dup3"),

	/* timers and the clock (slirp-glue.c), usually from the vDSO */
	ANY("clock_gettime"), ANY("gettimeofday"), ANY("clock_nanosleep"), ANY("nanosleep"),

	/* memory: malloc (brk, mmap), GLib slices, realloc (mremap); never executable */
	ANY("brk"), ANY("munmap"), ANY("mremap"), ANY("madvise"),
	{ "mmap", 1, { ARG_MASKED(2, PROT_EXEC, 0) } },
	{ "mprotect", 1, { ARG_MASKED(2, PROT_EXEC, 0) } },

	/* GLib and the C library underneath: locks, ids, randomness (hash
	 * seeds, libslirp's ids), qsort's memory probe */
	ANY("futex"), ANY("getpid"), ANY("gettid"), ANY("getrandom"), ANY("sysinfo"),
	ANY("getuid"), ANY("geteuid"), ANY("getgid"), ANY("getegid"),

	/* signals: masks, returns, abort() on ourselves */
	ANY("rt_sigprocmask"), ANY("rt_sigreturn"), ANY("rt_sigaction"), ANY("sigaltstack"),
	ANY("restart_syscall"),
	/* exit */
	ANY("exit"), ANY("exit_group"),
#if SF_SANITIZERS
	/* sanitizer builds only (-Db_sanitize; docs/sandbox.md, "Sanitizers"): the
	 * ASan and UBSan runtimes read /proc/self/exe and open the binary (read-only)
	 * to print a report; without these the report would die of SIGSYS unprinted */
	ANY("readlink"),
	{ "open", 1, { ARG_MASKED(1, OPEN_MODE_MASK, O_RDONLY) } },
#endif
};

/* Adds the rules of @allow_list; calls this architecture lacks are skipped. */
static int add_rules(scmp_filter_ctx ctx)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(allow_list); i++) {
		const SeccompRule *r = &allow_list[i];
		int nr = seccomp_syscall_resolve_name(r->name);
		int err;

		if (nr == __NR_SCMP_ERROR) {
			g_debug("seccomp: %s is unknown here, skipped", r->name);
			continue;
		}
		err = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, r->n_args,
					     r->n_args ? r->args : NULL);
		if (err == -EDOM || err == -EOPNOTSUPP) {
			g_debug("seccomp: %s cannot be filtered here, skipped", r->name);
			continue;
		}
		if (err < 0) {
			g_critical("seccomp: rule for %s: %s", r->name, g_strerror(-err));
			return err;
		}
	}
	return 0;
}

/* #syscalls: tgkill kill: abort() and raise() on ourselves (add_self_signal_rules); readlink open: the sanitizer runtimes' reports (SF_SANITIZERS builds only) */
/* Signals only to this process (abort(), raise()). */
static int add_self_signal_rules(scmp_filter_ctx ctx)
{
	pid_t pid = getpid();
	int err;

	err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1, SCMP_A0(SCMP_CMP_EQ, pid));
	if (err == 0)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1,
				       SCMP_A0(SCMP_CMP_EQ, pid));
	if (err < 0)
		g_critical("seccomp: rule for tgkill/kill: %s", g_strerror(-err));
	return err;
}

int seccomp_install(void)
{
	scmp_filter_ctx ctx;
	int err;

	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL) {
		g_critical("seccomp: seccomp_init failed");
		return -ENOMEM;
	}
	/* a call through another ABI (e.g. int 0x80 on x86-64) dies too */
	err = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (err == 0)
		err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
	if (err == 0)
		err = add_rules(ctx);
	if (err == 0)
		err = add_self_signal_rules(ctx);
	if (err == 0) {
		err = seccomp_load(ctx);
		if (err < 0)
			g_critical("seccomp: loading the filter: %s", g_strerror(-err));
	}
	seccomp_release(ctx);
	if (err == 0)
		g_info("seccomp: allow-list in place (%u rules, default: kill the process)",
		       (unsigned)G_N_ELEMENTS(allow_list) + 2);
	return err;
}

void seccomp_test_hook(void)
{
#if SF_TEST_HOOKS
	const char *hook = g_getenv("SLIRP_FILTER_TEST_HOOK");
	long rc;

	if (hook == NULL || strcmp(hook, "forbidden-syscall") != 0)
		return;
	/* unshare(0) changes nothing: without the filter it simply returns 0 */
	g_info("test hook: calling unshare(0), which the seccomp filter forbids");
	rc = syscall(SYS_unshare, 0);
	g_info("test hook: unshare(0) returned %ld: no seccomp filter is in place", rc);
#endif
}
