/* SPDX-License-Identifier: Apache-2.0 */
/* work.c - what each PAM phase does with the directory (pam_aigate(8)). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "aig_pam.h"

#define GROUPS_ENV_MAX 65536

int aig_pam_auth_code(int status)
{
	switch (status) {
	case AIG_OK:
	case AIG_LDAP_ERR_PASSWORD_EXPIRED: /* 532: account phase says so */
	case AIG_LDAP_ERR_MUST_CHANGE: /* 773 */ return PAM_SUCCESS;
	case AIG_LDAP_ERR_BAD_CREDENTIALS: /* 52e and 525 alike: no */
	case AIG_LDAP_ERR_NO_SUCH_USER:	   /* user enumeration */
	case AIG_LDAP_ERR_AMBIGUOUS:
	case AIG_ERR_INVALID: return PAM_AUTH_ERR;
	case AIG_LDAP_ERR_LOGON_HOURS: /* 530 */
	case AIG_LDAP_ERR_WORKSTATION: /* 531 */ return PAM_PERM_DENIED;
	case AIG_LDAP_ERR_DISABLED: /* 533 */
	case AIG_LDAP_ERR_ACCOUNT_EXPIRED: /* 701 */ return PAM_ACCT_EXPIRED;
	case AIG_LDAP_ERR_LOCKED_OUT: /* 775 */ return PAM_MAXTRIES;
	case AIG_ERR_CONFIG: return PAM_SERVICE_ERR;
	case AIG_ERR_NOMEM: return PAM_BUF_ERR;
	default: /* unreachable, TLS failure, server trouble: fail closed */
		return PAM_AUTHINFO_UNAVAIL;
	}
}

/* ------------------------------------------------------------ pam data */

static void cleanup_groups(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	aig_ldap_strv_free(data);
	free(data);
}

static void cleanup_int(pam_handle_t *pamh, void *data, int status)
{
	(void)pamh;
	(void)status;
	free(data);
}

/* Keeps groups (taken over: *groups is emptied) for the account phase. */
static int keep_groups(struct aig_pam_ctx *ctx, struct aig_strv *groups)
{
	struct aig_strv *kept = malloc(sizeof(*kept));

	if (kept == NULL)
		return PAM_BUF_ERR;
	*kept = *groups;
	groups->v = NULL;
	groups->n = 0;
	if (pam_set_data(ctx->pamh, AIG_PAM_DATA_GROUPS, kept,
			 cleanup_groups) != PAM_SUCCESS) {
		cleanup_groups(ctx->pamh, kept, 0);
		return PAM_BUF_ERR;
	}
	return PAM_SUCCESS;
}

static void cleanup_stash(pam_handle_t *pamh, void *data, int status)
{
	struct aig_pam_stash *st = data;

	(void)pamh;
	(void)status;
	if (st->kept)
		aig_pam_keep_give(st->s, st->healthy);
	else
		aig_ldap_free(st->s);
	aig_config_free(st->cfg);
	free(st);
}

/* A stash that takes over ctx's configuration. */
static struct aig_pam_stash *stash_new(struct aig_pam_ctx *ctx)
{
	struct aig_pam_stash *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return NULL;
	st->cfg = ctx->cfg;
	st->log = ctx->log;
	ctx->cfg = NULL;
	return st;
}

/* Keeps the stash for the account phase; frees it on failure. */
static int keep_stash(struct aig_pam_ctx *ctx, struct aig_pam_stash *st)
{
	if (pam_set_data(ctx->pamh, AIG_PAM_DATA_SESSION, st, cleanup_stash) !=
	    PAM_SUCCESS) {
		cleanup_stash(ctx->pamh, st, 0);
		return PAM_BUF_ERR;
	}
	return PAM_SUCCESS;
}

static int remember_must_change(struct aig_pam_ctx *ctx, int status)
{
	int *v = malloc(sizeof(*v));

	if (v == NULL)
		return PAM_BUF_ERR;
	*v = status;
	if (pam_set_data(ctx->pamh, AIG_PAM_DATA_MUST_CHANGE, v, cleanup_int) !=
	    PAM_SUCCESS) {
		free(v);
		return PAM_BUF_ERR;
	}
	return PAM_SUCCESS;
}

/* AIGATE_GROUPS=g1,g2,...: every group, '%', ',' and control characters
 * in a name written as %XX (aig_groups_join()): none is ever left out,
 * since leaving one out could step around a deny rule. */
static int put_groups_env(struct aig_pam_ctx *ctx, const struct aig_strv *g)
{
	char *joined = aig_groups_join(g), *env = NULL;
	size_t n;
	int rc = PAM_BUF_ERR;

	if (joined == NULL)
		return PAM_BUF_ERR;
	n = strlen("AIGATE_GROUPS=") + strlen(joined) + 1;
	if (n > GROUPS_ENV_MAX) {
		aig_log_msg(&ctx->log, LOG_ERR,
			    "%zu groups do not fit in AIGATE_GROUPS", g->n);
		goto out;
	}
	env = malloc(n);
	if (env != NULL) {
		snprintf(env, n, "AIGATE_GROUPS=%s", joined);
		rc = pam_putenv(ctx->pamh, env);
	}
out:
	free(env);
	free(joined);
	return rc;
}

/* AIGATE_USER=name: the account's name as the directory spells it
 * (aig_ldap_bound_user_name()), for callers that key anything on the
 * user (aigate.cgi's rate limit, audit, X-Aigate-User). PAM_USER stays as
 * typed: it decides whom sshd or sudo log in. */
static int put_user_env(struct aig_pam_ctx *ctx, const char *name)
{
	char *env;
	size_t n;
	int rc;

	if (name == NULL)
		return PAM_SYSTEM_ERR; /* a successful bind always sets it */
	n = strlen("AIGATE_USER=") + strlen(name) + 1;
	env = malloc(n);
	if (env == NULL)
		return PAM_BUF_ERR;
	snprintf(env, n, "AIGATE_USER=%s", name);
	rc = pam_putenv(ctx->pamh, env);
	free(env);
	return rc;
}

/* -------------------------------------------------------------- auth */

static void log_result(struct aig_pam_ctx *ctx, const char *what,
		       const char *user, int status,
		       const struct aig_error *err)
{
	char esc[128];

	aig_log_msg(&ctx->log, status == AIG_OK ? LOG_INFO : LOG_NOTICE,
		    "%s for %s: %s%s%s", what,
		    aig_log_quote(esc, sizeof(esc), user),
		    aig_ldap_status_name(status), err->msg[0] ? ": " : "",
		    err->msg);
}

/* groups_cache: the bind as without it (it alone decides the answer, the
 * AD sub-codes included), then the groups from the cache, and from the
 * directory only on a miss. The cache is not read before the bind has
 * succeeded, so that failed logins never touch it. */
static int authenticate_cached(struct aig_pam_ctx *ctx,
			       struct aig_pam_stash *st, const char *user,
			       const char *password, struct aig_strv *groups,
			       struct aig_error *err)
{
	struct aig_ldap_user *u = NULL;
	size_t len = strlen(user);
	bool usable = false;
	int status;

	/* u: the entry proved to be the account that bound, kept for a
	 * cache miss (no second search for it) */
	status = aig_ldap_bind_user_entry(st->s, user, len, password, &u, err);
	if (status != AIG_OK ||
	    aig_pam_cache_get(ctx, st->cfg, user, groups, &usable)) {
		aig_ldap_user_free(u);
		return status;
	}
	status = aig_ldap_groups(st->s, u, groups, err);
	if (status == AIG_OK && usable)
		aig_pam_cache_put(ctx, st->cfg, user, groups);
	aig_ldap_user_free(u);
	return status;
}

/* Copies the strings of src to dst (empty on failure). */
static int strv_copy(struct aig_strv *dst, const struct aig_strv *src)
{
	struct aig_error err = {0};
	size_t i;

	dst->v = NULL;
	dst->n = 0;
	for (i = 0; i < src->n; i++)
		if (aig_ldap_strv_add(dst, src->v[i], strlen(src->v[i]),
				      &err) != AIG_OK) {
			aig_ldap_strv_free(dst);
			return PAM_BUF_ERR;
		}
	return PAM_SUCCESS;
}

int aig_pam_publish(struct aig_pam_ctx *ctx, const char *name,
		    const struct aig_strv *groups)
{
	struct aig_strv kept;
	int rc = put_user_env(ctx, name);

	if (rc == PAM_SUCCESS)
		rc = put_groups_env(ctx, groups);
	if (rc == PAM_SUCCESS)
		rc = strv_copy(&kept, groups);
	if (rc == PAM_SUCCESS)
		rc = keep_groups(ctx, &kept);
	return rc;
}

/* The session for this login: the kept one (keep_connection; *reused
 * when it is connected already), else a new one. */
static int open_session(struct aig_pam_ctx *ctx, struct aig_pam_stash *st,
			bool *reused, struct aig_error *err)
{
	*reused = false;
	if (ctx->keep_connection && aig_pam_keep_take(ctx, &st->log, &st->s)) {
		st->kept = true;
		*reused = aig_ldap_connected(st->s);
		return AIG_OK;
	}
	return aig_ldap_new(st->cfg, &st->log, &st->s, err);
}

/* The bind and the groups, with groups_cache or without. */
static int directory_auth(struct aig_pam_ctx *ctx, struct aig_pam_stash *st,
			  const char *user, const char *password,
			  struct aig_strv *groups, struct aig_error *err)
{
	if (ctx->groups_cache)
		return authenticate_cached(ctx, st, user, password, groups,
					   err);
	return aig_ldap_authenticate(st->s, user, strlen(user), password,
				     groups, err);
}

int aig_pam_auth_online(struct aig_pam_ctx *ctx, const char *user,
			const char *password, int *status_out,
			struct aig_cred_entry *got)
{
	struct aig_strv groups = {NULL, 0};
	struct aig_error err = {0};
	struct aig_pam_stash *st = NULL;
	bool reused = false;
	int rc, status;

	st = stash_new(ctx);
	if (st == NULL)
		return PAM_BUF_ERR;
	status = open_session(ctx, st, &reused, &err);
	if (status == AIG_OK)
		status = directory_auth(ctx, st, user, password, &groups, &err);
	if (reused && status == AIG_ERR_UNAVAILABLE) {
		/* a kept connection the DC closed, or that failed: once anew */
		aig_log_msg(&ctx->log, LOG_INFO,
			    "keep_connection: kept connection failed (%s); "
			    "connecting again",
			    err.msg);
		aig_ldap_disconnect(st->s);
		aig_ldap_strv_free(&groups);
		aig_error_clear(&err);
		status = directory_auth(ctx, st, user, password, &groups, &err);
	}
	st->healthy = aig_pam_auth_code(status) != PAM_AUTHINFO_UNAVAIL;
	log_result(ctx, "authentication", user, status, &err);
	*status_out = status;
	rc = aig_pam_auth_code(status);
	if (status == AIG_OK) {
		rc = aig_pam_publish(ctx, aig_ldap_bound_user_name(st->s),
				     &groups);
		if (rc == PAM_SUCCESS && got != NULL) {
			got->name = strdup(aig_ldap_bound_user_name(st->s));
			got->groups = groups;
			groups.v = NULL;
			groups.n = 0;
			if (got->name == NULL)
				rc = PAM_BUF_ERR;
		}
		if (rc == PAM_SUCCESS)
			rc = keep_stash(ctx, st);
		else
			cleanup_stash(ctx->pamh, st, 0);
	} else {
		if (rc == PAM_SUCCESS) /* 532, 773 */
			rc = remember_must_change(ctx, status);
		cleanup_stash(ctx->pamh, st, 0);
	}
	aig_ldap_strv_free(&groups);
	return rc;
}

int aig_pam_do_authenticate(struct aig_pam_ctx *ctx)
{
	const char *user = NULL, *password = NULL;
	int rc, status;

	rc = pam_get_user(ctx->pamh, &user, NULL);
	if (rc != PAM_SUCCESS || user == NULL || *user == '\0')
		return rc == PAM_SUCCESS ? PAM_USER_UNKNOWN : rc;
	rc = pam_get_authtok(ctx->pamh, PAM_AUTHTOK, &password, NULL);
	if (rc != PAM_SUCCESS)
		return rc == PAM_CONV_AGAIN ? PAM_INCOMPLETE : rc;
	/* An empty password or sshd's decoy never leaves this process. */
	if (password == NULL || aig_ldap_password_refused(password)) {
		aig_log_msg(&ctx->log, LOG_NOTICE,
			    "refused locally: empty or decoy password");
		return PAM_AUTH_ERR;
	}
	if (ctx->cached_auth > 0 || ctx->offline_auth > 0)
		return aig_pam_cred_authenticate(ctx, user, password);
	return aig_pam_auth_online(ctx, user, password, &status, NULL);
}

/* ----------------------------------------------------------- account */

/* A session that can read the user's entry: the user's own, kept by
 * this module's auth phase in this transaction, else a new one bound as
 * the service account. *borrowed tells which: the caller frees only a new
 * one. With neither, the account's state cannot be read: AIG_ERR_CONFIG. */
static int reader_session(struct aig_pam_ctx *ctx, const char *user,
			  struct aig_ldap **out, bool *borrowed,
			  struct aig_error *err)
{
	const void *data = NULL;
	char esc[128];
	int status;

	*out = NULL;
	*borrowed = pam_get_data(ctx->pamh, AIG_PAM_DATA_SESSION, &data) ==
			    PAM_SUCCESS &&
		    data != NULL;
	if (*borrowed) {
		*out = ((const struct aig_pam_stash *)data)->s;
		return AIG_OK;
	}
	if (!ctx->cfg->ldap.has_service_bind) {
		aig_log_msg(
			&ctx->log, LOG_ERR,
			"account refused for %s: its state (disabled, "
			"expired, locked out) cannot be checked without "
			"ldap.service_bind when this module's auth phase "
			"did not run",
			aig_log_escape(esc, sizeof(esc), user, strlen(user)));
		return aig_error_set(err, AIG_ERR_CONFIG,
				     "no service_bind, and no session from "
				     "this module's auth phase");
	}
	status = aig_ldap_new(ctx->cfg, &ctx->log, out, err);
	if (status == AIG_OK)
		status = aig_ldap_bind_service(*out, err);
	return status;
}

static bool in_groups(const struct aig_strv *g, const char *name)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (strcasecmp(g->v[i], name) == 0)
			return true;
	return false;
}

static int check_require_group(struct aig_pam_ctx *ctx, const char *user,
			       const struct aig_strv *groups)
{
	char esc[128];
	size_t i;

	if (ctx->n_require == 0)
		return PAM_SUCCESS;
	for (i = 0; i < ctx->n_require; i++)
		if (in_groups(groups, ctx->require_group[i]))
			return PAM_SUCCESS;
	aig_log_msg(&ctx->log, LOG_NOTICE,
		    "account refused for %s: not in a required group",
		    aig_log_quote(esc, sizeof(esc), user));
	return PAM_PERM_DENIED;
}

static void warn_expiry(struct aig_pam_ctx *ctx, struct aig_ldap_user *u)
{
	enum aig_pw_expiry kind;
	time_t when, now = time(NULL);
	long days;

	if ((ctx->flags & PAM_SILENT) ||
	    aig_ldap_password_expiry(u, &kind, &when, NULL) != AIG_OK ||
	    kind != AIG_PW_EXPIRES || when < now)
		return;
	days = (long)((when - now) / 86400);
	if (days <= ctx->warn_expiry_days)
		pam_info(ctx->pamh,
			 days == 0 ? "Your password expires today."
				   : "Your password expires in %ld day%s.",
			 days, days == 1 ? "" : "s");
}

/* A locked-out account is PAM_PERM_DENIED here (as pam_sss says it), not
 * the auth phase's PAM_MAXTRIES, which pam_acct_mgmt(3) does not know. */
int aig_pam_account_code(int status)
{
	switch (status) {
	case AIG_OK: return PAM_SUCCESS;
	case AIG_LDAP_ERR_NO_SUCH_USER: return PAM_USER_UNKNOWN;
	case AIG_LDAP_ERR_DISABLED: /* 533 */
	case AIG_LDAP_ERR_ACCOUNT_EXPIRED: /* 701 */ return PAM_ACCT_EXPIRED;
	case AIG_LDAP_ERR_PASSWORD_EXPIRED: /* 532 */
	case AIG_LDAP_ERR_MUST_CHANGE: /* 773 */ return PAM_NEW_AUTHTOK_REQD;
	case AIG_LDAP_ERR_LOCKED_OUT:		     /* 775 */
	case AIG_ERR_CONFIG: return PAM_PERM_DENIED; /* cannot tell: refuse */
	default:
		return aig_pam_auth_code(status) == PAM_AUTHINFO_UNAVAIL
			       ? PAM_AUTHINFO_UNAVAIL
			       : PAM_PERM_DENIED;
	}
}

/* Reads the user's entry and checks the account's state, which the
 * auth phase may not have seen (sshd with a key, sudo with cached
 * credentials); then what the auth phase did not leave: the groups (for
 * require_group) and the expiry (for the warning). */
static int account_lookup(struct aig_pam_ctx *ctx, const char *user,
			  bool need_groups, struct aig_strv *groups)
{
	struct aig_error err = {0};
	struct aig_ldap *s = NULL;
	struct aig_ldap_user *u = NULL;
	bool borrowed = false;
	int status;

	status = reader_session(ctx, user, &s, &borrowed, &err);
	if (status == AIG_OK)
		status = aig_ldap_find_user(s, user, strlen(user), &u, &err);
	if (status == AIG_OK)
		status = aig_ldap_account_state(u, time(NULL), &err);
	if (status == AIG_OK && need_groups)
		status = aig_ldap_groups(s, u, groups, &err);
	if (status == AIG_OK && ctx->warn_expiry_days >= 0)
		warn_expiry(ctx, u);
	if (status != AIG_OK)
		log_result(ctx, "account", user, status, &err);
	aig_ldap_user_free(u);
	if (!borrowed)
		aig_ldap_free(s);
	return aig_pam_account_code(status);
}

int aig_pam_do_account(struct aig_pam_ctx *ctx)
{
	struct aig_strv fetched = {NULL, 0};
	const void *data = NULL;
	const struct aig_strv *groups = NULL;
	const char *user = NULL;
	int rc;

	rc = pam_get_user(ctx->pamh, &user, NULL);
	if (rc != PAM_SUCCESS || user == NULL || *user == '\0')
		return rc == PAM_SUCCESS ? PAM_USER_UNKNOWN : rc;
	if (pam_get_data(ctx->pamh, AIG_PAM_DATA_MUST_CHANGE, &data) ==
		    PAM_SUCCESS &&
	    data != NULL)
		return PAM_NEW_AUTHTOK_REQD;
	if (pam_get_data(ctx->pamh, AIG_PAM_DATA_GROUPS, &data) == PAM_SUCCESS)
		groups = data;
	/* cached_auth, offline_auth: no directory; the cached groups */
	if (groups != NULL &&
	    pam_get_data(ctx->pamh, AIG_PAM_DATA_CACHED, &data) ==
		    PAM_SUCCESS &&
	    data != NULL)
		return check_require_group(ctx, user, groups);
	rc = account_lookup(ctx, user, ctx->n_require > 0 && groups == NULL,
			    &fetched);
	if (rc == PAM_SUCCESS)
		rc = check_require_group(ctx, user, groups ? groups : &fetched);
	aig_ldap_strv_free(&fetched);
	return rc;
}

/* ---------------------------------------------------------- chauthtok */

static int change_code(int status)
{
	switch (status) {
	case AIG_OK: return PAM_SUCCESS;
	case AIG_LDAP_ERR_BAD_CREDENTIALS:
	case AIG_LDAP_ERR_NO_SUCH_USER: return PAM_AUTHTOK_RECOVERY_ERR;
	case AIG_LDAP_ERR_PW_TOO_YOUNG:
	case AIG_LDAP_ERR_PW_QUALITY:
	case AIG_LDAP_ERR_PW_HISTORY:
	case AIG_LDAP_ERR_PW_REFUSED: return PAM_AUTHTOK_ERR;
	default:
		return aig_pam_auth_code(status) == PAM_AUTHINFO_UNAVAIL
			       ? PAM_AUTHINFO_UNAVAIL
			       : PAM_AUTHTOK_ERR;
	}
}

static const char *change_message(int status)
{
	switch (status) {
	case AIG_LDAP_ERR_PW_TOO_YOUNG:
		return "The password was changed too recently to change it "
		       "again.";
	case AIG_LDAP_ERR_PW_QUALITY:
		return "The new password is too short or not complex enough.";
	case AIG_LDAP_ERR_PW_HISTORY:
		return "The new password was used before.";
	case AIG_LDAP_ERR_PW_REFUSED:
		return "The directory refused the new password.";
	case AIG_LDAP_ERR_BAD_CREDENTIALS:
		return "The current password is not correct.";
	default: return NULL;
	}
}

/* Checks the old password with a bind. 532 and 773 prove it right too:
 * AD answers them only to the right password. *own tells whether the
 * user's own session can make the change. */
static int check_old(struct aig_pam_ctx *ctx, const char *user, const char *old,
		     struct aig_ldap **s, bool *own, struct aig_error *err)
{
	int status = aig_ldap_new(ctx->cfg, &ctx->log, s, err);

	if (status == AIG_OK)
		status = aig_ldap_bind_user(*s, user, strlen(user), old, err);
	*own = status == AIG_OK;
	if (status == AIG_LDAP_ERR_PASSWORD_EXPIRED ||
	    status == AIG_LDAP_ERR_MUST_CHANGE)
		status = AIG_OK;
	return status;
}

/* Makes the change: on the user's own connection when the user could
 * bind; else (532/773: AD refuses the user's bind) on the service
 * account's, as AD lets any connection change a password with the old one
 * in the same modify. */
static int change(struct aig_pam_ctx *ctx, const char *user, const char *old,
		  const char *new_pw, struct aig_error *err)
{
	struct aig_ldap *s = NULL;
	struct aig_ldap_user *u = NULL;
	bool own = false;
	int status;

	status = check_old(ctx, user, old, &s, &own, err);
	if (status == AIG_OK && !own) {
		aig_ldap_free(s);
		s = NULL;
		status = aig_ldap_new(ctx->cfg, &ctx->log, &s, err);
		if (status == AIG_OK)
			status = aig_ldap_bind_service(s, err);
	}
	if (status == AIG_OK)
		status = aig_ldap_find_user(s, user, strlen(user), &u, err);
	if (status == AIG_OK)
		status = aig_ldap_change_password(s, u, old, new_pw, err);
	aig_ldap_user_free(u);
	aig_ldap_free(s);
	return status;
}

int aig_pam_do_chauthtok(struct aig_pam_ctx *ctx, int flags)
{
	struct aig_error err = {0};
	struct aig_ldap *s = NULL;
	const char *user = NULL, *old = NULL, *new_pw = NULL, *msg;
	bool own;
	int rc, status;

	rc = pam_get_user(ctx->pamh, &user, NULL);
	if (rc != PAM_SUCCESS || user == NULL || *user == '\0')
		return rc == PAM_SUCCESS ? PAM_USER_UNKNOWN : rc;
	rc = pam_get_authtok(ctx->pamh, PAM_OLDAUTHTOK, &old, NULL);
	if (rc != PAM_SUCCESS)
		return rc;
	if (old == NULL || aig_ldap_password_refused(old))
		return PAM_AUTHTOK_RECOVERY_ERR;
	if (flags & PAM_PRELIM_CHECK) {
		status = check_old(ctx, user, old, &s, &own, &err);
		aig_ldap_free(s);
	} else {
		rc = pam_get_authtok(ctx->pamh, PAM_AUTHTOK, &new_pw, NULL);
		if (rc != PAM_SUCCESS)
			return rc;
		if (new_pw == NULL || aig_ldap_password_refused(new_pw))
			return PAM_AUTHTOK_ERR;
		status = change(ctx, user, old, new_pw, &err);
	}
	log_result(ctx,
		   flags & PAM_PRELIM_CHECK ? "password check"
					    : "password change",
		   user, status, &err);
	msg = change_message(status);
	if (msg != NULL && !(flags & PAM_SILENT))
		pam_error(ctx->pamh, "%s", msg);
	return change_code(status);
}

/* ------------------------------------------------------------ session */

static const char *item_str(pam_handle_t *pamh, int item)
{
	const void *v = NULL;

	if (pam_get_item(pamh, item, &v) != PAM_SUCCESS || v == NULL)
		return "";
	return v;
}

int aig_pam_do_session(struct aig_pam_ctx *ctx, bool open)
{
	struct aig_error err = {0};
	char ts[40], id[AIG_REQUEST_ID_LEN + 1], esc[128];
	const char *user = item_str(ctx->pamh, PAM_USER);
	json_t *rec;
	int status;

	aig_time_rfc3339(ts, sizeof(ts));
	if (aig_request_id(id, &err) != AIG_OK)
		return PAM_SESSION_ERR;
	rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ts", ts,
			"request_id", id, "event",
			open ? "session_open" : "session_close", "service",
			item_str(ctx->pamh, PAM_SERVICE), "user", user,
			"client", item_str(ctx->pamh, PAM_RHOST), "tty",
			item_str(ctx->pamh, PAM_TTY), "auth", "pam");
	if (rec == NULL)
		return PAM_BUF_ERR;
	status = aig_audit_append(ctx->cfg->audit.file, rec, &err);
	json_decref(rec);
	if (ctx->cfg->audit.syslog)
		aig_log_msg(&ctx->log, LOG_INFO, "session %s for %s",
			    open ? "opened" : "closed",
			    aig_log_quote(esc, sizeof(esc), user));
	if (status != AIG_OK) {
		aig_log_msg(&ctx->log, LOG_ERR, "audit: %s", err.msg);
		return PAM_SESSION_ERR;
	}
	return PAM_SUCCESS;
}
