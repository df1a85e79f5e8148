/* SPDX-License-Identifier: Apache-2.0 */
/* ext.c - aigate-ext.so, the gate's extension module: the parts that
 * need libldap or MIT krb5 (groups_from_ldap, Negotiate, single sign-on
 * accounts), which aigate.cgi loads with dlopen(3) only when a request
 * takes one of them. Linked into aigate.cgi, libldap (with GnuTLS, Cyrus
 * SASL, Kerberos) costs every request about 2-3 ms of start-up
 * (docs/performance.md, bench/compare.sh); the bearer path needs none of
 * it. Basic through PAM is the other module, aigate-pam.so
 * (pam_check.c). The module exports one symbol, aig_gate_ext_v1
 * (aig_ext.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "aig_ext.h"
#include "aig_ldap.h"

#define GROUP_CACHE_TTL_S 300

/* A process's directory state: the group cache and its key, and a
 * session bound as the service account (never as a user), kept for the
 * next request. */
struct dir {
	struct aig_state_key *key;
	struct aig_ldap_cache *cache;
	bool cache_tried; /* opened, or the reason logged, once */
	bool mac_warned;  /* a bad entry is logged once */
	struct aig_ldap *s;
};

static void dir_close(void *state)
{
	struct dir *d = state;

	if (d == NULL)
		return;
	aig_ldap_cache_close(d->cache);
	aig_state_key_free(d->key);
	aig_ldap_free(d->s);
	free(d);
}

static int lookup(struct dir *d, const struct aig_config *cfg,
		  const struct aig_log *log, const char *user,
		  struct aig_strv *groups, struct aig_error *err)
{
	struct aig_ldap_user *u = NULL;
	int rc = AIG_OK;

	if (d->s == NULL) {
		rc = aig_ldap_new(cfg, log, &d->s, err);
		if (rc == AIG_OK)
			rc = aig_ldap_bind_service(d->s, err);
	}
	if (rc == AIG_OK)
		rc = aig_ldap_find_user(d->s, user, strlen(user), &u, err);
	if (rc == AIG_OK)
		rc = aig_ldap_groups(d->s, u, groups, err);
	aig_ldap_user_free(u);
	if (rc != AIG_OK && rc != AIG_LDAP_ERR_NO_SUCH_USER) {
		aig_ldap_free(d->s); /* the next lookup starts afresh */
		d->s = NULL;
	}
	return rc;
}

/* The cache is an optimisation: without its key, or if it cannot be
 * opened, the directory answers every time. */
static void cache_open(struct dir *d, const struct aig_config *cfg,
		       const struct aig_log *log)
{
	struct aig_error err = {0};

	if (d->cache_tried)
		return;
	d->cache_tried = true;
	if (aig_state_key_load(cfg->state_key_file, &d->key, &err) != AIG_OK ||
	    aig_ldap_cache_open(cfg->state_dir, d->key, GROUP_CACHE_TTL_S,
				&d->cache, &err) != AIG_OK)
		aig_log_msg(log, LOG_WARNING,
			    "groups_from_ldap: group cache not used: %s",
			    err.msg);
}

/* An entry that is not the gate's own is a miss, logged once. */
static bool cache_get(struct dir *d, const struct aig_log *log,
		      const char *user, struct aig_strv *groups)
{
	struct aig_error err = {0};
	bool found = false;
	int rc;

	if (d->cache == NULL)
		return false;
	rc = aig_ldap_cache_get(d->cache, user, &found, groups, &err);
	if (rc == AIG_ERR_UNSAFE && !d->mac_warned) {
		aig_log_msg(log, LOG_WARNING, "groups_from_ldap: %s", err.msg);
		d->mac_warned = true;
	}
	return rc == AIG_OK && found;
}

/* The groups of user: from the cache when it has them, else from the
 * directory (a kept session that fails is replaced once: the server may
 * have closed it while the process was idle). */
static int groups_of(void **state, const struct aig_config *cfg,
		     const struct aig_log *log, const char *user,
		     struct aig_strv *groups, struct aig_error *err)
{
	struct dir *d = *state;
	bool kept;
	int rc;

	if (d == NULL && (d = *state = calloc(1, sizeof(*d))) == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	cache_open(d, cfg, log);
	if (cache_get(d, log, user, groups))
		return AIG_OK;
	kept = d->s != NULL;
	rc = lookup(d, cfg, log, user, groups, err);
	if (rc == AIG_ERR_UNAVAILABLE && kept) {
		memset(err, 0, sizeof(*err));
		rc = lookup(d, cfg, log, user, groups, err);
	}
	if (rc == AIG_OK && d->cache != NULL)
		aig_ldap_cache_put(d->cache, user, groups, NULL);
	return rc;
}

/* groups_of() in the interface's terms: every failure but an unknown
 * user is the directory being unavailable. */
static enum aig_ext_dir_result
dir_groups(void **state, const struct aig_config *cfg,
	   const struct aig_log *log, const char *user, struct aig_strv *groups,
	   struct aig_error *err)
{
	int rc = groups_of(state, cfg, log, user, groups, err);

	if (rc == AIG_OK)
		return AIG_EXT_DIR_OK;
	if (rc == AIG_LDAP_ERR_NO_SUCH_USER)
		return AIG_EXT_DIR_NO_SUCH_USER;
	return AIG_EXT_DIR_UNAVAILABLE;
}

/* The account of a single sign-on user: its entry and state from the
 * directory every time (a disabled account is refused at once), its
 * groups through the cache. */
static int account_of(struct dir *d, const struct aig_config *cfg,
		      const struct aig_log *log, const char *login, char **name,
		      struct aig_strv *groups, struct aig_error *err)
{
	struct aig_ldap_user *u = NULL;
	const char *as;
	int rc = AIG_OK;

	if (d->s == NULL) {
		rc = aig_ldap_new(cfg, log, &d->s, err);
		if (rc == AIG_OK)
			rc = aig_ldap_bind_service(d->s, err);
	}
	if (rc == AIG_OK)
		rc = aig_ldap_find_user(d->s, login, strlen(login), &u, err);
	if (rc == AIG_OK)
		rc = aig_ldap_account_state(u, time(NULL), err);
	as = rc == AIG_OK ? aig_ldap_user_login(u) : NULL;
	if (rc == AIG_OK && (*name = strdup(as ? as : login)) == NULL)
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	if (rc == AIG_OK && !cache_get(d, log, *name, groups)) {
		rc = aig_ldap_groups(d->s, u, groups, err);
		if (rc == AIG_OK && d->cache != NULL)
			aig_ldap_cache_put(d->cache, *name, groups, NULL);
	}
	aig_ldap_user_free(u);
	if (rc == AIG_ERR_UNAVAILABLE || rc == AIG_LDAP_ERR_TLS ||
	    rc == AIG_LDAP_ERR_SERVER) {
		aig_ldap_free(d->s); /* the next lookup starts afresh */
		d->s = NULL;
	}
	return rc;
}

static enum aig_ext_account_result
dir_account(void **state, const struct aig_config *cfg,
	    const struct aig_log *log, const char *login, char **name,
	    struct aig_strv *groups, struct aig_error *err)
{
	struct dir *d = *state;
	bool kept;
	int rc;

	*name = NULL;
	if (d == NULL && (d = *state = calloc(1, sizeof(*d))) == NULL)
		return AIG_EXT_ACCOUNT_UNAVAILABLE;
	cache_open(d, cfg, log);
	kept = d->s != NULL;
	rc = account_of(d, cfg, log, login, name, groups, err);
	if (rc == AIG_ERR_UNAVAILABLE && kept) {
		memset(err, 0, sizeof(*err));
		rc = account_of(d, cfg, log, login, name, groups, err);
	}
	if (rc == AIG_OK)
		return AIG_EXT_ACCOUNT_OK;
	free(*name);
	*name = NULL;
	aig_strv_free(groups);
	switch (rc) {
	case AIG_LDAP_ERR_NO_SUCH_USER: return AIG_EXT_ACCOUNT_NO_SUCH_USER;
	case AIG_LDAP_ERR_DISABLED:
	case AIG_LDAP_ERR_ACCOUNT_EXPIRED:
	case AIG_LDAP_ERR_LOCKED_OUT:
	case AIG_LDAP_ERR_MUST_CHANGE:
	case AIG_LDAP_ERR_PASSWORD_EXPIRED:
	case AIG_LDAP_ERR_AMBIGUOUS: return AIG_EXT_ACCOUNT_REFUSED;
	default: return AIG_EXT_ACCOUNT_UNAVAILABLE;
	}
}

const struct aig_gate_ext aig_gate_ext_v1 = {
	{AIG_GATE_EXT_VERSION, PACKAGE_STRING, sizeof(struct aig_config)},
	dir_groups,
	dir_close,
	aig_ext_negotiate_accept,
	aig_ext_negotiate_close,
	dir_account,
	aig_ext_negotiate_ready,
};
