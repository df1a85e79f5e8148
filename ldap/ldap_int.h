/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ldap_int.h - what the files of ldap/ share, and the pure helpers the
 * unit tests reach. Not installed, not for other parts: they use
 * aig_ldap.h.
 */
#ifndef AIG_LDAP_INT_H
#define AIG_LDAP_INT_H

#include <ldap.h>

#include "aig_ldap.h"

#define AIG_LDAP_DIAG_MAX 512
#define AIG_LDAP_LOGIN_MAX 256
#define AIG_PASSWORD_MAX 1024 /* bytes; AD allows 256 characters */

/* The key of login in the group and credential caches: checked
 * (aig_ldap_login_check()), ASCII-lowercased; key holds
 * AIG_LDAP_LOGIN_MAX bytes, *len is set. */
int aig_ldap_login_key(const char *login, char *key, size_t *len,
		       struct aig_error *err);

struct aig_ldap {
	const struct aig_config *cfg; /* borrowed */
	const struct aig_log *log;    /* borrowed, may be NULL */
	LDAP *ld;		      /* owned; NULL until connected */
	char *uri;		      /* owned: the server connected to */
	char *cert_file, *key_file;   /* owned, for SASL EXTERNAL */
	bool tcp_up;		      /* set by the connect callback */
	char *user_dn;		      /* owned: DN of the user proved bound */
	char *user_name;	      /* owned: that user's name as stored */
	unsigned ops;		      /* LDAP operations sent */
	unsigned ad_code;	      /* of the last failed operation */
	char diag[AIG_LDAP_DIAG_MAX]; /* of the last failed operation */
	struct ldap_conncb conncb;    /* lc_arg points back to s */
	Sockbuf_IO io;		      /* the deadline layer (conn.c) */
	long deadline_ms;	      /* CLOCK_MONOTONIC; 0: none */
	bool timed_out;		      /* the deadline layer fired */
	bool no_whoami; /* this connection's server refused "Who am I?" */
};

struct aig_ldap_user {
	char *dn;	    /* owned */
	char *sam;	    /* owned, sAMAccountName; NULL if none */
	char *principal;    /* owned, msDS-PrincipalName; NULL if none */
	char *login_value;  /* owned, ldap.login_attribute's value that
			     * matched the login, as stored; NULL if none */
	unsigned char *sid; /* owned, objectSid; NULL if none */
	size_t sid_len;
	unsigned long primary_rid; /* primaryGroupID; 0 if none */
	bool has_primary;
	struct aig_strv member_of; /* owned DNs */
	char *pw_expiry; /* owned, msDS-UserPasswordExpiryTimeComputed */
	/* The account's state as AD keeps it; each owned, NULL if the server
	 * gave none (plain LDAP). aig_ldap_account_state() reads them. */
	char *uac;	       /* userAccountControl */
	char *uac_computed;    /* msDS-User-Account-Control-Computed */
	char *account_expires; /* accountExpires (FILETIME) */
	char *pwd_last_set;    /* pwdLastSet (FILETIME) */
};

/* One DNS SRV target. */
struct aig_ldap_srv {
	char host[256];
	uint16_t port, priority, weight;
};

/* Parses a DNS answer (len bytes) for SRV records. *out is new (caller
 * frees with free()), *n its count; records not of type SRV are skipped. */
int aig_ldap_srv_parse(const unsigned char *answer, size_t len,
		       struct aig_ldap_srv **out, size_t *n,
		       struct aig_error *err);

/* Orders v by priority (lowest first), and within one priority by RFC 2782
 * weighted random selection, drawing numbers from rnd(ctx). A lone record
 * "." (service not offered) is dropped by aig_ldap_srv_lookup(). */
void aig_ldap_srv_order(struct aig_ldap_srv *v, size_t n,
			uint32_t (*rnd)(void *ctx), void *ctx);

/* res_nquery() for _ldap._tcp.<domain>, parsed and ordered; one try per
 * name server, all within about timeout_ms (whole seconds, at least 1:
 * the resolver's granularity). */
int aig_ldap_srv_lookup(const char *domain, long timeout_ms,
			struct aig_ldap_srv **out, size_t *n,
			struct aig_error *err);

/* Builds the SID string form for the filter value of objectSid: every
 * byte as \xx. out must hold 3 * len + 1 bytes. */
void aig_ldap_bin_escape(const unsigned char *in, size_t len, char *out);

/* The local checks of a password before it may be sent: not refused by
 * aig_ldap_password_refused(), at most AIG_PASSWORD_MAX bytes; else
 * AIG_LDAP_ERR_BAD_CREDENTIALS ("not sent"). */
int aig_ldap_refuse_password(const char *password, struct aig_error *err);

/* The one simple bind: as name with password (borrowed, never kept), after
 * aig_ldap_refuse_password() and connecting if needed. Every password the
 * directory is sent goes through it: logins (auth.c), aig_ldap_bind_dn()
 * and the service account's. A failed bind gives the status of its AD
 * sub-code (aig_ldap_fail()). */
int aig_ldap_simple_bind(struct aig_ldap *s, const char *name,
			 const char *password, struct aig_error *err);

/* One search on s (ldap.timeout_ms applies); *res is new (caller frees
 * with ldap_msgfree()), NULL on failure. With sizelimit > 0, more entries
 * than that give AIG_LDAP_ERR_AMBIGUOUS (and *res the ones received). */
int aig_ldap_search(struct aig_ldap *s, const char *base, int scope,
		    const char *filter, char **attrs, int sizelimit,
		    LDAPMessage **res, struct aig_error *err);

/* aig_ldap_search() in two halves, so that another operation can go out
 * before its answer is read (pipelined: one round trip for both). send
 * counts the operation and gives its *msgid; wait reads its whole answer
 * within ldap.timeout_ms, with aig_ldap_search()'s results. */
int aig_ldap_search_send(struct aig_ldap *s, const char *base, int scope,
			 const char *filter, char **attrs, int sizelimit,
			 int *msgid, struct aig_error *err);
int aig_ldap_search_wait(struct aig_ldap *s, int msgid, int sizelimit,
			 LDAPMessage **res, struct aig_error *err);

/* The whole answer to the operation msgid, within ldap.timeout_ms: *res is
 * new (caller frees with ldap_msgfree()) and *code its result code; a
 * failure to get it (timeout, connection lost) is aig_ldap_fail()'s, with
 * what naming the operation. */
int aig_ldap_result(struct aig_ldap *s, int msgid, const char *what,
		    LDAPMessage **res, int *code, struct aig_error *err);

/* The user entry's attributes that aig_ldap_find_user() reads: fills
 * attrs[0 .. AIG_LDAP_USER_ATTRS - 1] (borrowed strings), the login
 * attribute last; the caller adds the NULL. */
#define AIG_LDAP_USER_ATTRS 11
void aig_ldap_user_attrs(const struct aig_ldap *s, char **attrs);

/* Whether ldap.login_attribute is AD's (sAMAccountName or
 * userPrincipalName): the login's filter then asks for people only. */
bool aig_ldap_login_is_ad(const struct aig_ldap *s);

/* The filter for login (len bytes, escaped): "(attr=login)", for AD
 * "(&(objectCategory=person)(objectClass=user)(attr=login))"; *out is new
 * (caller frees with free()). AIG_ERR_CONFIG if ldap.login_attribute is
 * not an attribute name. */
int aig_ldap_user_filter(const struct aig_ldap *s, const char *login,
			 size_t len, char **out, struct aig_error *err);

/* The user entry e (of a search for login that read the attributes of
 * aig_ldap_user_attrs()) as a new *out (free it with
 * aig_ldap_user_free()). */
int aig_ldap_user_of_entry(struct aig_ldap *s, LDAPMessage *e,
			   const char *login, size_t len,
			   struct aig_ldap_user **out, struct aig_error *err);

/* ----------------------------------------------- the proof (proof.c) */

/* After a simple bind as name ("login@domain") succeeded on s: finds the
 * entry ldap.login_attribute names for login (len bytes) and proves it is
 * the account the bind authenticated ("Who am I?", else the bind name's
 * owners), in one round trip: "Who am I?" (unless this connection's
 * server refused it before) and one search of the domain for the login's
 * entry and the owners of name together. On success *out is new (free it
 * with aig_ldap_user_free()); an entry not proved is refused with
 * aig_ldap_refuse_other_account(). */
int aig_ldap_prove_bound_user(struct aig_ldap *s, const char *login, size_t len,
			      const char *name, struct aig_ldap_user **out,
			      struct aig_error *err);

/* For a search for login on s: when s is bound as a proved user
 * (s->user_dn), *u must be that user's entry; else *u is freed, set to
 * NULL, and the login refused (aig_ldap_refuse_other_account()). */
int aig_ldap_keep_bound_user(struct aig_ldap *s, const char *login, size_t len,
			     struct aig_ldap_user **u, struct aig_error *err);

/* RFC 4532 "Who am I?" on s. *supported is false (and *authzid NULL) when
 * the server does not implement it (protocolError or unwillingToPerform:
 * Samba 4.17 says "not supported"); else *authzid is new (caller frees
 * with free()): "u:DOMAIN\name" (AD), "dn:..." (slapd) or "" (anonymous).
 * One LDAP operation. */
int aig_ldap_whoami(struct aig_ldap *s, char **authzid, bool *supported,
		    struct aig_error *err);

/* Whether authzid (from aig_ldap_whoami()) names the entry with this dn,
 * sAMAccountName sam and msDS-PrincipalName principal (both may be NULL):
 * "dn:X" when X and dn are the same DN (aig_ldap_same_dn()); "u:D\N"
 * when N is sam (ASCII case ignored) and "D\N" is principal (which must
 * be known: the domain is checked too). Anything else names nobody. */
bool aig_ldap_authzid_names(const char *authzid, const char *dn,
			    const char *sam, const char *principal);

/* Whether dn is base or lies under it (compared RDN by RDN, once libldap
 * has normalised both, as aig_ldap_same_dn() does). */
bool aig_ldap_dn_under(const char *dn, const char *base);

/* The refusal when the account a login names is not the one its bind
 * authenticated: logged at LOG_WARNING (naming the login only), and
 * AIG_LDAP_ERR_BAD_CREDENTIALS in err. */
int aig_ldap_refuse_other_account(struct aig_ldap *s, const char *login,
				  size_t len, struct aig_error *err);

/* The domain's naming context for a base DN inside it: the trailing DC=
 * RDNs of base ("OU=Staff,DC=corp,DC=example,DC=com" gives
 * "DC=corp,DC=example,DC=com"), or base itself when it has none. *out is
 * new (caller frees with free()). */
int aig_ldap_domain_dn(const char *base, char **out, struct aig_error *err);

/* Whether a and b are the same DN: equal, ASCII case ignored, once libldap
 * has normalised both (or as given, when one does not parse). */
bool aig_ldap_same_dn(const char *a, const char *b);

/* ---------------------------------------------------------------- */

/* Whether a (alen bytes) and b (blen bytes) are equal with ASCII case
 * ignored, and only ASCII case, whatever the locale (AD compares names
 * without regard to case; a difference outside ASCII is refused). */
bool aig_ldap_ascii_ieq(const char *a, size_t alen, const char *b, size_t blen);

/* Records the outcome of a failed LDAP call on s (diagnostic, AD code) and
 * sets err: the status follows rc (and the AD code for binds). what says
 * what was attempted, e.g. "search for the user". */
int aig_ldap_fail(struct aig_ldap *s, int rc, bool is_bind, const char *what,
		  struct aig_error *err);

/* The per-operation timeout (ldap.timeout_ms) as a timeval for libldap;
 * also arms the deadline under the TLS layer for the operation. */
void aig_ldap_op_timeout(struct aig_ldap *s, struct timeval *tv);

/* Milliseconds of CLOCK_MONOTONIC. */
long aig_ldap_now_ms(void);

/* libldap's API takes char * for data it only reads (credentials,
 * attribute names): this says so once instead of casting everywhere. */
static inline char *aig_ldap_unconst(const char *p)
{
	union {
		const char *c;
		char *m;
	} u = {p};

	return u.m;
}

/* Copies a string; AIG_ERR_NOMEM in err on failure. */
int aig_ldap_strdup(const char *in, char **out, struct aig_error *err);

/* Sorts sv (ASCII case-insensitively, as AD compares names) and drops
 * duplicates. */
void aig_ldap_strv_sort_uniq(struct aig_strv *sv);

/* Adds dn to seen (DNs met so far, compared without regard to case after
 * libldap normalises them) unless it is there; *added tells which. False
 * only when out of memory. For the group walks' cycle detection. */
bool aig_ldap_seen_add(struct aig_strv *seen, const char *dn, bool *added,
		       struct aig_error *err);

#endif /* AIG_LDAP_INT_H */
