/* SPDX-License-Identifier: Apache-2.0 */
/* test_jwt.c - the JWT subsystem with keys and tokens made here: strict
 * base64url, JWK checks, and forged tokens of every kind we know of
 * through the same aig_jwt_verify() the CGI calls. Runs under valgrind and
 * ASan/UBSan in make check. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aig_jwt.h"
#include "jwt_mint.h"
#include "aig_test.h"

#define NOW 1700000000LL
#define ISS "https://idp.example/oidc"

static char tmpdir[] = "/tmp/aig-test-jwt-XXXXXX";
static EVP_PKEY *rsa1, *rsa2, *ec256, *ec384, *small, *evil;

/* --------------------------------------------------------------- helpers */

/* A configuration whose JWK Set is tmpdir/<jwks>; algs is a JSON list
 * body; extra is more "jwt" members (with a leading comma) or "". */
static struct aig_config *make_config(const char *jwks, const char *algs,
				      const char *extra)
{
	return aig_test_config(
		"{\"ldap\": {\"uri\": [\"ldaps://127.0.0.1\"], "
		"\"domain\": \"corp.example.com\", "
		"\"base_dn\": \"DC=corp,DC=example,DC=com\", "
		"\"service_bind\": {\"sasl_mech\": \"GSSAPI\", "
		"\"keytab\": \"/etc/aigate/svc.keytab\"}},"
		"\"jwt\": {\"issuer\": \"%s\", "
		"\"audience\": [\"aigate\", \"aigate-dev\"], "
		"\"jwks_file\": \"%s/%s\", \"algorithms\": [%s], "
		"\"leeway_s\": 60%s},"
		"\"backend\": {\"url\": \"http://127.0.0.1:8000\"},"
		"\"policy_file\": \"/etc/aigate/policy.json\","
		"\"state_dir\": \"%s\"}",
		ISS, tmpdir, jwks, algs, extra, tmpdir);
}

#define ALL_ALGS                                                               \
	"\"RS256\", \"RS384\", \"RS512\", \"PS256\", \"PS384\", \"PS512\", "   \
	"\"ES256\", \"ES384\""

struct ctx {
	struct aig_config *cfg;
	struct aig_jwt_verifier *v;
};

static void ctx_open(struct ctx *c, const char *jwks, const char *algs,
		     const char *extra)
{
	struct aig_error err = {0};

	c->cfg = make_config(jwks, algs, extra);
	if (aig_jwt_verifier_new(c->cfg, NULL, &c->v, &err) != AIG_OK) {
		fprintf(stderr, "verifier: %s\n", err.msg);
		abort();
	}
}

static void ctx_close(struct ctx *c)
{
	aig_jwt_verifier_free(c->v);
	aig_config_free(c->cfg);
}

static struct ctx main_ctx;

/* Verifies token (consumed) at now with c; checks the status. */
static void expect_at(struct ctx *c, char *token, long long now, int want,
		      const char *name)
{
	struct aig_error err = {0};
	struct aig_jwt_identity *id = NULL;
	int rc = aig_jwt_verify(c->v, token, strlen(token), (time_t)now, &id,
				&err);

	ok(rc == want && (rc == AIG_OK) == (id != NULL), "%s: %s, want %s (%s)",
	   name, aig_jwt_status_name(rc), aig_jwt_status_name(want), err.msg);
	aig_jwt_identity_free(id);
	free(token);
}

static void expect(char *token, int want, const char *name)
{
	expect_at(&main_ctx, token, NOW, want, name);
}

/* The standard claims with key set to value_json (NULL: removed). */
static char *claims_with(const char *key, const char *value_json)
{
	json_t *c =
		json_pack("{s:s, s:s, s:I, s:I, s:s, s:[s,s]}", "iss", ISS,
			  "aud", "aigate", "exp", (json_int_t)NOW + 600, "iat",
			  (json_int_t)NOW - 10, "email", "alice@example.com",
			  "groups", "AI_Users", "Data_Scientists");
	char *text;

	if (key != NULL && value_json != NULL)
		json_object_set_new(
			c, key, json_loads(value_json, JSON_DECODE_ANY, NULL));
	else if (key != NULL)
		json_object_del(c, key);
	text = json_dumps(c, JSON_COMPACT);
	json_decref(c);
	return text;
}

static char *header_for(const char *alg, const char *kid)
{
	char *h = malloc(256);

	if (kid != NULL)
		snprintf(h, 256,
			 "{\"alg\":\"%s\",\"kid\":\"%s\",\"typ\":\"JWT\"}", alg,
			 kid);
	else
		snprintf(h, 256, "{\"alg\":\"%s\"}", alg);
	return h;
}

/* A token signed by key as alg with the standard header and payload. */
static char *tok_p(EVP_PKEY *key, const char *alg, const char *kid,
		   const char *payload)
{
	char *h = header_for(alg, kid);
	char *t = mint_token(key, alg, h, payload);

	free(h);
	return t;
}

static char *tok(EVP_PKEY *key, const char *alg, const char *kid)
{
	char *p = claims_with(NULL, NULL);
	char *t = tok_p(key, alg, kid, p);

	free(p);
	return t;
}

/* A token with the standard payload and a claim changed. */
static char *tok_claim(const char *key, const char *value)
{
	char *p = claims_with(key, value);
	char *t = tok_p(rsa1, "RS256", "rsa1", p);

	free(p);
	return t;
}

/* A token with the given raw header (JSON text), signed by key as alg. */
static char *tok_h(EVP_PKEY *key, const char *alg, const char *header)
{
	char *p = claims_with(NULL, NULL);
	char *t = mint_token(key, alg, header, p);

	free(p);
	return t;
}

static char *cat3(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *s = malloc(n);

	snprintf(s, n, "%s%s%s", a, b, c);
	return s;
}

/* --------------------------------------------------------- base64url */

static void test_b64url(void)
{
	static const struct {
		const char *in, *out;
	} good[] = {{"", ""},
		    {"Zg", "f"},
		    {"Zm8", "fo"},
		    {"Zm9v", "foo"},
		    {"Zm9vYg", "foob"},
		    {"Zm9vYmE", "fooba"},
		    {"Zm9vYmFy", "foobar"},
		    {"-_8", "\xfb\xff"}};
	static const char *const bad[] = {
		"Zg==",	  "Zm8=",    "Zm9v+", "Zm9v/A",	 "Zh",
		"Zm9",	  "Zm9vYh",  "Z",     "Zm9v Zg", " Zm9v",
		"Zm9v\n", "Zm\x00v", "Zm9v.", "Zm9v="};
	unsigned char out[64], all[256];
	size_t i, n, bad_ok = 0;
	char *enc;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(aig_jwt_b64url_decode(good[i].in, strlen(good[i].in), out,
					 sizeof(out), &n) &&
			   n == strlen(good[i].out) &&
			   memcmp(out, good[i].out, n) == 0,
		   "b64url: \"%s\" decodes", good[i].in);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		bad_ok += !aig_jwt_b64url_decode(bad[i],
						 i == 11 ? 4 : strlen(bad[i]),
						 out, sizeof(out), &n);
	ok(bad_ok == sizeof(bad) / sizeof(bad[0]),
	   "b64url: padding, '+', '/', whitespace, NUL, 4n+1 lengths and "
	   "non-zero unused bits refused (%zu/%zu)",
	   bad_ok, sizeof(bad) / sizeof(bad[0]));
	ok(!aig_jwt_b64url_decode("Zm9vYmFy", 8, out, 5, &n),
	   "b64url: output cap respected");
	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)(255 - i);
	for (i = 0, bad_ok = 0; i <= 256; i++) {
		unsigned char dec[256];

		enc = mint_b64url(all, i);
		bad_ok += aig_jwt_b64url_decode(enc, strlen(enc), dec,
						sizeof(dec), &n) &&
			  n == i && memcmp(dec, all, i) == 0;
		free(enc);
	}
	ok(bad_ok == 257, "b64url: OpenSSL's encodings of 0..256 bytes "
			  "round-trip");
}

/* ----------------------------------------------------------- JWK keys */

static const char *unusable_of(json_t *jwk)
{
	static char why[AIG_ERROR_MSG_MAX + 16];
	struct aig_jwks_key *key = NULL;
	struct aig_error err = {0};

	if (aig_jwks_key_from_json(jwk, &key, &err) != AIG_OK)
		snprintf(why, sizeof(why), "error: %s", err.msg);
	else
		snprintf(why, sizeof(why), "%s",
			 aig_jwks_key_unusable(key) ? aig_jwks_key_unusable(key)
						    : "usable");
	aig_jwks_key_free(key);
	json_decref(jwk);
	return why;
}

static json_t *jwk_set(json_t *jwk, const char *member, const char *json)
{
	if (json == NULL)
		json_object_del(jwk, member);
	else
		json_object_set_new(jwk, member,
				    json_loads(json, JSON_DECODE_ANY, NULL));
	return jwk;
}

static void expect_key(json_t *jwk, bool usable, const char *name)
{
	const char *why = unusable_of(jwk);

	ok((strcmp(why, "usable") == 0) == usable, "JWK %s: %s", name, why);
}

/* e = 65536, e = 1, n with a leading zero octet. */
static void test_jwk_rsa_values(void)
{
	json_t *jwk = mint_jwk(rsa1, "k", NULL);
	const char *n64 = json_string_value(json_object_get(jwk, "n"));
	unsigned char n[1100];
	size_t nlen;
	char *padded;

	aig_jwt_b64url_decode(n64, strlen(n64), n + 1, sizeof(n) - 1, &nlen);
	n[0] = 0;
	padded = mint_b64url(n, nlen + 1);
	expect_key(jwk_set(json_deep_copy(jwk), "e", "\"AQAA\""), false,
		   "RSA e even");
	expect_key(jwk_set(json_deep_copy(jwk), "e", "\"AQ\""), false,
		   "RSA e = 1");
	expect_key(jwk_set(json_deep_copy(jwk), "e", "\"AQAAAAAAAAAB\""), false,
		   "RSA e over 64 bits");
	n[nlen] ^= 1; /* n's last octet: n even */
	free(padded);
	padded = mint_b64url(n + 1, nlen);
	json_object_set_new(jwk, "n", json_string(padded));
	expect_key(json_deep_copy(jwk), false, "RSA n even");
	n[nlen] ^= 1;
	free(padded);
	n[0] = 0x01; /* 8193 bits */
	memset(n + 1, 0xff, 1024);
	padded = mint_b64url(n, 1025);
	json_object_set_new(jwk, "n", json_string(padded));
	expect_key(json_deep_copy(jwk), false, "RSA n of 8193 bits");
	free(padded);
	n[0] = 0;
	padded = mint_b64url(n, nlen + 1);
	json_object_set_new(jwk, "n", json_string(padded));
	expect_key(jwk, true, "RSA n with a leading zero octet");
	free(padded);
}

/* Coordinates at the field's prime p (RFC 7518 §6.2.1.2 says x, y are
 * field elements; p itself is not one) and the point (0, 0). */
static void test_jwk_ec_values(void)
{
	static const unsigned char p256[32] = {
		0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const unsigned char zero[32];
	char *bp = mint_b64url(p256, sizeof(p256));
	char *bz = mint_b64url(zero, sizeof(zero));
	json_t *ec = mint_jwk(ec256, "e", NULL);

	json_object_set_new(ec, "x", json_string(bp));
	expect_key(json_deep_copy(ec), false, "EC x equal to the prime p");
	json_object_set_new(ec, "x", json_string(bz));
	json_object_set_new(ec, "y", json_string(bz));
	expect_key(ec, false, "EC point (0, 0)");
	free(bp);
	free(bz);
}

static void test_jwk(void)
{
	json_t *ec = mint_jwk(ec256, "e", NULL);
	const char *y = json_string_value(json_object_get(ec, "y"));
	char bad_y[80];

	expect_key(mint_jwk(rsa1, "r", "PS512"), true, "RSA-2048 PS512");
	expect_key(mint_jwk(ec384, "e", "ES384"), true, "P-384 ES384");
	expect_key(mint_jwk(small, "s", NULL), false, "RSA-1024");
	expect_key(jwk_set(mint_jwk(rsa1, "r", NULL), "d", "\"AQAB\""), false,
		   "with a private exponent");
	expect_key(jwk_set(mint_jwk(ec256, "e", NULL), "d", "\"AQAB\""), false,
		   "EC with d");
	expect_key(jwk_set(mint_jwk(rsa1, "r", NULL), "use", "\"enc\""), false,
		   "use enc");
	expect_key(jwk_set(mint_jwk(rsa1, "r", NULL), "use", "\"sig\""), true,
		   "use sig");
	expect_key(jwk_set(mint_jwk(rsa1, "r", NULL), "use", "[\"sig\"]"),
		   false, "use not a string");
	expect_key(jwk_set(mint_jwk(rsa1, "r", NULL), "key_ops", "[\"sign\"]"),
		   false, "key_ops sign only");
	expect_key(jwk_set(mint_jwk(rsa1, "r", NULL), "key_ops",
			   "[\"sign\", \"verify\"]"),
		   true, "key_ops with verify");
	expect_key(jwk_set(mint_jwk(rsa1, "r", NULL), "key_ops", "\"verify\""),
		   false, "key_ops a string");
	expect_key(mint_jwk(rsa1, "r", "HS256"), false, "alg HS256");
	expect_key(mint_jwk(rsa1, "r", "ES256"), false, "alg ES256 on RSA");
	expect_key(mint_jwk(ec256, "e", "ES384"), false, "alg ES384 on P-256");
	expect_key(jwk_set(mint_jwk(rsa1, "r", NULL), "kty", "\"oct\""), false,
		   "kty oct");
	expect_key(jwk_set(mint_jwk(rsa1, "r", NULL), "kty", NULL), false,
		   "kty missing");
	expect_key(jwk_set(mint_jwk(ec256, "e", NULL), "crv", "\"P-521\""),
		   false, "crv P-521");
	expect_key(jwk_set(mint_jwk(ec256, "e", NULL), "x", "\"AAAA\""), false,
		   "EC x too short");
	expect_key(jwk_set(mint_jwk(rsa1, "r", NULL), "kid", "5"), false,
		   "kid a number");
	snprintf(bad_y, sizeof(bad_y), "\"%.*s%c\"", (int)strlen(y) - 1, y,
		 y[strlen(y) - 1] == 'A' ? 'E' : 'A');
	expect_key(jwk_set(ec, "y", bad_y), false, "EC point off the curve");
	test_jwk_rsa_values();
	test_jwk_ec_values();
	ok(strncmp(unusable_of(json_integer(1)), "error", 5) == 0,
	   "JWK: a non-object is an error");
}

static void test_jwks_parse(void)
{
	static const struct {
		const char *text;
		int rc;
	} cases[] = {
		{"", AIG_ERR_SYNTAX},
		{"[]", AIG_ERR_INVALID},
		{"{\"keys\": {}}", AIG_ERR_INVALID},
		{"{\"keys\": [1]}", AIG_ERR_INVALID},
		{"{\"keys\": [], \"keys\": []}", AIG_ERR_SYNTAX},
		{"{\"keys\": []}", AIG_OK},
		{"{\"keys\": [{\"kty\": \"oct\", \"k\": \"AAAA\"}]}", AIG_OK},
	};
	struct aig_jwks *jwks = NULL;
	struct aig_error err;
	char many[8192] = "{\"keys\": [{}";
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		aig_error_clear(&err);
		rc = aig_jwks_parse(cases[i].text, strlen(cases[i].text), &jwks,
				    &err);
		ok(rc == cases[i].rc, "JWKS %s: %s (%s)", cases[i].text,
		   aig_status_name(rc), err.msg);
		aig_jwks_free(jwks);
	}
	for (i = 0; i < AIG_JWKS_MAX_KEYS; i++)
		strcat(many, ", {}");
	strcat(many, "]}");
	rc = aig_jwks_parse(many, strlen(many), &jwks, &err);
	ok(rc == AIG_ERR_TOO_BIG, "JWKS with %d keys refused",
	   AIG_JWKS_MAX_KEYS + 1);
	aig_jwks_free(jwks);
}

/* ------------------------------------------------------ forged tokens */

static void test_valid(void)
{
	static const char *const rs[] = {"RS256", "RS384", "RS512",
					 "PS256", "PS384", "PS512"};
	struct aig_error err = {0};
	struct aig_jwt_identity *id = NULL;
	char *t = tok(rsa1, "RS256", "rsa1");
	size_t i;
	int rc;

	rc = aig_jwt_verify(main_ctx.v, t, strlen(t), NOW, &id, &err);
	ok(rc == AIG_OK && strcmp(id->user, "alice@example.com") == 0 &&
		   id->groups.n == 2 &&
		   strcmp(id->groups.v[1], "Data_Scientists") == 0 &&
		   id->alg == AIG_JWT_RS256 && strcmp(id->kid, "rsa1") == 0 &&
		   id->exp == NOW + 600,
	   "RS256 token verifies, identity filled (%s)", err.msg);
	aig_jwt_identity_free(id);
	free(t);
	for (i = 0; i < 6; i++)
		expect(tok(rsa2, rs[i], "rsa2"), AIG_OK, rs[i]);
	expect(tok(ec256, "ES256", "ec256"), AIG_OK, "ES256");
	expect(tok(ec384, "ES384", "ec384"), AIG_OK, "ES384");
	expect(tok(rsa1, "RS256", "rsa1-rs256"), AIG_OK,
	       "RS256 with a key whose alg is RS256");
	expect(tok(rsa1, "RS256", "dup"), AIG_OK,
	       "kid shared by an RSA and an EC key: RS256 takes the RSA one");
	expect(tok(ec256, "ES256", "dup"), AIG_OK,
	       "kid shared by an RSA and an EC key: ES256 takes the EC one");
}

static void test_alg_attacks(void)
{
	char *input = mint_input("{\"alg\":\"HS256\",\"kid\":\"rsa1\"}",
				 "{\"iss\":\"" ISS "\"}");
	char *pem = mint_pem(rsa1), *none;
	unsigned char mac[32];
	struct aig_jwks *jwks = NULL;
	struct aig_error err = {0};
	int rc;

	mint_hmac256(pem, strlen(pem), input, strlen(input), mac);
	none = mint_join(input, mac, sizeof(mac));
	rc = aig_jwks_parse("{\"keys\": []}", 12, &jwks, &err);
	rc = aig_jwt_verify_jws(jwks, ~0u, none, strlen(none), NULL, NULL,
				&err);
	ok(rc == AIG_JWT_ERR_ALG,
	   "HS256 refused even with every bit set in the allowed set (%s)",
	   err.msg);
	aig_jwks_free(jwks);
	expect(none, AIG_JWT_ERR_ALG,
	       "HS256 with the RSA public key (PEM) "
	       "as the HMAC secret");
	free(input);
	free(pem);
	input = mint_input("{\"alg\":\"none\"}", "{\"iss\":\"" ISS "\"}");
	expect(cat3(input, ".", ""), AIG_JWT_ERR_ALG, "alg none, no signature");
	expect(cat3(input, ".", "AAAA"), AIG_JWT_ERR_ALG,
	       "alg none with a signature");
	free(input);
	expect(tok_h(rsa1, "RS256", "{\"alg\":\"None\",\"kid\":\"rsa1\"}"),
	       AIG_JWT_ERR_ALG, "alg None");
	expect(tok_h(rsa1, "RS256", "{\"alg\":\"rs256\",\"kid\":\"rsa1\"}"),
	       AIG_JWT_ERR_ALG, "alg rs256 (case matters)");
	expect(tok_h(rsa1, "RS256", "{\"alg\":\"HS512\",\"kid\":\"rsa1\"}"),
	       AIG_JWT_ERR_ALG, "alg HS512");
	expect(tok_h(rsa1, "RS256", "{\"kid\":\"rsa1\"}"),
	       AIG_JWT_ERR_MALFORMED, "no alg");
	expect(tok_h(rsa1, "RS256", "{\"alg\":[\"RS256\"],\"kid\":\"rsa1\"}"),
	       AIG_JWT_ERR_MALFORMED, "alg an array");
}

/* A token signed as `signed_as` whose header claims `claimed`. */
static char *switched(EVP_PKEY *key, const char *signed_as, const char *claimed,
		      const char *kid)
{
	char *h = header_for(claimed, kid), *p = claims_with(NULL, NULL);
	char *input = mint_input(h, p), *t;
	unsigned char sig[1024];
	size_t n;

	mint_sign(key, signed_as, input, strlen(input), false, sig, &n);
	t = mint_join(input, sig, n);
	free(h);
	free(p);
	free(input);
	return t;
}

static void test_key_confusion(void)
{
	struct ctx rs_only;

	expect(switched(rsa1, "RS256", "PS256", "rsa1"), AIG_JWT_ERR_SIGNATURE,
	       "RS256 signature sent as PS256");
	expect(switched(rsa1, "PS256", "RS256", "rsa1"), AIG_JWT_ERR_SIGNATURE,
	       "PS256 signature sent as RS256");
	expect(switched(rsa1, "RS256", "RS512", "rsa1"), AIG_JWT_ERR_SIGNATURE,
	       "RS256 signature sent as RS512");
	expect(switched(ec256, "ES256", "ES256", "rsa1"), AIG_JWT_ERR_KEY,
	       "ES256 with the kid of an RSA key");
	expect(switched(rsa1, "RS256", "RS256", "ec256"), AIG_JWT_ERR_KEY,
	       "RS256 with the kid of an EC key");
	expect(switched(ec384, "ES384", "ES384", "ec256"), AIG_JWT_ERR_KEY,
	       "ES384 with the kid of a P-256 key");
	expect(switched(rsa1, "PS256", "PS256", "rsa1-rs256"), AIG_JWT_ERR_KEY,
	       "PS256 with a key whose alg is RS256");
	expect(tok(rsa1, "RS256", "rsa2"), AIG_JWT_ERR_SIGNATURE,
	       "signed by rsa1, kid of rsa2");
	expect(tok(rsa1, "RS256", "nobody"), AIG_JWT_ERR_UNKNOWN_KID,
	       "unknown kid");
	expect(tok(rsa1, "RS256", "../../../etc/passwd"),
	       AIG_JWT_ERR_UNKNOWN_KID, "kid with ../");
	expect(tok(rsa1, "RS256", NULL), AIG_JWT_ERR_KEY,
	       "no kid, several keys");
	expect(tok(small, "RS256", "small"), AIG_JWT_ERR_KEY,
	       "kid of a 1024-bit RSA key");
	expect(tok(rsa1, "RS256", "twin"), AIG_JWT_ERR_KEY,
	       "two RSA keys with one kid");
	expect(tok(rsa1, "RS256", "enc"), AIG_JWT_ERR_KEY,
	       "kid of a use:enc key");
	ctx_open(&rs_only, "jwks.json", "\"RS256\"", "");
	expect_at(&rs_only, tok(ec256, "ES256", "ec256"), NOW, AIG_JWT_ERR_ALG,
		  "ES256 when jwt.algorithms is [RS256]");
	expect_at(&rs_only, tok(rsa1, "PS256", "rsa1"), NOW, AIG_JWT_ERR_ALG,
		  "PS256 when jwt.algorithms is [RS256]");
	ctx_close(&rs_only);
	ctx_open(&rs_only, "one.json", ALL_ALGS, "");
	expect_at(&rs_only, tok(rsa1, "RS256", NULL), NOW, AIG_OK,
		  "no kid, the set has one key");
	expect_at(&rs_only, tok(rsa2, "RS256", NULL), NOW,
		  AIG_JWT_ERR_SIGNATURE, "no kid, signed by another key");
	expect_at(&rs_only, tok(ec256, "ES256", NULL), NOW, AIG_JWT_ERR_KEY,
		  "no kid, one RSA key, ES256");
	ctx_close(&rs_only);
}

/* Keys carried or pointed to by the token are never used. */
static void test_embedded_keys(void)
{
	json_t *jwk = mint_jwk(evil, "evil", "ES256");
	char *jt = json_dumps(jwk, JSON_COMPACT), h[2048], name[96];
	char *jwk_member = cat3("\"jwk\":", jt, "");
	const char *const member[] = {jwk_member,
				      "\"jku\":\"https://evil.example/jwks\"",
				      "\"x5u\":\"https://evil.example/c.pem\"",
				      "\"x5c\":[\"MIIBszCCAVmgAwIBAgIU\"]"};
	static const char *const what[] = {"jwk", "jku", "x5u", "x5c"};
	size_t i;

	for (i = 0; i < 4; i++) {
		snprintf(h, sizeof(h),
			 "{\"alg\":\"ES256\",\"kid\":\"evil\",%s}", member[i]);
		snprintf(name, sizeof(name), "embedded %s, its own kid",
			 what[i]);
		expect(tok_h(evil, "ES256", h), AIG_JWT_ERR_UNKNOWN_KID, name);
		snprintf(h, sizeof(h),
			 "{\"alg\":\"ES256\",\"kid\":\"ec256\",%s}", member[i]);
		snprintf(name, sizeof(name), "embedded %s, our kid", what[i]);
		expect(tok_h(evil, "ES256", h), AIG_JWT_ERR_SIGNATURE, name);
	}
	snprintf(h, sizeof(h), "{\"alg\":\"ES256\",%s}", jwk_member);
	expect(tok_h(evil, "ES256", h), AIG_JWT_ERR_KEY,
	       "embedded jwk, no kid");
	free(jwk_member);
	free(jt);
	json_decref(jwk);
}

static void test_header_members(void)
{
	static const struct {
		const char *h;
		int rc;
	} cases[] = {
		{"{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"crit\":[\"exp\"],"
		 "\"exp\":1}",
		 AIG_JWT_ERR_MALFORMED},
		{"{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"crit\":[]}",
		 AIG_JWT_ERR_MALFORMED},
		{"{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"b64\":false,"
		 "\"crit\":[\"b64\"]}",
		 AIG_JWT_ERR_MALFORMED},
		{"{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"cty\":\"JWT\"}",
		 AIG_JWT_ERR_MALFORMED},
		{"{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"enc\":\"A128GCM\"}",
		 AIG_JWT_ERR_MALFORMED},
		{"{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":\"jwt\"}",
		 AIG_OK},
		{"{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":\"at+JWT\"}",
		 AIG_OK},
		{"{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":"
		 "\"application/at+jwt\"}",
		 AIG_OK},
		{"{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":\"JOSE\"}",
		 AIG_JWT_ERR_MALFORMED},
		{"{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"typ\":5}",
		 AIG_JWT_ERR_MALFORMED},
		{"{\"alg\":\"RS256\",\"kid\":\"\"}", AIG_JWT_ERR_MALFORMED},
		{"{\"alg\":\"RS256\",\"kid\":5}", AIG_JWT_ERR_MALFORMED},
		{"{\"alg\":\"RS256\",\"kid\":\"rsa1\",\"kid\":\"rsa2\"}",
		 AIG_JWT_ERR_MALFORMED},
		{"{\"alg\":\"RS256\",\"alg\":\"RS256\",\"kid\":\"rsa1\"}",
		 AIG_JWT_ERR_MALFORMED},
		{"{\"alg\":\"RS256\",\"kid\":\"rs\xff\"}",
		 AIG_JWT_ERR_MALFORMED},
		{"{\"alg\":\"RS256\",\"kid\":\"rsa1\\u0000\"}",
		 AIG_JWT_ERR_MALFORMED},
		{"[\"RS256\"]", AIG_JWT_ERR_MALFORMED},
		{"not json", AIG_JWT_ERR_MALFORMED},
		{"{\"alg\":\"RS256\",\"kid\":\"rsa1\"} ", AIG_OK},
	};
	char kid[300], h[400];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect(tok_h(rsa1, "RS256", cases[i].h), cases[i].rc,
		       cases[i].h);
	memset(kid, 'k', 257);
	kid[257] = '\0';
	snprintf(h, sizeof(h), "{\"alg\":\"RS256\",\"kid\":\"%s\"}", kid);
	expect(tok_h(rsa1, "RS256", h), AIG_JWT_ERR_MALFORMED,
	       "kid of 257 bytes");
}

/* The signature segment of a fresh token replaced by sig. */
static char *with_sig(char *token, const unsigned char *sig, size_t len)
{
	char *dot = strrchr(token, '.'), *t;

	*dot = '\0';
	t = mint_join(token, sig, len);
	free(token);
	return t;
}

static void test_signature_forms(void)
{
	char *h = header_for("ES256", "ec256"), *p = claims_with(NULL, NULL);
	char *input = mint_input(h, p);
	unsigned char sig[1100];
	size_t n;

	mint_sign(ec256, "ES256", input, strlen(input), false, sig, &n);
	sig[64] = 0;
	expect(mint_join(input, sig, 65), AIG_JWT_ERR_SIGNATURE,
	       "ES256 signature of 65 bytes");
	expect(mint_join(input, sig, 63), AIG_JWT_ERR_SIGNATURE,
	       "ES256 signature of 63 bytes");
	expect(mint_join(input, sig, 64), AIG_OK, "ES256 raw r||s");
	mint_sign(ec256, "ES256", input, strlen(input), true, sig, &n);
	expect(mint_join(input, sig, n), AIG_JWT_ERR_SIGNATURE,
	       "ES256 signature in DER");
	free(input);
	free(h);
	input = mint_input("{\"alg\":\"RS256\",\"kid\":\"rsa1\"}", p);
	mint_sign(rsa1, "RS256", input, strlen(input), false, sig + 1, &n);
	expect(mint_join(input, sig + 1, 255), AIG_JWT_ERR_SIGNATURE,
	       "RS256 signature truncated to 255 bytes");
	sig[0] = 0;
	expect(mint_join(input, sig, 257), AIG_JWT_ERR_SIGNATURE,
	       "RS256 signature with a leading zero byte");
	sig[1] ^= 1;
	expect(mint_join(input, sig + 1, 256), AIG_JWT_ERR_SIGNATURE,
	       "RS256 signature with one bit flipped");
	expect(with_sig(tok(rsa1, "RS256", "rsa1"), sig, 0),
	       AIG_JWT_ERR_MALFORMED, "empty signature");
	free(input);
	free(p);
}

/* Replaces the character at offset `at` (negative: from the end). */
static char *poke(char *t, long at, char c)
{
	t[at < 0 ? (long)strlen(t) + at : at] = c;
	return t;
}

/* The last character with a non-zero unused low bit. */
static char *trailing_bits(char *t)
{
	size_t n = strlen(t);
	const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz01"
			"23456789-_";

	t[n - 1] = a[(strchr(a, t[n - 1]) - a) | 1];
	return t;
}

static void test_encoding(void)
{
	char *t = tok(rsa1, "RS256", "rsa1"), *big;

	expect(cat3(t, "==", ""), AIG_JWT_ERR_MALFORMED,
	       "signature with '=' padding");
	expect(trailing_bits(strdup(t)), AIG_JWT_ERR_MALFORMED,
	       "signature with non-zero unused bits");
	expect(poke(strdup(t), (long)(strchr(t, '.') - t) + 1, '+'),
	       AIG_JWT_ERR_MALFORMED, "'+' in the payload");
	expect(poke(strdup(t), 2, '/'), AIG_JWT_ERR_MALFORMED,
	       "'/' in the header");
	expect(cat3(t, "\n", ""), AIG_JWT_ERR_MALFORMED, "trailing newline");
	expect(cat3(" ", t, ""), AIG_JWT_ERR_MALFORMED, "leading space");
	expect(cat3(t, ".", ""), AIG_JWT_ERR_MALFORMED, "4 segments (empty)");
	expect(cat3(t, ".", "Zm9v"), AIG_JWT_ERR_MALFORMED, "4 segments");
	expect(cat3(t, ".Zm9v.", "Zm9v"), AIG_JWT_ERR_MALFORMED,
	       "5 segments (JWE-like)");
	*strrchr(t, '.') = '\0';
	expect(strdup(t), AIG_JWT_ERR_MALFORMED, "2 segments");
	*strrchr(t, '.') = '\0';
	expect(strdup(t), AIG_JWT_ERR_MALFORMED, "1 segment");
	expect(strdup(""), AIG_JWT_ERR_MALFORMED, "empty token");
	expect(strdup(".."), AIG_JWT_ERR_MALFORMED, "two dots only");
	free(t);
	big = malloc(100001);
	memset(big, 'A', 100000);
	big[100000] = '\0';
	t = cat3("eyJhbGciOiJSUzI1NiIsImtpZCI6InJzYTEifQ.", big, ".AAAA");
	expect(t, AIG_JWT_ERR_MALFORMED, "100 kB token");
	free(big);
}

/* Tokens either side of AIG_JWT_MAX_TOKEN, grown one payload byte at a
 * time: the last that fits verifies, the first over the cap does not. */
static void test_size_cap(void)
{
	char *val = malloc(AIG_JWT_MAX_TOKEN), *t = NULL, *prev = NULL;
	size_t len = (AIG_JWT_MAX_TOKEN - 600) * 3 / 4 - 200;

	for (;; len++) {
		memset(val, 'x', len + 2);
		val[0] = val[len + 1] = '"';
		val[len + 2] = '\0';
		t = tok_claim("pad", val);
		if (strlen(t) > AIG_JWT_MAX_TOKEN)
			break;
		free(prev);
		prev = t;
	}
	ok(prev != NULL && strlen(prev) > AIG_JWT_MAX_TOKEN - 4,
	   "(tokens of %zu and %zu bytes)", prev ? strlen(prev) : 0, strlen(t));
	expect(prev, AIG_OK, "a token at the size cap");
	expect(t, AIG_JWT_ERR_MALFORMED, "a token one byte over the cap");
	free(val);
}

/* Payload text exactly as given (not through jansson). */
static void expect_raw_payload(const char *payload, int want, const char *name)
{
	expect(tok_p(rsa1, "RS256", "rsa1", payload), want, name);
}

static void test_payload_json(void)
{
	char p[512];

	snprintf(p, sizeof(p),
		 "{\"iss\":\"%s\",\"aud\":\"aigate\",\"exp\":%lld,"
		 "\"exp\":%lld,\"email\":\"a@b\"}",
		 ISS, NOW + 600, NOW + 900);
	expect_raw_payload(p, AIG_JWT_ERR_CLAIMS, "duplicate exp");
	snprintf(p, sizeof(p),
		 "{\"iss\":\"%s\",\"aud\":\"aigate\",\"exp\":%lld,"
		 "\"email\":\"a@b\",\"email\":\"root\"}",
		 ISS, NOW + 600);
	expect_raw_payload(p, AIG_JWT_ERR_CLAIMS, "duplicate user claim");
	snprintf(p, sizeof(p),
		 "{\"iss\":\"%s\",\"aud\":\"aigate\",\"exp\":%lld,"
		 "\"email\":\"al\xc3\x28ice\"}",
		 ISS, NOW + 600);
	expect_raw_payload(p, AIG_JWT_ERR_CLAIMS, "invalid UTF-8 in payload");
	snprintf(p, sizeof(p),
		 "{\"iss\":\"%s\",\"aud\":\"aigate\",\"exp\":%lld,"
		 "\"email\":\"\xc0\xafroot\"}",
		 ISS, NOW + 600);
	expect_raw_payload(p, AIG_JWT_ERR_CLAIMS, "overlong UTF-8 in payload");
	expect_raw_payload("[1]", AIG_JWT_ERR_CLAIMS, "payload an array");
	expect_raw_payload("null", AIG_JWT_ERR_CLAIMS, "payload null");
	expect_raw_payload("", AIG_JWT_ERR_CLAIMS, "payload empty");
	expect_raw_payload("foo", AIG_JWT_ERR_CLAIMS, "payload not JSON");
}

static void test_times(void)
{
	char v[64];

	expect(tok_claim("exp", NULL), AIG_JWT_ERR_CLAIMS, "exp missing");
	expect(tok_claim("exp", "\"1700000600\""), AIG_JWT_ERR_CLAIMS,
	       "exp a string");
	expect(tok_claim("exp", "null"), AIG_JWT_ERR_CLAIMS, "exp null");
	snprintf(v, sizeof(v), "%lld", NOW - 61);
	expect(tok_claim("exp", v), AIG_JWT_ERR_EXPIRED, "exp 61 s ago");
	snprintf(v, sizeof(v), "%lld", NOW - 60);
	expect(tok_claim("exp", v), AIG_JWT_ERR_EXPIRED,
	       "exp exactly leeway ago");
	snprintf(v, sizeof(v), "%lld", NOW - 59);
	expect(tok_claim("exp", v), AIG_OK, "exp 59 s ago (leeway 60)");
	snprintf(v, sizeof(v), "%lld.5", NOW + 10);
	expect(tok_claim("exp", v), AIG_OK, "exp with a fraction");
	expect(tok_claim("exp", "1e300"), AIG_OK, "exp 1e300");
	expect(tok_claim("exp", "-1"), AIG_JWT_ERR_EXPIRED, "exp negative");
	snprintf(v, sizeof(v), "%lld", NOW + 61);
	expect(tok_claim("nbf", v), AIG_JWT_ERR_NOT_YET_VALID,
	       "nbf 61 s ahead");
	snprintf(v, sizeof(v), "%lld", NOW + 60);
	expect(tok_claim("nbf", v), AIG_OK, "nbf exactly leeway ahead");
	expect(tok_claim("nbf", "\"0\""), AIG_JWT_ERR_CLAIMS, "nbf a string");
	snprintf(v, sizeof(v), "%lld", NOW + 61);
	expect(tok_claim("iat", v), AIG_JWT_ERR_NOT_YET_VALID,
	       "iat 61 s ahead");
	snprintf(v, sizeof(v), "%lld", NOW + 60);
	expect(tok_claim("iat", v), AIG_OK, "iat exactly leeway ahead");
	expect(tok_claim("iat", "true"), AIG_JWT_ERR_CLAIMS, "iat a boolean");
	expect_at(&main_ctx, tok(rsa1, "RS256", "rsa1"), NOW + 660,
		  AIG_JWT_ERR_EXPIRED, "the time passed in is the one used");
}

static void test_iss_aud(void)
{
	static const struct {
		const char *key, *value;
		int rc;
	} cases[] = {
		{"iss", NULL, AIG_JWT_ERR_ISSUER},
		{"iss", "\"" ISS "/\"", AIG_JWT_ERR_ISSUER},
		{"iss", "\"HTTPS://idp.example/oidc\"", AIG_JWT_ERR_ISSUER},
		{"iss", "[\"" ISS "\"]", AIG_JWT_ERR_ISSUER},
		{"iss", "\"https://evil.example/oidc\"", AIG_JWT_ERR_ISSUER},
		{"aud", NULL, AIG_JWT_ERR_AUDIENCE},
		{"aud", "\"other\"", AIG_JWT_ERR_AUDIENCE},
		{"aud", "\"AIGATE\"", AIG_JWT_ERR_AUDIENCE},
		{"aud", "[\"x\", \"y\"]", AIG_JWT_ERR_AUDIENCE},
		{"aud", "[]", AIG_JWT_ERR_AUDIENCE},
		{"aud", "[1, \"aigate\"]", AIG_JWT_ERR_AUDIENCE},
		{"aud", "{\"aigate\": 1}", AIG_JWT_ERR_AUDIENCE},
		{"aud", "[\"x\", \"aigate-dev\"]", AIG_OK},
		{"aud", "\"aigate-dev\"", AIG_OK},
	};
	char many[1024] = "[";
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect(tok_claim(cases[i].key, cases[i].value), cases[i].rc,
		       cases[i].value ? cases[i].value : "(missing)");
	for (i = 0; i < AIG_JWT_MAX_AUD; i++)
		strcat(many, "\"x\",");
	strcat(many, "\"aigate\"]");
	expect(tok_claim("aud", many), AIG_JWT_ERR_AUDIENCE,
	       "aud with 65 entries");
}

static void test_user_groups(void)
{
	static const struct {
		const char *key, *value;
		int rc;
	} cases[] = {
		{"email", NULL, AIG_JWT_ERR_CLAIMS},
		{"email", "42", AIG_JWT_ERR_CLAIMS},
		{"email", "\"\"", AIG_JWT_ERR_CLAIMS},
		{"email", "[\"alice\"]", AIG_JWT_ERR_CLAIMS},
		{"email", "\"ali\\u0001ce\"", AIG_JWT_ERR_CLAIMS},
		{"email", "\"alice\\r\\nX-Aigate-User: root\"",
		 AIG_JWT_ERR_CLAIMS},
		{"email", "\"ali\\u007fce\"", AIG_JWT_ERR_CLAIMS},
		{"email", "\"ali\\u0085ce\"", AIG_JWT_ERR_CLAIMS},
		{"email", "\"\\u00e9lodie@example.com\"", AIG_OK},
		{"groups", NULL, AIG_OK},
		{"groups", "[]", AIG_OK},
		{"groups", "\"AI_Users\"", AIG_JWT_ERR_CLAIMS},
		{"groups", "null", AIG_JWT_ERR_CLAIMS},
		{"groups", "[1]", AIG_JWT_ERR_CLAIMS},
		{"groups", "[\"\"]", AIG_JWT_ERR_CLAIMS},
		{"groups", "[\"AI_Users,AI_Admins\"]", AIG_JWT_ERR_CLAIMS},
		{"groups", "[\"AI\\nAdmins\"]", AIG_JWT_ERR_CLAIMS},
	};
	char v[2048];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect(tok_claim(cases[i].key, cases[i].value), cases[i].rc,
		       cases[i].value ? cases[i].value : "(missing)");
	v[0] = '"';
	memset(v + 1, 'u', 256);
	strcpy(v + 257, "\"");
	expect(tok_claim("email", v), AIG_OK, "user of 256 bytes");
	strcpy(v + 257, "u\"");
	expect(tok_claim("email", v), AIG_JWT_ERR_CLAIMS, "user of 257 bytes");
	strcpy(v, "[");
	for (i = 0; i < AIG_JWT_MAX_GROUPS; i++)
		strcat(v, "\"g\",");
	strcat(v, "\"g\"]");
	expect(tok_claim("groups", v), AIG_JWT_ERR_CLAIMS, "257 groups");
}

static void test_groups_from_ldap(void)
{
	struct ctx c;
	struct aig_error err = {0};
	struct aig_jwt_identity *id = NULL;
	char *p = claims_with("groups", "\"not an array\"");
	char *t = tok_p(rsa1, "RS256", "rsa1", p);
	int rc;

	ctx_open(&c, "jwks.json", ALL_ALGS, ", \"groups_from_ldap\": true");
	rc = aig_jwt_verify(c.v, t, strlen(t), NOW, &id, &err);
	ok(rc == AIG_OK && id->groups.n == 0,
	   "groups_from_ldap: the groups claim is not read (%s)", err.msg);
	aig_jwt_identity_free(id);
	ctx_close(&c);
	free(t);
	free(p);
}

/* -------------------------------------------------------- the key file */

static char *jwks_with(const char *extra_kid)
{
	json_t *keys[3];

	keys[0] = mint_jwk(rsa1, "rsa1", NULL);
	keys[1] = mint_jwk(ec256, "ec256", NULL);
	if (extra_kid == NULL)
		return mint_jwks_text(keys, 2);
	keys[2] = mint_jwk(rsa2, extra_kid, NULL);
	return mint_jwks_text(keys, 3);
}

static void test_key_file(void)
{
	struct ctx c;
	char *text = jwks_with(NULL);

	aig_test_write_in(tmpdir, "rot.json", text, 0644);
	free(text);
	ctx_open(&c, "rot.json", ALL_ALGS, "");
	expect_at(&c, tok(rsa2, "RS256", "new"), NOW, AIG_JWT_ERR_UNKNOWN_KID,
		  "rotation: new kid not yet in the file");
	text = jwks_with("new");
	aig_test_write_in(tmpdir, "rot.json", text, 0644);
	free(text);
	expect_at(&c, tok(rsa2, "RS256", "new"), NOW, AIG_OK,
		  "rotation: the changed file is read again");
	aig_test_write_in(tmpdir, "rot.json", "{\"keys\": [", 0644);
	expect_at(&c, tok(rsa1, "RS256", "rsa1"), NOW, AIG_ERR_UNAVAILABLE,
		  "broken jwks_file: unavailable, not 401");
	aig_test_write_in(tmpdir, "rot.json", "{\"keys\": []}", 0666);
	expect_at(&c, tok(rsa1, "RS256", "rsa1"), NOW, AIG_ERR_UNAVAILABLE,
		  "world-writable jwks_file refused");
	ctx_close(&c);
	ctx_open(&c, "missing.json", ALL_ALGS, "");
	expect_at(&c, tok(rsa1, "RS256", "rsa1"), NOW, AIG_ERR_UNAVAILABLE,
		  "missing jwks_file: unavailable");
	ctx_close(&c);
}

/* A verifier remembers the tokens it accepted: the same bytes give the
 * same identity while the answer holds, and only then. */
static void test_seen_before(void)
{
	struct ctx c;
	char *text = jwks_with("seen"), *t = tok(rsa2, "RS256", "seen");
	char *forged = strdup(t), *sig_byte;

	aig_test_write_in(tmpdir, "seen.json", text, 0644);
	free(text);
	ctx_open(&c, "seen.json", ALL_ALGS, "");
	expect_at(&c, strdup(t), NOW, AIG_OK, "seen: first verification");
	expect_at(&c, strdup(t), NOW + 1, AIG_OK, "seen: the same token again");
	sig_byte = forged + strlen(forged) - 10;
	*sig_byte = *sig_byte == 'A' ? 'B' : 'A';
	expect_at(&c, forged, NOW + 2, AIG_JWT_ERR_SIGNATURE,
		  "seen: one byte of its signature changed is verified, and "
		  "refused");
	expect_at(&c, strdup(t), NOW - 3600, AIG_JWT_ERR_NOT_YET_VALID,
		  "seen: at a time before it was verified, checked again "
		  "(issued in the future)");
	expect_at(&c, strdup(t), NOW + 600 + 60, AIG_JWT_ERR_EXPIRED,
		  "seen: past exp + leeway it is expired, whatever was seen");
	expect_at(&c, strdup(t), NOW + 3, AIG_OK, "seen: accepted again");
	text = jwks_with(NULL);
	aig_test_write_in(tmpdir, "seen.json", text, 0644);
	free(text);
	expect_at(&c, strdup(t), NOW + 4, AIG_JWT_ERR_UNKNOWN_KID,
		  "seen: its key taken out of the set, it is refused at once");
	ctx_close(&c);
	free(t);
}

/* Every status the part can return, common ones included, has a name of
 * its own (not the catch-all "error", not another status's); numbers
 * outside the common range and the part's own have none. */
static void test_status_range(void)
{
	int v[AIG_STATUS_RANGE * 2], n = 0, i, j, bad = 0;

	for (i = AIG_OK; i < AIG_ERR__COMMON_MAX; i++)
		v[n++] = i;
	for (i = AIG_JWT_ERR_MALFORMED; i < AIG_JWT_ERR__MAX; i++)
		v[n++] = i;
	for (i = 0; i < n; i++) {
		bad += strcmp(aig_jwt_status_name(v[i]), "error") == 0;
		for (j = 0; j < i; j++)
			bad += strcmp(aig_jwt_status_name(v[i]),
				      aig_jwt_status_name(v[j])) == 0;
	}
	ok(bad == 0 && AIG_JWT_ERR_MALFORMED == AIG_JWT_STATUS_BASE,
	   "jwt: %d statuses from %d, each named once", n,
	   (int)AIG_JWT_STATUS_BASE);
	ok(strcmp(aig_jwt_status_name(AIG_ERR__COMMON_MAX), "error") == 0 &&
		   strcmp(aig_jwt_status_name(AIG_JWT_ERR__MAX), "error") ==
			   0 &&
		   strcmp(aig_jwt_status_name(AIG_HTTP_STATUS_BASE), "error") ==
			   0,
	   "jwt: no name outside its ranges");
}

static void test_status_names(void)
{
	int s, named = 0;

	for (s = AIG_JWT_ERR_MALFORMED; s < AIG_JWT_ERR__MAX; s++)
		named += strcmp(aig_jwt_status_name(s), "error") != 0 &&
			 aig_jwt_status_is_invalid_token(s);
	ok(named == AIG_JWT_ERR__MAX - AIG_JWT_ERR_MALFORMED,
	   "every token status has a name and means 401");
	ok(!aig_jwt_status_is_invalid_token(AIG_ERR_UNAVAILABLE) &&
		   !aig_jwt_status_is_invalid_token(AIG_OK) &&
		   !aig_jwt_status_is_invalid_token(AIG_ERR_NOMEM),
	   "unavailable, ok and out of memory are not 401");
	ok(aig_jwt_alg_from_name("none") < 0 &&
		   aig_jwt_alg_from_name("HS256") < 0 &&
		   aig_jwt_alg_from_name("ES512") < 0 &&
		   aig_jwt_alg_from_name("EdDSA") < 0 &&
		   aig_jwt_alg_from_name("ES256") == AIG_JWT_ES256,
	   "alg names");
}

/* ------------------------------------------------------------------ main */

static void write_key_files(void)
{
	json_t *keys[10];
	char *text;

	keys[0] = mint_jwk(rsa1, "rsa1", NULL);
	keys[1] = mint_jwk(rsa2, "rsa2", NULL);
	keys[2] = mint_jwk(ec256, "ec256", NULL);
	keys[3] = mint_jwk(ec384, "ec384", "ES384");
	keys[4] = mint_jwk(small, "small", NULL);
	keys[5] = mint_jwk(rsa1, "rsa1-rs256", "RS256");
	keys[6] = mint_jwk(rsa1, "dup", NULL);
	keys[7] = mint_jwk(ec256, "dup", NULL);
	keys[8] = mint_jwk(rsa1, "twin", NULL);
	keys[9] = mint_jwk(rsa2, "twin", NULL);
	text = mint_jwks_text(keys, 10);
	/* and one encryption key */
	text[strlen(text) - 2] = '\0';
	{
		json_t *enc =
			jwk_set(mint_jwk(rsa1, "enc", NULL), "use", "\"enc\"");
		char *e = json_dumps(enc, JSON_COMPACT), *all;

		all = cat3(text, ",", e);
		free(text);
		text = cat3(all, "]}", "");
		free(all);
		free(e);
		json_decref(enc);
	}
	aig_test_write_in(tmpdir, "jwks.json", text, 0644);
	free(text);
	keys[0] = mint_jwk(rsa1, "only", NULL);
	text = mint_jwks_text(keys, 1);
	aig_test_write_in(tmpdir, "one.json", text, 0644);
	free(text);
}

int main(void)
{
	aig_test_tmpdir(tmpdir);
	rsa1 = mint_rsa(2048);
	rsa2 = mint_rsa(2048);
	small = mint_rsa(1024);
	ec256 = mint_ec("P-256");
	ec384 = mint_ec("P-384");
	evil = mint_ec("P-256");
	write_key_files();
	ctx_open(&main_ctx, "jwks.json", ALL_ALGS, "");

	test_b64url();
	test_jwk();
	test_jwks_parse();
	test_valid();
	test_alg_attacks();
	test_key_confusion();
	test_embedded_keys();
	test_header_members();
	test_signature_forms();
	test_encoding();
	test_size_cap();
	test_payload_json();
	test_times();
	test_iss_aud();
	test_user_groups();
	test_groups_from_ldap();
	test_key_file();
	test_seen_before();
	test_status_names();
	test_status_range();

	ctx_close(&main_ctx);
	EVP_PKEY_free(rsa1);
	EVP_PKEY_free(rsa2);
	EVP_PKEY_free(small);
	EVP_PKEY_free(ec256);
	EVP_PKEY_free(ec384);
	EVP_PKEY_free(evil);
	return tap_done();
}
