/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DNS over TCP framing (RFC 1035 4.2.2, RFC 7766): each message is preceded
 * by its length as two bytes in network order. The reassembly buffer takes
 * the stream in whatever chunks TCP delivers and hands out whole messages;
 * a message that lies whole inside a chunk is returned in place, without a
 * copy. At most one partial message is buffered, so memory per connection
 * is bounded by 65535 bytes. A zero length is a protocol error.
 */
#include <string.h>

#include "slirp-filter/dns.h"

struct SfDnsStream {
	uint8_t hdr[2];
	size_t hdr_have;  /* bytes of the length prefix seen (0..2) */
	size_t need;      /* length of the message being reassembled */
	size_t have;      /* bytes of it in buf */
	uint8_t *buf;
	size_t cap;
	bool error;
};

SfDnsStream *sf_dns_stream_new(void)
{
	return g_new0(SfDnsStream, 1);
}

void sf_dns_stream_free(SfDnsStream *stream)
{
	if (stream == NULL)
		return;
	g_free(stream->buf);
	g_free(stream);
}

size_t sf_dns_stream_pending(const SfDnsStream *stream)
{
	return stream->hdr_have + stream->have;
}

static SfDnsStreamStatus fail(SfDnsStream *s)
{
	s->error = true;
	s->hdr_have = s->have = s->need = 0;
	return SF_DNS_STREAM_ERROR;
}

static void advance(const uint8_t **data, size_t *len, size_t n)
{
	*data += n;
	*len -= n;
}

SfDnsStreamStatus sf_dns_stream_feed(SfDnsStream *s, const uint8_t **data, size_t *len,
				     const uint8_t **msg, size_t *msg_len)
{
	size_t n;

	*msg = NULL;
	*msg_len = 0;
	if (s->error)
		return SF_DNS_STREAM_ERROR;
	if (*len > 0 && *data == NULL)
		return fail(s);

	if (s->hdr_have < 2) {
		if (s->hdr_have == 0 && *len >= 2) {
			size_t mlen = (size_t)(*data)[0] << 8 | (*data)[1];

			if (mlen == 0)
				return fail(s);
			if (*len - 2 >= mlen) { /* whole in this chunk: no copy */
				*msg = *data + 2;
				*msg_len = mlen;
				advance(data, len, 2 + mlen);
				return SF_DNS_STREAM_MESSAGE;
			}
		}
		while (s->hdr_have < 2 && *len > 0) {
			s->hdr[s->hdr_have++] = (*data)[0];
			advance(data, len, 1);
		}
		if (s->hdr_have < 2)
			return SF_DNS_STREAM_MORE;
		s->need = (size_t)s->hdr[0] << 8 | s->hdr[1];
		s->have = 0;
		if (s->need == 0)
			return fail(s);
		if (s->cap < s->need) {
			s->buf = g_realloc(s->buf, s->need);
			s->cap = s->need;
		}
	}

	n = MIN(s->need - s->have, *len);
	if (n > 0) {
		memcpy(s->buf + s->have, *data, n);
		s->have += n;
		advance(data, len, n);
	}
	if (s->have < s->need)
		return SF_DNS_STREAM_MORE;
	*msg = s->buf;
	*msg_len = s->need;
	s->hdr_have = s->have = s->need = 0; /* buf stays valid until the next call */
	return SF_DNS_STREAM_MESSAGE;
}

bool sf_dns_stream_prefix(size_t msg_len, uint8_t out[2])
{
	if (msg_len == 0 || msg_len > SF_DNS_MSG_MAX)
		return false;
	out[0] = (uint8_t)(msg_len >> 8);
	out[1] = (uint8_t)msg_len;
	return true;
}

uint8_t *sf_dns_stream_frame(const uint8_t *msg, size_t len, size_t *out_len)
{
	uint8_t *out;

	if (msg == NULL || len == 0 || len > SF_DNS_MSG_MAX)
		return NULL;
	out = g_malloc(len + 2);
	sf_dns_stream_prefix(len, out);
	memcpy(out + 2, msg, len);
	*out_len = len + 2;
	return out;
}
