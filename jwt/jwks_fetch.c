/* SPDX-License-Identifier: Apache-2.0 */
/* jwks_fetch.c - one HTTPS GET for a JWK Set or an OIDC discovery
 * document, on the gate's own HTTP client (http/aig_http.h): https only,
 * the peer verified against ca_file or the system store, no redirect
 * followed, no proxy, one deadline, a size cap. Fetches happen about once
 * an hour; the client is made for each and freed after. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "aig_http.h"
#include "jwt_int.h"

struct sink {
	char *buf;
	size_t len, cap, max;
	bool too_big;
	int status;
};

static int on_headers_done(void *ctx, int status)
{
	struct sink *s = ctx;

	s->status = status;
	return AIG_HTTP_GO_ON;
}

static int on_body(void *ctx, const char *data, size_t n)
{
	struct sink *s = ctx;
	size_t cap;
	char *nb;

	if (s->status != 200)
		return AIG_HTTP_GO_ON; /* not kept: only the status counts */
	if (n > s->max - s->len) {
		s->too_big = true;
		return AIG_HTTP_STOP;
	}
	if (s->len + n + 1 > s->cap) {
		cap = s->len + n + 1 > 2 * s->cap ? s->len + n + 1 : 2 * s->cap;
		if ((nb = realloc(s->buf, cap)) == NULL)
			return AIG_HTTP_STOP;
		s->buf = nb;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return AIG_HTTP_GO_ON;
}

/* Turns the transfer's outcome into a status. */
static int outcome(int rc, const struct sink *s, const char *url,
		   const struct aig_error *herr, struct aig_error *err)
{
	if (s->too_big)
		return aig_error_set(err, AIG_ERR_TOO_BIG,
				     "%s: larger than %zu bytes", url, s->max);
	if (rc == AIG_HTTP_ERR_STOPPED) /* only on_body stops: memory */
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	if (rc == AIG_ERR_NOMEM)
		return aig_error_set(err, rc, "out of memory");
	if (rc != AIG_OK)
		return aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s: %s", url,
				     herr->msg);
	if (s->status != 200)
		return aig_error_set(err, AIG_ERR_UNAVAILABLE,
				     "%s: HTTP status %d", url, s->status);
	if (s->buf == NULL)
		return aig_error_set(err, AIG_ERR_UNAVAILABLE,
				     "%s: empty answer", url);
	return AIG_OK;
}

int aig_jwks_fetch(const char *url, const char *ca_file, size_t max,
		   char **body, size_t *len, struct aig_error *err)
{
	static const struct aig_http_header headers[] = {
		{"User-Agent", PACKAGE_NAME "/" PACKAGE_VERSION},
		{"Accept", "*/*"},
	};
	struct sink s = {NULL, 0, 0, max, false, 0};
	struct aig_http_handler handler = {NULL, on_headers_done, on_body, &s};
	struct aig_http_request req = {0};
	struct aig_http_client *client = NULL;
	struct aig_error herr = {0};
	int rc;

	*body = NULL;
	*len = 0;
	req.method = "GET";
	req.url = url;
	req.headers = headers;
	req.n_headers = sizeof(headers) / sizeof(headers[0]);
	req.timeout_ms = AIG_JWKS_TIMEOUT_MS;
	req.https_only = true;
	rc = aig_http_client_new(ca_file, &client, &herr);
	if (rc == AIG_OK)
		rc = aig_http_exchange(client, &req, &handler, &herr);
	rc = outcome(rc, &s, url, &herr, err);
	if (rc == AIG_OK) {
		*body = s.buf;
		*len = s.len;
		s.buf = NULL;
	}
	aig_http_client_free(client);
	free(s.buf);
	return rc;
}
