/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aig_pam.h - the PAM module's internals (pam_aigate(8)). pam_aigate.c holds
 * only the pam_sm_* entry points; options.c parses the module arguments; work.c
 * does the LDAP work and maps its statuses to PAM codes.
 *
 * No writable globals: everything lives in a struct aig_pam_ctx on the
 * entry point's stack, or in pam_set_data() between phases.
 */
#ifndef AIG_PAM_H
#define AIG_PAM_H

#include <stdbool.h>
#include <security/pam_modules.h>

#include "aig_common.h"
#include "aig_ldap.h"

#define AIG_PAM_MAX_REQUIRE 32
#define AIG_PAM_CACHE_TTL_DEFAULT 300
#define AIG_PAM_CACHE_TTL_MAX 86400

/* One call's options and configuration. Strings in opts are borrowed from
 * argv; cfg is owned (aig_pam_ctx_free). */
struct aig_pam_ctx {
	pam_handle_t *pamh;
	int flags; /* the entry point's flags (PAM_SILENT, ...) */
	struct aig_log log;
	const char *config_path;
	bool debug;
	const char *require_group[AIG_PAM_MAX_REQUIRE];
	size_t n_require;
	int warn_expiry_days; /* -1: no warning */
	bool groups_cache;
	int groups_cache_ttl;	     /* seconds; -1: invalid, so no cache */
	long cached_auth;	     /* seconds; 0: off */
	long offline_auth;	     /* days; 0: off */
	int offline_failed_attempts; /* before offline logins lock */
	long offline_delay;	     /* minutes offline logins stay locked */
	bool keep_connection;	     /* keep.c */
	struct aig_config *cfg;
};

/* Parses argv like pam_faillock: defaults, then config=, then the
 * configuration file, then the rest of argv. Unknown options are logged
 * and ignored. Returns PAM_SUCCESS, or PAM_SERVICE_ERR when the
 * configuration cannot be loaded (logged with its file:line:column). */
int aig_pam_ctx_init(struct aig_pam_ctx *ctx, pam_handle_t *pamh, int argc,
		     const char **argv);

void aig_pam_ctx_free(struct aig_pam_ctx *ctx);

/* pam_set_data() names. */
#define AIG_PAM_DATA_GROUPS "aigate_groups"	      /* struct aig_strv */
#define AIG_PAM_DATA_MUST_CHANGE "aigate_must_change" /* int, 532/773 */
#define AIG_PAM_DATA_SESSION "aigate_session"	      /* struct aig_pam_stash */
#define AIG_PAM_DATA_CACHED "aigate_cached" /* non-NULL: no directory */

/* The user's bound LDAP session, kept from the auth phase for the account
 * phase (Linux-PAM hides PAM_AUTHTOK from account modules, so the account
 * phase could not bind as the user again). It owns the configuration the
 * session borrows; pam_end() frees it all. */
struct aig_pam_stash {
	struct aig_config *cfg;
	struct aig_log log;
	struct aig_ldap *s;
	bool kept;    /* s is keep.c's: given back, not freed */
	bool healthy; /* the directory answered its last use */
};

/* The work of each phase; each returns a PAM code. */
int aig_pam_do_authenticate(struct aig_pam_ctx *ctx);
int aig_pam_do_account(struct aig_pam_ctx *ctx);
int aig_pam_do_chauthtok(struct aig_pam_ctx *ctx, int flags);
int aig_pam_do_session(struct aig_pam_ctx *ctx, bool open);

/* The auth phase's directory work: bind, groups, and on success
 * AIGATE_USER, AIGATE_GROUPS and the session kept for the account phase.
 * *status is the aig_ldap status. On success, got (if not NULL) gets the
 * account's name and groups (free with aig_cred_entry_free()). ctx->cfg
 * is taken over (NULL after). Returns the PAM code. */
int aig_pam_auth_online(struct aig_pam_ctx *ctx, const char *user,
			const char *password, int *status,
			struct aig_cred_entry *got);

/* AIGATE_USER=name, AIGATE_GROUPS, and the groups (copied) kept for the
 * account phase. */
int aig_pam_publish(struct aig_pam_ctx *ctx, const char *name,
		    const struct aig_strv *groups);

/* keep.c (keep_connection): takes the process's kept LDAP session for
 * the configuration ctx names (made on first use; it writes to log until
 * given back). False when another transaction has it, or it cannot be
 * made (logged): then make one as without the option. */
bool aig_pam_keep_take(const struct aig_pam_ctx *ctx, const struct aig_log *log,
		       struct aig_ldap **s);
/* Gives it back, forgetting its user; kept only if healthy (the
 * directory answered its last use) and still connected, else closed. */
void aig_pam_keep_give(struct aig_ldap *s, bool healthy);

/* cred_cache.c: authentication with cached_auth or offline_auth on
 * (pam_aigate(8), CACHED AND OFFLINE LOGINS). */
int aig_pam_cred_authenticate(struct aig_pam_ctx *ctx, const char *user,
			      const char *password);

/* The yescrypt cost (crypt_gensalt(3) count) of the cached hashes. */
#define AIG_PAM_CRED_COST 1
#define AIG_PAM_CACHED_AUTH_MAX 86400L
#define AIG_PAM_OFFLINE_AUTH_MAX 365L
#define AIG_PAM_OFFLINE_ATTEMPTS_DEFAULT 3
#define AIG_PAM_OFFLINE_DELAY_DEFAULT 5L

/* groups_cache: the auth phase's group lists in the LMDB group cache in
 * cfg's state_dir that aigate.cgi shares (ldap/cache.c: same file, same
 * key, entries authenticated with the state key in cfg's
 * state_key_file). Only called once the user's bind has succeeded.
 * Neither fails the call: any trouble with the cache (no state key
 * included) is logged once at LOG_WARNING and the groups come from the
 * directory.
 *
 * aig_pam_cache_get() returns true, and fills *groups (free with
 * aig_ldap_strv_free()), when a fresh entry for user is there. On a miss
 * (an entry without a valid MAC included: logged) it returns false with
 * *usable true; if the cache cannot be used, false with *usable false
 * (then do not put). */
bool aig_pam_cache_get(const struct aig_pam_ctx *ctx,
		       const struct aig_config *cfg, const char *user,
		       struct aig_strv *groups, bool *usable);

/* Stores groups (borrowed) for user. */
void aig_pam_cache_put(const struct aig_pam_ctx *ctx,
		       const struct aig_config *cfg, const char *user,
		       const struct aig_strv *groups);

/* The PAM code for an aig_ldap status in the auth phase, and in the
 * account phase: the table under AD BIND RESULTS in pam_aigate(8). Not
 * exported from the module (export.sym); tests/unit/test_pam checks them. */
int aig_pam_auth_code(int status);
int aig_pam_account_code(int status);

#endif /* AIG_PAM_H */
