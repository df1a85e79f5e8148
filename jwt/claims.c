/* SPDX-License-Identifier: Apache-2.0 */
/* claims.c - a verified JWT's claims against aigate.json's "jwt" section
 * (RFC 7519 §4.1, OIDC Core §3.1.3.7). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "jwt_int.h"

void aig_jwt_identity_free(struct aig_jwt_identity *id)
{
	size_t i;

	if (id == NULL)
		return;
	for (i = 0; i < id->groups.n; i++)
		free(id->groups.v[i]);
	free(id->groups.v);
	free(id->user);
	free(id->kid);
	free(id);
}

/* Valid UTF-8 without control or bidi characters (aig_utf8_clean(), the
 * check Basic user names get too), and without ',' if no_comma. */
static bool clean_string(const char *s, size_t len, bool no_comma)
{
	return aig_utf8_clean(s, len) &&
	       (!no_comma || memchr(s, ',', len) == NULL);
}

static int check_iss(const struct aig_config *cfg, const json_t *c,
		     struct aig_error *err)
{
	const char *iss = json_string_value(json_object_get(c, "iss"));
	char esc[128];

	if (iss == NULL)
		return aig_error_set(err, AIG_JWT_ERR_ISSUER,
				     "iss missing or not a string");
	if (strcmp(iss, cfg->jwt.issuer) != 0)
		return aig_error_set(err, AIG_JWT_ERR_ISSUER,
				     "iss \"%s\" is not jwt.issuer",
				     aig_log_escape_str(esc, sizeof(esc), iss));
	return AIG_OK;
}

static bool aud_is_ours(const struct aig_config *cfg, const json_t *aud)
{
	size_t i;

	for (i = 0; json_is_string(aud) && i < cfg->jwt.audience.n; i++)
		if (strcmp(json_string_value(aud), cfg->jwt.audience.v[i]) == 0)
			return true;
	return false;
}

/* A Cognito access token has no aud but a client_id (jwt.client_ids);
 * a token without aud passes only that way, never for its absence. */
static int check_client_id(const struct aig_config *cfg, const json_t *c,
			   struct aig_error *err)
{
	const char *id = json_string_value(json_object_get(c, "client_id"));
	size_t i;

	if (cfg->jwt.client_ids.n == 0)
		return aig_error_set(err, AIG_JWT_ERR_AUDIENCE,
				     "aud missing (and no jwt.client_ids)");
	for (i = 0; id != NULL && i < cfg->jwt.client_ids.n; i++)
		if (strcmp(id, cfg->jwt.client_ids.v[i]) == 0)
			return AIG_OK;
	return aig_error_set(err, AIG_JWT_ERR_AUDIENCE,
			     "aud missing and client_id missing or not one "
			     "of jwt.client_ids");
}

static int check_aud(const struct aig_config *cfg, const json_t *c,
		     struct aig_error *err)
{
	const json_t *aud = json_object_get(c, "aud");
	json_t *one;
	size_t i;
	bool ours = false;

	if (aud == NULL)
		return check_client_id(cfg, c, err);
	if (json_is_string(aud))
		ours = aud_is_ours(cfg, aud);
	else if (!json_is_array(aud) || json_array_size(aud) == 0 ||
		 json_array_size(aud) > AIG_JWT_MAX_AUD)
		return aig_error_set(err, AIG_JWT_ERR_AUDIENCE,
				     "aud not a string or an "
				     "array of 1 to %d strings",
				     AIG_JWT_MAX_AUD);
	json_array_foreach (aud, i, one) { /* no turn for a string */
		if (!json_is_string(one))
			return aig_error_set(err, AIG_JWT_ERR_AUDIENCE,
					     "aud holds a non-string");
		ours = ours || aud_is_ours(cfg, one);
	}
	if (!ours)
		return aig_error_set(err, AIG_JWT_ERR_AUDIENCE,
				     "aud names none of jwt.audience");
	return AIG_OK;
}

/* jwt.token_use: Cognito's "id" or "access", exactly. */
static int check_token_use(const struct aig_config *cfg, const json_t *c,
			   struct aig_error *err)
{
	const char *use = json_string_value(json_object_get(c, "token_use"));

	if (cfg->jwt.token_use == NULL)
		return AIG_OK;
	if (use == NULL || strcmp(use, cfg->jwt.token_use) != 0)
		return aig_error_set(err, AIG_JWT_ERR_TOKEN_USE,
				     "token_use missing or not \"%s\"",
				     cfg->jwt.token_use);
	return AIG_OK;
}

/* A NumericDate member: absent (*present false) or a JSON number. */
static int numeric_date(const json_t *c, const char *name, double *v,
			bool *present, struct aig_error *err)
{
	const json_t *d = json_object_get(c, name);

	*present = d != NULL;
	if (d == NULL)
		return AIG_OK;
	if (!json_is_number(d))
		return aig_error_set(err, AIG_JWT_ERR_CLAIMS,
				     "%s is not a number", name);
	*v = json_number_value(d);
	return AIG_OK;
}

static long long clamp_ll(double v)
{
	if (v >= 9.2e18)
		return 9200000000000000000LL;
	if (v <= -9.2e18)
		return -9200000000000000000LL;
	return (long long)v;
}

/* exp required; nbf and iat if present; all with leeway_s. */
static int check_times(const struct aig_config *cfg, const json_t *c,
		       time_t now, struct aig_jwt_identity *id,
		       struct aig_error *err)
{
	double t = (double)now, leeway = cfg->jwt.leeway_s, exp = 0, nbf = 0,
	       iat = 0;
	bool has_exp, has_nbf, has_iat;
	int rc;

	if ((rc = numeric_date(c, "exp", &exp, &has_exp, err)) != AIG_OK ||
	    (rc = numeric_date(c, "nbf", &nbf, &has_nbf, err)) != AIG_OK ||
	    (rc = numeric_date(c, "iat", &iat, &has_iat, err)) != AIG_OK)
		return rc;
	if (!has_exp)
		return aig_error_set(err, AIG_JWT_ERR_CLAIMS, "exp missing");
	if (t - leeway >= exp)
		return aig_error_set(err, AIG_JWT_ERR_EXPIRED,
				     "expired %.0f s ago (leeway %d s)",
				     t - exp, cfg->jwt.leeway_s);
	if (has_nbf && nbf > t + leeway)
		return aig_error_set(err, AIG_JWT_ERR_NOT_YET_VALID,
				     "not valid for %.0f s more (nbf)",
				     nbf - t);
	if (has_iat && iat > t + leeway)
		return aig_error_set(err, AIG_JWT_ERR_NOT_YET_VALID,
				     "issued %.0f s in the future (iat)",
				     iat - t);
	id->exp = clamp_ll(exp);
	return AIG_OK;
}

int aig_jwt_take_user(const json_t *c, const char *claim,
		      struct aig_jwt_identity *id, struct aig_error *err)
{
	const json_t *u = json_object_get(c, claim);
	size_t len = json_string_length(u);

	if (!json_is_string(u) || len == 0 || len > AIG_JWT_MAX_USER ||
	    !clean_string(json_string_value(u), len, false))
		return aig_error_set(err, AIG_JWT_ERR_CLAIMS,
				     "claim \"%s\" (the user) missing, not a "
				     "string of 1 to %d bytes, or holds "
				     "control characters",
				     claim, AIG_JWT_MAX_USER);
	id->user = strdup(json_string_value(u));
	if (id->user == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	return AIG_OK;
}

static bool group_ok(const json_t *g)
{
	size_t len = json_string_length(g);

	return json_is_string(g) && len > 0 && len <= AIG_JWT_MAX_GROUP &&
	       clean_string(json_string_value(g), len, true);
}

int aig_jwt_take_groups(const json_t *c, const char *claim,
			struct aig_jwt_identity *id, struct aig_error *err)
{
	const json_t *gs = json_object_get(c, claim);
	json_t *g;
	size_t i;

	if (gs == NULL)
		return AIG_OK;
	if (!json_is_array(gs) || json_array_size(gs) > AIG_JWT_MAX_GROUPS)
		return aig_error_set(err, AIG_JWT_ERR_CLAIMS,
				     "claim \"%s\" (the groups) is not an "
				     "array of at most %d strings",
				     claim, AIG_JWT_MAX_GROUPS);
	id->groups.v = calloc(json_array_size(gs) + 1, sizeof(char *));
	if (id->groups.v == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	json_array_foreach (gs, i, g) {
		if (!group_ok(g))
			return aig_error_set(err, AIG_JWT_ERR_CLAIMS,
					     "claim \"%s\": entry %zu is not a "
					     "string of 1 to "
					     "%d bytes without controls or ','",
					     claim, i, AIG_JWT_MAX_GROUP);
		id->groups.v[i] = strdup(json_string_value(g));
		if (id->groups.v[i] == NULL)
			return aig_error_set(err, AIG_ERR_NOMEM,
					     "out of memory");
		id->groups.n++;
	}
	return AIG_OK;
}

static int check_all(const struct aig_config *cfg, const json_t *c, time_t now,
		     struct aig_jwt_identity *id, struct aig_error *err)
{
	int rc;

	if ((rc = check_iss(cfg, c, err)) != AIG_OK ||
	    (rc = check_aud(cfg, c, err)) != AIG_OK ||
	    (rc = check_token_use(cfg, c, err)) != AIG_OK ||
	    (rc = check_times(cfg, c, now, id, err)) != AIG_OK ||
	    (rc = aig_jwt_take_user(c, cfg->jwt.user_claim, id, err)) != AIG_OK)
		return rc;
	if (cfg->jwt.groups_from_ldap)
		return AIG_OK; /* the gate asks AD */
	return aig_jwt_take_groups(c, cfg->jwt.groups_claim, id, err);
}

int aig_jwt_check_claims(const struct aig_config *cfg, const char *payload,
			 size_t len, time_t now, struct aig_jwt_identity **out,
			 struct aig_error *err)
{
	struct aig_error jerr = {0};
	struct aig_jwt_identity *id = NULL;
	json_t *c = NULL;
	int rc;

	if (out != NULL)
		*out = NULL;
	c = aig_json_parse("JWT claims", payload, len, &jerr);
	if (!json_is_object(c)) {
		rc = aig_error_set(err, AIG_JWT_ERR_CLAIMS,
				   "payload is not a JSON object%s%s",
				   jerr.msg[0] ? ": " : "", jerr.msg);
		goto out;
	}
	id = calloc(1, sizeof(*id));
	if (id == NULL) {
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
		goto out;
	}
	id->alg = -1;
	rc = check_all(cfg, c, now, id, err);
	if (rc == AIG_OK && out != NULL) {
		*out = id;
		id = NULL;
	}
out:
	aig_jwt_identity_free(id);
	json_decref(c);
	return rc;
}
