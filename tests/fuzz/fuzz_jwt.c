/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_jwt.c - libFuzzer target for the JWT subsystem's parsers. The first
 * byte of an input picks what the rest is (seeds in corpus/jwt/ start with
 * an ASCII digit so they can be read):
 *   '0'  a compact token: aig_jwt_verify_jws() against a fixed JWK Set
 *        (Wycheproof's public RS256 and ES256 test keys) with every alg
 *        allowed, then, when it verifies (the corpus has tokens signed with
 *        Wycheproof's private keys), aig_jwt_check_claims();
 *   '1'  a JWK Set: aig_jwks_parse(), then a lookup in it;
 *   '2'  a JWT payload: aig_jwt_check_claims() with a fixed configuration;
 *   '3'  base64url: aig_jwt_b64url_decode();
 *   '4'  an AWS ALB token (x-amzn-oidc-data): aig_alb_token_parse(), then
 *        its header against a fixed auth.alb, its signature against the
 *        EC key above and its claims, each whatever the one before said,
 *        since a forger chooses what to get past.
 * Built with clang -fsanitize=fuzzer,address,undefined when clang is
 * present (run briefly by make check, longer by `make fuzz-jwt`); the same
 * file is built with fuzz_main.c into a replay program that runs the seed
 * corpus under valgrind or the sanitizers in every build. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aig_alb.h"
#include "aig_jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1700000000

/* Wycheproof's kid-ec-sign and kid-rsa-sign public keys. */
static const char jwks_text[] =
	"{\"keys\":[{\"alg\":\"ES256\",\"use\":\"sig\",\"x\":"
	"\"04N0xi21hshyvBp7I167sbE"
	"_bXqyqkAPfefdklMO7wY\",\"y\":\"UI8exy-C06a7DUnjIdENkxeFtHM4-l_41LqEw"
	"9nVgmw\",\"crv\":\"P-256\",\"kid\":\"kid-ec-sign\",\"kty\":\"EC\"},{"
	"\"alg\":\"RS"
	"256\",\"use\":\"sig\",\"n\":\"kqGboBfAWttWPCA-0cGRgsY6SaYoIARt0B_"
	"PkaEcIq"
	"9HPYNdu9n6UuWHuuTHrjF_ZoQW97r5HaAorNvrMEGTGdxCHZdEtkHvNVVmrtxTBL"
	"iQCbCozXhFoIrVcr3qUBrdGnNn_M3jJi7Wg7p_-x62nS5gNG875oyheRkutHsQXi"
	"kFZwsN3q_TsPNOVlCiHy8mxzaFTUQGm-X8UYexFyAivlDSjgDJLAZSWfxd7k9Gxu"
	"wa3AUfQqQcVcegmgKGCaErQ3qQbh1x7WB6iopE3_-GZ8HMAVtR9AmrVscqYsnjha"
	"CehfAI0iKKs8zXr8tISc0ORbaalrkk03H1ZrsEnDKEWQ\",\"e\":\"AQAB\",\"kid\":"
	"\""
	"kid-rsa-sign\",\"kty\":\"RSA\"}]}";

static const char config_text[] =
	"{\"ldap\": {\"uri\": [\"ldaps://127.0.0.1\"], \"domain\": "
	"\"c.example\","
	" \"base_dn\": \"DC=c,DC=example\"},"
	" \"jwt\": {\"issuer\": \"https://idp.example/oidc\","
	" \"audience\": [\"aigate\", \"other\"], \"jwks_file\": \"/dev/null\","
	" \"leeway_s\": 60},"
	" \"backend\": {\"url\": \"http://127.0.0.1:8000\"},"
	" \"policy_file\": \"/etc/aigate/policy.json\"}";

static const char alb_config_text[] =
	"{\"ldap\": {\"uri\": [\"ldaps://127.0.0.1\"], \"domain\": "
	"\"c.example\", \"base_dn\": \"DC=c,DC=example\"},"
	" \"auth\": {\"methods\": [\"alb\"], \"alb\": {\"arn\": "
	"\"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/"
	"app/gate/50dc6c495c0c9188\", \"client_ids\": [\"app-client-1\"]}},"
	" \"backend\": {\"url\": \"http://127.0.0.1:8000\"},"
	" \"policy_file\": \"/etc/aigate/policy.json\"}";

/* Parsed once per process: the fuzzer calls us millions of times. They
 * stay allocated until exit, as still-reachable memory. */
static struct aig_jwks *fixed_jwks;
static struct aig_config *fixed_cfg, *alb_cfg;

static void setup(void)
{
	struct aig_error err = {0};

	if (fixed_jwks != NULL)
		return;
	if (aig_jwks_parse(jwks_text, strlen(jwks_text), &fixed_jwks, &err) !=
		    AIG_OK ||
	    aig_config_parse("fuzz.json", config_text, strlen(config_text),
			     &fixed_cfg, &err) != AIG_OK ||
	    aig_config_parse("alb.json", alb_config_text,
			     strlen(alb_config_text), &alb_cfg,
			     &err) != AIG_OK) {
		fprintf(stderr, "fuzz_jwt: %s\n", err.msg);
		abort();
	}
}

static void claims(const char *payload, size_t len)
{
	struct aig_jwt_identity *id = NULL;

	if (aig_jwt_check_claims(fixed_cfg, payload, len, NOW, &id, NULL) ==
	    AIG_OK)
		aig_jwt_identity_free(id);
}

static void token(const char *text, size_t len)
{
	char *payload = NULL;
	size_t plen = 0;

	if (aig_jwt_verify_jws(fixed_jwks, AIG_JWT_ALGS_ALL, text, len,
			       &payload, &plen, NULL) == AIG_OK)
		claims(payload, plen);
	free(payload);
}

static void jwks(const char *text, size_t len)
{
	const struct aig_jwks_key *key = NULL;
	struct aig_jwks *set = NULL;

	if (aig_jwks_parse(text, len, &set, NULL) != AIG_OK)
		return;
	aig_jwks_find(set, aig_jwks_count(set) ? "kid-ec-sign" : NULL,
		      AIG_JWT_ES256, &key, NULL);
	aig_jwks_free(set);
}

static void b64url(const char *text, size_t len)
{
	unsigned char *out = malloc(len + 1);
	size_t n;

	if (out != NULL)
		aig_jwt_b64url_decode(text, len, out, len, &n);
	free(out);
}

static void alb_token(const char *text, size_t len)
{
	const struct aig_jwks_key *key = NULL;
	struct aig_jwt_identity *id = NULL;
	struct aig_alb_token *tok = NULL;

	if (aig_alb_token_parse(text, len, &tok, NULL) != AIG_OK)
		return;
	aig_alb_check_header(alb_cfg, tok, NOW, NULL);
	if (aig_jwks_find(fixed_jwks, "kid-ec-sign", AIG_JWT_ES256, &key,
			  NULL) == AIG_OK)
		aig_alb_check_signature(tok, key, NULL);
	if (aig_alb_check_claims(alb_cfg, tok, NOW, &id, NULL) == AIG_OK)
		aig_jwt_identity_free(id);
	aig_alb_token_free(tok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1;

	if (size == 0)
		return 0;
	setup();
	switch (data[0] == '4' ? 4 : data[0] % 4) {
	case 0: token(text, size - 1); break;
	case 1: jwks(text, size - 1); break;
	case 2: claims(text, size - 1); break;
	case 3: b64url(text, size - 1); break;
	default: alb_token(text, size - 1); break;
	}
	return 0;
}
