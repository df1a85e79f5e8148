/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ops.c - the one symbol of aigate-ldap.so: the directory code as the
 * table of ldap_ops.h, for pam_aigate.so's stand-ins (lazy.c).
 */
#include "config.h"

#include "ldap_ops.h"

const struct aig_ldap_ops aig_ldap_ops_v1 = {
	.version = AIG_LDAP_OPS_VERSION,
	.package = PACKAGE_STRING,
	.config_size = sizeof(struct aig_config),
	.new_session = aig_ldap_new,
	.free_session = aig_ldap_free,
	.set_log = aig_ldap_set_log,
	.connected = aig_ldap_connected,
	.disconnect = aig_ldap_disconnect,
	.forget_user = aig_ldap_forget_user,
	.bind_service = aig_ldap_bind_service,
	.bind_user = aig_ldap_bind_user,
	.bound_user_name = aig_ldap_bound_user_name,
	.bind_user_entry = aig_ldap_bind_user_entry,
	.authenticate = aig_ldap_authenticate,
	.find_user = aig_ldap_find_user,
	.user_free = aig_ldap_user_free,
	.groups = aig_ldap_groups,
	.account_state = aig_ldap_account_state,
	.password_expiry = aig_ldap_password_expiry,
	.change_password = aig_ldap_change_password,
};
