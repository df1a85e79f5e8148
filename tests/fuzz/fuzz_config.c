/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_config.c - the aigate.json loader (aig_config_parse(), the
 * in-memory entry of aig_config_load()). Any text either loads or is
 * refused; the invariants:
 *  - a refusal is AIG_ERR_SYNTAX or AIG_ERR_CONFIG (or out of memory),
 *    leaves no configuration, and its message starts with
 *    "NAME:LINE:COLUMN: " with LINE and COLUMN at least 1 and LINE within
 *    the text;
 *  - a configuration that loads has every required key, every value
 *    within its documented range, and every path absolute. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "aig_common.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.json"

static bool starts(const char *s, const char *prefix)
{
	return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A string value as aig_config_parse() keeps it: 1 to 4096 bytes of
 * valid UTF-8. */
static bool good_str(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n >= 1 && n <= 4096 && aig_utf8_valid(s, n);
}

/* An optional path: absent, or absolute. */
static bool opt_path(const char *s)
{
	return s == NULL || (good_str(s) && s[0] == '/');
}

static bool good_strv(const struct aig_strv *sv)
{
	size_t i;

	if (sv->n > 64)
		return false;
	for (i = 0; i < sv->n; i++)
		if (!good_str(sv->v[i]))
			return false;
	return true;
}

static void check_ldap(const struct aig_config *cfg)
{
	size_t i;

	FUZZ_CHECK(good_str(cfg->ldap.base_dn));
	FUZZ_CHECK(good_strv(&cfg->ldap.uri));
	FUZZ_CHECK(cfg->ldap.uri.n > 0 || good_str(cfg->ldap.dns_srv));
	FUZZ_CHECK(good_str(cfg->ldap.domain) || cfg->ldap.has_service_bind);
	for (i = 0; i < cfg->ldap.uri.n; i++)
		FUZZ_CHECK(starts(cfg->ldap.uri.v[i], "ldaps://") ||
			   (starts(cfg->ldap.uri.v[i], "ldap://") &&
			    cfg->ldap.starttls));
	FUZZ_CHECK(opt_path(cfg->ldap.ca_file));
	FUZZ_CHECK(cfg->ldap.timeout_ms >= 100 &&
		   cfg->ldap.timeout_ms <= 600000);
	FUZZ_CHECK(good_str(cfg->ldap.login_attribute));
	FUZZ_CHECK(cfg->ldap.groups == AIG_GROUPS_TOKENGROUPS ||
		   cfg->ldap.groups == AIG_GROUPS_IN_CHAIN ||
		   cfg->ldap.groups == AIG_GROUPS_MEMBEROF);
}

static void check_service_bind(const struct aig_config *cfg)
{
	const char *dn = cfg->ldap.service_bind.dn;
	const char *pw = cfg->ldap.service_bind.password_file;
	const char *keytab = cfg->ldap.service_bind.keytab;
	const char *cert = cfg->ldap.service_bind.cert_file;
	const char *key = cfg->ldap.service_bind.key_file;
	enum aig_sasl_mech mech = cfg->ldap.service_bind.sasl_mech;

	FUZZ_CHECK(opt_path(pw) && opt_path(keytab) && opt_path(cert) &&
		   opt_path(key));
	if (!cfg->ldap.has_service_bind)
		return;
	if (mech == AIG_SASL_NONE)
		FUZZ_CHECK(good_str(dn) && pw != NULL); /* a simple bind */
	else if (mech == AIG_SASL_GSSAPI)
		FUZZ_CHECK(keytab != NULL);
	else
		FUZZ_CHECK(mech == AIG_SASL_EXTERNAL && cert != NULL &&
			   key != NULL);
}

static void check_jwt(const struct aig_config *cfg)
{
	static const char *const algs[] = {"RS256", "RS384", "RS512",
					   "PS256", "PS384", "PS512",
					   "ES256", "ES384", NULL};
	size_t i, k;

	if (aig_config_has_method(cfg, AIG_AUTH_BEARER))
		FUZZ_CHECK(cfg->jwt.present);
	if (!cfg->jwt.present)
		return;
	FUZZ_CHECK(good_str(cfg->jwt.issuer));
	FUZZ_CHECK(cfg->jwt.audience.n >= 1 && good_strv(&cfg->jwt.audience));
	FUZZ_CHECK(cfg->jwt.jwks_uri == NULL ||
		   starts(cfg->jwt.jwks_uri, "https://"));
	FUZZ_CHECK(cfg->jwt.jwks_uri == NULL || cfg->jwt.jwks_file == NULL);
	FUZZ_CHECK(opt_path(cfg->jwt.jwks_file) && opt_path(cfg->jwt.ca_file));
	FUZZ_CHECK(cfg->jwt.algorithms.n >= 1 &&
		   good_strv(&cfg->jwt.algorithms));
	for (i = 0; i < cfg->jwt.algorithms.n; i++) {
		for (k = 0; algs[k] != NULL; k++)
			if (strcmp(cfg->jwt.algorithms.v[i], algs[k]) == 0)
				break;
		FUZZ_CHECK(algs[k] != NULL); /* never "none" nor HMAC */
	}
	FUZZ_CHECK(cfg->jwt.leeway_s >= 0 && cfg->jwt.leeway_s <= 3600);
	FUZZ_CHECK(good_str(cfg->jwt.user_claim) &&
		   good_str(cfg->jwt.groups_claim));
	FUZZ_CHECK(!cfg->jwt.groups_from_ldap || cfg->ldap.has_service_bind);
}

static void check_rest(const struct aig_config *cfg)
{
	size_t n = cfg->auth.n_methods;

	FUZZ_CHECK(n >= 1 && n <= 2);
	FUZZ_CHECK(n < 2 || cfg->auth.methods[0] != cfg->auth.methods[1]);
	FUZZ_CHECK(good_str(cfg->auth.pam_service) &&
		   good_str(cfg->auth.realm));
	FUZZ_CHECK(starts(cfg->backend.url, "http://") ||
		   starts(cfg->backend.url, "https://"));
	FUZZ_CHECK(cfg->backend.timeout_ms >= 100 &&
		   cfg->backend.timeout_ms <= 3600000);
	FUZZ_CHECK(cfg->policy_file != NULL && opt_path(cfg->policy_file));
	FUZZ_CHECK(cfg->state_dir != NULL && opt_path(cfg->state_dir));
	FUZZ_CHECK(cfg->audit.file != NULL && opt_path(cfg->audit.file));
	FUZZ_CHECK(cfg->ratelimit.store != NULL &&
		   (strcmp(cfg->ratelimit.store, "lmdb") == 0 ||
		    starts(cfg->ratelimit.store, "redis://")));
	FUZZ_CHECK(cfg->path != NULL && strcmp(cfg->path, NAME) == 0);
}

/* Reads a decimal number of at least one digit at *p; 0 if none. */
static unsigned long number(const char **p)
{
	unsigned long v = 0;

	while (**p >= '0' && **p <= '9' && v < 100000000)
		v = v * 10 + (unsigned long)(*(*p)++ - '0');
	return v;
}

/* "NAME:LINE:COLUMN: ", LINE no further than the text's last line. */
static void check_position(const char *msg, const char *text, size_t len)
{
	const char *p = msg + strlen(NAME ":");
	unsigned long line, col, lines = 1;
	size_t i;

	for (i = 0; i < len; i++)
		lines += text[i] == '\n';
	FUZZ_CHECK(starts(msg, NAME ":"));
	line = number(&p);
	FUZZ_CHECK(line >= 1 && line <= lines && *p++ == ':');
	col = number(&p);
	FUZZ_CHECK(col >= 1 && starts(p, ": "));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct aig_config *cfg = NULL;
	struct aig_error err = {0};
	int rc = aig_config_parse(NAME, text, size, &cfg, &err);

	FUZZ_CHECK(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
	if (rc == AIG_OK) {
		FUZZ_CHECK(cfg != NULL && err.status == AIG_OK);
		check_ldap(cfg);
		check_service_bind(cfg);
		check_jwt(cfg);
		check_rest(cfg);
	} else {
		FUZZ_CHECK(cfg == NULL && err.status == rc);
		FUZZ_CHECK(rc == AIG_ERR_SYNTAX || rc == AIG_ERR_CONFIG ||
			   rc == AIG_ERR_NOMEM);
		if (rc != AIG_ERR_NOMEM)
			check_position(err.msg, text, size);
	}
	aig_config_free(cfg);
	return 0;
}
