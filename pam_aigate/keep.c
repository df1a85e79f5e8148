/* SPDX-License-Identifier: Apache-2.0 */
/* keep.c - the keep_connection option (pam_aigate(8)): one LDAP session
 * per process kept between PAM transactions, so that a process that
 * authenticates many users (aigate.cgi under FastCGI) re-binds on an open
 * TLS connection instead of making one per login.
 *
 * This is the module's one piece of state outside a PAM handle, so it is
 * small and locked: a session is taken by one transaction at a time (a
 * transaction that finds it taken makes its own, as without the option)
 * and given back at pam_end(). What it keeps of a login is nothing: the
 * user it was bound as is forgotten when it is given back, and every use
 * starts with a bind (a failed bind leaves an LDAP connection anonymous,
 * RFC 4511 4.2.1). A session whose last use did not end with the
 * directory's answer is closed, not kept. The session uses a
 * configuration of its own, read from the same file, and is dropped when
 * that file changes. The module is loaded -z nodelete, so this outlives
 * each pam_end(). */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>

#include "aig_pam.h"

static struct {
	pthread_mutex_t lock;
	char *path;		/* the configuration file cfg was read from */
	struct stat stamp;	/* ... and what it was then */
	struct aig_config *cfg; /* owned; the session borrows it */
	struct aig_ldap *s;	/* owned; NULL while taken, or none yet */
	bool taken;
} kept = {PTHREAD_MUTEX_INITIALIZER, NULL, {0}, NULL, NULL, false};

static void drop_locked(void)
{
	aig_ldap_free(kept.s);
	kept.s = NULL;
	aig_config_free(kept.cfg);
	kept.cfg = NULL;
	free(kept.path);
	kept.path = NULL;
}

/* The kept configuration for path, read again if the file changed. */
static int config_locked(const char *path, const struct aig_log *log,
			 struct aig_error *err)
{
	struct stat st;
	int rc;

	if (stat(path, &st) != 0)
		return aig_error_set(err, AIG_ERR_IO, "%s: cannot stat", path);
	if (kept.cfg != NULL && strcmp(kept.path, path) == 0 &&
	    aig_file_unchanged(&st, &kept.stamp))
		return AIG_OK;
	drop_locked();
	if ((kept.path = strdup(path)) == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	if ((rc = aig_config_load(path, &kept.cfg, err)) != AIG_OK) {
		drop_locked();
		return rc;
	}
	kept.stamp = st;
	aig_log_msg(log, LOG_DEBUG, "keep_connection: configuration %s read",
		    path);
	return AIG_OK;
}

bool aig_pam_keep_take(const struct aig_pam_ctx *ctx, const struct aig_log *log,
		       struct aig_ldap **s)
{
	struct aig_error err = {0};
	bool ok = false;

	*s = NULL;
	pthread_mutex_lock(&kept.lock);
	if (kept.taken)
		goto out; /* another thread's: this login makes its own */
	if (config_locked(ctx->config_path, log, &err) != AIG_OK ||
	    (kept.s == NULL &&
	     aig_ldap_new(kept.cfg, log, &kept.s, &err) != AIG_OK)) {
		aig_log_msg(log, LOG_WARNING, "keep_connection: %s", err.msg);
		goto out;
	}
	*s = kept.s;
	kept.s = NULL;
	kept.taken = true;
	aig_ldap_set_log(*s, log);
	ok = true;
out:
	pthread_mutex_unlock(&kept.lock);
	return ok;
}

void aig_pam_keep_give(struct aig_ldap *s, bool healthy)
{
	aig_ldap_forget_user(s);
	aig_ldap_set_log(s, NULL);
	pthread_mutex_lock(&kept.lock);
	if (healthy && aig_ldap_connected(s) && kept.s == NULL) {
		kept.s = s;
		s = NULL;
	}
	kept.taken = false;
	pthread_mutex_unlock(&kept.lock);
	aig_ldap_free(s);
}
