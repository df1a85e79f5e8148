/* SPDX-License-Identifier: Apache-2.0 */
/* openssl_load.c - aigate.cgi's OpenSSL, from aigate-openssl.so.
 *
 * Linked into aigate.cgi alone (not into libaigcgi): these definitions
 * of aig_http_tls_get() and of the identity and quarantine functions
 * take the place of http/tls_get.c, identity.c and quarantine.c, which
 * the linker then leaves out of the program, and OpenSSL with them. Each
 * loads the module on first use (ext_load.c: beside the executable,
 * trusted as the other modules are); a request that makes no TLS
 * connection, signs no identity and quarantines nothing never loads it.
 * A module that cannot be loaded makes the request 503, as for the other
 * modules. */
#include "config.h"

#include "aig_cgi.h"
#include "aig_ext.h"
#include "aig_identity.h"
#include "aig_http.h"
#include "cgi_int.h"

/* The module's table, checked against this program's structures. */
static const struct aig_gate_openssl *module(struct aig_error *err)
{
	const struct aig_gate_openssl *o = aig_gate_openssl_load(err);

	if (o != NULL && !aig_http_tls_fits(o->tls)) {
		aig_error_set(err, AIG_ERR_UNAVAILABLE,
			      "aigate-openssl.so is not the module of this "
			      "aigate.cgi");
		return NULL;
	}
	return o;
}

const struct aig_http_tls_ops *aig_http_tls_get(struct aig_error *err)
{
	const struct aig_gate_openssl *o = module(err);

	return o != NULL ? o->tls : NULL;
}

int aig_identity_get(struct aig_identity_key **kp, const char *path,
		     struct aig_error *err)
{
	const struct aig_gate_openssl *o = module(err);

	return o != NULL ? o->identity_get(kp, path, err) : AIG_ERR_UNAVAILABLE;
}

/* A key exists only if the module made it: the module is loaded. */
void aig_identity_free(struct aig_identity_key *k)
{
	struct aig_error err = {0};
	const struct aig_gate_openssl *o = k != NULL ? module(&err) : NULL;

	if (o != NULL)
		o->identity_free(k);
}

const char *aig_identity_jwks(const struct aig_identity_key *k)
{
	struct aig_error err = {0};
	const struct aig_gate_openssl *o = module(&err);

	return o != NULL ? o->identity_jwks(k) : NULL;
}

int aig_identity_token(const struct aig_identity_key *k,
		       const struct aig_identity_claims *c, char **out,
		       struct aig_error *err)
{
	const struct aig_gate_openssl *o = module(err);

	*out = NULL;
	return o != NULL ? o->identity_token(k, c, out, err)
			 : AIG_ERR_UNAVAILABLE;
}

int aig_quarantine_store(const struct aig_config *cfg, const char *id,
			 const char *body, size_t len, struct aig_error *err)
{
	const struct aig_gate_openssl *o = module(err);

	return o != NULL ? o->quarantine_store(cfg, id, body, len, err)
			 : AIG_ERR_UNAVAILABLE;
}
