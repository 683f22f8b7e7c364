/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared pieces of the libFuzzer targets: the entry points, property checks, a fixed network. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* libFuzzer's entry points (fuzz-main.c provides a replay main() without libFuzzer). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);
/* Frees what LLVMFuzzerInitialize() set up; fuzz-main.c calls it last, so valgrind
 * and LeakSanitizer see nothing left at exit (libFuzzer never calls it). */
void fuzz_target_cleanup(void);

/*
 * FUZZ_CHECK: a property the target asserts beyond "no crash". A violation
 * aborts, which libFuzzer reports as a crash and saves the input.
 */
#define FUZZ_CHECK(cond, ...)                                                                      \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz property violated (%s:%d): ", __FILE__, __LINE__);   \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* The network of every target: the slirp4netns defaults, IPv6 on. */
#define FUZZ_CIDR "10.0.2.0/24"

/* An arbitrary fixed clock (ms); inputs move it forward from here. */
#define FUZZ_NOW_MS ((int64_t)1000000000)

/*
 * The policy of fuzz-frame and fuzz-dns-query: allow and deny rules by
 * address, port lists, a protected range opened only by a rule inside it,
 * host loopback, exact, suffix and denied names.
 */
#define FUZZ_POLICY                                                                                \
	"allow tcp to 203.0.113.0/24 port 80,443\n"                                                \
	"allow udp to 203.0.113.10 port 7,53\n"                                                    \
	"allow icmp to 203.0.113.10\n"                                                             \
	"allow any to 198.51.100.0/25\n"                                                           \
	"deny any to 198.51.100.66\n"                                                              \
	"deny tcp to 198.51.100.0/24 port 25\n"                                                    \
	"allow tcp to 2001:db8::/48 port 80,8000-8080\n"                                           \
	"deny udp to 2001:db8::bad\n"                                                              \
	"allow tcp to 0.0.0.0/0 port 9999\n"                                                       \
	"allow tcp to 169.254.169.254 port 80\n"                                                   \
	"allow tcp to host port 5432\n"                                                            \
	"deny tcp to host port 22\n"                                                               \
	"allow tcp to web.example port 80,443\n"                                                   \
	"allow udp to *.cdn.example port 443\n"                                                    \
	"allow any to api.example\n"                                                               \
	"deny any to bad.cdn.example\n"                                                            \
	"allow tcp to 10.9.0.0/16 port 80\n"                                                       \
	"dns ttl-min 10 ttl-max 600\n"                                                             \
	"dns grace 30\n"
