/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aig_ldap.h - aigate's direct LDAP binder for Active Directory (and plain
 * LDAP): connect with failover and verified TLS, bind, find users, resolve
 * nested groups, change and inspect passwords, cache groups.
 *
 * Model: nss-pam-ldapd's myldap.h. Handles are opaque; every function says
 * what it returns and who frees what. Functions return AIG_OK, a common
 * AIG_ERR_* or an AIG_LDAP_ERR_* below; the last argument is an optional
 * struct aig_error (first error wins) whose message carries the server's
 * diagnostic text, escaped. Passwords are never logged nor kept.
 *
 * A session (struct aig_ldap) is one connection to one server; it is not
 * shared between threads. Nothing here touches process-wide state: no
 * ldap_set_option(NULL, ...), no setenv(), no signal handlers.
 */
#ifndef AIG_LDAP_H
#define AIG_LDAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "aig_common.h"

/* ------------------------------------------------------------- statuses */

enum aig_ldap_status {
	/* TLS could not be set up: handshake, certificate or name check
	 * failed, or the server refused StartTLS. Fails closed. */
	AIG_LDAP_ERR_TLS = AIG_LDAP_STATUS_BASE,
	AIG_LDAP_ERR_BAD_CREDENTIALS,  /* AD 52e, or LDAP 49 without detail */
	AIG_LDAP_ERR_NO_SUCH_USER,     /* AD 525, or the search found none */
	AIG_LDAP_ERR_LOGON_HOURS,      /* AD 530 */
	AIG_LDAP_ERR_WORKSTATION,      /* AD 531 */
	AIG_LDAP_ERR_PASSWORD_EXPIRED, /* AD 532 */
	AIG_LDAP_ERR_DISABLED,	       /* AD 533 */
	AIG_LDAP_ERR_ACCOUNT_EXPIRED,  /* AD 701 */
	AIG_LDAP_ERR_MUST_CHANGE,      /* AD 773 */
	AIG_LDAP_ERR_LOCKED_OUT,       /* AD 775 */
	AIG_LDAP_ERR_AMBIGUOUS,	       /* the login matches several entries */
	AIG_LDAP_ERR_PW_TOO_YOUNG,     /* change refused: minimum age */
	AIG_LDAP_ERR_PW_QUALITY,       /* change refused: length/complexity */
	AIG_LDAP_ERR_PW_HISTORY,       /* change refused: used before */
	AIG_LDAP_ERR_PW_REFUSED,       /* change refused, no detail given */
	AIG_LDAP_ERR_SERVER,	       /* any other refusal by the server */
	AIG_LDAP_ERR__MAX
};
_Static_assert(AIG_LDAP_ERR_TLS == AIG_LDAP_STATUS_BASE &&
		       AIG_LDAP_ERR__MAX <=
			       AIG_LDAP_STATUS_BASE + AIG_STATUS_RANGE,
	       "LDAP statuses outside their range");

/* A short English name for any status (common or LDAP); static string. */
const char *aig_ldap_status_name(int status);

/* The AD sub-codes of a failed bind ("data NNN" in the diagnostic). */
enum aig_ad_code {
	AIG_AD_NONE = 0,
	AIG_AD_NO_SUCH_USER = 0x525,
	AIG_AD_BAD_PASSWORD = 0x52e,
	AIG_AD_LOGON_HOURS = 0x530,
	AIG_AD_WORKSTATION = 0x531,
	AIG_AD_PASSWORD_EXPIRED = 0x532,
	AIG_AD_DISABLED = 0x533,
	AIG_AD_ACCOUNT_EXPIRED = 0x701,
	AIG_AD_MUST_CHANGE = 0x773,
	AIG_AD_LOCKED_OUT = 0x775,
};

/* Parses the "data NNN" sub-code out of an AD diagnostic message such as
 * "80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext
 * error, data 52e, v1db1". diag may be NULL. Returns the code (any hex
 * value found, known or not) or AIG_AD_NONE. */
unsigned aig_ldap_ad_code_parse(const char *diag);

/* The status for a bind that failed with LDAP result 49 and this AD code:
 * AIG_LDAP_ERR_BAD_CREDENTIALS for 52e, unknown codes and AIG_AD_NONE. */
int aig_ldap_ad_code_status(unsigned code);

/* ------------------------------------------------------------- sessions */

struct aig_ldap;      /* a session: one connection to one directory server */
struct aig_ldap_user; /* a user entry found in the directory */

/* Makes a session for cfg's "ldap" section; no network traffic yet.
 * cfg and log are borrowed and must outlive the session (log may be
 * NULL). On success *out is new: free it with aig_ldap_free(). */
int aig_ldap_new(const struct aig_config *cfg, const struct aig_log *log,
		 struct aig_ldap **out, struct aig_error *err);

/* Closes the connection (if any) and frees s, wiping what it held.
 * NULL is fine. */
void aig_ldap_free(struct aig_ldap *s);

/* The TLS client certificate and key (PEM files) to present, for SASL
 * EXTERNAL. Both strings are copied. Call before aig_ldap_connect().
 * aig_ldap_new() already sets ldap.service_bind's cert_file and key_file
 * when sasl_mech is EXTERNAL. */
int aig_ldap_set_client_cert(struct aig_ldap *s, const char *cert_file,
			     const char *key_file, struct aig_error *err);

/* Connects: each ldap.uri in order (or the DCs from the DNS SRV records
 * _ldap._tcp.<dns_srv>, by priority then weight), with TLS (LDAPS, or
 * StartTLS for ldap:// when ldap.starttls), the certificate verified
 * against ldap.ca_file (else the system store). All servers together get
 * ldap.timeout_ms; what one leaves unused goes to the next.
 * Returns AIG_OK, AIG_ERR_UNAVAILABLE (no server answered) or
 * AIG_LDAP_ERR_TLS (one answered but TLS failed, and none succeeded).
 * Called again after success, it does nothing. */
int aig_ldap_connect(struct aig_ldap *s, struct aig_error *err);

/* One domain controller from the DNS SRV answer for ldap.dns_srv. */
struct aig_ldap_srv_dc {
	char host[256]; /* the record's target */
	unsigned port;	/* the record's port */
	char uri[300];	/* what aig_ldap_connect() tries for it */
};

/* Looks up _ldap._tcp.<ldap.dns_srv> as aig_ldap_connect() does (within
 * ldap.timeout_ms), in the order it would try them. *out is new (caller
 * frees with free()), *n its count, at least 1 on success. Returns
 * AIG_ERR_UNAVAILABLE when the lookup fails or names no usable target,
 * AIG_ERR_INVALID when ldap.dns_srv is not set. */
int aig_ldap_srv_dcs(const struct aig_config *cfg, struct aig_ldap_srv_dc **out,
		     size_t *n, struct aig_error *err);

/* The URI of the server connected to; borrowed from s, NULL before. */
const char *aig_ldap_server_uri(const struct aig_ldap *s);

/* The server's diagnostic message of the last failed operation (e.g. AD's
 * "80090308: LdapErr: ..."), or "" ; borrowed from s, valid until the
 * next call on s. Its AD sub-code, or AIG_AD_NONE. */
const char *aig_ldap_diagnostic(const struct aig_ldap *s);
unsigned aig_ldap_ad_code(const struct aig_ldap *s);

/* Forgets the user s was bound as (aig_ldap_bound_user_name() is NULL
 * after); the connection is not changed. Every bind calls it first. */
void aig_ldap_forget_user(struct aig_ldap *s);

/* Closes the connection, if any; the next operation connects again. */
void aig_ldap_disconnect(struct aig_ldap *s);

/* Whether s holds an open connection. */
bool aig_ldap_connected(const struct aig_ldap *s);

/* The log s writes to from now on (borrowed, may be NULL): for a session
 * kept longer than the log it was made with. */
void aig_ldap_set_log(struct aig_ldap *s, const struct aig_log *log);

/* LDAP operations sent on s so far (binds, searches, modifies, extended
 * operations, StartTLS); for the benchmark and the tests' budgets. */
unsigned aig_ldap_op_count(const struct aig_ldap *s);

/* ----------------------------------------------------------------- binds */

/* Checks that login can name a user at all: 1 to 256 bytes (len), no NUL,
 * valid UTF-8, no control characters; AIG_ERR_INVALID otherwise. The bind
 * and search functions below call it themselves. */
int aig_ldap_login_check(const char *login, size_t len, struct aig_error *err);

/* True for passwords that must never reach a server: empty, or OpenSSH's
 * decoy for invalid users ("\b\n\r\177INCORRECT"). */
bool aig_ldap_password_refused(const char *password);

/* Binds as the user with a simple bind: as login@ldap.domain, or, with
 * ldap.service_bind, as the DN found for login. Connects first if needed.
 * login is len bytes (need not be NUL-terminated); password is borrowed
 * and never kept. A refused password (aig_ldap_password_refused()) gives
 * AIG_LDAP_ERR_BAD_CREDENTIALS without any traffic. A failed bind gives the
 * status of its AD sub-code (aig_ldap_ad_code_status()).
 * Without service_bind, a bind that succeeds is then proved to be the
 * account that ldap.login_attribute names for login (RFC 4532 "Who am
 * I?", or where the server lacks it the owners of the bind name, found
 * by the same search that finds the user's entry, sent together: one
 * round trip more);
 * when it is another account (a UPN whose prefix is someone else's
 * sAMAccountName) the answer is AIG_LDAP_ERR_BAD_CREDENTIALS, logged at
 * LOG_WARNING, and the connection is closed. Afterwards
 * aig_ldap_find_user() on s gives that account's entry only.
 * With service_bind, a login that names no entry gets a bind too (to a DN
 * no entry has, with a random password), and a refusal (wrong password or
 * unknown login) is answered no sooner than the service bind took: the
 * time of a refusal does not tell which logins exist. */
int aig_ldap_bind_user(struct aig_ldap *s, const char *login, size_t len,
		       const char *password, struct aig_error *err);

/* aig_ldap_bind_user(), also giving the account's entry, proved to be the
 * account the bind authenticated, so that a caller wanting its groups
 * need not search for it again. On success *found is new (free it with
 * aig_ldap_user_free()); NULL otherwise. */
int aig_ldap_bind_user_entry(struct aig_ldap *s, const char *login, size_t len,
			     const char *password, struct aig_ldap_user **found,
			     struct aig_error *err);

/* After aig_ldap_bind_user() or aig_ldap_authenticate() succeeded on s: the
 * account's name as the directory spells it (its sAMAccountName on AD,
 * else the stored value of ldap.login_attribute that matched), so that
 * "BOB", "Bob" and "bob" all give "bob". Borrowed from s, valid until the
 * next bind or disconnect on s; NULL when s is not bound as a user. */
const char *aig_ldap_bound_user_name(const struct aig_ldap *s);

/* Binds with ldap.service_bind: a simple bind as its DN with the password
 * from its password_file, or SASL GSSAPI with its keytab, or SASL EXTERNAL
 * with the certificate set by aig_ldap_set_client_cert(). Connects first
 * if needed. AIG_ERR_CONFIG if there is no service_bind. The simple bind
 * is the logins' (aig_ldap_bind_dn()'s checks). The server's
 * refusal of the service account (wrong, expired or must-change password,
 * disabled, locked) is AIG_ERR_UNAVAILABLE, never a user's status: the
 * directory cannot be used. */
int aig_ldap_bind_service(struct aig_ldap *s, struct aig_error *err);

/* The server's clock: the rootDSE's currentTime (read anonymously or as
 * bound), connecting first if needed. AIG_ERR_UNAVAILABLE when the
 * server does not say it. */
int aig_ldap_server_time(struct aig_ldap *s, time_t *t, struct aig_error *err);

/* -------------------------------------------------------- users, groups */

/* Finds the one entry under ldap.base_dn whose ldap.login_attribute equals
 * login (len bytes), RFC 4515-escaped; with the attributes the group
 * methods and password expiry need. AIG_LDAP_ERR_NO_SUCH_USER if none,
 * AIG_LDAP_ERR_AMBIGUOUS if more than one. On a session bound by
 * aig_ldap_bind_user(), an entry other than the one that bind proved is
 * AIG_LDAP_ERR_BAD_CREDENTIALS. On success *out is new: free it with
 * aig_ldap_user_free(). */
int aig_ldap_find_user(struct aig_ldap *s, const char *login, size_t len,
		       struct aig_ldap_user **out, struct aig_error *err);

void aig_ldap_user_free(struct aig_ldap_user *u);

/* The account's login name as the directory spells it: the value of
 * ldap.login_attribute that matched, else sAMAccountName; NULL if the
 * entry had neither. Borrowed from u (user.c). */
const char *aig_ldap_user_login(const struct aig_ldap_user *u);

/* The user's DN (RFC 4514 string as the server gave it); borrowed from u. */
const char *aig_ldap_user_dn(const struct aig_ldap_user *u);

/* The names (cn) of every group the user belongs to, nested membership and
 * (on AD) the primary group included, by ldap.groups:
 *   tokengroups: the user's tokenGroups (a base search on u), then one
 *                search resolving all SIDs at once;
 *   in_chain:    one search with 1.2.840.113556.1.4.1941 on the user and
 *                on the primary group (named "<SID=...>");
 *   memberof:    membership followed upwards one level per search (member
 *                or uniqueMember), with cycle detection.
 * u comes from aig_ldap_find_user().
 * Sorted, without duplicates. On success *out is filled with new strings:
 * free with aig_ldap_strv_free(). */
int aig_ldap_groups(struct aig_ldap *s, const struct aig_ldap_user *u,
		    struct aig_strv *out, struct aig_error *err);

/* Frees the strings of sv and empties it. NULL is fine. */
void aig_ldap_strv_free(struct aig_strv *sv);

/* Appends a copy of str (len bytes) to sv. */
int aig_ldap_strv_add(struct aig_strv *sv, const char *str, size_t len,
		      struct aig_error *err);

/* The usual sequence: connect, bind as the user (login, password), and
 * get the user's groups (groups may be NULL to skip them): one bind, the
 * proof of who it bound (one "Who am I?", and one search where the server
 * cannot answer it), one search for the user, then one search (in_chain),
 * two (tokengroups) or one per nesting level (memberof). With
 * service_bind: the service bind, the search, the user's bind to the DN
 * found, then the groups. Even with groups NULL the user's entry is found
 * (the proof needs it). On success *groups is filled: free with
 * aig_ldap_strv_free(); and aig_ldap_bound_user_name() gives the account's
 * name as stored. */
int aig_ldap_authenticate(struct aig_ldap *s, const char *login, size_t len,
			  const char *password, struct aig_strv *groups,
			  struct aig_error *err);

/* ------------------------------------------------------------- passwords */

/* Changes the user's AD password: one modify of unicodePwd (delete the old
 * value, add the new; both UTF-16LE in double quotes) on the session's TLS
 * connection, as whoever s is bound as (the user, or a service account
 * allowed to do it). u comes from aig_ldap_find_user(). Refusals become
 * AIG_LDAP_ERR_PW_TOO_YOUNG / _QUALITY / _HISTORY / _REFUSED, a wrong old
 * password AIG_LDAP_ERR_BAD_CREDENTIALS. Neither password is kept. */
int aig_ldap_change_password(struct aig_ldap *s, const struct aig_ldap_user *u,
			     const char *old_password, const char *new_password,
			     struct aig_error *err);

enum aig_pw_expiry {
	AIG_PW_EXPIRES = 0, /* *when is the time it expires (may be past) */
	AIG_PW_NEVER,	    /* it does not expire */
	AIG_PW_MUST_CHANGE, /* it must be changed now (pwdLastSet 0) */
};

/* When the user's password expires, from the msDS-UserPasswordExpiryTime-
 * Computed read by aig_ldap_find_user(). AIG_ERR_INVALID if the server
 * gave none (not AD). */
int aig_ldap_password_expiry(const struct aig_ldap_user *u,
			     enum aig_pw_expiry *kind, time_t *when,
			     struct aig_error *err);

/* Whether the account may be used now, from the entry
 * aig_ldap_find_user() read (the same states a bind of the user's
 * password is refused with, for when no such bind happened). In this
 * order: AIG_LDAP_ERR_DISABLED (userAccountControl has 0x2),
 * AIG_LDAP_ERR_ACCOUNT_EXPIRED (accountExpires at or before now; 0 and
 * 0x7FFFFFFFFFFFFFFF mean never), AIG_LDAP_ERR_LOCKED_OUT
 * (msDS-User-Account-Control-Computed has 0x10), AIG_LDAP_ERR_MUST_CHANGE
 * (pwdLastSet 0, unless userAccountControl says the password never
 * expires, 0x10000), AIG_LDAP_ERR_PASSWORD_EXPIRED (the computed flags
 * have 0x800000); else AIG_OK. An attribute the server did not give (a
 * plain LDAP server has none of them) refuses nothing; one given but not
 * a number is AIG_LDAP_ERR_SERVER. err says which state. */
int aig_ldap_account_state(const struct aig_ldap_user *u, time_t now,
			   struct aig_error *err);

/* ------------------------------------------------- pure helpers (tested) */

/* RFC 4515 escaping of an assertion value (len bytes, may hold NULs):
 * '*', '(', ')', '\\', NUL and every byte outside printable ASCII become
 * \xx. *out is new (caller frees with free()). */
int aig_ldap_filter_escape(const char *in, size_t len, char **out,
			   struct aig_error *err);

/* The value of the first RDN of an RFC 4514 DN, unescaped: for
 * "CN=Smith\, John (Contractor),CN=Users,..." gives "Smith, John
 * (Contractor)". *out is new (caller frees with free()). */
int aig_ldap_dn_first_value(const char *dn, char **out, struct aig_error *err);

#define AIG_SID_STR_MAX 192 /* "S-1-" + 15 sub-authorities of 10 digits */

/* A binary SID (as in objectSid, tokenGroups) to "S-1-5-21-...". */
int aig_ldap_sid_to_str(const unsigned char *sid, size_t len,
			char out[AIG_SID_STR_MAX], struct aig_error *err);

/* The password as AD's unicodePwd wants it: "\"password\"" in UTF-16LE.
 * password must be valid UTF-8. *out is new, *outlen bytes: release it
 * with aig_wipe_free(*out, *outlen). */
int aig_ldap_unicode_pwd(const char *password, unsigned char **out,
			 size_t *outlen, struct aig_error *err);

/* A Windows FILETIME in decimal (100 ns since 1601) to time_t, with AD's
 * special values: 0 is AIG_PW_MUST_CHANGE, 0x7FFFFFFFFFFFFFFF (and
 * anything past time_t) AIG_PW_NEVER. */
int aig_ldap_filetime_parse(const char *s, enum aig_pw_expiry *kind,
			    time_t *when, struct aig_error *err);

/* ---------------------------------------------------------- group cache */

struct aig_ldap_cache; /* groups by login, in LMDB under state_dir */

/* Opens (creating it if needed) state_dir/ldap-groups.mdb (mode 0600);
 * entries older than ttl_s seconds are not returned. Each entry carries
 * an HMAC-SHA256 under key (borrowed, must outlive the cache; NULL is
 * AIG_ERR_CONFIG: without a key the cache is not used) over the login,
 * the time stored and the groups. Safe for many processes and threads at
 * once (LMDB's own locking); open it once per process, as LMDB requires.
 * *out is new: close it with aig_ldap_cache_close(). */
int aig_ldap_cache_open(const char *state_dir, const struct aig_state_key *key,
			unsigned ttl_s, struct aig_ldap_cache **out,
			struct aig_error *err);

void aig_ldap_cache_close(struct aig_ldap_cache *c);

/* Looks login up (ASCII case is ignored). *found says whether a fresh
 * entry was there; if so *groups is filled (free with
 * aig_ldap_strv_free()). An entry whose MAC does not verify (planted,
 * copied from another login, made under another key) or that is
 * malformed is AIG_ERR_UNSAFE with *found false: log it, and treat it
 * as a miss (the next put replaces it). */
int aig_ldap_cache_get(struct aig_ldap_cache *c, const char *login, bool *found,
		       struct aig_strv *groups, struct aig_error *err);

/* Stores groups (borrowed, copied) for login with the current time. */
int aig_ldap_cache_put(struct aig_ldap_cache *c, const char *login,
		       const struct aig_strv *groups, struct aig_error *err);

/* ----------------------------------------------------- state_dir files */

/* Takes state_dir for one short use of the LMDB files named (files[0]
 * first; 1 to 4 names): state_dir must be a directory and each file that
 * exists a regular file, owned by root or this process's user and not
 * writable by group or others (as the configuration); the directory is
 * flock()ed (waiting up to 500 ms), and a file this process maps already
 * is refused (LMDB forbids a second open). *dirfd holds the lock: close()
 * it after closing the files. */
int aig_ldap_statedir_lock(const char *dir, const char *const *files,
			   size_t nfiles, int *dirfd, struct aig_error *err);

/* ---------------------------------------------------- credential cache */

/* Verified credentials by login (ldap/credstore.c), in
 * state_dir/pam-creds.mdb: pam_aigate's cached_auth and offline_auth,
 * aigatectl cache. Open it under aig_ldap_statedir_lock() with
 * aig_cred_store_files. */
#define AIG_CRED_STORE_NFILES 2
extern const char *const aig_cred_store_files[AIG_CRED_STORE_NFILES];

#define AIG_CRED_OFFLINE 1u /* flags: the last login was offline */

struct aig_cred_entry {
	char *hash;		/* owned: crypt(3) of the password */
	char *name;		/* owned: the account's name as stored */
	struct aig_strv groups; /* owned */
	time_t verified;	/* when the directory last accepted it */
	time_t last_login;	/* the last login, online or offline */
	time_t locked_until;	/* offline logins refused until then */
	unsigned failures;	/* wrong passwords while offline */
	unsigned flags;		/* AIG_CRED_OFFLINE */
};

struct aig_cred_store;

/* Opens (creating it if needed, mode 0600) state_dir/pam-creds.mdb;
 * every entry is MACed under key (borrowed, must outlive the store; NULL
 * is AIG_ERR_CONFIG). A file LMDB finds damaged is removed and made anew,
 * with *rebuilt true. *out is new: aig_cred_store_close(). */
int aig_cred_store_open(const char *state_dir, const struct aig_state_key *key,
			struct aig_cred_store **out, bool *rebuilt,
			struct aig_error *err);
void aig_cred_store_close(struct aig_cred_store *s);

/* Looks login up (ASCII case ignored). *found: an entry that verifies
 * (*e filled: aig_cred_entry_free()). An entry without a valid MAC, or
 * malformed, is AIG_ERR_UNSAFE with *found false: never used. */
int aig_cred_store_get(struct aig_cred_store *s, const char *login, bool *found,
		       struct aig_cred_entry *e, struct aig_error *err);

/* Stores e (borrowed) for login, replacing any entry. */
int aig_cred_store_put(struct aig_cred_store *s, const char *login,
		       const struct aig_cred_entry *e, struct aig_error *err);

/* Removes login's entry (*dropped: there was one); login NULL removes
 * every entry. */
int aig_cred_store_drop(struct aig_cred_store *s, const char *login,
			bool *dropped, struct aig_error *err);

/* Calls fn for each entry in key order: login is the stored key (any
 * bytes but NUL: escape it before showing it), e NULL if the entry does
 * not verify. e and login are valid during the call only. */
typedef void (*aig_cred_each_fn)(void *arg, const char *login,
				 const struct aig_cred_entry *e);
int aig_cred_store_each(struct aig_cred_store *s, aig_cred_each_fn fn,
			void *arg, struct aig_error *err);

/* Wipes the hash and frees what e owns. */
void aig_cred_entry_free(struct aig_cred_entry *e);

/* ------------------------------------------------------------------------
 * Group administration (ldap/admin.c), for aigatectl. Everything below
 * writes to the directory or reads it the way an administrator does; the
 * PAM module and the gate do not use it.
 * --------------------------------------------------------------------- */

/* A simple bind as dn (an administrator's DN from aigatectl --bind-dn, or
 * a user's DN found with aig_ldap_find_user()); password is borrowed and
 * never kept. Connects first if needed. The same simple bind, with the
 * same local checks, as a login's: an empty or decoy password
 * (aig_ldap_password_refused()), or one over 1024 bytes, gives
 * AIG_LDAP_ERR_BAD_CREDENTIALS without any traffic; a refused bind gives the
 * status of its AD sub-code (aig_ldap_ad_code_status()), the code itself in
 * aig_ldap_ad_code(). */
int aig_ldap_bind_dn(struct aig_ldap *s, const char *dn, const char *password,
		     struct aig_error *err);

struct aig_ldap_group; /* a group entry found by its cn */

/* Finds the one group (objectClass group, groupOfNames or
 * groupOfUniqueNames) under ldap.base_dn whose cn equals name (len bytes,
 * 1 to 256, valid UTF-8, no control characters; RFC 4515-escaped in the
 * filter). AIG_LDAP_ERR_NO_SUCH_USER (no such entry) if none,
 * AIG_LDAP_ERR_AMBIGUOUS if more than one. On success *out is new: free
 * it with aig_ldap_group_free(). */
int aig_ldap_find_group(struct aig_ldap *s, const char *name, size_t len,
			struct aig_ldap_group **out, struct aig_error *err);

void aig_ldap_group_free(struct aig_ldap_group *g);

/* The group's DN, and its cn as the directory spells it; borrowed from g. */
const char *aig_ldap_group_dn(const struct aig_ldap_group *g);
const char *aig_ldap_group_name(const struct aig_ldap_group *g);

/* Whether dn is a direct member of g (its member attribute, or
 * uniqueMember for a groupOfUniqueNames): one base search on the group
 * with the DN RFC 4515-escaped, so DNs such as "CN=Smith\, John
 * (Contractor),..." work. Fills *is_member. */
int aig_ldap_group_has_member(struct aig_ldap *s,
			      const struct aig_ldap_group *g, const char *dn,
			      bool *is_member, struct aig_error *err);

/* One LDAP modify of g: add, or delete, dn as a value of its member (or
 * uniqueMember) attribute. dn is sent as given (the DN the server gave for
 * the entry). The session must be bound as someone allowed to write the
 * group; the server's refusal (insufficient access, already a member, not
 * a member) is AIG_LDAP_ERR_SERVER with its diagnostic in err. */
int aig_ldap_group_add_member(struct aig_ldap *s,
			      const struct aig_ldap_group *g, const char *dn,
			      struct aig_error *err);
int aig_ldap_group_remove_member(struct aig_ldap *s,
				 const struct aig_ldap_group *g, const char *dn,
				 struct aig_error *err);

enum aig_ldap_member_kind {
	AIG_MEMBER_USER = 0,
	AIG_MEMBER_GROUP,
	AIG_MEMBER_COMPUTER,
	AIG_MEMBER_OTHER,
	AIG_MEMBER_MISSING, /* a member DN that names no entry */
};

/* "user", "group", "computer", "other", "missing"; static string. */
const char *aig_ldap_member_kind_name(enum aig_ldap_member_kind k);

/* One member of a group. Both strings owned by the list. */
struct aig_ldap_member {
	enum aig_ldap_member_kind kind;
	char *name; /* ldap.login_attribute, else cn, else the DN's first value
		     */
	char *dn;
};

struct aig_ldap_members {
	struct aig_ldap_member *v;
	size_t n;
};

#define AIG_LDAP_MEMBERS_MAX 100000 /* more is AIG_ERR_TOO_BIG */

/* The members of g, direct or (recursive) through nested groups, nested
 * groups themselves listed too; sorted by kind, then name (ASCII case
 * ignored); each entry once. By ldap.groups:
 *   tokengroups, in_chain (AD): one paged search for memberOf=<group>, or
 *       with recursive memberOf:1.2.840.113556.1.4.1941:=<group>; members
 *       only by primary group (primaryGroupID) are not listed;
 *   memberof (generic LDAP): the group's member and uniqueMember values,
 *       each read with a base search, descending one level at a time with
 *       cycle detection.
 * On success *out is filled: free with aig_ldap_members_free(). */
int aig_ldap_group_members(struct aig_ldap *s, const struct aig_ldap_group *g,
			   bool recursive, struct aig_ldap_members *out,
			   struct aig_error *err);

/* Frees the entries of m and empties it. NULL is fine. */
void aig_ldap_members_free(struct aig_ldap_members *m);

#endif /* AIG_LDAP_H */
