/* SPDX-License-Identifier: Apache-2.0 */
/* verifier.c - a bearer token, start to end, for the CGI: form and
 * header, the key set, the signature (with one rate-limited refetch for
 * an unknown kid), the claims; and the tokens a long-lived process has
 * already accepted (aig_jwt.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>

#include "jwt_int.h"

#define HASH_LEN 32

/* A token this verifier accepted, and until when the answer holds. */
struct verified {
	unsigned char hash[HASH_LEN]; /* SHA-256 of the whole token */
	unsigned long generation;     /* of the key set it was checked with */
	long long since, until;	      /* holds while since <= now < until */
	struct aig_jwt_identity *id;  /* owned; NULL: a free slot */
};

struct aig_jwt_verifier {
	const struct aig_config *cfg; /* borrowed */
	unsigned algs;
	struct aig_jwks_cache *cache;
	struct verified seen[AIG_JWT_VERIFIED_SLOTS];
};

int aig_jwt_verifier_new(const struct aig_config *cfg,
			 const struct aig_jwks_options *opts,
			 struct aig_jwt_verifier **out, struct aig_error *err)
{
	struct aig_jwt_verifier *v = NULL;
	int rc;

	*out = NULL;
	v = calloc(1, sizeof(*v));
	if (v == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	v->cfg = cfg;
	rc = aig_jwks_cache_new(cfg, opts, &v->cache, err);
	if (rc == AIG_OK)
		rc = aig_jwt_algs_from_names(&cfg->jwt.algorithms, &v->algs,
					     err);
	if (rc != AIG_OK) {
		aig_jwt_verifier_free(v);
		return rc;
	}
	*out = v;
	return AIG_OK;
}

void aig_jwt_verifier_free(struct aig_jwt_verifier *v)
{
	if (v == NULL)
		return;
	aig_jwks_cache_free(v->cache);
	for (size_t i = 0; i < AIG_JWT_VERIFIED_SLOTS; i++)
		aig_jwt_identity_free(v->seen[i].id);
	free(v);
}

/* ------------------------------------------------- tokens seen before */

static struct aig_jwt_identity *identity_dup(const struct aig_jwt_identity *a)
{
	struct aig_jwt_identity *b = calloc(1, sizeof(*b));
	size_t i;
	bool ok;

	if (b == NULL)
		return NULL;
	b->exp = a->exp;
	b->alg = a->alg;
	ok = (b->user = strdup(a->user)) != NULL &&
	     (a->kid == NULL || (b->kid = strdup(a->kid)) != NULL) &&
	     (a->groups.n == 0 ||
	      (b->groups.v = calloc(a->groups.n + 1, sizeof(char *))) != NULL);
	for (i = 0; ok && i < a->groups.n; i++, b->groups.n++)
		ok = (b->groups.v[i] = strdup(a->groups.v[i])) != NULL;
	if (!ok) {
		aig_jwt_identity_free(b);
		return NULL;
	}
	return b;
}

static bool token_hash(const char *token, size_t len,
		       unsigned char hash[HASH_LEN])
{
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, len, (const uint8_t *)token);
	sha256_digest(&ctx, HASH_LEN, hash);
	return true;
}

static struct verified *slot_of(struct aig_jwt_verifier *v,
				const unsigned char hash[HASH_LEN])
{
	return &v->seen[(hash[0] | (unsigned)hash[1] << 8) %
			AIG_JWT_VERIFIED_SLOTS];
}

/* A copy of the identity a token gave before, if that answer holds. */
static struct aig_jwt_identity *seen_before(struct aig_jwt_verifier *v,
					    const unsigned char hash[HASH_LEN],
					    time_t now)
{
	struct verified *s = slot_of(v, hash);

	if (s->id == NULL || !aig_ct_equal(s->hash, hash, HASH_LEN) ||
	    (long long)now < s->since || (long long)now >= s->until ||
	    s->generation != aig_jwks_cache_generation(v->cache))
		return NULL;
	return identity_dup(s->id);
}

static void remember(struct aig_jwt_verifier *v,
		     const unsigned char hash[HASH_LEN],
		     const struct aig_jwt_identity *id, time_t now)
{
	struct verified *s = slot_of(v, hash);
	long long until = (long long)now + AIG_JWT_VERIFIED_MAX_AGE_S,
		  exp_until = id->exp + v->cfg->jwt.leeway_s;
	struct aig_jwt_identity *copy = identity_dup(id);

	if (copy == NULL)
		return; /* then it is verified again next time */
	aig_jwt_identity_free(s->id);
	memcpy(s->hash, hash, HASH_LEN);
	s->generation = aig_jwks_cache_generation(v->cache);
	s->since = (long long)now;
	s->until = exp_until < until ? exp_until : until;
	s->id = copy;
}

/* Key and signature; an unknown kid may be a key the issuer has just
 * rotated in, so the set is refreshed once (at most once a minute for
 * all processes) and the token tried again. */
static int check_signature(struct aig_jwt_verifier *v,
			   const struct aig_jws *jws,
			   const struct aig_jwks *jwks, time_t now,
			   struct aig_error *err)
{
	struct aig_error first = {0}, rerr = {0};
	bool fetched = false;
	int rc = aig_jwt_jws_check(jws, jwks, &first);

	if (rc == AIG_JWT_ERR_UNKNOWN_KID &&
	    aig_jwks_cache_is_remote(v->cache) &&
	    aig_jwks_cache_refresh(v->cache, now, false, &jwks, &fetched,
				   &rerr) == AIG_OK &&
	    fetched)
		return aig_jwt_jws_check(jws, jwks, err);
	if (rc != AIG_OK)
		aig_error_set(err, rc, "%s", first.msg);
	return rc;
}

static int fill_identity(struct aig_jwt_identity *id, const struct aig_jws *jws,
			 struct aig_error *err)
{
	id->alg = jws->alg;
	if (jws->has_kid && (id->kid = strdup(jws->kid)) == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	return AIG_OK;
}

int aig_jwt_verify(struct aig_jwt_verifier *v, const char *token, size_t len,
		   time_t now, struct aig_jwt_identity **out,
		   struct aig_error *err)
{
	const struct aig_jwks *jwks = NULL;
	struct aig_jwt_identity *id = NULL;
	struct aig_jws jws;
	int rc;

	unsigned char hash[HASH_LEN];
	struct aig_error kerr = {0};
	int krc;
	bool hashed;

	*out = NULL;
	/* The key set first: a changed one makes what was seen stale. */
	krc = aig_jwks_cache_get(v->cache, now, &jwks, &kerr);
	hashed = krc == AIG_OK && token_hash(token, len, hash);
	if (hashed && (*out = seen_before(v, hash, now)) != NULL)
		return AIG_OK;
	/* A malformed token is refused as such, whatever the key set does. */
	rc = aig_jwt_jws_parse(token, len, v->algs, &jws, err);
	if (rc == AIG_OK && krc != AIG_OK)
		rc = aig_error_set(err, krc, "%s", kerr.msg);
	if (rc == AIG_OK)
		rc = check_signature(v, &jws, jwks, now, err);
	if (rc == AIG_OK)
		rc = aig_jwt_check_claims(v->cfg, jws.payload, jws.payload_len,
					  now, &id, err);
	if (rc == AIG_OK)
		rc = fill_identity(id, &jws, err);
	if (rc == AIG_OK) {
		if (hashed)
			remember(v, hash, id, now);
		*out = id;
		id = NULL;
	}
	aig_jwt_identity_free(id);
	aig_jwt_jws_clear(&jws);
	return rc;
}
