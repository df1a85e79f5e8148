/* SPDX-License-Identifier: Apache-2.0 */
/* admin.c - group administration for aigatectl: groups found by cn, their
 * members (direct or nested), and adding or removing a member. aigatectl
 * binds for these with aig_ldap_bind_dn() (bind.c), the simple bind the
 * logins use. Only aigatectl calls these: the PAM module and the gate
 * never write to the directory. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ldap_int.h"

#define IN_CHAIN "1.2.840.113556.1.4.1941"
#define PAGE_SIZE 500
#define NEST_MAX 32 /* the generic walk refuses deeper nesting */
#define NAME_MAX_BYTES 256

struct aig_ldap_group {
	char *dn;		 /* owned */
	char *cn;		 /* owned, as the directory spells it */
	const char *member_attr; /* static: "member" or "uniqueMember" */
};

/* -------------------------------------------------------------- searches */

/* One search; the raw LDAP result code comes back in *lrc so that callers
 * can tell "no such object" from a failure. */
static int search_raw(struct aig_ldap *s, const char *base, int scope,
		      const char *filter, char **attrs, LDAPControl **ctrls,
		      int sizelimit, LDAPMessage **res, int *lrc)
{
	struct timeval tv;

	*res = NULL;
	aig_ldap_op_timeout(s, &tv);
	s->ops++;
	*lrc = ldap_search_ext_s(s->ld, base, scope, filter, attrs, 0, ctrls,
				 NULL, &tv, sizelimit, res);
	if (*lrc == LDAP_SUCCESS)
		return AIG_OK;
	ldap_msgfree(*res);
	*res = NULL;
	return AIG_LDAP_ERR_SERVER;
}

static int name_check(const char *name, size_t len, struct aig_error *err)
{
	size_t i;

	if (name == NULL || len == 0 || len > NAME_MAX_BYTES)
		return aig_error_set(err, AIG_ERR_INVALID,
				     "a group name has 1 to %d bytes",
				     NAME_MAX_BYTES);
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return aig_error_set(err, AIG_ERR_INVALID,
					     "group name holds a control "
					     "character");
	if (!aig_utf8_valid(name, len))
		return aig_error_set(err, AIG_ERR_INVALID,
				     "group name is not valid UTF-8");
	return AIG_OK;
}

/* "(prefix<escaped value>suffix)" as a new string. */
static int filter_with(const char *prefix, const char *value, size_t len,
		       const char *suffix, char **out, struct aig_error *err)
{
	char *esc = NULL;
	size_t n;
	int rc;

	*out = NULL;
	if ((rc = aig_ldap_filter_escape(value, len, &esc, err)) != AIG_OK)
		return rc;
	n = strlen(prefix) + strlen(esc) + strlen(suffix) + 1;
	*out = malloc(n);
	if (*out == NULL)
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	else
		snprintf(*out, n, "%s%s%s", prefix, esc, suffix);
	free(esc);
	return rc;
}

/* True if one of the values of attr in e equals one of names (ASCII case
 * ignored, as objectClass values compare). */
static bool has_value(LDAP *ld, LDAPMessage *e, const char *attr,
		      const char *const *names)
{
	struct berval **v = ldap_get_values_len(ld, e, attr);
	bool found = false;
	size_t i, j;

	for (i = 0; v != NULL && v[i] != NULL && !found; i++)
		for (j = 0; names[j] != NULL && !found; j++)
			found = strlen(names[j]) == v[i]->bv_len &&
				strncasecmp(v[i]->bv_val, names[j],
					    v[i]->bv_len) == 0;
	ldap_value_free_len(v);
	return found;
}

static const char *const group_classes[] = {"group", "groupOfNames",
					    "groupOfUniqueNames", NULL};

/* ---------------------------------------------------------------- groups */

void aig_ldap_group_free(struct aig_ldap_group *g)
{
	if (g == NULL)
		return;
	free(g->dn);
	free(g->cn);
	free(g);
}

const char *aig_ldap_group_dn(const struct aig_ldap_group *g)
{
	return g->dn;
}

const char *aig_ldap_group_name(const struct aig_ldap_group *g)
{
	return g->cn;
}

static int one_group(struct aig_ldap *s, LDAPMessage *res,
		     struct aig_ldap_group **out, struct aig_error *err)
{
	static const char *const unique[] = {"groupOfUniqueNames", NULL};
	static const char *const named[] = {"group", "groupOfNames", NULL};
	LDAPMessage *e = ldap_first_entry(s->ld, res);
	struct aig_ldap_group *g = NULL;
	struct berval **cn = NULL;
	char *dn = NULL;
	int rc = AIG_OK;

	if (e == NULL)
		return aig_error_set(err, AIG_LDAP_ERR_NO_SUCH_USER,
				     "no such group");
	if (ldap_next_entry(s->ld, e) != NULL)
		return aig_error_set(err, AIG_LDAP_ERR_AMBIGUOUS,
				     "the name matches several groups");
	g = calloc(1, sizeof(*g));
	dn = ldap_get_dn(s->ld, e);
	cn = ldap_get_values_len(s->ld, e, "cn");
	if (g == NULL || dn == NULL || cn == NULL || cn[0] == NULL ||
	    (g->dn = strdup(dn)) == NULL ||
	    (g->cn = strndup(cn[0]->bv_val, cn[0]->bv_len)) == NULL) {
		rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* groupOfUniqueNames keeps its members in uniqueMember; the others
	 * (AD's group, groupOfNames) in member. */
	g->member_attr =
		has_value(s->ld, e, "objectClass", unique) &&
				!has_value(s->ld, e, "objectClass", named)
			? "uniqueMember"
			: "member";
	*out = g;
	g = NULL;
out:
	ldap_value_free_len(cn);
	ldap_memfree(dn);
	aig_ldap_group_free(g);
	return rc;
}

int aig_ldap_find_group(struct aig_ldap *s, const char *name, size_t len,
			struct aig_ldap_group **out, struct aig_error *err)
{
	char a0[] = "objectClass", a1[] = "cn";
	char *attrs[] = {a0, a1, NULL};
	LDAPMessage *res = NULL;
	char *filter = NULL;
	int rc, lrc;

	*out = NULL;
	if ((rc = name_check(name, len, err)) != AIG_OK ||
	    (rc = aig_ldap_connect(s, err)) != AIG_OK ||
	    (rc = filter_with(
		     "(&(|(objectClass=group)(objectClass=groupOfNames)"
		     "(objectClass=groupOfUniqueNames))(cn=",
		     name, len, "))", &filter, err)) != AIG_OK)
		goto out;
	rc = search_raw(s, s->cfg->ldap.base_dn, LDAP_SCOPE_SUBTREE, filter,
			attrs, NULL, 2, &res, &lrc);
	if (rc != AIG_OK && lrc == LDAP_SIZELIMIT_EXCEEDED)
		rc = aig_error_set(err, AIG_LDAP_ERR_AMBIGUOUS,
				   "the name matches several groups");
	else if (rc != AIG_OK)
		rc = aig_ldap_fail(s, lrc, false, "search for the group", err);
	else
		rc = one_group(s, res, out, err);
out:
	ldap_msgfree(res);
	free(filter);
	return rc;
}

int aig_ldap_group_has_member(struct aig_ldap *s,
			      const struct aig_ldap_group *g, const char *dn,
			      bool *is_member, struct aig_error *err)
{
	char a0[] = "1.1"; /* no attributes */
	char *attrs[] = {a0, NULL};
	LDAPMessage *res = NULL;
	char *filter = NULL;
	int rc, lrc;

	*is_member = false;
	if ((rc = aig_ldap_connect(s, err)) != AIG_OK ||
	    (rc = filter_with(strcmp(g->member_attr, "member") == 0
				      ? "(member="
				      : "(uniqueMember=",
			      dn, strlen(dn), ")", &filter, err)) != AIG_OK)
		goto out;
	rc = search_raw(s, g->dn, LDAP_SCOPE_BASE, filter, attrs, NULL, 0, &res,
			&lrc);
	if (rc != AIG_OK)
		rc = aig_ldap_fail(s, lrc, false, "membership check", err);
	else
		*is_member = ldap_first_entry(s->ld, res) != NULL;
out:
	ldap_msgfree(res);
	free(filter);
	return rc;
}

static int modify_member(struct aig_ldap *s, const struct aig_ldap_group *g,
			 const char *dn, int op, struct aig_error *err)
{
	char *vals[2] = {aig_ldap_unconst(dn), NULL};
	LDAPMod mod = {op, aig_ldap_unconst(g->member_attr), {vals}};
	LDAPMod *mods[2] = {&mod, NULL};
	struct timeval tv;
	int rc;

	if ((rc = aig_ldap_connect(s, err)) != AIG_OK)
		return rc;
	aig_ldap_op_timeout(s, &tv);
	s->ops++;
	rc = ldap_modify_ext_s(s->ld, g->dn, mods, NULL, NULL);
	if (rc == LDAP_SUCCESS)
		return AIG_OK;
	return aig_ldap_fail(s, rc, false,
			     op == LDAP_MOD_ADD ? "adding the member"
						: "removing the member",
			     err);
}

int aig_ldap_group_add_member(struct aig_ldap *s,
			      const struct aig_ldap_group *g, const char *dn,
			      struct aig_error *err)
{
	return modify_member(s, g, dn, LDAP_MOD_ADD, err);
}

int aig_ldap_group_remove_member(struct aig_ldap *s,
				 const struct aig_ldap_group *g, const char *dn,
				 struct aig_error *err)
{
	return modify_member(s, g, dn, LDAP_MOD_DELETE, err);
}

/* --------------------------------------------------------------- members */

const char *aig_ldap_member_kind_name(enum aig_ldap_member_kind k)
{
	switch (k) {
	case AIG_MEMBER_USER: return "user";
	case AIG_MEMBER_GROUP: return "group";
	case AIG_MEMBER_COMPUTER: return "computer";
	case AIG_MEMBER_MISSING: return "missing";
	default: return "other";
	}
}

void aig_ldap_members_free(struct aig_ldap_members *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++) {
		free(m->v[i].name);
		free(m->v[i].dn);
	}
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

static enum aig_ldap_member_kind kind_of(LDAP *ld, LDAPMessage *e)
{
	static const char *const computer[] = {"computer", NULL};
	static const char *const person[] = {"user",
					     "person",
					     "inetOrgPerson",
					     "posixAccount",
					     "organizationalPerson",
					     NULL};

	if (has_value(ld, e, "objectClass", group_classes))
		return AIG_MEMBER_GROUP;
	if (has_value(ld, e, "objectClass", computer))
		return AIG_MEMBER_COMPUTER;
	if (has_value(ld, e, "objectClass", person))
		return AIG_MEMBER_USER;
	return AIG_MEMBER_OTHER;
}

/* Appends one member; name is the login attribute, else the cn, else the
 * DN's first value. Takes dn (owned) whatever happens. */
static int members_add(struct aig_ldap_members *m, char *dn, const char *name,
		       size_t namelen, enum aig_ldap_member_kind kind,
		       struct aig_error *err)
{
	struct aig_ldap_member *v;
	char *nm = NULL;

	if (name != NULL)
		nm = strndup(name, namelen);
	else if (aig_ldap_dn_first_value(dn, &nm, NULL) != AIG_OK)
		nm = strdup(dn);
	v = nm ? realloc(m->v, (m->n + 1) * sizeof(*v)) : NULL;
	if (v == NULL) {
		free(nm);
		free(dn);
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	}
	m->v = v;
	v[m->n].kind = kind;
	v[m->n].name = nm;
	v[m->n].dn = dn;
	m->n++;
	if (m->n > AIG_LDAP_MEMBERS_MAX)
		return aig_error_set(err, AIG_ERR_TOO_BIG,
				     "more than %d members",
				     AIG_LDAP_MEMBERS_MAX);
	return AIG_OK;
}

/* Adds entry e of a search result to m. */
static int entry_add(struct aig_ldap *s, LDAPMessage *e,
		     struct aig_ldap_members *m, struct aig_error *err)
{
	const char *attrs[] = {s->cfg->ldap.login_attribute, "cn"};
	struct berval **v = NULL;
	char *ldn = ldap_get_dn(s->ld, e), *dn = ldn ? strdup(ldn) : NULL;
	size_t i;
	int rc;

	ldap_memfree(ldn);
	if (dn == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	for (i = 0; i < 2 && (v == NULL || v[0] == NULL); i++) {
		ldap_value_free_len(v);
		v = ldap_get_values_len(s->ld, e, attrs[i]);
	}
	rc = members_add(m, dn, v && v[0] ? v[0]->bv_val : NULL,
			 v && v[0] ? v[0]->bv_len : 0, kind_of(s->ld, e), err);
	ldap_value_free_len(v);
	return rc;
}

/* AD: one paged search for the entries whose memberOf names the group,
 * directly or (recursive) through any chain (the in-chain matching rule).
 * Members by primary group (primaryGroupID) are not in memberOf and are
 * not listed, as AD's own tools do not list them either. */
static int members_ad(struct aig_ldap *s, const struct aig_ldap_group *g,
		      bool recursive, struct aig_ldap_members *out,
		      struct aig_error *err)
{
	char a0[] = "objectClass", a1[] = "cn";
	char *attrs[] = {a0, a1, aig_ldap_unconst(s->cfg->ldap.login_attribute),
			 NULL};
	struct berval cookie = {0, NULL};
	LDAPControl *page = NULL, *ctrls[2] = {NULL, NULL}, **rctrls = NULL;
	LDAPMessage *res = NULL, *e;
	char *filter = NULL;
	int rc, lrc, code;

	rc = filter_with(recursive ? "(memberOf:" IN_CHAIN ":=" : "(memberOf=",
			 g->dn, strlen(g->dn), ")", &filter, err);
	while (rc == AIG_OK) {
		if (ldap_create_page_control(s->ld, PAGE_SIZE,
					     cookie.bv_val ? &cookie : NULL, 0,
					     &page) != LDAP_SUCCESS) {
			rc = aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
			break;
		}
		ctrls[0] = page;
		rc = search_raw(s, s->cfg->ldap.base_dn, LDAP_SCOPE_SUBTREE,
				filter, attrs, ctrls, 0, &res, &lrc);
		ldap_control_free(page);
		page = NULL;
		if (rc != AIG_OK) {
			rc = aig_ldap_fail(s, lrc, false,
					   "search for the members", err);
			break;
		}
		for (e = ldap_first_entry(s->ld, res); e && rc == AIG_OK;
		     e = ldap_next_entry(s->ld, e))
			rc = entry_add(s, e, out, err);
		ber_memfree(cookie.bv_val);
		cookie.bv_val = NULL;
		cookie.bv_len = 0;
		if (rc == AIG_OK &&
		    ldap_parse_result(s->ld, res, &code, NULL, NULL, NULL,
				      &rctrls, 0) == LDAP_SUCCESS) {
			LDAPControl *c = ldap_control_find(
				LDAP_CONTROL_PAGEDRESULTS, rctrls, NULL);
			ber_int_t count;

			if (c != NULL)
				ldap_parse_pageresponse_control(
					s->ld, c, &count, &cookie);
		}
		ldap_controls_free(rctrls);
		rctrls = NULL;
		ldap_msgfree(res);
		res = NULL;
		if (cookie.bv_val == NULL || cookie.bv_len == 0)
			break;
	}
	ber_memfree(cookie.bv_val);
	free(filter);
	return rc;
}

/* The member and uniqueMember values of the group at dn. */
static int direct_dns(struct aig_ldap *s, const char *dn, struct aig_strv *out,
		      struct aig_error *err)
{
	static const char *const names[] = {"member", "uniqueMember"};
	char a0[] = "member", a1[] = "uniqueMember";
	char *attrs[] = {a0, a1, NULL};
	LDAPMessage *res = NULL, *e;
	size_t i, j;
	int rc, lrc;

	rc = search_raw(s, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, NULL,
			0, &res, &lrc);
	if (rc != AIG_OK)
		return aig_ldap_fail(s, lrc, false, "reading the group", err);
	e = ldap_first_entry(s->ld, res);
	for (i = 0; e != NULL && i < 2 && rc == AIG_OK; i++) {
		struct berval **v = ldap_get_values_len(s->ld, e, names[i]);

		for (j = 0; v != NULL && v[j] != NULL && rc == AIG_OK; j++)
			rc = aig_ldap_strv_add(out, v[j]->bv_val, v[j]->bv_len,
					       err);
		ldap_value_free_len(v);
	}
	ldap_msgfree(res);
	return rc;
}

/* Looks up one member DN (a base search) and appends it; a DN that names
 * no entry is listed as missing. *is_group says whether to descend. */
static int member_lookup(struct aig_ldap *s, const char *dn,
			 struct aig_ldap_members *out, bool *is_group,
			 struct aig_error *err)
{
	char a0[] = "objectClass", a1[] = "cn";
	char *attrs[] = {a0, a1, aig_ldap_unconst(s->cfg->ldap.login_attribute),
			 NULL};
	LDAPMessage *res = NULL, *e;
	char *copy = strdup(dn);
	int rc, lrc;

	*is_group = false;
	if (copy == NULL)
		return aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
	rc = search_raw(s, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, NULL,
			0, &res, &lrc);
	if (rc != AIG_OK && lrc == LDAP_NO_SUCH_OBJECT)
		return members_add(out, copy, NULL, 0, AIG_MEMBER_MISSING, err);
	free(copy);
	if (rc != AIG_OK)
		return aig_ldap_fail(s, lrc, false, "reading a member", err);
	e = ldap_first_entry(s->ld, res);
	if (e != NULL) {
		*is_group = kind_of(s->ld, e) == AIG_MEMBER_GROUP;
		rc = entry_add(s, e, out, err);
	}
	ldap_msgfree(res);
	return rc;
}

/* Generic LDAP: the group's member/uniqueMember values, each looked up;
 * recursive descends into member groups one level at a time, following a
 * group met twice (a cycle, or two paths) once. */
static int members_walk(struct aig_ldap *s, const struct aig_ldap_group *g,
			bool recursive, struct aig_ldap_members *out,
			struct aig_error *err)
{
	struct aig_strv frontier = {NULL, 0}, next = {NULL, 0},
			seen = {NULL, 0};
	size_t depth, i, j;
	bool added, is_group;
	int rc = AIG_OK;

	if (!aig_ldap_seen_add(&seen, g->dn, &added, err) ||
	    aig_ldap_strv_add(&frontier, g->dn, strlen(g->dn), err) != AIG_OK)
		rc = AIG_ERR_NOMEM;
	for (depth = 0; rc == AIG_OK && frontier.n > 0; depth++) {
		if (depth == NEST_MAX) {
			rc = aig_error_set(err, AIG_LDAP_ERR_SERVER,
					   "groups nested deeper than %d",
					   NEST_MAX);
			break;
		}
		for (i = 0; i < frontier.n && rc == AIG_OK; i++) {
			struct aig_strv dns = {NULL, 0};

			rc = direct_dns(s, frontier.v[i], &dns, err);
			for (j = 0; j < dns.n && rc == AIG_OK; j++) {
				if (!aig_ldap_seen_add(&seen, dns.v[j], &added,
						       err)) {
					rc = AIG_ERR_NOMEM;
					break;
				}
				if (!added)
					continue;
				rc = member_lookup(s, dns.v[j], out, &is_group,
						   err);
				if (rc == AIG_OK && is_group && recursive)
					rc = aig_ldap_strv_add(&next, dns.v[j],
							       strlen(dns.v[j]),
							       err);
			}
			aig_strv_free(&dns);
		}
		aig_strv_free(&frontier);
		frontier = next;
		next.v = NULL;
		next.n = 0;
	}
	aig_strv_free(&frontier);
	aig_strv_free(&next);
	aig_strv_free(&seen);
	return rc;
}

static int member_cmp(const void *a, const void *b)
{
	const struct aig_ldap_member *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return strcasecmp(x->name, y->name);
}

int aig_ldap_group_members(struct aig_ldap *s, const struct aig_ldap_group *g,
			   bool recursive, struct aig_ldap_members *out,
			   struct aig_error *err)
{
	struct aig_ldap_members m = {NULL, 0};
	int rc;

	out->v = NULL;
	out->n = 0;
	if ((rc = aig_ldap_connect(s, err)) != AIG_OK)
		return rc;
	if (s->cfg->ldap.groups == AIG_GROUPS_MEMBEROF)
		rc = members_walk(s, g, recursive, &m, err);
	else
		rc = members_ad(s, g, recursive, &m, err);
	if (rc != AIG_OK) {
		aig_ldap_members_free(&m);
		return rc;
	}
	if (m.n > 1)
		qsort(m.v, m.n, sizeof(*m.v), member_cmp);
	*out = m;
	return AIG_OK;
}
