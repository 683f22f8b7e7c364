/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The egress policy: its data model, the file parser and the per-flow decision. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "slirp-filter/cidr.h"
#include "slirp-filter/frame.h"

#define SF_POLICY_ERROR (sf_policy_error_quark())
GQuark sf_policy_error_quark(void);

typedef enum {
	SF_POLICY_ERROR_SYNTAX, /* the message lists every "file:line:col: ..." error, one a line */
	SF_POLICY_ERROR_IO,     /* the file could not be read */
	SF_POLICY_ERROR_LIMIT,  /* too many rules or too large a file */
} SfPolicyError;

/* Newest policy file version this build understands (`version N`). */
#define SF_POLICY_VERSION 1
/* Bounds that keep a hostile or mistaken file from exhausting memory. */
#define SF_POLICY_FILE_MAX (64u * 1024 * 1024)
#define SF_POLICY_RULES_MAX 1000000u
/* Errors reported before the parser stops reading (and says so). */
#define SF_POLICY_ERRORS_MAX 10u

/* Protocol bits of a rule; `any` is all three. */
enum {
	SF_PROTO_TCP = 1 << 0,
	SF_PROTO_UDP = 1 << 1,
	SF_PROTO_ICMP = 1 << 2, /* echo, IPv4 and IPv6 */
	SF_PROTO_ANY = SF_PROTO_TCP | SF_PROTO_UDP | SF_PROTO_ICMP,
};

typedef enum {
	SF_ACTION_ALLOW,
	SF_ACTION_DENY,
} SfAction;

typedef enum {
	SF_TARGET_CIDR,      /* an address or prefix, v4 or v6 */
	SF_TARGET_HOST,      /* `host`: the host's loopback through the gateway address */
	SF_TARGET_NAME,      /* `web.example`: exactly that name */
	SF_TARGET_SUFFIX,    /* `*.example.org`: strict subdomains, not the apex */
	SF_TARGET_ALL_NAMES, /* `*`: every name */
} SfTargetKind;

/* An inclusive port range; 1 <= lo <= hi <= 65535. */
typedef struct {
	uint16_t lo, hi;
} SfPortRange;

/**
 * SfRule:
 * One `allow|deny PROTO to TARGET [port LIST]` line.
 */
typedef struct {
	SfCidr cidr;          /* SF_TARGET_CIDR */
	uint8_t action;       /* SfAction */
	uint8_t protos;       /* SF_PROTO_* bits, never 0 */
	uint8_t kind;         /* SfTargetKind */
	uint16_t col;         /* where the rule starts in its line (1-based; lines are short) */
	uint16_t ports_count; /* 0: every port */
	const char *name;     /* NAME: the name; SUFFIX: the parent without "*."; lower case, no
			       * final dot; points into SfPolicy.names (rules of one target share it) */
	uint32_t ports_first; /* index into SfPolicy.ports (rules with equal lists share them) */
	uint32_t line;        /* where the rule starts in its file (1-based) */
} SfRule;

typedef enum {
	SF_MODE_ENFORCE,
	SF_MODE_AUDIT,       /* allow everything, log what enforce would deny */
} SfMode;

typedef enum {
	SF_DNS_DENY_NXDOMAIN,
	SF_DNS_DENY_REFUSED,
} SfDnsDenyResponse;

typedef enum {
	SF_RELOAD_FLOWS_CUT,  /* flows the new policy denies are reset */
	SF_RELOAD_FLOWS_KEEP, /* they may finish */
} SfReloadFlows;

/* Defaults of the settings. */
#define SF_POLICY_DEFAULT_TTL_MIN 5u
#define SF_POLICY_DEFAULT_TTL_MAX 3600u
#define SF_POLICY_DEFAULT_GRACE 30u
#define SF_POLICY_DEFAULT_FLOWS_MAX 65536u
#define SF_POLICY_FLOWS_MIN 16u
#define SF_POLICY_FLOWS_LIMIT (4u * 1024 * 1024)
#define SF_POLICY_DEFAULT_LEARNED_MAX 131072u

/* An upstream DNS server named by `upstream`. */
typedef struct {
	SfAddr addr;
	uint16_t port; /* 53 unless written ADDR#PORT */
	uint16_t col;  /* where it is written (0 when not from a policy file) */
	uint32_t line;
} SfUpstream;

typedef struct SfPolicyIndex SfPolicyIndex;

/**
 * SfPolicy:
 * A parsed, validated and compiled policy. Immutable once built: a reload
 * builds a new one and swaps the pointer, so no reader sees a mixed policy.
 */
typedef struct {
	char *source;         /* the file it came from, or "built-in default" */
	SfMode mode;
	GArray *rules;        /* SfRule, in file order */
	GArray *ports;        /* SfPortRange, referenced by the rules */
	char *names;          /* every distinct rule name, NUL-separated, in one block */
	GArray *upstreams;    /* SfUpstream; empty: the host's resolv.conf */
	uint32_t ttl_min, ttl_max;    /* `dns ttl-min N ttl-max N`, seconds */
	uint32_t grace;               /* `dns grace N`: seconds a flow outlives its learned address */
	SfDnsDenyResponse deny_response; /* `dns deny-response nxdomain|refused` */
	uint32_t flows_max;           /* `flows max N` */
	uint32_t learned_max;         /* `dns learned-max N` */
	SfReloadFlows reload_flows;   /* `reload flows cut|keep` */
	bool log_allowed;             /* `log allowed yes|no`: audit the first packet of allowed flows */
	uint8_t *dns_qtypes;          /* `dns allow-qtypes LIST`: a 65536-bit map of the query types
				       * forwarded beyond the built-in list, or NULL (none) */
	SfPolicyIndex *index;         /* lookup structures built by sf_policy_compile() */
} SfPolicy;

/**
 * sf_policy_parse:
 * Parses the policy language (docs/policy.md) from @len bytes of @text.
 * @filename is only used in messages. Collects every error rather than
 * stopping at the first: on failure returns NULL and sets @error
 * (SF_POLICY_ERROR_SYNTAX) to all of them, one "FILE:LINE:COL: message" a
 * line. A returned policy is compiled and ready for decisions.
 */
SfPolicy *sf_policy_parse(const char *text, size_t len, const char *filename, GError **error);

/**
 * sf_policy_load_file:
 * Reads @path (at most SF_POLICY_FILE_MAX bytes) and parses it. A missing,
 * unreadable or empty-by-error file is an error, never an empty policy.
 */
SfPolicy *sf_policy_load_file(const char *path, GError **error);

/** sf_policy_new_empty: a policy with no rules and every setting at its default, not yet compiled. */
SfPolicy *sf_policy_new_empty(const char *source);

/** sf_policy_new_default: the built-in default: deny all egress, every name denied. */
SfPolicy *sf_policy_new_default(void);

/**
 * sf_policy_compile:
 * Builds the lookup structures of @policy from its rules (called by the
 * parser). Fails only on resource limits.
 */
bool sf_policy_compile(SfPolicy *policy, GError **error);

/** sf_policy_free: NULL-safe. */
void sf_policy_free(SfPolicy *policy);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SfPolicy, sf_policy_free)

/** sf_policy_summary: one line, "N rules (A allow, D deny, M names), mode enforce". */
char *sf_policy_summary(const SfPolicy *policy);

/** sf_rule_ports_match: TRUE when @port is in @rule's port list (always for no list). */
bool sf_rule_ports_match(const SfPolicy *policy, const SfRule *rule, uint16_t port);

/**
 * sf_name_normalize:
 * Checks a DNS name as the policy and the resolver accept it and writes its
 * lower-case form without a final dot into @out (at least 254 bytes).
 * Refuses empty labels, labels over 63 bytes, names over 253, bytes that
 * are not ASCII letters, digits, '-' or '_' (non-ASCII: "write it in
 * punycode"). Returns NULL on success or a static message naming the fault.
 */
const char *sf_name_normalize(const char *name, size_t len, char *out);

/* ---- decisions ---- */

/* Why a flow got its verdict (stable names for the audit log and counters). */
typedef enum {
	SF_REASON_RULE_ALLOW,     /* an allow rule matched the address */
	SF_REASON_LEARNED,        /* the address was learned from an allowed name */
	SF_REASON_RULE_DENY,      /* a deny rule matched */
	SF_REASON_DEFAULT_DENY,   /* no rule matched */
	SF_REASON_PROTECTED,      /* loopback/link-local/multicast/...: needs a rule naming it */
	SF_REASON_INBOUND,        /* the reply side of a connection through a port forward */
	SF_REASON_N
} SfReason;

/** sf_reason_name: "rule-allow", "learned", "rule-deny", "default-deny", "protected", "inbound". */
const char *sf_reason_name(SfReason reason);

/**
 * SfLearned:
 * Addresses opened by DNS answers for allowed names, each with the name
 * that opened it and an expiry. An entry names no rule: a decision
 * re-matches the name against the policy in force, so a reload never has
 * to rebind it and a name the new policy refuses opens nothing. Bounded;
 * owned by the daemon; outlives reloads.
 */
typedef struct SfLearned SfLearned;

/* Names one address may be learned through at once (CDN addresses are shared). */
#define SF_LEARNED_NAMES_PER_ADDR 4

/** sf_learned_new: room for @max addresses. */
SfLearned *sf_learned_new(uint32_t max);
/** sf_learned_free: NULL-safe. */
void sf_learned_free(SfLearned *learned);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SfLearned, sf_learned_free)

/**
 * sf_learned_add:
 * Opens @addr as an answer for @name (normalized, copied) until @now_ms +
 * @ttl_s seconds (the caller has clamped the TTL). Re-adding refreshes the
 * expiry (never shortens it). A new address in a full table evicts the
 * entry nearest to expiry (an expired one first): O(log n) whatever the
 * fill, counted in SfLearnedStats, except an address added or refreshed
 * since the last sf_learned_begin(): then @addr is refused and FALSE
 * returned (the caller strips it from the answer: fail closed).
 */
bool sf_learned_add(SfLearned *learned, const SfAddr *addr, const char *name, int64_t now_ms,
		    uint32_t ttl_s);

/**
 * sf_learned_begin:
 * Starts learning one answer: the addresses added until the next call are
 * never evicted for one another. Without a call, nothing added is ever
 * evicted (a full table refuses: fail closed).
 */
void sf_learned_begin(SfLearned *learned);

/**
 * sf_learned_lookup:
 * The names of @addr still valid at @now_ms (at most @max), with their
 * expiries. Used by sf_policy_decide(); never allocates.
 */
unsigned sf_learned_lookup(const SfLearned *learned, const SfAddr *addr, int64_t now_ms,
			   const char **names, int64_t *expires, unsigned max);

/** sf_learned_count: addresses held, expired ones included until swept. */
uint32_t sf_learned_count(const SfLearned *learned);

/**
 * SfLearnedStats:
 * What the learned table did since it was made (for the status counters).
 */
typedef struct {
	uint64_t inserted;        /* new addresses */
	uint64_t evicted_expired; /* a full table made room by dropping an expired address */
	uint64_t evicted_live;    /* ... by dropping the live address nearest to expiry */
	uint64_t refused;         /* not opened: the table held only this answer's addresses */
	uint64_t expired;         /* addresses the sweep dropped */
	uint32_t count, max;
} SfLearnedStats;

/** sf_learned_stats: fills @stats. */
void sf_learned_stats(const SfLearned *learned, SfLearnedStats *stats);

/**
 * sf_learned_sweep:
 * Drops the addresses whose names all expired more than @grace_ms before
 * @now_ms, nearest to expiry first and a bounded number per call (the rest
 * wait for the next call, or are evicted first); returns the names dropped.
 */
uint32_t sf_learned_sweep(SfLearned *learned, int64_t now_ms, int64_t grace_ms);

/**
 * sf_learned_rebind:
 * After a reload: drops the names @policy no longer allows. Returns how
 * many were dropped.
 */
uint32_t sf_learned_rebind(SfLearned *learned, const SfPolicy *policy);

/**
 * SfLearnedInfo:
 * One learned name of an address, for status output.
 */
typedef struct {
	SfAddr addr;
	const char *name;
	int64_t expire_ms;
} SfLearnedInfo;

/** sf_learned_foreach: calls @fn for every (address, name) held. */
void sf_learned_foreach(const SfLearned *learned, void (*fn)(const SfLearnedInfo *info, void *data),
			void *data);

/* Fixed protected ranges, then room for every known DNS upstream (upstreams.h). */
#define SF_PROTECTED_FIXED_MAX 32
#define SF_PROTECTED_MAX (SF_PROTECTED_FIXED_MAX + 64)

/**
 * SfProtected:
 * The ranges that are denied unless a rule's target lies inside them
 * (DESIGN.md section 3): host loopback (the gateway), the slirp network's
 * other addresses, link-local, multicast, broadcast, built once from the
 * network layout (the first @n_fixed), then the DNS upstreams, old and new
 * (replaced whole by sf_filter_set_upstreams()).
 */
typedef struct {
	SfCidr cidr[SF_PROTECTED_MAX];
	const char *what[SF_PROTECTED_MAX]; /* "host loopback", "link-local", ... */
	bool ipv6[SF_PROTECTED_MAX];        /* the family the range belongs to */
	unsigned n, n_fixed;
} SfProtected;

/**
 * sf_protected_add:
 * Appends a range of the family sf_cidr_is_ipv4() gives it; FALSE when
 * full.
 */
bool sf_protected_add(SfProtected *prot, const SfCidr *cidr, const char *what);

/**
 * sf_protected_add_ipv6:
 * Appends an IPv6 range, even one inside ::ffff:0:0/96 (which
 * sf_protected_add() would take for IPv4); FALSE when full.
 */
bool sf_protected_add_ipv6(SfProtected *prot, const SfCidr *cidr, const char *what);

/**
 * sf_protected_find_af:
 * The index of the narrowest range of @family (AF_INET or AF_INET6)
 * holding @addr, or -1.
 */
int sf_protected_find_af(const SfProtected *prot, int family, const SfAddr *addr);

/** sf_protected_find: sf_protected_find_af() with the family of @addr's form. */
int sf_protected_find(const SfProtected *prot, const SfAddr *addr);

/**
 * SfDecision:
 * What sf_policy_decide() found. @rule is an index into policy->rules or -1.
 */
typedef struct {
	bool allow;          /* the verdict under the policy (before audit mode) */
	SfReason reason;
	int32_t rule;
	const char *name;    /* learned: the name that opened the address; on a refusal, a
			      * name the address was an answer for (for the audit log), or NULL */
	int64_t valid_until_ms; /* learned: expiry + grace; otherwise INT64_MAX */
	int protected_range; /* index into SfProtected for SF_REASON_PROTECTED, else -1 */
} SfDecision;

/**
 * sf_policy_decide:
 * Decides a new flow of @proto (SF_PROTO_TCP/UDP/ICMP) to @dst port @dport
 * (0 for ICMP) at @now_ms; an IPv4 flow when @dst is IPv4-mapped, else an
 * IPv6 one. Deny rules win over any allow; a destination in
 * a protected range is allowed only by an allow rule whose CIDR lies inside
 * that range (or `host` for host loopback); learned addresses count as
 * allows for the ports their rule names. Never allocates.
 */
void sf_policy_decide(const SfPolicy *policy, const SfProtected *prot, const SfLearned *learned,
		      uint8_t proto, const SfAddr *dst, uint16_t dport, bool dst_is_gateway,
		      int64_t now_ms, SfDecision *out);

/**
 * sf_policy_decide_af:
 * sf_policy_decide() for a flow of @family (AF_INET or AF_INET6; the
 * sf_policy_decide() form takes it from @dst: ::ffff:0:0/96 is IPv4). The
 * families never meet: IPv4 rules only decide IPv4 flows and IPv6 rules
 * (::/0 included) only IPv6 flows; an IPv6 flow to ::ffff:0:0/96 is
 * decided by the IPv6 rules and protected ranges alone (the filter
 * protects that range, and no rule can lie inside it), and never by an
 * address learned from an A record.
 */
void sf_policy_decide_af(const SfPolicy *policy, const SfProtected *prot, const SfLearned *learned,
			 int family, uint8_t proto, const SfAddr *dst, uint16_t dport,
			 bool dst_is_gateway, int64_t now_ms, SfDecision *out);

/* ---- names (the resolver's questions) ---- */

/**
 * SfNameMatch:
 * What the policy says about a DNS name: denied by a deny rule (even if an
 * allow matches too), allowed by one or more allow rules, or not mentioned.
 */
typedef struct {
	bool allowed;
	int32_t deny_rule;        /* a matching deny name rule, or -1 */
	int32_t allow_rules[8];   /* matching allow name rules (first 8) */
	unsigned n_allow;
} SfNameMatch;

/**
 * sf_policy_match_name:
 * Matches @name (already normalized by sf_name_normalize) against the name
 * rules: exact names, `*.parent` for strict subdomains, `*` for all.
 */
void sf_policy_match_name(const SfPolicy *policy, const char *name, SfNameMatch *out);

/**
 * sf_policy_explicitly_allows:
 * TRUE when an allow CIDR rule covers
 * @addr and no deny rule covers it for every protocol: the resolver keeps a
 * private or loopback answer only then (DNS rebinding protection).
 */
bool sf_policy_explicitly_allows(const SfPolicy *policy, const SfAddr *addr);

/** sf_policy_ttl_clamp: @ttl clamped to the policy's ttl-min..ttl-max. */
uint32_t sf_policy_ttl_clamp(const SfPolicy *policy, uint32_t ttl);
