/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proof.c - the proof that the account a bind authenticated is the account
 * the login names, and nothing else. Every check of that question is here.
 *
 * The attack. Without ldap.service_bind, a login "bob" is bound as
 * "bob@<ldap.domain>", then its entry is found by ldap.login_attribute
 * (sAMAccountName=bob) for its groups and account state. In AD those two
 * need not be one account: a UPN's prefix need not be anyone's
 * sAMAccountName, so "bob@corp" may be account B (userPrincipalName
 * bob@corp) while sAMAccountName=bob is account A. Whoever holds B's
 * password (a computer or a service account, say, whose UPN was set so)
 * would then log in with A's groups and A's account state.
 *
 * The defence. The entry found for the login is used only when it is
 * proved to be the account bound, by the server's own word where it can
 * give it:
 *  - RFC 4532 "Who am I?" (one extended operation): AD answers
 *    "u:DOMAIN\sam", which must match the entry's sAMAccountName and its
 *    msDS-PrincipalName (the domain too: another domain of the forest may
 *    hold the same sAMAccountName, and without msDS-PrincipalName the
 *    domain cannot be checked); slapd answers "dn:...", which must be the
 *    entry's DN (aig_ldap_authzid_names(), aig_ldap_same_dn()).
 *  - Samba 4.17 does not implement "Who am I?" (nor offers it in its root
 *    DSE); there the owners of the bind name in the whole domain are the
 *    proof (sort_entries()).
 * Both come in one round trip after the bind: "Who am I?" and one search
 * of the domain that finds the login's entry and the bind name's owners
 * together (proof_search()) are sent before either answer is read. A
 * connection whose server refused "Who am I?" once is not asked again.
 * Searching by userPrincipalName alone instead of "Who am I?" would not
 * do: AD binds "x@domain" to sAMAccountName x when no entry has that UPN,
 * and the owner may be outside ldap.base_dn or of another class.
 * Anything not proved is refused as bad credentials, logged at
 * LOG_WARNING (aig_ldap_refuse_other_account()), and the session is not
 * left bound (auth.c disconnects).
 *
 * Once proved, the DN is kept in the session (s->user_dn), and every
 * later search for a user on that session must find that same entry
 * (aig_ldap_keep_bound_user(), called by aig_ldap_find_user()). So a
 * login is the bind, this one round trip, and the groups (search.c).
 *
 * With service_bind no proof is needed: the bind is to the DN found.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ldap_int.h"

/* ------------------------------------------------------------------- DNs */

static bool ieq(const char *a, const char *b)
{
	return aig_ldap_ascii_ieq(a, strlen(a), b, strlen(b));
}

bool aig_ldap_same_dn(const char *a, const char *b)
{
	char *na = NULL, *nb = NULL;
	bool same;

	if (a == NULL || b == NULL)
		return false;
	if (ieq(a, b))
		return true;
	if (ldap_dn_normalize(a, LDAP_DN_FORMAT_LDAPV3, &na,
			      LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		na = NULL;
	if (ldap_dn_normalize(b, LDAP_DN_FORMAT_LDAPV3, &nb,
			      LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		nb = NULL;
	same = na != NULL && nb != NULL && ieq(na, nb);
	ldap_memfree(na);
	ldap_memfree(nb);
	return same;
}

static bool is_dc(LDAPRDN rdn)
{
	const struct berval *t;

	if (rdn == NULL || rdn[0] == NULL || rdn[1] != NULL)
		return false;
	t = &rdn[0]->la_attr;
	return (t->bv_len == 2 && strncasecmp(t->bv_val, "dc", 2) == 0) ||
	       (t->bv_len == 15 &&
		strncasecmp(t->bv_val, "domainComponent", 15) == 0);
}

int aig_ldap_domain_dn(const char *base, char **out, struct aig_error *err)
{
	LDAPDN dn = NULL;
	char *str = NULL;
	int i, first = -1, rc;

	*out = NULL;
	if (ldap_str2dn(base, &dn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		return aig_ldap_strdup(base, out, err);
	for (i = 0; dn != NULL && dn[i] != NULL; i++)
		if (!is_dc(dn[i]))
			first = -1;
		else if (first < 0)
			first = i;
	if (first <= 0 || ldap_dn2str(dn + first, &str,
				      LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		rc = aig_ldap_strdup(base, out, err);
	else
		rc = aig_ldap_strdup(str, out, err);
	ldap_memfree(str);
	ldap_dnfree(dn);
	return rc;
}

/* ----------------------------------------------------- the server's word */

bool aig_ldap_authzid_names(const char *authzid, const char *dn,
			    const char *sam, const char *principal)
{
	const char *id, *name;

	if (authzid == NULL)
		return false;
	if (strncasecmp(authzid, "dn:", 3) == 0)
		return authzid[3] != '\0' && aig_ldap_same_dn(authzid + 3, dn);
	if (strncasecmp(authzid, "u:", 2) != 0 || sam == NULL)
		return false;
	id = authzid + 2;
	name = strrchr(id, '\\');
	name = name != NULL ? name + 1 : id;
	if (*name == '\0' || !ieq(name, sam))
		return false;
	/* The domain part: an account of another domain of the forest may
	 * carry the same sAMAccountName, so the entry's msDS-PrincipalName
	 * ("DOMAIN\\sam") must be there and say the same: without it the
	 * domain cannot be checked, and the login is refused. */
	return principal != NULL && ieq(id, principal);
}

/* ------------------------------------------- the login's entry, the owners
 *
 * AD gives the bind name "x@suffix" to the entry whose userPrincipalName
 * it is, of any class (a computer or a service account has a password
 * too) and anywhere in the forest; only when there is none, and suffix is
 * the domain's DNS name, to the account whose sAMAccountName is x (the
 * implicit UPN). So u is the account bound when it is the one owner of
 * the bind name in the domain, or when there is no owner and its
 * sAMAccountName is the login. The whole domain is searched, not
 * ldap.base_dn, which may hold only some of its entries. (Owners in other
 * domains of the forest are not seen: AD itself answers "Who am I?",
 * which is used instead.)
 *
 * One search finds both: "(|<the login's filter>(userPrincipalName=
 * <bind name>))" over the domain. Each entry of its answer is then told
 * apart by what it holds: the login's entry is under ldap.base_dn and
 * meets the login's filter (checked here again, attribute by attribute);
 * an owner holds the bind name as userPrincipalName. The directory
 * compares those without regard to case beyond ASCII, and this file only
 * within ASCII: an entry it returned that is neither (it matched by a
 * case folding outside ASCII, or anything else not understood) refuses
 * the login, as does an answer cut short by the size limit. */

struct found {
	LDAPMessage *login; /* borrowed: the login's entry (the last seen) */
	size_t logins;	    /* entries that are the login's */
	size_t owners;	    /* entries owning the bind name */
	size_t unexplained; /* entries that are neither */
	bool login_owns;    /* the login's entry owns the bind name */
};

bool aig_ldap_dn_under(const char *dn, const char *base)
{
	LDAPDN d = NULL, b = NULL;
	char *tail = NULL;
	size_t nd = 0, nb = 0;
	bool under = false;

	if (ldap_str2dn(dn, &d, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS ||
	    ldap_str2dn(base, &b, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		goto out;
	while (d != NULL && d[nd] != NULL)
		nd++;
	while (b != NULL && b[nb] != NULL)
		nb++;
	if (nb == 0)
		under = true; /* the root holds every entry */
	else if (nd >= nb && ldap_dn2str(d + (nd - nb), &tail,
					 LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS)
		under = aig_ldap_same_dn(tail, base);
out:
	ldap_memfree(tail);
	ldap_dnfree(d);
	ldap_dnfree(b);
	return under;
}

/* Whether attr of e has a value equal to want (len bytes), ASCII case
 * ignored. */
static bool has_value(LDAP *ld, LDAPMessage *e, const char *attr,
		      const char *want, size_t len)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);
	bool found = false;
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL && !found; i++)
		found = aig_ldap_ascii_ieq(v[i]->bv_val, v[i]->bv_len, want,
					   len);
	ldap_value_free_len(v);
	return found;
}

/* Whether rdn is the one "type=value" (ASCII case ignored). */
static bool rdn_is(LDAPRDN rdn, const char *type, const char *value)
{
	if (rdn == NULL || rdn[0] == NULL || rdn[1] != NULL)
		return false;
	return aig_ldap_ascii_ieq(rdn[0]->la_attr.bv_val,
				  rdn[0]->la_attr.bv_len, type, strlen(type)) &&
	       aig_ldap_ascii_ieq(rdn[0]->la_value.bv_val,
				  rdn[0]->la_value.bv_len, value,
				  strlen(value));
}

/* "(objectCategory=person)": the directory matches it against the Person
 * class of the schema, "CN=Person,CN=Schema,CN=Configuration,...". */
static bool category_person(LDAP *ld, LDAPMessage *e)
{
	struct berval **v = ldap_get_values_len(ld, e, "objectCategory");
	LDAPDN dn = NULL;
	bool person = false;
	char *s;

	if (v != NULL && v[0] != NULL && v[1] == NULL &&
	    memchr(v[0]->bv_val, '\0', v[0]->bv_len) == NULL &&
	    (s = strndup(v[0]->bv_val, v[0]->bv_len)) != NULL) {
		if (ldap_str2dn(s, &dn, LDAP_DN_FORMAT_LDAPV3) ==
			    LDAP_SUCCESS &&
		    dn != NULL && dn[0] != NULL && dn[1] != NULL)
			person = rdn_is(dn[0], "CN", "Person") &&
				 rdn_is(dn[1], "CN", "Schema");
		ldap_dnfree(dn);
		free(s);
	}
	ldap_value_free_len(v);
	return person;
}

/* Whether e is the login's entry: under ldap.base_dn and meeting
 * aig_ldap_user_filter()'s filter. */
static bool is_login_entry(struct aig_ldap *s, LDAPMessage *e,
			   const char *login, size_t len)
{
	char *dn = ldap_get_dn(s->ld, e);
	bool ok = dn != NULL && aig_ldap_dn_under(dn, s->cfg->ldap.base_dn) &&
		  has_value(s->ld, e, s->cfg->ldap.login_attribute, login, len);

	if (ok && aig_ldap_login_is_ad(s))
		ok = has_value(s->ld, e, "objectClass", "user", 4) &&
		     category_person(s->ld, e);
	ldap_memfree(dn);
	return ok;
}

static void sort_entries(struct aig_ldap *s, LDAPMessage *res,
			 const char *login, size_t len, const char *name,
			 struct found *f)
{
	LDAPMessage *e;

	for (e = ldap_first_entry(s->ld, res); e != NULL;
	     e = ldap_next_entry(s->ld, e)) {
		bool mine = is_login_entry(s, e, login, len);
		bool owns = has_value(s->ld, e, "userPrincipalName", name,
				      strlen(name));

		if (mine) {
			f->logins++;
			f->login = e;
			f->login_owns = owns;
		}
		if (owns)
			f->owners++;
		if (!mine && !owns)
			f->unexplained++;
	}
}

/* "(|<the login's filter>(userPrincipalName=<name, escaped>))". */
static int proof_filter(const struct aig_ldap *s, const char *login, size_t len,
			const char *name, char **out, struct aig_error *err)
{
	char *user = NULL, *esc = NULL;
	size_t n;
	int rc;

	*out = NULL;
	if ((rc = aig_ldap_user_filter(s, login, len, &user, err)) != AIG_OK ||
	    (rc = aig_ldap_filter_escape(name, strlen(name), &esc, err)) !=
		    AIG_OK)
		goto out;
	n = strlen("(|(userPrincipalName=))") + strlen(user) + strlen(esc) + 1;
	if ((*out = malloc(n)) == NULL)
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	else
		snprintf(*out, n, "(|%s(userPrincipalName=%s))", user, esc);
out:
	free(user);
	free(esc);
	return rc;
}

/* What the answer allows: one login's entry, and no entry not told apart
 * (a cut-short answer, truncated, may hide one). */
static int judge_entries(struct aig_ldap *s, const struct found *f,
			 bool truncated, const char *login, size_t len,
			 struct aig_error *err)
{
	if (f->logins > 1)
		return aig_error_set(err, AIG_LDAP_ERR_AMBIGUOUS,
				     "the login matches several entries");
	if (f->logins == 0 && !truncated && f->unexplained == 0)
		return aig_error_set(err, AIG_LDAP_ERR_NO_SUCH_USER,
				     "no such user");
	if (f->logins == 0 || truncated || f->unexplained > 0)
		return aig_ldap_refuse_other_account(s, login, len, err);
	return AIG_OK;
}

/* ---------------------------------------------------- "Who am I?", sent
 * before the search and read after it went out. */

static int whoami_send(struct aig_ldap *s, int *msgid, struct aig_error *err)
{
	struct timeval tv;
	int rc;

	aig_ldap_op_timeout(s, &tv);
	s->ops++;
	rc = ldap_whoami(s->ld, NULL, NULL, msgid);
	if (rc == LDAP_SUCCESS)
		return AIG_OK;
	return aig_ldap_fail(s, rc, false, "\"Who am I?\"", err);
}

/* As aig_ldap_whoami() gives them; an authzid holding a NUL names nobody
 * (""). */
static int whoami_read(struct aig_ldap *s, int msgid, char **authzid,
		       bool *supported, struct aig_error *err)
{
	LDAPMessage *res = NULL;
	struct berval *id = NULL;
	int rc, code;

	*authzid = NULL;
	*supported = false;
	if ((rc = aig_ldap_result(s, msgid, "\"Who am I?\"", &res, &code,
				  err)) != AIG_OK)
		return rc;
	if (code == LDAP_PROTOCOL_ERROR || code == LDAP_UNWILLING_TO_PERFORM) {
		s->no_whoami = true; /* not asked again on this connection */
		goto out;
	}
	if (code != LDAP_SUCCESS ||
	    (code = ldap_parse_whoami(s->ld, res, &id)) != LDAP_SUCCESS) {
		rc = aig_ldap_fail(s, code, false, "\"Who am I?\"", err);
		goto out;
	}
	*supported = true;
	if (id == NULL || id->bv_val == NULL ||
	    memchr(id->bv_val, '\0', id->bv_len) != NULL)
		*authzid = strdup("");
	else
		*authzid = strndup(id->bv_val, id->bv_len);
	if (*authzid == NULL)
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
out:
	ber_bvfree(id);
	ldap_msgfree(res);
	return rc;
}

int aig_ldap_whoami(struct aig_ldap *s, char **authzid, bool *supported,
		    struct aig_error *err)
{
	int msgid = -1, rc;

	*authzid = NULL;
	*supported = false;
	/* a server that refused it once on this connection (Samba) is not
	 * asked again on it: one operation less per login on a kept one */
	if (s->no_whoami)
		return AIG_OK;
	if ((rc = whoami_send(s, &msgid, err)) != AIG_OK)
		return rc;
	return whoami_read(s, msgid, authzid, supported, err);
}

/* ------------------------------------------------------------- the proof */

int aig_ldap_refuse_other_account(struct aig_ldap *s, const char *login,
				  size_t len, struct aig_error *err)
{
	char esc[128];

	aig_log_escape(esc, sizeof(esc), login, len);
	aig_log_msg(s->log, 4 /* LOG_WARNING */,
		    "ldap: login \"%s\" resolves to different accounts for the "
		    "bind and for the directory: refused",
		    esc);
	return aig_error_set(err, AIG_LDAP_ERR_BAD_CREDENTIALS,
			     "the login resolves to different accounts for "
			     "the bind and for the directory");
}

int aig_ldap_keep_bound_user(struct aig_ldap *s, const char *login, size_t len,
			     struct aig_ldap_user **u, struct aig_error *err)
{
	if (s->user_dn == NULL || aig_ldap_same_dn(s->user_dn, (*u)->dn))
		return AIG_OK;
	aig_ldap_user_free(*u);
	*u = NULL;
	return aig_ldap_refuse_other_account(s, login, len, err);
}

/* The search of prove_bound_user(): the login's entry and the owners of
 * name, over the domain, sent after "Who am I?" (when asked) and before
 * either answer is read. */
static int proof_search(struct aig_ldap *s, const char *login, size_t len,
			const char *name, bool ask, char **authzid,
			bool *supported, LDAPMessage **res, bool *truncated,
			struct aig_error *err)
{
	char *attrs[AIG_LDAP_USER_ATTRS + 4] = {NULL};
	char *filter = NULL, *domain = NULL;
	int wid = -1, qid = -1, rc;

	*truncated = false;
	if ((rc = proof_filter(s, login, len, name, &filter, err)) != AIG_OK ||
	    (rc = aig_ldap_domain_dn(s->cfg->ldap.base_dn, &domain, err)) !=
		    AIG_OK)
		goto out;
	aig_ldap_user_attrs(s, attrs);
	attrs[AIG_LDAP_USER_ATTRS] = aig_ldap_unconst("userPrincipalName");
	attrs[AIG_LDAP_USER_ATTRS + 1] = aig_ldap_unconst("objectClass");
	attrs[AIG_LDAP_USER_ATTRS + 2] = aig_ldap_unconst("objectCategory");
	if ((ask && (rc = whoami_send(s, &wid, err)) != AIG_OK) ||
	    (rc = aig_ldap_search_send(s, domain, LDAP_SCOPE_SUBTREE, filter,
				       attrs, 3, &qid, err)) != AIG_OK ||
	    (ask &&
	     (rc = whoami_read(s, wid, authzid, supported, err)) != AIG_OK))
		goto out;
	rc = aig_ldap_search_wait(s, qid, 3, res, err);
	if (rc == AIG_LDAP_ERR_AMBIGUOUS) { /* more than 3 entries */
		*truncated = true;
		rc = AIG_OK;
	}
out:
	free(filter);
	free(domain);
	return rc;
}

/* Which entry did the bind as name ("login@domain") authenticate? See the
 * head of this file. A failure may leave an answer unread on s: the
 * caller disconnects (auth.c). */
int aig_ldap_prove_bound_user(struct aig_ldap *s, const char *login, size_t len,
			      const char *name, struct aig_ldap_user **out,
			      struct aig_error *err)
{
	struct aig_ldap_user *u = NULL;
	struct found f = {0};
	LDAPMessage *res = NULL;
	char *authzid = NULL;
	bool supported = false, truncated = false, same;
	int rc;

	*out = NULL;
	if ((rc = aig_ldap_login_check(login, len, err)) != AIG_OK ||
	    (rc = proof_search(s, login, len, name, !s->no_whoami, &authzid,
			       &supported, &res, &truncated, err)) != AIG_OK)
		goto out;
	sort_entries(s, res, login, len, name, &f);
	if ((rc = judge_entries(s, &f, truncated, login, len, err)) != AIG_OK ||
	    (rc = aig_ldap_user_of_entry(s, f.login, login, len, &u, err)) !=
		    AIG_OK)
		goto out;
	if (supported)
		same = aig_ldap_authzid_names(authzid, u->dn, u->sam,
					      u->principal);
	else
		same = (f.owners == 1 && f.login_owns) ||
		       (f.owners == 0 && u->sam != NULL &&
			aig_ldap_ascii_ieq(u->sam, strlen(u->sam), login, len));
	if (!same) {
		rc = aig_ldap_refuse_other_account(s, login, len, err);
		goto out;
	}
	*out = u;
	u = NULL;
out:
	aig_ldap_user_free(u);
	ldap_msgfree(res);
	free(authzid);
	return rc;
}
