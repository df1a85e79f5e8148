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
		if (p[i] == '.' && p[i - 1] == '/' &&
		    (i + 1 == len || p[i + 1] == '/'))
			return false; /* a "." segment: a backend may drop it */
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

/* The variables the gate reads. */
enum var_id {
	V_PATH,
	V_METHOD,
	V_QUERY,
	V_CONTENT_TYPE,
	V_CONTENT_LENGTH,
	V_AUTHORIZATION,
	V_LAST_EVENT_ID,
	V_REMOTE_ADDR,
	V_ALB_DATA,
	V_REMOTE_USER,
	V_AUTH_TYPE,
	V_HTTPS,
	V_COUNT
};

/* A name and its length, for the table below. */
#define VAR_NAME(s) s, sizeof(s) - 1
static const struct {
	const char *name;
	size_t len;
} var_names[V_COUNT] = {
	[V_PATH] = {VAR_NAME("PATH_INFO")},
	[V_METHOD] = {VAR_NAME("REQUEST_METHOD")},
	[V_QUERY] = {VAR_NAME("QUERY_STRING")},
	[V_CONTENT_TYPE] = {VAR_NAME("CONTENT_TYPE")},
	[V_CONTENT_LENGTH] = {VAR_NAME("CONTENT_LENGTH")},
	[V_AUTHORIZATION] = {VAR_NAME("HTTP_AUTHORIZATION")},
	[V_LAST_EVENT_ID] = {VAR_NAME("HTTP_LAST_EVENT_ID")},
	[V_REMOTE_ADDR] = {VAR_NAME("REMOTE_ADDR")},
	[V_ALB_DATA] = {VAR_NAME("HTTP_X_AMZN_OIDC_DATA")},
	/* set by the web server only: a client's header is HTTP_... */
	[V_REMOTE_USER] = {VAR_NAME("REMOTE_USER")},
	[V_AUTH_TYPE] = {VAR_NAME("AUTH_TYPE")},
	[V_HTTPS] = {VAR_NAME("HTTPS")},
};

/* The values of the gate's variables in vars ("NAME=value" strings,
 * NULL-ended), in one pass; NULL for those not set. The first of a name
 * counts, as with getenv(3). */
static void find_vars(char *const *vars, const char *val[V_COUNT])
{
	const char *eq;
	size_t k, n;

	for (k = 0; k < V_COUNT; k++)
		val[k] = NULL;
	for (; vars != NULL && *vars != NULL; vars++) {
		if ((eq = strchr(*vars, '=')) == NULL)
			continue;
		n = (size_t)(eq - *vars);
		for (k = 0; k < V_COUNT; k++)
			if (var_names[k].len == n && val[k] == NULL &&
			    memcmp(*vars, var_names[k].name, n) == 0) {
				val[k] = eq + 1;
				break;
			}
	}
}

/* A copy of v, or of def when v is NULL; false when a copy was due and
 * memory ran out. */
static bool dup_var(char **out, const char *v, const char *def)
{
	if (v == NULL)
		v = def;
	*out = v == NULL ? NULL : strdup(v);
	return v == NULL || *out != NULL;
}

static bool fail(enum aig_outcome *out, enum aig_outcome what)
{
	*out = what;
	return false;
}

/* Copies what the gate needs out of the variables. */
static bool copy_vars(struct aig_request *req, const char *const val[V_COUNT])
{
	const char *https = val[V_HTTPS];
	bool ok = true;

	ok &= dup_var(&req->path, val[V_PATH], "/");
	ok &= dup_var(&req->method, val[V_METHOD], "");
	ok &= dup_var(&req->query, val[V_QUERY], "");
	ok &= dup_var(&req->content_type, val[V_CONTENT_TYPE], NULL);
	ok &= dup_var(&req->authorization, val[V_AUTHORIZATION], NULL);
	ok &= dup_var(&req->last_event_id, val[V_LAST_EVENT_ID], NULL);
	ok &= dup_var(&req->remote_addr, val[V_REMOTE_ADDR], "");
	ok &= dup_var(&req->alb_data, val[V_ALB_DATA], NULL);
	ok &= dup_var(&req->remote_user, val[V_REMOTE_USER], NULL);
	ok &= dup_var(&req->auth_type, val[V_AUTH_TYPE], NULL);
	req->https = https != NULL &&
		     (strcasecmp(https, "on") == 0 || strcmp(https, "1") == 0);
	return ok;
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
	const char *val[V_COUNT];
	bool length_ok;

	memset(req, 0, sizeof(*req));
	req->content_length = -1;
	*out = AIG_OUT_PENDING;
	if (aig_request_id(req->id, NULL) != AIG_OK)
		return fail(out, AIG_OUT_NO_MEMORY);
	find_vars(vars, val);
	if (!copy_vars(req, val))
		return fail(out, AIG_OUT_NO_MEMORY);
	length_ok = parse_length(val[V_CONTENT_LENGTH], &req->content_length);
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
