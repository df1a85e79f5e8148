/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jwt_int.h - what the files of the JWT subsystem share with each other and
 * with nobody else. The public interface is aig_jwt.h.
 */
#ifndef AIG_JWT_INT_H
#define AIG_JWT_INT_H

#include "aig_jwt.h"

/* The kinds of key we build. */
enum aig_jwks_kty {
	AIG_KTY_NONE = 0, /* unusable key: nothing was built */
	AIG_KTY_RSA,
	AIG_KTY_EC_P256,
	AIG_KTY_EC_P384,
};

/* A compact JWS split and decoded, not yet verified. The signing input
 * points into the caller's token. */
struct aig_jws {
	const char *signing_input; /* "header.payload", borrowed */
	size_t signing_len;
	char *payload; /* decoded, NUL-terminated, owned */
	size_t payload_len;
	size_t payload_size; /* allocated, for wiping */
	unsigned char sig[AIG_JWT_MAX_SIG];
	size_t sig_len;
	int alg;
	bool has_kid;
	char kid[AIG_JWT_MAX_KID + 1];
};

/* jwt.c: steps 1-2 of aig_jwt_verify_jws(), then 3-4. jws_clear wipes
 * and frees the payload and wipes the signature: with the header they
 * would rebuild the bearer token (safe on a zeroed or cleared struct). */
int aig_jwt_jws_parse(const char *token, size_t len, unsigned algs,
		      struct aig_jws *jws, struct aig_error *err);
int aig_jwt_jws_check(const struct aig_jws *jws, const struct aig_jwks *jwks,
		      struct aig_error *err);
void aig_jwt_jws_clear(struct aig_jws *jws);

/* claims.c: the user claim and the groups claim of a payload c into id
 * (aig_jwt_check_claims() says what is accepted); shared with alb.c. */
int aig_jwt_take_user(const json_t *c, const char *claim,
		      struct aig_jwt_identity *id, struct aig_error *err);
int aig_jwt_take_groups(const json_t *c, const char *claim,
			struct aig_jwt_identity *id, struct aig_error *err);

/* jwk.c: an ES256 key from a P-256 public point (65 bytes, uncompressed),
 * named kid (may be NULL). */
int aig_jwks_key_from_p256(const unsigned char *point, size_t len,
			   const char *kid, struct aig_jwks_key **key,
			   struct aig_error *err);

/* jwks_fetch.c: GETs url over HTTPS with verified TLS (ca_file, or the
 * system store when NULL), no redirects, no proxy, the AIG_JWKS_*
 * timeouts, at most max bytes; only a 200 counts. On AIG_OK *body is new
 * and NUL-terminated (caller frees) and *len its length. Errors:
 * AIG_ERR_UNAVAILABLE, AIG_ERR_TOO_BIG, AIG_ERR_NOMEM. */
int aig_jwks_fetch(const char *url, const char *ca_file, size_t max,
		   char **body, size_t *len, struct aig_error *err);

#endif /* AIG_JWT_INT_H */
