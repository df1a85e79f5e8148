/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aig_alb.h - the identity an AWS Application Load Balancer hands to its
 * target after an authenticate-oidc or authenticate-cognito action: the
 * x-amzn-oidc-data header (aigate.cgi(8), AUTHENTICATION; aigate.json(5),
 * auth.alb).
 *
 * That header is an ES256 JWT whose header carries kid, signer (the
 * ALB's ARN), client, iss and exp, and whose key is a PEM served by kid
 * at <key_url>/<kid>. Its base64url segments may keep their '=' padding,
 * and the signature covers the segments exactly as they were sent: the
 * signing input is never rebuilt or normalised here.
 *
 * Order of the checks (aig_alb_verify()): form and header (padded or
 * unpadded strict base64url; alg exactly ES256; kid of UUID form, before
 * it is ever put in a URL or a file name); signer, client and the
 * header's exp, all before any key is looked up; the key by kid (memory,
 * then the cache under state_dir, then one fetch over verified TLS); the
 * signature; then the payload (exp, the user and groups claims).
 *
 * Statuses as in aig_jwt.h: AIG_JWT_ERR_* refuse the token (401);
 * AIG_ERR_UNAVAILABLE (the key of a kid cannot be had: the endpoint is
 * down, answers an error or something that is not a P-256 public key)
 * is 503, never 401.
 */
#ifndef AIG_ALB_H
#define AIG_ALB_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "aig_jwt.h"

#define AIG_ALB_MAX_PEM 4096	  /* a key endpoint's answer */
#define AIG_ALB_KID_LEN 36	  /* 8-4-4-4-12 hex digits */
#define AIG_ALB_MEMORY_KEYS 16	  /* keys a process keeps in memory */
#define AIG_ALB_RETRY_MIN_S 10	  /* a kid whose fetch failed waits this */
#define AIG_ALB_DEFAULT_LEEWAY 60 /* without a "jwt" section */

/* True if kid (len bytes) has the UUID form 8-4-4-4-12 of hex digits
 * (either case), the only form AWS uses: nothing else can reach a URL
 * or a file name. */
bool aig_alb_kid_ok(const char *kid, size_t len);

/* Decodes one segment of an ALB token: strict base64url (as
 * aig_jwt_b64url_decode()) optionally followed by the '=' padding that
 * brings it to a multiple of four characters, and no other. */
bool aig_alb_b64url_decode(const char *in, size_t len, unsigned char *out,
			   size_t cap, size_t *outlen);

/* Builds an ES256 key named kid (borrowed, copied) from a PEM
 * SubjectPublicKeyInfo (len bytes, borrowed) of a P-256 point; anything
 * else (another curve or type, a private key, trailing PEM blocks, a
 * point off the curve) is AIG_ERR_INVALID. On AIG_OK *key is new: free
 * with aig_jwks_key_free(). */
int aig_alb_key_from_pem(const char *pem, size_t len, const char *kid,
			 struct aig_jwks_key **key, struct aig_error *err);

/* An ALB token split and decoded, not yet verified. Opaque. */
struct aig_alb_token;

/* Steps 1-2: form, header (alg, kid, signer, client, exp present and of
 * the right type). On AIG_OK *tok is new: aig_alb_token_free(). */
int aig_alb_token_parse(const char *token, size_t len,
			struct aig_alb_token **tok, struct aig_error *err);
void aig_alb_token_free(struct aig_alb_token *tok);

/* Borrowed from tok: the header's kid (valid UUID form) and the decoded
 * header and payload texts (NUL-terminated), for aigatectl. */
const char *aig_alb_token_kid(const struct aig_alb_token *tok);
const char *aig_alb_token_header(const struct aig_alb_token *tok);
const char *aig_alb_token_payload(const struct aig_alb_token *tok);

/* The header against auth.alb: signer equal to arn byte for byte
 * (AIG_JWT_ERR_SIGNER), client one of client_ids when they are given
 * (AIG_JWT_ERR_CLIENT), exp + leeway_s not passed (AIG_JWT_ERR_EXPIRED). */
int aig_alb_check_header(const struct aig_config *cfg,
			 const struct aig_alb_token *tok, time_t now,
			 struct aig_error *err);

/* The signature (ES256, raw r||s) over the segments as received. */
int aig_alb_check_signature(const struct aig_alb_token *tok,
			    const struct aig_jwks_key *key,
			    struct aig_error *err);

/* The payload: a JSON object with exp (required, checked with
 * leeway_s), auth.alb.user_claim and, unless groups_from_ldap,
 * auth.alb.groups_claim (the same rules as for bearer tokens). On AIG_OK
 * *id is new (alg ES256, kid set). */
int aig_alb_check_claims(const struct aig_config *cfg,
			 const struct aig_alb_token *tok, time_t now,
			 struct aig_jwt_identity **id, struct aig_error *err);

/* The leeway that applies: jwt.leeway_s, or AIG_ALB_DEFAULT_LEEWAY
 * without a "jwt" section. */
int aig_alb_leeway(const struct aig_config *cfg);

/* ---------------------------------------------------------- the keys */

/* Where the key of a kid comes from, in this order: this process's
 * memory; <state_dir>/alb-key-<kid>.pem, taken when it ends with a valid
 * MAC line under the state key (a key this gate fetched) or when it has
 * no MAC line, is owned by root and writable by nobody else (a key an
 * administrator put there for a gate without outbound access); else one
 * GET of <key_url>/<kid> over TLS verified against auth.alb.ca_file (or
 * the system store), whose answer must be a P-256 public key PEM; it is
 * then written with its MAC (when the state key can be read). A kid
 * whose fetch failed is not fetched again by this process for
 * AIG_ALB_RETRY_MIN_S (the answer is AIG_ERR_UNAVAILABLE at once). Keys
 * by kid never change, so a key once had is never fetched again. */
struct aig_alb_keys;

/* cfg (borrowed) must outlive it; log may be NULL. No I/O. */
int aig_alb_keys_new(const struct aig_config *cfg, const struct aig_log *log,
		     struct aig_alb_keys **keys, struct aig_error *err);
void aig_alb_keys_free(struct aig_alb_keys *keys);

/* The key of kid (UUID form, checked again). *key is borrowed from keys
 * and valid until it is freed. *source (may be NULL) is "memory",
 * "cache", "seeded" or "fetched" (static). */
int aig_alb_keys_get(struct aig_alb_keys *keys, const char *kid, time_t now,
		     const struct aig_jwks_key **key, const char **source,
		     struct aig_error *err);

/* ------------------------------------------------------- the verifier */

struct aig_alb_verifier;

int aig_alb_verifier_new(const struct aig_config *cfg,
			 const struct aig_log *log, struct aig_alb_verifier **v,
			 struct aig_error *err);
void aig_alb_verifier_free(struct aig_alb_verifier *v);

/* All of the above for one x-amzn-oidc-data value (len bytes,
 * borrowed). On AIG_OK *id is new: aig_jwt_identity_free(). */
int aig_alb_verify(struct aig_alb_verifier *v, const char *token, size_t len,
		   time_t now, struct aig_jwt_identity **id,
		   struct aig_error *err);

/* The same, also telling where the key came from (*source as for
 * aig_alb_keys_get(), NULL when no key was looked up); for aigatectl. */
int aig_alb_verify_source(struct aig_alb_verifier *v, const char *token,
			  size_t len, time_t now, struct aig_jwt_identity **id,
			  const char **source, struct aig_error *err);

/* Only the JWS: form, header (ES256, kid), the key by kid and the
 * signature; no signer, client or time checks (aigatectl token verify
 * --signature-only). */
int aig_alb_verify_signature_only(struct aig_alb_verifier *v, const char *token,
				  size_t len, time_t now, const char **source,
				  struct aig_error *err);

#endif /* AIG_ALB_H */
