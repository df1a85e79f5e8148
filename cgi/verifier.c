/* verifier.c - a bearer token, start to end, for the CGI: form and
 * header, the key set, the signature (with one rate-limited refetch for
 * an unknown kid), the claims. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "jwt_int.h"

struct aig_jwt_verifier {
	const struct aig_config *cfg; /* borrowed */
	unsigned algs;
	struct aig_jwks_cache *cache;
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
	free(v);
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

	*out = NULL;
	rc = aig_jwt_jws_parse(token, len, v->algs, &jws, err);
	if (rc == AIG_OK)
		rc = aig_jwks_cache_get(v->cache, now, &jwks, err);
	if (rc == AIG_OK)
		rc = check_signature(v, &jws, jwks, now, err);
	if (rc == AIG_OK)
		rc = aig_jwt_check_claims(v->cfg, jws.payload, jws.payload_len,
					  now, &id, err);
	if (rc == AIG_OK)
		rc = fill_identity(id, &jws, err);
	if (rc == AIG_OK) {
		*out = id;
		id = NULL;
	}
	aig_jwt_identity_free(id);
	aig_jwt_jws_clear(&jws);
	return rc;
}
