/* SPDX-License-Identifier: Apache-2.0 */
/* jwks.c - a JWK Set (RFC 7517 §5) and choosing the key for a token. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "jwt_int.h"

struct aig_jwks {
	struct aig_jwks_key **keys;
	size_t n;
	size_t usable;
};

void aig_jwks_free(struct aig_jwks *jwks)
{
	size_t i;

	if (jwks == NULL)
		return;
	for (i = 0; i < jwks->n; i++)
		aig_jwks_key_free(jwks->keys[i]);
	free(jwks->keys);
	free(jwks);
}

/* Builds every entry of the "keys" array into jwks. */
static int add_keys(struct aig_jwks *jwks, const json_t *keys,
		    struct aig_error *err)
{
	size_t i;
	json_t *jwk;
	int rc;

	json_array_foreach (keys, i, jwk) {
		rc = aig_jwks_key_from_json(jwk, &jwks->keys[i], err);
		if (rc != AIG_OK)
			return rc;
		jwks->n++;
		if (aig_jwks_key_unusable(jwks->keys[i]) == NULL)
			jwks->usable++;
	}
	return AIG_OK;
}

int aig_jwks_from_json(const json_t *root, struct aig_jwks **out,
		       struct aig_error *err)
{
	const json_t *keys = json_object_get(root, "keys");
	struct aig_jwks *jwks = NULL;
	int rc;

	*out = NULL;
	if (!json_is_object(root) || !json_is_array(keys))
		return aig_error_set(err, AIG_ERR_INVALID,
				     "not a JWK Set: no \"keys\" array");
	if (json_array_size(keys) > AIG_JWKS_MAX_KEYS)
		return aig_error_set(err, AIG_ERR_TOO_BIG,
				     "JWK Set has %zu keys, more than %d",
				     json_array_size(keys), AIG_JWKS_MAX_KEYS);
	jwks = calloc(1, sizeof(*jwks));
	if (jwks == NULL ||
	    (jwks->keys = calloc(json_array_size(keys) + 1,
				 sizeof(*jwks->keys))) == NULL) {
		aig_jwks_free(jwks);
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	}
	rc = add_keys(jwks, keys, err);
	if (rc != AIG_OK) {
		aig_jwks_free(jwks);
		return rc;
	}
	*out = jwks;
	return AIG_OK;
}

int aig_jwks_parse(const char *text, size_t len, struct aig_jwks **out,
		   struct aig_error *err)
{
	json_t *root;
	int rc;

	*out = NULL;
	if (len > AIG_JWKS_MAX_BYTES)
		return aig_error_set(err, AIG_ERR_TOO_BIG,
				     "JWK Set larger than %d bytes",
				     AIG_JWKS_MAX_BYTES);
	root = aig_json_parse("JWK Set", text, len, err);
	if (root == NULL)
		return AIG_ERR_SYNTAX;
	rc = aig_jwks_from_json(root, out, err);
	json_decref(root);
	return rc;
}

size_t aig_jwks_count(const struct aig_jwks *jwks)
{
	return jwks->n;
}

size_t aig_jwks_count_usable(const struct aig_jwks *jwks)
{
	return jwks->usable;
}

const struct aig_jwks_key *aig_jwks_get(const struct aig_jwks *jwks, size_t i)
{
	return i < jwks->n ? jwks->keys[i] : NULL;
}

/* The keys named kid: exactly one must fit alg. */
static int find_by_kid(const struct aig_jwks *jwks, const char *kid, int alg,
		       const struct aig_jwks_key **key, struct aig_error *err)
{
	struct aig_error first = {0};
	size_t i, named = 0, fit = 0;
	char esc[80];

	for (i = 0; i < jwks->n; i++) {
		const char *k = aig_jwks_key_kid(jwks->keys[i]);

		if (k == NULL || strcmp(k, kid) != 0)
			continue;
		named++;
		if (aig_jwks_key_check_alg(jwks->keys[i], alg, &first) ==
		    AIG_OK) {
			*key = jwks->keys[i];
			fit++;
		}
	}
	aig_log_escape_str(esc, sizeof(esc), kid);
	if (named == 0)
		return aig_error_set(err, AIG_JWT_ERR_UNKNOWN_KID,
				     "no key has kid \"%s\"", esc);
	if (fit == 0)
		return aig_error_set(err, AIG_JWT_ERR_KEY, "%s", first.msg);
	if (fit > 1)
		return aig_error_set(err, AIG_JWT_ERR_KEY,
				     "%zu keys have kid \"%s\" and fit %s", fit,
				     esc, aig_jwt_alg_name(alg));
	return AIG_OK;
}

/* No kid: the set must hold exactly one usable key. */
static int find_only(const struct aig_jwks *jwks, int alg,
		     const struct aig_jwks_key **key, struct aig_error *err)
{
	size_t i;

	if (jwks->usable == 0)
		return aig_error_set(err, AIG_JWT_ERR_UNKNOWN_KID,
				     "token has no kid and no key is usable");
	if (jwks->usable > 1)
		return aig_error_set(err, AIG_JWT_ERR_KEY,
				     "token has no kid and the JWK Set has "
				     "%zu keys",
				     jwks->usable);
	for (i = 0; i < jwks->n; i++)
		if (aig_jwks_key_unusable(jwks->keys[i]) == NULL)
			break;
	*key = jwks->keys[i];
	return aig_jwks_key_check_alg(*key, alg, err);
}

int aig_jwks_find(const struct aig_jwks *jwks, const char *kid, int alg,
		  const struct aig_jwks_key **key, struct aig_error *err)
{
	int rc;

	*key = NULL;
	rc = kid != NULL ? find_by_kid(jwks, kid, alg, key, err)
			 : find_only(jwks, alg, key, err);
	if (rc != AIG_OK)
		*key = NULL;
	return rc;
}
