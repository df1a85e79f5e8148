/* SPDX-License-Identifier: Apache-2.0 */
/* test_cgi_request.c - the CGI request reader and Basic decoding, with
 * hostile input: bad paths, lengths, bodies and credentials. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aig_cgi.h"
#include "aig_test.h"

static void test_paths(void)
{
	static const struct {
		const char *path;
		bool ok;
	} cases[] = {
		{"/chat/invoke", true},
		{"/", true},
		{"/a/b.c/d-e_f~g", true},
		{"/caf\xc3\xa9/invoke", true},
		{"/_aigate/health", true},
		{"", false},
		{"chat/invoke", false},
		{"/chat/../admin", false},
		{"/..", false},
		{"/chat/..", false},
		{"/a..b", false}, /* any ".." (aigate.cgi(8)) */
		{"//admin", false},
		{"/chat//invoke", false},
		{"/chat/%2f/x", false},
		{"/chat/%2F/x", false},
		{"/chat/%2e%2e/x", false},
		{"/chat/%2E", false},
		{"/chat/\x01", false},
		{"/chat/\n", false},
		{"/chat/\x7f", false},
		{"/chat/\t", false},
		{"/\xff", false},
		{"/\xc0\xaf", false},	    /* overlong '/' */
		{"/\xed\xa0\x80", false},   /* surrogate */
		{"/\xe2\x82", false},	    /* truncated */
		{"/admin;x/invoke", false}, /* path parameters */
		{"/admin%3bx/invoke", false},
		{"/admin%3Bx/invoke", false},
		{"/chat/invoke;", false},
		{"/chat/invoke%3b", false},
		{"/chat/%3c%3a/x", true},
		{"/./chat/invoke", false}, /* "." segments */
		{"/threads/x/./runs", false},
		{"/chat/.", false},
		{"/.well-known/x", true},
		{"/a/.b/c.", true},
	};
	size_t i;
	char *big;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ok(aig_cgi_path_ok(cases[i].path, strlen(cases[i].path)) ==
			   cases[i].ok,
		   "path #%zu %s", i, cases[i].ok ? "accepted" : "refused");
	ok(!aig_cgi_path_ok("/a\0b", 4), "path with NUL refused");
	big = malloc(AIG_CGI_MAX_PATH + 2);
	memset(big, 'a', AIG_CGI_MAX_PATH + 1);
	big[0] = '/';
	big[AIG_CGI_MAX_PATH + 1] = '\0';
	ok(!aig_cgi_path_ok(big, strlen(big)), "path over the cap refused");
	ok(aig_cgi_path_ok(big, AIG_CGI_MAX_PATH), "path at the cap accepted");
	free(big);
}

/* Sets up a CGI environment: pairs of name, value; NULL value unsets. */
static void set_env(const char *const *kv)
{
	clearenv();
	for (; kv[0] != NULL; kv += 2)
		if (kv[1] != NULL)
			setenv(kv[0], kv[1], 1);
}

static int read_env(const char *const *kv, struct aig_request *req)
{
	enum aig_outcome o = AIG_OUT_PENDING;

	set_env(kv);
	if (!aig_request_from_env(req, &o))
		return aig_outcome_info(o)->status;
	return 0;
}

static void test_env(void)
{
	struct aig_request req;
	int st;

	{
		const char *const env[] = {"REQUEST_METHOD",
					   "POST",
					   "PATH_INFO",
					   "/chat/invoke",
					   "QUERY_STRING",
					   "a=1",
					   "CONTENT_TYPE",
					   "application/json",
					   "CONTENT_LENGTH",
					   "12",
					   "HTTP_AUTHORIZATION",
					   "Bearer x.y.z",
					   "REMOTE_ADDR",
					   "127.0.0.1",
					   "HTTPS",
					   "on",
					   "HTTP_PROXY",
					   "http://evil:8080",
					   "LDAPTLS_REQCERT",
					   "never",
					   NULL};
		st = read_env(env, &req);
		ok(st == 0 && strcmp(req.method, "POST") == 0 &&
			   strcmp(req.path, "/chat/invoke") == 0 &&
			   req.content_length == 12 && req.https &&
			   strcmp(req.authorization, "Bearer x.y.z") == 0 &&
			   strlen(req.id) == 32,
		   "a good request is read");
		ok(getenv("HTTP_PROXY") == NULL &&
			   getenv("LDAPTLS_REQCERT") == NULL &&
			   getenv("PATH_INFO") == NULL,
		   "the environment is cleared after reading");
		aig_request_free(&req);
	}
	{
		const char *const env[] = {"REQUEST_METHOD", "GET", NULL};
		st = read_env(env, &req);
		ok(st == 0 && strcmp(req.path, "/") == 0 &&
			   req.content_length == -1 && !req.https,
		   "no PATH_INFO means /");
		aig_request_free(&req);
	}
	{
		static const struct {
			const char *v;
			bool https;
		} https[] = {{"on", true},   {"ON", true}, {"1", true},
			     {"off", false}, {"0", false}, {"", false},
			     {"yes", false}};
		size_t i;

		for (i = 0; i < sizeof(https) / sizeof(https[0]); i++) {
			const char *const env[] = {"REQUEST_METHOD", "GET",
						   "HTTPS", https[i].v, NULL};

			st = read_env(env, &req);
			ok(st == 0 && req.https == https[i].https,
			   "HTTPS=%s is %s", https[i].v,
			   https[i].https ? "HTTPS" : "not HTTPS");
			aig_request_free(&req);
		}
	}
	{
		const char *const env[] = {"REQUEST_METHOD", "TRACE",
					   "PATH_INFO", "/x", NULL};
		ok(read_env(env, &req) == 405, "TRACE is 405");
		ok(strlen(req.id) == 32, "an error request still has an id");
		aig_request_free(&req);
	}
	{
		const char *const env[] = {"REQUEST_METHOD", "TRACE",
					   "PATH_INFO", "/../x", NULL};
		ok(read_env(env, &req) == 400,
		   "the path is checked before anything else");
		aig_request_free(&req);
	}
	{
		const char *const env[] = {
			"REQUEST_METHOD", "POST", "PATH_INFO", "/x",
			"CONTENT_LENGTH", "-1",	  NULL};
		ok(read_env(env, &req) == 400, "negative length is 400");
		aig_request_free(&req);
	}
	{
		const char *const env[] = {
			"REQUEST_METHOD", "POST", "PATH_INFO", "/x",
			"CONTENT_LENGTH", "1 2",  NULL};
		ok(read_env(env, &req) == 400, "length with a space is 400");
		aig_request_free(&req);
	}
	{
		const char *const env[] = {"REQUEST_METHOD",
					   "POST",
					   "PATH_INFO",
					   "/x",
					   "CONTENT_LENGTH",
					   "99999999999999999999999",
					   NULL};
		ok(read_env(env, &req) == 400, "overflowing length is 400");
		aig_request_free(&req);
	}
	{
		const char *const env[] = {
			"REQUEST_METHOD", "POST",     "PATH_INFO", "/x",
			"CONTENT_LENGTH", "17000000", NULL};
		ok(read_env(env, &req) == 413,
		   "length over the hard cap is 413");
		aig_request_free(&req);
	}
	{
		const char *const env[] = {
			"REQUEST_METHOD",     "GET",	     "PATH_INFO", "/x",
			"HTTP_AUTHORIZATION", "Bearer a\nb", NULL};
		ok(read_env(env, &req) == 400,
		   "control character in Authorization is 400");
		aig_request_free(&req);
	}
	{
		const char *const env[] = {
			"REQUEST_METHOD",     "GET", "PATH_INFO", "/x",
			"HTTP_LAST_EVENT_ID", "42",  NULL};
		ok(read_env(env, &req) == 0 && req.last_event_id &&
			   strcmp(req.last_event_id, "42") == 0,
		   "Last-Event-ID is kept for the backend");
		aig_request_free(&req);
	}
	{
		const char *const env[] = {"REQUEST_METHOD",
					   "GET",
					   "PATH_INFO",
					   "/x",
					   "HTTP_LAST_EVENT_ID",
					   "1\r\nX-Aigate-User: a",
					   NULL};
		ok(read_env(env, &req) == 400,
		   "a control character in Last-Event-ID is 400");
		aig_request_free(&req);
	}
}

static int body(const char *method, long long clen, const char *data,
		size_t dlen, size_t max, struct aig_request *req)
{
	enum aig_outcome o = AIG_OUT_PENDING;
	char buf[64] = {0};
	FILE *in;
	bool ok_;

	memcpy(buf, data, dlen);
	in = fmemopen(buf, dlen ? dlen : 1, "r");

	memset(req, 0, sizeof(*req));
	req->method = strdup(method);
	req->content_length = clen;
	if (dlen == 0)
		fgetc(in); /* an empty stream */
	ok_ = aig_request_read_body(req, in, max, &o);
	fclose(in);
	return ok_ ? 0 : aig_outcome_info(o)->status;
}

static void test_body(void)
{
	struct aig_request req;

	ok(body("POST", 7, "{\"a\":1}", 7, 100, &req) == 0 &&
		   req.body_len == 7 && strcmp(req.body, "{\"a\":1}") == 0,
	   "body read exactly");
	aig_request_free(&req);
	ok(body("POST", 3, "{\"a\":1}", 7, 100, &req) == 0 && req.body_len == 3,
	   "reads no more than CONTENT_LENGTH");
	aig_request_free(&req);
	ok(body("POST", 10, "{\"a\":1}", 7, 100, &req) == 400,
	   "short body is 400");
	aig_request_free(&req);
	ok(body("POST", 7, "{\"a\":1}", 7, 6, &req) == 413,
	   "body over the rule's limit is 413 before reading");
	aig_request_free(&req);
	ok(body("POST", -1, "", 0, 100, &req) == 411,
	   "POST without CONTENT_LENGTH is 411");
	aig_request_free(&req);
	ok(body("GET", -1, "", 0, 100, &req) == 0 && req.body_len == 0,
	   "GET without a body is fine");
	aig_request_free(&req);
}

static void test_basic(void)
{
	static const struct {
		const char *header;
		const char *user, *password;
	} cases[] = {
		{"Basic Ym9iOnMzY3JldA==", "bob", "s3cret"},
		{"basic Ym9iOnMzY3JldA==", "bob", "s3cret"},
		{"Basic Ym9iOnM6Mzpj", "bob", "s:3:c"},
		{"Basic Ym9iOnMzY3JldA", NULL, NULL},  /* no padding */
		{"Basic Ym9iOnMzY3JldA=", NULL, NULL}, /* bad padding */
		{"Basic Ym9iOnMzY3JldA==\n", NULL, NULL},
		{"Basic Ym9i OnMzY3JldA==", NULL, NULL},
		{"Basic Ym9iOnMzY3JldB==", NULL, NULL}, /* non-zero bits */
		{"Basic Ym9iOg==", NULL, NULL},		/* empty password */
		{"Basic OnMzY3JldA==", NULL, NULL},	/* empty user */
		{"Basic Ym9i", NULL, NULL},		/* no colon */
		{"Basic Ym9iAG06cGFzcw==", NULL, NULL}, /* NUL in user */
		{"Basic Ym9iCjpwYXNz", NULL, NULL},	/* newline in user */
		{"Basic /zpwYXNz", NULL, NULL},		/* invalid UTF-8 user */
		{"Basic Ym9iwoU6cHc=", NULL, NULL},	/* bob U+0085 (NEL) */
		{"Basic Ym9i4oCuOnB3", NULL, NULL},	/* bob U+202E (RLO) */
		{"Basic 4oCoYm9iOnB3", NULL, NULL},	/* U+2028 bob */
		{"Basic Ym9i4oGmOnB3", NULL, NULL},	/* bob U+2066 (LRI) */
		{"Basic Ym9iwp86cHc=", NULL, NULL},	/* bob U+009F */
		{"Basic Y2Fmw6k6cHc=", "caf\xc3\xa9", "pw"},
		{"Bearer Ym9iOnMzY3JldA==", NULL, NULL},
		{"Basic ", NULL, NULL},
		{"Basic ====", NULL, NULL},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *u = NULL, *p = NULL;
		bool r = aig_basic_decode(cases[i].header, &u, &p);

		if (cases[i].user)
			ok(r && strcmp(u, cases[i].user) == 0 &&
				   strcmp(p, cases[i].password) == 0,
			   "basic #%zu decoded", i);
		else
			ok(!r && u == NULL && p == NULL, "basic #%zu refused",
			   i);
		free(u);
		aig_secret_free(p);
	}
}

/* Every way the gate can refuse has a status, a code and a message in the
 * one table; a response written from an outcome carries them. */
static void test_outcomes(void)
{
	char *text = NULL;
	size_t len = 0, bad = 0;
	FILE *out;
	int o;

	for (o = AIG_OUT_BAD_PATH; o < AIG_OUT_COUNT; o++) {
		const struct aig_outcome_info *e = aig_outcome_info(o);

		if (o == AIG_OUT_QUARANTINED) { /* kept, not refused: 202 */
			bad += e->status != 202 || e->code == NULL ||
			       (e->flags & AIG_OUT_ALLOWED) != 0;
			continue;
		}
		bad += e->status < 400 || e->status > 599 || e->code == NULL ||
		       e->message == NULL ||
		       strcmp(aig_http_reason(e->status), "Unknown") == 0 ||
		       (e->flags & AIG_OUT_ALLOWED) != 0;
	}
	ok(bad == 0, "every refusal has a status, code and message");
	ok(aig_outcome_info(AIG_OUT_FORWARDED)->flags & AIG_OUT_ALLOWED &&
		   aig_outcome_info(AIG_OUT_OK)->status == 200,
	   "OK and FORWARDED are allowed");
	ok(aig_outcome_info(AIG_OUT_RATE_LIMITED)->flags & AIG_OUT_RATE_LIMIT &&
		   aig_outcome_info(AIG_OUT_LOGIN_THROTTLED)->flags &
			   AIG_OUT_RATE_LIMIT &&
		   !(aig_outcome_info(AIG_OUT_FORWARDED)->flags &
		     AIG_OUT_RATE_LIMIT),
	   "the gate's limits count as rate limited, a forwarded answer not");
	ok(aig_outcome_info(AIG_OUT_COUNT) ==
		   aig_outcome_info(AIG_OUT_UNAVAILABLE),
	   "an outcome out of range is UNAVAILABLE");
	out = open_memstream(&text, &len);
	aig_response_error(out, "id1", AIG_OUT_METHOD, "Allow: GET\r\n");
	aig_response_error(out, "id2", AIG_OUT_FORWARDED, NULL);
	fclose(out);
	ok(text != NULL &&
		   strcmp(text,
			  "Status: 405 Method Not Allowed\r\n"
			  "Content-Type: application/json\r\n"
			  "Cache-Control: no-store\r\n"
			  "X-Content-Type-Options: nosniff\r\n"
			  "X-Request-Id: id1\r\n"
			  "Allow: GET\r\n\r\n"
			  "{\"error\":\"method_not_allowed\",\"message\":"
			  "\"method not allowed\",\"request_id\":\"id1\"}\n"
			  "Status: 503 Service Unavailable\r\n"
			  "Content-Type: application/json\r\n"
			  "Cache-Control: no-store\r\n"
			  "X-Content-Type-Options: nosniff\r\n"
			  "X-Request-Id: id2\r\n\r\n"
			  "{\"error\":\"unavailable\",\"message\":"
			  "\"the service is unavailable\",\"request_id\":"
			  "\"id2\"}\n") == 0,
	   "error responses from the table; a non-error fails closed: %s",
	   text ? text : "");
	free(text);
}

/* Variables as a FastCGI server hands them over, not through the
 * environment: the first of a name counts, a longer or shorter name with
 * the same start is another variable, and an entry without '=' is not one
 * at all. */
static void test_vars(void)
{
	static const char *const src[] = {"PATH_INFOX=/evil",
					  "PATH_INF=/evil",
					  "REQUEST_METHOD",
					  "HTTP_AUTHORIZATION",
					  "PATH_INFO=/chat/invoke",
					  "PATH_INFO=/second",
					  "REQUEST_METHOD=POST",
					  "REQUEST_METHOD=DELETE",
					  "CONTENT_LENGTH=5",
					  "CONTENT_LENGTH=999999999999",
					  "=empty name",
					  "HTTPS=on",
					  "HTTPS=off",
					  "REMOTE_USER=",
					  NULL};
	char *vars[sizeof(src) / sizeof(src[0])];
	struct aig_request req;
	enum aig_outcome out;
	size_t i;
	bool read;

	for (i = 0; i < sizeof(src) / sizeof(src[0]); i++)
		vars[i] = src[i] ? strdup(src[i]) : NULL;
	read = aig_request_from_vars(&req, vars, &out);
	ok(read && strcmp(req.path, "/chat/invoke") == 0 &&
		   strcmp(req.method, "POST") == 0 && req.content_length == 5 &&
		   req.https && req.authorization == NULL &&
		   req.remote_user != NULL && req.remote_user[0] == '\0' &&
		   strcmp(req.query, "") == 0 && req.content_type == NULL,
	   "the first of each name counts, look-alike names and entries "
	   "without '=' are ignored (path %s, method %s)",
	   req.path ? req.path : "(null)", req.method ? req.method : "(null)");
	aig_request_free(&req);
	for (i = 0; i < sizeof(src) / sizeof(src[0]); i++)
		free(vars[i]);
}

int main(void)
{
	test_paths();
	test_env();
	test_vars();
	test_body();
	test_basic();
	test_outcomes();
	return tap_done();
}
