/* SPDX-License-Identifier: Apache-2.0 */
/* config.c - aigate.json (aigate.json(5)): parsed once into struct aig_config.
 *
 * Every error names the key (dotted, e.g. "ldap.timeout_ms") and where it
 * is: file:line:column of the offending value, of an unknown key, or of the
 * object that lacks a required key. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aig_common.h"
#include "config_int.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

const char *aig_config_default_path(void)
{
	return SYSCONFDIR "/aigate/aigate.json";
}

const char *aig_config_default_state_key(void)
{
	return SYSCONFDIR "/aigate/state.key";
}

/* The strict reader (aig_common.h); this file adds aigate.json's rules:
 * null is the same as an absent key, strings are 1 to 4096 bytes, and
 * what is read is copied into the config. */
#define STR_MAX 4096

/* Gets member key of obj as an object. Absent: *out NULL, error if
 * required. */
static int get_object(const struct aig_jr *c, json_t *obj, const char *ptr,
		      const char *key, bool required, json_t **out)
{
	return aig_jr_get_object(c, obj, ptr, key,
				 required ? AIG_JR_REQUIRED : 0, out);
}

static int dup_str(const struct aig_jr *c, const char *s, char **out)
{
	*out = strdup(s);
	if (*out == NULL)
		return aig_error_set(c->err, AIG_ERR_NOMEM, "out of memory");
	return AIG_OK;
}

/* Gets a non-empty string member. null counts as absent. Absent: *out is a
 * copy of def (or NULL), or an error if required. */
static int get_string(const struct aig_jr *c, json_t *obj, const char *ptr,
		      const char *key, bool required, const char *def,
		      char **out)
{
	const char *s;
	int rc;

	*out = NULL;
	rc = aig_jr_get_string(c, obj, ptr, key,
			       AIG_JR_NULL_ABSENT |
				       (required ? AIG_JR_REQUIRED : 0),
			       STR_MAX, &s);
	if (rc != AIG_OK)
		return rc;
	if (s == NULL)
		s = def;
	return s ? dup_str(c, s, out) : AIG_OK;
}

static int get_path(const struct aig_jr *c, json_t *obj, const char *ptr,
		    const char *key, bool required, const char *def, char **out)
{
	char p[AIG_JR_PTR_MAX];
	int rc = get_string(c, obj, ptr, key, required, def, out);

	if (rc != AIG_OK || *out == NULL || (*out)[0] == '/')
		return rc;
	aig_jr_join(p, sizeof(p), ptr, key);
	return aig_jr_fail(c, p, false, "must be an absolute path");
}

static int get_bool(const struct aig_jr *c, json_t *obj, const char *ptr,
		    const char *key, bool def, bool *out)
{
	*out = def;
	return aig_jr_get_bool(c, obj, ptr, key, 0, out);
}

static int get_int(const struct aig_jr *c, json_t *obj, const char *ptr,
		   const char *key, int def, int min, int max, int *out)
{
	json_int_t v = def;
	int rc = aig_jr_get_int(c, obj, ptr, key, 0, min, max, &v);

	*out = (int)v;
	return rc;
}

/* Gets a non-empty array of non-empty strings (a single string is not
 * accepted: aigate.json(5) shows arrays). Absent: def (NULL-terminated) or
 * nothing. */
static int get_strv(const struct aig_jr *c, json_t *obj, const char *ptr,
		    const char *key, const char *const *def,
		    struct aig_strv *out)
{
	json_t *v;
	size_t n;
	int rc;

	out->v = NULL;
	out->n = 0;
	rc = aig_jr_get_strings(c, obj, ptr, key,
				AIG_JR_NULL_ABSENT | AIG_JR_TERSE, 1, 64,
				STR_MAX, &v);
	if (rc != AIG_OK)
		return rc;
	n = v != NULL ? json_array_size(v) : 0;
	for (; v == NULL && def != NULL && def[n] != NULL; n++)
		;
	if (n == 0)
		return AIG_OK;
	out->v = calloc(n, sizeof(*out->v));
	if (out->v == NULL)
		return aig_error_set(c->err, AIG_ERR_NOMEM, "out of memory");
	for (; out->n < n; out->n++) {
		const char *s =
			v != NULL ? json_string_value(json_array_get(v, out->n))
				  : def[out->n];

		if (dup_str(c, s, &out->v[out->n]) != AIG_OK)
			return AIG_ERR_NOMEM;
	}
	return AIG_OK;
}

/* Index of s in the NULL-terminated list, or -1. */
static int one_of(const char *s, const char *const *list)
{
	int i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(s, list[i]) == 0)
			return i;
	return -1;
}

/* ------------------------------------------------------------ sections */

static int parse_service_bind(const struct aig_jr *c, json_t *sb,
			      struct aig_config *cfg)
{
	static const char *const keys[] = {
		"dn",	     "password_file", "sasl_mech", "keytab",
		"cert_file", "key_file",      NULL};
	static const char *const mechs[] = {"GSSAPI", "EXTERNAL", NULL};
	const char *ptr = "/ldap/service_bind";
	char *mech = NULL;
	int rc, m;

	if ((rc = aig_jr_check_keys(c, sb, ptr, keys)) != AIG_OK ||
	    (rc = get_string(c, sb, ptr, "sasl_mech", false, NULL, &mech)) !=
		    AIG_OK)
		goto out;
	m = mech ? one_of(mech, mechs) : -1;
	if (mech != NULL && m < 0) {
		rc = aig_jr_fail(c, "/ldap/service_bind/sasl_mech", false,
				 "must be \"GSSAPI\", \"EXTERNAL\" or null");
		goto out;
	}
	cfg->ldap.service_bind.sasl_mech = m == 0   ? AIG_SASL_GSSAPI
					   : m == 1 ? AIG_SASL_EXTERNAL
						    : AIG_SASL_NONE;
	/* A simple bind needs a DN and its password; SASL binds name
	 * themselves (GSSAPI by the keytab's principal, EXTERNAL by the
	 * client certificate). */
	if ((rc = get_string(c, sb, ptr, "dn", m < 0, NULL,
			     &cfg->ldap.service_bind.dn)) != AIG_OK ||
	    (rc = get_path(c, sb, ptr, "password_file", m < 0, NULL,
			   &cfg->ldap.service_bind.password_file)) != AIG_OK ||
	    (rc = get_path(c, sb, ptr, "keytab", m == 0, NULL,
			   &cfg->ldap.service_bind.keytab)) != AIG_OK ||
	    (rc = get_path(c, sb, ptr, "cert_file", m == 1, NULL,
			   &cfg->ldap.service_bind.cert_file)) != AIG_OK ||
	    (rc = get_path(c, sb, ptr, "key_file", m == 1, NULL,
			   &cfg->ldap.service_bind.key_file)) != AIG_OK)
		goto out;
	cfg->ldap.has_service_bind = true;
out:
	free(mech);
	return rc;
}

static int check_ldap_uris(const struct aig_jr *c, struct aig_config *cfg)
{
	char p[64];
	size_t i;

	for (i = 0; i < cfg->ldap.uri.n; i++) {
		const char *u = cfg->ldap.uri.v[i];

		aig_jr_join_index(p, sizeof(p), "/ldap/uri", i);
		if (strncmp(u, "ldaps://", 8) == 0)
			continue;
		if (strncmp(u, "ldap://", 7) != 0)
			return aig_jr_fail(
				c, p, false,
				"must start with ldaps:// or ldap://");
		if (!cfg->ldap.starttls)
			return aig_jr_fail(c, p, false,
					   "ldap:// is allowed only with "
					   "\"starttls\": true");
	}
	return AIG_OK;
}

static int parse_ldap(const struct aig_jr *c, json_t *root,
		      struct aig_config *cfg)
{
	static const char *const keys[] = {
		"uri",	   "dns_srv",	   "domain",	 "base_dn",
		"ca_file", "starttls",	   "timeout_ms", "login_attribute",
		"groups",  "service_bind", NULL};
	static const char *const methods[] = {"tokengroups", "in_chain",
					      "memberof", NULL};
	const char *ptr = "/ldap";
	json_t *ldap, *sb;
	char *groups = NULL;
	int rc, g;

	if ((rc = get_object(c, root, "", "ldap", true, &ldap)) != AIG_OK ||
	    (rc = aig_jr_check_keys(c, ldap, ptr, keys)) != AIG_OK ||
	    (rc = get_strv(c, ldap, ptr, "uri", NULL, &cfg->ldap.uri)) !=
		    AIG_OK ||
	    (rc = get_string(c, ldap, ptr, "dns_srv", false, NULL,
			     &cfg->ldap.dns_srv)) != AIG_OK ||
	    (rc = get_string(c, ldap, ptr, "domain", false, NULL,
			     &cfg->ldap.domain)) != AIG_OK ||
	    (rc = get_string(c, ldap, ptr, "base_dn", true, NULL,
			     &cfg->ldap.base_dn)) != AIG_OK ||
	    (rc = get_path(c, ldap, ptr, "ca_file", false, NULL,
			   &cfg->ldap.ca_file)) != AIG_OK ||
	    (rc = get_bool(c, ldap, ptr, "starttls", false,
			   &cfg->ldap.starttls)) != AIG_OK ||
	    (rc = get_int(c, ldap, ptr, "timeout_ms", 5000, 100, 600000,
			  &cfg->ldap.timeout_ms)) != AIG_OK ||
	    (rc = get_string(c, ldap, ptr, "login_attribute", false,
			     "sAMAccountName", &cfg->ldap.login_attribute)) !=
		    AIG_OK ||
	    (rc = get_string(c, ldap, ptr, "groups", false, "tokengroups",
			     &groups)) != AIG_OK ||
	    (rc = get_object(c, ldap, ptr, "service_bind", false, &sb)) !=
		    AIG_OK)
		goto out;
	if ((g = one_of(groups, methods)) < 0) {
		rc = aig_jr_fail(c, "/ldap/groups", false,
				 "must be \"tokengroups\", \"in_chain\" or "
				 "\"memberof\"");
		goto out;
	}
	cfg->ldap.groups = (enum aig_groups_method)g;
	if (cfg->ldap.uri.n == 0 && cfg->ldap.dns_srv == NULL) {
		rc = aig_jr_fail(c, ptr, false, "needs \"uri\" or \"dns_srv\"");
		goto out;
	}
	if ((rc = check_ldap_uris(c, cfg)) != AIG_OK)
		goto out;
	if (sb != NULL && (rc = parse_service_bind(c, sb, cfg)) != AIG_OK)
		goto out;
	if (cfg->ldap.domain == NULL && !cfg->ldap.has_service_bind)
		rc = aig_jr_fail(c, ptr, false,
				 "needs \"domain\" or \"service_bind\"");
out:
	free(groups);
	return rc;
}

static int check_algorithms(const struct aig_jr *c, struct aig_config *cfg)
{
	static const char *const algs[] = {"RS256", "RS384", "RS512",
					   "PS256", "PS384", "PS512",
					   "ES256", "ES384", NULL};
	char p[64];
	size_t i;

	for (i = 0; i < cfg->jwt.algorithms.n; i++) {
		aig_jr_join_index(p, sizeof(p), "/jwt/algorithms", i);
		if (one_of(cfg->jwt.algorithms.v[i], algs) < 0)
			return aig_jr_fail(
				c, p, false,
				"\"%s\" is not accepted (RS256/384/512, "
				"PS256/384/512, ES256/384; never none or HMAC)",
				cfg->jwt.algorithms.v[i]);
	}
	return AIG_OK;
}

static int check_https(const struct aig_jr *c, const char *ptr, const char *url)
{
	if (url != NULL && strncmp(url, "https://", 8) != 0)
		return aig_jr_fail(c, ptr, false, "must be an https:// URL");
	return AIG_OK;
}

static int parse_jwt(const struct aig_jr *c, json_t *root,
		     struct aig_config *cfg)
{
	static const char *const keys[] = {
		"issuer",     "audience",     "jwks_uri",
		"jwks_file",  "algorithms",   "leeway_s",
		"user_claim", "groups_claim", "groups_from_ldap",
		"ca_file",    "token_use",    "client_ids",
		NULL};
	static const char *const def_algs[] = {"RS256", "ES256", NULL};
	const char *ptr = "/jwt";
	bool need = aig_config_has_method(cfg, AIG_AUTH_BEARER);
	json_t *jwt;
	int rc;

	if ((rc = get_object(c, root, "", "jwt", need, &jwt)) != AIG_OK ||
	    jwt == NULL)
		return rc;
	cfg->jwt.present = true;
	/* issuer and audience have no safe default: a token is only
	 * meaningful for the issuer and audience it names. */
	if ((rc = aig_jr_check_keys(c, jwt, ptr, keys)) != AIG_OK ||
	    (rc = get_string(c, jwt, ptr, "issuer", true, NULL,
			     &cfg->jwt.issuer)) != AIG_OK ||
	    (rc = get_strv(c, jwt, ptr, "audience", NULL,
			   &cfg->jwt.audience)) != AIG_OK ||
	    (rc = get_string(c, jwt, ptr, "jwks_uri", false, NULL,
			     &cfg->jwt.jwks_uri)) != AIG_OK ||
	    (rc = check_https(c, "/jwt/jwks_uri", cfg->jwt.jwks_uri)) !=
		    AIG_OK ||
	    (rc = get_path(c, jwt, ptr, "jwks_file", false, NULL,
			   &cfg->jwt.jwks_file)) != AIG_OK ||
	    (rc = get_path(c, jwt, ptr, "ca_file", false, NULL,
			   &cfg->jwt.ca_file)) != AIG_OK ||
	    (rc = get_strv(c, jwt, ptr, "algorithms", def_algs,
			   &cfg->jwt.algorithms)) != AIG_OK ||
	    (rc = check_algorithms(c, cfg)) != AIG_OK ||
	    (rc = get_int(c, jwt, ptr, "leeway_s", 60, 0, 3600,
			  &cfg->jwt.leeway_s)) != AIG_OK ||
	    (rc = get_string(c, jwt, ptr, "user_claim", false, "email",
			     &cfg->jwt.user_claim)) != AIG_OK ||
	    (rc = get_string(c, jwt, ptr, "groups_claim", false, "groups",
			     &cfg->jwt.groups_claim)) != AIG_OK ||
	    (rc = get_bool(c, jwt, ptr, "groups_from_ldap", false,
			   &cfg->jwt.groups_from_ldap)) != AIG_OK ||
	    (rc = aig_config_parse_cognito(c, jwt, cfg)) != AIG_OK)
		return rc;
	if (cfg->jwt.groups_from_ldap && !cfg->ldap.has_service_bind)
		return aig_jr_fail(
			c, "/jwt/groups_from_ldap", false,
			"needs ldap.service_bind to read the directory");
	if (cfg->jwt.audience.n == 0 && cfg->jwt.client_ids.n == 0)
		return aig_jr_fail(c, ptr, false,
				   "missing required key \"audience\" (or "
				   "\"client_ids\")");
	if (cfg->jwt.jwks_uri != NULL && cfg->jwt.jwks_file != NULL)
		return aig_jr_fail(
			c, "/jwt/jwks_file", false,
			"give \"jwks_uri\" or \"jwks_file\", not both");
	return AIG_OK;
}

/* auth.failure_limit: failed Basic logins a minute, per client address and
 * per user name; 0 turns one off. */
#define FAILURE_LIMIT_MAX 100000
static int parse_failure_limit(const struct aig_jr *c, json_t *auth,
			       struct aig_config *cfg)
{
	static const char *const keys[] = {"per_ip_per_minute",
					   "per_user_per_minute", NULL};
	const char *ptr = "/auth/failure_limit";
	json_t *fl;
	int rc, ip = 0, user = 0;

	if ((rc = get_object(c, auth, "/auth", "failure_limit", false, &fl)) !=
		    AIG_OK ||
	    (fl && (rc = aig_jr_check_keys(c, fl, ptr, keys)) != AIG_OK) ||
	    (rc = get_int(c, fl, ptr, "per_ip_per_minute", 10, 0,
			  FAILURE_LIMIT_MAX, &ip)) != AIG_OK ||
	    (rc = get_int(c, fl, ptr, "per_user_per_minute", 5, 0,
			  FAILURE_LIMIT_MAX, &user)) != AIG_OK)
		return rc;
	cfg->auth.failure_limit.per_ip_per_minute = (unsigned)ip;
	cfg->auth.failure_limit.per_user_per_minute = (unsigned)user;
	return AIG_OK;
}

static int parse_auth(const struct aig_jr *c, json_t *root,
		      struct aig_config *cfg)
{
	static const char *const keys[] = {"methods",
					   "pam_service",
					   "pam_confdir",
					   "realm",
					   "failure_limit",
					   "require_https",
					   "alb",
					   "basic_cache_s",
					   "negotiate",
					   "remote_user",
					   NULL};
	static const char *const names[] = {"bearer",	 "basic",	"alb",
					    "negotiate", "remote_user", NULL};
	static const enum aig_auth_method ids[] = {
		AIG_AUTH_BEARER, AIG_AUTH_BASIC, AIG_AUTH_ALB,
		AIG_AUTH_NEGOTIATE, AIG_AUTH_REMOTE_USER};
	static const char *const def_methods[] = {"bearer", "basic", NULL};
	struct aig_strv m = {NULL, 0};
	char p[64];
	json_t *auth;
	size_t i;
	int rc, k;

	if ((rc = get_object(c, root, "", "auth", false, &auth)) != AIG_OK)
		return rc;
	if (auth == NULL)
		auth = json_object(); /* all defaults */
	else
		json_incref(auth);
	if (auth == NULL)
		return aig_error_set(c->err, AIG_ERR_NOMEM, "out of memory");
	if ((rc = aig_jr_check_keys(c, auth, "/auth", keys)) != AIG_OK ||
	    (rc = get_strv(c, auth, "/auth", "methods", def_methods, &m)) !=
		    AIG_OK ||
	    (rc = get_string(c, auth, "/auth", "pam_service", false, "aigate",
			     &cfg->auth.pam_service)) != AIG_OK ||
	    (rc = get_path(c, auth, "/auth", "pam_confdir", false, NULL,
			   &cfg->auth.pam_confdir)) != AIG_OK ||
	    (rc = get_string(c, auth, "/auth", "realm", false, "aigate",
			     &cfg->auth.realm)) != AIG_OK ||
	    (rc = parse_failure_limit(c, auth, cfg)) != AIG_OK ||
	    (rc = get_bool(c, auth, "/auth", "require_https", false,
			   &cfg->auth.require_https)) != AIG_OK ||
	    (rc = get_int(c, auth, "/auth", "basic_cache_s", 0, 0, 3600,
			  &cfg->auth.basic_cache_s)) != AIG_OK)
		goto out;
	for (i = 0; i < m.n; i++) {
		aig_jr_join_index(p, sizeof(p), "/auth/methods", i);
		if ((k = one_of(m.v[i], names)) < 0) {
			rc = aig_jr_fail(
				c, p, false,
				"must be \"bearer\", \"basic\", \"alb\", "
				"\"negotiate\" or \"remote_user\"");
			goto out;
		}
		if (aig_config_has_method(cfg, ids[k])) {
			rc = aig_jr_fail(c, p, false, "\"%s\" is listed twice",
					 m.v[i]);
			goto out;
		}
		cfg->auth.methods[cfg->auth.n_methods++] = ids[k];
	}
out:
	aig_strv_free(&m);
	json_decref(auth);
	return rc;
}

/* backend.identity: {"key_file", "audience", "ttl_s"}; absent: none. */
static int parse_identity(const struct aig_jr *c, json_t *b,
			  struct aig_config *cfg)
{
	static const char *const keys[] = {"key_file", "audience", "ttl_s",
					   NULL};
	json_t *id;
	int rc;

	if ((rc = get_object(c, b, "/backend", "identity", false, &id)) !=
		    AIG_OK ||
	    id == NULL)
		return rc;
	if ((rc = aig_jr_check_keys(c, id, "/backend/identity", keys)) !=
		    AIG_OK ||
	    (rc = get_path(c, id, "/backend/identity", "key_file", true, NULL,
			   &cfg->backend.identity.key_file)) != AIG_OK ||
	    (rc = get_string(c, id, "/backend/identity", "audience", true, NULL,
			     &cfg->backend.identity.audience)) != AIG_OK)
		return rc;
	return get_int(c, id, "/backend/identity", "ttl_s", 60, 1, 60,
		       &cfg->backend.identity.ttl_s);
}

static int parse_backend(const struct aig_jr *c, json_t *root,
			 struct aig_config *cfg)
{
	static const char *const keys[] = {"url", "timeout_ms", "sandbox_url",
					   "identity", NULL};
	const char *sb;
	json_t *b;
	int rc;

	if ((rc = get_object(c, root, "", "backend", true, &b)) != AIG_OK ||
	    (rc = aig_jr_check_keys(c, b, "/backend", keys)) != AIG_OK ||
	    (rc = get_string(c, b, "/backend", "url", true, NULL,
			     &cfg->backend.url)) != AIG_OK ||
	    (rc = get_string(c, b, "/backend", "sandbox_url", false, NULL,
			     &cfg->backend.sandbox_url)) != AIG_OK ||
	    (rc = get_int(c, b, "/backend", "timeout_ms", 120000, 100, 3600000,
			  &cfg->backend.timeout_ms)) != AIG_OK ||
	    (rc = parse_identity(c, b, cfg)) != AIG_OK)
		return rc;
	if (strncmp(cfg->backend.url, "http://", 7) != 0 &&
	    strncmp(cfg->backend.url, "https://", 8) != 0)
		return aig_jr_fail(c, "/backend/url", false,
				   "must be an http:// or https:// URL");
	sb = cfg->backend.sandbox_url;
	if (sb != NULL && strncmp(sb, "http://", 7) != 0 &&
	    strncmp(sb, "https://", 8) != 0)
		return aig_jr_fail(c, "/backend/sandbox_url", false,
				   "must be an http:// or https:// URL");
	return AIG_OK;
}

/* "quarantine": {"dir", "recipient_cert", "max_mb"}: where quarantined
 * prompts go, encrypted to the reviewers' certificate. */
static int parse_quarantine(const struct aig_jr *c, json_t *root,
			    struct aig_config *cfg)
{
	static const char *const keys[] = {"dir", "recipient_cert", "max_mb",
					   NULL};
	json_t *q;
	int rc, mb = 512;

	if ((rc = get_object(c, root, "", "quarantine", false, &q)) != AIG_OK ||
	    q == NULL)
		return rc;
	if ((rc = aig_jr_check_keys(c, q, "/quarantine", keys)) != AIG_OK ||
	    (rc = get_path(c, q, "/quarantine", "dir", false,
			   "/var/lib/aigate/quarantine",
			   &cfg->quarantine.dir)) != AIG_OK ||
	    (rc = get_path(c, q, "/quarantine", "recipient_cert", true, NULL,
			   &cfg->quarantine.recipient_cert)) != AIG_OK ||
	    (rc = get_int(c, q, "/quarantine", "max_mb", 512, 1, 1048576,
			  &mb)) != AIG_OK)
		return rc;
	cfg->quarantine.max_mb = (unsigned)mb;
	return AIG_OK;
}

/* audit.seal: where aigatectl audit seal keeps its digest and keys. */
static int parse_seal(const struct aig_jr *c, json_t *audit,
		      struct aig_config *cfg)
{
	static const char *const keys[] = {"digest_file", "mac_state",
					   "signing_key", NULL};
	const char *p = "/audit/seal";
	json_t *seal = NULL;
	int rc;

	if ((rc = get_object(c, audit, "/audit", "seal", false, &seal)) !=
		    AIG_OK ||
	    (seal && (rc = aig_jr_check_keys(c, seal, p, keys)) != AIG_OK) ||
	    (rc = get_path(c, seal, p, "digest_file", false,
			   "/var/log/aigate/audit.digest",
			   &cfg->audit.seal.digest_file)) != AIG_OK ||
	    (rc = get_path(c, seal, p, "mac_state", false,
			   "/etc/aigate/audit-seal.state",
			   &cfg->audit.seal.mac_state)) != AIG_OK ||
	    (rc = get_path(c, seal, p, "signing_key", false,
			   "/etc/aigate/audit-seal.pem",
			   &cfg->audit.seal.signing_key)) != AIG_OK)
		return rc;
	return AIG_OK;
}

static int parse_misc(const struct aig_jr *c, json_t *root,
		      struct aig_config *cfg)
{
	static const char *const rl_keys[] = {"store", NULL};
	static const char *const audit_keys[] = {"file", "syslog", "seal",
						 NULL};
	json_t *rl, *audit;
	int rc;

	if ((rc = get_path(c, root, "", "policy_file", true, NULL,
			   &cfg->policy_file)) != AIG_OK ||
	    (rc = get_path(c, root, "", "state_dir", false, "/var/lib/aigate",
			   &cfg->state_dir)) != AIG_OK ||
	    (rc = get_path(c, root, "", "state_key_file", false,
			   aig_config_default_state_key(),
			   &cfg->state_key_file)) != AIG_OK ||
	    (rc = get_object(c, root, "", "ratelimit", false, &rl)) != AIG_OK ||
	    (rl && (rc = aig_jr_check_keys(c, rl, "/ratelimit", rl_keys)) !=
			   AIG_OK) ||
	    (rc = get_string(c, rl, "/ratelimit", "store", false, "lmdb",
			     &cfg->ratelimit.store)) != AIG_OK ||
	    (rc = get_object(c, root, "", "audit", false, &audit)) != AIG_OK ||
	    (audit && (rc = aig_jr_check_keys(c, audit, "/audit",
					      audit_keys)) != AIG_OK) ||
	    (rc = get_path(c, audit, "/audit", "file", false,
			   "/var/log/aigate/audit.jsonl", &cfg->audit.file)) !=
		    AIG_OK ||
	    (rc = get_bool(c, audit, "/audit", "syslog", true,
			   &cfg->audit.syslog)) != AIG_OK ||
	    (rc = parse_seal(c, audit, cfg)) != AIG_OK)
		return rc;
	if (strcmp(cfg->ratelimit.store, "lmdb") != 0 &&
	    strncmp(cfg->ratelimit.store, "redis://", 8) != 0)
		return aig_jr_fail(
			c, "/ratelimit/store", false,
			"must be \"lmdb\" or a redis://host:port/db URL");
	return AIG_OK;
}

/* ------------------------------------------------------------- entries */

bool aig_config_has_method(const struct aig_config *cfg, enum aig_auth_method m)
{
	size_t i;

	for (i = 0; i < cfg->auth.n_methods; i++)
		if (cfg->auth.methods[i] == m)
			return true;
	return false;
}

int aig_config_parse(const char *name, const char *text, size_t len,
		     struct aig_config **out, struct aig_error *err)
{
	static const char *const keys[] = {
		"ldap",		  "jwt",	"auth",	     "backend",
		"policy_file",	  "state_dir",	"ratelimit", "audit",
		"state_key_file", "quarantine", NULL};
	struct aig_jr c = {name, text, len, err, ""};
	struct aig_config *cfg = NULL;
	json_t *root;
	int rc;

	*out = NULL;
	root = aig_json_parse(name, text, len, err);
	if (root == NULL)
		return err ? err->status : AIG_ERR_SYNTAX;
	if (!json_is_object(root)) {
		rc = aig_jr_fail(&c, "", false,
				 "the top level must be an object");
		goto out;
	}
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL || (cfg->path = strdup(name)) == NULL) {
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = aig_jr_check_keys(&c, root, "", keys)) != AIG_OK ||
	    (rc = parse_auth(&c, root, cfg)) != AIG_OK ||
	    (rc = parse_ldap(&c, root, cfg)) != AIG_OK ||
	    (rc = parse_jwt(&c, root, cfg)) != AIG_OK ||
	    (rc = aig_config_parse_alb(&c, root, cfg)) != AIG_OK ||
	    (rc = parse_backend(&c, root, cfg)) != AIG_OK ||
	    (rc = parse_quarantine(&c, root, cfg)) != AIG_OK ||
	    (rc = parse_misc(&c, root, cfg)) != AIG_OK ||
	    (rc = aig_config_parse_sso(&c, json_object_get(root, "auth"),
				       cfg)) != AIG_OK)
		goto out;
	*out = cfg;
	cfg = NULL;
out:
	aig_config_free(cfg);
	json_decref(root);
	return rc;
}

int aig_config_load(const char *path, struct aig_config **cfg,
		    struct aig_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	*cfg = NULL;
	if (path == NULL)
		path = aig_config_default_path();
	rc = aig_file_read_checked(path, AIG_CONFIG_MAX_BYTES, &text, &len,
				   err);
	if (rc == AIG_OK)
		rc = aig_config_parse(path, text, len, cfg, err);
	free(text);
	return rc;
}

void aig_config_free(struct aig_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->path);
	aig_strv_free(&cfg->ldap.uri);
	free(cfg->ldap.dns_srv);
	free(cfg->ldap.domain);
	free(cfg->ldap.base_dn);
	free(cfg->ldap.ca_file);
	free(cfg->ldap.login_attribute);
	free(cfg->ldap.service_bind.dn);
	free(cfg->ldap.service_bind.password_file);
	free(cfg->ldap.service_bind.keytab);
	free(cfg->ldap.service_bind.cert_file);
	free(cfg->ldap.service_bind.key_file);
	free(cfg->jwt.issuer);
	aig_strv_free(&cfg->jwt.audience);
	free(cfg->jwt.jwks_uri);
	free(cfg->jwt.jwks_file);
	free(cfg->jwt.ca_file);
	aig_strv_free(&cfg->jwt.algorithms);
	free(cfg->jwt.user_claim);
	free(cfg->jwt.groups_claim);
	aig_config_free_alb(cfg);
	free(cfg->auth.pam_service);
	free(cfg->auth.pam_confdir);
	free(cfg->auth.realm);
	aig_config_free_sso(cfg);
	free(cfg->backend.url);
	free(cfg->backend.sandbox_url);
	free(cfg->quarantine.dir);
	free(cfg->quarantine.recipient_cert);
	free(cfg->backend.identity.key_file);
	free(cfg->backend.identity.audience);
	free(cfg->policy_file);
	free(cfg->state_dir);
	free(cfg->state_key_file);
	free(cfg->ratelimit.store);
	free(cfg->audit.file);
	free(cfg->audit.seal.digest_file);
	free(cfg->audit.seal.mac_state);
	free(cfg->audit.seal.signing_key);
	free(cfg);
}
