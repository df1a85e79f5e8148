/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lazy.c - pam_aigate.so's stand-ins for the functions of aig_ldap.h that
 * need libldap (ldap_ops.h says why): each loads aigate-ldap.so on first
 * use and calls the module's function. Linked into pam_aigate.so only;
 * everything else links the directory code itself.
 *
 * The module is the file aigate-ldap.so in the directory pam_aigate.so
 * was loaded from, loaded by aig_module_load() with the checks the gate
 * makes of its own modules: the directory and the file owned by root or
 * by the owner of pam_aigate.so and writable by nobody else, a regular
 * file and not a symbolic link, and what was checked is what is loaded. No
 * environment variable or argument names another file: a PAM module runs inside
 * set-user-ID programs. It is loaded once per process, never unloaded
 * (RTLD_NODELETE, as pam_aigate.so itself is linked -z nodelete).
 *
 * When it cannot be loaded, aig_ldap_new() fails with AIG_ERR_UNAVAILABLE
 * (PAM_AUTHINFO_UNAVAIL: the directory cannot be asked); every other
 * stand-in is only reached with a session or an entry that the module
 * made, so it is loaded by then.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>

#include "ldap_ops.h"

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct aig_ldap_ops *loaded;

/* The module beside this object's own file, loaded (*h). */
static int load_module(void **h, struct aig_error *err)
{
	char self[PATH_MAX];
	Dl_info info;
	struct stat st;

	if (dladdr((void *)load_module, &info) == 0 || info.dli_fname == NULL ||
	    strlen(info.dli_fname) >= sizeof(self))
		return aig_error_set(err, AIG_ERR_UNAVAILABLE,
				     "cannot tell where pam_aigate.so is");
	strcpy(self, info.dli_fname);
	if (stat(self, &st) != 0)
		return aig_error_set(err, AIG_ERR_UNAVAILABLE, "%s: %s", self,
				     strerror(errno));
	return aig_module_load(dirname(self), AIG_LDAP_MODULE, st.st_uid,
			       RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE, h, err);
}

static bool same_build(const struct aig_ldap_ops *o)
{
	return o != NULL && o->version == AIG_LDAP_OPS_VERSION &&
	       strcmp(o->package, PACKAGE_STRING) == 0 &&
	       o->config_size == sizeof(struct aig_config);
}

static const struct aig_ldap_ops *load_locked(struct aig_error *err)
{
	const struct aig_ldap_ops *o;
	void *h;

	if (load_module(&h, err) != AIG_OK)
		return NULL;
	o = dlsym(h, AIG_LDAP_OPS_SYMBOL);
	if (!same_build(o)) {
		aig_error_set(err, AIG_ERR_UNAVAILABLE,
			      AIG_LDAP_MODULE " is not the module of this "
					      "pam_aigate.so");
		dlclose(h);
		return NULL;
	}
	return o;
}

/* The module's table, loaded on first use; NULL with err set when it
 * cannot be loaded. */
static const struct aig_ldap_ops *ops(struct aig_error *err)
{
	const struct aig_ldap_ops *o;

	pthread_mutex_lock(&load_lock);
	if (loaded == NULL)
		loaded = load_locked(err);
	o = loaded;
	pthread_mutex_unlock(&load_lock);
	return o;
}

/* The table when it is loaded, else NULL: for the calls that take an
 * object only the module makes. */
static const struct aig_ldap_ops *ops_if_loaded(void)
{
	const struct aig_ldap_ops *o;

	pthread_mutex_lock(&load_lock);
	o = loaded;
	pthread_mutex_unlock(&load_lock);
	return o;
}

static int not_loaded(struct aig_error *err)
{
	return aig_error_set(err, AIG_ERR_UNAVAILABLE,
			     AIG_LDAP_MODULE " is not loaded");
}

int aig_ldap_new(const struct aig_config *cfg, const struct aig_log *log,
		 struct aig_ldap **out, struct aig_error *err)
{
	const struct aig_ldap_ops *o = ops(err);

	*out = NULL;
	if (o == NULL)
		return AIG_ERR_UNAVAILABLE;
	return o->new_session(cfg, log, out, err);
}

void aig_ldap_free(struct aig_ldap *s)
{
	const struct aig_ldap_ops *o = ops_if_loaded();

	if (o != NULL)
		o->free_session(s);
}

void aig_ldap_set_log(struct aig_ldap *s, const struct aig_log *log)
{
	const struct aig_ldap_ops *o = ops_if_loaded();

	if (o != NULL)
		o->set_log(s, log);
}

bool aig_ldap_connected(const struct aig_ldap *s)
{
	const struct aig_ldap_ops *o = ops_if_loaded();

	return o != NULL && o->connected(s);
}

void aig_ldap_disconnect(struct aig_ldap *s)
{
	const struct aig_ldap_ops *o = ops_if_loaded();

	if (o != NULL)
		o->disconnect(s);
}

void aig_ldap_forget_user(struct aig_ldap *s)
{
	const struct aig_ldap_ops *o = ops_if_loaded();

	if (o != NULL)
		o->forget_user(s);
}

int aig_ldap_bind_service(struct aig_ldap *s, struct aig_error *err)
{
	const struct aig_ldap_ops *o = ops_if_loaded();

	return o != NULL ? o->bind_service(s, err) : not_loaded(err);
}

int aig_ldap_bind_user(struct aig_ldap *s, const char *login, size_t len,
		       const char *password, struct aig_error *err)
{
	const struct aig_ldap_ops *o = ops_if_loaded();

	return o != NULL ? o->bind_user(s, login, len, password, err)
			 : not_loaded(err);
}

int aig_ldap_bind_user_entry(struct aig_ldap *s, const char *login, size_t len,
			     const char *password, struct aig_ldap_user **found,
			     struct aig_error *err)
{
	const struct aig_ldap_ops *o = ops_if_loaded();

	*found = NULL;
	return o != NULL
		       ? o->bind_user_entry(s, login, len, password, found, err)
		       : not_loaded(err);
}

const char *aig_ldap_bound_user_name(const struct aig_ldap *s)
{
	const struct aig_ldap_ops *o = ops_if_loaded();

	return o != NULL ? o->bound_user_name(s) : NULL;
}

int aig_ldap_authenticate(struct aig_ldap *s, const char *login, size_t len,
			  const char *password, struct aig_strv *groups,
			  struct aig_error *err)
{
	const struct aig_ldap_ops *o = ops_if_loaded();

	return o != NULL ? o->authenticate(s, login, len, password, groups, err)
			 : not_loaded(err);
}

int aig_ldap_find_user(struct aig_ldap *s, const char *login, size_t len,
		       struct aig_ldap_user **out, struct aig_error *err)
{
	const struct aig_ldap_ops *o = ops_if_loaded();

	*out = NULL;
	return o != NULL ? o->find_user(s, login, len, out, err)
			 : not_loaded(err);
}

void aig_ldap_user_free(struct aig_ldap_user *u)
{
	const struct aig_ldap_ops *o = ops_if_loaded();

	if (o != NULL)
		o->user_free(u);
}

int aig_ldap_groups(struct aig_ldap *s, const struct aig_ldap_user *u,
		    struct aig_strv *out, struct aig_error *err)
{
	const struct aig_ldap_ops *o = ops_if_loaded();

	return o != NULL ? o->groups(s, u, out, err) : not_loaded(err);
}

int aig_ldap_account_state(const struct aig_ldap_user *u, time_t now,
			   struct aig_error *err)
{
	const struct aig_ldap_ops *o = ops_if_loaded();

	return o != NULL ? o->account_state(u, now, err) : not_loaded(err);
}

int aig_ldap_password_expiry(const struct aig_ldap_user *u,
			     enum aig_pw_expiry *kind, time_t *when,
			     struct aig_error *err)
{
	const struct aig_ldap_ops *o = ops_if_loaded();

	return o != NULL ? o->password_expiry(u, kind, when, err)
			 : not_loaded(err);
}

int aig_ldap_change_password(struct aig_ldap *s, const struct aig_ldap_user *u,
			     const char *old_password, const char *new_password,
			     struct aig_error *err)
{
	const struct aig_ldap_ops *o = ops_if_loaded();

	return o != NULL ? o->change_password(s, u, old_password, new_password,
					      err)
			 : not_loaded(err);
}
