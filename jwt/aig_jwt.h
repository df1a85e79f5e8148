/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aig_jwt.h - verifying OIDC bearer tokens (aigate.cgi(8), AUTHENTICATION).
 *
 * JWS compact serialization only; RS256/384/512, PS256/384/512 and
 * ES256/384 on Nettle (hogweed); keys from a JWK Set (jwt.jwks_file,
 * jwt.jwks_uri, or OIDC discovery from jwt.issuer) cached under state_dir;
 * claims checked against aigate.json's "jwt" section.
 *
 * Layers, each usable alone (tests, fuzzers and aigatectl drive them):
 *   aig_jwt_b64url_decode     strict base64url
 *   aig_jwks_key_*            one JWK, built into a Nettle key once
 *   aig_jwt_verify_signature  one signature with one key: the only code
 *                             that asks Nettle to verify
 *   aig_jwks_*                a JWK Set, and choosing a key by kid
 *   aig_jwt_verify_jws        a compact JWS: form, header, key, signature
 *   aig_jwt_check_claims      a JWT payload against the configuration
 *   aig_jwks_cache_*          where the JWK Set comes from, shared cache
 *   aig_jwt_verifier_*        all of the above, for the CGI
 *
 * Statuses: AIG_OK, an AIG_JWT_ERR_* (the token is refused: 401 with
 * WWW-Authenticate: Bearer ..., error="invalid_token"), AIG_ERR_UNAVAILABLE
 * (no key set could be had: 503, never 401), or another common status
 * (out of memory, a library failure: 503 as well). The error struct's
 * message says why, for the log; it never holds the token, and request
 * data in it (kid, alg, claim values) is escaped with aig_log_escape().
 */
#ifndef AIG_JWT_H
#define AIG_JWT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "aig_common.h"

/* ------------------------------------------------------------- statuses */

enum aig_jwt_status {
	/* not a compact JWS; bad base64url; header not a JSON object; a
	 * header member we refuse (crit, cty, b64, enc, zip, bad typ or kid);
	 * a size cap exceeded */
	AIG_JWT_ERR_MALFORMED = AIG_JWT_STATUS_BASE,
	/* alg is none, HS*, one we do not implement, or not in
	 * jwt.algorithms */
	AIG_JWT_ERR_ALG,
	/* no key in the JWK Set has the token's kid (after the refetch) */
	AIG_JWT_ERR_UNKNOWN_KID,
	/* the key may not be used with the token's alg (kty, crv, alg, use,
	 * key_ops, size, private parts published), two keys fit, or the
	 * token has no kid and the set has more than one key */
	AIG_JWT_ERR_KEY,
	/* the signature has the wrong length or does not verify */
	AIG_JWT_ERR_SIGNATURE,
	AIG_JWT_ERR_EXPIRED,	   /* exp + leeway has passed */
	AIG_JWT_ERR_NOT_YET_VALID, /* nbf, or iat, after now + leeway */
	AIG_JWT_ERR_ISSUER,	   /* iss missing or not jwt.issuer exactly */
	AIG_JWT_ERR_AUDIENCE,	   /* aud missing or names none of ours */
	/* payload not a JSON object; exp missing or not a number; nbf or iat
	 * not a number; the user claim or the groups claim invalid */
	AIG_JWT_ERR_CLAIMS,
	/* an ALB token's signer is not auth.alb.arn (aig_alb.h) */
	AIG_JWT_ERR_SIGNER,
	/* an ALB token's client is not one of auth.alb.client_ids */
	AIG_JWT_ERR_CLIENT,
	/* token_use missing or not jwt.token_use */
	AIG_JWT_ERR_TOKEN_USE,
	AIG_JWT_ERR__MAX
};
_Static_assert(AIG_JWT_ERR_MALFORMED == AIG_JWT_STATUS_BASE &&
		       AIG_JWT_ERR__MAX <=
			       AIG_JWT_STATUS_BASE + AIG_STATUS_RANGE,
	       "JWT statuses outside their range");

/* A short name for any status above or common ("expired",
 * "bad_signature", ...), for logs and the audit reason. Static string. */
const char *aig_jwt_status_name(int status);

/* True for the statuses that mean "this token is refused" (401
 * invalid_token); false for AIG_OK and for failures on our side (503). */
bool aig_jwt_status_is_invalid_token(int status);

/* ---------------------------------------------------------------- limits */

#define AIG_JWT_MAX_TOKEN 16384		/* the whole compact token */
#define AIG_JWT_MAX_HEADER 8192		/* the encoded header segment */
#define AIG_JWT_MAX_SIG 1024		/* decoded signature: RSA-8192 */
#define AIG_JWT_MAX_KID 256		/* bytes of a kid */
#define AIG_JWT_MAX_USER 256		/* bytes of the user claim */
#define AIG_JWT_MAX_GROUPS 256		/* entries in the groups claim */
#define AIG_JWT_MAX_GROUP 256		/* bytes of one group name */
#define AIG_JWT_MAX_AUD 64		/* entries in an aud array */
#define AIG_JWT_RSA_MIN_BITS 2048	/* smaller moduli are refused */
#define AIG_JWT_RSA_MAX_BITS 8192	/* larger ones too (cost) */
#define AIG_JWKS_MAX_BYTES (256 * 1024) /* a JWK Set or discovery doc */
#define AIG_JWKS_MAX_KEYS 64		/* keys in one JWK Set */
#define AIG_JWKS_MAX_AGE_S 3600		/* cached set is fresh this long */
#define AIG_JWKS_REFETCH_MIN_S 60	/* at most one fetch a minute */
#define AIG_JWKS_CONNECT_TIMEOUT_MS 3000
#define AIG_JWKS_TIMEOUT_MS 5000 /* one whole HTTPS request */

/* ------------------------------------------------------------ algorithms */

enum aig_jwt_alg {
	AIG_JWT_RS256 = 0,
	AIG_JWT_RS384,
	AIG_JWT_RS512,
	AIG_JWT_PS256,
	AIG_JWT_PS384,
	AIG_JWT_PS512,
	AIG_JWT_ES256,
	AIG_JWT_ES384,
	AIG_JWT_ALG__MAX
};

/* A set of algorithms: bit (1u << alg) for each allowed alg. */
#define AIG_JWT_ALG_BIT(alg) (1u << (alg))
#define AIG_JWT_ALGS_ALL ((1u << AIG_JWT_ALG__MAX) - 1)

/* The alg for a JWS "alg" name (exact, case-sensitive), or -1 for every
 * other name: "none", HS256/384/512, ES512, EdDSA, ... are never ours. */
int aig_jwt_alg_from_name(const char *name);

/* The JWS name of alg ("RS256"); static string, "?" when out of range. */
const char *aig_jwt_alg_name(int alg);

/* Turns jwt.algorithms (borrowed) into a set. An unknown name is an
 * AIG_ERR_CONFIG (the config loader already refuses one). */
int aig_jwt_algs_from_names(const struct aig_strv *names, unsigned *algs,
			    struct aig_error *err);

/* ------------------------------------------------------------ base64url */

/* Decodes len bytes of strict base64url (RFC 4648 §5, as RFC 7515 §2 asks):
 * only A-Z a-z 0-9 '-' '_'; no padding, no whitespace, no '+' or '/'; a
 * length of 4n+1 is refused, and so are non-zero unused bits in the last
 * character (non-canonical encodings). Writes at most cap bytes to out and
 * the decoded length to *outlen. Returns false on any of the above or when
 * the result would not fit. out is the caller's. */
bool aig_jwt_b64url_decode(const char *in, size_t len, unsigned char *out,
			   size_t cap, size_t *outlen);

/* The decoded length of len valid characters. */
size_t aig_jwt_b64url_decoded_len(size_t len);

/* ---------------------------------------------------------- one JWK key */

/* One key of a JWK Set. Opaque. */
struct aig_jwks_key;

/* Builds a key from a JWK (RFC 7517/7518; jwk is borrowed). A key we can
 * never use is still returned, marked unusable with a reason, so that a
 * token naming its kid is told so (AIG_JWT_ERR_KEY) and does not look like
 * an unknown kid. Unusable: kty other than RSA or EC; crv other than P-256
 * or P-384; "use" present and not "sig"; "key_ops" present without
 * "verify"; "alg" present and not one of ours or not fitting kty/crv;
 * private members (d, p, q, dp, dq, qi, oth, k) present, since a published
 * private key lets anyone sign; RSA n under 2048 or over 8192 bits, even
 * n, e even, 1, or over 64 bits; EC x, y not exactly the curve's size
 * or not a point of the curve; any member of the wrong type or not
 * strict base64url. A leading zero octet in n or e is tolerated (same
 * integer). Only a non-object jwk or out of memory is an error. On AIG_OK
 * *key is new: free with aig_jwks_key_free(). */
int aig_jwks_key_from_json(const json_t *jwk, struct aig_jwks_key **key,
			   struct aig_error *err);

void aig_jwks_key_free(struct aig_jwks_key *key);

/* The key's kid, or NULL when it has none. Borrowed from key. */
const char *aig_jwks_key_kid(const struct aig_jwks_key *key);

/* NULL if the key is usable, else why not. Static string. */
const char *aig_jwks_key_unusable(const struct aig_jwks_key *key);

/* AIG_OK if key may verify alg (kty/crv/alg/use agree), else
 * AIG_JWT_ERR_KEY with the reason in err. */
int aig_jwks_key_check_alg(const struct aig_jwks_key *key, int alg,
			   struct aig_error *err);

/* Verifies sig over msg (both borrowed) with key and alg: first
 * aig_jwks_key_check_alg(), then the exact length (RSA: the modulus size;
 * ES256: 64, ES384: 96 bytes of raw r||s), then Nettle's verify:
 * PKCS#1 v1.5 for RS*, PSS with MGF1 on the same hash and a salt of the
 * hash's length for PS*, ECDSA for ES* (r and s within [1, q-1]).
 * Returns AIG_OK, AIG_JWT_ERR_KEY or AIG_JWT_ERR_SIGNATURE. */
int aig_jwt_verify_signature(const struct aig_jwks_key *key, int alg,
			     const void *msg, size_t msglen,
			     const unsigned char *sig, size_t siglen,
			     struct aig_error *err);

/* ------------------------------------------------------------ JWK Sets */

/* A parsed JWK Set: its keys, each built once. Opaque. */
struct aig_jwks;

/* Parses a JWK Set (RFC 7517 §5: an object with a "keys" array of at
 * most AIG_JWKS_MAX_KEYS objects; other members ignored) from text
 * (borrowed, len bytes, at most AIG_JWKS_MAX_BYTES). Keys are built with
 * aig_jwks_key_from_json(); unusable ones are kept, marked. Errors:
 * AIG_ERR_SYNTAX (not JSON: duplicates, bad UTF-8), AIG_ERR_INVALID (not
 * a JWK Set), AIG_ERR_TOO_BIG. On AIG_OK *jwks is new: free with
 * aig_jwks_free(). */
int aig_jwks_parse(const char *text, size_t len, struct aig_jwks **jwks,
		   struct aig_error *err);

/* Same, from a JSON value (borrowed). */
int aig_jwks_from_json(const json_t *root, struct aig_jwks **jwks,
		       struct aig_error *err);

void aig_jwks_free(struct aig_jwks *jwks);

/* Number of keys, and of usable keys. */
size_t aig_jwks_count(const struct aig_jwks *jwks);
size_t aig_jwks_count_usable(const struct aig_jwks *jwks);

/* The i-th key (i < aig_jwks_count()); borrowed from jwks. */
const struct aig_jwks_key *aig_jwks_get(const struct aig_jwks *jwks, size_t i);

/* Chooses the key for a token's kid (NULL: the token has none) and alg.
 * With a kid: the keys with exactly that kid; none is
 * AIG_JWT_ERR_UNKNOWN_KID; of those, exactly one must be usable for alg,
 * else AIG_JWT_ERR_KEY. Without a kid (OIDC Core §10.1 asks for one as
 * soon as a set has several keys): the set must hold exactly one usable
 * key and it must fit alg; no usable key at all is
 * AIG_JWT_ERR_UNKNOWN_KID (a refetch may bring one), several are
 * AIG_JWT_ERR_KEY. *key is borrowed from jwks. */
int aig_jwks_find(const struct aig_jwks *jwks, const char *kid, int alg,
		  const struct aig_jwks_key **key, struct aig_error *err);

/* ------------------------------------------------------------------ JWS */

/* Verifies a compact JWS (token: len bytes, borrowed; need not be
 * NUL-terminated) against jwks with the algorithms in algs, in this order:
 *  1. form: at most AIG_JWT_MAX_TOKEN bytes, exactly two '.', three
 *     strict base64url segments, header and signature not empty;
 *  2. header: a JSON object (jansson; duplicate members, invalid UTF-8
 *     and NUL refused); "alg" a string naming one of ours that is in
 *     algs ("none" and HS* never are); "kid" absent or a string of 1 to
 *     AIG_JWT_MAX_KID bytes; "typ" absent or, ignoring ASCII case, "JWT",
 *     "at+jwt", "application/jwt" or "application/at+jwt" (ID tokens and
 *     RFC 9068 access tokens); "crit" refused whatever it lists (we
 *     understand no extension), "cty" (nested JWTs), "b64", "enc", "zip"
 *     refused; "jwk", "jku", "x5u", "x5c", "x5t" ignored: a key carried
 *     or pointed to by the token is never used;
 *  3. key: aig_jwks_find();
 *  4. signature: aig_jwt_verify_signature() over "header.payload".
 * On AIG_OK, if payload is not NULL, *payload is the decoded payload with
 * a NUL after it (caller frees with free()) and *payload_len its length.
 * The payload is not parsed here. */
int aig_jwt_verify_jws(const struct aig_jwks *jwks, unsigned algs,
		       const char *token, size_t len, char **payload,
		       size_t *payload_len, struct aig_error *err);

/* ---------------------------------------------------------------- claims */

/* Who a verified token says the caller is. Every string is owned; free
 * with aig_jwt_identity_free(). */
struct aig_jwt_identity {
	char *user;		/* the jwt.user_claim value */
	struct aig_strv groups; /* jwt.groups_claim; n == 0 when absent */
	long long exp;		/* the token's exp, whole seconds */
	int alg;		/* enum aig_jwt_alg, set by aig_jwt_verify();
				   -1 from aig_jwt_check_claims() */
	char *kid;		/* set by aig_jwt_verify(); NULL when the token
				   has none */
};

void aig_jwt_identity_free(struct aig_jwt_identity *id);

/* Checks a JWT payload (borrowed, len bytes, already authenticated) with
 * cfg->jwt (borrowed) at time now:
 *  - a JSON object (duplicates, invalid UTF-8, NUL refused);
 *  - "iss" a string equal to jwt.issuer byte for byte;
 *  - "aud" a string, or an array of at most AIG_JWT_MAX_AUD strings, one
 *    of which is in jwt.audience;
 *  - "exp" required, a JSON number: refused when now >= exp + leeway_s;
 *  - "nbf" if present a number: refused when nbf > now + leeway_s;
 *  - "iat" if present a number: refused when iat > now + leeway_s;
 *  - jwt.user_claim a string of 1 to AIG_JWT_MAX_USER bytes without
 *    control characters (C0, DEL, C1);
 *  - jwt.groups_claim, unless jwt.groups_from_ldap: absent means no
 *    groups; else an array of at most AIG_JWT_MAX_GROUPS strings of 1 to
 *    AIG_JWT_MAX_GROUP bytes without control characters or ',' (the gate
 *    joins groups with commas). A bad entry refuses the token rather than
 *    being dropped: dropping a group could slip past a deny rule.
 * On AIG_OK, if id is not NULL, *id is new. */
int aig_jwt_check_claims(const struct aig_config *cfg, const char *payload,
			 size_t len, time_t now, struct aig_jwt_identity **id,
			 struct aig_error *err);

/* ---------------------------------------------------- JWK Set sources */

/* Where the JWK Set comes from, per cfg->jwt: jwks_file (read with
 * aig_file_read_checked(), re-read when the file changes), else
 * jwks_uri, else OIDC discovery (<issuer>/.well-known/openid-configuration,
 * whose "issuer" must equal jwt.issuer and whose "jwks_uri" must be
 * https). Fetched sets are kept under cfg->state_dir, shared by every CGI
 * process:
 *   jwks-<id>.json   the set, its source and fetch time, then a line
 *                    with its HMAC-SHA256 under the state key (0644;
 *                    written to a temporary file, then renamed);
 *   jwks-<id>.stamp  the time of the last fetch attempt (same way);
 *   jwks-<id>.lock   flock(2)ed while one process fetches, so that the
 *                    others wait for its result instead of fetching too;
 * <id> is derived from the source, so a changed jwks_uri or issuer never
 * reads another's cache. A fetch happens when there is no cached set,
 * when it is older than AIG_JWKS_MAX_AGE_S, or on aig_jwks_cache_refresh()
 * (an unknown kid); never more than once per AIG_JWKS_REFETCH_MIN_S for
 * all processes together, counted in the `now` passed in (so with no set
 * and a failed attempt less than a minute ago, the answer comes at once).
 * A fetched set is taken only if it has at least one usable key. When a
 * fetch fails, the stale set keeps serving (a warning is logged); with no
 * set at all the answer is AIG_ERR_UNAVAILABLE. A .json or .stamp file
 * whose MAC does not verify is ignored (a miss, logged once) and replaced
 * by the next fetch. Without the state key (cfg->state_key_file missing
 * or unsafe: logged) neither file is read or written: each process
 * fetches for itself, at most once per AIG_JWKS_REFETCH_MIN_S, and a
 * process that starts while the issuer is down has no set. Opaque. */
struct aig_jwks_cache;

/* Options that aigate.json does not carry. */
struct aig_jwks_options {
	/* CA bundle (PEM) for the HTTPS fetches; NULL: the system store.
	 * aigate.json(5) names it jwt.ca_file; tests point it at their own CA.
	 */
	const char *ca_file;
	/* Where warnings go (stale set served, cache not written); may be
	 * NULL. Borrowed; must outlive the cache. */
	const struct aig_log *log;
};

/* cfg (borrowed) must outlive the cache and have a "jwt" section; opts
 * may be NULL and is copied. Reads only the state key (for a fetched
 * set). On AIG_OK *cache is new: free
 * with aig_jwks_cache_free(). */
int aig_jwks_cache_new(const struct aig_config *cfg,
		       const struct aig_jwks_options *opts,
		       struct aig_jwks_cache **cache, struct aig_error *err);

void aig_jwks_cache_free(struct aig_jwks_cache *cache);

/* The current set, loading or fetching it as described above. *jwks is
 * borrowed from cache and valid until the next call on it. Errors:
 * AIG_ERR_UNAVAILABLE (with the cause in err), AIG_ERR_NOMEM. */
int aig_jwks_cache_get(struct aig_jwks_cache *cache, time_t now,
		       const struct aig_jwks **jwks, struct aig_error *err);

/* Fetches again, unless another process did since this one's set was
 * loaded (then that set is taken) or the last attempt was less than
 * AIG_JWKS_REFETCH_MIN_S ago; `force` (aigatectl jwks refresh) ignores
 * the latter. *fetched tells whether a new set was taken (may be NULL).
 * A failed fetch keeps the old set and returns AIG_OK if there is one.
 * For jwks_file it re-reads the file if it changed. *jwks as above. */
int aig_jwks_cache_refresh(struct aig_jwks_cache *cache, time_t now, bool force,
			   const struct aig_jwks **jwks, bool *fetched,
			   struct aig_error *err);

/* Changes whenever the cache takes another set (a reread file, a
 * fetch): what was verified against an older set is not trusted. */
unsigned long aig_jwks_cache_generation(const struct aig_jwks_cache *cache);

/* True when the set is fetched (jwks_uri or discovery), not a file. */
bool aig_jwks_cache_is_remote(const struct aig_jwks_cache *cache);

/* ------------------------------------------------------------- verifier */

/* Everything above, for the CGI. Opaque. Like the cache it holds, a
 * verifier is for one thread at a time; a FastCGI process keeps one for
 * its life, so the key set is loaded once, not per request. */
struct aig_jwt_verifier;

/* cfg (borrowed, with a "jwt" section) must outlive the verifier; opts
 * as for aig_jwks_cache_new(). Does no I/O. On AIG_OK *v is new: free
 * with aig_jwt_verifier_free(). */
int aig_jwt_verifier_new(const struct aig_config *cfg,
			 const struct aig_jwks_options *opts,
			 struct aig_jwt_verifier **v, struct aig_error *err);

void aig_jwt_verifier_free(struct aig_jwt_verifier *v);

/* Verifies a bearer token (the text after "Bearer ", len bytes, borrowed)
 * at time now: aig_jwt_verify_jws() with jwt.algorithms against the
 * cache's set; on AIG_JWT_ERR_UNKNOWN_KID one aig_jwks_cache_refresh()
 * (rate-limited) and one more try; then aig_jwt_check_claims(). On AIG_OK
 * *id is new (caller frees with aig_jwt_identity_free()).
 *
 * A verifier remembers the last AIG_JWT_VERIFIED_SLOTS tokens it accepted
 * (by the SHA-256 of all their bytes), so that a long-lived process does
 * not verify a client's token again on each of its requests: the same
 * bytes give the same identity, without the signature work, while the
 * token is unexpired (exp with leeway_s), for at most
 * AIG_JWT_VERIFIED_MAX_AGE_S after it was verified, and only while the
 * key set is the one it was verified against. Refused tokens are never
 * remembered. */
#define AIG_JWT_VERIFIED_SLOTS 64
#define AIG_JWT_VERIFIED_MAX_AGE_S 60
int aig_jwt_verify(struct aig_jwt_verifier *v, const char *token, size_t len,
		   time_t now, struct aig_jwt_identity **id,
		   struct aig_error *err);

#endif /* AIG_JWT_H */
