/* SPDX-License-Identifier: Apache-2.0 */
/* jwks.c - `jwks show` and `jwks refresh`: the JWK Set the gate verifies
 * bearer tokens with, through the same cache API the gate uses.
 *
 * The fetched set lives under state_dir in files the gate's user writes,
 * authenticated with the state key that user owns, and
 * aig_file_read_checked() refuses a file owned by neither root nor the
 * effective user. So when run as root with a state_dir owned by another
 * user, aigatectl first becomes that user for good (groups, gid, uid): it
 * then reads the key and the cache the gate reads, and what it writes
 * stays the gate's to replace. */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aig_jwt.h"
#include "ctl.h"

/* Which algorithms the key may verify, among all we implement. */
static unsigned key_algs(const struct aig_jwks_key *k)
{
	unsigned algs = 0;
	int a;

	for (a = 0; a < AIG_JWT_ALG__MAX; a++)
		if (aig_jwks_key_check_alg(k, a, NULL) == AIG_OK)
			algs |= AIG_JWT_ALG_BIT(a);
	return algs;
}

/* The key type, as the algorithms it fits tell it. */
static const char *kty_of(unsigned algs)
{
	if (algs &
	    (AIG_JWT_ALG_BIT(AIG_JWT_RS256) | AIG_JWT_ALG_BIT(AIG_JWT_RS384) |
	     AIG_JWT_ALG_BIT(AIG_JWT_RS512) | AIG_JWT_ALG_BIT(AIG_JWT_PS256) |
	     AIG_JWT_ALG_BIT(AIG_JWT_PS384) | AIG_JWT_ALG_BIT(AIG_JWT_PS512)))
		return "RSA";
	if (algs & AIG_JWT_ALG_BIT(AIG_JWT_ES256))
		return "EC P-256";
	if (algs & AIG_JWT_ALG_BIT(AIG_JWT_ES384))
		return "EC P-384";
	return NULL;
}

static json_t *key_json(const struct aig_jwks_key *k, unsigned allowed)
{
	unsigned fits = key_algs(k), use = fits & allowed;
	const char *why = aig_jwks_key_unusable(k);
	const char *kid = aig_jwks_key_kid(k);
	json_t *algs = json_array();
	int a;

	for (a = 0; algs != NULL && a < AIG_JWT_ALG__MAX; a++)
		if (use & AIG_JWT_ALG_BIT(a))
			json_array_append_new(algs,
					      json_string(aig_jwt_alg_name(a)));
	if (why == NULL && use == 0)
		why = "none of its algorithms is in jwt.algorithms";
	return json_pack("{s:o, s:s?, s:o, s:b, s:s?}", "kid",
			 kid ? ctl_jstr(kid) : json_null(), "kty", kty_of(fits),
			 "algs", algs, "usable", why == NULL, "unusable_reason",
			 why);
}

static void print_keys(const json_t *r)
{
	const char *hdr[] = {"KID", "KTY", "ALGS", "STATUS"};
	struct ctl_table *t = ctl_table_new(4, hdr);
	size_t i, j;
	json_t *k, *a;

	ctl_field("source", json_string_value(json_object_get(r, "source")));
	ctl_field("location",
		  json_string_value(json_object_get(r, "location")));
	if (json_object_get(r, "fetched") != NULL &&
	    strcmp(json_string_value(json_object_get(r, "source")),
		   "jwks_file") != 0)
		ctl_field("fetched", json_is_true(json_object_get(r, "fetched"))
					     ? "yes"
					     : "no");
	putchar('\n');
	json_array_foreach (json_object_get(r, "keys"), i, k) {
		char algs[128] = "", status[160];
		const char *row[4] = {
			json_string_value(json_object_get(k, "kid")),
			json_string_value(json_object_get(k, "kty")), algs,
			status};

		json_array_foreach (json_object_get(k, "algs"), j, a) {
			if (j > 0)
				strncat(algs, ",",
					sizeof(algs) - strlen(algs) - 1);
			strncat(algs, json_string_value(a),
				sizeof(algs) - strlen(algs) - 1);
		}
		if (algs[0] == '\0')
			row[2] = NULL; /* printed as "-" */
		if (json_is_true(json_object_get(k, "usable")))
			snprintf(status, sizeof(status), "usable");
		else
			snprintf(status, sizeof(status), "unusable: %s",
				 json_string_value(json_object_get(
					 k, "unusable_reason")));
		if (t != NULL)
			ctl_table_add(t, row);
	}
	if (t != NULL)
		ctl_table_print(t, stdout);
	ctl_table_free(t);
}

static json_t *set_json(const struct aig_config *cfg,
			const struct aig_jwks_cache *cache,
			const struct aig_jwks *set, unsigned allowed)
{
	const char *source = !aig_jwks_cache_is_remote(cache) ? "jwks_file"
			     : cfg->jwt.jwks_uri != NULL      ? "jwks_uri"
							      : "discovery";
	const char *where = !aig_jwks_cache_is_remote(cache)
				    ? cfg->jwt.jwks_file
			    : cfg->jwt.jwks_uri != NULL ? cfg->jwt.jwks_uri
							: cfg->jwt.issuer;
	json_t *keys = json_array();
	size_t i;

	for (i = 0; keys != NULL && i < aig_jwks_count(set); i++)
		json_array_append_new(keys,
				      key_json(aig_jwks_get(set, i), allowed));
	return json_pack("{s:s, s:o, s:I, s:I, s:o}", "source", source,
			 "location", ctl_jstr(where), "count",
			 (json_int_t)aig_jwks_count(set), "usable",
			 (json_int_t)aig_jwks_count_usable(set), "keys", keys);
}

int ctl_cmd_jwks(struct ctl *c)
{
	struct aig_jwks_options opts = {c->cfg->jwt.ca_file, &c->log};
	struct aig_jwks_cache *cache = NULL;
	const struct aig_jwks *set = NULL;
	struct aig_error err = {0};
	bool refresh, fetched = false;
	unsigned allowed = 0;
	json_t *r = NULL;
	char esc[64];
	int rc, code;

	refresh = strcmp(c->args[0], "refresh") == 0;
	if (!refresh && strcmp(c->args[0], "show") != 0)
		return ctl_fail(c, CTL_EXIT_USAGE,
				"unknown action \"%s\" (refresh or show)",
				ctl_esc(esc, sizeof(esc), c->args[0]));
	if (!c->cfg->jwt.present)
		return ctl_fail(c, CTL_EXIT_REFUSED,
				"%s has no \"jwt\" section", c->cfg->path);
	if (aig_jwt_algs_from_names(&c->cfg->jwt.algorithms, &allowed, &err) !=
	    AIG_OK)
		return ctl_fail(c, CTL_EXIT_REFUSED, "%s", err.msg);
	/* before the cache reads the state key, which is the owner's */
	if (c->cfg->jwt.jwks_file == NULL &&
	    (code = ctl_become_state_owner(c)) != CTL_EXIT_OK)
		goto out;
	rc = aig_jwks_cache_new(c->cfg, &opts, &cache, &err);
	/* show: a stale set served is worth a warning; a refresh reports its
	 * own failure in one line */
	c->quiet_warnings = refresh;
	if (rc == AIG_OK && refresh)
		rc = aig_jwks_cache_refresh(cache, time(NULL), true, &set,
					    &fetched, &err);
	else if (rc == AIG_OK)
		rc = aig_jwks_cache_get(cache, time(NULL), &set, &err);
	if (rc != AIG_OK) {
		code = ctl_fail(c,
				rc == AIG_ERR_UNAVAILABLE ? CTL_EXIT_UNAVAILABLE
							  : CTL_EXIT_REFUSED,
				"%s", err.msg);
		goto out;
	}
	r = set_json(c->cfg, cache, set, allowed);
	if (r != NULL && refresh)
		json_object_set_new(r, "fetched", json_boolean(fetched));
	if (r == NULL) {
		code = ctl_fail(c, CTL_EXIT_REFUSED, "out of memory");
		goto out;
	}
	if (c->json)
		ctl_json_print(r);
	else
		print_keys(r);
	code = CTL_EXIT_OK;
	/* A forced refresh of a remote set that took nothing new failed:
	 * the issuer is down and the old set keeps serving. */
	if (refresh && aig_jwks_cache_is_remote(cache) && !fetched)
		code = ctl_fail(c, CTL_EXIT_UNAVAILABLE,
				"fetch failed, the cached set still serves: %s",
				c->last_warning[0] ? c->last_warning
						   : "no detail");
out:
	json_decref(r);
	aig_jwks_cache_free(cache);
	return code;
}
