/* SPDX-License-Identifier: Apache-2.0 */
/* test_jwt_wycheproof.c - Project Wycheproof's vectors (Apache-2.0, copied
 * into tests/data/wycheproof with their LICENSE) through the verifier:
 *  - every vector of json_web_signature_test.json through
 *    aig_jwt_verify_jws() with every algorithm allowed: "valid" must
 *    verify, "invalid" must be refused, "acceptable" may go either way.
 *    Vectors whose alg we never accept (HS256, ES512, none) are not
 *    skipped: each is checked to be refused with "alg not allowed" (or
 *    "malformed" when its form is broken first). One deliberate
 *    difference is checked too: RFC 7520's PS384 example is signed with
 *    a key whose JWK says "alg": "PS256"; we refuse a key used for an alg
 *    other than its own (AIG_JWT_ERR_KEY), and show that the same token
 *    verifies once the key's alg member is removed;
 *  - the raw RSA PKCS#1 (2048, SHA-256), RSA-PSS (2048, SHA-256, MGF1,
 *    salt 32) and ECDSA P-256/P-384 P1363 vectors through
 *    aig_jwt_verify_signature(), the function the JWS path calls, with
 *    keys built from the vectors' JWKs by aig_jwks_key_from_json() (a
 *    few ECDSA groups carry no JWK: one is made from the uncompressed
 *    point they give). One known difference there: a "valid" ECDSA
 *    vector flagged PointDuplication (u1*G equal to u2*Q, which takes a
 *    key made for it) is refused by Nettle 3.8, whose verify adds the
 *    two points without a doubling case. That fails closed (401, never
 *    an acceptance) and an honest signer meets it with probability about
 *    2^-256; such a vector must verify or be refused as a bad signature,
 *    nothing else. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aig_jwt.h"
#include "jwt_mint.h"
#include "aig_test.h"

static int n_valid, n_invalid, n_acceptable, n_never, n_deviation;

static json_t *load(const char *name)
{
	const char *top = getenv("top_srcdir");
	char path[1024];
	json_error_t jerr;
	json_t *root;

	snprintf(path, sizeof(path), "%s/tests/data/wycheproof/%s",
		 top != NULL ? top : ".", name);
	root = json_load_file(path, 0, &jerr);
	if (root == NULL) {
		printf("Bail out! %s: %s\n", path, jerr.text);
		exit(99);
	}
	return root;
}

/* The "alg" of a compact token's header, decoded; "" if there is none. */
static void header_alg(const char *token, char *alg, size_t algsz)
{
	unsigned char h[1024];
	size_t n = strcspn(token, "."), hn;
	json_t *j;

	alg[0] = '\0';
	if (!aig_jwt_b64url_decode(token, n, h, sizeof(h) - 1, &hn))
		return;
	j = json_loadb((const char *)h, hn, 0, NULL);
	snprintf(alg, algsz, "%s",
		 json_string_value(json_object_get(j, "alg"))
			 ? json_string_value(json_object_get(j, "alg"))
			 : "");
	json_decref(j);
}

static struct aig_jwks *jwks_of(const json_t *jwk)
{
	json_t *root = json_pack("{s:[O]}", "keys", jwk);
	struct aig_jwks *jwks = NULL;
	struct aig_error err = {0};

	if (aig_jwks_from_json(root, &jwks, &err) != AIG_OK) {
		printf("Bail out! JWKS: %s\n", err.msg);
		exit(99);
	}
	json_decref(root);
	return jwks;
}

static int verify(const json_t *jwk, const char *token, struct aig_error *e)
{
	struct aig_jwks *jwks = jwks_of(jwk);
	int rc;

	aig_error_clear(e);
	rc = aig_jwt_verify_jws(jwks, AIG_JWT_ALGS_ALL, token, strlen(token),
				NULL, NULL, e);
	aig_jwks_free(jwks);
	return rc;
}

/* RFC 7520 §4.3 (Figure 20): the key says PS256, the token PS384. */
static void check_key_alg_deviation(const json_t *jwk, const char *token,
				    const char *id, int rc, const char *alg)
{
	const char *kalg = json_string_value(json_object_get(jwk, "alg"));
	json_t *bare = json_deep_copy(jwk);
	struct aig_error err = {0};
	int rc2;

	json_object_del(bare, "alg");
	rc2 = verify(bare, token, &err);
	ok(rc == AIG_JWT_ERR_KEY && kalg != NULL && strcmp(kalg, alg) != 0 &&
		   rc2 == AIG_OK,
	   "JWS tc %s: valid, refused on purpose: the key's alg %s is not "
	   "%s; verifies without it (%s)",
	   id, kalg ? kalg : "-", alg, err.msg);
	n_deviation++;
	json_decref(bare);
}

/* tcId is a string in some files and a number in others. */
static const char *tc_id(const json_t *t, char *buf, size_t len)
{
	const json_t *id = json_object_get(t, "tcId");

	if (json_is_string(id))
		snprintf(buf, len, "%s", json_string_value(id));
	else
		snprintf(buf, len, "%lld", (long long)json_integer_value(id));
	return buf;
}

static void jws_vector(const json_t *jwk, bool hmac, const json_t *t)
{
	char idbuf[32];
	const char *id = tc_id(t, idbuf, sizeof(idbuf));
	const char *result = json_string_value(json_object_get(t, "result"));
	const json_t *jws = json_object_get(t, "jws");
	char *token = json_is_string(jws) ? strdup(json_string_value(jws))
					  : json_dumps(jws, JSON_COMPACT);
	char alg[64];
	struct aig_error err = {0};
	int rc = verify(jwk, token, &err);

	header_alg(token, alg, sizeof(alg));
	if (hmac || (alg[0] != '\0' && aig_jwt_alg_from_name(alg) < 0)) {
		ok(rc == AIG_JWT_ERR_ALG || rc == AIG_JWT_ERR_MALFORMED,
		   "JWS tc %s: %s, %s is never ours: refused as %s (%s)", id,
		   result, hmac ? "HMAC" : alg, aig_jwt_status_name(rc),
		   err.msg);
		n_never++;
	} else if (strcmp(result, "valid") == 0 && rc == AIG_JWT_ERR_KEY) {
		check_key_alg_deviation(jwk, token, id, rc, alg);
	} else if (strcmp(result, "valid") == 0) {
		ok(rc == AIG_OK, "JWS tc %s: valid %s verifies (%s)", id, alg,
		   err.msg);
		n_valid++;
	} else if (strcmp(result, "invalid") == 0) {
		ok(rc != AIG_OK, "JWS tc %s: invalid refused as %s (%s)", id,
		   aig_jwt_status_name(rc), err.msg);
		n_invalid++;
	} else {
		ok(1, "JWS tc %s: acceptable, %s", id, aig_jwt_status_name(rc));
		n_acceptable++;
	}
	free(token);
}

static void test_jws_file(void)
{
	json_t *root = load("json_web_signature_test.json"), *g, *t;
	size_t i, j, total = 0;

	json_array_foreach (json_object_get(root, "testGroups"), i, g) {
		/* HMAC groups have no public key: hand the verifier the
		 * symmetric key itself, which it must not use. */
		const json_t *jwk = json_object_get(g, "public");
		bool hmac = jwk == NULL;

		if (hmac)
			jwk = json_object_get(g, "private");
		json_array_foreach (json_object_get(g, "tests"), j, t) {
			jws_vector(jwk, hmac, t);
			total++;
		}
	}
	ok(total == (size_t)json_integer_value(
			    json_object_get(root, "numberOfTests")),
	   "JWS: all %zu vectors checked: %d valid verified, %d invalid "
	   "refused, %d acceptable, %d with an alg never ours refused, %d "
	   "deliberate difference",
	   total, n_valid, n_invalid, n_acceptable, n_never, n_deviation);
	json_decref(root);
}

/* ------------------------------------------------------- raw signatures */

static size_t unhex(const char *hex, unsigned char *out, size_t cap)
{
	size_t n = strlen(hex) / 2, i;
	unsigned v;

	if (n > cap)
		abort();
	for (i = 0; i < n; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			abort();
		out[i] = (unsigned char)v;
	}
	return n;
}

struct raw_file {
	const char *name;
	int alg;
	const char *jwk_member;
};

/* Whether the vector t carries flag. */
static bool has_flag(const json_t *t, const char *flag)
{
	const json_t *f;
	size_t i;

	json_array_foreach (json_object_get(t, "flags"), i, f)
		if (json_is_string(f) &&
		    strcmp(json_string_value(f), flag) == 0)
			return true;
	return false;
}

static int raw_vector(const struct aig_jwks_key *key, int alg, const json_t *t,
		      const char *file)
{
	static unsigned char msg[8192], sig[2048];
	const char *result = json_string_value(json_object_get(t, "result"));
	size_t mlen = unhex(json_string_value(json_object_get(t, "msg")), msg,
			    sizeof(msg));
	size_t slen = unhex(json_string_value(json_object_get(t, "sig")), sig,
			    sizeof(sig));
	struct aig_error err = {0};
	int rc = aig_jwt_verify_signature(key, alg, msg, mlen, sig, slen, &err);
	char id[32];

	tc_id(t, id, sizeof(id));
	if (strcmp(result, "valid") == 0 && has_flag(t, "PointDuplication"))
		ok(rc == AIG_OK || rc == AIG_JWT_ERR_SIGNATURE,
		   "%s tc %s: valid, point duplication: verified or refused "
		   "as a bad signature (%s)",
		   file, id, aig_jwt_status_name(rc));
	else if (strcmp(result, "valid") == 0)
		ok(rc == AIG_OK, "%s tc %s: valid verifies (%s)", file, id,
		   err.msg);
	else if (strcmp(result, "invalid") == 0)
		ok(rc != AIG_OK, "%s tc %s: invalid refused as %s", file, id,
		   aig_jwt_status_name(rc));
	else
		ok(1, "%s tc %s: acceptable, %s", file, id,
		   aig_jwt_status_name(rc));
	return 1;
}

/* The group's JWK, or one made from publicKey.uncompressed (04||x||y). */
static json_t *group_jwk(const json_t *g, const char *member)
{
	const json_t *pk = json_object_get(g, "publicKey");
	const char *curve = json_string_value(json_object_get(pk, "curve"));
	unsigned char pt[200];
	size_t n, c;
	char *x, *y;
	json_t *jwk;

	if (json_object_get(g, member) != NULL)
		return json_incref(json_object_get(g, member));
	n = unhex(json_string_value(json_object_get(pk, "uncompressed")), pt,
		  sizeof(pt));
	c = (n - 1) / 2;
	x = mint_b64url(pt + 1, c);
	y = mint_b64url(pt + 1 + c, c);
	jwk = json_pack("{s:s, s:s, s:s, s:s}", "kty", "EC", "crv",
			strcmp(curve, "secp256r1") == 0 ? "P-256" : "P-384",
			"x", x, "y", y);
	free(x);
	free(y);
	return jwk;
}

static void test_raw_file(const struct raw_file *f)
{
	json_t *root = load(f->name), *g, *t;
	struct aig_jwks_key *key = NULL;
	struct aig_error err = {0};
	size_t i, j;
	int total = 0;

	json_array_foreach (json_object_get(root, "testGroups"), i, g) {
		json_t *jwk = group_jwk(g, f->jwk_member);
		int rc = aig_jwks_key_from_json(jwk, &key, &err);

		json_decref(jwk);
		if (rc != AIG_OK || aig_jwks_key_unusable(key) != NULL) {
			ok(0, "%s group %zu: key not built: %s %s", f->name, i,
			   err.msg, key ? aig_jwks_key_unusable(key) : "");
			aig_jwks_key_free(key);
			continue;
		}
		json_array_foreach (json_object_get(g, "tests"), j, t)
			total += raw_vector(key, f->alg, t, f->name);
		aig_jwks_key_free(key);
	}
	ok(total == json_integer_value(json_object_get(root, "numberOfTests")),
	   "%s: all %d vectors checked", f->name, total);
	json_decref(root);
}

/* The PSS file's parameters are the ones PS256 uses. */
static void check_pss_params(void)
{
	json_t *root = load("rsa_pss_2048_sha256_mgf1_32_test.json"), *g;
	size_t i;
	int good = 0;

	json_array_foreach (json_object_get(root, "testGroups"), i, g)
		good += json_integer_value(json_object_get(g, "sLen")) == 32 &&
			strcmp(json_string_value(json_object_get(g, "mgfSha")),
			       "SHA-256") == 0 &&
			strcmp(json_string_value(json_object_get(g, "sha")),
			       "SHA-256") == 0;
	ok(good == (int)json_array_size(json_object_get(root, "testGroups")),
	   "RSA-PSS vectors use SHA-256, MGF1-SHA-256, salt 32: PS256");
	json_decref(root);
}

int main(void)
{
	static const struct raw_file raw[] = {
		{"rsa_signature_2048_sha256_test.json", AIG_JWT_RS256,
		 "keyJwk"},
		{"rsa_pss_2048_sha256_mgf1_32_test.json", AIG_JWT_PS256,
		 "publicKeyJwk"},
		{"ecdsa_secp256r1_sha256_p1363_test.json", AIG_JWT_ES256,
		 "publicKeyJwk"},
		{"ecdsa_secp384r1_sha384_p1363_test.json", AIG_JWT_ES384,
		 "publicKeyJwk"},
	};
	size_t i;

	test_jws_file();
	check_pss_params();
	for (i = 0; i < sizeof(raw) / sizeof(raw[0]); i++)
		test_raw_file(&raw[i]);
	return tap_done();
}
