/* SPDX-License-Identifier: Apache-2.0 */
/* jwk.c - one JWK built into a Nettle public key, and the one function
 * that verifies a signature with it. Keys are built once, when a JWK Set
 * is loaded; a verification then costs one hash and one Nettle verify.
 *
 * Nettle (hogweed), not OpenSSL: a one-request CGI process that verifies
 * a token with OpenSSL 3 pays its library start-up (provider and name-map
 * set-up), about 1.5 ms here, for one public-key operation of 0.05 ms
 * (docs/performance.md). Nettle has no start-up. OpenSSL stays the
 * library of TLS (http/), where a handshake dwarfs it.
 *
 * Nettle's big numbers are GMP's, whose allocation aborts the process on
 * exhaustion rather than returning: a key or signature here is at most
 * 8192 bits, so that is a few hundred bytes. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gmp.h>
#include <nettle/bignum.h>
#include <nettle/dsa.h>
#include <nettle/ecc-curve.h>
#include <nettle/ecc.h>
#include <nettle/ecdsa.h>
#include <nettle/rsa.h>
#include <nettle/sha2.h>

#include "jwt_int.h"

struct aig_jwks_key {
	char *kid;	       /* NULL when absent */
	enum aig_jwks_kty kty; /* AIG_KTY_NONE when unusable */
	int alg;	       /* the JWK's "alg", or -1 */
	const char *unusable;  /* static reason, NULL when usable */
	/* which of rsa and ec was initialised (and must be cleared): set
	 * as soon as it is, whether or not the key turned out usable */
	enum aig_jwks_kty made;
	struct rsa_public_key rsa; /* made == AIG_KTY_RSA */
	struct ecc_point ec;	   /* made == AIG_KTY_EC_* */
	size_t sig_len;		   /* the exact signature length */
};

/* ------------------------------------------------------------ algorithms */

enum hash { SHA256, SHA384, SHA512 };
enum scheme { PKCS1, PSS, ECDSA };

static const struct alg_info {
	const char *name;
	enum hash hash;
	size_t hash_len;
	enum aig_jwks_kty kty;
	enum scheme scheme;
} alg_table[AIG_JWT_ALG__MAX] = {
	[AIG_JWT_RS256] = {"RS256", SHA256, 32, AIG_KTY_RSA, PKCS1},
	[AIG_JWT_RS384] = {"RS384", SHA384, 48, AIG_KTY_RSA, PKCS1},
	[AIG_JWT_RS512] = {"RS512", SHA512, 64, AIG_KTY_RSA, PKCS1},
	[AIG_JWT_PS256] = {"PS256", SHA256, 32, AIG_KTY_RSA, PSS},
	[AIG_JWT_PS384] = {"PS384", SHA384, 48, AIG_KTY_RSA, PSS},
	[AIG_JWT_PS512] = {"PS512", SHA512, 64, AIG_KTY_RSA, PSS},
	[AIG_JWT_ES256] = {"ES256", SHA256, 32, AIG_KTY_EC_P256, ECDSA},
	[AIG_JWT_ES384] = {"ES384", SHA384, 48, AIG_KTY_EC_P384, ECDSA},
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

/* n and e: n odd, 2048 to 8192 bits; e odd, > 1, at most 64 bits. */
static const char *build_rsa(const json_t *jwk, struct aig_jwks_key *key)
{
	unsigned char nb[AIG_JWT_RSA_MAX_BITS / 8 + 1], eb[16];
	size_t nlen, elen, bits;

	if (!member_b64(jwk, "n", nb, sizeof(nb), &nlen) ||
	    !member_b64(jwk, "e", eb, sizeof(eb), &elen))
		return "n or e missing, not base64url, or too long";
	rsa_public_key_init(&key->rsa);
	key->made = AIG_KTY_RSA;
	nettle_mpz_set_str_256_u(key->rsa.n, nlen, nb);
	nettle_mpz_set_str_256_u(key->rsa.e, elen, eb);
	bits = mpz_sgn(key->rsa.n) > 0 ? mpz_sizeinbase(key->rsa.n, 2) : 0;
	if (bits < AIG_JWT_RSA_MIN_BITS)
		return "RSA modulus under 2048 bits";
	if (bits > AIG_JWT_RSA_MAX_BITS)
		return "RSA modulus over 8192 bits";
	if (!mpz_odd_p(key->rsa.n) || !mpz_odd_p(key->rsa.e) ||
	    mpz_cmp_ui(key->rsa.e, 1) == 0 ||
	    mpz_sizeinbase(key->rsa.e, 2) > 64)
		return "RSA n or e is not a valid public key";
	if (!rsa_public_key_prepare(&key->rsa))
		return "RSA n or e is not a valid public key";
	key->sig_len = key->rsa.size; /* (bits + 7) / 8 */
	return NULL;
}

/* The point (x, y), each coord bytes big-endian, on the curve of kty;
 * Nettle refuses coordinates outside the field and a point off the curve
 * (both curves have prime order: a point on them is a valid key). */
static const char *build_point(struct aig_jwks_key *key, enum aig_jwks_kty kty,
			       const unsigned char *x, const unsigned char *y,
			       size_t coord)
{
	mpz_t mx, my;
	int on_curve;

	ecc_point_init(&key->ec, kty == AIG_KTY_EC_P256
					 ? nettle_get_secp_256r1()
					 : nettle_get_secp_384r1());
	key->made = kty;
	nettle_mpz_init_set_str_256_u(mx, coord, x);
	nettle_mpz_init_set_str_256_u(my, coord, y);
	on_curve = ecc_point_set(&key->ec, mx, my);
	mpz_clear(mx);
	mpz_clear(my);
	if (!on_curve)
		return "EC x, y is not a point of the curve";
	key->sig_len = 2 * coord;
	return NULL;
}

/* x and y must be exactly the field size (RFC 7518 §6.2.1.2). */
static const char *build_ec(const json_t *jwk, struct aig_jwks_key *key,
			    enum aig_jwks_kty kty)
{
	size_t coord = kty == AIG_KTY_EC_P256 ? 32 : 48, xl, yl;
	unsigned char x[48], y[48];

	if (!member_b64(jwk, "x", x, coord, &xl) ||
	    !member_b64(jwk, "y", y, coord, &yl) || xl != coord || yl != coord)
		return "EC x or y missing, not base64url, or not the curve's "
		       "size";
	return build_point(key, kty, x, y, coord);
}

/* Clears what build_rsa() or build_point() initialised. */
static void key_clear(struct aig_jwks_key *key)
{
	if (key->made == AIG_KTY_RSA)
		rsa_public_key_clear(&key->rsa);
	else if (key->made != AIG_KTY_NONE)
		ecc_point_clear(&key->ec);
	key->made = AIG_KTY_NONE;
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
	if (key->unusable == NULL)
		key->kty = kty;
	else
		key_clear(key);
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
	key_clear(key);
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

/* The alg's hash of msg into out (alg_info.hash_len bytes). */
static void hash(const struct alg_info *a, const void *msg, size_t len,
		 uint8_t *out)
{
	struct sha256_ctx c256;
	struct sha512_ctx c512;

	switch (a->hash) {
	case SHA256:
		sha256_init(&c256);
		sha256_update(&c256, len, msg);
		sha256_digest(&c256, SHA256_DIGEST_SIZE, out);
		break;
	case SHA384:
		sha384_init(&c512);
		sha384_update(&c512, len, msg);
		sha384_digest(&c512, SHA384_DIGEST_SIZE, out);
		break;
	case SHA512:
		sha512_init(&c512);
		sha512_update(&c512, len, msg);
		sha512_digest(&c512, SHA512_DIGEST_SIZE, out);
		break;
	}
}

/* PKCS#1 v1.5 (RFC 8017 §8.2.2): Nettle encodes the DigestInfo and
 * compares, it never parses the signature's padding. SHA-384 has no
 * function of its own: its DigestInfo prefix (RFC 8017 §9.2 note 1). */
static int pkcs1_verify(const struct rsa_public_key *k,
			const struct alg_info *a, const uint8_t *digest,
			const mpz_t s)
{
	static const uint8_t sha384_prefix[19] = {
		0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
		0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30};
	uint8_t info[sizeof(sha384_prefix) + SHA384_DIGEST_SIZE];

	switch (a->hash) {
	case SHA256: return rsa_sha256_verify_digest(k, digest, s);
	case SHA512: return rsa_sha512_verify_digest(k, digest, s);
	case SHA384: break;
	}
	memcpy(info, sha384_prefix, sizeof(sha384_prefix));
	memcpy(info + sizeof(sha384_prefix), digest, SHA384_DIGEST_SIZE);
	return rsa_pkcs1_verify(k, sizeof(info), info, s);
}

/* PSS with MGF1 on the same hash and a salt of the hash's length (RFC
 * 7518 §3.5), never a salt length read from the signature. */
static int pss_verify(const struct rsa_public_key *k, const struct alg_info *a,
		      const uint8_t *digest, const mpz_t s)
{
	switch (a->hash) {
	case SHA256:
		return rsa_pss_sha256_verify_digest(k, a->hash_len, digest, s);
	case SHA384:
		return rsa_pss_sha384_verify_digest(k, a->hash_len, digest, s);
	case SHA512:
		return rsa_pss_sha512_verify_digest(k, a->hash_len, digest, s);
	}
	return 0;
}

/* RSA: the signature is the modulus's length (checked by the caller);
 * Nettle refuses one not below the modulus. */
static bool rsa_verified(const struct aig_jwks_key *key,
			 const struct alg_info *a, const uint8_t *digest,
			 const unsigned char *sig, size_t siglen)
{
	mpz_t s;
	int ok;

	nettle_mpz_init_set_str_256_u(s, siglen, sig);
	ok = a->scheme == PSS ? pss_verify(&key->rsa, a, digest, s)
			      : pkcs1_verify(&key->rsa, a, digest, s);
	mpz_clear(s);
	return ok == 1;
}

/* ECDSA: raw r||s (RFC 7518 §3.4), each half the signature; Nettle
 * refuses r or s outside [1, q-1]. */
static bool ecdsa_verified(const struct aig_jwks_key *key,
			   const struct alg_info *a, const uint8_t *digest,
			   const unsigned char *sig, size_t siglen)
{
	struct dsa_signature rs;
	int ok;

	dsa_signature_init(&rs);
	nettle_mpz_set_str_256_u(rs.r, siglen / 2, sig);
	nettle_mpz_set_str_256_u(rs.s, siglen / 2, sig + siglen / 2);
	ok = ecdsa_verify(&key->ec, a->hash_len, digest, &rs);
	dsa_signature_clear(&rs);
	return ok == 1;
}

int aig_jwt_verify_signature(const struct aig_jwks_key *key, int alg,
			     const void *msg, size_t msglen,
			     const unsigned char *sig, size_t siglen,
			     struct aig_error *err)
{
	uint8_t digest[SHA512_DIGEST_SIZE];
	const struct alg_info *a;
	bool ok;
	int rc = aig_jwks_key_check_alg(key, alg, err);

	if (rc != AIG_OK)
		return rc;
	a = &alg_table[alg];
	if (siglen != key->sig_len)
		return aig_error_set(err, AIG_JWT_ERR_SIGNATURE,
				     "%s signature is %zu bytes, not %zu",
				     a->name, siglen, key->sig_len);
	hash(a, msg, msglen, digest);
	ok = a->scheme == ECDSA ? ecdsa_verified(key, a, digest, sig, siglen)
				: rsa_verified(key, a, digest, sig, siglen);
	if (!ok)
		return aig_error_set(err, AIG_JWT_ERR_SIGNATURE,
				     "%s signature does not verify", a->name);
	return AIG_OK;
}

int aig_jwks_key_from_p256(const unsigned char *point, size_t len,
			   const char *kid, struct aig_jwks_key **out,
			   struct aig_error *err)
{
	struct aig_jwks_key *key = calloc(1, sizeof(*key));

	*out = NULL;
	if (key == NULL || (kid != NULL && (key->kid = strdup(kid)) == NULL)) {
		aig_jwks_key_free(key);
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	}
	key->alg = AIG_JWT_ES256;
	if (len != 65 || point[0] != 0x04) { /* SEC 1 §2.3.3 uncompressed */
		aig_jwks_key_free(key);
		return aig_error_set(err, AIG_ERR_INVALID,
				     "not an uncompressed P-256 point");
	}
	if (build_point(key, AIG_KTY_EC_P256, point + 1, point + 33, 32) !=
	    NULL) {
		aig_jwks_key_free(key);
		return aig_error_set(err, AIG_ERR_INVALID,
				     "not a point of P-256");
	}
	key->kty = AIG_KTY_EC_P256;
	*out = key;
	return AIG_OK;
}
