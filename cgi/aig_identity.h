/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aig_identity.h - X-Aigate-Identity, the signed identity the gate gives
 * the backend (aigate.cgi(8), SIGNED IDENTITY): an ES256 JWS of who was let
 * through, and the JWKS that publishes its public key.
 */
#ifndef AIG_IDENTITY_H
#define AIG_IDENTITY_H

#include <stddef.h>

#include "aig_common.h"

struct aig_identity_key; /* opaque: the private key, its kid and JWKS */

/* Makes *kp the key at path: kept when *kp was read from that file and
 * the file has not changed since, else read again (the checks of
 * aig_file_read_checked(); an EC P-256 private key in PEM). On an error
 * *kp is NULL. Free with aig_identity_free(). */
int aig_identity_get(struct aig_identity_key **kp, const char *path,
		     struct aig_error *err);
void aig_identity_free(struct aig_identity_key *k);

/* {"keys":[{"kty":"EC","crv":"P-256","x":..,"y":..,"use":"sig",
 * "alg":"ES256","kid":..}]}, borrowed from k. */
const char *aig_identity_jwks(const struct aig_identity_key *k);

/* What a token says; all borrowed. */
struct aig_identity_claims {
	const char *audience;
	const char *user;
	const char *const *groups;
	size_t ngroups;
	const char *auth; /* "basic", "bearer" */
	const char *request_id;
	int ttl_s; /* 1..60 */
};

/* A new compact JWS for c into *out (caller frees). */
int aig_identity_token(const struct aig_identity_key *k,
		       const struct aig_identity_claims *c, char **out,
		       struct aig_error *err);

#endif /* AIG_IDENTITY_H */
