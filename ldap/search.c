/* SPDX-License-Identifier: Apache-2.0 */
/* search.c - finding users, and their groups by tokenGroups, by AD's
 * LDAP_MATCHING_RULE_IN_CHAIN, or by following membership level by level. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ldap_int.h"

#define IN_CHAIN "1.2.840.113556.1.4.1941"
#define MEMBEROF_MAX_DEPTH 32 /* nesting deeper than this is refused */
#define FILTER_MAX (1024 * 1024)

/* A growing string for filters. */
struct buf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void buf_add(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = cap > FILTER_MAX ? NULL : realloc(b->p, cap);

		if (p == NULL) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

static int buf_done(struct buf *b, char **out, struct aig_error *err)
{
	*out = NULL;
	if (b->failed || b->p == NULL) {
		free(b->p);
		return aig_error_set(err, AIG_ERR_NOMEM,
				     "search filter too large");
	}
	*out = b->p;
	return AIG_OK;
}

/* Adds "(attr=<escaped value>)". */
static void buf_assert(struct buf *b, const char *attr, const char *value,
		       size_t len)
{
	char *esc = NULL;

	if (aig_ldap_filter_escape(value, len, &esc, NULL) != AIG_OK) {
		b->failed = true;
		return;
	}
	buf_add(b, "(");
	buf_add(b, attr);
	buf_add(b, "=");
	buf_add(b, esc);
	buf_add(b, ")");
	free(esc);
}

static void buf_sid(struct buf *b, const unsigned char *sid, size_t len)
{
	char esc[3 * 68 + 1];

	if (len > 68) {
		b->failed = true;
		return;
	}
	aig_ldap_bin_escape(sid, len, esc);
	buf_add(b, "(objectSid=");
	buf_add(b, esc);
	buf_add(b, ")");
}

int aig_ldap_search(struct aig_ldap *s, const char *base, int scope,
		    const char *filter, char **attrs, int sizelimit,
		    LDAPMessage **res, struct aig_error *err)
{
	struct timeval tv;
	int rc;

	*res = NULL;
	aig_ldap_op_timeout(s, &tv);
	s->ops++;
	rc = ldap_search_ext_s(s->ld, base, scope, filter, attrs, 0, NULL, NULL,
			       &tv, sizelimit, res);
	if (rc == LDAP_SUCCESS ||
	    (rc == LDAP_SIZELIMIT_EXCEEDED && sizelimit > 0))
		return rc == LDAP_SUCCESS ? AIG_OK : AIG_LDAP_ERR_AMBIGUOUS;
	ldap_msgfree(*res);
	*res = NULL;
	return aig_ldap_fail(s, rc, false, "search", err);
}

int aig_ldap_search_send(struct aig_ldap *s, const char *base, int scope,
			 const char *filter, char **attrs, int sizelimit,
			 int *msgid, struct aig_error *err)
{
	struct timeval tv;
	int rc;

	aig_ldap_op_timeout(s, &tv);
	s->ops++;
	rc = ldap_search_ext(s->ld, base, scope, filter, attrs, 0, NULL, NULL,
			     &tv, sizelimit, msgid);
	if (rc == LDAP_SUCCESS)
		return AIG_OK;
	return aig_ldap_fail(s, rc, false, "search", err);
}

int aig_ldap_result(struct aig_ldap *s, int msgid, const char *what,
		    LDAPMessage **res, int *code, struct aig_error *err)
{
	struct timeval tv;
	int rc;

	*res = NULL;
	*code = LDAP_OTHER;
	tv.tv_sec = s->cfg->ldap.timeout_ms / 1000;
	tv.tv_usec = (s->cfg->ldap.timeout_ms % 1000) * 1000;
	rc = ldap_result(s->ld, msgid, LDAP_MSG_ALL, &tv, res);
	if (rc > 0)
		rc = ldap_parse_result(s->ld, *res, code, NULL, NULL, NULL,
				       NULL, 0);
	else if (rc == 0)
		rc = LDAP_TIMEOUT;
	else if (ldap_get_option(s->ld, LDAP_OPT_RESULT_CODE, &rc) !=
			 LDAP_OPT_SUCCESS ||
		 rc == LDAP_SUCCESS)
		rc = LDAP_OTHER;
	if (rc == LDAP_SUCCESS)
		return AIG_OK;
	ldap_msgfree(*res);
	*res = NULL;
	return aig_ldap_fail(s, rc, false, what, err);
}

int aig_ldap_search_wait(struct aig_ldap *s, int msgid, int sizelimit,
			 LDAPMessage **res, struct aig_error *err)
{
	int rc, code;

	if ((rc = aig_ldap_result(s, msgid, "search", res, &code, err)) !=
	    AIG_OK)
		return rc;
	if (code == LDAP_SUCCESS ||
	    (code == LDAP_SIZELIMIT_EXCEEDED && sizelimit > 0))
		return code == LDAP_SUCCESS ? AIG_OK : AIG_LDAP_ERR_AMBIGUOUS;
	ldap_msgfree(*res);
	*res = NULL;
	return aig_ldap_fail(s, code, false, "search", err);
}

/* ----------------------------------------------------------------- users */

void aig_ldap_user_free(struct aig_ldap_user *u)
{
	if (u == NULL)
		return;
	free(u->dn);
	free(u->sam);
	free(u->principal);
	free(u->login_value);
	free(u->sid);
	aig_ldap_strv_free(&u->member_of);
	free(u->pw_expiry);
	free(u->uac);
	free(u->uac_computed);
	free(u->account_expires);
	free(u->pwd_last_set);
	free(u);
}

const char *aig_ldap_user_dn(const struct aig_ldap_user *u)
{
	return u->dn;
}

static bool attr_name_ok(const char *a)
{
	size_t i;

	if (a == NULL || !isalpha((unsigned char)a[0]))
		return false;
	for (i = 0; a[i]; i++)
		if (!isalnum((unsigned char)a[i]) && a[i] != '-')
			return false;
	return i <= 64;
}

/* The first value of attr in e as a new string, or NULL (none, or out
 * of memory: *nomem tells). */
static char *first_value(LDAP *ld, LDAPMessage *e, const char *attr,
			 bool *nomem)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);
	char *out = NULL;

	if (v != NULL && v[0] != NULL &&
	    memchr(v[0]->bv_val, '\0', v[0]->bv_len) == NULL &&
	    (out = strndup(v[0]->bv_val, v[0]->bv_len)) == NULL)
		*nomem = true;
	ldap_value_free_len(v);
	return out;
}

/* The value of attr in e that equals login (len bytes; ASCII case
 * ignored, as the directory matched it), as stored; else the first value;
 * NULL if none (or out of memory: *nomem tells). */
static char *login_value(LDAP *ld, LDAPMessage *e, const char *attr,
			 const char *login, size_t len, bool *nomem)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);
	struct berval *pick = NULL;
	char *out = NULL;
	size_t i;

	for (i = 0; v != NULL && v[i] != NULL && pick == NULL; i++)
		if (aig_ldap_ascii_ieq(v[i]->bv_val, v[i]->bv_len, login, len))
			pick = v[i];
	if (pick == NULL && v != NULL)
		pick = v[0];
	if (pick != NULL && memchr(pick->bv_val, '\0', pick->bv_len) == NULL &&
	    (out = strndup(pick->bv_val, pick->bv_len)) == NULL)
		*nomem = true;
	ldap_value_free_len(v);
	return out;
}

/* AD keeps sAMAccountName on groups and computers too: only people. Other
 * servers: the attribute alone (a schema without, say, posixGroup would
 * make a negation of it undefined, and the whole filter with it). */
bool aig_ldap_login_is_ad(const struct aig_ldap *s)
{
	const char *attr = s->cfg->ldap.login_attribute;

	return strcasecmp(attr, "sAMAccountName") == 0 ||
	       strcasecmp(attr, "userPrincipalName") == 0;
}

int aig_ldap_user_filter(const struct aig_ldap *s, const char *login,
			 size_t len, char **out, struct aig_error *err)
{
	const char *attr = s->cfg->ldap.login_attribute;
	struct buf b = {0};
	bool ad = aig_ldap_login_is_ad(s);

	if (!attr_name_ok(attr))
		return aig_error_set(err, AIG_ERR_CONFIG,
				     "ldap.login_attribute is not an "
				     "attribute name");
	if (ad)
		buf_add(&b, "(&(objectCategory=person)(objectClass=user)");
	buf_assert(&b, attr, login, len);
	if (ad)
		buf_add(&b, ")");
	return buf_done(&b, out, err);
}

static int copy_bin(struct berval **v, unsigned char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	if (v == NULL || v[0] == NULL)
		return AIG_OK;
	*out = malloc(v[0]->bv_len ? v[0]->bv_len : 1);
	if (*out == NULL)
		return AIG_ERR_NOMEM;
	memcpy(*out, v[0]->bv_val, v[0]->bv_len);
	*len = v[0]->bv_len;
	return AIG_OK;
}

static int fill_user(const struct aig_ldap *s, LDAPMessage *e,
		     const char *login, size_t len, struct aig_ldap_user *u,
		     struct aig_error *err)
{
	LDAP *ld = s->ld;
	struct berval **sid = ldap_get_values_len(ld, e, "objectSid");
	struct berval **pg = ldap_get_values_len(ld, e, "primaryGroupID");
	struct berval **mo = ldap_get_values_len(ld, e, "memberOf");
	struct berval **exp = ldap_get_values_len(
		ld, e, "msDS-UserPasswordExpiryTimeComputed");
	bool nomem = false;
	size_t i, n;
	int rc = AIG_OK;

	u->sam = first_value(ld, e, "sAMAccountName", &nomem);
	u->principal = first_value(ld, e, "msDS-PrincipalName", &nomem);
	u->login_value = login_value(ld, e, s->cfg->ldap.login_attribute, login,
				     len, &nomem);
	u->uac = first_value(ld, e, "userAccountControl", &nomem);
	u->uac_computed = first_value(
		ld, e, "msDS-User-Account-Control-Computed", &nomem);
	u->account_expires = first_value(ld, e, "accountExpires", &nomem);
	u->pwd_last_set = first_value(ld, e, "pwdLastSet", &nomem);
	if (nomem || copy_bin(sid, &u->sid, &u->sid_len) != AIG_OK) {
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (pg != NULL && pg[0] != NULL && pg[0]->bv_len < 12) {
		char num[12];

		memcpy(num, pg[0]->bv_val, pg[0]->bv_len);
		num[pg[0]->bv_len] = '\0';
		u->primary_rid = strtoul(num, NULL, 10);
		u->has_primary = u->primary_rid != 0;
	}
	n = mo ? (size_t)ldap_count_values_len(mo) : 0;
	for (i = 0; i < n && rc == AIG_OK; i++)
		rc = aig_ldap_strv_add(&u->member_of, mo[i]->bv_val,
				       mo[i]->bv_len, err);
	if (rc == AIG_OK && exp != NULL && exp[0] != NULL &&
	    (u->pw_expiry = strndup(exp[0]->bv_val, exp[0]->bv_len)) == NULL)
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
out:
	ldap_value_free_len(sid);
	ldap_value_free_len(pg);
	ldap_value_free_len(mo);
	ldap_value_free_len(exp);
	return rc;
}

int aig_ldap_user_of_entry(struct aig_ldap *s, LDAPMessage *e,
			   const char *login, size_t len,
			   struct aig_ldap_user **out, struct aig_error *err)
{
	struct aig_ldap_user *u = NULL;
	char *dn = NULL;
	int rc;

	*out = NULL;
	u = calloc(1, sizeof(*u));
	dn = ldap_get_dn(s->ld, e);
	if (u == NULL || dn == NULL ||
	    (rc = aig_ldap_strdup(dn, &u->dn, err)) != AIG_OK) {
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = fill_user(s, e, login, len, u, err)) != AIG_OK)
		goto out;
	*out = u;
	u = NULL;
out:
	ldap_memfree(dn);
	aig_ldap_user_free(u);
	return rc;
}

static int one_user(struct aig_ldap *s, LDAPMessage *res, const char *login,
		    size_t len, struct aig_ldap_user **out,
		    struct aig_error *err)
{
	LDAPMessage *e = ldap_first_entry(s->ld, res);

	if (e == NULL)
		return aig_error_set(err, AIG_LDAP_ERR_NO_SUCH_USER,
				     "no such user");
	if (ldap_next_entry(s->ld, e) != NULL)
		return aig_error_set(err, AIG_LDAP_ERR_AMBIGUOUS,
				     "the login matches several entries");
	return aig_ldap_user_of_entry(s, e, login, len, out, err);
}

void aig_ldap_user_attrs(const struct aig_ldap *s, char **attrs)
{
	static const char *const names[] = {
		"objectSid",	      "primaryGroupID",
		"memberOf",	      "msDS-UserPasswordExpiryTimeComputed",
		"sAMAccountName",     "msDS-PrincipalName",
		"userAccountControl", "msDS-User-Account-Control-Computed",
		"accountExpires",     "pwdLastSet"};
	size_t i;

	for (i = 0; i < AIG_LDAP_USER_ATTRS - 1; i++)
		attrs[i] = aig_ldap_unconst(names[i]);
	/* the login attribute goes last (aig_ldap_user_filter() checks it) */
	attrs[AIG_LDAP_USER_ATTRS - 1] =
		aig_ldap_unconst(s->cfg->ldap.login_attribute);
}

int aig_ldap_find_user(struct aig_ldap *s, const char *login, size_t len,
		       struct aig_ldap_user **out, struct aig_error *err)
{
	char *attrs[AIG_LDAP_USER_ATTRS + 1] = {NULL};
	LDAPMessage *res = NULL;
	char *filter = NULL;
	int rc;

	*out = NULL;
	if ((rc = aig_ldap_login_check(login, len, err)) != AIG_OK ||
	    (rc = aig_ldap_connect(s, err)) != AIG_OK ||
	    (rc = aig_ldap_user_filter(s, login, len, &filter, err)) != AIG_OK)
		goto out;
	aig_ldap_user_attrs(s, attrs);
	rc = aig_ldap_search(s, s->cfg->ldap.base_dn, LDAP_SCOPE_SUBTREE,
			     filter, attrs, 2, &res, err);
	if (rc == AIG_LDAP_ERR_AMBIGUOUS)
		rc = aig_error_set(err, rc,
				   "the login matches several entries");
	if (rc == AIG_OK)
		rc = one_user(s, res, login, len, out, err);
	/* Bound as a user: only the entry that bind was proved to be. */
	if (rc == AIG_OK)
		rc = aig_ldap_keep_bound_user(s, login, len, out, err);
out:
	ldap_msgfree(res);
	free(filter);
	return rc;
}

/* ---------------------------------------------------------------- groups */

/* Adds the cn of every entry of res to names. */
static int collect_cn(struct aig_ldap *s, LDAPMessage *res,
		      struct aig_strv *names, struct aig_error *err)
{
	LDAPMessage *e;
	int rc = AIG_OK;

	for (e = ldap_first_entry(s->ld, res); e != NULL && rc == AIG_OK;
	     e = ldap_next_entry(s->ld, e)) {
		struct berval **cn = ldap_get_values_len(s->ld, e, "cn");

		if (cn != NULL && cn[0] != NULL)
			rc = aig_ldap_strv_add(names, cn[0]->bv_val,
					       cn[0]->bv_len, err);
		ldap_value_free_len(cn);
	}
	return rc;
}

/* The user's primary group SID: the domain part of the user's SID with
 * primaryGroupID as the last sub-authority. */
static bool primary_sid(const struct aig_ldap_user *u, unsigned char *out,
			size_t *len)
{
	size_t n;

	if (u == NULL || !u->has_primary || u->sid == NULL || u->sid_len < 12 ||
	    u->sid_len > 68)
		return false;
	n = u->sid_len;
	memcpy(out, u->sid, n);
	out[n - 4] = u->primary_rid & 0xff;
	out[n - 3] = (u->primary_rid >> 8) & 0xff;
	out[n - 2] = (u->primary_rid >> 16) & 0xff;
	out[n - 1] = (u->primary_rid >> 24) & 0xff;
	*len = n;
	return true;
}

/* Base search for tokenGroups on the user, then one search for all of
 * them. (The root DSE's tokenGroups would save finding the user, but it is
 * the logon token: it adds the groups reached through well-known
 * principals such as Authenticated Users, e.g. "Pre-Windows 2000
 * Compatible Access", which the user's own tokenGroups does not hold.) */
static int groups_tokengroups(struct aig_ldap *s, const struct aig_ldap_user *u,
			      struct aig_strv *names, struct aig_error *err)
{
	char tg[] = "tokenGroups", cn[] = "cn";
	char *tg_attrs[] = {tg, NULL}, *cn_attrs[] = {cn, NULL};
	LDAPMessage *res = NULL, *e;
	struct berval **sids = NULL;
	struct buf b = {0};
	char *filter = NULL;
	int i, rc;

	if ((rc = aig_ldap_search(s, u->dn, LDAP_SCOPE_BASE, "(objectClass=*)",
				  tg_attrs, 0, &res, err)) != AIG_OK)
		goto out;
	e = ldap_first_entry(s->ld, res);
	sids = e ? ldap_get_values_len(s->ld, e, "tokenGroups") : NULL;
	if (sids == NULL || sids[0] == NULL)
		goto out; /* no groups at all */
	buf_add(&b, "(&(objectClass=group)(|");
	for (i = 0; sids[i] != NULL; i++)
		buf_sid(&b, (unsigned char *)sids[i]->bv_val, sids[i]->bv_len);
	buf_add(&b, "))");
	if ((rc = buf_done(&b, &filter, err)) != AIG_OK)
		goto out;
	ldap_msgfree(res);
	res = NULL;
	if ((rc = aig_ldap_search(s, s->cfg->ldap.base_dn, LDAP_SCOPE_SUBTREE,
				  filter, cn_attrs, 0, &res, err)) == AIG_OK)
		rc = collect_cn(s, res, names, err);
out:
	ldap_value_free_len(sids);
	ldap_msgfree(res);
	free(filter);
	return rc;
}

/* One search: groups that hold the user through any chain of member
 * links, the primary group (by SID), and the groups holding the primary
 * group (AD resolves "<SID=...>" in DN-valued assertions). */
static int groups_in_chain(struct aig_ldap *s, const struct aig_ldap_user *u,
			   struct aig_strv *names, struct aig_error *err)
{
	char cn[] = "cn";
	char *cn_attrs[] = {cn, NULL};
	unsigned char pg[68];
	char sidstr[AIG_SID_STR_MAX], ext[AIG_SID_STR_MAX + 8];
	LDAPMessage *res = NULL;
	struct buf b = {0};
	char *filter = NULL;
	size_t pglen = 0;
	int rc;

	buf_add(&b, "(&(objectClass=group)(|");
	buf_assert(&b, "member:" IN_CHAIN ":", u->dn, strlen(u->dn));
	if (primary_sid(u, pg, &pglen) &&
	    aig_ldap_sid_to_str(pg, pglen, sidstr, NULL) == AIG_OK) {
		buf_sid(&b, pg, pglen);
		snprintf(ext, sizeof(ext), "<SID=%s>", sidstr);
		buf_assert(&b, "member:" IN_CHAIN ":", ext, strlen(ext));
	}
	buf_add(&b, "))");
	if ((rc = buf_done(&b, &filter, err)) != AIG_OK)
		goto out;
	if ((rc = aig_ldap_search(s, s->cfg->ldap.base_dn, LDAP_SCOPE_SUBTREE,
				  filter, cn_attrs, 0, &res, err)) == AIG_OK)
		rc = collect_cn(s, res, names, err);
out:
	ldap_msgfree(res);
	free(filter);
	return rc;
}

/* One level up: groups having any DN of frontier as member (or
 * uniqueMember); the new ones become the next frontier. */
static int memberof_level(struct aig_ldap *s, struct aig_strv *frontier,
			  const unsigned char *pg, size_t pglen,
			  struct aig_strv *seen, struct aig_strv *names,
			  struct aig_error *err)
{
	char cn[] = "cn";
	char *cn_attrs[] = {cn, NULL};
	struct aig_strv next = {NULL, 0};
	LDAPMessage *res = NULL, *e;
	struct buf b = {0};
	char *filter = NULL;
	size_t i;
	int rc;

	buf_add(&b, "(|");
	for (i = 0; i < frontier->n; i++) {
		buf_assert(&b, "member", frontier->v[i],
			   strlen(frontier->v[i]));
		buf_assert(&b, "uniqueMember", frontier->v[i],
			   strlen(frontier->v[i]));
	}
	if (pg != NULL)
		buf_sid(&b, pg, pglen);
	buf_add(&b, ")");
	if ((rc = buf_done(&b, &filter, err)) != AIG_OK ||
	    (rc = aig_ldap_search(s, s->cfg->ldap.base_dn, LDAP_SCOPE_SUBTREE,
				  filter, cn_attrs, 0, &res, err)) != AIG_OK)
		goto out;
	for (e = ldap_first_entry(s->ld, res); e != NULL;
	     e = ldap_next_entry(s->ld, e)) {
		char *dn = ldap_get_dn(s->ld, e);
		bool added = false;

		if (dn == NULL || !aig_ldap_seen_add(seen, dn, &added, err) ||
		    (added &&
		     aig_ldap_strv_add(&next, dn, strlen(dn), err) != AIG_OK)) {
			ldap_memfree(dn);
			rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
			goto out;
		}
		ldap_memfree(dn);
	}
	rc = collect_cn(s, res, names, err);
	aig_ldap_strv_free(frontier);
	*frontier = next;
	next.v = NULL;
	next.n = 0;
out:
	aig_ldap_strv_free(&next);
	ldap_msgfree(res);
	free(filter);
	return rc;
}

/* Membership followed upwards one level per search, starting from the
 * user; a group met twice (a cycle, or two paths) is followed once. One
 * search per nesting level, whatever the number of groups. */
static int groups_memberof(struct aig_ldap *s, const struct aig_ldap_user *u,
			   struct aig_strv *names, struct aig_error *err)
{
	struct aig_strv frontier = {NULL, 0}, seen = {NULL, 0};
	unsigned char pg[68];
	size_t pglen = 0, depth;
	bool has_pg = primary_sid(u, pg, &pglen), added;
	int rc = AIG_OK;

	if (!aig_ldap_seen_add(&seen, u->dn, &added, err) ||
	    aig_ldap_strv_add(&frontier, u->dn, strlen(u->dn), err) != AIG_OK)
		rc = AIG_ERR_NOMEM;
	for (depth = 0; rc == AIG_OK && frontier.n > 0; depth++) {
		if (depth == MEMBEROF_MAX_DEPTH) {
			rc = aig_error_set(err, AIG_LDAP_ERR_SERVER,
					   "groups nested deeper than %d",
					   MEMBEROF_MAX_DEPTH);
			break;
		}
		rc = memberof_level(s, &frontier,
				    depth == 0 && has_pg ? pg : NULL, pglen,
				    &seen, names, err);
	}
	aig_ldap_strv_free(&frontier);
	aig_ldap_strv_free(&seen);
	return rc;
}

int aig_ldap_groups(struct aig_ldap *s, const struct aig_ldap_user *u,
		    struct aig_strv *out, struct aig_error *err)
{
	struct aig_strv names = {NULL, 0};
	int rc;

	out->v = NULL;
	out->n = 0;
	if (u == NULL)
		return aig_error_set(err, AIG_ERR_INVALID,
				     "groups: no user entry given");
	if ((rc = aig_ldap_connect(s, err)) != AIG_OK)
		return rc;
	switch (s->cfg->ldap.groups) {
	case AIG_GROUPS_IN_CHAIN:
		rc = groups_in_chain(s, u, &names, err);
		break;
	case AIG_GROUPS_MEMBEROF:
		rc = groups_memberof(s, u, &names, err);
		break;
	default: rc = groups_tokengroups(s, u, &names, err);
	}
	if (rc != AIG_OK) {
		aig_ldap_strv_free(&names);
		return rc;
	}
	aig_ldap_strv_sort_uniq(&names);
	*out = names;
	return AIG_OK;
}
