/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_http_response.c - the response reader of the backend hop and the
 * JWKS fetch (http/response.c, over http-parser) on arbitrary bytes.
 *
 * Input: one byte of mode, then the bytes a server sent. The mode's low
 * seven bits + 1 give the size of each read the bytes are cut into, its
 * high bit says the request was HEAD. The same bytes are then parsed again
 * in one read, and both runs must agree on the outcome, the status, the
 * headers, the body, and whether the connection could carry another
 * request (nothing after the response, framed, HTTP/1.1 keep-alive): how
 * a response is cut over reads must not change what it means. Every header
 * passed on must be a non-empty token name with a value free of control
 * characters other than tab, under the caps; the status must be a final one,
 * 100-599 and not 1xx. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	int status, headers, headers_done;
	size_t body_len;
	uint32_t hash; /* FNV-1a over headers and body, in order */
	bool reusable; /* aig_http_resp_reusable(), and every byte read */
};

static void mix(struct seen *s, const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		s->hash = (s->hash ^ c[i]) * 16777619u;
}

static void check_status(int status)
{
	if (status < 200 || status > 599)
		abort();
}

static int on_header(void *ctx, int status, const char *name, const char *value)
{
	struct seen *s = ctx;
	size_t n = strlen(name), v = strlen(value), i;

	check_status(status);
	if (n == 0 || n + v > AIG_HTTP_MAX_HEADER_LINE ||
	    ++s->headers > AIG_HTTP_MAX_HEADERS || s->headers_done)
		abort();
	for (i = 0; i < v; i++)
		if (((unsigned char)value[i] < 0x20 && value[i] != '\t') ||
		    value[i] == 0x7f)
			abort();
	mix(s, name, n + 1);
	mix(s, value, v + 1);
	return AIG_HTTP_GO_ON;
}

static int on_headers_done(void *ctx, int status)
{
	struct seen *s = ctx;

	check_status(status);
	if (s->headers_done++ != 0)
		abort();
	s->status = status;
	return AIG_HTTP_GO_ON;
}

static int on_body(void *ctx, const char *data, size_t len)
{
	struct seen *s = ctx;

	if (!s->headers_done || len == 0)
		abort();
	s->body_len += len;
	mix(s, data, len);
	return AIG_HTTP_GO_ON;
}

/* Parses data in reads of step bytes, then the end of the stream. */
static int run(const uint8_t *data, size_t size, size_t step, bool head,
	       struct seen *s)
{
	struct aig_http_handler h = {on_header, on_headers_done, on_body, s};
	struct aig_http_resp *r = malloc(sizeof(*r));
	size_t off = 0, n;
	int rc = AIG_OK;

	if (r == NULL)
		abort();
	memset(s, 0, sizeof(*s));
	s->hash = 2166136261u;
	aig_http_resp_init(r, &h, head);
	while (rc == AIG_OK && !aig_http_resp_done(r) && off < size) {
		n = size - off < step ? size - off : step;
		rc = aig_http_resp_feed(r, (const char *)data + off, n, "fuzz",
					NULL);
		off += n;
	}
	if (rc == AIG_OK && !aig_http_resp_done(r))
		rc = aig_http_resp_feed(r, NULL, 0, "fuzz", NULL);
	if (rc == AIG_OK && (!aig_http_resp_done(r) || s->headers_done != 1))
		abort(); /* AIG_OK means a whole response */
	/* bytes left unread follow the response as much as bytes read */
	s->reusable = rc == AIG_OK && aig_http_resp_reusable(r) && off == size;
	if (aig_http_resp_reusable(r) && (rc != AIG_OK || r->trailing))
		abort();
	free(r);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen cut, whole;
	int rc1, rc2;

	if (size < 1)
		return 0;
	rc1 = run(data + 1, size - 1, (size_t)(data[0] & 0x7f) + 1,
		  data[0] & 0x80, &cut);
	rc2 = run(data + 1, size - 1, size, data[0] & 0x80, &whole);
	if (rc1 != rc2 ||
	    (rc1 == AIG_OK &&
	     (cut.status != whole.status || cut.headers != whole.headers ||
	      cut.body_len != whole.body_len || cut.hash != whole.hash ||
	      cut.reusable != whole.reusable)))
		abort();
	return 0;
}
