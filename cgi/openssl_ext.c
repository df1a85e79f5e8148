/* SPDX-License-Identifier: Apache-2.0 */
/* openssl_ext.c - aigate-openssl.so: what aigate.cgi does with OpenSSL
 * (TLS to the backend and to key servers, the identity key, quarantine),
 * as one table (aig_ext.h). The module carries its own OpenSSL, linked
 * from the same static archives as the programs that link it directly;
 * only the table is exported. */
#include "config.h"

#include "aig_cgi.h"
#include "aig_ext.h"
#include "aig_identity.h"
#include "aig_http.h"
#include "cgi_int.h"

const struct aig_gate_openssl aig_gate_openssl_v1 = {
	{AIG_GATE_OPENSSL_VERSION, PACKAGE_STRING, sizeof(struct aig_config)},
	&aig_http_tls_openssl,
	aig_identity_get,
	aig_identity_free,
	aig_identity_jwks,
	aig_identity_token,
	aig_quarantine_store,
};
