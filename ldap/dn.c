/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dn.c - the helpers that parse DNs with libldap. They are apart from
 * util.c so that util.c needs no libldap: pam_aigate.so links util.c and
 * the state files (cache.c, credstore.c, statedir.c, mdb.c) without the
 * directory code, which it loads only when a login needs the DC (see
 * lazy.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ldap_int.h"

int aig_ldap_dn_first_value(const char *dn, char **out, struct aig_error *err)
{
	LDAPDN ldn = NULL;
	LDAPAVA *ava;
	int rc;

	*out = NULL;
	if (dn == NULL ||
	    ldap_str2dn(dn, &ldn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS ||
	    ldn == NULL || ldn[0] == NULL || ldn[0][0] == NULL) {
		rc = aig_error_set(err, AIG_ERR_INVALID, "not a valid DN");
		goto out;
	}
	ava = ldn[0][0];
	/* An empty value ("CN=,...") comes with bv_val NULL, which neither
	 * memchr() nor strndup() may be given, even for 0 bytes. */
	if (ava->la_flags & LDAP_AVA_BINARY ||
	    (ava->la_value.bv_len > 0 &&
	     memchr(ava->la_value.bv_val, '\0', ava->la_value.bv_len))) {
		rc = aig_error_set(err, AIG_ERR_INVALID,
				   "DN value is not a string");
		goto out;
	}
	*out = ava->la_value.bv_len > 0
		       ? strndup(ava->la_value.bv_val, ava->la_value.bv_len)
		       : strdup("");
	rc = *out ? AIG_OK : aig_error_set(err, AIG_ERR_NOMEM, "out of memory");
out:
	ldap_dnfree(ldn);
	return rc;
}

/* DNs seen so far, compared without regard to case (both AD and the
 * usual schemas match DNs that way) after libldap normalises them. */
bool aig_ldap_seen_add(struct aig_strv *seen, const char *dn, bool *added,
		       struct aig_error *err)
{
	char *norm = NULL;
	const char *d;
	size_t i;
	bool ok = true;

	*added = false;
	if (ldap_dn_normalize(dn, LDAP_DN_FORMAT_LDAPV3, &norm,
			      LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		norm = NULL;
	d = norm ? norm : dn;
	for (i = 0; i < seen->n; i++)
		if (strcasecmp(seen->v[i], d) == 0)
			goto out;
	ok = aig_ldap_strv_add(seen, d, strlen(d), err) == AIG_OK;
	*added = ok;
out:
	ldap_memfree(norm);
	return ok;
}
