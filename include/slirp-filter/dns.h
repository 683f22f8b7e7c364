/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The I/O-free filtering resolver: query checks, upstream answers, cache, TCP framing. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "slirp-filter/cidr.h"
#include "slirp-filter/frame.h"
#include "slirp-filter/policy.h"

/*
 * Everything here is a pure function of its arguments: no sockets, no clock
 * (time comes in as now_ms, any monotonic milliseconds), no globals. Every
 * DNS message is parsed and built with ldns, with two exceptions written by
 * hand: the 2-byte length prefix of DNS over TCP (dns-stream.c), and the
 * fast path for cache hits (dns-fast.c), which reads a common query's wire
 * form and patches a reply that ldns built when the answer was cached.
 *
 * The daemon's flow for one query (UDP or TCP):
 *
 *   if sf_dns_fast_answer(cache, bytes, len, tcp, ..., reply, sizeof reply, &hit):
 *              sf_dns_counters_fast(), send reply[0..hit.reply_len) (learned already). Done.
 *   verdict = sf_dns_query_check(bytes, len, tcp, policy, &q, reply, sizeof reply, &n);
 *   DROP    -> nothing to send.
 *   REFUSE  -> send reply[0..n) (audit-log q.name, q.qtype, q.reason, q.deny_rule).
 *   FORWARD -> if sf_dns_cache_lookup(cache, &q, policy, now, &ans): learn, send ans.reply.
 *              else sf_dns_upstream_query(&q, fresh_id, ...) to an upstream; keep q.
 *   upstream datagram -> sf_dns_answer_process(..., &q, fresh_id, ...):
 *              IGNORE    -> keep waiting (forged, unsolicited or garbled).
 *              RETRY_TCP -> upstream truncated: ask again over TCP (or send ans.reply).
 *              REPLY     -> sf_dns_answer_learn() FIRST, then send ans.reply;
 *                           sf_dns_cache_insert(cache, &q, &ans).
 *   timeout -> sf_dns_reply_servfail(&q, ...).
 */

/* Limits and sizes. */
#define SF_DNS_HEADER_LEN 12u
#define SF_DNS_MSG_MAX 65535u          /* largest DNS message (TCP) */
#define SF_DNS_UDP_MIN 512u            /* client UDP size without EDNS */
#define SF_DNS_UDP_CLIENT_MAX 4096u    /* a larger EDNS size from a client is clamped to this */
#define SF_DNS_EDNS_SIZE 1232u         /* what we advertise, upstream and to clients */
#define SF_DNS_REPLY_MIN 512u          /* a reply buffer this large always holds a refusal */
#define SF_DNS_NAME_MAX 253u           /* text form, no final dot */
#define SF_DNS_NAME_TEXT 1024u         /* buffer for a name as asked (escaped if not LDH) */
#define SF_DNS_CNAME_MAX 16u           /* CNAME links followed in one answer */
#define SF_DNS_LEARN_MAX 64u           /* addresses learned from one answer (more are stripped) */
#define SF_DNS_STRIPPED_MAX 16u        /* stripped addresses recorded for the audit log */
#define SF_DNS_CACHE_DEFAULT 4096u     /* default cache size (entries) */
#define SF_DNS_NEG_TTL_MAX 300u        /* negative answers are cached at most this long (s) */

/* DNS rcodes and types used by the API (values from RFC 1035 and the IANA registry). */
enum {
	SF_DNS_RCODE_NOERROR = 0,
	SF_DNS_RCODE_FORMERR = 1,
	SF_DNS_RCODE_SERVFAIL = 2,
	SF_DNS_RCODE_NXDOMAIN = 3,
	SF_DNS_RCODE_NOTIMP = 4,
	SF_DNS_RCODE_REFUSED = 5,
};

/*
 * SfDnsReason:
 * Why a query or an answer was refused, dropped, ignored or changed. The
 * names (sf_dns_reason_name) are stable: the audit log and counters use them.
 */
typedef enum {
	SF_DNS_REASON_NONE = 0,        /* "none": forwarded / answered normally */
	SF_DNS_REASON_NOT_ALLOWED,     /* "not-allowed": no allow rule names it */
	SF_DNS_REASON_DENIED_BY_RULE,  /* "denied-by-rule": a deny rule matches the name */
	SF_DNS_REASON_ANY,             /* "any-refused": qtype ANY */
	SF_DNS_REASON_ZONE_TRANSFER,   /* "zone-transfer": AXFR or IXFR */
	SF_DNS_REASON_META_TYPE,       /* "meta-type": OPT, TKEY, TSIG, MAILA, MAILB, other meta qtypes */
	SF_DNS_REASON_BAD_CLASS,       /* "bad-class": a qclass other than IN */
	SF_DNS_REASON_MALFORMED,       /* "malformed": ldns could not parse it */
	SF_DNS_REASON_QDCOUNT,         /* "bad-qdcount": zero or several questions */
	SF_DNS_REASON_OPCODE,          /* "bad-opcode": opcode other than QUERY */
	SF_DNS_REASON_TOO_LONG,        /* "too-long": name over 253 or a label over 63 */
	SF_DNS_REASON_BAD_NAME,        /* "bad-name": bytes other than letters, digits, '-', '_' */
	SF_DNS_REASON_CANARY,          /* "canary": use-application-dns.net (DoH canary) */
	SF_DNS_REASON_SHORT,           /* "short": under 12 bytes (dropped) */
	SF_DNS_REASON_RESPONSE,        /* "response": QR set in a query (dropped) */
	SF_DNS_REASON_WRONG_ID,        /* "wrong-id": upstream answer with another id (ignored) */
	SF_DNS_REASON_NOT_RESPONSE,    /* "not-response": upstream message without QR (ignored) */
	SF_DNS_REASON_WRONG_QUESTION,  /* "wrong-question": upstream question differs (ignored) */
	SF_DNS_REASON_UPSTREAM_MALFORMED, /* "upstream-malformed": unparseable answer (ignored) */
	SF_DNS_REASON_UPSTREAM_TRUNCATED, /* "upstream-truncated": TC from upstream: retry over TCP */
	SF_DNS_REASON_CNAME_DENIED,    /* "cname-denied": a CNAME chain name matches a deny rule */
	SF_DNS_REASON_CNAME_LOOP,      /* "cname-loop": the chain revisits a name (SERVFAIL) */
	SF_DNS_REASON_CNAME_TOO_LONG,  /* "cname-too-long": more than 16 links (SERVFAIL) */
	SF_DNS_REASON_CNAME_BAD_NAME,  /* "cname-bad-name": a chain name is not a valid name (SERVFAIL) */
	SF_DNS_REASON_UPSTREAM_FAILED, /* "upstream-failed": for the daemon's SERVFAIL on timeout */
	SF_DNS_REASON_QTYPE,           /* "qtype-not-allowed": not in sf_dns_qtype_allowed()'s list */
	SF_DNS_REASON_N
} SfDnsReason;

/** sf_dns_reason_name: the stable short name of @reason ("not-allowed", ...). */
const char *sf_dns_reason_name(SfDnsReason reason);

/**
 * sf_dns_type_name:
 * The mnemonic of a qtype ("A", "HTTPS") or "TYPE1234", in @buf (at least
 * 16 bytes) or a static string. For the audit log.
 */
const char *sf_dns_type_name(uint16_t qtype, char *buf, size_t size);

/* ---- queries from the container (dns-query.c) ---- */

/**
 * sf_dns_qtype_allowed:
 * TRUE when a query of @qtype may be forwarded under @policy: the types
 * real software asks for (A, NS, CNAME, SOA, PTR, MX, TXT, AAAA, SRV,
 * NAPTR, DS, SSHFP, DNSKEY, TLSA, OPENPGPKEY, SVCB, HTTPS, CAA), plus those
 * of the policy's `dns allow-qtypes` list. Meta types (ANY, AXFR, OPT, ...)
 * are never allowed, whatever the list says. Anything else (NULL, SPF,
 * private-use types, ...) is answered REFUSED here and never forwarded.
 */
bool sf_dns_qtype_allowed(const SfPolicy *policy, uint16_t qtype);

typedef enum {
	SF_DNS_QUERY_FORWARD, /* an allowed name: resolve it upstream (or from the cache) */
	SF_DNS_QUERY_REFUSE,  /* the reply is built: send it (and audit-log the query) */
	SF_DNS_QUERY_DROP,    /* cannot be answered at all: send nothing */
} SfDnsVerdict;

/**
 * SfDnsQuery:
 * One checked query: what sf_dns_query_check() found, and for FORWARD
 * everything the later steps need (it is plain data: copy it, keep it with
 * the pending upstream request, no free function).
 */
typedef struct {
	uint16_t id;             /* the client's id */
	uint8_t opcode;
	uint8_t rcode;           /* REFUSE: the rcode of the built reply */
	bool rd;                 /* the client's RD bit (copied into replies) */
	bool edns;               /* the query carried an OPT record (replies carry one too) */
	bool tcp;                /* it came over TCP: replies are not limited to udp_size */
	uint16_t udp_size;       /* the client's EDNS UDP size clamped to 512..4096; 512 without EDNS */
	uint16_t qtype, qclass;
	char name[SF_DNS_NAME_TEXT]; /* as asked (original case), no final dot; "." for the root;
				      * presentation form with escapes when not LDH */
	char norm[SF_DNS_NAME_MAX + 1]; /* lower case, no final dot ("" when the name is invalid) */
	SfDnsReason reason;      /* REFUSE/DROP: why; FORWARD: NONE, or the would-be reason in audit mode */
	int32_t deny_rule;       /* the matching deny rule (index into policy->rules) or -1 */
	SfNameMatch match;       /* FORWARD: the allow rules of the name (learned addresses use them) */
} SfDnsQuery;

/**
 * sf_dns_query_check:
 * Checks the @len bytes of one query from the container (@tcp: it came over
 * TCP, without its length prefix) against @policy. Fills @q in every case
 * (as far as the message could be read). For SF_DNS_QUERY_REFUSE, writes the
 * reply into @reply (@reply_size >= SF_DNS_REPLY_MIN always suffices) and its
 * length into @reply_len. Rules, in order: under 12 bytes or QR set -> DROP;
 * opcode not QUERY -> NOTIMP; unparseable -> FORMERR; not exactly one
 * question -> FORMERR; a name with non-LDH bytes (besides '_'), over 253
 * characters or with a label over 63 -> FORMERR; use-application-dns.net and
 * below -> NXDOMAIN; ANY, AXFR, IXFR and other meta qtypes -> REFUSED; class
 * other than IN -> REFUSED; a qtype sf_dns_qtype_allowed() refuses -> REFUSED
 * (qtype-not-allowed; in audit mode FORWARD with that reason); the root name, a name no allow rule matches or one a
 * deny rule matches -> policy->deny_response (NXDOMAIN or REFUSED); else
 * FORWARD. In audit mode (policy->mode) the last two are FORWARD with
 * q->reason saying what enforce mode would have done.
 */
SfDnsVerdict sf_dns_query_check(const uint8_t *msg, size_t len, bool tcp, const SfPolicy *policy,
				SfDnsQuery *q, uint8_t *reply, size_t reply_size, size_t *reply_len);

/**
 * sf_dns_upstream_query:
 * Builds the query to send upstream for @q (a FORWARD query) with the id
 * @id the caller picked (random, and remembered for sf_dns_answer_process):
 * a header of our own (RD set, every other flag clear), the name in lower
 * case whatever case the client used (its 0x20 bits never leave: the reply
 * gets them back from @q), class IN, EDNS with UDP size 1232, version 0, no
 * DO bit and no options. Only the lower-case name and the qtype come from
 * the client.
 * Writes at most @size bytes (SF_DNS_REPLY_MIN suffices). FALSE if it does
 * not fit or @q holds no valid name.
 */
bool sf_dns_upstream_query(const SfDnsQuery *q, uint16_t id, uint8_t *buf, size_t size,
			   size_t *len);

/**
 * sf_dns_reply_rcode:
 * A reply to @q carrying only its question and @rcode: the client's id,
 * question and letter case, QR and RA set, RD copied, OPT if the query had
 * one. Writes at most @size bytes (SF_DNS_REPLY_MIN suffices).
 */
bool sf_dns_reply_rcode(const SfDnsQuery *q, uint8_t rcode, uint8_t *buf, size_t size,
			size_t *len);

/** sf_dns_reply_servfail: sf_dns_reply_rcode() with SERVFAIL (upstream down or timed out). */
bool sf_dns_reply_servfail(const SfDnsQuery *q, uint8_t *buf, size_t size, size_t *len);

/* ---- upstream answers (dns-answer.c) ---- */

/* One address to open: the caller adds it to the learned table before sending the reply. */
typedef struct {
	SfAddr addr;
	uint32_t ttl;         /* sf_policy_ttl_clamp() of record_ttl: how long to open it */
	uint32_t record_ttl;  /* the TTL in the reply (capped at ttl-max, aged on cache hits) */
} SfDnsLearn;

/* An address removed from an answer (DNS rebinding), for the audit log. */
typedef struct {
	SfAddr addr;
	const char *what;     /* sf_dns_addr_rebinding_class() */
} SfDnsStripped;

typedef enum {
	SF_DNS_ANSWER_IGNORE,    /* not an answer to this query: change nothing, keep waiting */
	SF_DNS_ANSWER_REPLY,     /* learn @learn, then send @reply */
	SF_DNS_ANSWER_RETRY_TCP, /* the upstream truncated its answer: ask it again over TCP;
				  * @reply holds a TC reply to send if that is not possible */
} SfDnsAnswerResult;

/**
 * SfDnsAnswer:
 * A processed upstream answer or a cache hit. Clear it with
 * sf_dns_answer_clear() (or declare it g_auto(SfDnsAnswer)) after use.
 */
typedef struct {
	SfDnsAnswerResult result;
	SfDnsReason reason;    /* NONE, or why it was ignored, denied or failed */
	uint8_t rcode;         /* rcode of @reply (the upstream's, passed through, or ours) */
	bool truncated;        /* @reply is a TC reply (too large for the client's UDP size) */
	bool from_cache;
	int32_t rule;          /* cname-denied: the deny rule; else -1 */
	char denied_name[SF_DNS_NAME_MAX + 1]; /* cname-denied: the chain name it matched */
	unsigned n_learn;
	SfDnsLearn learn[SF_DNS_LEARN_MAX];
	unsigned n_stripped;   /* addresses stripped (rebinding or over SF_DNS_LEARN_MAX) */
	SfDnsStripped stripped[SF_DNS_STRIPPED_MAX]; /* the first ones */
	unsigned n_hints_removed; /* ipv4hint/ipv6hint parameters removed from HTTPS/SVCB */
	unsigned n_dropped;    /* records dropped: unrelated owners, additional section, RRSIG, ... */
	uint8_t *reply;        /* the message for the container (owned) */
	size_t reply_len;
	/* for sf_dns_cache_insert(): */
	uint8_t *canon;        /* the processed, untruncated answer (NULL when cache_ttl is 0) */
	size_t canon_len;
	uint32_t cache_ttl;    /* seconds it may be cached; 0: not cacheable */
	int64_t at_ms;         /* when it was processed */
} SfDnsAnswer;

/** sf_dns_answer_clear: frees what @ans owns and zeroes it; NULL-safe, idempotent. */
void sf_dns_answer_clear(SfDnsAnswer *ans);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(SfDnsAnswer, sf_dns_answer_clear)

/**
 * sf_dns_answer_process:
 * Processes @len bytes from an upstream as the answer to @q, sent with id
 * @sent_id. @ans is overwritten (clear it before reuse). Validation first:
 * QR set, the id, opcode QUERY, exactly one question equal to @q's
 * (case-insensitive name, same type and class); anything else is IGNORE.
 * Then the CNAME chain from the asked name is followed, deny-checked, and
 * the answer rebuilt: only the chain's CNAMEs and the records owned by the
 * asked name or a chain name are kept, addresses in rebinding ranges (see
 * sf_dns_addr_rebinding_class, @local_nets = the slirp network CIDRs) are
 * stripped unless sf_policy_explicitly_allows(), HTTPS/SVCB lose their
 * address hints, TTLs are capped at policy->ttl_max, the additional section
 * is dropped, the client's id and letter case are restored and the reply is
 * truncated (TC, question only) when larger than the client's UDP size.
 * See the theory of operation in dns-answer.c.
 */
SfDnsAnswerResult sf_dns_answer_process(const uint8_t *msg, size_t len, const SfDnsQuery *q,
					uint16_t sent_id, const SfPolicy *policy,
					const SfCidr *local_nets, size_t n_local_nets,
					int64_t now_ms, SfDnsAnswer *ans);

/**
 * sf_dns_answer_learn:
 * Adds every address of @ans (a REPLY) to @learned as an answer for q->norm
 * (the asked name: its allow rules apply, on their ports) for its clamped
 * TTL from @now_ms. Call it before sending @ans->reply. An address the
 * table has no room for is removed from @ans->reply (fail closed: the
 * client never sees an address that is not open). Returns how many
 * addresses could not be learned.
 */
unsigned sf_dns_answer_learn(SfDnsAnswer *ans, const SfDnsQuery *q, SfLearned *learned,
			     int64_t now_ms);

/**
 * sf_dns_addr_rebinding_class:
 * Why @addr may not be the answer for a public name, or NULL: "loopback"
 * (127/8, ::1), "link-local" (169.254/16, fe80::/10), "private" (10/8,
 * 172.16/12, 192.168/16, 100.64/10, fc00::/7, fec0::/10), "multicast"
 * (224/4, ff00::/8), "unspecified" (0/8, ::, ::/96), "reserved" (240/4 and
 * 255.255.255.255), "slirp-network" (inside one of @local_nets wider than
 * /128), "host-resolver" (a /128 of @local_nets: the DNS upstreams, old and
 * new), "private" for all of the local-use NAT64 prefix 64:ff9b:1::/48.
 * IPv4-mapped (which SfAddr stores as IPv4), SIIT (::ffff:0:0:0/96), NAT64
 * (64:ff9b::/96) and 6to4 (2002::/16) addresses are judged by the IPv4
 * address they carry, against the upstreams too.
 */
const char *sf_dns_addr_rebinding_class(const SfAddr *addr, const SfCidr *local_nets,
					size_t n_local_nets);

/* ---- the answer cache (dns-cache.c) ---- */

typedef struct SfDnsCache SfDnsCache;

typedef struct {
	uint64_t hits, misses, inserts, evictions, expired;
	uint64_t fast_hits;  /* the part of @hits answered by sf_dns_fast_answer() */
} SfDnsCacheStats;

/** sf_dns_cache_new: a cache of at most @max_entries answers (0: SF_DNS_CACHE_DEFAULT). */
SfDnsCache *sf_dns_cache_new(uint32_t max_entries);
/** sf_dns_cache_free: NULL-safe. */
void sf_dns_cache_free(SfDnsCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SfDnsCache, sf_dns_cache_free)

/**
 * sf_dns_cache_insert:
 * Stores @ans (a REPLY from sf_dns_answer_process with cache_ttl > 0) under
 * (q->norm, q->qtype, q->qclass), replacing an older entry. When full, the
 * least recently used entry is evicted. Returns FALSE when @ans is not
 * cacheable (denials, SERVFAIL, truncated upstream, TTL 0, no SOA on a
 * negative answer).
 */
bool sf_dns_cache_insert(SfDnsCache *cache, const SfDnsQuery *q, const SfDnsAnswer *ans);

/**
 * sf_dns_cache_lookup:
 * On a hit, fills @ans (overwritten) as a REPLY for the new query @q: its
 * id, letter case, RD bit, EDNS and size limit, TTLs decreased by the
 * entry's age, and the learn list with the remaining TTLs clamped by
 * @policy, which the caller re-arms (sf_dns_answer_learn) on every hit.
 * Entries past their TTL are misses (and removed). Returns FALSE on a miss.
 */
bool sf_dns_cache_lookup(SfDnsCache *cache, const SfDnsQuery *q, const SfPolicy *policy,
			 int64_t now_ms, SfDnsAnswer *ans);

/**
 * SfDnsFastHit:
 * What sf_dns_fast_answer() did, for the caller's counters.
 */
typedef struct {
	size_t reply_len;      /* the reply's length in the caller's buffer */
	bool truncated;        /* a TC reply (the answer exceeds the client's UDP size) */
	unsigned n_learn;      /* addresses re-armed in the learned table */
} SfDnsFastHit;

/**
 * sf_dns_fast_answer:
 * The fast path for a cache hit: answers the @len bytes of a query from the
 * container (@tcp: over TCP, no length prefix) from @cache without ldns and
 * without allocating, when it is the common case: QR clear, opcode QUERY,
 * one question (an LDH name, class IN) and nothing else but at most one OPT
 * record, without options or with just a client COOKIE, whose (qtype,
 * class, name) is cached, fresh, and allowed by @policy. Then, like the
 * slow path's hit, it re-arms the entry's addresses in @learned (remaining
 * TTLs, clamped by @policy) and writes into @reply (@reply_size bytes) the
 * bytes the slow path would send: the client's id, RD bit and question
 * (its letter case), TTLs decreased by the entry's age, OPT when the query
 * had one, and the TC reply when the answer exceeds the client's UDP size,
 * itself capped at @udp_cap when not 0 (UDP only). Returns FALSE, having
 * sent nothing and counted nothing, for everything else: the caller then
 * runs the slow path (sf_dns_query_check, sf_dns_cache_lookup), which
 * decides as before. See the theory of operation in dns-fast.c.
 */
bool sf_dns_fast_answer(SfDnsCache *cache, const uint8_t *msg, size_t len, bool tcp,
			unsigned udp_cap, const SfPolicy *policy, SfLearned *learned, int64_t now_ms,
			uint8_t *reply, size_t reply_size, SfDnsFastHit *hit);

/** sf_dns_cache_clear: drops every entry (call it after a policy reload). */
void sf_dns_cache_clear(SfDnsCache *cache);
/** sf_dns_cache_sweep: drops entries expired at @now_ms; returns how many. */
unsigned sf_dns_cache_sweep(SfDnsCache *cache, int64_t now_ms);
/** sf_dns_cache_count: entries held, expired ones included until swept or looked up. */
unsigned sf_dns_cache_count(const SfDnsCache *cache);
/** sf_dns_cache_stats: counters since creation. */
void sf_dns_cache_stats(const SfDnsCache *cache, SfDnsCacheStats *stats);

/* ---- DNS over TCP framing (dns-stream.c) ---- */

typedef struct SfDnsStream SfDnsStream;

typedef enum {
	SF_DNS_STREAM_MORE,    /* all input consumed, no complete message: feed more */
	SF_DNS_STREAM_MESSAGE, /* one message in *msg, *msg_len; call again with the rest */
	SF_DNS_STREAM_ERROR,   /* a zero length prefix: close the connection */
} SfDnsStreamStatus;

/** sf_dns_stream_new: an empty reassembly buffer for one TCP connection. */
SfDnsStream *sf_dns_stream_new(void);
/** sf_dns_stream_free: NULL-safe. */
void sf_dns_stream_free(SfDnsStream *stream);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SfDnsStream, sf_dns_stream_free)

/**
 * sf_dns_stream_feed:
 * Consumes bytes from *@data / *@len (advancing both) until one whole
 * message is available, which it returns in *@msg / *@msg_len (valid until
 * the next call; it may point into *@data). Any split is fine: a length
 * prefix across chunks, several messages in one chunk. Loop:
 *   while ((st = sf_dns_stream_feed(s, &p, &n, &msg, &mlen)) == SF_DNS_STREAM_MESSAGE)
 *       handle(msg, mlen);
 * At most one partial message (<= 65535 bytes) is buffered. After an
 * error, every call returns SF_DNS_STREAM_ERROR.
 */
SfDnsStreamStatus sf_dns_stream_feed(SfDnsStream *stream, const uint8_t **data, size_t *len,
				     const uint8_t **msg, size_t *msg_len);

/** sf_dns_stream_pending: bytes buffered of an incomplete message (prefix included). */
size_t sf_dns_stream_pending(const SfDnsStream *stream);

/** sf_dns_stream_prefix: the 2-byte length prefix of a @msg_len-byte message; FALSE over 65535 or 0. */
bool sf_dns_stream_prefix(size_t msg_len, uint8_t out[2]);

/**
 * sf_dns_stream_frame:
 * @msg with its length prefix, newly allocated (g_free); NULL when @len is 0
 * or over 65535. *@out_len gets @len + 2.
 */
uint8_t *sf_dns_stream_frame(const uint8_t *msg, size_t len, size_t *out_len);

/* ---- counters ---- */

typedef struct {
	uint64_t queries, forwarded, refused, dropped;
	uint64_t answers, ignored, retried_tcp, truncated, stripped, hints_removed;
	uint64_t cache_hits;
	uint64_t cache_fast;     /* the part of cache_hits answered by sf_dns_fast_answer() */
	uint64_t by_reason[SF_DNS_REASON_N];
} SfDnsCounters;

/** sf_dns_counters_query: counts the outcome of one sf_dns_query_check(). */
void sf_dns_counters_query(SfDnsCounters *c, SfDnsVerdict verdict, const SfDnsQuery *q);
/** sf_dns_counters_answer: counts one processed answer or cache hit. */
void sf_dns_counters_answer(SfDnsCounters *c, SfDnsAnswerResult result, const SfDnsAnswer *ans);
/**
 * sf_dns_counters_fast:
 * Counts one sf_dns_fast_answer() hit exactly as sf_dns_counters_query()
 * (FORWARD) and sf_dns_counters_answer() (a cache hit) count the slow
 * path's, plus cache_fast.
 */
void sf_dns_counters_fast(SfDnsCounters *c, const SfDnsFastHit *hit);
