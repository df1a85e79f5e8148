/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aig_ext.h - the interface between aigate.cgi and its extension
 * modules: aigate-pam.so (pam_check.c: Basic through PAM), aigate-ext.so
 * (ext.c: the parts that need libldap or MIT krb5: groups_from_ldap,
 * Negotiate, single sign-on accounts) and aigate-openssl.so
 * (openssl_ext.c: the parts that need OpenSSL: TLS, the identity key,
 * quarantine), each loaded with dlopen(3) only by a request that takes
 * one of them (linking them costs every request 2-3 ms of start-up;
 * OpenSSL linked but unused, 0.4 ms). They are two so that a
 * Basic request loads libpam alone: pam_aigate.so loads its directory
 * code only when a login needs the DC, and a login its credential cache
 * answers then loads neither libldap nor MIT krb5. The two sides meet only
 * through this header: the gate does not see the directory's or PAM's headers,
 * the module not the gate's.
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

/* The outcome of accepting a Negotiate token (negotiate.c). */
enum aig_ext_neg_result {
	AIG_EXT_NEG_OK = 0,
	AIG_EXT_NEG_DENIED,	 /* the token was refused: 401 */
	AIG_EXT_NEG_UNAVAILABLE, /* no keytab, GSSAPI broken: 503 */
};

/* The outcome of checking a single sign-on user's account in AD. */
enum aig_ext_account_result {
	AIG_EXT_ACCOUNT_OK = 0,
	AIG_EXT_ACCOUNT_NO_SUCH_USER, /* not in the directory: 401 */
	AIG_EXT_ACCOUNT_REFUSED,      /* disabled, expired, locked: 401 */
	AIG_EXT_ACCOUNT_UNAVAILABLE,  /* any other failure: 503 */
};

/* negotiate.c: accepts one first-round Negotiate token (len bytes, the
 * decoded header) with the keytab of auth.negotiate, Kerberos only. *state
 * is the process's acceptor (NULL at first; kept, so that a FastCGI
 * process acquires its credential once; freed with negotiate_close()).
 * On AIG_EXT_NEG_OK, *principal is the client's "user@REALM" (new
 * string) and *out_tok / *out_len the token for the answer's
 * WWW-Authenticate (new, may be NULL / 0; free with free()). why (len
 * bytes) says why on any other result. cfg must outlive *state. */
enum aig_ext_neg_result
aig_ext_negotiate_accept(void **state, const struct aig_config *cfg,
			 unsigned char *tok, size_t len, char **principal,
			 unsigned char **out_tok, size_t *out_len, char *why,
			 size_t why_len);
/* Whether the acceptor can be had (made in *state as for _accept(): the
 * keytab trusted and readable, and holding keys it may use): AIG_EXT_NEG_OK
 * or AIG_EXT_NEG_UNAVAILABLE with why. For /_aigate/health. */
enum aig_ext_neg_result aig_ext_negotiate_ready(void **state,
						const struct aig_config *cfg,
						char *why, size_t why_len);
void aig_ext_negotiate_close(void *state);

/* pam_check.c: runs PAM service `service` (authenticate, then acct_mgmt)
 * for user with password, PAM_RHOST = rhost, from /etc/pam.d, or from
 * the directory confdir when it is not NULL (auth.pam_confdir: libpam
 * then reads that directory's service file and nothing of /etc/pam.d,
 * not even "other"); confdir and its service file must belong to root or
 * to the gate's user and be writable by nobody else (else
 * AIG_EXT_PAM_UNAVAILABLE). pam_aigate.so reads the file its PAM lines
 * name with config= (else the default), never one named in the PAM
 * environment. On
 * AIG_EXT_PAM_OK and AIG_EXT_PAM_FORBIDDEN, *name is the account's name:
 * a new copy of AIGATE_USER (the directory's spelling, so that every
 * spelling of a login is one user), or of user when the stack set none
 * (caller frees; an AIGATE_USER that is no usable name is
 * AIG_EXT_PAM_UNAVAILABLE). On AIG_EXT_PAM_OK, *groups is a new copy of
 * AIGATE_GROUPS (caller frees; "" when the module set none). The password
 * is borrowed and never copied beyond PAM's own reply buffer. *pam_code
 * gets the PAM status that decided, for the audit record. */
enum aig_ext_pam_result aig_ext_pam_check(const char *service,
					  const char *confdir, const char *user,
					  const char *password,
					  const char *rhost, char **name,
					  char **groups, int *pam_code);

/* How every module's table begins: what says it was built from the same
 * sources as the gate (ext_load.c checks it before any other member). */
struct aig_gate_head {
	unsigned version;    /* the table's AIG_GATE_*_VERSION */
	const char *package; /* PACKAGE_STRING of its build */
	size_t config_size;  /* sizeof(struct aig_config) there */
};

/* What aigate-ext.so exports, as the symbol aig_gate_ext_v1. */
#define AIG_GATE_EXT_VERSION 6
struct aig_gate_ext {
	struct aig_gate_head head;
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
	/* aig_ext_negotiate_accept(), aig_ext_negotiate_close() */
	enum aig_ext_neg_result (*negotiate_accept)(
		void **state, const struct aig_config *cfg, unsigned char *tok,
		size_t len, char **principal, unsigned char **out_tok,
		size_t *out_len, char *why, size_t why_len);
	void (*negotiate_close)(void *state);
	/* A single sign-on user's account (login, without realm): found
	 * under ldap.base_dn over the service session of dir_groups(),
	 * usable now (enabled, not expired or locked: asked of the directory
	 * every time), and its groups (through the group cache). *name is
	 * the account's login name as the directory spells it (new string);
	 * groups gets new strings. err says why on any other result. */
	enum aig_ext_account_result (*dir_account)(
		void **dir, const struct aig_config *cfg,
		const struct aig_log *log, const char *login, char **name,
		struct aig_strv *groups, struct aig_error *err);
	/* aig_ext_negotiate_ready() */
	enum aig_ext_neg_result (*negotiate_ready)(void **state,
						   const struct aig_config *cfg,
						   char *why, size_t why_len);
};

/* What aigate-pam.so exports, as the symbol aig_gate_pam_v1. */
#define AIG_GATE_PAM_VERSION 1
struct aig_gate_pam {
	struct aig_gate_head head;
	/* aig_ext_pam_check() */
	enum aig_ext_pam_result (*pam_check)(const char *service,
					     const char *confdir,
					     const char *user,
					     const char *password,
					     const char *rhost, char **name,
					     char **groups, int *pam_code);
};

/* What aigate-openssl.so exports, as the symbol aig_gate_openssl_v1: the
 * functions of http/tls.c, identity.c and quarantine.c, which the gate
 * reaches through openssl_load.c. */
#define AIG_GATE_OPENSSL_VERSION 1
struct aig_http_tls_ops;
struct aig_identity_key;
struct aig_identity_claims;
struct aig_gate_openssl {
	struct aig_gate_head head;
	const struct aig_http_tls_ops *tls; /* http_int.h */
	/* aig_identity.h */
	int (*identity_get)(struct aig_identity_key **kp, const char *path,
			    struct aig_error *err);
	void (*identity_free)(struct aig_identity_key *k);
	const char *(*identity_jwks)(const struct aig_identity_key *k);
	int (*identity_token)(const struct aig_identity_key *k,
			      const struct aig_identity_claims *c, char **out,
			      struct aig_error *err);
	/* cgi_int.h */
	int (*quarantine_store)(const struct aig_config *cfg, const char *id,
				const char *body, size_t len,
				struct aig_error *err);
};

/* ext_load.c: each module, loaded once per process from its file
 * (aigate-ext.so, aigate-pam.so, aigate-openssl.so) beside the running
 * executable (or in its .libs/, in a build tree). The file must belong to root
 * or to the executable's owner and be writable by nobody else, and come from
 * the same build (version, package, config_size). NULL with err set when it
 * cannot be loaded (the request is then 503). */
const struct aig_gate_ext *aig_gate_ext_load(struct aig_error *err);
const struct aig_gate_pam *aig_gate_pam_load(struct aig_error *err);
const struct aig_gate_openssl *aig_gate_openssl_load(struct aig_error *err);

#endif /* AIG_EXT_H */
