/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --enable-seccomp: a system call allow-list, everything else kills the process (named apart from libseccomp's <seccomp.h>). */
#pragma once

/**
 * seccomp_install:
 * Loads the allow-list filter (default action: kill the process) for the
 * running daemon. Call it after sandbox_enter() (the sandbox needs calls the
 * filter forbids) and before the ready fd is written. Sets
 * PR_SET_NO_NEW_PRIVS if the sandbox has not. Returns 0 or -errno after
 * logging why.
 */
int seccomp_install(void);

/**
 * seccomp_test_hook:
 * Test builds only (meson -Dtest_hooks=true): with
 * SLIRP_FILTER_TEST_HOOK=forbidden-syscall in the environment, attempts a
 * system call the filter forbids, so a test can see the process die of
 * SIGSYS. Does nothing otherwise, and is not compiled into other builds.
 */
void seccomp_test_hook(void);
