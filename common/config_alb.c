/* SPDX-License-Identifier: Apache-2.0 */
/* config_alb.c - aigate.json's auth.alb (aigate.json(5)): the AWS
 * Application Load Balancer whose x-amzn-oidc-data header the gate
 * trusts, and jwt.token_use / jwt.client_ids for Cognito tokens. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

#define STR_MAX 4096

static int dup_opt(const struct aig_jr *c, const char *s, char **out)
{
	*out = NULL;
	if (s == NULL)
		return AIG_OK;
	*out = strdup(s);
	if (*out == NULL)
		return aig_error_set(c->err, AIG_ERR_NOMEM, "out of memory");
	return AIG_OK;
}

static int str(const struct aig_jr *c, json_t *obj, const char *ptr,
	       const char *key, bool required, const char *def, char **out)
{
	const char *s = NULL;
	int rc = aig_jr_get_string(c, obj, ptr, key,
				   AIG_JR_NULL_ABSENT | AIG_JR_NO_CONTROL |
					   (required ? AIG_JR_REQUIRED : 0),
				   STR_MAX, &s);

	*out = NULL;
	if (rc != AIG_OK)
		return rc;
	return dup_opt(c, s != NULL ? s : def, out);
}

static int strv(const struct aig_jr *c, json_t *obj, const char *ptr,
		const char *key, struct aig_strv *out)
{
	json_t *v = NULL, *one;
	size_t i;
	int rc;

	out->v = NULL;
	out->n = 0;
	rc = aig_jr_get_strings(c, obj, ptr, key,
				AIG_JR_NULL_ABSENT | AIG_JR_NO_CONTROL, 1, 64,
				STR_MAX, &v);
	if (rc != AIG_OK || v == NULL)
		return rc;
	out->v = calloc(json_array_size(v) + 1, sizeof(char *));
	if (out->v == NULL)
		return aig_error_set(c->err, AIG_ERR_NOMEM, "out of memory");
	json_array_foreach (v, i, one) {
		if ((out->v[i] = strdup(json_string_value(one))) == NULL)
			return aig_error_set(c->err, AIG_ERR_NOMEM,
					     "out of memory");
		out->n++;
	}
	return AIG_OK;
}

/* An ARN "arn:PARTITION:elasticloadbalancing:REGION:ACCOUNT:..." gives
 * its region; "" when it has none. */
static void arn_region(const char *arn, char *out, size_t len)
{
	const char *p = arn;
	size_t i, n;

	out[0] = '\0';
	for (i = 0; i < 3 && p != NULL; i++)
		p = (p = strchr(p, ':')) != NULL ? p + 1 : NULL;
	if (p == NULL)
		return;
	n = strcspn(p, ":");
	if (n < len)
		snprintf(out, len, "%.*s", (int)n, p);
}

/* A region goes into a host name: lower-case letters, digits, '-'. */
static bool region_ok(const char *r)
{
	return r[0] != '\0' && strspn(r, "abcdefghijklmnopqrstuvwxyz"
					 "0123456789-") == strlen(r);
}

static int alb_arn_region(const struct aig_jr *c, struct aig_config *cfg)
{
	char from_arn[64];

	if (strncmp(cfg->alb.arn, "arn:", 4) != 0 ||
	    strstr(cfg->alb.arn, ":elasticloadbalancing:") == NULL)
		return aig_jr_fail(c, "/auth/alb/arn", false,
				   "must be the ARN of the load balancer "
				   "(arn:aws:elasticloadbalancing:...)");
	arn_region(cfg->alb.arn, from_arn, sizeof(from_arn));
	if (cfg->alb.region == NULL && from_arn[0] != '\0' &&
	    dup_opt(c, from_arn, &cfg->alb.region) != AIG_OK)
		return c->err ? c->err->status : AIG_ERR_NOMEM;
	if (cfg->alb.region != NULL && !region_ok(cfg->alb.region))
		return aig_jr_fail(c, "/auth/alb/region", false,
				   "must be an AWS region name such as "
				   "us-east-1");
	return AIG_OK;
}

/* key_url: given (https), or built from the region. */
static int alb_key_url(const struct aig_jr *c, struct aig_config *cfg)
{
	char url[256];
	size_t n;

	if (cfg->alb.key_url != NULL) {
		if (strncmp(cfg->alb.key_url, "https://", 8) != 0)
			return aig_jr_fail(c, "/auth/alb/key_url", false,
					   "must be an https:// URL");
		n = strlen(cfg->alb.key_url);
		if (cfg->alb.key_url[n - 1] == '/')
			cfg->alb.key_url[n - 1] = '\0';
		return AIG_OK;
	}
	if (cfg->alb.region == NULL)
		return aig_jr_fail(c, "/auth/alb", false,
				   "give \"region\" or \"key_url\"");
	snprintf(url, sizeof(url),
		 "https://public-keys.auth.elb.%s.amazonaws.com",
		 cfg->alb.region);
	return dup_opt(c, url, &cfg->alb.key_url);
}

int aig_config_parse_alb(const struct aig_jr *c, json_t *root,
			 struct aig_config *cfg)
{
	static const char *const keys[] = {
		"arn",		"region",	    "client_ids",
		"key_url",	"ca_file",	    "user_claim",
		"groups_claim", "groups_from_ldap", NULL};
	const char *ptr = "/auth/alb";
	bool need = aig_config_has_method(cfg, AIG_AUTH_ALB);
	json_t *auth = json_object_get(root, "auth"), *alb = NULL;
	int rc;

	if (json_is_object(auth) &&
	    (rc = aig_jr_get_object(c, auth, "/auth", "alb", 0, &alb)) !=
		    AIG_OK)
		return rc;
	if (alb == NULL && !need)
		return AIG_OK;
	if (alb == NULL)
		return aig_jr_fail(
			c, "/auth", false,
			"\"alb\" in methods needs an \"alb\" object");
	cfg->alb.present = true;
	if ((rc = aig_jr_check_keys(c, alb, ptr, keys)) != AIG_OK ||
	    (rc = str(c, alb, ptr, "arn", true, NULL, &cfg->alb.arn)) !=
		    AIG_OK ||
	    (rc = str(c, alb, ptr, "region", false, NULL, &cfg->alb.region)) !=
		    AIG_OK ||
	    (rc = strv(c, alb, ptr, "client_ids", &cfg->alb.client_ids)) !=
		    AIG_OK ||
	    (rc = str(c, alb, ptr, "key_url", false, NULL,
		      &cfg->alb.key_url)) != AIG_OK ||
	    (rc = str(c, alb, ptr, "ca_file", false, NULL,
		      &cfg->alb.ca_file)) != AIG_OK ||
	    (rc = str(c, alb, ptr, "user_claim", false, "email",
		      &cfg->alb.user_claim)) != AIG_OK ||
	    (rc = str(c, alb, ptr, "groups_claim", false, "groups",
		      &cfg->alb.groups_claim)) != AIG_OK ||
	    (rc = aig_jr_get_bool(c, alb, ptr, "groups_from_ldap", 0,
				  &cfg->alb.groups_from_ldap)) != AIG_OK ||
	    (rc = alb_arn_region(c, cfg)) != AIG_OK ||
	    (rc = alb_key_url(c, cfg)) != AIG_OK)
		return rc;
	if (cfg->alb.ca_file != NULL && cfg->alb.ca_file[0] != '/')
		return aig_jr_fail(c, "/auth/alb/ca_file", false,
				   "must be an absolute path");
	if (cfg->alb.groups_from_ldap && !cfg->ldap.has_service_bind)
		return aig_jr_fail(
			c, "/auth/alb/groups_from_ldap", false,
			"needs ldap.service_bind to read the directory");
	return AIG_OK;
}

int aig_config_parse_cognito(const struct aig_jr *c, json_t *jwt,
			     struct aig_config *cfg)
{
	const char *ptr = "/jwt";
	int rc;

	if ((rc = str(c, jwt, ptr, "token_use", false, NULL,
		      &cfg->jwt.token_use)) != AIG_OK ||
	    (rc = strv(c, jwt, ptr, "client_ids", &cfg->jwt.client_ids)) !=
		    AIG_OK)
		return rc;
	if (cfg->jwt.token_use != NULL &&
	    strcmp(cfg->jwt.token_use, "id") != 0 &&
	    strcmp(cfg->jwt.token_use, "access") != 0)
		return aig_jr_fail(c, "/jwt/token_use", false,
				   "must be \"id\" or \"access\"");
	return AIG_OK;
}

void aig_config_free_alb(struct aig_config *cfg)
{
	free(cfg->alb.arn);
	free(cfg->alb.region);
	aig_strv_free(&cfg->alb.client_ids);
	free(cfg->alb.key_url);
	free(cfg->alb.ca_file);
	free(cfg->alb.user_claim);
	free(cfg->alb.groups_claim);
	free(cfg->jwt.token_use);
	aig_strv_free(&cfg->jwt.client_ids);
}
