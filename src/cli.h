/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command line: slirp4netns 1.2 options plus slirp-filter's own long options. */
#pragma once

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "slirp-filter/netconfig.h"

typedef enum {
	NETNS_TYPE_PID,
	NETNS_TYPE_PATH,
} NetnsType;

typedef struct {
	/* positional */
	pid_t target_pid;      /* NETNS_TYPE_PID */
	char *netns_path;      /* NETNS_TYPE_PATH */
	char tapname[IFNAMSIZ];
	/* slirp4netns 1.2 */
	bool configure;        /* -c */
	int exit_fd;           /* -e, -1 if none */
	int ready_fd;          /* -r, -1 if none */
	unsigned mtu;          /* -m */
	bool enable_ipv6;      /* -6 */
	char *api_socket;      /* -a */
	SfNetLayout layout;    /* --cidr */
	bool disable_host_loopback;
	NetnsType netns_type;
	char *userns_path;
	bool enable_sandbox;
	bool enable_seccomp;
	bool has_outbound_addr;
	struct sockaddr_in outbound_addr;
	bool has_outbound_addr6;
	struct sockaddr_in6 outbound_addr6;
	bool disable_dns;
	bool has_macaddress;
	uint8_t macaddress[6];
	/* slirp-filter's own */
	int log_level;         /* 0 quiet .. 3 debug */
	char *policy_path;     /* --policy, NULL if not given */
	bool disable_offload;  /* --disable-offload: no TSO/checksum offload on the tap */
	char *audit_log;       /* --audit-log, NULL if not given */
} CliOptions;

typedef enum {
	CLI_RUN,        /* options parsed: run the daemon */
	CLI_EXIT_OK,    /* --help / --version printed */
	CLI_EXIT_ERROR, /* an error line was printed on stderr */
} CliResult;

/**
 * cli_parse:
 * Parses argv into @opts, printing --help/--version on stdout and exactly one
 * error line on stderr for bad input (the offending option named in it).
 */
CliResult cli_parse(int argc, char **argv, CliOptions *opts);

/** cli_options_clear: frees what cli_parse allocated; safe to call twice. */
void cli_options_clear(CliOptions *opts);
