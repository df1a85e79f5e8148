/* SPDX-License-Identifier: Apache-2.0 */
/* config_sso.c - aigate.json(5)'s single sign-on settings: auth.negotiate
 * (HTTP Negotiate with the service's keytab) and auth.remote_user (a web
 * server that authenticated the caller already). Read after the ldap
 * section, since both default their realms to the AD domain's. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "aig_common.h"

#define SSO_STR_MAX 4096
#define SSO_LIST_MAX 64
/* auth.negotiate.account_check_s when absent: see aigate.json(5) */
#define AIG_ACCOUNT_CHECK_S_DEFAULT 30

static int nomem(const struct aig_jr *c)
{
	return aig_error_set(c->err, AIG_ERR_NOMEM, "out of memory");
}

/* A string member (absent or null: *out NULL); an absolute path if path. */
static int sso_string(const struct aig_jr *c, json_t *obj, const char *ptr,
		      const char *key, bool path, char **out)
{
	char p[AIG_JR_PTR_MAX];
	const char *s = NULL;
	int rc;

	*out = NULL;
	rc = aig_jr_get_string(c, obj, ptr, key,
			       AIG_JR_NULL_ABSENT | AIG_JR_NO_CONTROL,
			       SSO_STR_MAX, &s);
	if (rc != AIG_OK || s == NULL)
		return rc;
	if (path && s[0] != '/') {
		aig_jr_join(p, sizeof(p), ptr, key);
		return aig_jr_fail(c, p, false, "must be an absolute path");
	}
	return (*out = strdup(s)) ? AIG_OK : nomem(c);
}

static int strv_add(const struct aig_jr *c, struct aig_strv *sv, const char *s)
{
	char **v = realloc(sv->v, (sv->n + 2) * sizeof(*v));

	if (v == NULL)
		return nomem(c);
	sv->v = v;
	if ((v[sv->n] = strdup(s)) == NULL)
		return nomem(c);
	v[++sv->n] = NULL;
	return AIG_OK;
}

/* A list of strings member; absent: the AD domain in upper case (the
 * realm of an AD domain), when upper_domain_default and there is one. */
static int sso_list(const struct aig_jr *c, json_t *obj, const char *ptr,
		    const char *key, bool upper_domain_default,
		    const struct aig_config *cfg, struct aig_strv *out)
{
	json_t *a = NULL, *v;
	size_t i;
	int rc;

	rc = aig_jr_get_strings(c, obj, ptr, key,
				AIG_JR_NULL_ABSENT | AIG_JR_NO_CONTROL |
					AIG_JR_TERSE,
				1, SSO_LIST_MAX, 255, &a);
	json_array_foreach (a, i, v) {
		if (rc == AIG_OK)
			rc = strv_add(c, out, json_string_value(v));
	}
	if (rc != AIG_OK || a != NULL || !upper_domain_default ||
	    cfg->ldap.domain == NULL)
		return rc;
	if ((rc = strv_add(c, out, cfg->ldap.domain)) == AIG_OK)
		for (i = 0; out->v[0][i] != '\0'; i++)
			out->v[0][i] =
				(char)toupper((unsigned char)out->v[0][i]);
	return rc;
}

static int parse_negotiate(const struct aig_jr *c, json_t *auth,
			   struct aig_config *cfg)
{
	static const char *const keys[] = {"keytab", "service_principal",
					   "realms", "account_check_s", NULL};
	const char *ptr = "/auth/negotiate";
	bool listed = aig_config_has_method(cfg, AIG_AUTH_NEGOTIATE);
	json_int_t check_s = AIG_ACCOUNT_CHECK_S_DEFAULT;
	json_t *n = NULL;
	int rc;

	if ((rc = aig_jr_get_object(c, auth, "/auth", "negotiate",
				    AIG_JR_NULL_ABSENT, &n)) != AIG_OK ||
	    (n != NULL && (rc = aig_jr_check_keys(c, n, ptr, keys)) != AIG_OK))
		return rc;
#ifndef HAVE_GSSAPI
	if (listed)
		return aig_jr_fail(c, "/auth/methods", false,
				   "\"negotiate\" needs GSSAPI, and aigate was "
				   "built without it (configure "
				   "--without-gssapi)");
#endif
	if (listed && n == NULL)
		return aig_jr_fail(c, "/auth", false,
				   "\"negotiate\" in \"methods\" needs "
				   "\"negotiate\": {\"keytab\": ...}");
	if (listed && !cfg->ldap.has_service_bind)
		return aig_jr_fail(c, "/ldap", false,
				   "\"negotiate\" in auth.methods needs "
				   "\"service_bind\" (the account is looked "
				   "up in the directory)");
	if ((rc = sso_string(c, n, ptr, "keytab", true,
			     &cfg->auth.negotiate.keytab)) != AIG_OK ||
	    (rc = sso_string(c, n, ptr, "service_principal", false,
			     &cfg->auth.negotiate.service_principal)) !=
		    AIG_OK ||
	    (rc = sso_list(c, n, ptr, "realms", true, cfg,
			   &cfg->auth.negotiate.realms)) != AIG_OK ||
	    (rc = aig_jr_get_int(c, n, ptr, "account_check_s", 0, 0, 300,
				 &check_s)) != AIG_OK)
		return rc;
	cfg->auth.negotiate.account_check_s = (int)check_s;
	if (listed && cfg->auth.negotiate.keytab == NULL)
		return aig_jr_fail(c, ptr, false, "\"keytab\" is required");
	if (listed && cfg->auth.negotiate.realms.n == 0)
		return aig_jr_fail(c, ptr, false,
				   "\"realms\" is required without "
				   "ldap.domain");
	return AIG_OK;
}

static int parse_remote_user(const struct aig_jr *c, json_t *auth,
			     struct aig_config *cfg)
{
	static const char *const keys[] = {"auth_types", "realms", NULL};
	const char *ptr = "/auth/remote_user";
	bool listed = aig_config_has_method(cfg, AIG_AUTH_REMOTE_USER);
	json_t *r = NULL;
	int rc;

	if ((rc = aig_jr_get_object(c, auth, "/auth", "remote_user",
				    AIG_JR_NULL_ABSENT, &r)) != AIG_OK ||
	    (r != NULL &&
	     (rc = aig_jr_check_keys(c, r, ptr, keys)) != AIG_OK) ||
	    (rc = sso_list(c, r, ptr, "auth_types", false, cfg,
			   &cfg->auth.remote_user.auth_types)) != AIG_OK ||
	    (rc = sso_list(c, r, ptr, "realms", true, cfg,
			   &cfg->auth.remote_user.realms)) != AIG_OK)
		return rc;
	if (listed && cfg->auth.remote_user.auth_types.n == 0)
		return aig_jr_fail(c, "/auth", false,
				   "\"remote_user\" in \"methods\" needs "
				   "\"remote_user\": {\"auth_types\": [...]}");
	if (listed && !cfg->ldap.has_service_bind)
		return aig_jr_fail(c, "/ldap", false,
				   "\"remote_user\" in auth.methods needs "
				   "\"service_bind\" (the account is looked "
				   "up in the directory)");
	return AIG_OK;
}

int aig_config_parse_sso(const struct aig_jr *c, json_t *auth,
			 struct aig_config *cfg)
{
	int rc = parse_negotiate(c, auth, cfg);

	return rc == AIG_OK ? parse_remote_user(c, auth, cfg) : rc;
}

void aig_config_free_sso(struct aig_config *cfg)
{
	free(cfg->auth.negotiate.keytab);
	free(cfg->auth.negotiate.service_principal);
	aig_strv_free(&cfg->auth.negotiate.realms);
	aig_strv_free(&cfg->auth.remote_user.auth_types);
	aig_strv_free(&cfg->auth.remote_user.realms);
}
