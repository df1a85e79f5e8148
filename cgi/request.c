/* SPDX-License-Identifier: Apache-2.0 */
/* request.c - reading a CGI request from RFC 3875 variables (aigate.cgi(8)). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "aig_cgi.h"

bool aig_cgi_path_ok(const char *path, size_t len)
{
	const unsigned char *p = (const unsigned char *)path;
	size_t i, n;

	if (len == 0 || len > AIG_CGI_MAX_PATH || p[0] != '/')
		return false;
	for (i = 0; i < len; i += n) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return false; /* NUL and control characters */
		if (p[i] == '.' && i + 1 < len && p[i + 1] == '.')
			return false;
		if (p[i] == '/' && i + 1 < len && p[i + 1] == '/')
			return false;
		if (p[i] == '%' && i + 2 < len && p[i + 1] == '2' &&
		    (tolower(p[i + 2]) == 'f' || tolower(p[i + 2]) == 'e'))
			return false;
		if (p[i] == ';' ||
		    (p[i] == '%' && i + 2 < len && p[i + 1] == '3' &&
		     tolower(p[i + 2]) == 'b'))
			return false; /* path parameters */
		n = aig_utf8_seq_len(p + i, len - i);
		if (n == 0)
			return false;
	}
	return true;
}

/* Methods the gate passes on; anything else is 405. */
static bool method_known(const char *m)
{
	static const char *const known[] = {"GET",   "HEAD",   "POST",	  "PUT",
					    "PATCH", "DELETE", "OPTIONS", NULL};
	size_t i;

	for (i = 0; known[i] != NULL; i++)
		if (strcmp(m, known[i]) == 0)
			return true;
	return false;
}

/* CONTENT_LENGTH: absent -> -1; digits only, no sign, no spaces. */
static bool parse_length(const char *s, long long *out)
{
	long long v = 0;

	*out = -1;
	if (s == NULL || *s == '\0')
		return true;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (LLONG_MAX - 9) / 10)
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return true;
}

/* The value of variable name in vars ("NAME=value" strings, NULL-ended),
 * or NULL. */
static const char *var(char *const *vars, const char *name)
{
	size_t n = strlen(name);

	for (; vars != NULL && *vars != NULL; vars++)
		if (strncmp(*vars, name, n) == 0 && (*vars)[n] == '=')
			return *vars + n + 1;
	return NULL;
}

/* A copy of variable name (or def when unset/NULL). */
static char *var_dup(char *const *vars, const char *name, const char *def)
{
	const char *v = var(vars, name);

	if (v == NULL)
		v = def;
	return v == NULL ? NULL : strdup(v);
}

static bool fail(enum aig_outcome *out, enum aig_outcome what)
{
	*out = what;
	return false;
}

/* Copies what the gate needs out of the variables. */
static bool copy_vars(struct aig_request *req, char *const *vars)
{
	const char *https = var(vars, "HTTPS");

	req->path = var_dup(vars, "PATH_INFO", "/");
	req->method = var_dup(vars, "REQUEST_METHOD", "");
	req->query = var_dup(vars, "QUERY_STRING", "");
	req->content_type = var_dup(vars, "CONTENT_TYPE", NULL);
	req->authorization = var_dup(vars, "HTTP_AUTHORIZATION", NULL);
	req->last_event_id = var_dup(vars, "HTTP_LAST_EVENT_ID", NULL);
	req->remote_addr = var_dup(vars, "REMOTE_ADDR", "");
	req->alb_data = var_dup(vars, "HTTP_X_AMZN_OIDC_DATA", NULL);
	/* set by the web server only: a client's header is HTTP_... */
	req->remote_user = var_dup(vars, "REMOTE_USER", NULL);
	req->auth_type = var_dup(vars, "AUTH_TYPE", NULL);
	req->https = https != NULL &&
		     (strcasecmp(https, "on") == 0 || strcmp(https, "1") == 0);
	return req->path && req->method && req->query && req->remote_addr &&
	       (var(vars, "CONTENT_TYPE") == NULL || req->content_type) &&
	       (var(vars, "HTTP_AUTHORIZATION") == NULL ||
		req->authorization) &&
	       (var(vars, "HTTP_X_AMZN_OIDC_DATA") == NULL || req->alb_data) &&
	       (var(vars, "HTTP_LAST_EVENT_ID") == NULL ||
		req->last_event_id) &&
	       (var(vars, "REMOTE_USER") == NULL || req->remote_user) &&
	       (var(vars, "AUTH_TYPE") == NULL || req->auth_type);
}

static bool printable(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n > max)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

bool aig_request_from_vars(struct aig_request *req, char *const *vars,
			   enum aig_outcome *out)
{
	bool length_ok;

	memset(req, 0, sizeof(*req));
	req->content_length = -1;
	*out = AIG_OUT_PENDING;
	if (aig_request_id(req->id, NULL) != AIG_OK)
		return fail(out, AIG_OUT_NO_MEMORY);
	if (!copy_vars(req, vars))
		return fail(out, AIG_OUT_NO_MEMORY);
	length_ok =
		parse_length(var(vars, "CONTENT_LENGTH"), &req->content_length);
	if (!aig_cgi_path_ok(req->path, strlen(req->path)))
		return fail(out, AIG_OUT_BAD_PATH);
	if (!method_known(req->method))
		return fail(out, AIG_OUT_METHOD);
	if (!printable(req->query, AIG_CGI_MAX_QUERY) ||
	    !printable(req->remote_addr, 64) ||
	    (req->content_type && !printable(req->content_type, 256)) ||
	    (req->last_event_id && !printable(req->last_event_id, 256)))
		return fail(out, AIG_OUT_BAD_REQUEST);
	if ((req->authorization != NULL &&
	     !printable(req->authorization, AIG_CGI_MAX_AUTH)) ||
	    (req->alb_data != NULL &&
	     !printable(req->alb_data, AIG_CGI_MAX_AUTH)))
		return fail(out, AIG_OUT_BAD_REQUEST);
	if (!length_ok)
		return fail(out, AIG_OUT_BAD_REQUEST);
	if (req->content_length > AIG_CGI_MAX_BODY)
		return fail(out, AIG_OUT_TOO_LARGE);
	return true;
}

bool aig_request_from_env(struct aig_request *req, enum aig_outcome *out)
{
	bool ok = aig_request_from_vars(req, environ, out);

	/* Nothing else from the environment may reach the libraries loaded
	 * later: HTTP_PROXY (httpoxy), LDAP* and ldaprc, LD_*, and so on. */
	clearenv();
	return ok;
}

static bool method_has_body(const char *m)
{
	return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 ||
	       strcmp(m, "PATCH") == 0;
}

bool aig_request_read_body(struct aig_request *req, FILE *in, size_t max,
			   enum aig_outcome *out)
{
	size_t want, got = 0;

	if (req->content_length < 0) {
		if (method_has_body(req->method))
			return fail(out, AIG_OUT_LENGTH_REQUIRED);
		req->content_length = 0;
	}
	if ((unsigned long long)req->content_length > max ||
	    req->content_length > AIG_CGI_MAX_BODY)
		return fail(out, AIG_OUT_TOO_LARGE);
	want = (size_t)req->content_length;
	req->body = malloc(want + 1);
	if (req->body == NULL)
		return fail(out, AIG_OUT_NO_MEMORY);
	while (got < want) {
		size_t n = fread(req->body + got, 1, want - got, in);

		if (n == 0) {
			if (ferror(in) && errno == EINTR) {
				clearerr(in);
				continue;
			}
			return fail(out, AIG_OUT_BAD_REQUEST); /* short body */
		}
		got += n;
	}
	req->body[got] = '\0';
	req->body_len = got;
	return true;
}

void aig_request_discard_body(struct aig_request *req, FILE *in)
{
	char buf[16384];
	long long left = req->content_length;

	if (req->body != NULL || left <= 0 || left > AIG_CGI_MAX_BODY)
		return;
	while (left > 0) {
		size_t n = fread(buf, 1,
				 left < (long long)sizeof(buf) ? (size_t)left
							       : sizeof(buf),
				 in);

		if (n == 0)
			break;
		left -= (long long)n;
	}
	explicit_bzero(buf, sizeof(buf));
}

void aig_request_free(struct aig_request *req)
{
	free(req->method);
	free(req->path);
	free(req->query);
	free(req->content_type);
	aig_secret_free(req->authorization);
	aig_secret_free(req->alb_data);
	free(req->last_event_id);
	free(req->remote_user);
	free(req->auth_type);
	free(req->remote_addr);
	free(req->body);
	memset(req, 0, sizeof(*req));
}
