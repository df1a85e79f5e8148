/* SPDX-License-Identifier: Apache-2.0 */
/* groups_cache.c - the groups_cache option (aig_pam.h): the auth phase's
 * group lists kept in the LMDB group cache under state_dir that
 * aigate.cgi shares (ldap/cache.c), so that a repeated login costs the
 * bind alone instead of the bind and the group searches.
 *
 * The cached groups decide access, so the cache is trusted only as the
 * configuration is (common/file.c): state_dir and its files must belong
 * to root or to this process's user and not be writable by group or
 * others, and each entry must carry a MAC under the state key
 * (state_key_file, a secret file by the same rules), which whatever else
 * runs as that user (other CGIs under the web server's uid) cannot read
 * when the documented set-up is followed. Any trouble is one warning and
 * the directory's answer, never a failed call and never "no groups".
 *
 * LMDB forbids having one file open twice in one process. A PAM module
 * cannot know its host, so each use here holds an flock() on state_dir
 * and the cache is skipped when the process maps the file already
 * (aigate.cgi under FastCGI keeps it open): aig_ldap_statedir_lock().
 * The environment is opened and closed around each get and put, never
 * kept. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "aig_pam.h"

/* The files aig_ldap_cache_open() makes in state_dir. */
static const char *const cache_files[] = {"ldap-groups.mdb",
					  "ldap-groups.mdb-lock"};
#define N_CACHE_FILES (sizeof(cache_files) / sizeof(cache_files[0]))

struct cache_use {
	int dirfd; /* state_dir, flocked */
	struct aig_state_key *key;
	struct aig_ldap_cache *c;
};

static void use_end(struct cache_use *u)
{
	aig_ldap_cache_close(u->c); /* before the flock goes */
	u->c = NULL;
	aig_state_key_free(u->key);
	u->key = NULL;
	if (u->dirfd >= 0)
		close(u->dirfd);
	u->dirfd = -1;
}

static int use_begin(const struct aig_pam_ctx *ctx,
		     const struct aig_config *cfg, struct cache_use *u,
		     struct aig_error *err)
{
	int rc;

	u->c = NULL;
	u->key = NULL;
	u->dirfd = -1;
	if ((rc = aig_state_key_load(cfg->state_key_file, &u->key, err)) !=
		    AIG_OK ||
	    (rc = aig_ldap_statedir_lock(cfg->state_dir, cache_files,
					 N_CACHE_FILES, &u->dirfd, err)) !=
		    AIG_OK)
		return rc;
	return aig_ldap_cache_open(cfg->state_dir, u->key,
				   (unsigned)ctx->groups_cache_ttl, &u->c, err);
}

static void warn(const struct aig_pam_ctx *ctx, const struct aig_error *err)
{
	aig_log_msg(&ctx->log, LOG_WARNING,
		    "groups_cache: %s; groups read from the directory",
		    err->msg);
}

bool aig_pam_cache_get(const struct aig_pam_ctx *ctx,
		       const struct aig_config *cfg, const char *user,
		       struct aig_strv *groups, bool *usable)
{
	struct cache_use u;
	struct aig_error err = {0};
	char esc[128];
	bool found = false;
	int rc;

	groups->v = NULL;
	groups->n = 0;
	*usable = use_begin(ctx, cfg, &u, &err) == AIG_OK;
	if (*usable) {
		rc = aig_ldap_cache_get(u.c, user, &found, groups, &err);
		/* an entry that is not ours: a miss, and the put replaces it */
		*usable = rc == AIG_OK || rc == AIG_ERR_UNSAFE;
		if (rc == AIG_ERR_UNSAFE)
			warn(ctx, &err);
	}
	use_end(&u);
	if (!*usable)
		warn(ctx, &err);
	found = found && *usable;
	aig_log_msg(&ctx->log, LOG_DEBUG, "groups_cache: %s for %s",
		    found ? "hit" : "miss",
		    aig_log_quote(esc, sizeof(esc), user));
	return found;
}

void aig_pam_cache_put(const struct aig_pam_ctx *ctx,
		       const struct aig_config *cfg, const char *user,
		       const struct aig_strv *groups)
{
	struct cache_use u;
	struct aig_error err = {0};

	if (use_begin(ctx, cfg, &u, &err) != AIG_OK ||
	    aig_ldap_cache_put(u.c, user, groups, &err) != AIG_OK)
		warn(ctx, &err);
	use_end(&u);
}
