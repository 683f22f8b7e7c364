/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The API socket's protocol (slirp4netns 1.2 compatible): requests in, replies out, no I/O. */
#pragma once

#include <glib.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

/* Largest request accepted; slirp4netns's limit is 4096, we allow more. */
#define SF_API_REQUEST_MAX (64 * 1024)
/* Forwards one helper keeps at most. */
#define SF_API_HOSTFWD_MAX 1024

#define SF_API_ERROR (sf_api_error_quark())
GQuark sf_api_error_quark(void);

/* The GError message is the "desc" slirp4netns would send. */
typedef enum {
	SF_API_ERROR_BAD_REQUEST,
} SfApiError;

typedef enum {
	SF_API_ADD_HOSTFWD,
	SF_API_LIST_HOSTFWD,
	SF_API_REMOVE_HOSTFWD,
} SfApiCommand;

typedef struct {
	int id;
	bool is_udp;
	struct in_addr host_addr;
	int host_port;
	struct in_addr guest_addr;
	int guest_port;
} SfHostfwd;

typedef struct {
	SfApiCommand command;
	SfHostfwd fwd; /* add_hostfwd: everything but id; remove_hostfwd: id */
} SfApiRequest;

/**
 * sf_api_parse_request:
 * Parses one request of @len bytes (not NUL-terminated, any bytes) with
 * json-glib. A missing or empty guest_addr becomes @guest_default and a
 * missing host_addr 0.0.0.0, as in slirp4netns. On error sets @error with
 * slirp4netns's description ("bad request: ...").
 */
bool sf_api_parse_request(const char *buf, size_t len, struct in_addr guest_default,
			  SfApiRequest *req, GError **error);

/**
 * sf_api_request_complete:
 * TRUE when @buf already holds one whole JSON value (a client that does not
 * shut down its write side is answered as soon as its request is complete).
 */
bool sf_api_request_complete(const char *buf, size_t len);

/** sf_api_reply_error: `{"error":{"desc":DESC}}` (newly allocated). */
char *sf_api_reply_error(const char *desc);
/** sf_api_reply_id: `{"return":{"id":ID}}`. */
char *sf_api_reply_id(int id);
/** sf_api_reply_empty: `{"return":{}}`. */
char *sf_api_reply_empty(void);

/**
 * SfHostfwdTable:
 * The forwards added through the API, with slirp4netns's ids (1, 2, ...,
 * never reused). Bounded by SF_API_HOSTFWD_MAX.
 */
typedef struct SfHostfwdTable SfHostfwdTable;

SfHostfwdTable *sf_hostfwd_table_new(void);
void sf_hostfwd_table_free(SfHostfwdTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SfHostfwdTable, sf_hostfwd_table_free)

/** sf_hostfwd_table_full: TRUE when no forward can be added. */
bool sf_hostfwd_table_full(const SfHostfwdTable *table);
/** sf_hostfwd_table_add: stores @fwd under a new id, which it returns. */
int sf_hostfwd_table_add(SfHostfwdTable *table, const SfHostfwd *fwd);
/** sf_hostfwd_table_find: the entry with @id or NULL. */
const SfHostfwd *sf_hostfwd_table_find(const SfHostfwdTable *table, int id);
/** sf_hostfwd_table_remove: FALSE if there is no such id. */
bool sf_hostfwd_table_remove(SfHostfwdTable *table, int id);
/** sf_hostfwd_table_count: how many forwards are stored. */
unsigned sf_hostfwd_table_count(const SfHostfwdTable *table);

/**
 * sf_api_reply_list:
 * The list_hostfwd reply. slirp4netns 1.2 really answers {"entries":[...]}
 * while its manual documents {"return":{"entries":[...]}}; we send both
 * keys so clients written against either keep working.
 */
char *sf_api_reply_list(const SfHostfwdTable *table);
