/* SPDX-License-Identifier: Apache-2.0 */
/* passwd.c - AD password change (unicodePwd), password expiry, and the
 * account's state (disabled, expired, locked out, must change). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ldap_int.h"

/* AD answers a refused change with constraintViolation and a text that
 * Windows keeps terse ("0000052D: Constraint violation") and Samba makes
 * precise ("...: password is too young to change!"); read what there is. */
static int refusal_status(const char *diag)
{
	static const struct {
		const char *text;
		int status;
	} map[] = {
		{"00000056", AIG_LDAP_ERR_BAD_CREDENTIALS}, /* wrong old one */
		{"old password", AIG_LDAP_ERR_BAD_CREDENTIALS},
		{"too young", AIG_LDAP_ERR_PW_TOO_YOUNG},
		{"minimum password age", AIG_LDAP_ERR_PW_TOO_YOUNG},
		{"history", AIG_LDAP_ERR_PW_HISTORY},
		{"already used", AIG_LDAP_ERR_PW_HISTORY},
		{"complexity", AIG_LDAP_ERR_PW_QUALITY},
		{"too short", AIG_LDAP_ERR_PW_QUALITY},
		{"too long", AIG_LDAP_ERR_PW_QUALITY},
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasestr(diag, map[i].text) != NULL)
			return map[i].status;
	return AIG_LDAP_ERR_PW_REFUSED;
}

static int change_failed(struct aig_ldap *s, int rc, struct aig_error *err)
{
	struct aig_error tmp = {0};
	int status;

	status = aig_ldap_fail(s, rc, false, "password change", &tmp);
	if (rc == LDAP_CONSTRAINT_VIOLATION || rc == LDAP_UNWILLING_TO_PERFORM)
		status = refusal_status(s->diag);
	else if (rc == LDAP_INVALID_CREDENTIALS)
		status = AIG_LDAP_ERR_BAD_CREDENTIALS;
	return aig_error_set(err, status, "%s: %s",
			     aig_ldap_status_name(status), tmp.msg);
}

int aig_ldap_change_password(struct aig_ldap *s, const struct aig_ldap_user *u,
			     const char *old_password, const char *new_password,
			     struct aig_error *err)
{
	unsigned char *oldv = NULL, *newv = NULL;
	size_t oldlen = 0, newlen = 0;
	struct berval ob, nb, *ovals[2] = {&ob, NULL}, *nvals[2] = {&nb, NULL};
	char attr[] = "unicodePwd";
	LDAPMod del = {LDAP_MOD_DELETE | LDAP_MOD_BVALUES, attr, {0}};
	LDAPMod add = {LDAP_MOD_ADD | LDAP_MOD_BVALUES, attr, {0}};
	LDAPMod *mods[3] = {&del, &add, NULL};
	struct timeval tv;
	int rc;

	if (u == NULL || s->ld == NULL)
		return aig_error_set(err, AIG_ERR_INVALID,
				     "password change needs a bound session "
				     "and the user entry");
	if (aig_ldap_password_refused(old_password) ||
	    aig_ldap_password_refused(new_password))
		return aig_error_set(err, AIG_LDAP_ERR_PW_QUALITY,
				     "empty or decoy password refused locally");
	if ((rc = aig_ldap_unicode_pwd(old_password, &oldv, &oldlen, err)) !=
		    AIG_OK ||
	    (rc = aig_ldap_unicode_pwd(new_password, &newv, &newlen, err)) !=
		    AIG_OK)
		goto out;
	ob.bv_val = (char *)oldv;
	ob.bv_len = oldlen;
	nb.bv_val = (char *)newv;
	nb.bv_len = newlen;
	del.mod_bvalues = ovals;
	add.mod_bvalues = nvals;
	aig_ldap_op_timeout(s, &tv);
	s->ops++;
	rc = ldap_modify_ext_s(s->ld, u->dn, mods, NULL, NULL);
	rc = rc == LDAP_SUCCESS ? AIG_OK : change_failed(s, rc, err);
out:
	aig_wipe_free(oldv, oldlen);
	aig_wipe_free(newv, newlen);
	return rc;
}

int aig_ldap_password_expiry(const struct aig_ldap_user *u,
			     enum aig_pw_expiry *kind, time_t *when,
			     struct aig_error *err)
{
	*kind = AIG_PW_NEVER;
	*when = 0;
	if (u == NULL || u->pw_expiry == NULL)
		return aig_error_set(err, AIG_ERR_INVALID,
				     "the server gave no password expiry "
				     "(msDS-UserPasswordExpiryTimeComputed)");
	return aig_ldap_filetime_parse(u->pw_expiry, kind, when, err);
}

/* userAccountControl and msDS-User-Account-Control-Computed bits
 * (MS-ADTS 2.2.16). */
#define UF_ACCOUNTDISABLE 0x2u
#define UF_LOCKOUT 0x10u
#define UF_DONT_EXPIRE_PASSWD 0x10000u
#define UF_PASSWORD_EXPIRED 0x800000u

/* An AD flags value: a 32-bit integer in decimal (AD writes it signed).
 * NULL (not given) is 0. */
static int flags_parse(const char *v, const char *attr, uint32_t *out,
		       struct aig_error *err)
{
	long long n;
	char *end;

	*out = 0;
	if (v == NULL)
		return AIG_OK;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < INT32_MIN ||
	    n > UINT32_MAX)
		return aig_error_set(err, AIG_LDAP_ERR_SERVER,
				     "%s is not a number", attr);
	*out = (uint32_t)n;
	return AIG_OK;
}

/* Whether accountExpires (may be NULL: never) is past. */
static int account_expired(const char *v, time_t now, bool *expired,
			   struct aig_error *err)
{
	enum aig_pw_expiry kind;
	time_t when;

	*expired = false;
	if (v == NULL)
		return AIG_OK;
	if (aig_ldap_filetime_parse(v, &kind, &when, NULL) != AIG_OK)
		return aig_error_set(err, AIG_LDAP_ERR_SERVER,
				     "accountExpires is not a FILETIME");
	/* 0 (AIG_PW_MUST_CHANGE to the parser) means never here */
	*expired = kind == AIG_PW_EXPIRES && when <= now;
	return AIG_OK;
}

int aig_ldap_account_state(const struct aig_ldap_user *u, time_t now,
			   struct aig_error *err)
{
	uint32_t uac = 0, computed = 0;
	bool expired = false;
	int rc;

	if (u == NULL)
		return aig_error_set(err, AIG_ERR_INVALID,
				     "account state: no user entry given");
	if ((rc = flags_parse(u->uac, "userAccountControl", &uac, err)) !=
		    AIG_OK ||
	    (rc = flags_parse(u->uac_computed,
			      "msDS-User-Account-Control-Computed", &computed,
			      err)) != AIG_OK ||
	    (rc = account_expired(u->account_expires, now, &expired, err)) !=
		    AIG_OK)
		return rc;
	if (uac & UF_ACCOUNTDISABLE)
		return aig_error_set(err, AIG_LDAP_ERR_DISABLED,
				     "userAccountControl: disabled");
	if (expired)
		return aig_error_set(err, AIG_LDAP_ERR_ACCOUNT_EXPIRED,
				     "accountExpires is past");
	if (computed & UF_LOCKOUT)
		return aig_error_set(err, AIG_LDAP_ERR_LOCKED_OUT,
				     "msDS-User-Account-Control-Computed: "
				     "locked out");
	if (u->pwd_last_set != NULL && strcmp(u->pwd_last_set, "0") == 0 &&
	    !(uac & UF_DONT_EXPIRE_PASSWD))
		return aig_error_set(err, AIG_LDAP_ERR_MUST_CHANGE,
				     "pwdLastSet 0: must change");
	if (computed & UF_PASSWORD_EXPIRED)
		return aig_error_set(err, AIG_LDAP_ERR_PASSWORD_EXPIRED,
				     "msDS-User-Account-Control-Computed: "
				     "password expired");
	return AIG_OK;
}
