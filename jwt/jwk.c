/* SPDX-License-Identifier: Apache-2.0 */
/* jwk.c - one JWK built into an OpenSSL key, and the one function that
 * verifies a signature with it. Keys are built once, when a JWK Set is
 * loaded; a verification then costs one EVP_DigestVerify. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "jwt_int.h"

struct aig_jwks_key {
	char *kid;	       /* NULL when absent */
	enum aig_jwks_kty kty; /* AIG_KTY_NONE when unusable */
	int alg;	       /* the JWK's "alg", or -1 */
	const char *unusable;  /* static reason, NULL when usable */
	EVP_PKEY *pkey;	       /* NULL when unusable */
	size_t sig_len;	       /* the exact signature length */
};

/* ------------------------------------------------------------ algorithms */

static const struct alg_info {
	const char *name;
	const char *md; /* OpenSSL digest name */
	int hash_len;
	enum aig_jwks_kty kty;
	int padding; /* RSA padding; 0 for ECDSA */
} alg_table[AIG_JWT_ALG__MAX] = {
	[AIG_JWT_RS256] = {"RS256", "SHA256", 32, AIG_KTY_RSA,
			   RSA_PKCS1_PADDING},
	[AIG_JWT_RS384] = {"RS384", "SHA384", 48, AIG_KTY_RSA,
			   RSA_PKCS1_PADDING},
	[AIG_JWT_RS512] = {"RS512", "SHA512", 64, AIG_KTY_RSA,
			   RSA_PKCS1_PADDING},
	[AIG_JWT_PS256] = {"PS256", "SHA256", 32, AIG_KTY_RSA,
			   RSA_PKCS1_PSS_PADDING},
	[AIG_JWT_PS384] = {"PS384", "SHA384", 48, AIG_KTY_RSA,
			   RSA_PKCS1_PSS_PADDING},
	[AIG_JWT_PS512] = {"PS512", "SHA512", 64, AIG_KTY_RSA,
			   RSA_PKCS1_PSS_PADDING},
	[AIG_JWT_ES256] = {"ES256", "SHA256", 32, AIG_KTY_EC_P256, 0},
	[AIG_JWT_ES384] = {"ES384", "SHA384", 48, AIG_KTY_EC_P384, 0},
};

int aig_jwt_alg_from_name(const char *name)
{
	int i;

	for (i = 0; name != NULL && i < AIG_JWT_ALG__MAX; i++)
		if (strcmp(name, alg_table[i].name) == 0)
			return i;
	return -1;
}

const char *aig_jwt_alg_name(int alg)
{
	return alg >= 0 && alg < AIG_JWT_ALG__MAX ? alg_table[alg].name : "?";
}

int aig_jwt_algs_from_names(const struct aig_strv *names, unsigned *algs,
			    struct aig_error *err)
{
	size_t i;
	int alg;

	*algs = 0;
	for (i = 0; i < names->n; i++) {
		alg = aig_jwt_alg_from_name(names->v[i]);
		if (alg < 0)
			return aig_error_set(err, AIG_ERR_CONFIG,
					     "jwt.algorithms: %s is not "
					     "supported",
					     names->v[i]);
		*algs |= AIG_JWT_ALG_BIT(alg);
	}
	return AIG_OK;
}

/* ---------------------------------------------------- checking a JWK */

static const char *kty_name(enum aig_jwks_kty kty)
{
	switch (kty) {
	case AIG_KTY_RSA: return "an RSA key";
	case AIG_KTY_EC_P256: return "a P-256 key";
	case AIG_KTY_EC_P384: return "a P-384 key";
	default: return "an unusable key";
	}
}

/* The kind of key kty/crv describe, or a reason in *why. */
static enum aig_jwks_kty jwk_kty(const json_t *jwk, const char **why)
{
	const char *kty = json_string_value(json_object_get(jwk, "kty"));
	const char *crv = json_string_value(json_object_get(jwk, "crv"));

	if (kty == NULL)
		return *why = "kty missing or not a string", AIG_KTY_NONE;
	if (strcmp(kty, "RSA") == 0)
		return AIG_KTY_RSA;
	if (strcmp(kty, "EC") != 0)
		return *why = "kty is neither RSA nor EC", AIG_KTY_NONE;
	if (crv != NULL && strcmp(crv, "P-256") == 0)
		return AIG_KTY_EC_P256;
	if (crv != NULL && strcmp(crv, "P-384") == 0)
		return AIG_KTY_EC_P384;
	return *why = "crv is neither P-256 nor P-384", AIG_KTY_NONE;
}

/* "key_ops", when present, must be an array of strings with "verify". */
static bool key_ops_allow_verify(const json_t *ops)
{
	size_t i;
	json_t *op;
	bool verify = false;

	if (!json_is_array(ops))
		return false;
	json_array_foreach (ops, i, op) {
		if (!json_is_string(op))
			return false;
		if (strcmp(json_string_value(op), "verify") == 0)
			verify = true;
	}
	return verify;
}

/* Members of a private JWK: a set that publishes one is broken. */
static bool has_private_parts(const json_t *jwk)
{
	static const char *const priv[] = {"d",	 "p",	"q", "dp", "dq",
					   "qi", "oth", "k", NULL};
	size_t i;

	for (i = 0; priv[i] != NULL; i++)
		if (json_object_get(jwk, priv[i]) != NULL)
			return true;
	return false;
}

/* use, key_ops, alg and private members; NULL when they allow use. */
static const char *jwk_policy(const json_t *jwk, enum aig_jwks_kty kty,
			      int *alg)
{
	const json_t *use = json_object_get(jwk, "use");
	const json_t *ops = json_object_get(jwk, "key_ops");
	const json_t *jalg = json_object_get(jwk, "alg");

	if (use != NULL && (!json_is_string(use) ||
			    strcmp(json_string_value(use), "sig") != 0))
		return "use is not \"sig\"";
	if (ops != NULL && !key_ops_allow_verify(ops))
		return "key_ops does not allow \"verify\"";
	if (has_private_parts(jwk))
		return "the JWK Set publishes its private part";
	if (jalg == NULL)
		return NULL;
	*alg = aig_jwt_alg_from_name(json_string_value(jalg));
	if (*alg < 0)
		return "alg is not an algorithm we support";
	if (alg_table[*alg].kty != kty)
		return "alg does not fit kty/crv";
	return NULL;
}

/* Decodes the string member `name` of jwk into out (at most cap bytes). */
static bool member_b64(const json_t *jwk, const char *name, unsigned char *out,
		       size_t cap, size_t *outlen)
{
	const json_t *v = json_object_get(jwk, name);

	return json_is_string(v) &&
	       aig_jwt_b64url_decode(json_string_value(v),
				     json_string_length(v), out, cap, outlen);
}

/* ----------------------------------------------------- building a key */

/* Builds a public key of `type` ("RSA", "EC") from params. NULL when
 * OpenSSL refuses the values (or runs out of memory). */
static EVP_PKEY *pkey_fromdata(const char *type, OSSL_PARAM *params)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *pkey = NULL;

	if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

/* n and e: n odd, 2048 to 8192 bits; e odd, > 1, at most 64 bits. */
static const char *rsa_values(const json_t *jwk, BIGNUM **n, BIGNUM **e)
{
	unsigned char nb[AIG_JWT_RSA_MAX_BITS / 8 + 1], eb[16];
	size_t nlen, elen;
	int bits;

	if (!member_b64(jwk, "n", nb, sizeof(nb), &nlen) ||
	    !member_b64(jwk, "e", eb, sizeof(eb), &elen))
		return "n or e missing, not base64url, or too long";
	*n = BN_bin2bn(nb, (int)nlen, NULL);
	*e = BN_bin2bn(eb, (int)elen, NULL);
	if (*n == NULL || *e == NULL)
		return "out of memory";
	bits = BN_num_bits(*n);
	if (bits < AIG_JWT_RSA_MIN_BITS)
		return "RSA modulus under 2048 bits";
	if (bits > AIG_JWT_RSA_MAX_BITS)
		return "RSA modulus over 8192 bits";
	if (!BN_is_odd(*n) || !BN_is_odd(*e) || BN_is_one(*e) ||
	    BN_num_bits(*e) > 64)
		return "RSA n or e is not a valid public key";
	return NULL;
}

static const char *build_rsa(const json_t *jwk, struct aig_jwks_key *key)
{
	BIGNUM *n = NULL, *e = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	const char *why = rsa_values(jwk, &n, &e);

	if (why != NULL)
		goto out;
	why = "OpenSSL refused the RSA key";
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	if (params == NULL ||
	    (key->pkey = pkey_fromdata("RSA", params)) == NULL)
		goto out;
	key->sig_len = (size_t)(BN_num_bits(n) + 7) / 8;
	why = NULL;
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(e);
	BN_free(n);
	return why;
}

/* True when OpenSSL's own public-key check passes (point on the curve,
 * not at infinity, of the right order). */
static bool ec_point_ok(EVP_PKEY *pkey)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	bool ok = ctx != NULL && EVP_PKEY_public_check(ctx) == 1;

	EVP_PKEY_CTX_free(ctx);
	return ok;
}

/* x and y must be exactly the field size (RFC 7518 §6.2.1.2). */
static const char *build_ec(const json_t *jwk, struct aig_jwks_key *key,
			    enum aig_jwks_kty kty)
{
	size_t coord = kty == AIG_KTY_EC_P256 ? 32 : 48, xl, yl;
	unsigned char pt[1 + 2 * 48];
	char group[8];
	OSSL_PARAM params[3];

	if (!member_b64(jwk, "x", pt + 1, coord, &xl) ||
	    !member_b64(jwk, "y", pt + 1 + coord, coord, &yl) || xl != coord ||
	    yl != coord)
		return "EC x or y missing, not base64url, or not the curve's "
		       "size";
	pt[0] = POINT_CONVERSION_UNCOMPRESSED;
	strcpy(group, kty == AIG_KTY_EC_P256 ? "P-256" : "P-384");
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						     group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
						      pt, 1 + 2 * coord);
	params[2] = OSSL_PARAM_construct_end();
	key->pkey = pkey_fromdata("EC", params);
	if (key->pkey == NULL || !ec_point_ok(key->pkey))
		return "EC x, y is not a point of the curve";
	key->sig_len = 2 * coord;
	return NULL;
}

/* kid: absent, or a string of 1 to AIG_JWT_MAX_KID bytes. */
static int jwk_kid(const json_t *jwk, struct aig_jwks_key *key,
		   struct aig_error *err)
{
	const json_t *kid = json_object_get(jwk, "kid");
	size_t len = json_string_length(kid);

	if (kid == NULL)
		return AIG_OK;
	if (!json_is_string(kid) || len == 0 || len > AIG_JWT_MAX_KID) {
		key->unusable = "kid is not a string of 1 to 256 bytes";
		return AIG_OK;
	}
	key->kid = strdup(json_string_value(kid));
	if (key->kid == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	return AIG_OK;
}

/* Builds the key, or records why it cannot be used. */
static void jwk_build(const json_t *jwk, struct aig_jwks_key *key)
{
	enum aig_jwks_kty kty = jwk_kty(jwk, &key->unusable);

	if (kty == AIG_KTY_NONE)
		return;
	key->unusable = jwk_policy(jwk, kty, &key->alg);
	if (key->unusable == NULL)
		key->unusable = kty == AIG_KTY_RSA ? build_rsa(jwk, key)
						   : build_ec(jwk, key, kty);
	if (key->unusable == NULL) {
		key->kty = kty;
	} else {
		EVP_PKEY_free(key->pkey);
		key->pkey = NULL;
	}
	ERR_clear_error();
}

int aig_jwks_key_from_json(const json_t *jwk, struct aig_jwks_key **out,
			   struct aig_error *err)
{
	struct aig_jwks_key *key = NULL;
	int rc;

	*out = NULL;
	if (!json_is_object(jwk))
		return aig_error_set(err, AIG_ERR_INVALID,
				     "a JWK is not a JSON object");
	key = calloc(1, sizeof(*key));
	if (key == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	key->alg = -1;
	rc = jwk_kid(jwk, key, err);
	if (rc != AIG_OK) {
		aig_jwks_key_free(key);
		return rc;
	}
	if (key->unusable == NULL)
		jwk_build(jwk, key);
	*out = key;
	return AIG_OK;
}

void aig_jwks_key_free(struct aig_jwks_key *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);
	free(key->kid);
	free(key);
}

const char *aig_jwks_key_kid(const struct aig_jwks_key *key)
{
	return key->kid;
}

const char *aig_jwks_key_unusable(const struct aig_jwks_key *key)
{
	return key->unusable;
}

/* ------------------------------------------------------------ verifying */

int aig_jwks_key_check_alg(const struct aig_jwks_key *key, int alg,
			   struct aig_error *err)
{
	char kid[80];

	aig_log_escape_str(kid, sizeof(kid), key->kid);
	if (alg < 0 || alg >= AIG_JWT_ALG__MAX)
		return aig_error_set(err, AIG_ERR_INVALID, "no such alg %d",
				     alg);
	if (key->unusable != NULL)
		return aig_error_set(err, AIG_JWT_ERR_KEY,
				     "key \"%s\" is unusable: %s", kid,
				     key->unusable);
	if (alg_table[alg].kty != key->kty)
		return aig_error_set(err, AIG_JWT_ERR_KEY,
				     "key \"%s\" is %s, not a key for %s", kid,
				     kty_name(key->kty), alg_table[alg].name);
	if (key->alg >= 0 && key->alg != alg)
		return aig_error_set(
			err, AIG_JWT_ERR_KEY, "key \"%s\" is for %s, not %s",
			kid, alg_table[key->alg].name, alg_table[alg].name);
	return AIG_OK;
}

/* Raw r||s (RFC 7518 §3.4) to the DER form OpenSSL verifies. *der is
 * allocated by OpenSSL: OPENSSL_free() it. */
static int ecdsa_der(const unsigned char *sig, size_t siglen,
		     unsigned char **der, size_t *derlen, struct aig_error *err)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, (int)(siglen / 2), NULL);
	BIGNUM *s = BN_bin2bn(sig + siglen / 2, (int)(siglen / 2), NULL);
	int n, rc = AIG_OK;

	if (es == NULL || r == NULL || s == NULL ||
	    ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
		goto out;
	}
	*der = NULL;
	n = i2d_ECDSA_SIG(es, der);
	if (n <= 0) {
		rc = aig_error_set(err, AIG_ERR_INTERNAL,
				   "cannot encode an ECDSA signature");
		goto out;
	}
	*derlen = (size_t)n;
out:
	ECDSA_SIG_free(es);
	return rc;
}

/* PKCS#1 v1.5 for RS*; PSS with MGF1 on the same hash and a salt of the
 * hash's length for PS* (RFC 7518 §3.5): never OpenSSL's "auto". */
static bool set_padding(EVP_PKEY_CTX *pctx, const struct alg_info *a)
{
	if (a->padding == 0)
		return true;
	if (EVP_PKEY_CTX_set_rsa_padding(pctx, a->padding) <= 0)
		return false;
	if (a->padding != RSA_PKCS1_PSS_PADDING)
		return true;
	return EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, a->md, NULL) > 0 &&
	       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, a->hash_len) > 0;
}

static int digest_verify(EVP_PKEY *pkey, const struct alg_info *a,
			 const void *msg, size_t msglen,
			 const unsigned char *sig, size_t siglen,
			 struct aig_error *err)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int rc;

	if (md == NULL) {
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (EVP_DigestVerifyInit_ex(md, &pctx, a->md, NULL, NULL, pkey, NULL) !=
		    1 ||
	    !set_padding(pctx, a)) {
		rc = aig_error_set(err, AIG_ERR_INTERNAL,
				   "OpenSSL cannot set up %s", a->name);
		goto out;
	}
	if (EVP_DigestVerify(md, sig, siglen, msg, msglen) == 1)
		rc = AIG_OK;
	else
		rc = aig_error_set(err, AIG_JWT_ERR_SIGNATURE,
				   "%s signature does not verify", a->name);
out:
	ERR_clear_error();
	EVP_MD_CTX_free(md);
	return rc;
}

int aig_jwt_verify_signature(const struct aig_jwks_key *key, int alg,
			     const void *msg, size_t msglen,
			     const unsigned char *sig, size_t siglen,
			     struct aig_error *err)
{
	unsigned char *der = NULL;
	size_t derlen = 0;
	int rc = aig_jwks_key_check_alg(key, alg, err);

	if (rc != AIG_OK)
		return rc;
	if (siglen != key->sig_len)
		return aig_error_set(err, AIG_JWT_ERR_SIGNATURE,
				     "%s signature is %zu bytes, not %zu",
				     alg_table[alg].name, siglen, key->sig_len);
	if (key->kty == AIG_KTY_RSA)
		return digest_verify(key->pkey, &alg_table[alg], msg, msglen,
				     sig, siglen, err);
	rc = ecdsa_der(sig, siglen, &der, &derlen, err);
	if (rc == AIG_OK)
		rc = digest_verify(key->pkey, &alg_table[alg], msg, msglen, der,
				   derlen, err);
	OPENSSL_free(der);
	return rc;
}

int aig_jwks_key_from_p256(const unsigned char *point, size_t len,
			   const char *kid, struct aig_jwks_key **out,
			   struct aig_error *err)
{
	struct aig_jwks_key *key = calloc(1, sizeof(*key));
	unsigned char pt[65];
	char group[] = "P-256";
	OSSL_PARAM params[3];

	*out = NULL;
	if (key == NULL || (kid != NULL && (key->kid = strdup(kid)) == NULL)) {
		aig_jwks_key_free(key);
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	}
	key->alg = AIG_JWT_ES256;
	if (len != sizeof(pt) || point[0] != POINT_CONVERSION_UNCOMPRESSED) {
		aig_jwks_key_free(key);
		return aig_error_set(err, AIG_ERR_INVALID,
				     "not an uncompressed P-256 point");
	}
	memcpy(pt, point, len);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						     group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
						      pt, sizeof(pt));
	params[2] = OSSL_PARAM_construct_end();
	key->pkey = pkey_fromdata("EC", params);
	if (key->pkey == NULL || !ec_point_ok(key->pkey)) {
		aig_jwks_key_free(key);
		return aig_error_set(err, AIG_ERR_INVALID,
				     "not a point of P-256");
	}
	key->kty = AIG_KTY_EC_P256;
	key->sig_len = 64;
	*out = key;
	return AIG_OK;
}
