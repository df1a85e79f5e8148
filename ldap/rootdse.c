/* SPDX-License-Identifier: Apache-2.0 */
/* rootdse.c - the directory server's clock: the rootDSE's currentTime
 * (aig_ldap.h), for aigatectl check's clock skew line. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ldap_int.h"

/* "YYYYMMDDHHMMSS[.f]Z" (GeneralizedTime, UTC) to seconds. */
static bool generalized_time(const char *v, size_t len, time_t *out)
{
	struct tm tm = {0};
	char buf[16];
	size_t i;

	if (len < 15 || v[len - 1] != 'Z')
		return false;
	for (i = 0; i < 14; i++)
		if (v[i] < '0' || v[i] > '9')
			return false;
	memcpy(buf, v, 14);
	buf[14] = '\0';
	if (sscanf(buf, "%4d%2d%2d%2d%2d%2d", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = timegm(&tm);
	return *out != (time_t)-1;
}

int aig_ldap_server_time(struct aig_ldap *s, time_t *t, struct aig_error *err)
{
	char attr[] = "currentTime", *attrs[] = {attr, NULL};
	LDAPMessage *res = NULL, *e;
	struct berval **vals = NULL;
	int rc;

	if ((rc = aig_ldap_connect(s, err)) != AIG_OK ||
	    (rc = aig_ldap_search(s, "", LDAP_SCOPE_BASE, "(objectClass=*)",
				  attrs, 1, &res, err)) != AIG_OK)
		return rc;
	e = ldap_first_entry(s->ld, res);
	if (e != NULL)
		vals = ldap_get_values_len(s->ld, e, attr);
	if (vals == NULL || vals[0] == NULL ||
	    !generalized_time(vals[0]->bv_val, vals[0]->bv_len, t))
		rc = aig_error_set(err, AIG_ERR_UNAVAILABLE,
				   "the rootDSE has no usable currentTime");
	ldap_value_free_len(vals);
	ldap_msgfree(res);
	return rc;
}
