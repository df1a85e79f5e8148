/* SPDX-License-Identifier: Apache-2.0 */
/* gss.h - GSSAPI initiator credentials from a keytab, without touching
 * the process environment (no KRB5_CLIENT_KTNAME, no KRB5CCNAME). */
#ifndef AIG_LDAP_GSS_H
#define AIG_LDAP_GSS_H

#include "aig_common.h"

/* Acquires initiator credentials for the first principal of keytab, kept
 * in a MEMORY credential cache private to this process (MIT's
 * gss_acquire_cred_from with "client_keytab"): the TGT is fetched from the
 * KDC when first used, and reused by later binds of the same process.
 * *cred is a gss_cred_id_t: release it with aig_gss_cred_free().
 * AIG_ERR_CONFIG when aigate was configured --without-gssapi. */
int aig_gss_cred_from_keytab(const char *keytab, void **cred,
			     struct aig_error *err);

void aig_gss_cred_free(void *cred);

#endif
