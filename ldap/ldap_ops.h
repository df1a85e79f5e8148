/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ldap_ops.h - the directory code as a table of functions: what the
 * module aigate-ldap.so exports (ops.c) and what pam_aigate.so calls
 * through its stand-ins (lazy.c).
 *
 * Why. pam_aigate.so answers a login from its credential cache without
 * the DC (cached_auth), and in a one-request CGI the libraries of the
 * directory code (libldap, GnuTLS, Cyrus SASL, MIT krb5, about 3-4 ms of
 * loading and relocation on each exec) were most of that answer's cost.
 * So pam_aigate.so links only the state files of ldap/ (util.c,
 * cache.c, credstore.c, statedir.c, mdb.c) and loads the rest, built as
 * aigate-ldap.so beside it, the first time a login needs the DC.
 *
 * The two sides are built from the same sources: the table carries the
 * build's PACKAGE_STRING and the size of struct aig_config, and a module
 * of another build is refused (the login is then PAM_AUTHINFO_UNAVAIL).
 * Objects made on one side are freed on the same side, through the
 * table. Bump AIG_LDAP_OPS_VERSION whenever the table changes.
 */
#ifndef AIG_LDAP_OPS_H
#define AIG_LDAP_OPS_H

#include "aig_ldap.h"

#define AIG_LDAP_OPS_VERSION 2
#define AIG_LDAP_OPS_SYMBOL "aig_ldap_ops_v1"
#define AIG_LDAP_MODULE "aigate-ldap.so"

/* One member per function of aig_ldap.h that pam_aigate.so calls and
 * that needs libldap; each has that function's contract. */
struct aig_ldap_ops {
	unsigned version;
	const char *package; /* PACKAGE_STRING */
	size_t config_size;  /* sizeof(struct aig_config) */
	int (*new_session)(const struct aig_config *cfg,
			   const struct aig_log *log, struct aig_ldap **out,
			   struct aig_error *err);
	void (*free_session)(struct aig_ldap *s);
	void (*set_log)(struct aig_ldap *s, const struct aig_log *log);
	bool (*connected)(const struct aig_ldap *s);
	void (*disconnect)(struct aig_ldap *s);
	void (*forget_user)(struct aig_ldap *s);
	int (*bind_service)(struct aig_ldap *s, struct aig_error *err);
	int (*bind_user)(struct aig_ldap *s, const char *login, size_t len,
			 const char *password, struct aig_error *err);
	const char *(*bound_user_name)(const struct aig_ldap *s);
	int (*bind_user_entry)(struct aig_ldap *s, const char *login,
			       size_t len, const char *password,
			       struct aig_ldap_user **found,
			       struct aig_error *err);
	int (*authenticate)(struct aig_ldap *s, const char *login, size_t len,
			    const char *password, struct aig_strv *groups,
			    struct aig_error *err);
	int (*find_user)(struct aig_ldap *s, const char *login, size_t len,
			 struct aig_ldap_user **out, struct aig_error *err);
	void (*user_free)(struct aig_ldap_user *u);
	int (*groups)(struct aig_ldap *s, const struct aig_ldap_user *u,
		      struct aig_strv *out, struct aig_error *err);
	int (*account_state)(const struct aig_ldap_user *u, time_t now,
			     struct aig_error *err);
	int (*password_expiry)(const struct aig_ldap_user *u,
			       enum aig_pw_expiry *kind, time_t *when,
			       struct aig_error *err);
	int (*change_password)(struct aig_ldap *s,
			       const struct aig_ldap_user *u,
			       const char *old_password,
			       const char *new_password, struct aig_error *err);
};

#endif /* AIG_LDAP_OPS_H */
