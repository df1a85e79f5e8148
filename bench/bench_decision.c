/* SPDX-License-Identifier: Apache-2.0 */
/* bench_decision.c - issue 9's third figure: what the gate's decision
 * costs in a warm process (FastCGI mode), beside a bare OpenSSL RS256
 * verify of the same token in the same run.
 *
 *   bare          EVP_DigestVerifyInit_ex + EVP_DigestVerify, key loaded
 *   verify        aig_jwt_verify (form, key set, signature, claims)
 *   decision      the gate's steps for one allowed POST /chat/invoke with a
 *                 bearer token the process has seen before (a client's
 *                 token serves many requests), exactly as aigate.cgi runs
 *                 them (gate.c):
 *                 read the request, configuration and audit file checked
 *                 (stat), verify, policy decision, body checks (JSON,
 *                 prompt patterns, model), rate limit (the mapped
 *                 buckets), then the audit record (one write) and the
 *                 metrics (the mapped counters); not the backend hop
 *   new token     the same with a token the process has not seen: the
 *                 signature verified again
 * and the parts of the decision one by one. Each figure is the best of
 * ROUNDS interleaved runs.
 *
 *   bench/bench_decision [seconds]      (default 2 s in all)
 *   bench/bench_decision SECONDS profile  (the decision alone, for perf) */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "aig_jwt.h"
#include "gate.h"
#include "jwt_mint.h"

#define ROUNDS 5

static char body[] =
	"{\"input\":{\"messages\":[{\"type\":\"human\",\"content\":"
	"\"hello there\"}]},\"config\":{\"configurable\":{\"model\":"
	"\"small\"}}}";

#define FRESH_TOKENS 1024

struct ctx {
	struct aig_warm w;
	char *vars[8];
	char *token;
	char *fresh_vars[FRESH_TOKENS]; /* HTTP_AUTHORIZATION= of new tokens */
	unsigned next_fresh;
	FILE *null;
	/* bare */
	EVP_PKEY *pub;
	char *input;
	unsigned char sig[600];
	size_t siglen;
};

static double seconds = 2.0;

static void fail(const char *what)
{
	fprintf(stderr, "bench_decision: %s\n", what);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double time_us(void (*fn)(struct ctx *), struct ctx *c)
{
	double start = now_s(), t;
	long n = 0;

	fn(c);
	do {
		int i;

		for (i = 0; i < 20; i++)
			fn(c);
		n += 20;
		t = now_s() - start;
	} while (t < seconds);
	return t * 1e6 / (double)n;
}

static void run_bare(struct ctx *c)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (md == NULL ||
	    EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, c->pub,
				    NULL) != 1 ||
	    EVP_DigestVerify(md, c->sig, c->siglen,
			     (const unsigned char *)c->input,
			     strlen(c->input)) != 1)
		fail("EVP_DigestVerify");
	EVP_MD_CTX_free(md);
}

static void run_verify(struct ctx *c)
{
	struct aig_jwt_identity *id = NULL;

	if (aig_jwt_verify(c->w.verifier, c->token, strlen(c->token),
			   time(NULL), &id, NULL) != AIG_OK)
		fail("aig_jwt_verify");
	aig_jwt_identity_free(id);
}

/* One request through the gate's steps, up to the backend hop. */
static void start(struct ctx *c, struct aig_gate *g, FILE **in)
{
	*in = fmemopen(body, strlen(body), "r");
	if (*in == NULL)
		fail("fmemopen");
	aig_gate_init(g, &c->w, c->vars, *in, c->null);
}

static void run_decision(struct ctx *c);

static void run_verify_fresh(struct ctx *c)
{
	const char *t = c->fresh_vars[c->next_fresh++ % FRESH_TOKENS] +
			strlen("HTTP_AUTHORIZATION=Bearer ");
	struct aig_jwt_identity *id = NULL;

	if (aig_jwt_verify(c->w.verifier, t, strlen(t), time(NULL), &id,
			   NULL) != AIG_OK)
		fail("aig_jwt_verify");
	aig_jwt_identity_free(id);
}

static void run_fresh(struct ctx *c)
{
	char *was = c->vars[4];

	c->vars[4] = c->fresh_vars[c->next_fresh++ % FRESH_TOKENS];
	run_decision(c);
	c->vars[4] = was;
}

static void run_decision(struct ctx *c)
{
	struct aig_gate g;
	FILE *in;

	start(c, &g, &in);
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

/* The policy's share: decision and body checks, on a request read once. */
static struct aig_gate policy_gate;

static void run_policy(struct ctx *c)
{
	struct aig_gate *g = &policy_gate;

	(void)c;
	if (!aig_step_decide(g) || !aig_step_check_body(g))
		fail("policy");
}

static void run_ratelimit(struct ctx *c)
{
	bool allowed = false;
	unsigned retry = 0;

	if (aig_ratelimit_take(c->w.rl, "inference", "bench@corp.example.com",
			       1000000000u, 1000000000u, &allowed, &retry,
			       NULL) != AIG_OK ||
	    !allowed)
		fail("rate limit");
}

/* The baseline for the audit record: the same members built as jansson
 * objects and dumped, as the gate did before it wrote the text itself. */
static void run_audit_jansson(struct ctx *c)
{
	const struct aig_gate *g = &policy_gate;
	json_t *groups = json_array(), *rec;
	char ts[40];
	size_t i;

	aig_time_rfc3339(ts, sizeof(ts));
	for (i = 0; groups != NULL && i < g->groups.n; i++)
		json_array_append_new(groups, json_string(g->groups.v[i]));
	rec = json_pack(
		"{s:s, s:s, s:s, s:s?, s:o, s:s?, s:s?, s:s?, s:s?, s:s, s:s,"
		" s:i, s:I, s:I, s:s?, s:I, s:f, s:f, s:s?}",
		"ts", ts, "request_id", g->req.id, "client", g->req.remote_addr,
		"user", g->user, "groups", groups, "auth", g->auth, "method",
		g->req.method, "path", g->req.path, "rule", g->dec.rule_name,
		"decision", "allow", "reason", "", "status", 200, "bytes_in",
		(json_int_t)g->req.body_len, "bytes_out", (json_int_t)57,
		"prompt_sha256",
		"5d8c06d409fc9e7af7e4f18bd58ed479736e64f027a8e777e7ca71c20e42f3"
		"3f",
		"prompt_bytes", (json_int_t)g->prompt_bytes, "latency_ms",
		0.084219, "backend_ms", 0.068291, "principal", NULL);
	if (rec == NULL || aig_audit_write(c->w.audit_fd, c->w.cfg->audit.file,
					   rec, NULL) != AIG_OK)
		fail("audit (jansson)");
	json_decref(rec);
}

/* The gate's own: the record written as text (aig_gate_audit_record) and
 * appended. */
static void run_audit(struct ctx *c)
{
	char text[2048];
	struct aig_jw w;

	aig_jw_init(&w, text, sizeof(text));
	aig_gate_audit_record(&w, &policy_gate, 0.084219);
	if (w.failed ||
	    aig_audit_write_text(c->w.audit_fd, c->w.cfg->audit.file, w.buf,
				 w.len, NULL) != AIG_OK)
		fail("audit");
	aig_jw_free(&w);
}

static void run_metrics(struct ctx *c)
{
	struct aig_metrics_sample m = {true, 200, 3.0, false, false};

	if (aig_metrics_add(c->w.metrics, &m, NULL) != AIG_OK)
		fail("metrics");
}

/* ---------------------------------------------------------------- setup */

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		fail(path);
}

/* The shipped policy, with rates that never refuse while measuring. */
static char *bench_policy(void)
{
	json_t *pol =
		json_load_file(TOP_SRCDIR "/policies/policy.json", 0, NULL);
	json_t *rule, *rate;
	size_t i;
	char *text;

	if (pol == NULL)
		fail("reading policies/policy.json");
	json_array_foreach (json_object_get(pol, "rules"), i, rule) {
		rate = json_object_get(rule, "rate");
		if (rate != NULL) {
			json_object_set_new(rate, "per_minute",
					    json_integer(1000000));
			json_object_set_new(rate, "burst",
					    json_integer(1000000));
		}
	}
	text = json_dumps(pol, JSON_INDENT(1));
	json_decref(pol);
	if (text == NULL)
		fail("out of memory");
	return text;
}

static void setup_files(const char *dir, EVP_PKEY *key)
{
	char text[2048];
	json_t *jwk = mint_jwk(key, "rsa1", "RS256");
	char *jwks = mint_jwks_text(&jwk, 1), *pol = bench_policy();

	write_file(dir, "policy.json", pol);
	write_file(dir, "jwks.json", jwks);
	free(jwks);
	free(pol);
	snprintf(
		text, sizeof(text),
		"{\"ldap\": {\"uri\": [\"ldaps://127.0.0.1\"], \"domain\": "
		"\"corp.example.com\", \"base_dn\": \"DC=corp\"},"
		"\"jwt\": {\"issuer\": \"https://issuer.test\", \"audience\": "
		"[\"aigate\"], \"jwks_file\": \"%s/jwks.json\"},"
		"\"auth\": {\"methods\": [\"bearer\"]},"
		"\"backend\": {\"url\": \"http://127.0.0.1:9\"},"
		"\"policy_file\": \"%s/policy.json\", \"state_dir\": \"%s\","
		"\"audit\": {\"file\": \"%s/audit.jsonl\", \"syslog\": false}}",
		dir, dir, dir, dir);
	write_file(dir, "aigate.json", text);
}

static char *make_token(struct ctx *c, EVP_PKEY *key)
{
	char payload[512], *tok;
	long long now = (long long)time(NULL);
	const char *header =
		"{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":\"JWT\"}";
	unsigned char *der = NULL;
	const unsigned char *p;
	int n;

	snprintf(payload, sizeof(payload),
		 "{\"iss\":\"https://issuer.test\",\"aud\":\"aigate\","
		 "\"exp\":%lld,\"iat\":%lld,\"email\":\"bench@corp.example."
		 "com\","
		 "\"groups\":[\"AI_Users\"]}",
		 now + 86400, now - 10);
	c->input = mint_input(header, payload);
	mint_sign(key, "RS256", c->input, strlen(c->input), false, c->sig,
		  &c->siglen);
	tok = mint_join(c->input, c->sig, c->siglen);
	n = i2d_PUBKEY(key, &der);
	p = der;
	c->pub = n > 0 ? d2i_PUBKEY(NULL, &p, n) : NULL;
	OPENSSL_free(der);
	if (c->pub == NULL)
		fail("public key");
	return tok;
}

/* Tokens for the same user that differ (iat), each signed. */
static void make_fresh(struct ctx *c, EVP_PKEY *key)
{
	const char *header =
		"{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":\"JWT\"}";
	long long now = (long long)time(NULL);
	char payload[512], *tok;
	unsigned i;

	for (i = 0; i < FRESH_TOKENS; i++) {
		snprintf(
			payload, sizeof(payload),
			"{\"iss\":\"https://issuer.test\",\"aud\":\"aigate\","
			"\"exp\":%lld,\"iat\":%lld,\"email\":"
			"\"bench@corp.example.com\",\"groups\":[\"AI_Users\"]}",
			now + 86400, now - 10 - (long long)i);
		tok = mint_token(key, "RS256", header, payload);
		c->fresh_vars[i] = malloc(strlen(tok) + 64);
		if (c->fresh_vars[i] == NULL)
			fail("out of memory");
		sprintf(c->fresh_vars[i], "HTTP_AUTHORIZATION=Bearer %s", tok);
		free(tok);
	}
}

static void setup_vars(struct ctx *c)
{
	char len[64], *auth = malloc(strlen(c->token) + 64);

	if (auth == NULL)
		fail("out of memory");
	snprintf(len, sizeof(len), "CONTENT_LENGTH=%zu", strlen(body));
	sprintf(auth, "HTTP_AUTHORIZATION=Bearer %s", c->token);
	c->vars[0] = strdup("REQUEST_METHOD=POST");
	c->vars[1] = strdup("PATH_INFO=/chat/invoke");
	c->vars[2] = strdup("CONTENT_TYPE=application/json");
	c->vars[3] = strdup(len);
	c->vars[4] = auth;
	c->vars[5] = strdup("REMOTE_ADDR=127.0.0.1");
	c->vars[6] = NULL;
}

/* Warms every part and reads one request for the policy-only figure. */
static void warm_up(struct ctx *c)
{
	FILE *in;

	run_decision(c);
	start(c, &policy_gate, &in);
	if (!(aig_step_read_request(&policy_gate) &&
	      aig_step_load_config(&policy_gate) &&
	      aig_step_authenticate(&policy_gate) &&
	      aig_step_load_policy(&policy_gate) &&
	      aig_step_decide(&policy_gate) &&
	      aig_step_read_body(&policy_gate)))
		fail("policy set-up");
	fclose(in);
	policy_gate.in = NULL;
}

#define NCASES 10

int main(int argc, char **argv)
{
	static const char *const names[NCASES] = {
		"bare EVP_DigestVerify RS256",
		"aig_jwt_verify, token seen before",
		"aig_jwt_verify, a new token",
		"policy: decide + body checks",
		"rate limit (mapped buckets)",
		"audit record: jansson, one write",
		"audit record: as text, one write",
		"metrics (mapped counters)",
		"decision: all of the gate's steps",
		"decision, a token not seen before"};
	void (*const fns[NCASES])(struct ctx *) = {
		run_bare,      run_verify,	  run_verify_fresh, run_policy,
		run_ratelimit, run_audit_jansson, run_audit,	    run_metrics,
		run_decision,  run_fresh};
	double best[NCASES];
	char dir[] = "/tmp/aig-bench-decision-XXXXXX", cmd[96];
	EVP_PKEY *key = mint_rsa(2048);
	struct ctx c;
	int r, i;

	memset(&c, 0, sizeof(c));
	if (argc > 1)
		seconds = atof(argv[1]);
	seconds /= ROUNDS * NCASES;
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL);
	if (mkdtemp(dir) == NULL)
		fail("mkdtemp");
	setup_files(dir, key);
	c.token = make_token(&c, key);
	setup_vars(&c);
	make_fresh(&c, key);
	c.null = fopen("/dev/null", "w");
	aig_warm_init(&c.w);
	snprintf(cmd, sizeof(cmd), "%s/aigate.json", dir);
	if (c.null == NULL || aig_warm_set_config_path(&c.w, cmd) != AIG_OK)
		fail("set-up");
	warm_up(&c);
	for (i = 0; i < NCASES; i++)
		best[i] = 1e12;
	if (argc > 2 && strcmp(argv[2], "profile") == 0) { /* for perf(1) */
		time_us(run_decision, &c);
		goto out;
	}
	for (r = 0; r < ROUNDS; r++)
		for (i = 0; i < NCASES; i++) {
			double t = time_us(fns[i], &c);

			best[i] = t < best[i] ? t : best[i];
		}
	printf("%s, warm process, best of %d runs\n",
	       OpenSSL_version(OPENSSL_VERSION), ROUNDS);
	for (i = 0; i < NCASES; i++)
		printf("%-36s %8.1f us  x%.2f of the bare verify\n", names[i],
		       best[i], best[i] / best[0]);
	printf("goal: decision <= 1.5 x bare verify: %s (a token seen before), "
	       "%s (a new token)\n",
	       best[NCASES - 2] <= 1.5 * best[0] ? "met" : "missed",
	       best[NCASES - 1] <= 1.5 * best[0] ? "met" : "missed");

out:
	aig_gate_free(&policy_gate);
	aig_warm_free(&c.w);
	for (i = 0; c.vars[i] != NULL; i++)
		free(c.vars[i]);
	for (i = 0; i < FRESH_TOKENS; i++)
		free(c.fresh_vars[i]);
	fclose(c.null);
	free(c.token);
	free(c.input);
	EVP_PKEY_free(c.pub);
	EVP_PKEY_free(key);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
