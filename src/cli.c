/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Command-line parsing, compatible with every option of slirp4netns 1.2. */
#include "config.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <slirp/libslirp.h>
#include <seccomp.h>

#include "cli.h"
#include "slirp-filter/policy.h"

/* Long options of our own all start with a prefix slirp4netns never used. */
enum {
	OPT_CIDR = 0x100,
	OPT_DISABLE_HOST_LOOPBACK,
	OPT_NETNS_TYPE,
	OPT_USERNS_PATH,
	OPT_ENABLE_SANDBOX,
	OPT_ENABLE_SECCOMP,
	OPT_DISABLE_OFFLOAD,
	OPT_OUTBOUND_ADDR,
	OPT_OUTBOUND_ADDR6,
	OPT_DISABLE_DNS,
	OPT_MACADDRESS,
	OPT_TARGET_TYPE,
	OPT_LOG_LEVEL,
	OPT_POLICY,
	OPT_AUDIT_LOG,
	OPT_CHECK_POLICY,
	OPT_DEPRECATED_NO_HOST_LOOPBACK,
	OPT_DEPRECATED_CREATE_SANDBOX,
};

static const struct option longopts[] = {
	{ "configure", no_argument, NULL, 'c' },
	{ "exit-fd", required_argument, NULL, 'e' },
	{ "ready-fd", required_argument, NULL, 'r' },
	{ "mtu", required_argument, NULL, 'm' },
	{ "enable-ipv6", no_argument, NULL, '6' },
	{ "api-socket", required_argument, NULL, 'a' },
	{ "cidr", required_argument, NULL, OPT_CIDR },
	{ "disable-host-loopback", no_argument, NULL, OPT_DISABLE_HOST_LOOPBACK },
	{ "netns-type", required_argument, NULL, OPT_NETNS_TYPE },
	{ "userns-path", required_argument, NULL, OPT_USERNS_PATH },
	{ "enable-sandbox", no_argument, NULL, OPT_ENABLE_SANDBOX },
	{ "enable-seccomp", no_argument, NULL, OPT_ENABLE_SECCOMP },
	{ "outbound-addr", required_argument, NULL, OPT_OUTBOUND_ADDR },
	{ "outbound-addr6", required_argument, NULL, OPT_OUTBOUND_ADDR6 },
	{ "disable-dns", no_argument, NULL, OPT_DISABLE_DNS },
	{ "macaddress", required_argument, NULL, OPT_MACADDRESS },
	{ "target-type", required_argument, NULL, OPT_TARGET_TYPE },
	{ "filter-log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "audit-log", required_argument, NULL, OPT_AUDIT_LOG },
	{ "check-policy", required_argument, NULL, OPT_CHECK_POLICY },
	{ "disable-offload", no_argument, NULL, OPT_DISABLE_OFFLOAD },
	/* slirp4netns 1.2 still accepts these two old spellings (with a warning) */
	{ "no-host-loopback", no_argument, NULL, OPT_DEPRECATED_NO_HOST_LOOPBACK },
	{ "create-sandbox", no_argument, NULL, OPT_DEPRECATED_CREATE_SANDBOX },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'v' },
	{ 0, 0, 0, 0 },
};

static void print_usage(const char *argv0)
{
	printf("Usage: %s [OPTION]... PID|PATH [TAPNAME]\n", argv0);
	printf("       %s suggest-policy [--wildcards] AUDIT.jsonl...\n", argv0);
	printf("       %s status [--json] API_SOCKET\n", argv0);
	printf("       %s audit [--follow] [FILE]\n", argv0);
	printf("User-mode networking for unprivileged network namespaces, with an egress filter.\n"
	       "A drop-in replacement for slirp4netns: it accepts every slirp4netns 1.2 option.\n\n");
	printf("-c, --configure          bring up the interface\n"
	       "-e, --exit-fd=FD         specify the FD for terminating slirp-filter\n"
	       "-r, --ready-fd=FD        specify the FD to write to when the network is configured\n"
	       "-m, --mtu=MTU            specify MTU (default=%d, max=%d)\n"
	       "-6, --enable-ipv6        enable IPv6\n"
	       "-a, --api-socket=PATH    specify API socket path\n"
	       "--cidr=CIDR              specify network address CIDR (default=%s)\n"
	       "--disable-host-loopback  prohibit connecting to 127.0.0.1:* on the host namespace\n"
	       "--netns-type=TYPE        specify network namespace type ([path|pid], default=pid)\n"
	       "--userns-path=PATH       specify user namespace path\n"
	       "--enable-sandbox         create a new mount namespace (and drop all caps except CAP_NET_BIND_SERVICE if running as the root)\n"
	       "--enable-seccomp         enable seccomp to limit syscalls\n"
	       "--outbound-addr=IPv4     sets outbound ipv4 address (or interface name) to bound to\n"
	       "--outbound-addr6=IPv6    sets outbound ipv6 address (or interface name) to bound to\n"
	       "--disable-dns            disables 10.0.2.3 (or configured internal ip) to host dns redirect\n"
	       "--macaddress=MAC         specify the MAC address of the TAP (only valid with -c)\n"
	       "--target-type=TYPE       specify the target type ([netns], default=netns; bess is not supported)\n"
	       "-h, --help               show this help and exit\n"
	       "-v, --version            show version and exit\n\n"
	       "slirp-filter options:\n"
	       "--filter-log-level=N     0 errors only, 1 warnings, 2 info (default), 3 debug\n"
	       "--policy=FILE            the egress policy (default: $SLIRP_FILTER_POLICY, then\n"
	       "                         ~/.config/slirp-filter/policy, /etc/slirp-filter/policy,\n"
	       "                         else deny all egress)\n"
	       "--audit-log=FILE         append audit records (JSON lines) to FILE (default:\n"
	       "                         $SLIRP_FILTER_AUDIT_LOG, else stderr)\n"
	       "--check-policy=FILE      check a policy file, print every error as FILE:LINE:COL,\n"
	       "                         and exit (0: valid, 1: errors)\n"
	       "--disable-offload        exchange frames one MSS at a time, without the tap's\n"
	       "                         checksum and TCP segmentation offloads\n\n"
	       "Subcommands (the first argument; see each one's --help and slirp-filter(1)):\n"
	       "suggest-policy           print a policy that allows what `mode audit` runs logged\n"
	       "status                   show a running helper's policy, counters, learned\n"
	       "                         addresses and flows (through its API socket)\n"
	       "audit                    show the audit log one readable line per decision\n"
	       "                         (--follow: as it grows)\n",
	       SF_DEFAULT_MTU, SF_MTU_MAX, SF_DEFAULT_CIDR);
}

static void print_version(void)
{
	printf("slirp-filter version %s\n", SF_VERSION);
	printf("libslirp: %s\n", slirp_version_string());
	printf("SLIRP_CONFIG_VERSION_MAX: %d\n", SLIRP_CONFIG_VERSION_MAX);
	printf("libseccomp: %u.%u.%u\n", seccomp_version()->major, seccomp_version()->minor,
	       seccomp_version()->micro);
}

static void error_line(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void error_line(const char *fmt, ...)
{
	va_list ap;

	fputs("slirp-filter: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void warning_line(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void warning_line(const char *fmt, ...)
{
	va_list ap;

	fputs("slirp-filter: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* An address, or the name of an interface whose first address of @family is used. */
static bool parse_outbound(const char *text, int family, void *sa_out)
{
	struct ifaddrs *ifa_list = NULL, *ifa;
	bool found = false;

	if (family == AF_INET) {
		struct sockaddr_in *sin = sa_out;

		memset(sin, 0, sizeof(*sin));
		sin->sin_family = AF_INET;
		if (inet_pton(AF_INET, text, &sin->sin_addr) == 1)
			return true;
	} else {
		struct sockaddr_in6 *sin6 = sa_out;

		memset(sin6, 0, sizeof(*sin6));
		sin6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1)
			return true;
	}
	if (strlen(text) >= IFNAMSIZ || getifaddrs(&ifa_list) < 0)
		return false;
	for (ifa = ifa_list; ifa != NULL && !found; ifa = ifa->ifa_next) {
		if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family != family ||
		    strcmp(ifa->ifa_name, text) != 0)
			continue;
		if (family == AF_INET) {
			memcpy(sa_out, ifa->ifa_addr, sizeof(struct sockaddr_in));
		} else {
			const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(void *)ifa->ifa_addr;

			if (IN6_IS_ADDR_LINKLOCAL(&s6->sin6_addr))
				continue;
			memcpy(sa_out, s6, sizeof(struct sockaddr_in6));
		}
		found = true;
	}
	freeifaddrs(ifa_list);
	return found;
}

void cli_options_clear(CliOptions *opts)
{
	g_clear_pointer(&opts->netns_path, g_free);
	g_clear_pointer(&opts->api_socket, g_free);
	g_clear_pointer(&opts->userns_path, g_free);
	g_clear_pointer(&opts->policy_path, g_free);
	g_clear_pointer(&opts->audit_log, g_free);
}

/* --check-policy: every error on stderr, the summary on stdout. */
static CliResult check_policy(const char *path)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SfPolicy) policy = sf_policy_load_file(path, &error);
	g_autofree char *summary = NULL;

	if (policy == NULL) {
		fprintf(stderr, "%s\n", error->message);
		return CLI_EXIT_ERROR;
	}
	summary = sf_policy_summary(policy);
	printf("%s\n", summary);
	return CLI_EXIT_OK;
}

CliResult cli_parse(int argc, char **argv, CliOptions *opts)
{
	const char *cidr = SF_DEFAULT_CIDR;
	const char *argv0 = "slirp-filter";
	int opt;

	memset(opts, 0, sizeof(*opts));
	opts->exit_fd = opts->ready_fd = -1;
	opts->mtu = SF_DEFAULT_MTU;
	opts->netns_type = NETNS_TYPE_PID;
	opts->log_level = 2;

	opterr = 0; /* we print our own one-line errors */
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":ce:r:m:6a:hv", longopts, NULL)) != -1) {
		g_autoptr(GError) error = NULL;

		switch (opt) {
		case 'c':
			opts->configure = true;
			break;
		case 'e':
			if (!sf_netconfig_parse_fd(optarg, &opts->exit_fd, &error))
				goto bad_value;
			break;
		case 'r':
			if (!sf_netconfig_parse_fd(optarg, &opts->ready_fd, &error))
				goto bad_value;
			break;
		case 'm':
			if (!sf_netconfig_parse_mtu(optarg, &opts->mtu, &error))
				goto bad_value;
			break;
		case '6':
			opts->enable_ipv6 = true;
			break;
		case 'a':
			g_free(opts->api_socket);
			opts->api_socket = g_strdup(optarg);
			break;
		case OPT_CIDR:
			cidr = optarg;
			break;
		case OPT_DEPRECATED_NO_HOST_LOOPBACK:
			warning_line("--no-host-loopback is deprecated, use --disable-host-loopback");
			/* fall through */
		case OPT_DISABLE_HOST_LOOPBACK:
			opts->disable_host_loopback = true;
			break;
		case OPT_NETNS_TYPE:
			if (strcmp(optarg, "pid") == 0) {
				opts->netns_type = NETNS_TYPE_PID;
			} else if (strcmp(optarg, "path") == 0) {
				opts->netns_type = NETNS_TYPE_PATH;
			} else {
				error_line("--netns-type must be \"pid\" or \"path\", not \"%s\"", optarg);
				goto fail;
			}
			break;
		case OPT_USERNS_PATH:
			g_free(opts->userns_path);
			opts->userns_path = g_strdup(optarg);
			break;
		case OPT_DEPRECATED_CREATE_SANDBOX:
			warning_line("--create-sandbox is deprecated, use --enable-sandbox");
			/* fall through */
		case OPT_ENABLE_SANDBOX:
			opts->enable_sandbox = true;
			break;
		case OPT_DISABLE_OFFLOAD:
			opts->disable_offload = true;
			break;
		case OPT_ENABLE_SECCOMP:
			opts->enable_seccomp = true;
			break;
		case OPT_OUTBOUND_ADDR:
			if (!parse_outbound(optarg, AF_INET, &opts->outbound_addr)) {
				error_line("--outbound-addr: \"%s\" is neither an IPv4 address nor an interface with one", optarg);
				goto fail;
			}
			opts->has_outbound_addr = true;
			break;
		case OPT_OUTBOUND_ADDR6:
			if (!parse_outbound(optarg, AF_INET6, &opts->outbound_addr6)) {
				error_line("--outbound-addr6: \"%s\" is neither an IPv6 address nor an interface with one", optarg);
				goto fail;
			}
			opts->has_outbound_addr6 = true;
			break;
		case OPT_DISABLE_DNS:
			opts->disable_dns = true;
			break;
		case OPT_MACADDRESS:
			if (!sf_netconfig_parse_mac(optarg, opts->macaddress, &error))
				goto bad_value;
			opts->has_macaddress = true;
			break;
		case OPT_TARGET_TYPE:
			if (strcmp(optarg, "netns") != 0) {
				error_line("--target-type: only \"netns\" is supported, not \"%s\"", optarg);
				goto fail;
			}
			break;
		case OPT_LOG_LEVEL:
			if (strlen(optarg) != 1 || optarg[0] < '0' || optarg[0] > '3') {
				error_line("--filter-log-level must be 0, 1, 2 or 3, not \"%s\"", optarg);
				goto fail;
			}
			opts->log_level = optarg[0] - '0';
			break;
		case OPT_POLICY:
			g_free(opts->policy_path);
			opts->policy_path = g_strdup(optarg);
			break;
		case OPT_AUDIT_LOG:
			g_free(opts->audit_log);
			opts->audit_log = g_strdup(optarg);
			break;
		case OPT_CHECK_POLICY:
			cli_options_clear(opts);
			return check_policy(optarg);
		case 'h':
			print_usage(argv0);
			return CLI_EXIT_OK;
		case 'v':
			print_version();
			return CLI_EXIT_OK;
		case ':':
			/* optopt is the long option's value for long options */
			if (optopt > 0 && optopt < 0x100 && strncmp(argv[optind - 1], "--", 2) != 0)
				error_line("option requires an argument -- '%c'", optopt);
			else
				error_line("option '%s' requires an argument", argv[optind - 1]);
			goto fail;
		default: /* '?' */
			if (optopt)
				error_line("invalid option -- '%c'", optopt);
			else
				error_line("unrecognized option '%s'", argv[optind - 1]);
			goto fail;
		}
		continue;
bad_value:
		error_line("%s", error->message);
		goto fail;
	}

	{
		g_autoptr(GError) error = NULL;

		if (!sf_netconfig_parse_cidr(cidr, &opts->layout, &error)) {
			error_line("--cidr: %s", error->message);
			goto fail;
		}
	}
	/* -r needs no -c: RootlessKit creates and configures the tap itself and
	 * passes `--mtu 65520 -r 3 ... PID tap0` (slirp4netns dropped that check
	 * in 0.4.0, when the ready fd moved to "everything is up") */
	if (opts->has_macaddress && !opts->configure) {
		error_line("--macaddress cannot be specified when --configure or -c is not specified");
		goto fail;
	}
	if (argc - optind < 1) {
		error_line("expected PID|PATH [TAPNAME] after the options (see --help)");
		goto fail;
	}
	/* slirp4netns only warns, "for preventing potential compatibility issue" */
	if (argc - optind > 2)
		warning_line("too many arguments: ignoring everything after TAPNAME \"%s\"",
			     argv[optind + 1]);
	if (opts->netns_type == NETNS_TYPE_PATH) {
		opts->netns_path = g_strdup(argv[optind]);
	} else {
		g_autoptr(GError) error = NULL;
		int pid;

		if (!sf_netconfig_parse_fd(argv[optind], &pid, &error) || pid <= 0) {
			error_line("PID must be a positive integer, not \"%s\" (use --netns-type=path for a path)",
				   argv[optind]);
			goto fail;
		}
		opts->target_pid = pid;
	}
	{
		const char *tap = argc - optind == 2 ? argv[optind + 1] : "tap0";

		if (tap[0] == '\0' || strlen(tap) >= IFNAMSIZ || strchr(tap, '/') || strchr(tap, ' ')) {
			error_line("invalid TAPNAME \"%s\" (1-%d characters, no '/' or spaces)", tap,
				   IFNAMSIZ - 1);
			goto fail;
		}
		g_strlcpy(opts->tapname, tap, sizeof(opts->tapname));
	}
	return CLI_RUN;
fail:
	cli_options_clear(opts);
	return CLI_EXIT_ERROR;
}
