/* SPDX-License-Identifier: Apache-2.0 */
/* url.c - a request's URL taken apart (http_parser_parse_url) and its
 * request line and header block, checked byte by byte: nothing the caller
 * passes can split a line or smuggle a header. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_int.h"

#define METHOD_MAX 32
#define HOST_MAX 255 /* fits AIG_HTTP_WHERE_MAX with brackets and port */

static int invalid(struct aig_error *err, const char *what)
{
	return aig_error_set(err, AIG_ERR_INVALID, "HTTP request: %s", what);
}

/* RFC 9110 tchar. */
static bool is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') ||
	       (c != 0 && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_token(const char *s, size_t max)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (n >= max || !is_tchar((unsigned char)s[n]))
			return false;
	return n > 0;
}

/* A header value: no control character, no DEL (bytes >= 0x80 pass). */
static bool is_field_value(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* What may stand in a request target as it is: visible ASCII, no '#'. */
static bool is_target(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f ||
		    *s == '#')
			return false;
	return true;
}

static char *field(const char *url, const struct http_parser_url *pu, int f)
{
	if (!(pu->field_set & (1 << f)))
		return NULL;
	return strndup(url + pu->field_data[f].off, pu->field_data[f].len);
}

/* Scheme, userinfo, host and port. */
static int parse_authority(const char *url, const struct http_parser_url *p,
			   bool https_only, struct aig_http_url *u,
			   struct aig_error *err)
{
	const char *scheme = url + p->field_data[UF_SCHEMA].off;
	size_t slen = p->field_data[UF_SCHEMA].len;
	struct in_addr a4;
	bool v6;

	if (slen == 5 && strncasecmp(scheme, "https", 5) == 0)
		u->tls = true;
	else if (!(slen == 4 && strncasecmp(scheme, "http", 4) == 0))
		return invalid(err, "only http:// and https:// URLs");
	if (https_only && !u->tls)
		return invalid(err, "an https:// URL is required");
	if (p->field_set & (1 << UF_USERINFO))
		return invalid(err, "a URL with user information is refused");
	/* http-parser let only letters, digits, ".-_" (and ":" in brackets)
	 * through: nothing that could break the Host line */
	if ((u->host = field(url, p, UF_HOST)) == NULL || u->host[0] == '\0')
		return invalid(err, "the URL has no host");
	if (strlen(u->host) > HOST_MAX)
		return invalid(err, "a host name over 255 bytes");
	if (strchr(u->host, '%') != NULL)
		return invalid(err, "an IPv6 zone in a URL is not supported");
	v6 = p->field_data[UF_HOST].off > 0 &&
	     url[p->field_data[UF_HOST].off - 1] == '[';
	u->ip_literal = v6 || inet_pton(AF_INET, u->host, &a4) == 1;
	u->port = u->tls ? 443 : 80;
	if (p->field_set & (1 << UF_PORT)) {
		if (p->port == 0)
			return invalid(err, "port 0 in the URL");
		u->port = p->port;
	}
	snprintf(u->where, sizeof(u->where), "%s%s%s:%u", v6 ? "[" : "",
		 u->host, v6 ? "]" : "", u->port);
	if (u->port == (u->tls ? 443u : 80u))
		snprintf(u->host_header, sizeof(u->host_header), "%s%s%s",
			 v6 ? "[" : "", u->host, v6 ? "]" : "");
	else
		snprintf(u->host_header, sizeof(u->host_header), "%s",
			 u->where);
	return AIG_OK;
}

/* The URL's path and query, or its path (trailing '/' dropped) + path +
 * "?" query. */
static int make_target(const char *url, const struct http_parser_url *pu,
		       const struct aig_http_request *req,
		       struct aig_http_url *u, struct aig_error *err)
{
	char *base = field(url, pu, UF_PATH), *query = field(url, pu, UF_QUERY);
	const char *q = req->path ? req->query : query;
	size_t blen = base ? strlen(base) : 0, n;
	int rc = AIG_OK;

	if (req->path != NULL) {
		while (blen > 0 && base[blen - 1] == '/')
			blen--;
		if (query != NULL)
			rc = invalid(err, "a base URL with a query");
		else if (req->path[0] != '/' && req->path[0] != '\0')
			rc = invalid(err, "a path not starting with '/'");
		else if (strchr(req->path, '?') != NULL)
			rc = invalid(err, "a path with '?'");
	}
	n = blen + (req->path ? strlen(req->path) : 0) + (q ? strlen(q) : 0);
	if (rc == AIG_OK && (u->target = malloc(n + 3)) == NULL)
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	if (rc == AIG_OK) {
		/* http-parser's paths start with '/'; so do ours */
		snprintf(u->target, n + 3, "%s%.*s%s%s%s",
			 blen > 0 || (req->path && req->path[0]) ? "" : "/",
			 (int)blen, base ? base : "",
			 req->path ? req->path : "", q && q[0] ? "?" : "",
			 q ? q : "");
		if (!is_target(u->target))
			rc = invalid(err, "a character a request target cannot "
					  "hold");
	}
	free(base);
	free(query);
	return rc;
}

int aig_http_url_parse(const struct aig_http_request *req,
		       struct aig_http_url *u, struct aig_error *err)
{
	struct http_parser_url pu;
	int rc;

	memset(u, 0, sizeof(*u));
	http_parser_url_init(&pu);
	if (req->url == NULL ||
	    http_parser_parse_url(req->url, strlen(req->url), 0, &pu) != 0 ||
	    !(pu.field_set & (1 << UF_SCHEMA)) ||
	    !(pu.field_set & (1 << UF_HOST)))
		return invalid(err, "not an absolute http(s) URL");
	if ((rc = parse_authority(req->url, &pu, req->https_only, u, err)) !=
		    AIG_OK ||
	    (rc = make_target(req->url, &pu, req, u, err)) != AIG_OK) {
		aig_http_url_free(u);
		return rc;
	}
	return AIG_OK;
}

void aig_http_url_free(struct aig_http_url *u)
{
	free(u->host);
	free(u->target);
	u->host = u->target = NULL;
}

/* ----------------------------------------------------------- the head */

struct buf {
	char *p;
	size_t len, cap;
	bool failed;
};

/* Appends n bytes (a body may hold NUL), keeping a NUL after them. */
static void put_bytes(struct buf *b, const char *s, size_t n)
{
	char *np;

	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		if ((np = realloc(b->p, b->cap)) == NULL) {
			b->failed = true;
			return;
		}
		b->p = np;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void put(struct buf *b, const char *s)
{
	put_bytes(b, s, strlen(s));
}

/* Host, Connection and Content-Length are ours; Transfer-Encoding would
 * contradict our Content-Length. */
static bool reserved(const char *name)
{
	return strcasecmp(name, "Host") == 0 ||
	       strcasecmp(name, "Connection") == 0 ||
	       strcasecmp(name, "Content-Length") == 0 ||
	       strcasecmp(name, "Transfer-Encoding") == 0;
}

static int check_headers(const struct aig_http_request *req,
			 struct aig_error *err)
{
	size_t i;

	if (req->method == NULL || !is_token(req->method, METHOD_MAX))
		return invalid(err, "not a valid method");
	if (req->n_headers > 0 && req->headers == NULL)
		return invalid(err, "no headers array");
	for (i = 0; i < req->n_headers; i++) {
		const struct aig_http_header *h = &req->headers[i];

		if (h->name == NULL || !is_token(h->name, 256) ||
		    reserved(h->name))
			return aig_error_set(err, AIG_ERR_INVALID,
					     "HTTP request: header %zu: "
					     "invalid or reserved name",
					     i);
		if (h->value == NULL || !is_field_value(h->value))
			return aig_error_set(err, AIG_ERR_INVALID,
					     "HTTP request: header %zu: a "
					     "control character in the value",
					     i);
	}
	return AIG_OK;
}

int aig_http_head_make(const struct aig_http_request *req,
		       const struct aig_http_url *u, bool close,
		       size_t join_max, char **head, size_t *len, bool *joined,
		       struct aig_error *err)
{
	struct buf b = {NULL, 0, 0, false};
	char num[32];
	size_t i;
	int rc;

	*head = NULL;
	*len = 0;
	*joined = false;
	if ((rc = check_headers(req, err)) != AIG_OK)
		return rc;
	put(&b, req->method);
	put(&b, " ");
	put(&b, u->target);
	put(&b, " HTTP/1.1\r\nHost: ");
	put(&b, u->host_header);
	put(&b, "\r\n");
	for (i = 0; i < req->n_headers; i++) {
		put(&b, req->headers[i].name);
		put(&b, ": ");
		put(&b, req->headers[i].value);
		put(&b, "\r\n");
	}
	if (req->body != NULL) {
		snprintf(num, sizeof(num), "Content-Length: %zu\r\n",
			 req->body_len);
		put(&b, num);
	}
	/* without it, HTTP/1.1 keeps the connection open */
	put(&b, close ? "Connection: close\r\n\r\n" : "\r\n");
	if (req->body != NULL && req->body_len <= join_max) {
		put_bytes(&b, req->body, req->body_len);
		*joined = true;
	}
	if (b.failed) {
		free(b.p);
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	}
	*head = b.p;
	*len = b.len;
	return AIG_OK;
}
