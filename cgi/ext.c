/* ext.c - aigate-ext.so, the gate's extension module: the parts that
 * need libpam or libldap (Basic through PAM, groups_from_ldap), which
 * aigate.cgi loads with dlopen(3) only when a request takes one of them.
 * Linked into aigate.cgi, libldap (with GnuTLS, Cyrus SASL, Kerberos) and
 * libpam cost every request about 2-3 ms of start-up (PERF-NOTES.md,
 * bench/compare.sh); the bearer path needs neither. The module exports
 * one symbol, aig_gate_ext_v1 (gate.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "aig_ldap.h"
#include "gate.h"

#define GROUP_CACHE_TTL_S 300

/* A process's directory state: the group cache and a session bound as
 * the service account (never as a user), kept for the next request. */
struct dir {
	struct aig_ldap_cache *cache;
	struct aig_ldap *s;
};

static void dir_close(void *state)
{
	struct dir *d = state;

	if (d == NULL)
		return;
	aig_ldap_cache_close(d->cache);
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

/* The groups of user: from the cache when it has them, else from the
 * directory (a kept session that fails is replaced once: the server may
 * have closed it while the process was idle). */
static int dir_groups(void **state, const struct aig_config *cfg,
		      const struct aig_log *log, const char *user,
		      struct aig_strv *groups, struct aig_error *err)
{
	struct dir *d = *state;
	bool found = false, kept;
	int rc;

	if (d == NULL && (d = *state = calloc(1, sizeof(*d))) == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	/* The cache is an optimisation: if it cannot be opened, ask AD. */
	if (d->cache == NULL)
		aig_ldap_cache_open(cfg->state_dir, GROUP_CACHE_TTL_S,
				    &d->cache, NULL);
	if (d->cache != NULL &&
	    aig_ldap_cache_get(d->cache, user, &found, groups, NULL) ==
		    AIG_OK &&
	    found)
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

const struct aig_gate_ext aig_gate_ext_v1 = {
	AIG_GATE_EXT_VERSION, PACKAGE_STRING, sizeof(struct aig_config),
	aig_pam_check,	      dir_groups,     dir_close,
};
