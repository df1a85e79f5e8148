/* SPDX-License-Identifier: Apache-2.0 */
/* warm.c - what a gate process keeps between requests (gate.h).
 *
 * A CGI process fills it for its one request; a FastCGI process keeps it
 * for its life, so that the configuration is parsed, the policy's
 * patterns compiled, the key set read and the LMDB files mapped once, not
 * per request. The files are checked with stat(2) on every request: an
 * edited aigate.json or policy.json is read again (and a broken edit
 * fails closed, as it would for a CGI), a rotated audit file is reopened.
 * Everything made from a configuration is dropped with it. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "aig_alb.h"
#include "aig_ext.h"
#include "aig_http.h"
#include "aig_identity.h"
#include "aig_jwt.h"
#include "basic_cache.h"
#include "gate.h"

void aig_warm_init(struct aig_warm *w)
{
	memset(w, 0, sizeof(*w));
	w->audit_fd = -1;
	w->log.fn = aig_log_syslog_fn;
	w->log.max_priority = LOG_INFO;
}

/* Everything made from the configuration. */
static void drop_derived(struct aig_warm *w)
{
	aig_policy_free(w->pol);
	w->pol = NULL;
	memset(&w->pol_stamp, 0, sizeof(w->pol_stamp));
	if (w->audit_fd >= 0)
		close(w->audit_fd);
	w->audit_fd = -1;
	aig_jwt_verifier_free(w->verifier);
	w->verifier = NULL;
	aig_alb_verifier_free(w->alb);
	w->alb = NULL;
	aig_warm_drop_ratelimit(w);
	aig_warm_drop_metrics(w);
	if (w->dir != NULL) /* made by the extension: it is loaded */
		aig_gate_ext_load(NULL)->dir_close(w->dir);
	w->dir = NULL;
	aig_basic_cache_free(w->basic_cache);
	w->basic_cache = NULL;
	aig_sso_drop(w);
}

void aig_warm_free(struct aig_warm *w)
{
	drop_derived(w);
	aig_http_client_free(w->http);
	aig_identity_free(w->identity);
	aig_config_free(w->cfg);
	free(w->config_path);
	memset(w, 0, sizeof(*w));
	w->audit_fd = -1;
}

/* True when path is still the file st was taken from, unchanged. */
static bool same_file(const char *path, const struct stat *was)
{
	struct stat st;

	return stat(path, &st) == 0 && st.st_dev == was->st_dev &&
	       st.st_ino == was->st_ino && st.st_size == was->st_size &&
	       st.st_mtim.tv_sec == was->st_mtim.tv_sec &&
	       st.st_mtim.tv_nsec == was->st_mtim.tv_nsec &&
	       st.st_ctim.tv_sec == was->st_ctim.tv_sec &&
	       st.st_ctim.tv_nsec == was->st_ctim.tv_nsec;
}

int aig_warm_config(struct aig_warm *w, struct aig_error *err)
{
	struct aig_config *cfg = NULL;
	struct stat st;
	int rc;

	if (w->cfg != NULL && same_file(w->config_path, &w->cfg_stamp))
		return AIG_OK;
	/* Stamp first: a change while it is read is seen next time. */
	if (stat(w->config_path, &st) != 0)
		memset(&st, 0, sizeof(st));
	rc = aig_config_load(w->config_path, &cfg, err);
	drop_derived(w);
	aig_config_free(w->cfg);
	w->cfg = NULL;
	if (rc != AIG_OK)
		return rc; /* fail closed, also with an old one in hand */
	w->cfg = cfg;
	w->cfg_stamp = st;
	return AIG_OK;
}

int aig_warm_policy(struct aig_warm *w, struct aig_error *err)
{
	struct aig_policy *pol = NULL;
	struct stat st;
	int rc;

	if (w->pol != NULL && same_file(w->cfg->policy_file, &w->pol_stamp))
		return AIG_OK;
	if (stat(w->cfg->policy_file, &st) != 0)
		memset(&st, 0, sizeof(st));
	rc = aig_policy_load(w->cfg->policy_file, &pol, err);
	aig_policy_free(w->pol);
	w->pol = NULL;
	if (rc != AIG_OK)
		return rc;
	w->pol = pol;
	w->pol_stamp = st;
	return AIG_OK;
}

/* The audit file is kept open while its name still leads to it; after a
 * rotation (rename, or a new file) the name is opened again. The open
 * file's identity is taken once, when it is opened. */
int aig_warm_audit(struct aig_warm *w, struct aig_error *err)
{
	struct stat st;
	int rc;

	if (w->audit_fd >= 0 && stat(w->cfg->audit.file, &st) == 0 &&
	    st.st_dev == w->audit_dev && st.st_ino == w->audit_ino)
		return AIG_OK;
	if (w->audit_fd >= 0)
		close(w->audit_fd);
	w->audit_fd = -1;
	rc = aig_audit_open(w->cfg->audit.file, &w->audit_fd, err);
	if (rc != AIG_OK)
		return rc;
	if (fstat(w->audit_fd, &st) != 0) {
		rc = aig_error_set(err, AIG_ERR_IO, "%s: %s",
				   w->cfg->audit.file, strerror(errno));
		close(w->audit_fd);
		w->audit_fd = -1;
		return rc;
	}
	w->audit_dev = st.st_dev;
	w->audit_ino = st.st_ino;
	return AIG_OK;
}

int aig_warm_verifier(struct aig_warm *w, struct aig_error *err)
{
	struct aig_jwks_options opts = {w->cfg->jwt.ca_file, &w->log};

	if (w->verifier != NULL)
		return AIG_OK;
	return aig_jwt_verifier_new(w->cfg, &opts, &w->verifier, err);
}

int aig_warm_alb(struct aig_warm *w, struct aig_error *err)
{
	if (w->alb != NULL)
		return AIG_OK;
	return aig_alb_verifier_new(w->cfg, &w->log, &w->alb, err);
}

int aig_warm_http(struct aig_warm *w, struct aig_error *err)
{
	if (w->http != NULL)
		return AIG_OK;
	return aig_http_client_new(NULL, &w->http, err);
}

int aig_warm_ratelimit(struct aig_warm *w, struct aig_error *err)
{
	if (w->rl != NULL)
		return AIG_OK;
	return aig_ratelimit_open(w->cfg, &w->rl, err);
}

void aig_warm_drop_ratelimit(struct aig_warm *w)
{
	aig_ratelimit_close(w->rl);
	w->rl = NULL;
}

int aig_warm_metrics(struct aig_warm *w, struct aig_error *err)
{
	if (w->metrics != NULL)
		return AIG_OK;
	return aig_metrics_open(w->cfg->state_dir, &w->metrics, err);
}

void aig_warm_drop_metrics(struct aig_warm *w)
{
	aig_metrics_close(w->metrics);
	w->metrics = NULL;
}

int aig_warm_set_config_path(struct aig_warm *w, const char *path)
{
	bool fastcgi = w->fastcgi;
	char *copy;

	if (path == NULL || *path == '\0')
		path = aig_config_default_path();
	if (w->config_path != NULL && strcmp(w->config_path, path) == 0)
		return AIG_OK;
	copy = strdup(path);
	if (copy == NULL)
		return AIG_ERR_NOMEM;
	aig_warm_free(w);
	aig_warm_init(w);
	w->fastcgi = fastcgi;
	w->config_path = copy;
	return AIG_OK;
}
