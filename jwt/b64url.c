/* SPDX-License-Identifier: Apache-2.0 */
/* b64url.c - base64url for JWS (RFC 7515 §2): the strict decoder of
 * common/base64.c, without padding. */
#include "config.h"

#include "aig_jwt.h"

size_t aig_jwt_b64url_decoded_len(size_t len)
{
	return aig_base64_decoded_len(len);
}

bool aig_jwt_b64url_decode(const char *in, size_t len, unsigned char *out,
			   size_t cap, size_t *outlen)
{
	return aig_base64_decode(in, len, true, out, cap, outlen);
}
