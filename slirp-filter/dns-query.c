/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The resolver's front door: checks each query from the container and
 * either refuses it with a finished reply or lets it go upstream.
 *
 * Theory of operation: the container's only resolver is this process, so a
 * name reaches an upstream server only through sf_dns_query_check() saying
 * FORWARD. A message that cannot be answered at all (under 12 bytes, or a
 * response rather than a query) is dropped. Everything else gets an answer,
 * built with ldns from the parsed query so the client's id, RD bit, EDNS
 * presence and the question exactly as asked (0x20 letter case) come back:
 * opcode other than QUERY -> NOTIMP; unparseable -> FORMERR; not exactly
 * one question -> FORMERR; a name that is not letters/digits/'-'/'_' labels
 * (IDN must arrive as xn-- punycode, which it always does on the wire), over
 * 253 characters or with a label over 63 -> FORMERR;
 * use-application-dns.net and its subdomains -> NXDOMAIN (the DoH canary:
 * browsers then keep using this resolver); ANY, AXFR, IXFR and the other
 * meta types -> REFUSED; a class other than IN -> REFUSED; a query type
 * outside the forwarded list (sf_dns_qtype_allowed: the types real software
 * asks for, plus the policy's `dns allow-qtypes`) -> REFUSED (a policy
 * refusal, like ANY, rather than NOTIMP: the type exists, this resolver
 * will not ask for it), so NULL, SPF or private-use types cannot carry data
 * to an upstream. Then the policy:
 * the lower-case name without its final dot is matched against the name
 * rules; a deny rule wins over any allow, and a name no allow rule matches
 * (a random subdomain of an exact name included) gets the policy's deny
 * response, NXDOMAIN or REFUSED, and is never forwarded. Only names with at
 * least one matching allow rule and no deny rule are forwarded; the query
 * keeps those rules so the addresses of the answer are learned under them.
 * In audit mode the policy step only records what enforce mode would have
 * done (q->reason) and forwards (an unlisted qtype too, as qtype-not-allowed).
 *
 * The upstream query is built afresh (written byte by byte into the
 * caller's buffer: no ldns, no allocation), never relayed, so no bit the
 * client chose reaches the upstream beyond what the question needs: our own id
 * (random, the caller's), RD set and every other header bit clear, opcode
 * QUERY, one question in class IN whose name is the lower-case form (the
 * client's 0x20 letter case, one bit per letter, stays here and is put back
 * into the reply by sf_dns_render), EDNS version 0 with a 1232-byte UDP
 * size, no DO bit and no options (the client's COOKIE, ECS, padding or
 * unknown options are never forwarded). What remains under the client's
 * control, and so is a channel to an upstream by design: the letters of an
 * allowed name (a wildcard rule allows any label below it), the qtype among
 * the forwarded ones, and when and how often it asks. The CNAME and
 * rebinding rules that apply to the answer are in dns-answer.c.
 */
#include <string.h>

#include "slirp-filter/dns.h"
#include "dns-private.h"
#include "wire.h"

#define CANARY "use-application-dns.net"

const char *sf_dns_reason_name(SfDnsReason reason)
{
	static const char *const names[SF_DNS_REASON_N] = {
		[SF_DNS_REASON_NONE] = "none",
		[SF_DNS_REASON_NOT_ALLOWED] = "not-allowed",
		[SF_DNS_REASON_DENIED_BY_RULE] = "denied-by-rule",
		[SF_DNS_REASON_ANY] = "any-refused",
		[SF_DNS_REASON_ZONE_TRANSFER] = "zone-transfer",
		[SF_DNS_REASON_META_TYPE] = "meta-type",
		[SF_DNS_REASON_BAD_CLASS] = "bad-class",
		[SF_DNS_REASON_MALFORMED] = "malformed",
		[SF_DNS_REASON_QDCOUNT] = "bad-qdcount",
		[SF_DNS_REASON_OPCODE] = "bad-opcode",
		[SF_DNS_REASON_TOO_LONG] = "too-long",
		[SF_DNS_REASON_BAD_NAME] = "bad-name",
		[SF_DNS_REASON_CANARY] = "canary",
		[SF_DNS_REASON_SHORT] = "short",
		[SF_DNS_REASON_RESPONSE] = "response",
		[SF_DNS_REASON_WRONG_ID] = "wrong-id",
		[SF_DNS_REASON_NOT_RESPONSE] = "not-response",
		[SF_DNS_REASON_WRONG_QUESTION] = "wrong-question",
		[SF_DNS_REASON_UPSTREAM_MALFORMED] = "upstream-malformed",
		[SF_DNS_REASON_UPSTREAM_TRUNCATED] = "upstream-truncated",
		[SF_DNS_REASON_CNAME_DENIED] = "cname-denied",
		[SF_DNS_REASON_CNAME_LOOP] = "cname-loop",
		[SF_DNS_REASON_CNAME_TOO_LONG] = "cname-too-long",
		[SF_DNS_REASON_CNAME_BAD_NAME] = "cname-bad-name",
		[SF_DNS_REASON_UPSTREAM_FAILED] = "upstream-failed",
		[SF_DNS_REASON_QTYPE] = "qtype-not-allowed",
	};

	return (unsigned)reason < SF_DNS_REASON_N ? names[reason] : "unknown";
}

const char *sf_dns_type_name(uint16_t qtype, char *buf, size_t size)
{
	const ldns_rr_descriptor *d;

	switch (qtype) {
	case LDNS_RR_TYPE_IXFR:
		return "IXFR";
	case LDNS_RR_TYPE_AXFR:
		return "AXFR";
	case LDNS_RR_TYPE_MAILB:
		return "MAILB";
	case LDNS_RR_TYPE_MAILA:
		return "MAILA";
	case LDNS_RR_TYPE_ANY:
		return "ANY";
	default:
		break;
	}
	d = ldns_rr_descript(qtype);
	if (d != NULL && d->_type == qtype && d->_name != NULL)
		return d->_name;
	if (buf == NULL || size == 0)
		return "TYPE?";
	g_snprintf(buf, size, "TYPE%u", qtype);
	return buf;
}

/* ---- shared reply helpers (declared in dns-private.h) ---- */

/*
 * A valid name (q->norm set) is plain labels of letters, digits, '-' and
 * '_' joined by dots (read_name() refuses anything else), so its wire form
 * is written here directly; any other text goes to ldns's parser as before.
 */
ldns_rdf *sf_dns_q_dname(const SfDnsQuery *q)
{
	uint8_t wire[LDNS_MAX_DOMAINLEN + 1];
	size_t n = strnlen(q->name, sizeof(q->name)), pos = 1, label = 0;

	if (q->norm[0] == '\0')
		return NULL;
	if (n == 0 || n > SF_DNS_NAME_MAX)
		return ldns_dname_new_frm_str(q->name);
	for (size_t i = 0; i < n; i++) {
		char c = q->name[i];

		if (c == '.') {
			if (pos - label - 1 == 0)
				return ldns_dname_new_frm_str(q->name);
			wire[label] = (uint8_t)(pos - label - 1);
			label = pos++;
		} else if ((g_ascii_isalnum(c) || c == '-' || c == '_') && pos - label - 1 < 63) {
			wire[pos++] = (uint8_t)c;
		} else {
			return ldns_dname_new_frm_str(q->name);
		}
	}
	if (pos - label - 1 == 0)
		return ldns_dname_new_frm_str(q->name);
	wire[label] = (uint8_t)(pos - label - 1);
	wire[pos++] = 0;
	return ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, pos, wire);
}

ldns_rr *sf_dns_q_question(const SfDnsQuery *q)
{
	ldns_rdf *owner = sf_dns_q_dname(q);
	ldns_rr *rr;

	if (owner == NULL)
		return NULL;
	rr = ldns_rr_new();
	if (rr == NULL) {
		ldns_rdf_deep_free(owner);
		return NULL;
	}
	ldns_rr_set_owner(rr, owner);
	ldns_rr_set_type(rr, (ldns_rr_type)q->qtype);
	ldns_rr_set_class(rr, (ldns_rr_class)q->qclass);
	ldns_rr_set_question(rr, true);
	return rr;
}

ldns_pkt *sf_dns_reply_new(const SfDnsQuery *q, uint8_t rcode, ldns_rr *question)
{
	ldns_pkt *p = ldns_pkt_new();

	if (p == NULL) {
		ldns_rr_free(question);
		return NULL;
	}
	ldns_pkt_set_id(p, q->id);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_ra(p, true);
	ldns_pkt_set_rd(p, q->rd);
	ldns_pkt_set_opcode(p, (ldns_pkt_opcode)q->opcode);
	ldns_pkt_set_rcode(p, rcode);
	if (question != NULL && !ldns_pkt_push_rr(p, LDNS_SECTION_QUESTION, question)) {
		ldns_rr_free(question);
		ldns_pkt_free(p);
		return NULL;
	}
	if (q->edns)
		ldns_pkt_set_edns_udp_size(p, SF_DNS_EDNS_SIZE);
	return p;
}

/*
 * ldns_pkt2wire() starts every message in a fresh 64 KiB buffer: an
 * allocation that large is carved from the top of the heap and its free
 * makes glibc consolidate the heap, a measurable share of every query.
 * Messages here are rarely over a few hundred bytes, so each rendering
 * starts in a buffer of RENDER_START bytes (a small allocation, served
 * from glibc's per-thread cache) that ldns grows only for a larger
 * message. Nothing outlives the call: the core keeps no hidden state.
 */
#define RENDER_START 1536u

static ldns_buffer *wire_render(const ldns_pkt *pkt)
{
	ldns_buffer *out = pkt != NULL ? ldns_buffer_new(RENDER_START) : NULL;

	if (out == NULL)
		return NULL;
	if (ldns_pkt2buffer_wire(out, pkt) != LDNS_STATUS_OK || !ldns_buffer_status_ok(out)) {
		ldns_buffer_free(out);
		return NULL;
	}
	return out;
}

bool sf_dns_pkt_to_buf(const ldns_pkt *pkt, uint8_t *buf, size_t size, size_t *len)
{
	ldns_buffer *out = wire_render(pkt);
	size_t n;
	bool ok;

	if (out == NULL)
		return false;
	n = ldns_buffer_position(out);
	ok = n <= size;
	if (ok) {
		memcpy(buf, ldns_buffer_begin(out), n);
		*len = n;
	}
	ldns_buffer_free(out);
	return ok;
}

bool sf_dns_pkt_to_wire(const ldns_pkt *pkt, uint8_t **wire, size_t *len)
{
	ldns_buffer *out = wire_render(pkt);

	*wire = NULL;
	*len = 0;
	if (out == NULL)
		return false;
	/* the message is the buffer's data: take it over rather than copy it */
	*len = ldns_buffer_position(out);
	*wire = ldns_buffer_export(out);
	ldns_buffer_free(out);
	return *wire != NULL;
}

/* ---- the check ---- */

/* read_name() for a name with a fault: from ldns's presentation text, escapes and all (as reported). */
static SfDnsReason read_name_text(const ldns_rdf *owner, SfDnsQuery *q)
{
	char *text = ldns_rdf2str(owner);
	size_t n, label = 0;
	SfDnsReason reason = SF_DNS_REASON_NONE;

	if (text == NULL)
		return SF_DNS_REASON_MALFORMED;
	n = strlen(text);
	if (n == 1 && text[0] == '.') { /* the root */
		strcpy(q->name, ".");
		free(text);
		return SF_DNS_REASON_NONE;
	}
	if (n > 0 && text[n - 1] == '.')
		n--;
	g_strlcpy(q->name, text, MIN(n + 1, sizeof(q->name)));
	/* ldns escapes every byte outside presentation text ("\." "\032"), so a
	 * backslash or any other character than LDH, '_' and the dots is a fault */
	for (size_t i = 0; i < n && reason == SF_DNS_REASON_NONE; i++) {
		char c = text[i];

		if (c == '.')
			label = 0;
		else if (!(g_ascii_isalnum(c) || c == '-' || c == '_'))
			reason = SF_DNS_REASON_BAD_NAME;
		else if (++label > 63)
			reason = SF_DNS_REASON_TOO_LONG;
	}
	if (reason == SF_DNS_REASON_NONE && n > SF_DNS_NAME_MAX)
		reason = SF_DNS_REASON_TOO_LONG;
	if (reason == SF_DNS_REASON_NONE && sf_name_normalize(text, n, q->norm) != NULL)
		reason = SF_DNS_REASON_BAD_NAME;
	if (reason != SF_DNS_REASON_NONE)
		q->norm[0] = '\0';
	free(text);
	return reason;
}

/*
 * Reads the question name of @owner into q->name and q->norm; returns a
 * FORMERR reason or NONE. The common case, a name of plain labels, is read
 * straight from the wire form (ldns_wire2pkt() has bounded it: labels of at
 * most 63 bytes, 255 in all): every byte a letter, digit, '-' or '_', then
 * q->name is the labels joined by dots, exactly ldns's presentation text
 * without the final dot. Anything else (the root, any other byte, a name
 * over 253 characters) goes to read_name_text(), which decides and reports
 * as before.
 */
static SfDnsReason read_name(const ldns_rdf *owner, SfDnsQuery *q)
{
	const uint8_t *w = ldns_rdf_data(owner);
	size_t size = ldns_rdf_size(owner), pos = 0, n = 0;

	if (w == NULL || ldns_rdf_get_type(owner) != LDNS_RDF_TYPE_DNAME || size < 2)
		return read_name_text(owner, q); /* the root, or not a name */
	for (;;) {
		uint8_t l;

		if (pos >= size)
			return read_name_text(owner, q);
		l = w[pos++];
		if (l == 0)
			break;
		if (l > 63 || size - pos < l || n + (n > 0) + l > SF_DNS_NAME_MAX)
			return read_name_text(owner, q);
		if (n > 0)
			q->name[n++] = '.';
		for (size_t i = 0; i < l; i++) {
			char c = (char)w[pos + i];

			if (!(g_ascii_isalnum(c) || c == '-' || c == '_'))
				return read_name_text(owner, q);
			q->name[n++] = c;
		}
		pos += l;
	}
	if (n == 0 || pos != size)
		return read_name_text(owner, q);
	q->name[n] = '\0';
	if (sf_name_normalize(q->name, n, q->norm) != NULL) {
		q->norm[0] = '\0';
		return SF_DNS_REASON_BAD_NAME;
	}
	return SF_DNS_REASON_NONE;
}

bool sf_dns_is_canary(const char *norm)
{
	size_t n = strlen(norm), c = strlen(CANARY);

	return strcmp(norm, CANARY) == 0 || (n > c && norm[n - c - 1] == '.' && strcmp(norm + n - c, CANARY) == 0);
}

SfDnsReason sf_dns_qtype_reason(uint16_t qtype)
{
	switch (qtype) {
	case LDNS_RR_TYPE_ANY:
		return SF_DNS_REASON_ANY;
	case LDNS_RR_TYPE_AXFR:
	case LDNS_RR_TYPE_IXFR:
		return SF_DNS_REASON_ZONE_TRANSFER;
	case 0:
	case LDNS_RR_TYPE_OPT:
		return SF_DNS_REASON_META_TYPE;
	default:
		/* 128-255: meta and query types (TKEY, TSIG, MAILA, MAILB, ...) */
		return qtype >= 128 && qtype <= 255 ? SF_DNS_REASON_META_TYPE : SF_DNS_REASON_NONE;
	}
}

bool sf_dns_qtype_allowed(const SfPolicy *policy, uint16_t qtype)
{
	if (sf_dns_qtype_reason(qtype) != SF_DNS_REASON_NONE)
		return false; /* meta types: never, whatever the policy lists */
	switch (qtype) {
	case LDNS_RR_TYPE_A:
	case LDNS_RR_TYPE_NS:
	case LDNS_RR_TYPE_CNAME:
	case LDNS_RR_TYPE_SOA:
	case LDNS_RR_TYPE_PTR:
	case LDNS_RR_TYPE_MX:
	case LDNS_RR_TYPE_TXT:
	case LDNS_RR_TYPE_AAAA:
	case LDNS_RR_TYPE_SRV:
	case LDNS_RR_TYPE_NAPTR:
	case LDNS_RR_TYPE_DS:
	case LDNS_RR_TYPE_SSHFP:
	case LDNS_RR_TYPE_DNSKEY:
	case LDNS_RR_TYPE_TLSA:
	case LDNS_RR_TYPE_OPENPGPKEY:
	case LDNS_RR_TYPE_SVCB:
	case LDNS_RR_TYPE_HTTPS:
	case LDNS_RR_TYPE_CAA:
		return true;
	default:
		return policy != NULL && policy->dns_qtypes != NULL &&
		       (policy->dns_qtypes[qtype / 8] & (1u << (qtype % 8))) != 0;
	}
}

/* Writes the refusal of @q with @rcode (and @question, taken over) into the caller's buffer. */
static SfDnsVerdict refuse(SfDnsQuery *q, SfDnsReason reason, uint8_t rcode, ldns_rr *question,
			   uint8_t *reply, size_t reply_size, size_t *reply_len)
{
	g_autoptr(ldns_pkt) p = sf_dns_reply_new(q, rcode, question);

	q->reason = reason;
	q->rcode = rcode;
	if (p == NULL || !sf_dns_pkt_to_buf(p, reply, reply_size, reply_len)) {
		*reply_len = 0;
		return SF_DNS_QUERY_DROP; /* out of memory or a too small buffer: nothing to send */
	}
	return SF_DNS_QUERY_REFUSE;
}

SfDnsVerdict sf_dns_query_check(const uint8_t *msg, size_t len, bool tcp, const SfPolicy *policy,
				SfDnsQuery *q, uint8_t *reply, size_t reply_size, size_t *reply_len)
{
	g_autoptr(ldns_pkt) pkt = NULL;
	ldns_status status;
	const ldns_rr *question;
	SfDnsReason reason;
	uint8_t deny_rcode;

	memset(q, 0, sizeof(*q));
	q->deny_rule = -1;
	q->udp_size = SF_DNS_UDP_MIN;
	q->tcp = tcp;
	q->match.deny_rule = -1;
	*reply_len = 0;

	if (msg == NULL || len < SF_DNS_HEADER_LEN) {
		q->reason = SF_DNS_REASON_SHORT;
		return SF_DNS_QUERY_DROP;
	}
	q->id = LDNS_ID_WIRE(msg);
	q->rd = LDNS_RD_WIRE(msg) != 0;
	q->opcode = LDNS_OPCODE_WIRE(msg);
	if (LDNS_QR_WIRE(msg)) {
		q->reason = SF_DNS_REASON_RESPONSE;
		return SF_DNS_QUERY_DROP;
	}

	status = len <= SF_DNS_MSG_MAX ? ldns_wire2pkt(&pkt, msg, len) : LDNS_STATUS_PACKET_OVERFLOW;
	if (status == LDNS_STATUS_OK && ldns_pkt_edns(pkt)) {
		q->edns = true;
		q->udp_size = (uint16_t)CLAMP(ldns_pkt_edns_udp_size(pkt), SF_DNS_UDP_MIN,
					      SF_DNS_UDP_CLIENT_MAX);
	}
	if (q->opcode != LDNS_PACKET_QUERY)
		return refuse(q, SF_DNS_REASON_OPCODE, SF_DNS_RCODE_NOTIMP, NULL, reply, reply_size,
			      reply_len);
	if (status != LDNS_STATUS_OK) {
		reason = status == LDNS_STATUS_DOMAINNAME_OVERFLOW || status == LDNS_STATUS_LABEL_OVERFLOW
				 ? SF_DNS_REASON_TOO_LONG
				 : SF_DNS_REASON_MALFORMED;
		return refuse(q, reason, SF_DNS_RCODE_FORMERR, NULL, reply, reply_size, reply_len);
	}
	if (ldns_pkt_qdcount(pkt) != 1 || ldns_rr_list_rr_count(ldns_pkt_question(pkt)) != 1)
		return refuse(q, SF_DNS_REASON_QDCOUNT, SF_DNS_RCODE_FORMERR, NULL, reply, reply_size,
			      reply_len);

	question = ldns_rr_list_rr(ldns_pkt_question(pkt), 0);
	q->qtype = (uint16_t)ldns_rr_get_type(question);
	q->qclass = (uint16_t)ldns_rr_get_class(question);
	reason = read_name(ldns_rr_owner(question), q);
	if (reason != SF_DNS_REASON_NONE)
		return refuse(q, reason, SF_DNS_RCODE_FORMERR, ldns_rr_clone(question), reply,
			      reply_size, reply_len);
	if (q->norm[0] != '\0' && sf_dns_is_canary(q->norm))
		return refuse(q, SF_DNS_REASON_CANARY, SF_DNS_RCODE_NXDOMAIN, ldns_rr_clone(question),
			      reply, reply_size, reply_len);
	reason = sf_dns_qtype_reason(q->qtype);
	if (reason != SF_DNS_REASON_NONE)
		return refuse(q, reason, SF_DNS_RCODE_REFUSED, ldns_rr_clone(question), reply,
			      reply_size, reply_len);
	if (q->qclass != LDNS_RR_CLASS_IN)
		return refuse(q, SF_DNS_REASON_BAD_CLASS, SF_DNS_RCODE_REFUSED,
			      ldns_rr_clone(question), reply, reply_size, reply_len);
	if (!sf_dns_qtype_allowed(policy, q->qtype)) {
		if (policy->mode != SF_MODE_AUDIT)
			return refuse(q, SF_DNS_REASON_QTYPE, SF_DNS_RCODE_REFUSED,
				      ldns_rr_clone(question), reply, reply_size, reply_len);
		reason = SF_DNS_REASON_QTYPE; /* audit: reported, unless the name's refusal replaces it */
	}

	deny_rcode = policy->deny_response == SF_DNS_DENY_REFUSED ? SF_DNS_RCODE_REFUSED
								   : SF_DNS_RCODE_NXDOMAIN;
	if (q->norm[0] == '\0') /* the root: no rule can name it */
		return refuse(q, SF_DNS_REASON_NOT_ALLOWED, deny_rcode, ldns_rr_clone(question),
			      reply, reply_size, reply_len);
	sf_policy_match_name(policy, q->norm, &q->match);
	q->deny_rule = q->match.deny_rule;
	if (q->match.deny_rule >= 0)
		reason = SF_DNS_REASON_DENIED_BY_RULE;
	else if (!q->match.allowed)
		reason = SF_DNS_REASON_NOT_ALLOWED;
	if (reason != SF_DNS_REASON_NONE) {
		if (policy->mode == SF_MODE_AUDIT) {
			q->reason = reason; /* what enforce mode would have done */
			return SF_DNS_QUERY_FORWARD;
		}
		return refuse(q, reason, deny_rcode, ldns_rr_clone(question), reply, reply_size,
			      reply_len);
	}
	q->reason = reason; /* NONE, or qtype-not-allowed in audit mode */
	return SF_DNS_QUERY_FORWARD;
}

/*
 * Written byte by byte rather than through ldns (this is once per forwarded
 * query): the header with @id and RD only, QDCOUNT 1 and ARCOUNT 1; the
 * question name from q->norm, which sf_dns_query_check() has already
 * checked (labels of 1-63 letters, digits, '-' and '_' in lower case, at
 * most 253 characters; anything else is refused here too); the qtype, class
 * IN; a bare OPT record (root owner, UDP size 1232, extended rcode,
 * version, DO and Z all 0, no options). These are the bytes ldns made for
 * the same query, without compression (one name: nothing to compress).
 */
bool sf_dns_upstream_query(const SfDnsQuery *q, uint16_t id, uint8_t *buf, size_t size,
			   size_t *len)
{
	size_t nlen = strnlen(q->norm, sizeof(q->norm)), need, pos, label;

	if (nlen == 0 || nlen > SF_DNS_NAME_MAX)
		return false;
	/* header, a length byte per label (one per dot, plus one), the root, type, class, OPT */
	need = SF_DNS_HEADER_LEN + nlen + 2 + 4 + SF_DNS_BARE_OPT_LEN;
	if (buf == NULL || size < need)
		return false;
	memset(buf, 0, SF_DNS_HEADER_LEN);
	wr16(buf, id);
	buf[2] = 0x01; /* RD; QR, opcode QUERY, AA, TC clear */
	wr16(buf + 4, 1);
	wr16(buf + 10, 1);
	pos = SF_DNS_HEADER_LEN;
	label = pos++;
	for (size_t i = 0; i < nlen; i++) {
		char c = q->norm[i];

		if (c == '.') {
			if (pos - label - 1 == 0)
				return false; /* an empty label */
			buf[label] = (uint8_t)(pos - label - 1);
			label = pos++;
			continue;
		}
		if (!(g_ascii_islower(c) || g_ascii_isdigit(c) || c == '-' || c == '_') ||
		    pos - label - 1 >= 63)
			return false;
		buf[pos++] = (uint8_t)c;
	}
	if (pos - label - 1 == 0)
		return false;
	buf[label] = (uint8_t)(pos - label - 1);
	buf[pos++] = 0;
	wr16(buf + pos, q->qtype);
	wr16(buf + pos + 2, LDNS_RR_CLASS_IN);
	pos += 4;
	sf_dns_put_bare_opt(buf + pos);
	pos += SF_DNS_BARE_OPT_LEN;
	*len = pos;
	return true;
}

bool sf_dns_reply_rcode(const SfDnsQuery *q, uint8_t rcode, uint8_t *buf, size_t size,
			size_t *len)
{
	g_autoptr(ldns_pkt) p = sf_dns_reply_new(q, rcode, sf_dns_q_question(q));

	return p != NULL && sf_dns_pkt_to_buf(p, buf, size, len);
}

bool sf_dns_reply_servfail(const SfDnsQuery *q, uint8_t *buf, size_t size, size_t *len)
{
	return sf_dns_reply_rcode(q, SF_DNS_RCODE_SERVFAIL, buf, size, len);
}

void sf_dns_counters_query(SfDnsCounters *c, SfDnsVerdict verdict, const SfDnsQuery *q)
{
	c->queries++;
	if (verdict == SF_DNS_QUERY_FORWARD)
		c->forwarded++;
	else if (verdict == SF_DNS_QUERY_REFUSE)
		c->refused++;
	else
		c->dropped++;
	if ((unsigned)q->reason < SF_DNS_REASON_N)
		c->by_reason[q->reason]++;
}
