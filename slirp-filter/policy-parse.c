/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy file parser: text in, a validated SfPolicy out, every error with file:line:col.
 *
 * Theory of operation: the text is read in one pass, a line at a time.
 * Each line is checked for NUL bytes and its length, then split into words
 * (spaces and tabs; a '#' that begins a word starts a comment, so
 * `upstream 203.0.113.53#5353` keeps its port). The first word selects a
 * handler; handlers validate their words, write settings into the policy
 * and append rules, and report problems through add_error() with the
 * column of the offending word. Nothing stops at the first error: the
 * parser reports up to SF_POLICY_ERRORS_MAX so a user fixes a file in few
 * rounds. A line with an error adds nothing to the policy. Messages quote
 * little of the file, because --check-policy may be run (by root) on a
 * file its user should not read (a symlink to /etc/shadow): a word is
 * quoted only up to SHOWN_MAX bytes with control and non-UTF-8 bytes
 * escaped, an unknown keyword only when it reads like one, and reading
 * stops at the first line that is clearly not policy text (a NUL byte,
 * invalid UTF-8) or after SF_POLICY_ERRORS_MAX errors, saying so.
 *
 * Rules are checked against the earlier ones as they arrive. Port lists
 * are sorted and merged, then interned: equal lists become one list in the
 * policy's port array (so equal lists have equal ids, and rules share
 * them). Each distinct target (a CIDR, `host`, a name, `*.suffix`, `*`) is
 * interned to a small id, its name stored once in a string pool. One hash
 * table maps (target id, port list id, protocols, action) to the rule with
 * that key, which finds duplicates and exact allow/deny contradictions in
 * O(1); the tables are open-addressing arrays of fixed-size slots with the
 * key's hash, compared against the parser's own per-rule records, so no
 * key is ever allocated. The rules of each target are chained in file
 * order, which finds allows entirely covered by a deny on the same target
 * (scanning at most SCAN_MAX entries per target so a pathological file
 * stays linear).
 *
 * Everything the parser builds lives in scratch mappings (arena.h) that
 * are unmapped in one go at the end: the rules, the port ranges, the name
 * pool, the tables. Only a file without errors becomes a policy: the rules
 * and the port ranges are copied into arrays of their exact size, the
 * names into one block the rules point into, and the result is handed to
 * sf_policy_compile() for its lookup structures. Nothing temporary is left
 * between those blocks in the heap. Settings that depend on each other
 * (ttl-min <= ttl-max) are checked at the end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "dns-private.h"
#include "slirp-filter/policy.h"

#define LINE_LIMIT 4096u          /* bytes per line, without the line end */
#define WORDS_MAX (LINE_LIMIT / 2 + 1)
#define UPSTREAMS_MAX 8u
#define TTL_LIMIT 604800u         /* one week */
#define GRACE_LIMIT 3600u
#define LEARNED_MIN 16u
#define LEARNED_LIMIT (16u * 1024 * 1024)
#define SCAN_MAX 4096u            /* rules per target examined for coverage */
#define SHOWN_MAX 32u             /* bytes of a word quoted in a message */
#define SHOWN_BUF (SHOWN_MAX * 4 + 4) /* each byte may become "\xNN"; then "..." */

typedef struct {
	const char *s;
	uint32_t len;
	uint32_t col; /* 1-based */
} Word;

/* Settings that may appear once; their positions feed "already set" and cross checks. */
enum {
	SET_MODE,
	SET_VERSION,
	SET_TTL_MIN,
	SET_TTL_MAX,
	SET_GRACE,
	SET_DENY_RESPONSE,
	SET_LEARNED_MAX,
	SET_FLOWS_MAX,
	SET_RELOAD_FLOWS,
	SET_LOG_ALLOWED,
	SET_DNS_QTYPES,
	SET_N
};

static const char *const setting_names[SET_N] = {
	"mode", "version", "dns ttl-min", "dns ttl-max", "dns grace", "dns deny-response",
	"dns learned-max", "flows max", "reload flows", "log allowed", "dns allow-qtypes",
};

typedef struct {
	uint32_t line, col;
} Pos;

/* A distinct target; its rules are chained through RuleTmp.next in file order. */
typedef struct {
	uint32_t head, tail;  /* first and last rule (indices), when count > 0 */
	uint32_t count;
	uint32_t name_off;    /* NAME, SUFFIX: into Parser.pool */
	uint16_t name_len;
	uint8_t kind;         /* CIDR: the prefix is the one of rule `head` */
} Target;

/* A distinct port list: a run of Parser.ports. */
typedef struct {
	uint32_t first, count;
} PortList;

/* What the parser keeps about each stored rule besides the SfRule itself. */
typedef struct {
	uint32_t target;
	uint32_t ports;       /* PortList id */
	uint32_t next;        /* next rule of the same target */
} RuleTmp;

/* An open-addressing hash slot: the key's hash and 1 + the item it names (0: empty). */
typedef struct {
	uint32_t hash, item;
} Slot;

typedef struct {
	SfVec slots;          /* Slot, a power of two of them */
	uint32_t used;
} Table;

typedef struct {
	const char *filename;
	SfPolicy *policy;
	GPtrArray *errors;        /* formatted lines, at most SF_POLICY_ERRORS_MAX */
	unsigned n_errors;        /* all of them */
	bool stopped;             /* not policy text, or too many errors: read no further */
	uint32_t line;
	uint32_t first_rule_line; /* 0: no rule yet */
	bool too_new;             /* `version` above ours: unknown keywords are expected */
	bool too_many_rules;
	Pos set[SET_N];
	SfVec rules;              /* SfRule, in file order (names still NULL) */
	SfVec rule_tmp;           /* RuleTmp, one per rule */
	SfVec ports;              /* SfPortRange of every distinct port list */
	SfVec port_lists;         /* PortList */
	SfVec targets;            /* Target */
	SfVec pool;               /* char: the targets' names, each NUL-terminated */
	Table target_table;       /* -> Target */
	Table port_table;         /* -> PortList */
	Table rule_table;         /* (target, ports, protos, action) -> rule */
	SfVec scratch;            /* SfPortRange of the rule being parsed */
	char name[256];           /* the normalized name of the rule being parsed */
	size_t name_len;
	Word words[WORDS_MAX];
} Parser;

static const char *const keywords[] = {
	"allow", "deny", "mode", "upstream", "dns", "flows", "reload", "log", "version", NULL,
};
static const char *const protocols[] = { "tcp", "udp", "icmp", "any", NULL };
static const uint8_t protocol_bits[] = { SF_PROTO_TCP, SF_PROTO_UDP, SF_PROTO_ICMP, SF_PROTO_ANY };
static const char *const modes[] = { "enforce", "audit", NULL };
static const char *const dns_keys[] = {
	"ttl-min", "ttl-max", "grace", "deny-response", "learned-max", "allow-qtypes", NULL,
};
static const char *const deny_responses[] = { "nxdomain", "refused", NULL };
static const char *const flows_keys[] = { "max", NULL };
static const char *const reload_keys[] = { "flows", NULL };
static const char *const reload_values[] = { "cut", "keep", NULL };
static const char *const log_keys[] = { "allowed", NULL };
static const char *const yes_no[] = { "yes", "no", NULL };

/* ---- names ---- */

const char *sf_name_normalize(const char *name, size_t len, char *out)
{
	size_t label = 0;

	for (size_t i = 0; i < len; i++)
		if ((unsigned char)name[i] >= 0x80)
			return "non-ASCII name: write it in punycode (xn--...)";
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0)
		return "empty name";
	if (len > 253)
		return "name longer than 253 bytes";
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? name[i] : '.';

		if (c == '.') {
			if (label == 0)
				return "empty label (two dots in a row, or a leading dot)";
			label = 0;
		} else if (c == '*') {
			return "'*' is allowed only as a whole first label ('*.example.org') or alone ('*')";
		} else if (g_ascii_isalnum(c) || c == '-' || c == '_') {
			if (++label > 63)
				return "label longer than 63 bytes";
		} else {
			return "invalid character in name: only letters, digits, '-' and '_' are allowed";
		}
		if (i < len)
			out[i] = g_ascii_tolower(c);
	}
	out[len] = '\0';
	return NULL;
}

/* ---- errors ---- */

static void G_GNUC_PRINTF(4, 0) add_error_va(Parser *p, uint32_t line, uint32_t col,
					     const char *fmt, va_list ap)
{
	g_autofree char *msg = NULL;

	if (++p->n_errors > SF_POLICY_ERRORS_MAX)
		return;
	msg = g_strdup_vprintf(fmt, ap);
	g_ptr_array_add(p->errors, g_strdup_printf("%s:%u:%u: %s", p->filename, line, col, msg));
	if (p->n_errors == SF_POLICY_ERRORS_MAX)
		p->stopped = true; /* sf_policy_parse() says where it stopped */
}

static void G_GNUC_PRINTF(3, 4) add_error(Parser *p, uint32_t col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_error_va(p, p->line, col, fmt, ap);
	va_end(ap);
}

static void G_GNUC_PRINTF(4, 5) add_error_at(Parser *p, uint32_t line, uint32_t col,
					     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_error_va(p, line, col, fmt, ap);
	va_end(ap);
}

/*
 * A word made safe to quote: at most SHOWN_MAX bytes of it (cut on a
 * character boundary), control bytes, '\\' and bytes that are not UTF-8 as
 * "\xNN", then "..." when cut. @buf holds SHOWN_BUF bytes.
 */
static const char *shown(const char *s, size_t len, char buf[SHOWN_BUF])
{
	size_t n = MIN(len, SHOWN_MAX), o = 0;
	bool utf8;

	while (n > 0 && n < len && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	utf8 = g_utf8_validate(s, (gssize)n, NULL);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == '\\' || (c >= 0x80 && !utf8))
			o += (size_t)g_snprintf(buf + o, SHOWN_BUF - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	if (len > n)
		memcpy(buf + o, "...", 4);
	return buf;
}

/* TRUE when @w could be a misspelt keyword: worth quoting back (letters, digits, '-', '_'). */
static bool keyword_like(const Word *w)
{
	if (w->len == 0 || w->len > 16)
		return false;
	for (uint32_t i = 0; i < w->len; i++)
		if (!g_ascii_isalnum(w->s[i]) && w->s[i] != '-' && w->s[i] != '_')
			return false;
	return true;
}

/* ---- words ---- */

static bool word_is(const Word *w, const char *s)
{
	size_t n = strlen(s);

	return w->len == n && memcmp(w->s, s, n) == 0;
}

/* The column just past the last word: where a missing word was expected. */
static uint32_t end_col(const Word *w, unsigned n)
{
	return w[n - 1].col + w[n - 1].len;
}

/* Optimal string alignment distance (a transposition counts as one edit). */
static unsigned edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
	unsigned d[34][34];

	if (la > 32 || lb > 32)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
			unsigned v = MIN(d[i - 1][j] + 1, d[i][j - 1] + 1);

			v = MIN(v, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				v = MIN(v, d[i - 2][j - 2] + 1);
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

/* The choice closest to @w within two edits, or NULL. */
static const char *closest(const Word *w, const char *const *choices)
{
	const char *best = NULL;
	unsigned best_d = 3;

	for (size_t i = 0; choices[i] != NULL; i++) {
		unsigned dist = edit_distance(w->s, w->len, choices[i], strlen(choices[i]));

		if (dist < best_d) {
			best_d = dist;
			best = choices[i];
		}
	}
	return best;
}

/* "a, b or c" */
static char *choice_list(const char *const *choices)
{
	GString *s = g_string_new(NULL);
	size_t n = 0;

	while (choices[n] != NULL)
		n++;
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			g_string_append(s, i + 1 == n ? " or " : ", ");
		g_string_append(s, choices[i]);
	}
	return g_string_free(s, FALSE);
}

/*
 * The index of @w in @choices, or -1 after reporting "unknown WHAT 'x'"
 * with the closest choice or the list of choices.
 */
static int choose(Parser *p, const Word *w, const char *what, const char *const *choices)
{
	const char *hint;
	char buf[SHOWN_BUF];

	for (int i = 0; choices[i] != NULL; i++)
		if (word_is(w, choices[i]))
			return i;
	if (!keyword_like(w)) {
		/* not even a word of the language (a line of some other file?): not quoted */
		g_autofree char *list = choice_list(choices);

		add_error(p, w->col, "not a %s (expected %s)", what, list);
		return -1;
	}
	hint = closest(w, choices);
	if (hint != NULL) {
		add_error(p, w->col, "unknown %s '%s' (did you mean '%s'?)", what,
			  shown(w->s, w->len, buf), hint);
	} else {
		g_autofree char *list = choice_list(choices);

		add_error(p, w->col, "unknown %s '%s' (expected %s)", what, shown(w->s, w->len, buf),
			  list);
	}
	return -1;
}

/* TRUE when word @i exists; otherwise reports "missing WHAT after 'previous word'". */
static bool need(Parser *p, const Word *w, unsigned n, unsigned i, const char *what)
{
	char buf[SHOWN_BUF];

	if (i < n)
		return true;
	add_error(p, end_col(w, n), "missing %s after '%s'", what,
		  shown(w[n - 1].s, w[n - 1].len, buf));
	return false;
}

/* TRUE when nothing follows word @i - 1; otherwise reports the first extra word. */
static bool expect_end(Parser *p, const Word *w, unsigned n, unsigned i)
{
	char buf[SHOWN_BUF];

	if (i >= n)
		return true;
	add_error(p, w[i].col, "unexpected '%s' at the end of the line", shown(w[i].s, w[i].len, buf));
	return false;
}

/*
 * Parses a decimal number of @len digits. FALSE when it is not one; a
 * number too long to matter reads as UINT64_MAX so range checks reject it.
 */
static bool parse_number(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!g_ascii_isdigit(s[i]))
			return false;
	if (len > 12) {
		*out = UINT64_MAX;
		return true;
	}
	for (size_t i = 0; i < len; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	*out = v;
	return true;
}

/* Records that setting @which is given here; reports it when already given. */
static bool claim(Parser *p, int which, uint32_t col)
{
	if (p->set[which].line != 0) {
		add_error(p, col, "'%s' is already set at line %u", setting_names[which],
			  p->set[which].line);
		return false;
	}
	p->set[which] = (Pos){ p->line, col };
	return true;
}

/* A number setting in [lo, hi]. */
static bool setting_uint(Parser *p, const Word *w, int which, uint64_t lo, uint64_t hi,
			 uint32_t *out)
{
	char buf[SHOWN_BUF];
	uint64_t v;

	if (!parse_number(w->s, w->len, &v)) {
		add_error(p, w->col, "'%s' is not a number ('%s' takes %" G_GUINT64_FORMAT
			  " to %" G_GUINT64_FORMAT ")", shown(w->s, w->len, buf),
			  setting_names[which], lo, hi);
		return false;
	}
	if (v < lo || v > hi) {
		add_error(p, w->col, "'%s' %s is out of range (%" G_GUINT64_FORMAT " to %"
			  G_GUINT64_FORMAT ")", setting_names[which], shown(w->s, w->len, buf), lo, hi);
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* ---- settings ---- */

static void parse_mode(Parser *p, const Word *w, unsigned n)
{
	int v;

	if (!claim(p, SET_MODE, w[0].col) || !need(p, w, n, 1, "'enforce' or 'audit'"))
		return;
	v = choose(p, &w[1], "mode", modes);
	if (v < 0)
		return;
	if (expect_end(p, w, n, 2))
		p->policy->mode = v == 0 ? SF_MODE_ENFORCE : SF_MODE_AUDIT;
}

static void parse_version(Parser *p, const Word *w, unsigned n)
{
	uint64_t v;
	char buf[SHOWN_BUF];

	if (p->first_rule_line != 0) {
		add_error(p, w[0].col, "'version' must come before the first rule (line %u)",
			  p->first_rule_line);
		return;
	}
	if (!claim(p, SET_VERSION, w[0].col) || !need(p, w, n, 1, "a version number"))
		return;
	if (!parse_number(w[1].s, w[1].len, &v) || v == 0) {
		add_error(p, w[1].col, "'%s' is not a version number (this slirp-filter understands %u)",
			  shown(w[1].s, w[1].len, buf), SF_POLICY_VERSION);
		return;
	}
	if (v > SF_POLICY_VERSION) {
		add_error(p, w[1].col, "this policy needs version %s; this slirp-filter understands %u",
			  shown(w[1].s, w[1].len, buf), SF_POLICY_VERSION);
		p->too_new = true;
		return;
	}
	expect_end(p, w, n, 2);
}

/* A port number 1..65535 in @s (a part of the word at column @col). */
static bool parse_port(Parser *p, const char *s, size_t len, uint32_t col, uint16_t *out)
{
	char buf[SHOWN_BUF];
	uint64_t v;

	if (!parse_number(s, len, &v)) {
		add_error(p, col, "'%s' is not a port number (1 to 65535)", shown(s, len, buf));
		return false;
	}
	if (v == 0) {
		add_error(p, col, "port 0 is not valid: ports are 1 to 65535");
		return false;
	}
	if (v > 65535) {
		add_error(p, col, "port %s is out of range: ports are 1 to 65535", shown(s, len, buf));
		return false;
	}
	*out = (uint16_t)v;
	return true;
}

static void parse_upstream(Parser *p, const Word *w, unsigned n)
{
	char buf[SHOWN_BUF];

	if (!need(p, w, n, 1, "an address"))
		return;
	for (unsigned i = 1; i < n; i++) {
		const char *hash = memchr(w[i].s, '#', w[i].len);
		size_t alen = hash ? (size_t)(hash - w[i].s) : w[i].len;
		char text[INET6_ADDRSTRLEN + 1];
		uint8_t raw[16];
		SfUpstream u = { .port = 53, .line = p->line, .col = (uint16_t)MIN(w[i].col, G_MAXUINT16) };
		bool ok = true;

		if (alen < sizeof(text)) {
			memcpy(text, w[i].s, alen);
			text[alen] = '\0';
		} else {
			text[0] = '\0';
		}
		if (inet_pton(AF_INET, text, raw) == 1) {
			sf_addr_from_ipv4(&u.addr, raw);
		} else if (inet_pton(AF_INET6, text, raw) == 1) {
			memcpy(u.addr.b, raw, 16);
		} else {
			add_error(p, w[i].col, "'%s' is not an IPv4 or IPv6 address",
				  shown(w[i].s, alen, buf));
			ok = false;
		}
		if (hash != NULL) {
			size_t plen = w[i].len - alen - 1;
			uint32_t pcol = w[i].col + (uint32_t)alen + 1;

			if (plen == 0) {
				add_error(p, pcol, "missing port after '#' (ADDRESS#PORT)");
				ok = false;
			} else if (!parse_port(p, hash + 1, plen, pcol, &u.port)) {
				ok = false;
			}
		}
		if (!ok)
			continue;
		if (p->policy->upstreams->len >= UPSTREAMS_MAX) {
			add_error(p, w[i].col, "too many upstreams: at most %u", UPSTREAMS_MAX);
			continue;
		}
		g_array_append_val(p->policy->upstreams, u);
	}
}

/*
 * `dns allow-qtypes LIST`: query types forwarded beyond the built-in list,
 * comma-separated without spaces, each a mnemonic as ldns knows it (NULL,
 * SPF, any case), TYPEnnn (RFC 3597) or a number 1 to 65535. Meta types
 * (ANY, AXFR, IXFR, OPT, 128-255) are an error: they are always refused.
 */
static void parse_qtypes(Parser *p, const Word *w)
{
	g_autofree uint8_t *map = g_malloc0(65536 / 8);
	char buf[SHOWN_BUF];
	bool ok = true;
	size_t start = 0;

	for (size_t i = 0; i <= w->len; i++) {
		const char *e = w->s + start;
		size_t len = i - start;
		uint32_t col = w->col + (uint32_t)start;
		char text[24];
		uint64_t v = 0;
		char tbuf[16];

		if (i < w->len && w->s[i] != ',')
			continue;
		start = i + 1;
		if (len == 0) {
			add_error(p, col, "empty entry in query type list '%s' (two commas in a row, or a "
				  "comma at the start or end)", shown(w->s, w->len, buf));
			ok = false;
			continue;
		}
		if (parse_number(e, len, &v) ||
		    (len > 4 && g_ascii_strncasecmp(e, "TYPE", 4) == 0 &&
		     parse_number(e + 4, len - 4, &v))) {
			/* (ldns would read TYPEnnn with atoi: no range check) */
			if (v == 0 || v > 65535) {
				add_error(p, col, "query type %s is out of range: types are 1 to 65535",
					  shown(e, len, buf));
				ok = false;
				continue;
			}
		} else if (len < sizeof(text)) {
			memcpy(text, e, len);
			text[len] = '\0';
			v = ldns_get_rr_type_by_name(text);
		}
		if (v == 0) {
			add_error(p, col, "unknown query type '%s' (a type name such as NULL or SPF, "
				  "TYPE65280, or a number 1 to 65535)", shown(e, len, buf));
			ok = false;
			continue;
		}
		if (sf_dns_qtype_reason((uint16_t)v) != SF_DNS_REASON_NONE) {
			add_error(p, col, "'%s' is a meta query type (%s): slirp-filter always refuses it",
				  shown(e, len, buf), sf_dns_type_name((uint16_t)v, tbuf, sizeof(tbuf)));
			ok = false;
			continue;
		}
		map[v / 8] |= (uint8_t)(1u << (v % 8));
	}
	if (ok)
		p->policy->dns_qtypes = g_steal_pointer(&map);
}

static void parse_dns(Parser *p, const Word *w, unsigned n)
{
	SfPolicy *pol = p->policy;
	g_autofree char *list = choice_list(dns_keys);
	g_autofree char *what = g_strdup_printf("a setting (%s)", list);
	unsigned i = 1;

	if (!need(p, w, n, 1, what))
		return;
	while (i < n) {
		int key = choose(p, &w[i], "dns setting", dns_keys);
		int which, v;

		if (key < 0)
			return;
		which = (int[]){ SET_TTL_MIN, SET_TTL_MAX, SET_GRACE, SET_DENY_RESPONSE,
				 SET_LEARNED_MAX, SET_DNS_QTYPES }[key];
		if (!claim(p, which, w[i].col) || !need(p, w, n, i + 1, "a value"))
			return;
		switch (which) {
		case SET_TTL_MIN:
			setting_uint(p, &w[i + 1], which, 0, TTL_LIMIT, &pol->ttl_min);
			break;
		case SET_TTL_MAX:
			setting_uint(p, &w[i + 1], which, 0, TTL_LIMIT, &pol->ttl_max);
			break;
		case SET_GRACE:
			setting_uint(p, &w[i + 1], which, 0, GRACE_LIMIT, &pol->grace);
			break;
		case SET_LEARNED_MAX:
			setting_uint(p, &w[i + 1], which, LEARNED_MIN, LEARNED_LIMIT, &pol->learned_max);
			break;
		case SET_DNS_QTYPES:
			parse_qtypes(p, &w[i + 1]);
			break;
		default:
			v = choose(p, &w[i + 1], "deny-response", deny_responses);
			if (v >= 0)
				pol->deny_response = v == 0 ? SF_DNS_DENY_NXDOMAIN : SF_DNS_DENY_REFUSED;
			break;
		}
		i += 2;
	}
}

/* `KEYWORD SUBKEY VALUE` settings: flows max N, reload flows cut|keep, log allowed yes|no. */
static void parse_flows(Parser *p, const Word *w, unsigned n)
{
	if (!need(p, w, n, 1, "'max'") || choose(p, &w[1], "flows setting", flows_keys) < 0)
		return;
	if (!claim(p, SET_FLOWS_MAX, w[0].col) || !need(p, w, n, 2, "a number"))
		return;
	if (setting_uint(p, &w[2], SET_FLOWS_MAX, SF_POLICY_FLOWS_MIN, SF_POLICY_FLOWS_LIMIT,
			 &p->policy->flows_max))
		expect_end(p, w, n, 3);
}

static void parse_reload(Parser *p, const Word *w, unsigned n)
{
	int v;

	if (!need(p, w, n, 1, "'flows'") || choose(p, &w[1], "reload setting", reload_keys) < 0)
		return;
	if (!claim(p, SET_RELOAD_FLOWS, w[0].col) || !need(p, w, n, 2, "'cut' or 'keep'"))
		return;
	v = choose(p, &w[2], "reload flows value", reload_values);
	if (v >= 0 && expect_end(p, w, n, 3))
		p->policy->reload_flows = v == 0 ? SF_RELOAD_FLOWS_CUT : SF_RELOAD_FLOWS_KEEP;
}

static void parse_log(Parser *p, const Word *w, unsigned n)
{
	int v;

	if (!need(p, w, n, 1, "'allowed'") || choose(p, &w[1], "log setting", log_keys) < 0)
		return;
	if (!claim(p, SET_LOG_ALLOWED, w[0].col) || !need(p, w, n, 2, "'yes' or 'no'"))
		return;
	v = choose(p, &w[2], "log allowed value", yes_no);
	if (v >= 0 && expect_end(p, w, n, 3))
		p->policy->log_allowed = v == 0;
}

/* ---- rules ---- */

static int compare_ranges(const void *a, const void *b)
{
	const SfPortRange *x = a, *y = b;

	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->hi > y->hi) - (x->hi < y->hi);
}

/* Sorts and merges overlapping or adjacent ranges; the whole range becomes "every port". */
static void normalize_ports(SfVec *ranges)
{
	SfPortRange *r = ranges->data;
	size_t out = 0;

	if (ranges->len == 0)
		return;
	qsort(r, ranges->len, sizeof(SfPortRange), compare_ranges);
	for (size_t i = 1; i < ranges->len; i++) {
		if ((uint32_t)r[i].lo <= (uint32_t)r[out].hi + 1) {
			r[out].hi = MAX(r[out].hi, r[i].hi);
		} else {
			r[++out] = r[i];
		}
	}
	sf_vec_truncate(ranges, out + 1);
	if (ranges->len == 1 && r[0].lo == 1 && r[0].hi == 65535)
		sf_vec_truncate(ranges, 0);
}

/* Parses "80,443,8000-8080" into p->scratch (normalized). Reports every bad element. */
static bool parse_port_list(Parser *p, const Word *w)
{
	char buf[SHOWN_BUF];
	uint32_t start = 0;
	bool ok = true;

	sf_vec_truncate(&p->scratch, 0);
	while (start <= w->len) {
		const char *e = w->s + start;
		const char *comma = memchr(e, ',', w->len - start);
		uint32_t elen = comma ? (uint32_t)(comma - e) : w->len - start;
		uint32_t col = w->col + start;
		const char *dash = memchr(e, '-', elen);
		SfPortRange r;

		if (elen == 0) {
			add_error(p, col, "empty entry in port list '%s' (two commas in a row, or a "
				  "comma at the start or end)", shown(w->s, w->len, buf));
			ok = false;
		} else if (dash == NULL) {
			if (parse_port(p, e, elen, col, &r.lo)) {
				r.hi = r.lo;
				sf_vec_append(&p->scratch, &r, 1);
			} else {
				ok = false;
			}
		} else {
			uint32_t llen = (uint32_t)(dash - e), hlen = elen - llen - 1;

			if (llen == 0 || hlen == 0) {
				add_error(p, col, "incomplete port range '%s' (write FIRST-LAST)",
					  shown(e, elen, buf));
				ok = false;
			} else if (!parse_port(p, e, llen, col, &r.lo) ||
				   !parse_port(p, dash + 1, hlen, col + llen + 1, &r.hi)) {
				ok = false;
			} else if (r.lo > r.hi) {
				add_error(p, col, "inverted port range %u-%u: write %u-%u", r.lo, r.hi,
					  r.hi, r.lo);
				ok = false;
			} else {
				sf_vec_append(&p->scratch, &r, 1);
			}
		}
		start += elen + 1;
	}
	if (ok)
		normalize_ports(&p->scratch);
	return ok;
}

/* TRUE when the word reads as an address: it has a ':', or only digits, dots and '/'. */
static bool looks_like_address(const Word *w)
{
	bool digit = false;

	if (memchr(w->s, ':', w->len) != NULL)
		return true;
	for (uint32_t i = 0; i < w->len; i++) {
		if (g_ascii_isdigit(w->s[i]))
			digit = true;
		else if (w->s[i] != '.' && w->s[i] != '/')
			return false;
	}
	return digit;
}

static bool parse_target(Parser *p, const Word *w, SfRule *r)
{
	char buf[SHOWN_BUF];
	const char *s = w->s, *msg;
	size_t len = w->len;

	if (word_is(w, "host")) {
		r->kind = SF_TARGET_HOST;
		return true;
	}
	if (word_is(w, "*")) {
		r->kind = SF_TARGET_ALL_NAMES;
		return true;
	}
	if (looks_like_address(w)) {
		g_autoptr(GError) error = NULL;
		char text[LINE_LIMIT + 1];

		memcpy(text, w->s, w->len); /* a word is part of a line of at most LINE_LIMIT bytes */
		text[w->len] = '\0';
		if (!sf_cidr_parse(text, &r->cidr, &error)) {
			/* sf_cidr_parse() quotes the word raw: use its message only when
			 * shown() would quote it unchanged (found by tests/fuzz/fuzz-policy:
			 * control bytes and invalid UTF-8 reached --check-policy, the log
			 * and the API's JSON reply) */
			if (w->len <= SHOWN_MAX && strcmp(shown(w->s, w->len, buf), text) == 0)
				add_error(p, w->col, "%s", error->message);
			else
				add_error(p, w->col, "'%s' is not an IPv4 or IPv6 address or prefix",
					  shown(w->s, w->len, buf));
			return false;
		}
		r->kind = SF_TARGET_CIDR;
		return true;
	}
	r->kind = SF_TARGET_NAME;
	if (len >= 2 && s[0] == '*' && s[1] == '.') {
		r->kind = SF_TARGET_SUFFIX;
		s += 2;
		len -= 2;
	}
	msg = sf_name_normalize(s, len, p->name);
	if (msg != NULL) {
		add_error(p, w->col, "name '%s': %s", shown(w->s, w->len, buf), msg);
		return false;
	}
	p->name_len = strlen(p->name);
	return true;
}

/* ---- interning ---- */

/* FNV-1a over @len bytes, continuing from @h. */
static uint32_t hash_bytes(uint32_t h, const void *data, size_t len)
{
	const uint8_t *b = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

/* The final mix of a hash (the tables index by the low bits). */
static uint32_t hash_mix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* Makes room for one more item (growing at half full): slots found before stay valid until then. */
static void table_reserve(Table *t)
{
	SfVec old = t->slots;
	size_t n = MAX(old.len * 2, 64);
	Slot *slots;

	if ((t->used + 1) * (size_t)2 <= old.len)
		return;
	/* a fresh zeroed mapping, every item placed again by its hash */
	sf_vec_init(&t->slots, sizeof(Slot));
	slots = sf_vec_push(&t->slots, n);
	for (size_t i = 0; i < old.len; i++) {
		const Slot *o = &SF_VEC_AT(&old, Slot, i);
		size_t j = o->hash & (n - 1);

		if (o->item == 0)
			continue;
		while (slots[j].item != 0)
			j = (j + 1) & (n - 1);
		slots[j] = *o;
	}
	sf_vec_free(&old);
}

/*
 * The slot holding an item equal to the key (by @eq), or the empty slot
 * where it goes. The table must have room (table_reserve()).
 */
static Slot *table_find(const Table *t, uint32_t hash,
			bool (*eq)(const Parser *p, uint32_t item, const void *key), const Parser *p,
			const void *key)
{
	Slot *slots = t->slots.data;
	size_t mask = t->slots.len - 1;

	for (size_t i = hash & mask;; i = (i + 1) & mask) {
		if (slots[i].item == 0)
			return &slots[i];
		if (slots[i].hash == hash && eq(p, slots[i].item - 1, key))
			return &slots[i];
	}
}

/* Fills an empty slot returned by table_find(). */
static void table_put(Table *t, Slot *slot, uint32_t hash, uint32_t item)
{
	slot->hash = hash;
	slot->item = item + 1;
	t->used++;
}

/* The target of the rule being parsed: its kind, its CIDR, or p->name. */
typedef struct {
	uint8_t kind;
	const SfCidr *cidr;
} TargetKey;

static bool target_eq(const Parser *p, uint32_t item, const void *key)
{
	const Target *t = &SF_VEC_AT(&p->targets, Target, item);
	const TargetKey *k = key;

	if (t->kind != k->kind)
		return false;
	if (k->kind == SF_TARGET_CIDR) {
		/* a new target's first rule is always stored (nothing to clash with yet) */
		const SfCidr *c = &SF_VEC_AT(&p->rules, SfRule, t->head).cidr;

		return t->count > 0 && c->len == k->cidr->len &&
		       memcmp(c->prefix.b, k->cidr->prefix.b, 16) == 0;
	}
	if (k->kind == SF_TARGET_NAME || k->kind == SF_TARGET_SUFFIX)
		return t->name_len == p->name_len &&
		       memcmp(&SF_VEC_AT(&p->pool, char, t->name_off), p->name, p->name_len) == 0;
	return true;
}

/* The id of @r's target (its name in p->name), added on first sight. */
static uint32_t intern_target(Parser *p, const SfRule *r)
{
	TargetKey key = { r->kind, &r->cidr };
	uint32_t h = 2166136261u ^ r->kind;
	Slot *slot;
	Target *t;

	if (r->kind == SF_TARGET_CIDR) {
		h = hash_bytes(h, r->cidr.prefix.b, 16);
		h = hash_bytes(h, &r->cidr.len, 1);
	} else if (r->kind == SF_TARGET_NAME || r->kind == SF_TARGET_SUFFIX) {
		h = hash_bytes(h, p->name, p->name_len);
	}
	h = hash_mix(h);
	table_reserve(&p->target_table);
	slot = table_find(&p->target_table, h, target_eq, p, &key);
	if (slot->item != 0)
		return slot->item - 1;
	t = sf_vec_push(&p->targets, 1);
	*t = (Target){ .kind = r->kind };
	if (r->kind == SF_TARGET_NAME || r->kind == SF_TARGET_SUFFIX) {
		t->name_off = (uint32_t)sf_vec_append(&p->pool, p->name, p->name_len + 1);
		t->name_len = (uint16_t)p->name_len; /* at most 253 */
	}
	table_put(&p->target_table, slot, h, (uint32_t)p->targets.len - 1);
	return (uint32_t)p->targets.len - 1;
}

static bool port_list_eq(const Parser *p, uint32_t item, const void *key)
{
	const PortList *l = &SF_VEC_AT(&p->port_lists, PortList, item);
	const SfVec *ranges = key;

	return l->count == ranges->len &&
	       (l->count == 0 || memcmp(&SF_VEC_AT(&p->ports, SfPortRange, l->first), ranges->data,
					l->count * sizeof(SfPortRange)) == 0);
}

/* The id of the port list in p->scratch (normalized), added on first sight. */
static uint32_t intern_ports(Parser *p)
{
	uint32_t h = hash_mix(hash_bytes(2166136261u, p->scratch.data,
					 p->scratch.len * sizeof(SfPortRange)));
	Slot *slot;
	PortList *l;

	table_reserve(&p->port_table);
	slot = table_find(&p->port_table, h, port_list_eq, p, &p->scratch);
	if (slot->item != 0)
		return slot->item - 1;
	l = sf_vec_push(&p->port_lists, 1);
	l->count = (uint32_t)p->scratch.len;
	/* the empty list needs no ranges: it points at 0, which is always in bounds */
	l->first = l->count == 0 ? 0
				 : (uint32_t)sf_vec_append(&p->ports, p->scratch.data, p->scratch.len);
	table_put(&p->port_table, slot, h, (uint32_t)p->port_lists.len - 1);
	return (uint32_t)p->port_lists.len - 1;
}

/* The exact key of a rule: the same target, port list, protocols and action. */
typedef struct {
	uint32_t target, ports;
	uint8_t protos, action;
} RuleKey;

static uint32_t rule_key_hash(const RuleKey *k)
{
	uint32_t h = hash_bytes(2166136261u, &k->target, 4);

	h = hash_bytes(h, &k->ports, 4);
	h = hash_bytes(h, &k->protos, 1);
	return hash_mix(hash_bytes(h, &k->action, 1));
}

static bool rule_eq(const Parser *p, uint32_t item, const void *key)
{
	const RuleTmp *t = &SF_VEC_AT(&p->rule_tmp, RuleTmp, item);
	const SfRule *r = &SF_VEC_AT(&p->rules, SfRule, item);
	const RuleKey *k = key;

	return t->target == k->target && t->ports == k->ports && r->protos == k->protos &&
	       r->action == k->action;
}

/* The rule with key @k, or UINT32_MAX; @slot (if non-NULL) gets the slot for adding it. */
static uint32_t rule_find(const Parser *p, const RuleKey *k, uint32_t hash, Slot **slot)
{
	Slot *s = table_find(&p->rule_table, hash, rule_eq, p, k);

	if (slot != NULL)
		*slot = s;
	return s->item == 0 ? UINT32_MAX : s->item - 1;
}

/* TRUE when deny rule @d matches every packet allow rule @a would match. */
static bool deny_covers(const SfPortRange *ports, const SfRule *d, const SfRule *a)
{
	const SfPortRange *dp, *ap;
	uint32_t j = 0;

	if ((a->protos & ~d->protos) != 0)
		return false;
	if (d->ports_count == 0)
		return true;
	if (a->ports_count == 0)
		return false;
	/* only now: with no port list anywhere yet the array's data is NULL, and NULL + 0
	 * is undefined behaviour (UBSan, found by tests/fuzz/fuzz-policy) */
	dp = ports + d->ports_first;
	ap = ports + a->ports_first;
	for (uint32_t i = 0; i < a->ports_count; i++) {
		while (j < d->ports_count && dp[j].hi < ap[i].lo)
			j++;
		if (j == d->ports_count || dp[j].lo > ap[i].lo || dp[j].hi < ap[i].hi)
			return false;
	}
	return true;
}

/*
 * Checks @r (ports in p->scratch, not yet stored; name in p->name) against
 * the earlier rules and stores it. FALSE (after reporting) for a duplicate
 * or a contradiction.
 */
static bool add_rule(Parser *p, SfRule *r)
{
	const SfRule *rules;
	const SfPortRange *ports;
	uint32_t idx = (uint32_t)p->rules.len, hit;
	RuleKey key = { .protos = r->protos, .action = r->action };
	uint32_t hash, ohash, plist;
	Target *t;
	Slot *slot;

	key.target = intern_target(p, r);
	key.ports = plist = intern_ports(p);
	hash = rule_key_hash(&key);
	rules = p->rules.data;
	table_reserve(&p->rule_table); /* `slot` stays valid through the lookups below */
	hit = rule_find(p, &key, hash, &slot);
	if (hit != UINT32_MAX) {
		add_error(p, r->col, "duplicate of the rule at line %u", rules[hit].line);
		return false;
	}
	r->ports_first = SF_VEC_AT(&p->port_lists, PortList, plist).first;
	r->ports_count = (uint16_t)SF_VEC_AT(&p->port_lists, PortList, plist).count;

	key.action = r->action == SF_ACTION_ALLOW ? SF_ACTION_DENY : SF_ACTION_ALLOW;
	ohash = rule_key_hash(&key);
	hit = rule_find(p, &key, ohash, NULL);
	t = &SF_VEC_AT(&p->targets, Target, key.target);
	ports = p->ports.data;
	for (uint32_t i = 0, k = t->head; hit == UINT32_MAX && i < MIN(t->count, SCAN_MAX); i++) {
		if (rules[k].action != r->action &&
		    (r->action == SF_ACTION_ALLOW ? deny_covers(ports, &rules[k], r)
						  : deny_covers(ports, r, &rules[k])))
			hit = k;
		k = SF_VEC_AT(&p->rule_tmp, RuleTmp, k).next;
	}
	if (hit != UINT32_MAX) {
		uint32_t line = rules[hit].line;

		if (r->action == SF_ACTION_ALLOW)
			add_error(p, r->col, "contradicts the rule at line %u: deny wins, so this "
				  "allow never applies", line);
		else
			add_error(p, r->col, "contradicts the rule at line %u: deny wins, so that "
				  "allow never applies", line);
		return false;
	}
	table_put(&p->rule_table, slot, hash, idx);
	if (t->count++ == 0)
		t->head = idx;
	else
		SF_VEC_AT(&p->rule_tmp, RuleTmp, t->tail).next = idx;
	t->tail = idx;
	sf_vec_append(&p->rule_tmp, &(RuleTmp){ .target = key.target, .ports = plist,
						.next = UINT32_MAX }, 1);
	sf_vec_append(&p->rules, r, 1);
	return true;
}

/* allow|deny PROTO to TARGET [port LIST] */
static void parse_rule(Parser *p, const Word *w, unsigned n)
{
	char buf[SHOWN_BUF];
	SfRule r = { 0 };
	unsigned i;
	int proto;
	bool ok = true;

	r.action = word_is(&w[0], "allow") ? SF_ACTION_ALLOW : SF_ACTION_DENY;
	r.line = p->line;
	r.col = (uint16_t)w[0].col; /* at most LINE_LIMIT */
	if (p->first_rule_line == 0)
		p->first_rule_line = p->line;

	if (n < 2 || word_is(&w[1], "to")) {
		add_error(p, n < 2 ? end_col(w, n) : w[1].col,
			  "missing protocol: write '%s tcp|udp|icmp|any to TARGET'",
			  shown(w[0].s, w[0].len, buf));
		return;
	}
	proto = choose(p, &w[1], "protocol", protocols);
	if (proto < 0)
		ok = false;
	else
		r.protos = protocol_bits[proto];

	if (n < 3 || word_is(&w[2], "port")) {
		add_error(p, n < 3 ? end_col(w, n) : w[2].col,
			  "missing 'to TARGET'; to allow every address write 'to 0.0.0.0/0' and "
			  "'to ::/0' explicitly");
		return;
	}
	if (!word_is(&w[2], "to")) {
		add_error(p, w[2].col, "missing 'to' before '%s'", shown(w[2].s, w[2].len, buf));
		return;
	}
	if (n < 4 || word_is(&w[3], "port")) {
		add_error(p, n < 4 ? end_col(w, n) : w[3].col,
			  "missing target after 'to' (an address, CIDR, 'host' or a name)");
		return;
	}
	if (!parse_target(p, &w[3], &r))
		ok = false;

	sf_vec_truncate(&p->scratch, 0);
	i = 4;
	if (i < n && word_is(&w[i], "port")) {
		if (!need(p, w, n, i + 1, "a port list (80, 8000-8080 or 80,443)")) {
			ok = false;
		} else if (!parse_port_list(p, &w[i + 1])) {
			ok = false;
		}
		if (r.protos == SF_PROTO_ICMP) {
			add_error(p, w[i].col, "'port' with icmp: ICMP has no ports");
			ok = false;
		} else if (r.protos == SF_PROTO_ANY) {
			r.protos = SF_PROTO_TCP | SF_PROTO_UDP; /* icmp has no ports */
		}
		i += 2;
	}
	if (i < n) {
		uint64_t v;
		bool numeric = parse_number(w[i].s, w[i].len, &v) || w[i].s[0] == ',';

		if (numeric && i == 4)
			add_error(p, w[i].col, "unexpected '%s' after the target (did you mean "
				  "'port %s'?)", shown(w[i].s, w[i].len, buf), shown(w[i].s, w[i].len, buf));
		else if (numeric)
			add_error(p, w[i].col, "unexpected '%s' after the port list (write the list "
				  "without spaces, e.g. 80,443)", shown(w[i].s, w[i].len, buf));
		else
			add_error(p, w[i].col, "unexpected '%s' at the end of the rule",
				  shown(w[i].s, w[i].len, buf));
		ok = false;
	}
	if (ok && p->rules.len >= SF_POLICY_RULES_MAX) {
		p->too_many_rules = true;
		ok = false;
	}
	if (ok)
		add_rule(p, &r);
}

/* ---- lines ---- */

static void parse_line(Parser *p, const char *s, size_t len)
{
	Word *w = p->words;
	unsigned n = 0;
	size_t i = 0;
	int kw;

	while (i < len) {
		size_t start;

		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= len || s[i] == '#')
			break;
		start = i;
		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
		w[n++] = (Word){ s + start, (uint32_t)(i - start), (uint32_t)start + 1 };
	}
	if (n == 0)
		return;
	if (p->too_new) {
		for (kw = 0; keywords[kw] != NULL; kw++)
			if (word_is(&w[0], keywords[kw]))
				break;
		if (keywords[kw] == NULL)
			return; /* a newer keyword: the version error already explains it */
	}
	kw = choose(p, &w[0], "keyword", keywords);
	switch (kw) {
	case 0:
	case 1:
		parse_rule(p, w, n);
		break;
	case 2:
		parse_mode(p, w, n);
		break;
	case 3:
		parse_upstream(p, w, n);
		break;
	case 4:
		parse_dns(p, w, n);
		break;
	case 5:
		parse_flows(p, w, n);
		break;
	case 6:
		parse_reload(p, w, n);
		break;
	case 7:
		parse_log(p, w, n);
		break;
	case 8:
		parse_version(p, w, n);
		break;
	default:
		break;
	}
}

/* Unmaps everything the parser built. */
static void parser_clear(Parser *p)
{
	sf_vec_free(&p->rules);
	sf_vec_free(&p->rule_tmp);
	sf_vec_free(&p->ports);
	sf_vec_free(&p->port_lists);
	sf_vec_free(&p->targets);
	sf_vec_free(&p->pool);
	sf_vec_free(&p->target_table.slots);
	sf_vec_free(&p->port_table.slots);
	sf_vec_free(&p->rule_table.slots);
	sf_vec_free(&p->scratch);
}

/*
 * Moves what the parser built into @pol: the rules and the port ranges into
 * arrays of their exact size, the names into one block the rules point into.
 */
static void parser_finish(Parser *p, SfPolicy *pol)
{
	SfRule *rules = p->rules.data;
	const RuleTmp *tmp = p->rule_tmp.data;
	const Target *targets = p->targets.data;

	if (p->pool.len > 0)
		pol->names = g_memdup2(p->pool.data, p->pool.len);
	for (size_t i = 0; i < p->rules.len; i++) {
		const Target *t = &targets[tmp[i].target];

		if (t->kind == SF_TARGET_NAME || t->kind == SF_TARGET_SUFFIX)
			rules[i].name = pol->names + t->name_off;
	}
	g_array_unref(pol->rules);
	pol->rules = g_array_sized_new(FALSE, FALSE, sizeof(SfRule), (guint)p->rules.len);
	g_array_append_vals(pol->rules, rules, (guint)p->rules.len);
	g_array_unref(pol->ports);
	pol->ports = g_array_sized_new(FALSE, FALSE, sizeof(SfPortRange), (guint)p->ports.len);
	g_array_append_vals(pol->ports, p->ports.data, (guint)p->ports.len);
}

SfPolicy *sf_policy_parse(const char *text, size_t len, const char *filename, GError **error)
{
	g_autoptr(SfPolicy) pol = NULL;
	g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
	const char *pos = text, *end = text + len;
	SfVec parser;
	Parser *p;

	if (filename == NULL)
		filename = "policy";
	if (len > SF_POLICY_FILE_MAX) {
		g_set_error(error, SF_POLICY_ERROR, SF_POLICY_ERROR_LIMIT,
			    "%s: larger than %u bytes", filename, SF_POLICY_FILE_MAX);
		return NULL;
	}
	pol = sf_policy_new_empty(filename);
	/* the parser itself is large (the word array) and temporary: off the heap too */
	sf_vec_init(&parser, sizeof(Parser));
	p = sf_vec_push(&parser, 1); /* fresh pages: zeroed */
	p->filename = filename;
	p->policy = pol;
	p->errors = errors;
	sf_vec_init(&p->rules, sizeof(SfRule));
	sf_vec_init(&p->rule_tmp, sizeof(RuleTmp));
	sf_vec_init(&p->ports, sizeof(SfPortRange));
	sf_vec_init(&p->port_lists, sizeof(PortList));
	sf_vec_init(&p->targets, sizeof(Target));
	sf_vec_init(&p->pool, 1);
	sf_vec_init(&p->target_table.slots, sizeof(Slot));
	sf_vec_init(&p->port_table.slots, sizeof(Slot));
	sf_vec_init(&p->rule_table.slots, sizeof(Slot));
	sf_vec_init(&p->scratch, sizeof(SfPortRange));

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		pos += 3; /* a UTF-8 byte order mark */
	while (pos < end && !p->too_many_rules && !p->stopped) {
		const char *nl = memchr(pos, '\n', (size_t)(end - pos));
		size_t ll = (size_t)((nl ? nl : end) - pos);
		const char *nul, *bad = NULL;

		p->line++;
		if (ll > 0 && pos[ll - 1] == '\r')
			ll--;
		nul = memchr(pos, '\0', ll);
		if (nul != NULL || !g_utf8_validate(pos, (gssize)ll, &bad)) {
			/* binary, or not UTF-8: not a policy file; say no more of it */
			add_error(p, (uint32_t)((nul != NULL ? nul : bad) - pos) + 1,
				  "%s: this is not a policy file (not text); stopped reading here",
				  nul != NULL ? "NUL byte" : "not UTF-8");
			p->stopped = true;
		} else if (ll > LINE_LIMIT)
			add_error(p, LINE_LIMIT + 1, "line longer than %u bytes", LINE_LIMIT);
		else
			parse_line(p, pos, ll);
		pos = nl ? nl + 1 : end;
	}

	if (!p->too_many_rules && pol->ttl_min > pol->ttl_max) {
		Pos mn = p->set[SET_TTL_MIN], mx = p->set[SET_TTL_MAX];
		Pos at = (mn.line > mx.line || (mn.line == mx.line && mn.col > mx.col)) ? mn : mx;

		add_error_at(p, at.line, at.col, "ttl-min %u is greater than ttl-max %u",
			     pol->ttl_min, pol->ttl_max);
	}

	if (p->too_many_rules) {
		g_set_error(error, SF_POLICY_ERROR, SF_POLICY_ERROR_LIMIT,
			    "%s:%u: more than %u rules", filename, p->line, SF_POLICY_RULES_MAX);
		parser_clear(p);
		sf_vec_free(&parser);
		return NULL;
	}
	if (p->n_errors > 0) {
		GString *msg = g_string_new(NULL);

		for (guint i = 0; i < errors->len; i++) {
			if (i > 0)
				g_string_append_c(msg, '\n');
			g_string_append(msg, g_ptr_array_index(errors, i));
		}
		if (p->n_errors >= SF_POLICY_ERRORS_MAX && pos < end)
			g_string_append_printf(msg, "\n%s:%u: stopped after %u errors; is this a "
					       "policy file?", filename, p->line, SF_POLICY_ERRORS_MAX);
		g_set_error_literal(error, SF_POLICY_ERROR, SF_POLICY_ERROR_SYNTAX, msg->str);
		g_string_free(msg, TRUE);
		parser_clear(p);
		sf_vec_free(&parser);
		return NULL;
	}
	parser_finish(p, pol);
	parser_clear(p);
	sf_vec_free(&parser);
	if (!sf_policy_compile(pol, error))
		return NULL;
	return g_steal_pointer(&pol);
}

/*
 * Reads the file open as @fd (@size bytes by fstat) into @buf, stopping
 * once it holds more than SF_POLICY_FILE_MAX bytes. 0 or -errno.
 */
static int read_all(int fd, size_t size, SfVec *buf)
{
	for (;;) {
		ssize_t n;

		/* room for the rest fstat promised, or for more if the file grew meanwhile */
		sf_vec_reserve(buf, MAX(size - MIN(size, buf->len), 4096));
		n = read(fd, (char *)buf->data + buf->len, buf->cap - buf->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		buf->len += (size_t)n;
		if (buf->len > SF_POLICY_FILE_MAX)
			return 0; /* sf_policy_parse() reports the size */
	}
}

SfPolicy *sf_policy_load_file(const char *path, GError **error)
{
	SfVec text;
	SfPolicy *pol;
	struct stat st;
	int fd, err;

	if (stat(path, &st) != 0) {
		int e = errno;

		g_set_error(error, SF_POLICY_ERROR, SF_POLICY_ERROR_IO, "%s: %s", path, g_strerror(e));
		return NULL;
	}
	if (S_ISDIR(st.st_mode)) {
		g_set_error(error, SF_POLICY_ERROR, SF_POLICY_ERROR_IO, "%s: is a directory", path);
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		g_set_error(error, SF_POLICY_ERROR, SF_POLICY_ERROR_IO, "%s: not a regular file", path);
		return NULL;
	}
	if ((uint64_t)st.st_size > SF_POLICY_FILE_MAX) {
		g_set_error(error, SF_POLICY_ERROR, SF_POLICY_ERROR_LIMIT,
			    "%s: larger than %u bytes", path, SF_POLICY_FILE_MAX);
		return NULL;
	}
	/* read into a scratch mapping, not the heap: the text is gone before the policy is used */
	do
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		int e = errno;

		g_set_error(error, SF_POLICY_ERROR, SF_POLICY_ERROR_IO, "%s: %s", path, g_strerror(e));
		return NULL;
	}
	sf_vec_init(&text, 1);
	err = read_all(fd, (size_t)st.st_size, &text);
	close(fd);
	if (err < 0) {
		sf_vec_free(&text);
		g_set_error(error, SF_POLICY_ERROR, SF_POLICY_ERROR_IO, "%s: %s", path, g_strerror(-err));
		return NULL;
	}
	/* a file that grew past the limit since stat(): sf_policy_parse() reports it */
	pol = sf_policy_parse(text.data != NULL ? text.data : "", text.len, path, error);
	sf_vec_free(&text);
	return pol;
}

char *sf_policy_summary(const SfPolicy *policy)
{
	unsigned allow = 0, deny = 0, names = 0, n = policy->rules->len;
	unsigned up = policy->upstreams->len;
	g_autofree char *upstreams = NULL;

	for (unsigned i = 0; i < n; i++) {
		const SfRule *r = &g_array_index(policy->rules, SfRule, i);

		if (r->action == SF_ACTION_ALLOW)
			allow++;
		else
			deny++;
		if (r->kind == SF_TARGET_NAME || r->kind == SF_TARGET_SUFFIX ||
		    r->kind == SF_TARGET_ALL_NAMES)
			names++;
	}
	upstreams = up == 0 ? g_strdup("the host's resolvers")
			    : g_strdup_printf("%u upstream%s", up, up == 1 ? "" : "s");
	return g_strdup_printf("%s: %u rule%s (%u allow, %u deny; %u name rule%s), mode %s, %s",
			       policy->source ? policy->source : "policy", n, n == 1 ? "" : "s",
			       allow, deny, names, names == 1 ? "" : "s",
			       policy->mode == SF_MODE_AUDIT ? "audit" : "enforce", upstreams);
}
