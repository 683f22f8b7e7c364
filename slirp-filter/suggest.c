/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Suggesting a policy from audit records (`slirp-filter suggest-policy`).
 *
 * Theory of operation: every usable record adds to one *target*: a DNS
 * name, an address, or the host's loopback, in one of four sections. A
 * flow counts for the name in its record when there is one (the name whose
 * answer opened the address; audit mode forwards names the policy does not
 * allow and learns their addresses, so the flows of an audit run carry the
 * names too), otherwise for its destination address. Per target the
 * protocols and ports seen are kept (a port bitmap per protocol), with the
 * number of flows and the first and last time. Rendering sorts the targets
 * (names by their labels from the right, so one domain's hosts stand
 * together; addresses numerically), optionally folds several subdomains of
 * one parent into `*.parent`, compresses ports into lists and ranges, and
 * writes one rule per target and protocol with a comment above it. What a
 * careful reviewer must decide (protected destinations, flows a deny rule
 * refused, names only looked up) is written as commented-out rules with the
 * reason. Whether a destination is protected is decided from its address
 * (and the family its text is written in), with the ranges the daemon
 * protects (sf_filter_init() on the default network, plus the host's
 * resolvers the caller names), never from the record's `reason`: a log
 * is only text, and a record for ::ffff:127.0.0.1 or 0.0.0.0 that says
 * default-deny must not become an allow rule. The record's word can only
 * close a destination (rule-deny, protected), never open one. The result is parsed again by the caller's tests: it must always
 * be a valid policy.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "slirp-filter/filter.h"
#include "slirp-filter/netconfig.h"
#include "slirp-filter/policy.h"
#include "slirp-filter/suggest.h"

/* Longest rule line we write; the parser takes 4096 bytes. */
#define RULE_LINE_MAX 3000
/* Names listed in the comment of a wildcard rule before "and N more". */
#define WILDCARD_NAMES_SHOWN 6

typedef enum {
	SEC_NAMES,   /* reached through a name the container resolved */
	SEC_ADDRS,   /* reached without a lookup */
	SEC_CLOSED,  /* protected, or refused by a deny rule: comments only */
	SEC_LOOKUPS, /* names looked up but never connected to: comments only */
	SEC_N
} Section;

typedef enum {
	T_NAME,
	T_SUFFIX, /* *.parent, made at render time */
	T_ADDR,
	T_HOST,
} TargetKind;

enum { P_TCP, P_UDP, P_N };

typedef struct {
	Section section;
	TargetKind kind;
	char *target;        /* the word after `to` */
	char *sort_key;
	uint8_t *ports[P_N]; /* 65536-bit maps, NULL until a port is seen */
	bool icmp;
	uint64_t flows;
	int64_t first_us, last_us;
	char *why;           /* SEC_CLOSED: why it stays closed */
	GPtrArray *names;    /* T_SUFFIX: the names folded in; T_ADDR: names it was an answer for */
	bool folded;         /* a T_NAME merged into a T_SUFFIX at render time */
} Target;

/* A name the resolver refused (enforce) or let through only because of audit mode. */
typedef struct {
	uint64_t count;
	int64_t first_us, last_us;
	GPtrArray *qtypes;
} Lookup;

typedef struct {
	char *label;
	uint64_t used, ignored;
	unsigned skipped;
	int64_t first_us, last_us;
} Source;

struct SfSuggest {
	GHashTable *targets;  /* "section|target" -> Target */
	GHashTable *lookups;  /* name -> Lookup */
	GHashTable *answered; /* address -> GPtrArray of names it was seen as an answer for */
	GPtrArray *sources;   /* Source */
	Source *current;
	unsigned rules_written;
	SfProtected prot;     /* what the daemon protects (sf_suggest_set_network) */
};

static void target_free(gpointer p)
{
	Target *t = p;

	g_free(t->target);
	g_free(t->sort_key);
	for (int i = 0; i < P_N; i++)
		g_free(t->ports[i]);
	g_free(t->why);
	if (t->names != NULL)
		g_ptr_array_unref(t->names);
	g_free(t);
}

static void lookup_free(gpointer p)
{
	Lookup *l = p;

	g_ptr_array_unref(l->qtypes);
	g_free(l);
}

static void source_free(gpointer p)
{
	Source *src = p;

	g_free(src->label);
	g_free(src);
}

SfSuggest *sf_suggest_new(void)
{
	SfSuggest *s = g_new0(SfSuggest, 1);

	s->targets = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, target_free);
	s->lookups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, lookup_free);
	s->answered = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					    (GDestroyNotify)g_ptr_array_unref);
	s->sources = g_ptr_array_new_with_free_func(source_free);
	sf_suggest_set_network(s, NULL, NULL, 0);
	return s;
}

void sf_suggest_set_network(SfSuggest *s, const SfNetLayout *layout, const SfAddr *host_resolvers,
			    unsigned n_host_resolvers)
{
	g_autofree SfFilter *f = g_new0(SfFilter, 1);
	SfNetLayout def;

	if (layout == NULL) {
		if (!sf_netconfig_parse_cidr(SF_DEFAULT_CIDR, &def, NULL))
			g_assert_not_reached();
		layout = &def;
	}
	/* the very ranges the daemon protects, IPv6 ones included */
	sf_filter_init(f, layout, true, host_resolvers, n_host_resolvers);
	s->prot = f->prot;
}

void sf_suggest_free(SfSuggest *s)
{
	if (s == NULL)
		return;
	g_hash_table_destroy(s->targets);
	g_hash_table_destroy(s->lookups);
	g_hash_table_destroy(s->answered);
	g_ptr_array_unref(s->sources);
	g_free(s);
}

void sf_suggest_begin_source(SfSuggest *s, const char *label)
{
	Source *src = g_new0(Source, 1);

	src->label = g_strdup(label);
	src->first_us = G_MAXINT64;
	src->last_us = G_MININT64;
	g_ptr_array_add(s->sources, src);
	s->current = src;
}

void sf_suggest_end_source(SfSuggest *s, unsigned skipped)
{
	if (s->current != NULL)
		s->current->skipped += skipped;
	s->current = NULL;
}

/* ---- keys ---- */

/* Names sort by their labels from the right: "org.example.www". */
static char *name_sort_key(const char *name)
{
	g_auto(GStrv) labels = g_strsplit(name, ".", -1);
	guint n = g_strv_length(labels);
	GString *k = g_string_new(NULL);

	for (guint i = n; i > 0; i--) {
		g_string_append(k, labels[i - 1]);
		if (i > 1)
			g_string_append_c(k, '.');
	}
	return g_string_free(k, FALSE);
}

/* Addresses sort numerically, IPv4 before IPv6; the host's loopback first. */
static char *addr_sort_key(const char *canonical)
{
	uint8_t b[16];
	GString *k = g_string_new(NULL);

	if (inet_pton(AF_INET, canonical, b) == 1) {
		g_string_append_c(k, '4');
		for (int i = 0; i < 4; i++)
			g_string_append_printf(k, "%02x", b[i]);
	} else if (inet_pton(AF_INET6, canonical, b) == 1) {
		g_string_append_c(k, '6');
		for (int i = 0; i < 16; i++)
			g_string_append_printf(k, "%02x", b[i]);
	} else {
		g_string_append(k, "0");
		g_string_append(k, canonical);
	}
	return g_string_free(k, FALSE);
}

/*
 * The address in its canonical text, in the family it is written in (an
 * IPv6 flow to ::ffff:a.b.c.d stays IPv6: the daemon writes records so),
 * with the address and family into @addr and @family; NULL if none.
 */
static char *canonical_addr(const char *text, SfAddr *addr, int *family)
{
	uint8_t b[16];
	char buf[INET6_ADDRSTRLEN];

	if (inet_pton(AF_INET, text, b) == 1) {
		sf_addr_from_ipv4(addr, b);
		*family = AF_INET;
		return g_strdup(inet_ntop(AF_INET, b, buf, sizeof(buf)));
	}
	if (inet_pton(AF_INET6, text, b) != 1)
		return NULL;
	memcpy(addr->b, b, 16);
	*family = AF_INET6;
	return g_strdup(inet_ntop(AF_INET6, b, buf, sizeof(buf)));
}

/* The name as a rule can name it, or NULL (not a valid name, or one the parser reads as an address). */
static char *rule_name(const char *name)
{
	char norm[256];

	if (name == NULL || name[0] == '\0' || strlen(name) > 253 ||
	    sf_name_normalize(name, strlen(name), norm) != NULL)
		return NULL;
	if (strspn(norm, "0123456789.") == strlen(norm))
		return NULL;
	return g_strdup(norm);
}

static Target *target_get(SfSuggest *s, Section sec, TargetKind kind, const char *target)
{
	g_autofree char *key = g_strdup_printf("%d|%s", sec, target);
	Target *t = g_hash_table_lookup(s->targets, key);

	if (t != NULL)
		return t;
	t = g_new0(Target, 1);
	t->section = sec;
	t->kind = kind;
	t->target = g_strdup(target);
	t->sort_key = kind == T_NAME ? name_sort_key(target) : kind == T_HOST ? g_strdup("0") :
		      addr_sort_key(target);
	t->first_us = G_MAXINT64;
	t->last_us = G_MININT64;
	g_hash_table_insert(s->targets, g_steal_pointer(&key), t);
	return t;
}

static void span_add(int64_t *first, int64_t *last, int64_t t)
{
	*first = MIN(*first, t);
	*last = MAX(*last, t);
}

static void port_set(Target *t, int proto, unsigned port)
{
	if (t->ports[proto] == NULL)
		t->ports[proto] = g_malloc0(65536 / 8);
	t->ports[proto][port / 8] |= (uint8_t)(1u << (port % 8));
}

static bool port_has(const uint8_t *map, unsigned port)
{
	return map != NULL && (map[port / 8] & (1u << (port % 8))) != 0;
}

static void strv_add_unique(GPtrArray *arr, const char *s)
{
	for (guint i = 0; i < arr->len; i++)
		if (strcmp(arr->pdata[i], s) == 0)
			return;
	g_ptr_array_add(arr, g_strdup(s));
}

/* ---- adding records ---- */

static bool add_flow(SfSuggest *s, const SfAuditRecord *r)
{
	SfAddr a;
	int family = 0, prot;
	g_autofree char *addr = r->dst != NULL ? canonical_addr(r->dst, &a, &family) : NULL;
	g_autofree char *name = NULL;
	bool tcp = strcmp(r->proto, "tcp") == 0, udp = strcmp(r->proto, "udp") == 0;
	bool icmp = strcmp(r->proto, "icmp") == 0 || strcmp(r->proto, "icmpv6") == 0;
	Section sec;
	Target *t;

	if (strcmp(r->verdict, "allow") != 0 && strcmp(r->verdict, "deny") != 0 &&
	    strcmp(r->verdict, "audit-deny") != 0)
		return false; /* a cut flow was counted when it started */
	if (strcmp(r->reason, "inbound") == 0)
		return false; /* replies through a port forward: not egress */
	if (addr == NULL || !(tcp || udp || icmp) || ((tcp || udp) && r->dport <= 0))
		return false; /* nothing a rule can express (port 0, another protocol) */

	/* protected by its address, whatever the record says (its word can only close it) */
	prot = sf_protected_find_af(&s->prot, family, &a);
	if (prot >= 0 || strcmp(r->reason, "protected") == 0 || strcmp(r->reason, "rule-deny") == 0) {
		const char *range = prot >= 0 ? s->prot.what[prot] : r->range;
		bool host = range != NULL && strcmp(range, "host loopback") == 0;

		sec = SEC_CLOSED;
		t = target_get(s, sec, host ? T_HOST : T_ADDR, host ? "host" : addr);
		if (t->why == NULL && prot >= 0 && strcmp(range, "IPv4-mapped") == 0) {
			char v4[INET_ADDRSTRLEN];

			t->why = g_strdup_printf("protected (IPv4-mapped): IPv6 packets to ::ffff:0:0/96 "
						 "are always refused; a rule for the IPv4 address "
						 "%s opens it over IPv4",
						 inet_ntop(AF_INET, a.b + 12, v4, sizeof(v4)));
		}
		else if (t->why == NULL && prot < 0 && strcmp(r->reason, "rule-deny") == 0)
			t->why = g_strdup_printf("refused by the deny rule at %s",
						 r->rule != NULL ? r->rule : "?");
		else if (t->why == NULL)
			t->why = g_strdup_printf("protected (%s): only a rule that names it opens it",
						 range != NULL ? range : "a protected range");
	} else if ((name = rule_name(r->name)) != NULL) {
		GPtrArray *names = g_hash_table_lookup(s->answered, addr);

		if (names == NULL) {
			names = g_ptr_array_new_with_free_func(g_free);
			g_hash_table_insert(s->answered, g_strdup(addr), names);
		}
		strv_add_unique(names, name);
		t = target_get(s, SEC_NAMES, T_NAME, name);
	} else {
		t = target_get(s, SEC_ADDRS, T_ADDR, addr);
	}
	if (tcp || udp)
		port_set(t, tcp ? P_TCP : P_UDP, (unsigned)r->dport);
	else
		t->icmp = true;
	t->flows += r->count > 0 ? (uint64_t)r->count : 1; /* a summary stands for COUNT flows */
	span_add(&t->first_us, &t->last_us, r->first_us);
	span_add(&t->first_us, &t->last_us, r->last_us);
	return true;
}

static bool add_dns(SfSuggest *s, const SfAuditRecord *r)
{
	g_autofree char *name = NULL;
	Lookup *l;

	if ((strcmp(r->verdict, "deny") != 0 && strcmp(r->verdict, "audit-deny") != 0) ||
	    strcmp(r->reason, "not-allowed") != 0)
		return false;
	name = rule_name(r->name);
	if (name == NULL)
		return false;
	l = g_hash_table_lookup(s->lookups, name);
	if (l == NULL) {
		l = g_new0(Lookup, 1);
		l->qtypes = g_ptr_array_new_with_free_func(g_free);
		l->first_us = G_MAXINT64;
		l->last_us = G_MININT64;
		g_hash_table_insert(s->lookups, g_steal_pointer(&name), l);
	}
	l->count += r->count > 0 ? (uint64_t)r->count : 1;
	span_add(&l->first_us, &l->last_us, r->first_us);
	span_add(&l->first_us, &l->last_us, r->last_us);
	if (r->qtype != NULL && l->qtypes->len < 16)
		strv_add_unique(l->qtypes, r->qtype);
	return true;
}

bool sf_suggest_add(SfSuggest *s, const SfAuditRecord *rec)
{
	bool used = false;

	if (rec->event == SF_AUDIT_EV_FLOW)
		used = add_flow(s, rec);
	else if (rec->event == SF_AUDIT_EV_DNS)
		used = add_dns(s, rec);
	if (s->current != NULL) {
		if (used)
			s->current->used++;
		else
			s->current->ignored++;
		span_add(&s->current->first_us, &s->current->last_us, rec->time_us);
	}
	return used;
}

/* ---- rendering ---- */

/* Parents under which a wildcard would open other people's hosts, or every host of a country. */
static bool wildcard_refused(const char *parent)
{
	static const char *const shared[] = {
		"github.io", "githubusercontent.com", "gitlab.io", "herokuapp.com", "appspot.com",
		"cloudfront.net", "amazonaws.com", "s3.amazonaws.com", "azurewebsites.net",
		"blob.core.windows.net", "web.core.windows.net", "pages.dev", "workers.dev",
		"vercel.app", "netlify.app", "fly.dev", "onrender.com", "firebaseapp.com",
		"web.app", "ngrok.io", "ngrok-free.app", "trycloudflare.com", "duckdns.org",
	};
	static const char *const second_level[] = { "co", "com", "net", "org", "gov", "edu", "ac",
						    "or", "ne", "go", "mil", "ltd", "plc", "sch" };
	g_auto(GStrv) labels = g_strsplit(parent, ".", -1);
	guint n = g_strv_length(labels);

	if (n < 2)
		return true; /* *.com, *.example */
	/* *.user.github.io is one user's: only the shared parent itself is refused */
	for (size_t i = 0; i < G_N_ELEMENTS(shared); i++)
		if (strcmp(parent, shared[i]) == 0)
			return true;
	if (n == 2 && strlen(labels[1]) == 2)
		for (size_t i = 0; i < G_N_ELEMENTS(second_level); i++)
			if (strcmp(labels[0], second_level[i]) == 0)
				return true; /* co.uk, com.au, ... */
	return false;
}

static void fmt_time(int64_t us, char *buf, size_t size)
{
	sf_audit_time_format(us, buf, size);
}

static void append_span(GString *out, int64_t first, int64_t last)
{
	char a[32], b[32];

	if (first > last)
		return;
	fmt_time(first, a, sizeof(a));
	fmt_time(last, b, sizeof(b));
	if (strcmp(a, b) == 0)
		g_string_append_printf(out, ", at %s", a);
	else
		g_string_append_printf(out, ", first %s, last %s", a, b);
}

/* The port entries of @map: "80", "443", "8000-8080". */
static GPtrArray *port_entries(const uint8_t *map)
{
	GPtrArray *e = g_ptr_array_new_with_free_func(g_free);

	for (unsigned p = 1; p <= 65535; p++) {
		unsigned q = p;

		if (!port_has(map, p))
			continue;
		while (q < 65535 && port_has(map, q + 1))
			q++;
		if (q == p)
			g_ptr_array_add(e, g_strdup_printf("%u", p));
		else if (q == p + 1) {
			g_ptr_array_add(e, g_strdup_printf("%u", p));
			g_ptr_array_add(e, g_strdup_printf("%u", q));
		} else
			g_ptr_array_add(e, g_strdup_printf("%u-%u", p, q));
		p = q;
	}
	return e;
}

/* Writes the rules of @t, each line prefixed with @prefix ("" or "# "); returns how many. */
static unsigned emit_rules(GString *out, const Target *t, const char *prefix)
{
	static const char *const pname[P_N] = { "tcp", "udp" };
	unsigned n = 0;

	for (int p = 0; p < P_N; p++) {
		g_autoptr(GPtrArray) e = NULL;
		GString *line = NULL;

		if (t->ports[p] == NULL)
			continue;
		e = port_entries(t->ports[p]);
		for (guint i = 0; i < e->len; i++) {
			const char *entry = e->pdata[i];

			if (line != NULL && line->len + strlen(entry) + 1 > RULE_LINE_MAX) {
				g_string_append_printf(out, "%s\n", line->str);
				g_string_free(line, TRUE);
				line = NULL;
				n++;
			}
			if (line == NULL) {
				line = g_string_new(NULL);
				g_string_append_printf(line, "%sallow %s to %s port ", prefix, pname[p],
						       t->target);
			} else {
				g_string_append_c(line, ',');
			}
			g_string_append(line, entry);
		}
		if (line != NULL) {
			g_string_append_printf(out, "%s\n", line->str);
			g_string_free(line, TRUE);
			n++;
		}
	}
	if (t->icmp) {
		g_string_append_printf(out, "%sallow icmp to %s\n", prefix, t->target);
		n++;
	}
	return n;
}

/* "tcp 80,443; udp 53; icmp" */
static void append_what(GString *out, const Target *t)
{
	static const char *const pname[P_N] = { "tcp", "udp" };
	bool first = true;

	for (int p = 0; p < P_N; p++) {
		g_autoptr(GPtrArray) e = NULL;

		if (t->ports[p] == NULL)
			continue;
		e = port_entries(t->ports[p]);
		g_string_append_printf(out, "%s%s ", first ? "" : "; ", pname[p]);
		for (guint i = 0; i < MIN(e->len, 8u); i++)
			g_string_append_printf(out, "%s%s", i > 0 ? "," : "", (char *)e->pdata[i]);
		if (e->len > 8)
			g_string_append_printf(out, ",... (%u entries)", e->len);
		first = false;
	}
	if (t->icmp)
		g_string_append_printf(out, "%sicmp", first ? "" : "; ");
}

static void append_names(GString *out, const GPtrArray *names, guint shown)
{
	for (guint i = 0; i < names->len && i < shown; i++)
		g_string_append_printf(out, "%s%s", i > 0 ? ", " : "", (char *)names->pdata[i]);
	if (names->len > shown)
		g_string_append_printf(out, " and %u more", names->len - shown);
}

static gint target_cmp(gconstpointer a, gconstpointer b)
{
	const Target *x = *(Target *const *)a, *y = *(Target *const *)b;

	return strcmp(x->sort_key, y->sort_key);
}

static gint str_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void merge_into(Target *dst, const Target *src)
{
	for (int p = 0; p < P_N; p++) {
		if (src->ports[p] == NULL)
			continue;
		if (dst->ports[p] == NULL)
			dst->ports[p] = g_malloc0(65536 / 8);
		for (unsigned i = 0; i < 65536 / 8; i++)
			dst->ports[p][i] |= src->ports[p][i];
	}
	dst->icmp |= src->icmp;
	dst->flows += src->flows;
	span_add(&dst->first_us, &dst->last_us, src->first_us);
	span_add(&dst->first_us, &dst->last_us, src->last_us);
}

/* The wildcard targets for names sharing a parent (only with --wildcards); owned by @made. */
static void fold_wildcards(GPtrArray *names, GPtrArray *made)
{
	g_autoptr(GHashTable) by_parent = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
								  (GDestroyNotify)g_ptr_array_unref);

	for (guint i = 0; i < names->len; i++) {
		Target *t = names->pdata[i];
		const char *dot = strchr(t->target, '.');
		GPtrArray *group;

		if (dot == NULL || wildcard_refused(dot + 1))
			continue;
		group = g_hash_table_lookup(by_parent, dot + 1);
		if (group == NULL) {
			group = g_ptr_array_new();
			g_hash_table_insert(by_parent, (gpointer)(dot + 1), group);
		}
		g_ptr_array_add(group, t);
	}
	{
		GHashTableIter it;
		gpointer k, v;

		g_hash_table_iter_init(&it, by_parent);
		while (g_hash_table_iter_next(&it, &k, &v)) {
			GPtrArray *group = v;
			Target *w;

			if (group->len < 2)
				continue;
			w = g_new0(Target, 1);
			w->section = SEC_NAMES;
			w->kind = T_SUFFIX;
			w->target = g_strdup_printf("*.%s", (const char *)k);
			w->sort_key = name_sort_key(w->target);
			w->first_us = G_MAXINT64;
			w->last_us = G_MININT64;
			w->names = g_ptr_array_new_with_free_func(g_free);
			for (guint i = 0; i < group->len; i++) {
				Target *t = group->pdata[i];

				merge_into(w, t);
				g_ptr_array_add(w->names, g_strdup(t->target));
				t->folded = true;
			}
			g_ptr_array_sort(w->names, str_cmp);
			g_ptr_array_add(made, w);
		}
	}
}

/* Whether @name is covered by a rule of @names (exact, or a wildcard that folded it). */
static bool name_covered(GPtrArray *names, const char *name)
{
	for (guint i = 0; i < names->len; i++) {
		const Target *t = names->pdata[i];

		if (t->kind == T_NAME && strcmp(t->target, name) == 0)
			return true;
		if (t->kind == T_SUFFIX) {
			const char *parent = t->target + 2;
			size_t ln = strlen(name), lp = strlen(parent);

			if (ln > lp + 1 && name[ln - lp - 1] == '.' && strcmp(name + ln - lp, parent) == 0)
				return true;
		}
	}
	return false;
}

static void lookup_comment(GString *out, const Lookup *l)
{
	g_string_append_printf(out, "looked up %" G_GUINT64_FORMAT " time%s", l->count,
			       l->count == 1 ? "" : "s");
	if (l->qtypes->len > 0) {
		g_string_append(out, " (");
		append_names(out, l->qtypes, 16);
		g_string_append_c(out, ')');
	}
}

char *sf_suggest_render(SfSuggest *s, const SfSuggestOptions *opts)
{
	GString *out = g_string_new(NULL);
	GPtrArray *sec[SEC_N];
	g_autoptr(GPtrArray) made = g_ptr_array_new_with_free_func(target_free);
	g_autoptr(GPtrArray) lookup_only = g_ptr_array_new();
	uint64_t total_used = 0;
	unsigned skipped = 0;
	GHashTableIter it;
	gpointer k, v;

	s->rules_written = 0;
	for (int i = 0; i < SEC_N; i++)
		sec[i] = g_ptr_array_new();
	g_hash_table_iter_init(&it, s->targets);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		Target *t = v;

		t->folded = false;
		g_ptr_array_add(sec[t->section], t);
	}
	if (opts != NULL && opts->wildcards) {
		fold_wildcards(sec[SEC_NAMES], made);
		for (guint i = 0; i < made->len; i++)
			g_ptr_array_add(sec[SEC_NAMES], made->pdata[i]);
		for (guint i = sec[SEC_NAMES]->len; i > 0; i--)
			if (((Target *)sec[SEC_NAMES]->pdata[i - 1])->folded)
				g_ptr_array_remove_index(sec[SEC_NAMES], i - 1);
	}
	g_hash_table_iter_init(&it, s->lookups);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (!name_covered(sec[SEC_NAMES], k))
			g_ptr_array_add(lookup_only, k);
	g_ptr_array_sort(lookup_only, str_cmp);
	for (int i = 0; i < SEC_N; i++)
		g_ptr_array_sort(sec[i], target_cmp);

	/* ---- header ---- */
	g_string_append(out, "# slirp-filter policy suggested by `slirp-filter suggest-policy` from:\n");
	for (guint i = 0; i < s->sources->len; i++) {
		const Source *src = s->sources->pdata[i];

		g_string_append_printf(out, "#   %s: %" G_GUINT64_FORMAT " record%s used", src->label,
				       src->used, src->used == 1 ? "" : "s");
		if (src->skipped > 0)
			g_string_append_printf(out, ", %u line%s skipped", src->skipped,
					       src->skipped == 1 ? "" : "s");
		append_span(out, src->first_us, src->last_us);
		g_string_append_c(out, '\n');
		total_used += src->used;
		skipped += src->skipped;
	}
	g_string_append(out,
		"# It allows what those runs did and nothing else. Review every rule (a run may\n"
		"# have done something it should not), then check and use it:\n"
		"#   slirp-filter --check-policy FILE\n"
		"#   SLIRP_FILTER_POLICY=FILE podman run ...\n");
	if (skipped > 0)
		g_string_append_printf(out, "# %u unusable log line%s were skipped: what they recorded is "
				       "not covered.\n", skipped, skipped == 1 ? "" : "s");
	g_string_append(out, "version 1\nmode enforce\n");
	if (total_used == 0)
		g_string_append(out, "\n# The logs show no outbound flow and no refused name: this policy "
				     "allows nothing.\n");

	/* ---- names ---- */
	if (sec[SEC_NAMES]->len > 0) {
		g_string_append(out, "\n# ---- names the container looked up (their DNS answers open the addresses) ----\n");
		for (guint i = 0; i < sec[SEC_NAMES]->len; i++) {
			const Target *t = sec[SEC_NAMES]->pdata[i];
			const Lookup *l = t->kind == T_NAME ? g_hash_table_lookup(s->lookups, t->target) : NULL;

			g_string_append_printf(out, "\n# %s: %" G_GUINT64_FORMAT " flow%s", t->target, t->flows,
					       t->flows == 1 ? "" : "s");
			append_span(out, t->first_us, t->last_us);
			if (l != NULL) {
				g_string_append(out, "; ");
				lookup_comment(out, l);
			}
			g_string_append_c(out, '\n');
			if (t->kind == T_SUFFIX) {
				g_string_append(out, "# covers ");
				append_names(out, t->names, WILDCARD_NAMES_SHOWN);
				g_string_append(out, " (and every other subdomain, not the name itself)\n");
			}
			s->rules_written += emit_rules(out, t, "");
		}
	}

	/* ---- addresses ---- */
	if (sec[SEC_ADDRS]->len > 0) {
		g_string_append(out,
			"\n# ---- addresses reached without a DNS lookup ----\n"
			"# WARNING: the container reached these without asking slirp-filter's resolver\n"
			"# for a name: a hard-coded address, or a name resolved some other way. Keep a\n"
			"# rule only if you know why it is needed; a name rule is easier to review and\n"
			"# follows the service when its addresses change.\n");
		for (guint i = 0; i < sec[SEC_ADDRS]->len; i++) {
			const Target *t = sec[SEC_ADDRS]->pdata[i];
			GPtrArray *names = g_hash_table_lookup(s->answered, t->target);

			g_string_append_printf(out, "\n# %s: %" G_GUINT64_FORMAT " flow%s (", t->target,
					       t->flows, t->flows == 1 ? "" : "s");
			append_what(out, t);
			g_string_append_c(out, ')');
			append_span(out, t->first_us, t->last_us);
			g_string_append_c(out, '\n');
			if (names != NULL) {
				g_string_append(out, "# NOTE: at other times an answer for ");
				append_names(out, names, WILDCARD_NAMES_SHOWN);
				g_string_append(out, ": these flows came after the\n"
						     "# answer's TTL ran out; a longer `dns ttl-min` may "
						     "make this rule unnecessary.\n");
			}
			s->rules_written += emit_rules(out, t, "");
		}
	}

	/* ---- closed ---- */
	if (sec[SEC_CLOSED]->len > 0) {
		g_string_append(out,
			"\n# ---- seen, but left closed ----\n"
			"# Protected destinations (host loopback, link-local, multicast, ...) open only\n"
			"# with a rule that names them, and flows refused by a deny rule stay refused.\n"
			"# Uncomment a rule only if the container really needs it.\n");
		for (guint i = 0; i < sec[SEC_CLOSED]->len; i++) {
			const Target *t = sec[SEC_CLOSED]->pdata[i];

			g_string_append_printf(out, "\n# %s: %" G_GUINT64_FORMAT " flow%s (", t->target,
					       t->flows, t->flows == 1 ? "" : "s");
			append_what(out, t);
			g_string_append_c(out, ')');
			append_span(out, t->first_us, t->last_us);
			g_string_append_printf(out, "\n# %s\n", t->why != NULL ? t->why : "left closed");
			emit_rules(out, t, "# ");
		}
	}

	/* ---- names only looked up ---- */
	if (lookup_only->len > 0) {
		g_string_append(out,
			"\n# ---- names looked up but never connected to ----\n"
			"# A name rule makes a name resolvable, but nothing shows which protocol and\n"
			"# port these need (the port below is a guess). Uncomment what is needed.\n");
		for (guint i = 0; i < lookup_only->len; i++) {
			const char *name = lookup_only->pdata[i];
			const Lookup *l = g_hash_table_lookup(s->lookups, name);

			g_string_append_printf(out, "\n# %s: ", name);
			lookup_comment(out, l);
			append_span(out, l->first_us, l->last_us);
			g_string_append_printf(out, "\n# allow tcp to %s port 443\n", name);
		}
	}
	for (int i = 0; i < SEC_N; i++)
		g_ptr_array_unref(sec[i]);
	return g_string_free(out, FALSE);
}

unsigned sf_suggest_rule_count(const SfSuggest *s)
{
	return s->rules_written;
}
