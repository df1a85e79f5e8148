/* SPDX-License-Identifier: Apache-2.0 */
/* cred_cache.c - cached_auth and offline_auth (pam_aigate(8), CACHED AND
 * OFFLINE LOGINS): logins answered from state_dir/pam-creds.mdb
 * (ldap/credstore.c) instead of the directory.
 *
 * After the directory accepts a password, the entry holds a yescrypt
 * hash of it (libxcrypt, cost AIG_PAM_CRED_COST, a fresh salt), the
 * account's name and groups and the time. Within cached_auth seconds a
 * password whose hash matches (compared in constant time) is accepted
 * without the directory; any other password goes to the directory, and a
 * refusal there removes the entry. When no directory server answers and
 * offline_auth is on, a matching entry verified within offline_auth days
 * is accepted, logged and audited as offline; offline_failed_attempts
 * wrong passwords lock offline logins for offline_delay.
 *
 * The file is trusted as the group cache is (aig_ldap_statedir_lock(),
 * the state key's MAC on each entry); any trouble with it is a warning
 * and the directory's answer, never an acceptance. */
#include "config.h"

#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <security/pam_ext.h>

#include "aig_pam.h"

/* What this file needs of the configuration, which the directory work
 * takes over (aig_pam_auth_online()). */
struct cred_cfg {
	char *state_dir, *state_key_file, *audit_file;
};

struct cred_use {
	int dirfd;
	struct aig_state_key *key;
	struct aig_cred_store *s;
};

static void cfg_free(struct cred_cfg *c)
{
	free(c->state_dir);
	free(c->state_key_file);
	free(c->audit_file);
}

static int cfg_copy(struct cred_cfg *c, const struct aig_config *cfg)
{
	memset(c, 0, sizeof(*c));
	c->state_dir = cfg->state_dir ? strdup(cfg->state_dir) : NULL;
	c->state_key_file =
		cfg->state_key_file ? strdup(cfg->state_key_file) : NULL;
	c->audit_file = cfg->audit.file ? strdup(cfg->audit.file) : NULL;
	if ((cfg->state_dir && !c->state_dir) ||
	    (cfg->state_key_file && !c->state_key_file) ||
	    (cfg->audit.file && !c->audit_file)) {
		cfg_free(c);
		return PAM_BUF_ERR;
	}
	return PAM_SUCCESS;
}

static void warn(const struct aig_pam_ctx *ctx, const struct aig_error *err)
{
	aig_log_msg(&ctx->log, LOG_WARNING, "credential cache: %s", err->msg);
}

static void use_end(struct cred_use *u)
{
	aig_cred_store_close(u->s); /* before the flock goes */
	u->s = NULL;
	aig_state_key_free(u->key);
	u->key = NULL;
	if (u->dirfd >= 0)
		close(u->dirfd);
	u->dirfd = -1;
}

/* Opens the store under the state_dir lock; false (warned) if unusable. */
static bool use_begin(const struct aig_pam_ctx *ctx, const struct cred_cfg *c,
		      struct cred_use *u)
{
	struct aig_error err = {0};
	bool rebuilt = false;
	int rc;

	u->dirfd = -1;
	u->key = NULL;
	u->s = NULL;
	if (c->state_dir == NULL || c->state_key_file == NULL)
		rc = aig_error_set(&err, AIG_ERR_CONFIG,
				   "no state_dir or state_key_file");
	else if ((rc = aig_state_key_load(c->state_key_file, &u->key, &err)) ==
			 AIG_OK &&
		 (rc = aig_ldap_statedir_lock(
			  c->state_dir, aig_cred_store_files,
			  AIG_CRED_STORE_NFILES, &u->dirfd, &err)) == AIG_OK)
		rc = aig_cred_store_open(c->state_dir, u->key, &u->s, &rebuilt,
					 &err);
	if (rebuilt)
		aig_log_msg(&ctx->log, LOG_WARNING,
			    "credential cache: %s/%s was damaged: made anew",
			    c->state_dir, aig_cred_store_files[0]);
	if (rc != AIG_OK) {
		warn(ctx, &err);
		use_end(u);
		return false;
	}
	return true;
}

/* Reads user's entry; false if none usable (an untrusted one warned). */
static bool load(const struct aig_pam_ctx *ctx, const struct cred_cfg *c,
		 const char *user, struct aig_cred_entry *e)
{
	struct aig_error err = {0};
	struct cred_use u;
	bool found = false;

	memset(e, 0, sizeof(*e));
	if (!use_begin(ctx, c, &u))
		return false;
	if (aig_cred_store_get(u.s, user, &found, e, &err) != AIG_OK)
		warn(ctx, &err);
	use_end(&u);
	return found;
}

static void store(const struct aig_pam_ctx *ctx, const struct cred_cfg *c,
		  const char *user, const struct aig_cred_entry *e)
{
	struct aig_error err = {0};
	struct cred_use u;

	if (!use_begin(ctx, c, &u))
		return;
	if (aig_cred_store_put(u.s, user, e, &err) != AIG_OK)
		warn(ctx, &err);
	use_end(&u);
}

static void drop(const struct aig_pam_ctx *ctx, const struct cred_cfg *c,
		 const char *user)
{
	struct aig_error err = {0};
	struct cred_use u;
	bool dropped = false;
	char esc[128];

	if (!use_begin(ctx, c, &u))
		return;
	if (aig_cred_store_drop(u.s, user, &dropped, &err) != AIG_OK)
		warn(ctx, &err);
	use_end(&u);
	if (dropped)
		aig_log_msg(&ctx->log, LOG_INFO,
			    "credential cache: entry of %s dropped",
			    aig_log_quote(esc, sizeof(esc), user));
}

/* ------------------------------------------------------------ hashing */

/* True if password hashes to hash; the two compared in constant time. */
static bool hash_matches(const char *password, const char *hash)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	const char *out;
	size_t n = strlen(hash);
	bool ok = false;

	if (cd == NULL)
		return false;
	out = crypt_r(password, hash, cd);
	/* libxcrypt fails with a string starting with '*', never hash */
	if (out != NULL && out[0] != '*' && strlen(out) == n && n > 0)
		ok = aig_ct_equal(out, hash, n);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

/* A new yescrypt hash of password, or NULL. */
static char *hash_new(const char *password)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	char *out = NULL;
	const char *h;

	if (cd == NULL)
		return NULL;
	if (crypt_gensalt_rn("$y$", AIG_PAM_CRED_COST, NULL, 0, salt,
			     sizeof(salt)) != NULL) {
		h = crypt_r(password, salt, cd);
		if (h != NULL && h[0] == '$')
			out = strdup(h);
	}
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return out;
}

/* ------------------------------------------------------------ answers */

static void cleanup_marker(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)data;
	(void)status;
}

/* The login accepted from the cache: the cached name and groups, and the
 * account phase told not to ask the directory. */
static int accept_cached(struct aig_pam_ctx *ctx,
			 const struct aig_cred_entry *e)
{
	static char marker[] = "cached";
	int rc = aig_pam_publish(ctx, e->name, &e->groups);

	if (rc == PAM_SUCCESS)
		rc = pam_set_data(ctx->pamh, AIG_PAM_DATA_CACHED, marker,
				  cleanup_marker);
	return rc;
}

static const char *item_str(pam_handle_t *pamh, int item)
{
	const void *v = NULL;

	if (pam_get_item(pamh, item, &v) != PAM_SUCCESS || v == NULL)
		return "";
	return v;
}

/* An audit record for an offline login (event auth_offline). */
static void audit_offline(struct aig_pam_ctx *ctx, const struct cred_cfg *c,
			  const char *user, const char *result)
{
	struct aig_error err = {0};
	char ts[40], id[AIG_REQUEST_ID_LEN + 1];
	json_t *rec;

	if (c->audit_file == NULL)
		return;
	aig_time_rfc3339(ts, sizeof(ts));
	if (aig_request_id(id, &err) != AIG_OK)
		id[0] = '\0';
	rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ts", ts,
			"request_id", id, "event", "auth_offline", "service",
			item_str(ctx->pamh, PAM_SERVICE), "user", user,
			"client", item_str(ctx->pamh, PAM_RHOST), "result",
			result, "auth", "pam");
	if (rec == NULL || aig_audit_append(c->audit_file, rec, &err) != AIG_OK)
		aig_log_msg(&ctx->log, LOG_ERR, "audit: %s",
			    rec ? err.msg : "out of memory");
	json_decref(rec);
}

/* A wrong password while offline: counted, under the lock, on the entry
 * as it is now (another process may have counted too). */
static void count_failure(struct aig_pam_ctx *ctx, const struct cred_cfg *c,
			  const char *user, time_t now)
{
	struct aig_error err = {0};
	struct aig_cred_entry e;
	struct cred_use u;
	bool found = false;
	char esc[128];

	if (!use_begin(ctx, c, &u))
		return;
	if (aig_cred_store_get(u.s, user, &found, &e, &err) == AIG_OK &&
	    found) {
		if (++e.failures >= (unsigned)ctx->offline_failed_attempts) {
			e.locked_until = now + ctx->offline_delay;
			e.failures = 0;
			aig_log_msg(&ctx->log, LOG_WARNING,
				    "offline logins of %s locked for %ld s "
				    "after %d wrong passwords",
				    aig_log_quote(esc, sizeof(esc), user),
				    ctx->offline_delay,
				    ctx->offline_failed_attempts);
		}
		if (aig_cred_store_put(u.s, user, &e, &err) != AIG_OK)
			warn(ctx, &err);
		aig_cred_entry_free(&e);
	} else if (err.msg[0]) {
		warn(ctx, &err);
	}
	use_end(&u);
}

/* No directory server answered: the cached entry, if offline_auth allows. */
static int offline(struct aig_pam_ctx *ctx, const struct cred_cfg *c,
		   const char *user, bool have, bool matched,
		   struct aig_cred_entry *e, time_t now)
{
	char esc[128];

	aig_log_quote(esc, sizeof(esc), user);
	if (!have || e->verified > now ||
	    now - e->verified > ctx->offline_auth * 86400) {
		aig_log_msg(&ctx->log, LOG_NOTICE,
			    "offline authentication for %s: no cached "
			    "credentials within offline_auth",
			    esc);
		return PAM_AUTHINFO_UNAVAIL;
	}
	if (e->locked_until > now) {
		aig_log_msg(&ctx->log, LOG_NOTICE,
			    "offline authentication for %s: locked for %ld "
			    "more s",
			    esc, (long)(e->locked_until - now));
		audit_offline(ctx, c, user, "locked");
		return PAM_MAXTRIES;
	}
	if (!matched) {
		aig_log_msg(&ctx->log, LOG_NOTICE,
			    "offline authentication for %s: wrong password",
			    esc);
		audit_offline(ctx, c, user, "refused");
		count_failure(ctx, c, user, now);
		return PAM_AUTH_ERR;
	}
	aig_log_msg(&ctx->log, LOG_NOTICE,
		    "offline authentication for %s: accepted from credentials "
		    "verified %ld s ago (no directory server answers)",
		    esc, (long)(now - e->verified));
	audit_offline(ctx, c, user, "accepted");
	e->failures = 0;
	e->last_login = now;
	e->flags |= AIG_CRED_OFFLINE;
	store(ctx, c, user, e);
	return accept_cached(ctx, e);
}

/* The directory accepted the password: the entry made anew (the hash
 * kept if it matched, so a repeated login costs no new hash). */
static void remember(struct aig_pam_ctx *ctx, const struct cred_cfg *c,
		     const char *user, const char *password, bool matched,
		     struct aig_cred_entry *old, struct aig_cred_entry *got,
		     time_t now)
{
	if (matched) {
		got->hash = old->hash;
		old->hash = NULL;
	} else {
		got->hash = hash_new(password);
	}
	if (got->hash == NULL || got->name == NULL) {
		aig_log_msg(&ctx->log, LOG_WARNING,
			    "credential cache: cannot hash; not stored");
		return;
	}
	got->verified = now;
	got->last_login = now;
	store(ctx, c, user, got);
}

/* A refusal that the directory gave about this account or password (not
 * an outage, not local trouble): the entry must go. */
static bool refused(int status, int rc)
{
	return status == AIG_LDAP_ERR_PASSWORD_EXPIRED ||
	       status == AIG_LDAP_ERR_MUST_CHANGE || rc == PAM_AUTH_ERR ||
	       rc == PAM_ACCT_EXPIRED || rc == PAM_PERM_DENIED ||
	       rc == PAM_MAXTRIES;
}

int aig_pam_cred_authenticate(struct aig_pam_ctx *ctx, const char *user,
			      const char *password)
{
	struct aig_cred_entry e, got;
	struct cred_cfg c;
	time_t now = time(NULL);
	bool have, matched = false;
	char esc[128];
	int rc, status = AIG_ERR_INTERNAL;

	memset(&got, 0, sizeof(got));
	if ((rc = cfg_copy(&c, ctx->cfg)) != PAM_SUCCESS)
		return rc;
	have = load(ctx, &c, user, &e);
	if (have && e.locked_until <= now)
		matched = hash_matches(password, e.hash);
	if (matched && ctx->cached_auth > 0 && e.verified <= now &&
	    now - e.verified < ctx->cached_auth) {
		aig_log_msg(&ctx->log, LOG_INFO,
			    "authentication for %s: OK from the credential "
			    "cache (verified %ld s ago)",
			    aig_log_quote(esc, sizeof(esc), user),
			    (long)(now - e.verified));
		rc = accept_cached(ctx, &e);
		goto out;
	}
	rc = aig_pam_auth_online(ctx, user, password, &status, &got);
	if (status == AIG_OK && rc == PAM_SUCCESS)
		remember(ctx, &c, user, password, matched, &e, &got, now);
	else if (rc == PAM_AUTHINFO_UNAVAIL && ctx->offline_auth > 0)
		rc = offline(ctx, &c, user, have, matched, &e, now);
	else if (refused(status, rc) && have)
		drop(ctx, &c, user);
out:
	if (have)
		aig_cred_entry_free(&e);
	aig_cred_entry_free(&got);
	cfg_free(&c);
	return rc;
}
