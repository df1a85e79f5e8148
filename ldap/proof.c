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
 *  - Samba 4.17 does not implement "Who am I?"; there the owners of the
 *    bind name are searched for instead, in the whole domain
 *    (aig_ldap_upn_names(): one search).
 * Searching by userPrincipalName alone instead of "Who am I?" would not
 * do: AD binds "x@domain" to sAMAccountName x when no entry has that UPN,
 * and the owner may be outside ldap.base_dn or of another class.
 * Anything not proved is refused as bad credentials, logged at
 * LOG_WARNING (aig_ldap_refuse_other_account()), and the session is not
 * left bound (auth.c disconnects).
 *
 * Once proved, the DN is kept in the session (s->user_dn), and every
 * later search for a user on that session must find that same entry
 * (aig_ldap_keep_bound_user(), called by aig_ldap_find_user()).
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

int aig_ldap_whoami(struct aig_ldap *s, char **authzid, bool *supported,
		    struct aig_error *err)
{
	struct berval *id = NULL;
	struct timeval tv;
	int rc;

	*authzid = NULL;
	*supported = false;
	/* a server that refused it once on this connection (Samba) is not
	 * asked again on it: one round trip less per login on a kept one */
	if (s->no_whoami)
		return AIG_OK;
	aig_ldap_op_timeout(s, &tv);
	s->ops++;
	rc = ldap_whoami_s(s->ld, &id, NULL, NULL);
	if (rc == LDAP_PROTOCOL_ERROR || rc == LDAP_UNWILLING_TO_PERFORM) {
		s->no_whoami = true;
		return AIG_OK;
	}
	if (rc != LDAP_SUCCESS)
		return aig_ldap_fail(s, rc, false, "\"Who am I?\"", err);
	*supported = true;
	*authzid = id != NULL ? strndup(id->bv_val, id->bv_len) : strdup("");
	ber_bvfree(id);
	if (*authzid == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	return AIG_OK;
}

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

/* ------------------------------------------------------------ UPN owners */

/* "(userPrincipalName=<upn, escaped>)" as a new string. */
static int upn_filter(const char *upn, char **out, struct aig_error *err)
{
	char *esc = NULL;
	size_t n;
	int rc;

	*out = NULL;
	if ((rc = aig_ldap_filter_escape(upn, strlen(upn), &esc, err)) !=
	    AIG_OK)
		return rc;
	n = strlen("(userPrincipalName=)") + strlen(esc) + 1;
	if ((*out = malloc(n)) == NULL)
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	else
		snprintf(*out, n, "(userPrincipalName=%s)", esc);
	free(esc);
	return rc;
}

/* AD gives the bind name "x@suffix" to the entry whose userPrincipalName
 * it is, of any class (a computer or a service account has a password
 * too) and anywhere in the forest; only when there is none, and suffix is
 * the domain's DNS name, to the account whose sAMAccountName is x (the
 * implicit UPN). So u is the account bound when it is the one owner of
 * upn in the domain, or when there is no owner and its sAMAccountName is
 * the login. The whole domain is searched, not ldap.base_dn, which may
 * hold only some of its entries. (Owners in other domains of the forest
 * are not seen: AD itself answers "Who am I?", which is used instead.) */
int aig_ldap_upn_names(struct aig_ldap *s, const char *upn, const char *login,
		       size_t len, const struct aig_ldap_user *u, bool *same,
		       struct aig_error *err)
{
	char none[] = "1.1";
	char *attrs[] = {none, NULL};
	LDAPMessage *res = NULL, *e;
	char *filter = NULL, *domain = NULL, *dn = NULL;
	int rc;

	*same = false;
	if ((rc = upn_filter(upn, &filter, err)) != AIG_OK ||
	    (rc = aig_ldap_domain_dn(s->cfg->ldap.base_dn, &domain, err)) !=
		    AIG_OK)
		goto out;
	rc = aig_ldap_search(s, domain, LDAP_SCOPE_SUBTREE, filter, attrs, 2,
			     &res, err);
	if (rc == AIG_LDAP_ERR_AMBIGUOUS) {
		rc = AIG_OK; /* two owners: neither can be proved */
		goto out;
	}
	if (rc != AIG_OK)
		goto out;
	e = ldap_first_entry(s->ld, res);
	if (e == NULL)
		*same = u->sam != NULL &&
			aig_ldap_ascii_ieq(u->sam, strlen(u->sam), login, len);
	else if (ldap_next_entry(s->ld, e) == NULL &&
		 (dn = ldap_get_dn(s->ld, e)) != NULL)
		*same = aig_ldap_same_dn(dn, u->dn);
out:
	ldap_memfree(dn);
	ldap_msgfree(res);
	free(domain);
	free(filter);
	return rc;
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

/* Which entry did the bind as name ("login@domain") authenticate? See the
 * head of this file. */
int aig_ldap_prove_bound_user(struct aig_ldap *s, const char *login, size_t len,
			      const char *name, struct aig_ldap_user **out,
			      struct aig_error *err)
{
	struct aig_ldap_user *u = NULL;
	char *authzid = NULL;
	bool supported = false, same = false;
	int rc;

	*out = NULL;
	if ((rc = aig_ldap_whoami(s, &authzid, &supported, err)) != AIG_OK ||
	    (rc = aig_ldap_find_user(s, login, len, &u, err)) != AIG_OK)
		goto out;
	if (supported)
		same = aig_ldap_authzid_names(authzid, u->dn, u->sam,
					      u->principal);
	else if ((rc = aig_ldap_upn_names(s, name, login, len, u, &same,
					  err)) != AIG_OK)
		goto out;
	if (!same) {
		rc = aig_ldap_refuse_other_account(s, login, len, err);
		goto out;
	}
	*out = u;
	u = NULL;
out:
	aig_ldap_user_free(u);
	free(authzid);
	return rc;
}
