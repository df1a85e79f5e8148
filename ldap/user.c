/* SPDX-License-Identifier: Apache-2.0 */
/* user.c - what a found user entry says about the account's name, and
 * the directory server's clock. */
#include "config.h"

#include <string.h>
#include <time.h>

#include "aig_ldap.h"
#include "ldap_int.h"

const char *aig_ldap_user_login(const struct aig_ldap_user *u)
{
	if (u->login_value != NULL)
		return u->login_value;
	return u->sam;
}

/* "YYYYMMDDHHMMSS[.f]Z" (GeneralizedTime, UTC) to time_t. */
static bool generalized_time(const char *v, time_t *t)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(v, "%Y%m%d%H%M%S", &tm);
	if (end == NULL)
		return false;
	if (*end == '.')
		end += 1 + strspn(end + 1, "0123456789");
	if (strcmp(end, "Z") != 0)
		return false;
	*t = timegm(&tm);
	return *t != (time_t)-1;
}

int aig_ldap_server_time(struct aig_ldap *s, time_t *t, struct aig_error *err)
{
	char attr[] = "currentTime", *attrs[] = {attr, NULL};
	struct berval **vals = NULL;
	LDAPMessage *res = NULL, *e;
	int rc = AIG_OK;

	if (s->ld == NULL)
		rc = aig_ldap_connect(s, err);
	if (rc == AIG_OK)
		rc = aig_ldap_search(s, "", LDAP_SCOPE_BASE, "(objectClass=*)",
				     attrs, 0, &res, err);
	if (rc != AIG_OK)
		return rc;
	e = ldap_first_entry(s->ld, res);
	if (e != NULL)
		vals = ldap_get_values_len(s->ld, e, attr);
	if (vals == NULL || vals[0] == NULL || vals[0]->bv_len >= 32 ||
	    memchr(vals[0]->bv_val, '\0', vals[0]->bv_len) != NULL) {
		rc = aig_error_set(err, AIG_LDAP_ERR_SERVER,
				   "the server gave no currentTime");
	} else {
		char v[32];

		memcpy(v, vals[0]->bv_val, vals[0]->bv_len);
		v[vals[0]->bv_len] = '\0';
		if (!generalized_time(v, t))
			rc = aig_error_set(err, AIG_LDAP_ERR_SERVER,
					   "currentTime is not a time");
	}
	ldap_value_free_len(vals);
	ldap_msgfree(res);
	return rc;
}
