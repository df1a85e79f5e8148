/* SPDX-License-Identifier: Apache-2.0 */
/* user.c - what a found user entry says about the account's name. */
#include "config.h"

#include "aig_ldap.h"
#include "ldap_int.h"

const char *aig_ldap_user_login(const struct aig_ldap_user *u)
{
	if (u->login_value != NULL)
		return u->login_value;
	return u->sam;
}
