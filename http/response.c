/* SPDX-License-Identifier: Apache-2.0 */
/* response.c - reading a response with http-parser (HTTP_RESPONSE mode).
 *
 * http-parser does the parsing: status line, header syntax, Content-Length
 * against Transfer-Encoding, chunk sizes, the end of the message. What is
 * ours: a header's name and value put together across callbacks (a header
 * can arrive split over any number of reads), the caps of aig_http.h,
 * skipping interim (1xx) responses and trailers, and stopping at the end
 * of the final response. */
#include "config.h"

#include <string.h>

#include "http_int.h"

#define MAX_INTERIM 10

/* The messages below give the caps in words. */
_Static_assert(AIG_HTTP_MAX_HEADER_LINE == 8192 &&
		       AIG_HTTP_MAX_HEADER_BLOCK == 65536 &&
		       AIG_HTTP_MAX_HEADERS == 100,
	       "the cap messages need updating");

static struct aig_http_resp *resp_of(http_parser *p)
{
	return p->data;
}

static int fault(struct aig_http_resp *r, const char *why)
{
	if (r->fault == NULL)
		r->fault = why;
	return 1; /* makes http_parser_execute() stop */
}

static bool final_status(const http_parser *p)
{
	return p->status_code / 100 != 1;
}

static bool status_ok(const http_parser *p)
{
	return p->status_code >= 100 && p->status_code <= 599;
}

/* A name as RFC 9110 wants it (http-parser lets a space through). */
static bool name_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c)) ||
		    c == 0)
			return false;
	}
	return n > 0;
}

/* A value: no control character but tab (http-parser lets some by). */
static bool value_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') ||
		    s[i] == 0x7f)
			return false;
	return true;
}

/* The header read so far is complete: checked, trimmed, passed on (only
 * those of the final response's header block). */
static int emit(struct aig_http_resp *r)
{
	char *name = r->line, *value = r->line + r->name_len + 1;
	size_t nlen = r->name_len, vlen = r->value_len;
	http_parser *p = &r->parser;

	r->in_value = false;
	r->name_len = r->value_len = 0;
	if (!name_ok(name, nlen))
		return fault(r, "a malformed response header name");
	if (!value_ok(value, vlen))
		return fault(r, "a control character in a response header");
	while (vlen > 0 && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t'))
		value[--vlen] = '\0';
	if (r->headers_done || !final_status(p) || r->h == NULL ||
	    r->h->on_header == NULL)
		return 0;
	if (!status_ok(p))
		return fault(r, "a response status code out of range");
	if (r->h->on_header(r->h->ctx, p->status_code, name, value) !=
	    AIG_HTTP_GO_ON) {
		r->stopped = true;
		return 1;
	}
	return 0;
}

/* Counts bytes of the header block; fails over the caps. */
static int count(struct aig_http_resp *r, size_t len)
{
	if (r->name_len + r->value_len + len > AIG_HTTP_MAX_HEADER_LINE)
		return fault(r, "a response header line over 8 KiB");
	r->block += len;
	if (r->block > AIG_HTTP_MAX_HEADER_BLOCK)
		return fault(r, "a response header block over 64 KiB");
	return 0;
}

static int on_status(http_parser *p, const char *at, size_t len)
{
	struct aig_http_resp *r = resp_of(p);

	(void)at;
	r->status_len += len; /* the reason phrase, perhaps in pieces */
	if (r->status_len > AIG_HTTP_MAX_HEADER_LINE)
		return fault(r, "a response status line over 8 KiB");
	return count(r, len);
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
	struct aig_http_resp *r = resp_of(p);

	if (r->in_value && emit(r) != 0)
		return 1;
	if (r->name_len == 0) { /* a new header */
		if (++r->n_headers > AIG_HTTP_MAX_HEADERS)
			return fault(r, "more than 100 response headers");
		r->block += 4; /* ": " and CRLF */
	}
	if (count(r, len) != 0)
		return 1;
	memcpy(r->line + r->name_len, at, len);
	r->name_len += len;
	r->line[r->name_len] = '\0';
	return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
	struct aig_http_resp *r = resp_of(p);
	char *value = r->line + r->name_len + 1;

	if (count(r, len) != 0)
		return 1;
	r->in_value = true;
	memcpy(value + r->value_len, at, len);
	r->value_len += len;
	value[r->value_len] = '\0';
	return 0;
}

/* The next message's counts start from zero. */
static void next_message(struct aig_http_resp *r)
{
	r->n_headers = r->block = r->name_len = r->value_len = 0;
	r->status_len = 0;
	r->in_value = false;
}

/* Returns 1 to make http-parser skip the body (HEAD). */
static int on_headers_complete(http_parser *p)
{
	struct aig_http_resp *r = resp_of(p);

	if (r->in_value && emit(r) != 0)
		return -1;
	if (!status_ok(p))
		return fault(r, "a response status code out of range"), -1;
	if (p->status_code == 101)
		return fault(r, "a protocol switch nobody asked for"), -1;
	if (!final_status(p)) {
		if (++r->interim > MAX_INTERIM)
			return fault(r, "too many interim (1xx) responses"), -1;
		next_message(r);
		return 1; /* no body, whatever its headers say */
	}
	r->headers_done = true;
	next_message(r); /* trailers, if any, are counted afresh */
	if (r->h != NULL && r->h->on_headers_done != NULL &&
	    r->h->on_headers_done(r->h->ctx, p->status_code) !=
		    AIG_HTTP_GO_ON) {
		r->stopped = true;
		return -1;
	}
	return r->head ? 1 : 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
	struct aig_http_resp *r = resp_of(p);

	if (!r->headers_done)
		return fault(r, "a body in an interim response");
	if (r->h != NULL && r->h->on_body != NULL &&
	    r->h->on_body(r->h->ctx, at, len) != AIG_HTTP_GO_ON) {
		r->stopped = true;
		return 1;
	}
	return 0;
}

static int on_message_complete(http_parser *p)
{
	struct aig_http_resp *r = resp_of(p);

	if (!r->headers_done)
		return 0; /* an interim response: the next one follows */
	r->done = true;	  /* trailers, if any, were counted and dropped */
	http_parser_pause(p, 1); /* whatever follows is not ours */
	return 0;
}

static const http_parser_settings settings = {
	.on_status = on_status,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

void aig_http_resp_init(struct aig_http_resp *r,
			const struct aig_http_handler *h, bool head)
{
	memset(r, 0, sizeof(*r));
	http_parser_init(&r->parser, HTTP_RESPONSE);
	r->parser.data = r;
	r->h = h;
	r->head = head;
}

int aig_http_resp_feed(struct aig_http_resp *r, const char *data, size_t len,
		       const char *where, struct aig_error *err)
{
	enum http_errno e;
	size_t n;

	if (r->done) {
		r->trailing |= len > 0;
		return AIG_OK;
	}
	r->any |= len > 0;
	n = http_parser_execute(&r->parser, &settings, len ? data : NULL, len);
	e = HTTP_PARSER_ERRNO(&r->parser);
	if (r->done) {
		/* paused at the end: n counts the bytes up to it */
		r->trailing |= n < len;
		return AIG_OK;
	}
	if (r->stopped)
		return aig_error_set(err, AIG_HTTP_ERR_STOPPED,
				     "%s: transfer stopped", where);
	if (r->fault != NULL)
		return aig_error_set(err, AIG_HTTP_ERR_PROTOCOL, "%s: %s",
				     where, r->fault);
	if (e == HPE_INVALID_EOF_STATE || (e == HPE_OK && len == 0 && r->any))
		return aig_error_set(err, AIG_HTTP_ERR_PROTOCOL,
				     "%s: the response was cut short", where);
	if (e == HPE_OK && len == 0)
		return aig_error_set(err, AIG_HTTP_ERR_PROTOCOL,
				     "%s: the connection closed without a "
				     "response",
				     where);
	if (e != HPE_OK)
		return aig_error_set(err, AIG_HTTP_ERR_PROTOCOL,
				     "%s: malformed response: %s", where,
				     http_errno_description(e));
	if (r->parser.upgrade)
		return aig_error_set(err, AIG_HTTP_ERR_PROTOCOL,
				     "%s: a protocol switch nobody asked for",
				     where);
	return AIG_OK;
}

bool aig_http_resp_done(const struct aig_http_resp *r)
{
	return r->done;
}

bool aig_http_resp_reusable(const struct aig_http_resp *r)
{
	const http_parser *p = &r->parser;

	/* http_should_keep_alive(): no Connection: close, and the end known
	 * without the close (http_message_needs_eof()); HTTP/1.0's
	 * keep-alive extension is not trusted */
	return r->done && !r->trailing && p->http_major == 1 &&
	       p->http_minor == 1 && http_should_keep_alive(p);
}
