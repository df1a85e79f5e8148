/* SPDX-License-Identifier: Apache-2.0 */
/* test_cgi_gate.c - whole requests through the gate's steps (aig_gate_run)
 * from a CGI variable array, as a web server would hand them: credentials
 * over plain HTTP with auth.require_https, Basic user names with control
 * or bidi characters, path parameters, and the syslog summary line of a
 * user name built to forge fields in it. No extension module sits beside
 * this program, so a request that reaches PAM ends in 503 "PAM module
 * cannot be loaded": a 401 or 403 here proves PAM was never asked. And
 * the rate-limit counter: the gate's own 429 counts in it, a backend's
 * 429 passed through does not. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "gate.h"
#include "jwt_mint.h"
#include "aig_test.h"

static char dir[] = "/tmp/aig-test-gate-XXXXXX";
static EVP_PKEY *key;
static char backend_url[64] = "http://127.0.0.1:9";

struct result {
	int status;
	char code[64];	  /* the error body's "error", or "" */
	char reason[128]; /* the audit record's "reason", or "" */
	char text[4096];  /* the response body */
	char auth[16];	  /* the audit record's "auth", or "" */
	char syslog[512]; /* the last LOG_INFO line, or "" */
};

static void die(const char *what)
{
	fprintf(stderr, "test_cgi_gate: %s\n", what);
	exit(1);
}

/* require_https false: the key left out (its default). */
static void write_config(bool require_https)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "{\"ldap\": {\"uri\": [\"ldaps://127.0.0.1:9\"], "
		 "\"domain\": \"corp.example.com\", \"base_dn\": \"DC=corp\"},"
		 "\"jwt\": {\"issuer\": \"https://issuer.test\", \"audience\":"
		 " [\"aigate\"], \"jwks_file\": \"%s/jwks.json\"},"
		 "\"auth\": {\"methods\": [\"bearer\", \"basic\"]%s},"
		 "\"backend\": {\"url\": \"%s\"},"
		 "\"policy_file\": \"%s/policy.json\", \"state_dir\": \"%s\","
		 "\"audit\": {\"file\": \"%s/audit.jsonl\", \"syslog\": true}}",
		 dir, require_https ? ", \"require_https\": true" : "",
		 backend_url, dir, dir, dir);
	aig_test_write_in(dir, "aigate.json", text, 0644);
}

static void setup(void)
{
	json_t *jwk;
	char *jwks;

	aig_test_tmpdir(dir);
	if (chmod(dir, 0755) != 0)
		die("chmod");
	key = mint_rsa(2048);
	jwk = mint_jwk(key, "rsa1", "RS256");
	jwks = mint_jwks_text(&jwk, 1);
	aig_test_write_in(dir, "jwks.json", jwks, 0644);
	free(jwks);
	aig_test_write_in(
		dir, "policy.json",
		"{\"version\": 1, \"rules\": [{\"name\": \"limited\", "
		"\"groups\": [\"AI_Users\"], \"methods\": [\"*\"], "
		"\"paths\": [\"/limited/**\"], \"rate\": {\"per_minute\": 1,"
		" \"burst\": 1}}, {\"name\": \"users\", "
		"\"groups\": [\"AI_Users\"], \"methods\": [\"*\"], "
		"\"paths\": [\"/**\"]}]}",
		0644);
}

/* "Bearer <token>" for user, in AI_Users. user is JSON text (escaped). */
static char *bearer(const char *user_json)
{
	char payload[512], *tok, *h;
	long long now = (long long)time(NULL);

	snprintf(payload, sizeof(payload),
		 "{\"iss\":\"https://issuer.test\",\"aud\":\"aigate\","
		 "\"exp\":%lld,\"iat\":%lld,\"email\":\"%s\","
		 "\"groups\":[\"AI_Users\"]}",
		 now + 600, now - 10, user_json);
	tok = mint_token(key, "RS256",
			 "{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":\"JWT\"}",
			 payload);
	h = malloc(strlen(tok) + 8);
	if (h == NULL)
		die("out of memory");
	sprintf(h, "Bearer %s", tok);
	free(tok);
	return h;
}

/* "Basic base64(user:pw)". */
static char *basic(const char *user)
{
	char raw[256], *b64, *h, *p;

	snprintf(raw, sizeof(raw), "%s:pw", user);
	b64 = mint_b64url(raw, strlen(raw)); /* base64url, then to base64 */
	h = calloc(1, strlen(b64) + 12);
	if (h == NULL)
		die("out of memory");
	sprintf(h, "Basic %s", b64);
	for (p = h + 6; *p; p++)
		*p = *p == '-' ? '+' : *p == '_' ? '/' : *p;
	while ((strlen(h) - 6) % 4 != 0)
		strcat(h, "=");
	free(b64);
	return h;
}

static void capture(void *ctx, int priority, const char *msg)
{
	struct result *r = ctx;

	if (priority == LOG_INFO)
		snprintf(r->syslog, sizeof(r->syslog), "%s", msg);
}

static void copy_member(char *to, size_t len, json_t *obj, const char *name)
{
	const char *v = json_string_value(json_object_get(obj, name));

	snprintf(to, len, "%s", v ? v : "");
}

/* The last line of the audit file, as a JSON object (or NULL). */
static json_t *last_audit(void)
{
	char path[256], line[8192], last[8192] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
	f = fopen(path, "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		memcpy(last, line, sizeof(last));
	if (f != NULL)
		fclose(f);
	return json_loads(last, 0, NULL);
}

/* One request: GET path with Authorization auth (NULL: none) and HTTPS
 * https (NULL: unset). */
static void run(const char *path, const char *auth, const char *https,
		struct result *r)
{
	char method[] = "REQUEST_METHOD=GET", addr[] = "REMOTE_ADDR=192.0.2.7";
	char cfg[256], pathv[256], authv[4096], httpsv[64], *out_text = NULL;
	char *vars[6] = {method, pathv, addr};
	size_t n = 3;
	struct aig_warm w;
	struct aig_gate g;
	size_t out_len = 0;
	FILE *in = fopen("/dev/null", "r"), *out;
	json_t *rec, *body;
	const char *b;

	memset(r, 0, sizeof(*r));
	snprintf(pathv, sizeof(pathv), "PATH_INFO=%s", path);
	snprintf(authv, sizeof(authv), "HTTP_AUTHORIZATION=%s",
		 auth ? auth : "");
	snprintf(httpsv, sizeof(httpsv), "HTTPS=%s", https ? https : "");
	if (auth != NULL)
		vars[n++] = authv;
	if (https != NULL)
		vars[n++] = httpsv;
	vars[n] = NULL;
	out = open_memstream(&out_text, &out_len);
	snprintf(cfg, sizeof(cfg), "%s/aigate.json", dir);
	aig_warm_init(&w);
	if (in == NULL || out == NULL || aig_warm_set_config_path(&w, cfg))
		die("set-up");
	aig_gate_init(&g, &w, vars, in, out);
	g.log.fn = capture;
	g.log.ctx = r;
	aig_gate_run(&g);
	fclose(out);
	fclose(in);
	aig_warm_free(&w);
	sscanf(out_text, "Status: %d", &r->status);
	b = strstr(out_text, "\r\n\r\n");
	snprintf(r->text, sizeof(r->text), "%s", b ? b + 4 : "");
	body = b ? json_loads(b + 4, 0, NULL) : NULL;
	copy_member(r->code, sizeof(r->code), body, "error");
	json_decref(body);
	free(out_text);
	rec = last_audit();
	copy_member(r->reason, sizeof(r->reason), rec, "reason");
	copy_member(r->auth, sizeof(r->auth), rec, "auth");
	json_decref(rec);
}

static void test_require_https(void)
{
	char *tok = bearer("bob@corp.example.com"), *pw = basic("bob");
	struct result r;

	write_config(true);
	run("/_aigate/whoami", pw, NULL, &r);
	ok(r.status == 403 && strcmp(r.code, "forbidden") == 0 &&
		   strcmp(r.reason, "credentials sent without HTTPS") == 0 &&
		   r.auth[0] == '\0',
	   "require_https: Basic over HTTP is 403 before PAM (%d %s, %s)",
	   r.status, r.code, r.reason);
	run("/_aigate/whoami", tok, "off", &r);
	ok(r.status == 403 && strcmp(r.code, "forbidden") == 0 &&
		   strcmp(r.reason, "credentials sent without HTTPS") == 0 &&
		   r.auth[0] == '\0',
	   "require_https: Bearer with HTTPS=off is 403 before the token "
	   "is checked (%d %s)",
	   r.status, r.reason);
	run("/_aigate/whoami", "Negotiate abc", NULL, &r);
	ok(r.status == 403 &&
		   strcmp(r.reason, "credentials sent without HTTPS") == 0,
	   "require_https: any scheme over HTTP is refused (%d)", r.status);
	run("/_aigate/whoami", tok, "on", &r);
	ok(r.status == 200 && strcmp(r.auth, "bearer") == 0,
	   "require_https: Bearer with HTTPS=on passes (%d %s)", r.status,
	   r.reason);
	run("/_aigate/whoami", tok, "ON", &r);
	ok(r.status == 200, "require_https: HTTPS=ON passes (%d)", r.status);
	run("/_aigate/whoami", tok, "1", &r);
	ok(r.status == 200, "require_https: HTTPS=1 passes (%d)", r.status);
	run("/_aigate/whoami", pw, "on", &r);
	ok(r.status == 503 &&
		   strcmp(r.reason, "PAM module cannot be loaded") == 0,
	   "require_https: Basic with HTTPS=on goes on to PAM (%d %s)",
	   r.status, r.reason);
	run("/_aigate/whoami", NULL, NULL, &r);
	ok(r.status == 401 && strcmp(r.reason, "no credentials") == 0,
	   "require_https: no credentials over HTTP is still 401 (%d)",
	   r.status);
	run("/_aigate/health", tok, NULL, &r);
	ok(r.status == 200, "require_https: /_aigate/health unaffected (%d)",
	   r.status);
	write_config(false);
	run("/_aigate/whoami", tok, NULL, &r);
	ok(r.status == 200, "require_https false: Bearer over HTTP passes (%d)",
	   r.status);
	free(tok);
	free(pw);
}

static void test_basic_user_names(void)
{
	static const char *const users[] = {"bob\xc2\x85", "bob\xe2\x80\xae",
					    "\xe2\x80\xa8"
					    "bob",
					    "bob\xe2\x81\xa6", "bob\xd8\x9c"};
	struct result r;
	size_t i;

	write_config(false);
	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		char *h = basic(users[i]);

		run("/_aigate/whoami", h, "on", &r);
		ok(r.status == 401 &&
			   strcmp(r.reason, "malformed Basic credentials") == 0,
		   "Basic user name #%zu with a control/bidi character: 401, "
		   "PAM never asked (%d %s)",
		   i, r.status, r.reason);
		free(h);
	}
}

static void test_path_parameters(void)
{
	static const char *const paths[] = {
		"/admin;x/invoke", "/admin%3bx/invoke", "/admin%3Bx/invoke",
		"/chat/invoke;"};
	char *tok = bearer("bob@corp.example.com");
	struct result r;
	size_t i;

	write_config(false);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		run(paths[i], tok, "on", &r);
		ok(r.status == 400 && strcmp(r.code, "invalid_request") == 0,
		   "path %s: 400 invalid_request (%d %s)", paths[i], r.status,
		   r.code);
	}
	free(tok);
}

/* Splits a summary line into key=value fields (a value is a bare word or
 * a "..." string) and counts the keys; false if the line does not parse. */
static bool count_fields(const char *line, int *users, int *rules,
			 int *statuses, char *user, size_t ulen)
{
	const char *p = line;

	*users = *rules = *statuses = 0;
	while (*p) {
		const char *k = p, *eq = NULL, *v;

		while (*p && *p != ' ' && *p != '=')
			p++;
		if (*p == '=') {
			eq = p++;
			v = p;
			if (*p == '"') {
				p = strchr(p + 1, '"');
				if (p == NULL)
					return false;
				p++;
			} else {
				while (*p && *p != ' ')
					p++;
			}
			if ((size_t)(eq - k) == 4 &&
			    strncmp(k, "user", 4) == 0) {
				(*users)++;
				snprintf(user, ulen, "%.*s", (int)(p - v), v);
			}
			*rules += (size_t)(eq - k) == 4 &&
				  strncmp(k, "rule", 4) == 0;
			*statuses += (size_t)(eq - k) == 6 &&
				     strncmp(k, "status", 6) == 0;
		}
		if (*p && *p != ' ')
			return false;
		while (*p == ' ')
			p++;
	}
	return true;
}

/* Users a token may name, built to forge fields in the summary line: the
 * first two pass and must stay one quoted value; a line or paragraph
 * separator or a bidi control is refused with the token (claims.c), and
 * the line then names no user. */
static void test_syslog_line(void)
{
	static const struct {
		const char *user_json;
		int status;
	} forged[] = {
		{"bob rule=admins status=200", 200},
		{"bob\\\" rule=\\\"admins\\\" status=\\\"200", 200},
		{"bob\\u2028request 0 user=alice rule=admins status=200", 401},
		{"bob\\u202e002=sutats snimda=elur", 401},
	};
	struct result r;
	char user[256];
	int nu, nr, ns;
	size_t i;

	write_config(false);
	for (i = 0; i < sizeof(forged) / sizeof(forged[0]); i++) {
		char *tok = bearer(forged[i].user_json);

		run("/_aigate/whoami", tok, NULL, &r);
		ok(r.status == forged[i].status &&
			   count_fields(r.syslog, &nu, &nr, &ns, user,
					sizeof(user)) &&
			   nu == 1 && nr == 1 && ns == 1 &&
			   strncmp(user, r.status == 200 ? "\"bob" : "-", 4) ==
				   0 &&
			   strstr(r.syslog, "\xe2\x80") == NULL,
		   "syslog: user #%zu cannot add a field (%d): %s", i, r.status,
		   r.syslog);
		free(tok);
	}
}

/* A backend on 127.0.0.1 that answers every request with its own 429, in
 * a child process (*pid: kill it). Returns its port. */
static int backend_429(pid_t *pid)
{
	static const char answer[] = "HTTP/1.1 429 Too Many Requests\r\n"
				     "Content-Type: application/json\r\n"
				     "Content-Length: 2\r\n"
				     "Connection: close\r\n\r\n{}";
	struct sockaddr_in a = {0};
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(s, 8) != 0 ||
	    getsockname(s, (struct sockaddr *)&a, &len) != 0 ||
	    (*pid = fork()) < 0)
		die("backend");
	while (*pid == 0) {
		char buf[8192];
		size_t got = 0;
		ssize_t n = 1;
		int c = accept(s, NULL, NULL);

		if (c < 0)
			_exit(1);
		buf[0] = '\0';
		while (n > 0 && strstr(buf, "\r\n\r\n") == NULL &&
		       got + 1 < sizeof(buf)) {
			n = read(c, buf + got, sizeof(buf) - 1 - got);
			got += n > 0 ? (size_t)n : 0;
			buf[got] = '\0';
		}
		if (write(c, answer, sizeof(answer) - 1) < 0)
			_exit(1);
		close(c);
	}
	close(s);
	return ntohs(a.sin_port);
}

/* aigate_rate_limited_total counts the requests the gate refused with its
 * own 429 (a rule's rate limit), not a backend's 429 passed through. */
static void test_rate_limited_counter(void)
{
	char *tok = bearer("bob@corp.example.com");
	struct result r;
	pid_t pid;
	int port = backend_429(&pid);

	snprintf(backend_url, sizeof(backend_url), "http://127.0.0.1:%d", port);
	write_config(false);
	run("/chat/invoke", tok, NULL, &r);
	ok(r.status == 429 && r.code[0] == '\0',
	   "the backend's own 429 is passed through (%d %s)", r.status, r.code);
	run("/limited/a", tok, NULL, &r);
	ok(r.status == 429 && r.code[0] == '\0',
	   "limited rule, first token: forwarded, the backend's 429 (%d)",
	   r.status);
	run("/limited/a", tok, NULL, &r);
	ok(r.status == 429 && strcmp(r.code, "rate_limited") == 0 &&
		   strcmp(r.reason, "rate limit reached") == 0,
	   "limited rule, no token left: the gate's 429 (%d %s %s)", r.status,
	   r.code, r.reason);
	run("/_aigate/metrics", tok, NULL, &r);
	ok(r.status == 200 &&
		   strstr(r.text, "\naigate_rate_limited_total 1\n") != NULL,
	   "aigate_rate_limited_total counts the gate's 429 only: %s",
	   strstr(r.text, "\naigate_rate_limited_total ")
		   ? strstr(r.text, "\naigate_rate_limited_total ") + 1
		   : r.text);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	snprintf(backend_url, sizeof(backend_url), "http://127.0.0.1:9");
	free(tok);
}

/* The answers to the policy's body verdicts, as they were when the policy
 * library mapped them itself. */
static void test_body_outcomes(void)
{
	static const struct {
		enum aig_body_verdict v;
		int status;
		const char *code, *message;
	} want[] = {
		{AIG_BODY_TOO_LARGE, 413, "payload_too_large",
		 "request body too large"},
		{AIG_BODY_INVALID, 400, "invalid_request",
		 "the body is not valid JSON"},
		{AIG_BODY_TOO_DEEP, 400, "invalid_request",
		 "the body is not valid JSON"},
		{AIG_BODY_DENIED, 400, "invalid_input",
		 "the input was refused"},
		{AIG_BODY_UNCHECKED, 400, "invalid_input",
		 "the input was refused"},
		{AIG_BODY_MODEL, 403, "forbidden", "access denied by policy"},
		{AIG_BODY_TOOL, 403, "forbidden", "access denied by policy"},
		{AIG_BODY_OK, 503, "unavailable", "the service is unavailable"},
	};
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct aig_outcome_info *e =
			aig_outcome_info(aig_body_outcome(want[i].v));

		ok(e->status == want[i].status &&
			   strcmp(e->code, want[i].code) == 0 &&
			   strcmp(e->message, want[i].message) == 0,
		   "body verdict %d: %d %s \"%s\"", (int)want[i].v, e->status,
		   e->code, e->message);
	}
}

int main(void)
{
	setup();
	test_require_https();
	test_basic_user_names();
	test_path_parameters();
	test_syslog_line();
	test_rate_limited_counter();
	test_body_outcomes();
	EVP_PKEY_free(key);
	return tap_done();
}
