/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aig_ext.h - the interface between aigate.cgi and its extension module,
 * aigate-ext.so (ext.c): the parts that need libpam or libldap (Basic
 * through PAM, groups_from_ldap), loaded with dlopen(3) only by a request
 * that takes one of them (linking them costs every request 2-3 ms of
 * start-up). The two sides meet only through this header: the gate does
 * not see the directory's or PAM's headers, the module not the gate's.
 */
#ifndef AIG_EXT_H
#define AIG_EXT_H

#include <stddef.h>

#include "aig_common.h"

/* The outcome of a Basic login through PAM. */
enum aig_ext_pam_result {
	AIG_EXT_PAM_OK = 0,
	AIG_EXT_PAM_DENIED,	 /* bad credentials, locked, expired: 401 */
	AIG_EXT_PAM_FORBIDDEN,	 /* authenticated, account refused: 403 */
	AIG_EXT_PAM_UNAVAILABLE, /* AD unreachable, PAM broken: 503 */
};

/* The outcome of a directory lookup of a token user's groups. */
enum aig_ext_dir_result {
	AIG_EXT_DIR_OK = 0,
	AIG_EXT_DIR_NO_SUCH_USER, /* the directory does not know the user */
	AIG_EXT_DIR_UNAVAILABLE,  /* any other failure: fail closed, 503 */
};

/* pam_check.c: runs PAM service `service` (authenticate, then acct_mgmt)
 * for user with password, PAM_RHOST = rhost. config_path is not used:
 * pam_aigate.so reads the file its pam.d lines name with config= (else
 * the default), never one named in the PAM environment. On
 * AIG_EXT_PAM_OK and AIG_EXT_PAM_FORBIDDEN, *name is the account's name:
 * a new copy of AIGATE_USER (the directory's spelling, so that every
 * spelling of a login is one user), or of user when the stack set none
 * (caller frees; an AIGATE_USER that is no usable name is
 * AIG_EXT_PAM_UNAVAILABLE). On AIG_EXT_PAM_OK, *groups is a new copy of
 * AIGATE_GROUPS (caller frees; "" when the module set none). The password
 * is borrowed and never copied beyond PAM's own reply buffer. *pam_code
 * gets the PAM status that decided, for the audit record. */
enum aig_ext_pam_result
aig_ext_pam_check(const char *service, const char *config_path,
		  const char *user, const char *password, const char *rhost,
		  char **name, char **groups, int *pam_code);

/* What aigate-ext.so exports, as the symbol aig_gate_ext_v1. */
#define AIG_GATE_EXT_VERSION 3
struct aig_gate_ext {
	unsigned version;
	const char *package; /* PACKAGE_STRING of its build */
	size_t config_size;  /* sizeof(struct aig_config) there */
	/* aig_ext_pam_check() */
	enum aig_ext_pam_result (*pam_check)(const char *service,
					     const char *config_path,
					     const char *user,
					     const char *password,
					     const char *rhost, char **name,
					     char **groups, int *pam_code);
	/* The groups of a token's user (groups_from_ldap), through the group
	 * cache under state_dir, else over a session bound as
	 * ldap.service_bind. *dir is the process's directory state (NULL at
	 * first; kept for the next request; freed with dir_close()); cfg and
	 * log (borrowed) must outlive it. groups gets new strings. err says
	 * why when the result is not AIG_EXT_DIR_OK. */
	enum aig_ext_dir_result (*dir_groups)(void **dir,
					      const struct aig_config *cfg,
					      const struct aig_log *log,
					      const char *user,
					      struct aig_strv *groups,
					      struct aig_error *err);
	void (*dir_close)(void *dir);
};

/* ext_load.c: the module, loaded once per process from aigate-ext.so
 * beside the running executable (or in its .libs/, in a build tree). The
 * file must belong to root or to the executable's owner and be writable
 * by nobody else, and come from the same build (version, package,
 * config_size). NULL with err set when it cannot be loaded (the request
 * is then 503). */
const struct aig_gate_ext *aig_gate_ext_load(struct aig_error *err);

#endif /* AIG_EXT_H */
