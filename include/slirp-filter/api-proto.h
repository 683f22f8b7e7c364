/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The API socket's protocol (slirp4netns 1.2 compatible): requests in, replies out, no I/O. */
#pragma once

#include <glib.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "slirp-filter/netconfig.h"

/*
 * Largest request accepted, in bytes. slirp4netns answers "too large
 * message" from 4096 bytes on; Podman's requests are ~150 bytes. 8 KiB keeps
 * the worst-case json-glib parse of a hostile request near half a
 * millisecond (64 KiB of small numbers takes ~5 ms), so the data path never
 * waits long behind the API.
 */
#define SF_API_REQUEST_MAX (8 * 1024)
/*
 * Most '{' plus '[' bytes a request may hold. json-glib's parser recurses
 * once per nesting level (~100 bytes of stack each), so an unbounded run of
 * '[' could exhaust the stack; a real request has two.
 */
#define SF_API_NESTING_MAX 32
/* Forwards one helper keeps at most. */
#define SF_API_HOSTFWD_MAX 1024

#define SF_API_ERROR (sf_api_error_quark())
GQuark sf_api_error_quark(void);

/* What was wrong with a request; the GError message is the reply's "desc". */
typedef enum {
	SF_API_ERROR_TOO_LARGE,       /* over SF_API_REQUEST_MAX */
	SF_API_ERROR_PARSE,           /* not JSON, or over SF_API_NESTING_MAX */
	SF_API_ERROR_NOT_OBJECT,      /* valid JSON but not an object */
	SF_API_ERROR_NO_EXECUTE,      /* no string "execute" member */
	SF_API_ERROR_UNKNOWN_EXECUTE, /* an execute we do not implement */
	SF_API_ERROR_BAD_ARGUMENT,    /* a missing or bad arguments.X */
} SfApiError;

typedef enum {
	SF_API_ADD_HOSTFWD,
	SF_API_LIST_HOSTFWD,
	SF_API_REMOVE_HOSTFWD,
	SF_API_RELOAD_POLICY, /* slirp-filter's own: re-read the policy file */
	SF_API_GET_COUNTERS,  /* slirp-filter's own: flow and drop counters */
	SF_API_GET_STATUS,    /* slirp-filter's own: policy, counters, learned addresses, flows */
} SfApiCommand;

/* One host port forward; addresses in network byte order. */
typedef struct {
	int id;
	bool is_udp;
	struct in_addr host_addr;
	int host_port; /* 1..65535 */
	struct in_addr guest_addr;
	int guest_port; /* 1..65535 */
} SfHostfwd;

typedef struct {
	SfApiCommand command;
	SfHostfwd fwd; /* add_hostfwd: everything but id; remove_hostfwd: id */
} SfApiRequest;

/**
 * sf_hostfwd_guest_check:
 * Why @guest_addr cannot be a forward's target in @layout, or NULL: it
 * must be an address the container may hold in the guest network (inside
 * the IPv4 CIDR, not its network or broadcast address, not the gateway or
 * DNS address libslirp answers itself). Forwards are IPv4 only; the IPv6
 * prefix has no forwards to check.
 */
const char *sf_hostfwd_guest_check(const SfNetLayout *layout, struct in_addr guest_addr);

/**
 * sf_api_parse_request:
 * Parses one request of @len bytes (not NUL-terminated, any bytes) with
 * json-glib. A missing, null or empty host_addr means 0.0.0.0 and a
 * missing, null or empty guest_addr means @guest_default, as in slirp4netns.
 * Ports must be integers in 1..65535 and ids in 1..G_MAXINT.
 * On error sets @error (domain SF_API_ERROR) whose message is the "desc"
 * slirp4netns 1.2 sends for that fault ("bad request: ..."), and returns
 * false.
 */
bool sf_api_parse_request(const char *buf, size_t len, struct in_addr guest_default,
			  SfApiRequest *req, GError **error);

/**
 * sf_api_request_complete:
 * TRUE when @buf can be answered without waiting for more bytes: it holds
 * one whole JSON value, or bytes no continuation can make acceptable (over
 * SF_API_REQUEST_MAX or SF_API_NESTING_MAX, a NUL byte). A client that does
 * not shut down its write side is answered as soon as this holds.
 */
bool sf_api_request_complete(const char *buf, size_t len);

/** sf_api_reply_error: `{"error":{"desc":DESC}}`, newly allocated. */
char *sf_api_reply_error(const char *desc);
/** sf_api_reply_id: `{"return":{"id":ID}}`, newly allocated. */
char *sf_api_reply_id(int id);
/** sf_api_reply_empty: `{"return":{}}`, newly allocated. */
char *sf_api_reply_empty(void);

/**
 * SfHostfwdTable:
 * The forwards added through the API in insertion order, with slirp4netns's
 * ids (1, 2, ..., never reused). Bounded by SF_API_HOSTFWD_MAX.
 */
typedef struct SfHostfwdTable SfHostfwdTable;

/** sf_hostfwd_table_new: an empty table whose first id is 1. */
SfHostfwdTable *sf_hostfwd_table_new(void);
/** sf_hostfwd_table_free: frees @table; NULL-safe. */
void sf_hostfwd_table_free(SfHostfwdTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SfHostfwdTable, sf_hostfwd_table_free)

/** sf_hostfwd_table_full: TRUE when sf_hostfwd_table_add() would fail. */
bool sf_hostfwd_table_full(const SfHostfwdTable *table);
/** sf_hostfwd_table_add: stores a copy of @fwd under a new id and returns it; -1 when full. */
int sf_hostfwd_table_add(SfHostfwdTable *table, const SfHostfwd *fwd);
/** sf_hostfwd_table_find: the entry with @id, or NULL. Valid until the table changes. */
const SfHostfwd *sf_hostfwd_table_find(const SfHostfwdTable *table, int id);
/** sf_hostfwd_table_remove: removes the entry with @id; FALSE if there is none. */
bool sf_hostfwd_table_remove(SfHostfwdTable *table, int id);
/** sf_hostfwd_table_count: how many forwards are stored. */
unsigned sf_hostfwd_table_count(const SfHostfwdTable *table);
/**
 * sf_hostfwd_table_nth:
 * The @index-th entry in insertion order (0-based), or NULL past the end:
 * `for (i = 0; (f = sf_hostfwd_table_nth(t, i)) != NULL; i++)` iterates.
 */
const SfHostfwd *sf_hostfwd_table_nth(const SfHostfwdTable *table, unsigned index);

/**
 * sf_api_reply_list:
 * The list_hostfwd reply. slirp4netns 1.2 really answers {"entries":[...]}
 * while its manual documents {"return":{"entries":[...]}}; we send both
 * keys, `{"entries":[...],"return":{"entries":[...]}}`, so clients written
 * against either keep working. Each entry has id, proto, host_addr,
 * host_port, guest_addr and guest_port, as slirp4netns's.
 */
char *sf_api_reply_list(const SfHostfwdTable *table);
