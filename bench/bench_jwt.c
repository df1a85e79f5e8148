/* SPDX-License-Identifier: Apache-2.0 */
/* bench_jwt.c - what verifying a bearer token costs, beside OpenSSL's bare
 * EVP_DigestVerify of the same signature with the same key in the same
 * run: per RS256 (RSA-2048) and ES256 (P-256) token,
 *   bare          EVP_MD_CTX_new + EVP_DigestVerifyInit_ex +
 *                 EVP_DigestVerify + free (ES256: DER made once, outside);
 *   verify_jws    aig_jwt_verify_jws(): split, base64url, header JSON,
 *                 key lookup, r||s to DER, the same verify;
 *   verify        aig_jwt_verify(): the above, a stat(2) of jwks_file and
 *                 the claims (what a FastCGI process pays per request);
 * and once per CGI process: parsing a two-key JWK Set and building its
 * keys (aig_jwks_parse). Usage: bench_jwt [seconds per figure, default 1]. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/x509.h>

#include "aig_jwt.h"
#include "jwt_mint.h"

#define NOW 1700000000LL

static double seconds = 1.0;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs fn until `seconds` pass; returns microseconds per call. */
static double time_us(void (*fn)(void *), void *arg)
{
	double start = now_s(), t;
	long n = 0;

	fn(arg); /* warm-up, and a failure shows before timing */
	do {
		int i;

		for (i = 0; i < 50; i++)
			fn(arg);
		n += 50;
		t = now_s() - start;
	} while (t < seconds);
	return t * 1e6 / (double)n;
}

static void fail(const char *what)
{
	fprintf(stderr, "bench_jwt: %s failed\n", what);
	exit(1);
}

/* ------------------------------------------------------------ the cases */

struct bare {
	EVP_PKEY *pub;
	const char *md;
	char *input; /* owned */
	unsigned char sig[1100];
	size_t siglen;
};

static void run_bare(void *arg)
{
	struct bare *b = arg;
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (md == NULL ||
	    EVP_DigestVerifyInit_ex(md, NULL, b->md, NULL, NULL, b->pub,
				    NULL) != 1 ||
	    EVP_DigestVerify(md, b->sig, b->siglen,
			     (const unsigned char *)b->input,
			     strlen(b->input)) != 1)
		fail("EVP_DigestVerify");
	EVP_MD_CTX_free(md);
}

struct jws {
	const struct aig_jwks *jwks;
	const char *token;
};

static void run_jws(void *arg)
{
	struct jws *j = arg;
	char *payload = NULL;
	size_t len;

	if (aig_jwt_verify_jws(j->jwks, AIG_JWT_ALGS_ALL, j->token,
			       strlen(j->token), &payload, &len,
			       NULL) != AIG_OK)
		fail("aig_jwt_verify_jws");
	free(payload);
}

struct full {
	struct aig_jwt_verifier *v;
	const char *token;
};

static void run_full(void *arg)
{
	struct full *f = arg;
	struct aig_jwt_identity *id = NULL;
	struct aig_error err = {0};

	if (aig_jwt_verify(f->v, f->token, strlen(f->token), NOW, &id, &err) !=
	    AIG_OK) {
		fprintf(stderr, "%s\n", err.msg);
		fail("aig_jwt_verify");
	}
	aig_jwt_identity_free(id);
}

struct load {
	const char *text;
};

static void run_load(void *arg)
{
	struct load *l = arg;
	struct aig_jwks *jwks = NULL;

	if (aig_jwks_parse(l->text, strlen(l->text), &jwks, NULL) != AIG_OK)
		fail("aig_jwks_parse");
	aig_jwks_free(jwks);
}

/* ----------------------------------------------------------------- setup */

/* A public-only copy of key, as the JWK Set gives us. */
static EVP_PKEY *public_only(EVP_PKEY *key)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	int n = i2d_PUBKEY(key, &der);
	EVP_PKEY *pub;

	p = der;
	pub = n > 0 ? d2i_PUBKEY(NULL, &p, n) : NULL;
	OPENSSL_free(der);
	if (pub == NULL)
		fail("d2i_PUBKEY");
	return pub;
}

static char *signed_token(EVP_PKEY *key, const char *alg, const char *kid,
			  struct bare *b)
{
	char header[128], payload[512], *input, *tok;

	snprintf(header, sizeof(header),
		 "{\"alg\":\"%s\",\"kid\":\"%s\",\"typ\":\"JWT\"}", alg, kid);
	snprintf(payload, sizeof(payload),
		 "{\"iss\":\"https://idp.example/oidc\",\"aud\":\"aigate\","
		 "\"exp\":%lld,\"iat\":%lld,\"email\":\"alice@example.com\","
		 "\"groups\":[\"AI_Users\",\"Data_Scientists\"]}",
		 NOW + 600, NOW - 10);
	input = mint_input(header, payload);
	mint_sign(key, alg, input, strlen(input), false, b->sig, &b->siglen);
	tok = mint_join(input, b->sig, b->siglen);
	/* the bare baseline verifies the DER form OpenSSL takes */
	mint_sign(key, alg, input, strlen(input), true, b->sig, &b->siglen);
	b->input = input;
	b->md = "SHA256";
	b->pub = public_only(key);
	return tok;
}

static struct aig_config *config(const char *dir)
{
	char text[2048];
	struct aig_config *cfg = NULL;
	struct aig_error err = {0};

	snprintf(text, sizeof(text),
		 "{\"ldap\": {\"uri\": [\"ldaps://127.0.0.1\"], "
		 "\"domain\": \"c.example\", \"base_dn\": \"DC=c\"},"
		 "\"jwt\": {\"issuer\": \"https://idp.example/oidc\", "
		 "\"audience\": [\"aigate\"], \"jwks_file\": "
		 "\"%s/jwks.json\", \"algorithms\": [\"RS256\", \"ES256\"]},"
		 "\"backend\": {\"url\": \"http://127.0.0.1:8000\"},"
		 "\"policy_file\": \"/etc/aigate/policy.json\"}",
		 dir);
	if (aig_config_parse("bench.json", text, strlen(text), &cfg, &err) !=
	    AIG_OK)
		fail(err.msg);
	return cfg;
}

#define ROUNDS 5

/* Each figure is the best of ROUNDS interleaved runs, so that a CPU
 * warming up or a neighbour's burst does not favour the one that ran
 * later. */
static void report(const char *alg, struct bare *b, const char *token,
		   const struct aig_jwks *jwks, struct aig_jwt_verifier *v)
{
	struct jws j = {jwks, token};
	struct full f = {v, token};
	double bare = 1e9, jws = 1e9, full = 1e9, t;
	int r;

	for (r = 0; r < ROUNDS; r++) {
		t = time_us(run_bare, b);
		bare = t < bare ? t : bare;
		t = time_us(run_jws, &j);
		jws = t < jws ? t : jws;
		t = time_us(run_full, &f);
		full = t < full ? t : full;
	}
	printf("%-6s bare EVP_DigestVerify %8.1f us\n", alg, bare);
	printf("%-6s aig_jwt_verify_jws    %8.1f us  (%+.1f us, x%.2f)\n", alg,
	       jws, jws - bare, jws / bare);
	printf("%-6s aig_jwt_verify        %8.1f us  (%+.1f us, x%.2f)\n", alg,
	       full, full - bare, full / bare);
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/aig-bench-jwt-XXXXXX", path[64], cmd[96];
	EVP_PKEY *rsa = mint_rsa(2048), *ec = mint_ec("P-256");
	struct bare brs = {0}, bes = {0};
	char *trs = signed_token(rsa, "RS256", "rsa", &brs);
	char *tes = signed_token(ec, "ES256", "ec", &bes);
	json_t *keys[2] = {mint_jwk(rsa, "rsa", NULL),
			   mint_jwk(ec, "ec", NULL)};
	char *text = mint_jwks_text(keys, 2);
	struct aig_jwks *jwks = NULL;
	struct aig_jwt_verifier *v = NULL;
	struct aig_config *cfg;
	struct load l = {text};
	FILE *f;

	if (argc > 1)
		seconds = atof(argv[1]);
	seconds /= ROUNDS;
	if (mkdtemp(dir) == NULL)
		fail("mkdtemp");
	snprintf(path, sizeof(path), "%s/jwks.json", dir);
	f = fopen(path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		fail("writing the JWK Set");
	cfg = config(dir);
	if (aig_jwks_parse(text, strlen(text), &jwks, NULL) != AIG_OK ||
	    aig_jwt_verifier_new(cfg, NULL, &v, NULL) != AIG_OK)
		fail("setup");
	printf("%s, best of %d runs of %.2f s per figure\n",
	       OpenSSL_version(OPENSSL_VERSION), ROUNDS, seconds);
	report("RS256", &brs, trs, jwks, v);
	report("ES256", &bes, tes, jwks, v);
	printf("JWK Set of 2 keys: parse + build keys %8.1f us (once per CGI "
	       "process)\n",
	       time_us(run_load, &l));

	aig_jwt_verifier_free(v);
	aig_config_free(cfg);
	aig_jwks_free(jwks);
	free(text);
	free(trs);
	free(tes);
	free(brs.input);
	free(bes.input);
	EVP_PKEY_free(brs.pub);
	EVP_PKEY_free(bes.pub);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
