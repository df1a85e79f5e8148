/* SPDX-License-Identifier: Apache-2.0 */
/* bench_negotiate.c - the gate's decision for a fresh HTTP Negotiate
 * token beside a bearer decision with a new token, in one warm process
 * (FastCGI mode), same run. Run by bench/negotiate.sh inside the test
 * bed's AD (the KDC and the directory), which makes the Negotiate headers
 * beforehand (each request needs a fresh authenticator: their cost is the
 * client's, timed there).
 *
 *   bench_negotiate CONFIG TOKENS_FILE
 *
 * CONFIG lists negotiate and bearer (its jwt.jwks_file is written here,
 * beside the file, with the key the bearer tokens are signed with);
 * TOKENS_FILE holds one "Negotiate ..." header a line. Both decisions are
 * an allowed POST /chat/invoke through every step of gate.c up to the
 * backend hop; the Negotiate one is accept (GSSAPI, in aigate-ext.so) +
 * replay record + the account as a FastCGI process knows it
 * (auth.negotiate.account_check_s, default 30 s: AD asked once in the
 * window) + groups from the group cache. The account check in AD alone
 * is measured too: what every request costs with account_check_s 0. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aig_ext.h"
#include "gate.h"
#include "jwt_mint.h"

#define MAX_TOKENS 20000

static char body[] =
	"{\"input\":{\"messages\":[{\"type\":\"human\",\"content\":"
	"\"hello there\"}]},\"config\":{\"configurable\":{\"model\":"
	"\"small\"}}}";

struct ctx {
	struct aig_warm w;
	char *vars[8];
	FILE *null;
};

static void fail(const char *what)
{
	fprintf(stderr, "bench_negotiate: %s\n", what);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One allowed request through the gate's steps with auth (a whole
 * HTTP_AUTHORIZATION= variable). */
static void decision(struct ctx *c, char *auth)
{
	struct aig_gate g;
	FILE *in = fmemopen(body, strlen(body), "r");

	if (in == NULL)
		fail("fmemopen");
	c->vars[4] = auth;
	aig_gate_init(&g, &c->w, c->vars, in, c->null);
	if (!(aig_step_read_request(&g) && aig_step_load_config(&g) &&
	      aig_step_open_audit(&g) && aig_step_authenticate(&g) &&
	      aig_step_load_policy(&g) && aig_step_decide(&g) &&
	      aig_step_read_body(&g) && aig_step_check_body(&g) &&
	      aig_step_rate_limit(&g)))
		fail(g.reason);
	g.responded = true; /* as if forwarded */
	g.outcome = AIG_OUT_FORWARDED;
	g.status = 200;
	aig_gate_audit(&g);
	aig_gate_free(&g);
	fclose(in);
}

/* The mean of decisions over vars[from, to), in microseconds. */
static double run(struct ctx *c, char **vars, size_t from, size_t to)
{
	double t0 = now_s();
	size_t i;

	for (i = from; i < to; i++)
		decision(c, vars[i]);
	return (now_s() - t0) * 1e6 / (double)(to - from);
}

/* The parts: GSSAPI's accept alone (fresh tokens), and the account
 * check with groups from the cache alone. */
static double run_accept(struct ctx *c, char **vars, size_t from, size_t to)
{
	const struct aig_gate_ext *ext = aig_gate_ext_load(NULL);
	unsigned char *tok = malloc(AIG_CGI_MAX_AUTH), *out;
	size_t i, len, out_len;
	char *principal, why[256];
	const char *b64;
	double t0 = now_s();

	if (ext == NULL || tok == NULL)
		fail("aigate-ext.so");
	for (i = from; i < to; i++) {
		b64 = vars[i] + strlen("HTTP_AUTHORIZATION=Negotiate ");
		if (!aig_base64_decode(b64, strlen(b64), false, tok,
				       AIG_CGI_MAX_AUTH, &len) ||
		    ext->negotiate_accept(&c->w.neg, c->w.cfg, tok, len,
					  &principal, &out, &out_len, why,
					  sizeof(why)) != AIG_EXT_NEG_OK)
			fail(why);
		free(principal);
		free(out);
	}
	free(tok);
	return (now_s() - t0) * 1e6 / (double)(to - from);
}

static double run_account(struct ctx *c, size_t n)
{
	const struct aig_gate_ext *ext = aig_gate_ext_load(NULL);
	struct aig_strv groups = {NULL, 0};
	struct aig_error err = {0};
	double t0 = now_s();
	char *name;
	size_t i;

	for (i = 0; i < n; i++) {
		if (ext->dir_account(&c->w.dir, c->w.cfg, &c->w.log, "bob",
				     &name, &groups,
				     &err) != AIG_EXT_ACCOUNT_OK)
			fail(err.msg);
		free(name);
		aig_strv_free(&groups);
	}
	return (now_s() - t0) * 1e6 / (double)n;
}

static char **read_tokens(const char *path, size_t *n)
{
	char **v = calloc(MAX_TOKENS, sizeof(*v)), *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f = fopen(path, "r");

	if (v == NULL || f == NULL)
		fail(path);
	*n = 0;
	while (*n < MAX_TOKENS && (len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[--len] = '\0';
		if ((v[*n] = malloc((size_t)len + 32)) == NULL)
			fail("out of memory");
		sprintf(v[(*n)++], "HTTP_AUTHORIZATION=%s", line);
	}
	free(line);
	fclose(f);
	return v;
}

static char **bearer_tokens(EVP_PKEY *key, size_t n)
{
	const char *header =
		"{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":\"JWT\"}";
	long long now = (long long)time(NULL);
	char payload[512], *tok, **v = calloc(n, sizeof(*v));
	size_t i;

	if (v == NULL)
		fail("out of memory");
	for (i = 0; i < n; i++) {
		snprintf(
			payload, sizeof(payload),
			"{\"iss\":\"https://issuer.test\",\"aud\":\"aigate\","
			"\"exp\":%lld,\"iat\":%lld,\"email\":"
			"\"bench@corp.example.com\",\"groups\":[\"AI_Users\"]}",
			now + 86400, now - 10 - (long long)i);
		tok = mint_token(key, "RS256", header, payload);
		if ((v[i] = malloc(strlen(tok) + 64)) == NULL)
			fail("out of memory");
		sprintf(v[i], "HTTP_AUTHORIZATION=Bearer %s", tok);
		free(tok);
	}
	return v;
}

/* The bearer headers, one a line, into DIR/bearer beside the config (for
 * the requests/s figure of bench/negotiate.sh). */
static void write_bearer(const char *config, char **v, size_t n)
{
	const char *slash = strrchr(config, '/');
	char path[4096];
	FILE *f;
	size_t i;

	snprintf(path, sizeof(path), "%.*s/bearer",
		 slash ? (int)(slash - config) : 1, slash ? config : ".");
	if ((f = fopen(path, "w")) == NULL)
		fail(path);
	for (i = 0; i < n; i++)
		fprintf(f, "%s\n", v[i] + strlen("HTTP_AUTHORIZATION="));
	if (fclose(f) != 0)
		fail(path);
}

static void write_jwks(const char *config, EVP_PKEY *key)
{
	json_t *jwk = mint_jwk(key, "rsa1", "RS256");
	char *text = mint_jwks_text(&jwk, 1), path[4096];
	const char *slash = strrchr(config, '/');
	FILE *f;

	snprintf(path, sizeof(path), "%.*s/jwks.json",
		 slash ? (int)(slash - config) : 1, slash ? config : ".");
	f = fopen(path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		fail(path);
	free(text);
}

int main(int argc, char **argv)
{
	EVP_PKEY *key = mint_rsa(2048);
	char **neg, **bearer, len[64];
	size_t n, i, half, quarter, warm = 20;
	double tn, tb, tn2, tb2, ta, tacc;
	struct ctx c;

	if (argc != 3)
		fail("usage: bench_negotiate CONFIG TOKENS_FILE");
	memset(&c, 0, sizeof(c));
	write_jwks(argv[1], key);
	neg = read_tokens(argv[2], &n);
	if (n < 2 * warm + 100)
		fail("too few tokens");
	bearer = bearer_tokens(key, n);
	write_bearer(argv[1], bearer, n);
	snprintf(len, sizeof(len), "CONTENT_LENGTH=%zu", strlen(body));
	c.vars[0] = strdup("REQUEST_METHOD=POST");
	c.vars[1] = strdup("PATH_INFO=/chat/invoke");
	c.vars[2] = strdup("CONTENT_TYPE=application/json");
	c.vars[3] = strdup(len);
	c.vars[5] = strdup("REMOTE_ADDR=127.0.0.1");
	c.null = fopen("/dev/null", "w");
	aig_warm_init(&c.w);
	c.w.fastcgi = true; /* as in FastCGI: auth.negotiate.account_check_s */
	if (c.null == NULL || aig_warm_set_config_path(&c.w, argv[1]) != AIG_OK)
		fail("set-up");
	/* warm: the module loaded, the acceptor, the directory session and
	 * the group cache made */
	run(&c, neg, 0, warm);
	run(&c, bearer, 0, warm);
	/* three quarters for the decisions (two interleaved halves), the
	 * last quarter for GSSAPI's accept alone */
	quarter = (n - warm) / 4;
	half = warm + (3 * quarter) / 2;
	tn = run(&c, neg, warm, half);
	tb = run(&c, bearer, warm, half);
	tn2 = run(&c, neg, half, warm + 3 * quarter);
	tb2 = run(&c, bearer, half, warm + 3 * quarter);
	ta = run_accept(&c, neg, warm + 3 * quarter, n);
	tacc = run_account(&c, quarter);
	tn = tn2 < tn ? tn2 : tn;
	tb = tb2 < tb ? tb2 : tb;
	printf("warm process, %zu decisions each, best of 2 interleaved "
	       "halves\n",
	       3 * quarter / 2);
	printf("%-52s %9.1f us\n", "bearer decision, a new token (baseline)",
	       tb);
	printf("%-52s %9.1f us  x%.2f of bearer\n",
	       "negotiate decision, a fresh token (account_check_s 30)", tn,
	       tn / tb);
	printf("%-52s %9.1f us\n", "  of which: GSSAPI accept (aigate-ext.so)",
	       ta);
	printf("%-52s %9.1f us\n",
	       "  account check in AD + groups (account_check_s 0)", tacc);
	printf("goal: negotiate <= 2 x bearer: %s\n",
	       tn <= 2 * tb ? "met" : "missed");
	aig_warm_free(&c.w);
	for (i = 0; i < n; i++) {
		free(neg[i]);
		free(bearer[i]);
	}
	free(neg);
	free(bearer);
	for (i = 0; i < 6; i++)
		if (i != 4)
			free(c.vars[i]);
	fclose(c.null);
	EVP_PKEY_free(key);
	return 0;
}
